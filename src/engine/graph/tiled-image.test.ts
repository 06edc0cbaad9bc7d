// TiledImage.sweepFusion (graph/tiled-image.ts) in Node on Dawn: where the
// budget leaves the fine bands room on the GPU, pass 2 collapses in place and
// band 0 is adopted as the keep (no second full-size image); where it does
// not, the bands go through CPU memory and the keep is recorded. Both give
// the same fusion (the CPU reference's, within the untiled GPU fusion's own
// tolerance), the same proxy, and stay within the budget.
import { describe, expect, vi } from 'vitest';
import { gpuTest } from '../../../test/support/gpu';
import { compareImages, sceneBrackets } from '../../../test/support/scenes';
import { fuse } from '../fusion/reference/fusion';
import { TiledFusion } from '../fusion/tiled-fusion';
import { defaultParams } from '../params';
import type { FloatImage } from '../types';
import { proxyRadiance } from './proxy';
import { RadianceCache } from './radiance-cache';
import { TiledImage } from './tiled-image';

const [W, H] = [640, 448];
const K = 2;
const MIB = 1024 ** 2;

describe('the settled fusion sweep', { timeout: 120_000 }, () => {
  const set = sceneBrackets(W, H, false, 3);
  const reference = fuse(set, { contrastWeight: 1, saturationWeight: 1, exposureWeight: 1 });
  gpuTest('in place at 256 MiB, through CPU memory at 24 MiB: the same fusion and proxy, within the budget', async ({ gpu }) => {
    const made: { fused: FloatImage; proxy: FloatImage }[] = [];
    for (const { budget, inPlace } of [
      { budget: 256, inPlace: true },
      { budget: 24, inPlace: false },
    ]) {
      const tiled = new TiledImage(gpu.device, gpu.res, { brackets: set }, budget * MIB, undefined, K);
      tiled.setParams(defaultParams());
      const proxy = gpu.res.texture({ label: 'test.proxy', size: [W / K, H / K], format: 'rgba32float', usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.COPY_SRC });
      const taken = vi.spyOn(TiledFusion.prototype, 'takeResult');
      const adopted = vi.spyOn(RadianceCache.prototype, 'adopt');
      try {
        gpu.res.resetPeak();
        expect(await tiled.sweepFusion(gpu.device.limits, { texture: proxy, k: K })).toBe(true);
        expect(gpu.res.peakBytes, `${budget} MiB`).toBeLessThanOrEqual(budget * MIB);
        expect(adopted).toHaveBeenCalledTimes(inPlace ? 1 : 0);
        if (inPlace) expect(taken.mock.results[0]!.value).not.toBeNull();
        const source = tiled.source('fusion');
        expect((source as RadianceCache).keeps).toBe(true);
        const whole = await source.produce({ x: 0, y: 0, width: W, height: H });
        const fused = { width: W, height: H, data: new Float32Array(await gpu.readTexture(whole, 16)) };
        gpu.res.release(whole);
        const proxied = { width: W / K, height: H / K, data: new Float32Array(await gpu.readTexture(proxy, 16)) };
        // The untiled GPU fusion is within 1e-3 of the CPU reference (fusion/tiled-fusion.test.ts); so is this.
        expect(compareImages(fused, reference).maxDiff).toBeLessThan(1e-3);
        expect(compareImages(proxied, proxyRadiance(fused, K)).maxDiff).toBeLessThan(1e-5);
        made.push({ fused, proxy: proxied });
      } finally {
        taken.mockRestore();
        adopted.mockRestore();
        tiled.release();
        gpu.res.release(proxy);
      }
    }
    // The two paths make the same pixels.
    expect(compareImages(made[0]!.fused, made[1]!.fused).maxDiff).toBeLessThanOrEqual(1e-5);
    expect(compareImages(made[0]!.proxy, made[1]!.proxy).maxDiff).toBeLessThanOrEqual(1e-5);
  });
});
