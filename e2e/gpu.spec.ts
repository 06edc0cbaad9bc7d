// The WGSL passes against the CPU reference (src/engine/reference), on the
// committed real-scene fixtures, in Chromium's software WebGPU adapter.
//
// Tolerances: the GPU works in f32 and stores radiance as rgba32float, the
// reference in f64; so radiance within 1e-4 relative (plus 1e-7 absolute for
// near-black), log-average within 1e-3 relative, channel means within 1e-4, histogram bins may move by one
// at bin edges (at most 0.2 % of pixels), and 8-bit output within 1 level for
// 99.9 % of pixels.
import { expect, test } from '@playwright/test';
import { filmCurve, loadRadianceMap, meter, shootBrackets } from '../src/engine/reference/camera';
import { mergeRadiance } from '../src/engine/merge/reference/merge';
import { downsampleBox, referencePipeline } from '../src/engine/reference/pipeline';
import { luminanceStats } from '../src/engine/luminance/reference/stats';
import { tonemap } from '../src/engine/tonemap/reference/tonemap';
import { defaultParams, type Params } from '../src/engine/params';
import { recoverResponse, type ResponseLuts } from '../src/engine/merge/response';
import { mergeWeights } from '../src/engine/merge/weights';
import type { Bracket, FloatImage } from '../src/engine/types';
import { bundleForPage } from './bundle';
import { byteDiffs, floatsFromBase64, fromBase64, loadFixture, openApp, toBase64, type FixtureSet, type PageCodec } from './helpers';

interface GpuRun {
  radiance: string;
  stats: { logAvg: number; minL: number; maxL: number; histLo: number; histHi: number; meanR: number; meanG: number; meanB: number; histogram: number[] };
  rgba8: string;
  preview: { width: number; height: number; data: string };
}

/** Run the headless engine in the page on the given brackets and read everything back. */
async function runOnGpu(page: import('@playwright/test').Page, brackets: Bracket[], params: Params, viewport: [number, number]): Promise<GpuRun> {
  const input = brackets.map((b) => ({ width: b.width, height: b.height, exposure: b.exposure, pixels: toBase64(b.pixels) }));
  return page.evaluate(
    async ({ input, params, viewport }) => {
      const { b64, unb64 } = (window as unknown as PageCodec).__codec;
      const { engine } = (window as unknown as { __hdr: { engine: typeof import('../src/engine') } }).__hdr;
      const e = await engine.createEngine();
      try {
        const { pipeline, gpu } = e;
        gpu.device.pushErrorScope('validation');
        pipeline.setBrackets(input.map((b) => ({ ...b, pixels: unb64(b.pixels) })));
        pipeline.setParams(params);
        pipeline.setViewport(viewport[0], viewport[1]);
        await pipeline.render();
        const radiance = await pipeline.readRadiance();
        const stats = await pipeline.readStats();
        const out = await pipeline.exportRgba8(params);
        const preview = await pipeline.readDisplay();
        const err = await gpu.device.popErrorScope();
        if (err) throw new Error(`WebGPU validation: ${err.message}`);
        return {
          radiance: b64(new Uint8Array(radiance.data.buffer)),
          stats: { ...stats, histogram: Array.from(stats.histogram) },
          rgba8: b64(out.data),
          preview: { width: preview.width, height: preview.height, data: b64(preview.data) },
        };
      } finally {
        e.dispose();
      }
    },
    { input, params, viewport },
  );
}

/** Worst relative error of GPU radiance outside the tolerance (1e-4 relative + 1e-7 absolute); 0 when all are within. */
function radianceMisfit(rad: Float32Array, ref: FloatImage): number {
  expect(rad.length).toBe(ref.data.length);
  let worstRel = 0;
  for (let i = 0; i < rad.length; i++) {
    const r = ref.data[i]!;
    const rel = Math.abs(rad[i]! - r) / (Math.abs(r) + 1e-7 / 1e-4);
    worstRel = Math.max(worstRel, Math.abs(rad[i]! - r) <= 1e-4 * Math.abs(r) + 1e-7 ? 0 : rel);
  }
  return worstRel;
}

