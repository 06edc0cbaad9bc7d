// The tone studio as a person uses it: curve points added, dragged and removed
// with the mouse, each tone-mapping operator picked, clipping warnings toggled;
// downloads decoded and compared with the CPU reference at the same settings.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { bakeCurves, type Curves } from '../src/engine/curve/curve';
import { OPERATOR_IDS } from '../src/engine/tonemap/operators';
import type { Params } from '../src/engine/params';
import { applyCurves } from '../src/engine/curve/reference/curve';
import { fuse } from '../src/engine/fusion/reference/fusion';
import { mergeRadiance } from '../src/engine/merge/reference/merge';
import { luminanceStats } from '../src/engine/luminance/reference/stats';
import { finishFusedImage, tonemapImage } from '../src/engine/tonemap/reference/tonemap';
import { plotBox, toCanvas } from '../src/ui/curve-geometry';
import { byteDiffs, decodePng, fixturePaths, loadFixture, openApp, waitIdle } from './helpers';

type Hooks = {
  __hdr: {
    store: { getState(): { params: Params; curves: Curves; histogram: Uint32Array | null; setParam(n: string, v: number): void; setResponse(r: string): void } };
    bridge: { engine: { pipeline: { debug: { runs: Record<string, number> }; previewSize(): [number, number] } } };
  };
};
const edit = (page: Page) =>
  page.evaluate(() => {
    const s = (window as unknown as Hooks).__hdr.store.getState();
    return { params: s.params, curves: s.curves, histogram: s.histogram ? Array.from(s.histogram) : null };
  });
const runs = (page: Page) => page.evaluate(() => ({ ...(window as unknown as Hooks).__hdr.bridge.engine.pipeline.debug.runs }));
const canvas = async (page: Page) => decodePng(await page.getByTestId('preview').screenshot());
const meanLuma = (img: { data: Uint8Array }) => {
  let s = 0;
  for (let i = 0; i < img.data.length; i += 4) s += 0.2126 * img.data[i]! + 0.7152 * img.data[i + 1]! + 0.0722 * img.data[i + 2]!;
  return s / (img.data.length / 4);
};

async function download(page: Page) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-png').click()]);
  return decodePng(readFileSync(await dl.path()));
}

/** Page coordinates of a curve-space point on the curve canvas. */
async function curveAt(page: Page, x: number, y: number) {
  // The side panel scrolls: bring the curve into view before aiming at it.
  await page.getByTestId('curve-canvas').scrollIntoViewIfNeeded();
  const box = (await page.getByTestId('curve-canvas').boundingBox())!;
  const { px, py } = toCanvas(plotBox(box.width, box.height), { x, y });
  return { x: box.x + px, y: box.y + py };
}

test.beforeEach(async ({ page }) => {
  await openApp(page);
  await page.getByTestId('file-input').setInputFiles(fixturePaths('goldengate-3'));
  await waitIdle(page);
});

test('curve points: add, drag, delete with the mouse; only the curve re-runs; the download equals the reference', async ({ page }) => {
  await expect(page.getByTestId('curve-editor')).toBeVisible();
  await expect(page.getByTestId('histogram')).toBeVisible();
  const s0 = await edit(page);
  // The histogram of the display: each plane counts every preview pixel.
  const [pw, ph] = await page.evaluate(() => (window as unknown as Hooks).__hdr.bridge.engine.pipeline.previewSize());
  for (let p = 0; p < 4; p++) expect(s0.histogram!.slice(p * 256, p * 256 + 256).reduce((a, b) => a + b, 0)).toBe(pw * ph);
  const before = await canvas(page);
  const r0 = await runs(page);

  // Add: click above the diagonal at x = 0.4.
  const add = await curveAt(page, 0.4, 0.62);
  await page.mouse.click(add.x, add.y);
  await waitIdle(page);
  const s1 = await edit(page);
  expect(s1.curves.luma).toHaveLength(3);
  expect(s1.curves.luma[1]!.x).toBeCloseTo(0.4, 1);
  const brighter = await canvas(page);
  expect(meanLuma(brighter)).toBeGreaterThan(meanLuma(before) + 5);
  const r1 = await runs(page);
  expect(r1.curve).toBeGreaterThan(r0.curve!);
  expect(r1.histogram).toBeGreaterThan(r0.histogram!);
  for (const stage of ['upload', 'fusion', 'downsample', 'tonemap']) expect(r1[stage], `${stage} does not re-run for a curve edit`).toBe(r0[stage]);
  // The store's histogram comes back from the GPU after the frame (the 'histogram' event): on a busy machine, after idle.
  await expect.poll(async () => (await edit(page)).histogram, { message: 'the histogram follows the curve' }).not.toEqual(s0.histogram);

  // Drag it below the diagonal.
  const to = await curveAt(page, 0.4, 0.25);
  await page.mouse.move(add.x, add.y);
  await page.mouse.down();
  for (let i = 1; i <= 5; i++) await page.mouse.move(add.x, add.y + ((to.y - add.y) * i) / 5);
  await page.mouse.up();
  await waitIdle(page);
  const s2 = await edit(page);
  expect(s2.curves.luma[1]!.y).toBeLessThan(0.3);
  expect(meanLuma(await canvas(page))).toBeLessThan(meanLuma(before) - 5);

  // Download at these settings and compare with the reference.
  const img = await download(page);
  const ref = applyCurves(finishFusedImage(fuse(loadFixture('goldengate-3'), s2.params), s2.params), bakeCurves(s2.curves));
  const d = byteDiffs(img.data, ref);
  expect(d.within1, `PNG within 1 level of the reference (max ${d.max})`).toBeGreaterThanOrEqual(0.999);

  // Double-click deletes it: back to the identity and the original picture.
  const box = (await page.getByTestId('curve-canvas').boundingBox())!;
  const { px, py } = toCanvas(plotBox(box.width, box.height), s2.curves.luma[1]!);
  await page.getByTestId('curve-canvas').dblclick({ position: { x: px, y: py } });
  await waitIdle(page);
  expect((await edit(page)).curves.luma).toHaveLength(2);
  expect(byteDiffs((await canvas(page)).data, before.data).max).toBeLessThanOrEqual(1);
});

