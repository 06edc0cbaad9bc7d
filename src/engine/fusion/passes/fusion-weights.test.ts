// Exposure fusion of the ghost fill's brackets (fusion-weights.wgsl FILLED:
// each sample's alpha weighs it) on the GPU (Dawn in Node) against
// reference/fusion.ts fuse(…, filled), and the plain fusion leaving alpha unread.
import { describe, expect } from 'vitest';
import { gpuTest, type GpuContext } from '../../../../test/support/gpu';
import { compareImages, sceneBrackets } from '../../../../test/support/scenes';
import { uploadBrackets } from '../../graph/upload';
import { defaultParams } from '../../params';
import { rng } from '../../reference/random';
import type { Bracket, FloatImage } from '../../types';
import { Fusion } from '../fusion';
import { fuse } from '../reference/fusion';

const WEIGHTS = { contrastWeight: 1, saturationWeight: 1, exposureWeight: 1 };

async function fusedOnGpu(gpu: GpuContext, set: readonly Bracket[], filled: boolean): Promise<FloatImage> {
  const { texture } = uploadBrackets(gpu.device, gpu.res, set);
  const fusion = new Fusion(gpu.device, gpu.res);
  fusion.setParams(defaultParams());
  fusion.bind(texture, filled);
  const encoder = gpu.device.createCommandEncoder();
  fusion.encode(encoder);
  gpu.device.queue.submit([encoder.finish()]);
  const r = fusion.result!;
  return { width: r.width, height: r.height, data: new Float32Array(await gpu.readTexture(r, 16)) };
}

describe('fusion of filled brackets (Dawn in Node)', { timeout: 120_000 }, () => {
  for (const wide of [false, true]) {
    gpuTest(`${wide ? 16 : 8}-bit, alpha from 0 to 1: FILLED weighs by it as the reference does; the plain fusion ignores it`, async ({ gpu }) => {
      const random = rng(3);
      const top = wide ? 65535 : 255;
      // Alpha 0 over a block of the second bracket, random elsewhere in it, 1 in the others.
      const set = sceneBrackets(160, 120, wide, 5).map((b, k) => {
        const pixels = b.pixels.slice();
        for (let p = 0; p < b.width * b.height; p++) if (k === 1) pixels[p * 4 + 3] = p % b.width < 40 ? 0 : Math.round(random() * top);
        return { ...b, pixels };
      });
      const filled = compareImages(await fusedOnGpu(gpu, set, true), fuse(set, WEIGHTS, true));
      const plain = await fusedOnGpu(gpu, set, false);
      expect(filled.maxDiff).toBeLessThan(1e-3);
      expect(compareImages(plain, fuse(set, WEIGHTS)).maxDiff).toBeLessThan(1e-3);
      // The alpha matters: weighed by it, the picture is another.
      expect(compareImages(plain, fuse(set, WEIGHTS, true)).maxDiff).toBeGreaterThan(1e-2);
    });
  }
});
