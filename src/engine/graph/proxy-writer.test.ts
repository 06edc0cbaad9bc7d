// ProxyWriter and the proxy-down pass (graph/proxy-writer.ts,
// shaders/view/proxy-down.wgsl) in Node on Dawn: a sweep over tiles that
// partition the image writes the whole image box-averaged by k, as
// proxyRadiance (graph/proxy.ts, the CPU reference) makes it, the last row
// and column of blocks included where the size is not a multiple of k.
import { describe, expect } from 'vitest';
import { gpuTest, type GpuContext } from '../../../test/support/gpu';
import { ProxyDownPass } from '../view/passes/proxy-down';
import { ProxyWriter } from './proxy-writer';
import { proxyRadiance } from './proxy';
import { TextureRegion } from './region-source';
import type { Rect } from './region';

const [W, H] = [38, 23];

function image(gpu: GpuContext): { region: TextureRegion; data: Float32Array<ArrayBuffer> } {
  const data = Float32Array.from({ length: W * H * 4 }, (_, i) => Math.sin(i * 0.37) * 100 + (i % 7) * 1000);
  const texture = gpu.res.texture({ label: 'test.src', size: [W, H], format: 'rgba32float', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST });
  gpu.device.queue.writeTexture({ texture }, data, { bytesPerRow: W * 16 }, [W, H]);
  return { region: new TextureRegion(gpu.device, gpu.res, texture), data };
}

/** Cores on multiples of k that partition the image, of unequal sizes. */
function tiles(k: number): Rect[] {
  const xs = [0, 4 * k, 9 * k, W].filter((x, i, a) => x <= W && (i === 0 || x > a[i - 1]!));
  const ys = [0, 2 * k, H].filter((y, i, a) => y <= H && (i === 0 || y > a[i - 1]!));
  const out: Rect[] = [];
  for (let j = 0; j + 1 < ys.length; j++) for (let i = 0; i + 1 < xs.length; i++) out.push({ x: xs[i]!, y: ys[j]!, width: xs[i + 1]! - xs[i]!, height: ys[j + 1]! - ys[j]! });
  return out;
}

describe('a sweep writes the proxy as proxyRadiance makes it', () => {
  gpuTest.for([2, 3, 4])('k = %i', async (k, { gpu }) => {
    const { region, data } = image(gpu);
    const proxy = gpu.res.texture({ label: 'test.proxy', size: [Math.ceil(W / k), Math.ceil(H / k)], format: 'rgba32float', usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.COPY_SRC });
    const writer = new ProxyWriter(region, new ProxyDownPass(gpu.device, gpu.res), { texture: proxy, k });
    const cores = tiles(k);
    expect(cores.length).toBeGreaterThan(2);
    for (const [i, core] of cores.entries()) {
      expect(writer.complete).toBe(false);
      gpu.res.release(await writer.produce(core));
      expect(writer.complete).toBe(i === cores.length - 1);
    }
    const got = new Float32Array(await gpu.readTexture(proxy, 16));
    const want = proxyRadiance({ width: W, height: H, data }, k).data;
    expect(got.length).toBe(want.length);
    // f32 sums on the GPU, float64 on the CPU: within a few units of f32's last place.
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
    expect(worst).toBeLessThan(1e-6);
  });

  gpuTest('a core off the multiples of k, or a proxy of another size, is refused', async ({ gpu }) => {
    const { region } = image(gpu);
    const pass = new ProxyDownPass(gpu.device, gpu.res);
    const proxy = gpu.res.texture({ label: 'test.proxy', size: [Math.ceil(W / 2), Math.ceil(H / 2)], format: 'rgba32float', usage: GPUTextureUsage.STORAGE_BINDING });
    expect(() => new ProxyWriter(region, pass, { texture: proxy, k: 3 })).toThrow(/not a 38×23 image ÷ 3/);
    const writer = new ProxyWriter(region, pass, { texture: proxy, k: 2 });
    await expect(writer.produce({ x: 1, y: 0, width: 4, height: 4 })).rejects.toThrow(/not on a multiple of 2/);
  });
});
