// Exposure fusion on the GPU against the CPU reference (src/engine/fusion/reference/fusion.ts),
// on the committed real-scene fixtures (320x256, 3 and 5 brackets), in
// Chromium's software WebGPU adapter.
//
// Tolerance, as the issue states it: the fused image (float, before finishing)
// within 1/255 of the reference on 99.9 % of pixels (every channel); the
// finished 8-bit export and preview within 1 level on 99.9 % of pixels.
import { expect, test } from '@playwright/test';
import { fuse } from '../src/engine/fusion/reference/fusion';
import { downsampleBox } from '../src/engine/reference/pipeline';
import { finishFused } from '../src/engine/tonemap/reference/tonemap';
import { defaultParams, type Params } from '../src/engine/params';
import type { Bracket } from '../src/engine/types';
import { byteDiffs, floatsFromBase64, fromBase64, loadFixture, openApp, toBase64, type FixtureSet, type PageCodec } from './helpers';

interface FusionRun {
  fused: string;
  rgba8: string;
  preview: { width: number; height: number; data: string };
  runs: Record<string, number>;
}

async function fuseOnGpu(page: import('@playwright/test').Page, brackets: Bracket[], params: Params, viewport: [number, number]): Promise<FusionRun> {
  const input = brackets.map((b) => ({ width: b.width, height: b.height, exposure: b.exposure, pixels: toBase64(b.pixels) }));
  return page.evaluate(
    async ({ input, params, viewport }) => {
      const { b64, unb64 } = (window as unknown as PageCodec).__codec;
      const { engine } = (window as unknown as { __hdr: { engine: typeof import('../src/engine') } }).__hdr;
      const e = await engine.createEngine();
      try {
        const { pipeline, gpu } = e;
        gpu.device.pushErrorScope('validation');
        pipeline.setMode('fusion');
        pipeline.setBrackets(input.map((b) => ({ ...b, pixels: unb64(b.pixels) })));
        pipeline.setParams(params);
        pipeline.setViewport(viewport[0], viewport[1]);
        await pipeline.render();
        const fused = await pipeline.readFused();
        const out = await pipeline.exportRgba8(params);
        const preview = await pipeline.readDisplay();
        const err = await gpu.device.popErrorScope();
        if (err) throw new Error(`WebGPU validation: ${err.message}`);
        return {
          fused: b64(new Uint8Array(fused.data.buffer)),
          rgba8: b64(out.data),
          preview: { width: preview.width, height: preview.height, data: b64(preview.data) },
          runs: { ...pipeline.debug.runs },
        };
      } finally {
        e.dispose();
      }
    },
    { input, params, viewport },
  );
}

const CASES: { set: FixtureSet; params: Partial<Params> }[] = [
  { set: 'goldengate-3', params: {} },
  { set: 'stilllife-5', params: {} },
  { set: 'stilllife-5', params: { contrastWeight: 0.4, saturationWeight: 2.2, exposureWeight: 1.5, exposure: -0.7, saturation: 1.3 } },
  { set: 'goldengate-3', params: { contrastWeight: 0, saturationWeight: 0, exposureWeight: 3, exposure: 0.8, saturation: 0.5 } },
];

test.beforeEach(async ({ page }) => {
  await openApp(page);
});

for (const { set, params: overrides } of CASES) {
  test(`GPU fusion matches the CPU reference: ${set} ${JSON.stringify(overrides)}`, async ({ page }) => {
    const brackets = loadFixture(set);
    const params = { ...defaultParams(), ...overrides };
    const ref = fuse(brackets, params);
    const gpu = await fuseOnGpu(page, brackets, params, [131, 97]);
    expect(gpu.runs.merge, 'fusion mode never merges').toBe(0);
    expect(gpu.runs.fusion).toBe(1);

    const fused = floatsFromBase64(gpu.fused);
    expect(fused.length).toBe(ref.data.length);
    const pixels = fused.length / 4;
    let close = 0;
    let worst = 0;
    let outside = 0;
    let nonFinite = 0;
    for (let i = 0; i < pixels; i++) {
      let d = 0;
      for (let c = 0; c < 3; c++) {
        const g = fused[i * 4 + c]!;
        if (!Number.isFinite(g)) nonFinite++;
        d = Math.max(d, Math.abs(g - ref.data[i * 4 + c]!));
        if (g < 0 || g > 1) outside++;
      }
      worst = Math.max(worst, d);
      if (d <= 1 / 255) close++;
    }
    test.info().annotations.push({ type: 'fused', description: `${((100 * close) / pixels).toFixed(3)} % within 1/255, worst ${worst.toExponential(2)}, ${outside} values outside [0,1]` });
    expect(nonFinite, 'NaN or infinite values').toBe(0);
    expect(close / pixels, `fused within 1/255 (worst ${worst.toFixed(5)}, ${outside} channel values outside [0,1])`).toBeGreaterThanOrEqual(0.999);

    const d = byteDiffs(fromBase64(gpu.rgba8), finishFused(ref, params));
    expect(d.within1, `export within 1 level (max ${d.max})`).toBeGreaterThanOrEqual(0.999);

    const { width: pw, height: ph } = gpu.preview;
    const dp = byteDiffs(fromBase64(gpu.preview.data), finishFused(downsampleBox(ref, pw, ph), params));
    expect(dp.within1, `preview within 1 level (max ${dp.max})`).toBeGreaterThanOrEqual(0.999);
  });
}
