// The merge pass (shaders/merge/merge.wgsl) against its CPU reference
// (../reference/merge.ts) on the real GPU path in Node (npm `webgpu`: Dawn, on
// Chromium's SwiftShader where there is no GPU driver), with the noise weights
// (../weights.ts): the pass makes them from its black level and response, the
// reference is given mergeWeights of the same. 8-bit and 16-bit brackets. The
// ghost fill (bindFill) against ../reference/ghost-fill.ts.
import { describe, expect } from 'vitest';
import { gpuTest } from '../../../../test/support/gpu';
import { uploadBrackets } from '../../graph/upload';
import { filmCurve, loadRadianceMap, meter, shootBrackets, shootBrackets16 } from '../../reference/camera';
import type { Bracket, FloatImage } from '../../types';
import { mergeRadiance } from '../reference/merge';
import { fillGhosts, fillTrustLevel1 } from '../reference/ghost-fill';
import { halfToFloat, unorm16AsHalf } from '../../half';
import { rng } from '../../reference/random';
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

describe('ghost fill (Dawn in Node) against reference/ghost-fill.ts', { timeout: 120_000 }, () => {
  const map = loadRadianceMap('stilllife');
  const curves = [filmCurve(2.2, 0.4), filmCurve(2.6, 0.4), filmCurve(3, 0.4)] as const;
  const gain = meter(map, 0.18);
  for (const wide of [false, true]) {
    gpuTest(`${wide ? 16 : 8}-bit brackets, the recovered response: a rejected block filled, a rejected right third weighed down`, async ({ gpu }) => {
      const { device, res } = gpu;
      const brackets = (wide ? shootBrackets16 : shootBrackets)(map, curves, gain, EXPOSURES);
      const { width, height } = brackets[0]!;
      const n = width * height;
      const luts = responseLuts(recoverResponse(brackets));
      // The reference (2) keeps everything; the others reject a block (motion: the fill replaces it) and the right third
      // (too much to be motion: weighed down), with partial weights in a stripe between.
      const random = rng(7);
      const weightAt = (x: number, y: number) => {
        if (x > 0.7 * width) return 0;
        if (x > 0.6 * width) return random();
        return x > 0.2 * width && x < 0.35 * width && y > 0.3 * height && y < 0.5 * height ? 0 : 1;
      };
      const ghost = brackets.map((_, k) => Float32Array.from({ length: n }, (_, p) => (k === 2 ? 1 : weightAt(p % width, Math.floor(p / width)))));
      const { texture, exposures } = uploadBrackets(device, res, brackets);
      const layers = (label: string, maps: readonly Float32Array[], w: number, h: number) => {
        const t = res.texture({ label, size: [w, h, maps.length], format: 'r32float', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
        maps.forEach((m, k) => device.queue.writeTexture({ texture: t, origin: [0, 0, k] }, m, { bytesPerRow: w * 4, rowsPerImage: h }, [w, h, 1]));
        return t;
      };
      const trust = ghost.map((g) => fillTrustLevel1(g, width, height));
      const filled = res.texture({ label: 'test.filled', size: [width, height, brackets.length], format: texture.format, usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.COPY_SRC });
      const pass = new MergePass(device, res);
      pass.setResponse(luts);
      pass.bindFill(
        texture,
        exposures,
        layers('test.ghost', ghost, width, height),
        layers(
          'test.trust',
          trust.map((t) => t.map),
          trust[0]!.width,
          trust[0]!.height,
        ),
        filled,
      );
      const encoder = device.createCommandEncoder({ label: 'test.fill' });
      pass.encodeFill(encoder);
      device.queue.submit([encoder.finish()]);

      const ref = fillGhosts(brackets, ghost, luts, mergeWeights(0, luts));
      /** A stored sample as fusion reads it, in codes. */
      const code = (v: number) => (wide ? unorm16AsHalf(v) : v / 255) * 255;
      let worst = 0;
      let filledSamples = 0;
      let weighedDown = 0;
      for (let k = 0; k < brackets.length; k++) {
        const raw = await gpu.readTexture(filled, wide ? 8 : 4, k);
        const got = wide ? Array.from(new Uint16Array(raw), (h) => halfToFloat(h) * 255) : Array.from(new Uint8Array(raw));
        const src = brackets[k]!.pixels;
        got.forEach((v, i) => {
          const alpha = i % 4 === 3;
          if (ghost[k]![i >> 2]! >= 1) {
            const kept = alpha ? 255 : code(src[i]!);
            if (v !== kept) throw new Error(`bracket ${k} sample ${i}: ${v}, kept ${kept}`);
            return;
          }
          worst = Math.max(worst, Math.abs(v - code(ref[k]!.pixels[i]!)));
          if (alpha && v < 127) weighedDown++;
          if (!alpha && Math.abs(v - code(src[i]!)) > 0.5) filledSamples++;
        });
      }
      // Values and alpha: 8-bit the same rounding but for f32 against f64 at a half code; 16-bit half precision near white (1/2048) and that.
      expect(worst).toBeLessThanOrEqual(wide ? 0.25 : 1);
      expect(filledSamples, 'the block is filled').toBeGreaterThan(0);
      expect(weighedDown, 'the right third is weighed down').toBeGreaterThan(0);
    });
  }
});