test('per-channel curves act on their own channel; the download equals the reference', async ({ page }) => {
  const before = await canvas(page);
  await page.evaluate(() => {
    const s = (window as unknown as { __hdr: { store: { getState(): { setCurve(c: string, p: { x: number; y: number }[]): void } } } }).__hdr.store.getState();
    s.setCurve('r', [
      { x: 0, y: 0 },
      { x: 0.5, y: 0.8 },
      { x: 1, y: 1 },
    ]);
    s.setCurve('b', [
      { x: 0, y: 0.1 },
      { x: 0.6, y: 0.3 },
      { x: 1, y: 0.9 },
    ]);
  });
  await waitIdle(page);
  const after = await canvas(page);
  const mean = (img: { data: Uint8Array }, c: number) => {
    let s = 0;
    for (let i = c; i < img.data.length; i += 4) s += img.data[i]!;
    return s / (img.data.length / 4);
  };
  expect(mean(after, 0), 'red lifted').toBeGreaterThan(mean(before, 0) + 5);
  expect(mean(after, 2), 'blue lowered').toBeLessThan(mean(before, 2) - 5);
  const { params, curves } = await edit(page);
  const img = await download(page);
  const d = byteDiffs(img.data, applyCurves(finishFusedImage(fuse(loadFixture('goldengate-3'), params), params), bakeCurves(curves)));
  expect(d.within1, `PNG within 1 level of the reference (max ${d.max})`).toBeGreaterThanOrEqual(0.999);
});

test('each operator renders and its download equals the CPU reference', async ({ page }) => {
  await page.getByTestId('mode-merge').click();
  // The reference merges with the fixtures' own sRGB curve (the automatic response recovers one of its own).
  await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().setResponse('srgb'));
  await waitIdle(page);
  const radiance = mergeRadiance(loadFixture('goldengate-3'));
  const stats = luminanceStats(radiance);
  let previous = await canvas(page);
  for (let i = 0; i < OPERATOR_IDS.length; i++) {
    await page.getByTestId('operator').locator('select').selectOption({ index: i });
    await waitIdle(page);
    const { params, curves } = await edit(page);
    expect(params.toneOperator).toBe(i);
    const shown = await canvas(page);
    if (i > 0) expect(byteDiffs(shown.data, previous.data).mean, `${OPERATOR_IDS[i]} changes the picture`).toBeGreaterThan(0.5);
    previous = shown;
    const img = await download(page);
    const d = byteDiffs(img.data, applyCurves(tonemapImage(radiance, stats, params), bakeCurves(curves)));
    expect(d.within1, `${OPERATOR_IDS[i]}: PNG within 1 level (max ${d.max})`).toBeGreaterThanOrEqual(0.999);
  }
  // Each operator shows its own params only.
  await page
    .getByTestId('operator')
    .locator('select')
    .selectOption({ index: OPERATOR_IDS.indexOf('drago03') });
  await expect(page.getByTestId('param-dragoBias')).toBeVisible();
  await expect(page.getByTestId('param-whitePoint')).toBeHidden();
});

test('clipping warnings paint the canvas only, never the download', async ({ page }) => {
  await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().setParam('exposure', 2.5));
  await waitIdle(page);
  const plain = await canvas(page);
  const exported = await download(page);
  await page.getByTestId('clip-warnings').check();
  await waitIdle(page);
  const painted = await canvas(page);
  let red = 0;
  for (let i = 0; i < painted.data.length; i += 4) if (painted.data[i]! > 240 && painted.data[i + 1]! < 40 && painted.data[i + 2]! < 40) red++;
  expect(red, 'clipped highlights painted red').toBeGreaterThan(100);
  expect(byteDiffs(painted.data, plain.data).max).toBeGreaterThan(100);
  expect(byteDiffs((await download(page)).data, exported.data).max, 'download unchanged').toBe(0);
  await page.getByTestId('clip-warnings').uncheck();
  await waitIdle(page);
  expect(byteDiffs((await canvas(page)).data, plain.data).max).toBeLessThanOrEqual(1);
});
