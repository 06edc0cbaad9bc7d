// The luminance reduction (shaders/luminance/luminance.wgsl) against its CPU
// reference (reference/stats.ts) on Dawn in Node: the radiance variant and the
// FUSED one (a fused image's brightest channel, 1 + its encoded value).
import { describe, expect } from 'vitest';
import { gpuTest, skipGpu } from '../../../../test/support/gpu';
import { rng } from '../../reference/random';
import { fusedStats, luminanceStats } from '../reference/stats';
import type { FloatImage, LuminanceStats } from '../../types';
import { LuminancePass } from './luminance';

const [W, H] = [37, 23];

function image(seed: number, scale: (u: number) => number): FloatImage {
  const next = rng(seed);
  const data = new Float32Array(W * H * 4);
  for (let i = 0; i < W * H; i++) data.set([scale(next()), scale(next()), scale(next()), 1], i * 4);
  return { width: W, height: H, data };
}

/** Same statistics: relative 1e-4 on the figures (f32 sums against float64); the histogram's counts within 2 (a value on a bin edge). */
function expectClose(got: LuminanceStats, want: LuminanceStats): void {
  for (const k of ['logAvg', 'minL', 'maxL', 'histLo', 'histHi', 'meanR', 'meanG', 'meanB'] as const) expect(got[k], k).toBeCloseTo(want[k], Math.max(0, 4 - Math.round(Math.log10(Math.abs(want[k]) + 1))));
  let moved = 0;
  for (let b = 0; b < want.histogram.length; b++) moved += Math.abs(got.histogram[b]! - want.histogram[b]!);
  expect(moved).toBeLessThanOrEqual(2);
  expect(got.histogram.reduce((s, v) => s + v, 0)).toBe(W * H);
}

describe.skipIf(skipGpu)('luminance pass against reference/stats.ts', () => {
  gpuTest('radiance: luminance statistics; FUSED: 1 + the brightest channel, fusion overshoot and undershoot included', async ({ gpu }) => {
    const radiance = image(3, (u) => 2 ** (u * 16 - 8));
    const fused = image(4, (u) => u * 1.7 - 0.1);
    for (const [fusedVariant, img, ref] of [
      [false, radiance, luminanceStats(radiance)],
      [true, fused, fusedStats(fused)],
    ] as const) {
      const pass = new LuminancePass(gpu.device, gpu.res, fusedVariant);
      const texture = gpu.res.texture({ label: 'luminance.test', size: [W, H], format: 'rgba32float', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
      gpu.device.queue.writeTexture({ texture }, img.data, { bytesPerRow: W * 16 }, [W, H]);
      pass.bind(texture);
      const encoder = gpu.device.createCommandEncoder();
      pass.encode(encoder);
      gpu.device.queue.submit([encoder.finish()]);
      expectClose(await pass.read(), ref);
    }
    // The variant matters: the fused image read as radiance gives other statistics.
    expect(fusedStats(fused).minL).toBeGreaterThan(luminanceStats(fused).minL + 0.5);
    gpu.res.destroyAll();
  });
});