const CASES: { set: FixtureSet; params: Partial<Params> }[] = [
  { set: 'goldengate-3', params: {} },
  { set: 'stilllife-5', params: {} },
  { set: 'stilllife-5', params: { exposure: 1.3, whitePoint: 3, saturation: 1.4, gamma: 1.2, key: 0.25 } },
  { set: 'goldengate-3', params: { exposure: -2, saturation: 0, gamma: 0.7 } },
  // One case per other operator (index into OPERATOR_IDS), with its own params away from their defaults.
  { set: 'stilllife-5', params: { toneOperator: 1, rdIntensity: 1, rdContrast: 0.6, rdLightAdaptation: 0.5, rdChromaticAdaptation: 0.3, saturation: 1.2 } },
  { set: 'goldengate-3', params: { toneOperator: 1 } },
  { set: 'stilllife-5', params: { toneOperator: 2, dragoBias: 0.7, exposure: 0.5 } },
  { set: 'goldengate-3', params: { toneOperator: 3, exposure: 0.7, saturation: 1.3 } },
  { set: 'stilllife-5', params: { toneOperator: 4, agxLook: 1, gamma: 1.1 } },
  { set: 'goldengate-3', params: { toneOperator: 4, exposure: -0.5 } },
  { set: 'stilllife-5', params: { toneOperator: 5, exposure: 1, saturation: 0.8 } },
];

test.beforeEach(async ({ page }) => {
  await openApp(page);
});

for (const { set, params: overrides } of CASES) {
  test(`GPU matches the CPU reference: ${set} ${JSON.stringify(overrides)}`, async ({ page }) => {
    const brackets = loadFixture(set);
    const params = { ...defaultParams(), ...overrides };
    const ref = referencePipeline(brackets, params);
    const gpu = await runOnGpu(page, brackets, params, [131, 97]);

    // Radiance.
    expect(radianceMisfit(floatsFromBase64(gpu.radiance), ref.radiance), 'radiance relative error').toBe(0);

    // Luminance statistics.
    expect(Math.abs(gpu.stats.logAvg / ref.stats.logAvg - 1), 'log-average').toBeLessThan(1e-3);
    expect(Math.abs(gpu.stats.minL - ref.stats.minL)).toBeLessThanOrEqual(1e-4 * ref.stats.minL + 1e-9);
    expect(Math.abs(gpu.stats.maxL / ref.stats.maxL - 1)).toBeLessThan(1e-4);
    for (const m of ['meanR', 'meanG', 'meanB'] as const) expect(Math.abs(gpu.stats[m] / ref.stats[m] - 1), m).toBeLessThan(1e-4);
    const pixels = brackets[0]!.width * brackets[0]!.height;
    expect(gpu.stats.histogram.reduce((a, b) => a + b, 0)).toBe(pixels);
    const moved = gpu.stats.histogram.reduce((a, g, i) => a + Math.abs(g - ref.stats.histogram[i]!), 0) / 2;
    expect(moved, 'pixels in a different histogram bin').toBeLessThanOrEqual(0.002 * pixels);

    // Full-size tone-mapped output.
    const d = byteDiffs(fromBase64(gpu.rgba8), ref.rgba8);
    expect(d.within1, `export within 1 level (max ${d.max})`).toBeGreaterThanOrEqual(0.999);

    // Canvas-sized preview: box downsample of the radiance, tone mapped with full-size stats.
    const { width: pw, height: ph } = gpu.preview;
    expect(pw).toBeLessThanOrEqual(131);
    expect(ph).toBeLessThanOrEqual(97);
    expect(Math.max(pw / 131, ph / 97)).toBeGreaterThan(0.99);
    const small = downsampleBox(ref.radiance, pw, ph);
    const dp = byteDiffs(fromBase64(gpu.preview.data), tonemap(small, ref.stats, params));
    expect(dp.within1, `preview within 1 level (max ${dp.max})`).toBeGreaterThanOrEqual(0.999);
    // The preview's own statistics are not used: prove the two differ here.
    expect(luminanceStats(small).logAvg).not.toBe(ref.stats.logAvg);
  });
}

/** ESM source of MergePass, Resources and readTexture, bundled by Vite from src/ (see bundle.ts). */
const bundleMerge = () =>
  bundleForPage('merge', "export { MergePass } from '/src/engine/merge/passes/merge.ts';\nexport { Resources } from '/src/engine/gpu/resources.ts';\nexport { readTexture } from '/src/engine/gpu/readback.ts';\n");

