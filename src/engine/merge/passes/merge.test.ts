// The merge pass (shaders/merge/merge.wgsl) against its CPU reference
// (../reference/merge.ts) on the real GPU path in Node (npm `webgpu`: Dawn, on
// Chromium's SwiftShader where there is no GPU driver), with the noise weights
// (../weights.ts): the pass makes them from its black level and response, the
// reference is given mergeWeights of the same. 8-bit and 16-bit brackets.
import { describe, expect } from 'vitest';
import { gpuTest } from '../../../../test/support/gpu';
import { uploadBrackets } from '../../graph/upload';
import { filmCurve, loadRadianceMap, meter, shootBrackets, shootBrackets16 } from '../../reference/camera';
import type { Bracket, FloatImage } from '../../types';
import { mergeRadiance } from '../reference/merge';
import { recoverResponse, responseLuts, type ResponseLuts } from '../response';
import { mergeWeights } from '../weights';
import { MergePass } from './merge';

const EXPOSURES = [1 / 16, 1 / 4, 1, 4, 16];

/** Worst relative difference beyond 1e-4 · |ref| + 1e-7 (0 where within it: f32 exp and log against f64). */
function misfit(gpu: Float32Array, ref: FloatImage): number {
  expect(gpu.length).toBe(ref.data.length);
  let worst = 0;
  for (let i = 0; i < gpu.length; i++) {
    const r = ref.data[i]!;
    const d = Math.abs(gpu[i]! - r);
    if (d > 1e-4 * Math.abs(r) + 1e-7) worst = Math.max(worst, d / Math.abs(r));
  }
  return worst;
}

describe('merge pass (Dawn in Node) against reference/merge.ts with the noise weights', { timeout: 120_000 }, () => {
  const map = loadRadianceMap('stilllife');
  const curves = [filmCurve(2.2, 0.4), filmCurve(2.6, 0.4), filmCurve(3, 0.4)] as const;
  const gain = meter(map, 0.18);
  const sets: [string, Bracket[]][] = [
    ['8-bit', shootBrackets(map, curves, gain, EXPOSURES)],
    ['16-bit', shootBrackets16(map, curves, gain, EXPOSURES)],
  ];
  for (const [name, brackets] of sets) {
    gpuTest(`${name}: sRGB, the recovered response, then black level 13`, async ({ gpu }) => {
      const { device, res } = gpu;
      const { width, height } = brackets[0]!;
      const { texture, exposures } = uploadBrackets(device, res, brackets);
      const radiance = res.texture({ label: 'test.radiance', size: [width, height], format: 'rgba32float', usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.COPY_SRC });
      const pass = new MergePass(device, res);
      pass.bind(texture, exposures, radiance);
      const run = async () => {
        const encoder = device.createCommandEncoder({ label: 'test.merge' });
        pass.encode(encoder);
        device.queue.submit([encoder.finish()]);
        return new Float32Array(await gpu.readTexture(radiance, 16));
      };
      const srgb = responseLuts('srgb');
      const luts: ResponseLuts = recoverResponse(brackets).luts;
      const a = await run();
      expect(misfit(a, mergeRadiance(brackets, srgb, mergeWeights(0, srgb))), 'sRGB, black 0').toBe(0);
      // setResponse makes the weights from the new response too.
      pass.setResponse(luts);
      const b = await run();
      expect(misfit(b, mergeRadiance(brackets, luts, mergeWeights(0, luts))), 'recovered, black 0').toBe(0);
      expect(misfit(b, mergeRadiance(brackets, luts, mergeWeights(0, srgb))), 'not the sRGB weights').toBeGreaterThan(0);
      pass.setBlackLevel(13);
      const c = await run();
      expect(misfit(c, mergeRadiance(brackets, luts, mergeWeights(13, luts))), 'recovered, black 13').toBe(0);
      expect(c).not.toEqual(b);
    });
  }
});