/** Run the shipped MergePass on the brackets: once with the default (sRGB) table, once after setResponse(luts). */
async function mergeOnGpu(page: import('@playwright/test').Page, code: string, brackets: Bracket[], luts: ResponseLuts): Promise<{ srgb: string; custom: string; fogged: string }> {
  const input = brackets.map((b) => ({ width: b.width, height: b.height, exposure: b.exposure, pixels: toBase64(b.pixels) }));
  const tables = luts.map((l) => Array.from(l));
  return page.evaluate(
    async ({ code, input, tables }) => {
      const { b64, unb64 } = (window as unknown as PageCodec).__codec;
      type Mod = typeof import('../src/engine/merge/passes/merge') & typeof import('../src/engine/gpu/resources') & typeof import('../src/engine/gpu/readback');
      const mod = await (window as unknown as PageCodec).__codec.importBundle<Mod>(code);
      const { engine } = (window as unknown as { __hdr: { engine: typeof import('../src/engine') } }).__hdr;
      const e = await engine.createEngine();
      const { device } = e.gpu;
      const res = new mod.Resources(device);
      try {
        device.pushErrorScope('validation');
        const { width, height } = input[0]!;
        const layers = res.texture({ label: 'e2e.brackets', size: [width, height, input.length], format: 'rgba8unorm', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
        input.forEach((b, layer) => device.queue.writeTexture({ texture: layers, origin: [0, 0, layer] }, unb64(b.pixels), { bytesPerRow: width * 4, rowsPerImage: height }, [width, height, 1]));
        const exposures = res.buffer({ label: 'e2e.exposures', size: input.length * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
        device.queue.writeBuffer(exposures, 0, new Float32Array(input.map((b) => b.exposure)));
        const radiance = res.texture({ label: 'e2e.radiance', size: [width, height], format: 'rgba32float', usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.COPY_SRC });
        const pass = new mod.MergePass(device, res);
        pass.bind(layers, exposures, radiance);
        const run = async () => {
          const encoder = device.createCommandEncoder({ label: 'e2e.merge' });
          pass.encode(encoder);
          device.queue.submit([encoder.finish()]);
          return b64(new Uint8Array(await mod.readTexture(device, radiance, 16, 'e2e.radiance')));
        };
        const srgb = await run();
        const [r, g, b] = tables.map((t) => new Float32Array(t));
        pass.setResponse([r!, g!, b!]);
        const custom = await run();
        // A scan's fog level: weights start above code 13.
        pass.setBlackLevel(13);
        const fogged = await run();
        const err = await device.popErrorScope();
        if (err) throw new Error(`WebGPU validation: ${err.message}`);
        return { srgb, custom, fogged };
      } finally {
        res.destroyAll();
        e.dispose();
      }
    },
    { code, input, tables },
  );
}

test('GPU merge with per-channel response tables matches the CPU reference', async ({ page }) => {
  // Film-like brackets (a different gamma and an S per channel, src/engine/merge/response.test.ts),
  // 5 exposures 2 stops apart, and the curves recovered from them: three distinct tables.
  const map = loadRadianceMap('stilllife');
  const curves = [filmCurve(2.2, 0.4), filmCurve(2.6, 0.4), filmCurve(3, 0.4)] as const;
  const brackets = shootBrackets(map, curves, meter(map, 0.18), [1 / 16, 1 / 4, 1, 4, 16]);
  const luts = recoverResponse(brackets).luts;
  expect(luts[0][64], 'the channels have different tables').not.toBe(luts[2][64]);

  const gpu = await mergeOnGpu(page, await bundleMerge(), brackets, luts);
  // The pass alone, black level 0 (the pipeline sets an estimated one; the app-level cases above cover that).
  // The pass makes its weights from its response (merge/weights.ts mergeWeights): sRGB's, then the recovered curves'.
  expect(radianceMisfit(floatsFromBase64(gpu.srgb), mergeRadiance(brackets, undefined, mergeWeights(0))), 'default (sRGB) table').toBe(0);
  const ref = mergeRadiance(brackets, luts, mergeWeights(0, luts));
  expect(radianceMisfit(floatsFromBase64(gpu.custom), ref), 'recovered tables').toBe(0);
  // setResponse took effect (the tables differ per channel, so a shader reading
  // one table for all three would already have failed the comparison above).
  expect(floatsFromBase64(gpu.custom)).not.toEqual(floatsFromBase64(gpu.srgb));
  // The black level's weights, on the GPU as in the reference (and they change the result).
  expect(radianceMisfit(floatsFromBase64(gpu.fogged), mergeRadiance(brackets, luts, mergeWeights(13, luts))), 'black level 13').toBe(0);
  expect(floatsFromBase64(gpu.fogged)).not.toEqual(floatsFromBase64(gpu.custom));
});
