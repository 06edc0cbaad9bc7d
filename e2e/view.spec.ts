// Compare and view: zoom to 100 % / 200 % (buttons and wheel), pan by drag,
// the before/after split, and local detail, as a person uses them. What the
// canvas shows is checked pixel by pixel: zoomed in it must be the
// full-resolution result itself (the export, cropped), not an enlarged
// preview; left of the divider it must be the middle bracket as shot.
import { expect, test, type Page } from '@playwright/test';
import { bakeCurves, type Curves } from '../src/engine/curve/curve';
import type { Params } from '../src/engine/params';
import { applyCurves } from '../src/engine/curve/reference/curve';
import { localDetail } from '../src/engine/local-detail/reference/local-detail';
import { mergeRadiance } from '../src/engine/merge/reference/merge';
import { downsampleBox } from '../src/engine/reference/pipeline';
import { luminanceStats } from '../src/engine/luminance/reference/stats';
import { tonemapImage } from '../src/engine/tonemap/reference/tonemap';
import type { Stage } from '../src/engine/pipeline';
import { viewGeometry, zoomAbout, type ViewGeometry, type ViewState } from '../src/engine/view/view';
import { byteDiffs, decodePng, fixturePaths, fromBase64, loadFixture, openApp, waitIdle, type PageCodec } from './helpers';

interface Image8 {
  width: number;
  height: number;
  data: Uint8Array;
}
type Hooks = {
  __hdr: {
    store: {
      getState(): { params: Params; curves: Curves; split: number; view: ViewState; viewport: { width: number; height: number }; setParam(n: string, v: number): void; setMode(m: string): void };
    };
    bridge: {
      engine: {
        pipeline: {
          debug: { runs: Record<string, number> };
          geometry(): ViewGeometry;
          readDisplay(): Promise<Image8>;
          exportRgba8(): Promise<Image8>;
        };
      };
    };
  };
};

const geometry = (page: Page) => page.evaluate(() => (window as unknown as Hooks).__hdr.bridge.engine.pipeline.geometry());
const runs = (page: Page) => page.evaluate(() => ({ ...(window as unknown as Hooks).__hdr.bridge.engine.pipeline.debug.runs }) as Record<Stage, number>);
/**
 * The canvas's own pixels (its backing store, device pixels): no controls
 * drawn over it, and no dependence on where the page layout puts it.
 */
const canvas = async (page: Page): Promise<Image8> => {
  const url = await page.getByTestId('preview').evaluate((c) => (c as HTMLCanvasElement).toDataURL('image/png'));
  return decodePng(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
};

/** The pipeline's view texture (what present reads) and its full-size export, as bytes. */
async function displayAndExport(page: Page): Promise<{ display: Image8; full: Image8 }> {
  const r = await page.evaluate(async () => {
    const { b64 } = (window as unknown as PageCodec).__codec;
    const p = (window as unknown as Hooks).__hdr.bridge.engine.pipeline;
    const d = await p.readDisplay();
    const f = await p.exportRgba8();
    return { display: { ...d, data: b64(d.data) }, full: { ...f, data: b64(f.data) } };
  });
  return { display: { ...r.display, data: fromBase64(r.display.data) }, full: { ...r.full, data: fromBase64(r.full.data) } };
}

function crop(img: Image8, [x0, y0, x1, y1]: readonly number[]): Uint8Array {
  const w = x1! - x0!;
  const out = new Uint8Array(w * (y1! - y0!) * 4);
  for (let y = y0!; y < y1!; y++) out.set(img.data.subarray((y * img.width + x0!) * 4, (y * img.width + x1!) * 4), (y - y0!) * w * 4);
  return out;
}

/** Canvas pixels of the region's texels, each sampled at the centre of its on-screen footprint. */
function sampleCanvas(c: Image8, g: ViewGeometry): Uint8Array {
  const [w, h] = g.out;
  const sx = (g.rect[2] - g.rect[0]) / w;
  const sy = (g.rect[3] - g.rect[1]) / h;
  const out = new Uint8Array(w * h * 4);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const x = Math.floor(g.rect[0] + (i + 0.5) * sx);
      const y = Math.floor(g.rect[1] + (j + 0.5) * sy);
      if (x < 0 || y < 0 || x >= c.width || y >= c.height) continue;
      out.set(c.data.subarray((y * c.width + x) * 4, (y * c.width + x) * 4 + 4), (j * w + i) * 4);
    }
  }
  return out;
}

/** Only texels whose footprint centre is on the canvas. */
function visibleMask(c: Image8, g: ViewGeometry): (i: number) => boolean {
  const [w] = g.out;
  const sx = (g.rect[2] - g.rect[0]) / w;
  const sy = (g.rect[3] - g.rect[1]) / g.out[1];
  return (i) => {
    const x = Math.floor(g.rect[0] + ((i % w) + 0.5) * sx);
    const y = Math.floor(g.rect[1] + (Math.floor(i / w) + 0.5) * sy);
    return x >= 0 && y >= 0 && x < c.width && y < c.height;
  };
}

function rgbDiffs(a: Uint8Array, b: Uint8Array, keep: (pixel: number) => boolean = () => true): { max: number; n: number } {
  let max = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (!keep(i / 4)) continue;
    n++;
    for (let c = 0; c < 3; c++) max = Math.max(max, Math.abs(a[i + c]! - b[i + c]!));
  }
  return { max, n };
}

test.beforeEach(async ({ page }) => {
  // A window small enough that the 320×256 fixtures are shown below 100 % at fit.
  await page.setViewportSize({ width: 600, height: 420 });
  await openApp(page);
  await page.getByTestId('file-input').setInputFiles(fixturePaths('goldengate-3'));
  await waitIdle(page);
});

test('zoom to 100 % and 200 % shows real full-resolution pixels; pan by drag; wheel zoom; back to fit', async ({ page }) => {
  const fit = await geometry(page);
  expect(fit.fit).toBe(true);
  expect(fit.scale, 'the fixture is shown reduced at fit').toBeLessThan(1);
  const fitDisplay = (await displayAndExport(page)).display;
  const r0 = await runs(page);

  await page.getByTestId('zoom-100').click();
  await waitIdle(page);
  const g1 = await geometry(page);
  expect(g1.fit).toBe(false);
  expect(g1.scale).toBe(1);
  expect(g1.out).toEqual([g1.region[2] - g1.region[0], g1.region[3] - g1.region[1]]);
  await expect(page.getByTestId('zoom-label')).toHaveText('100 %');
  const r1 = await runs(page);
  expect(r1.fusion, 'zooming never re-fuses').toBe(r0.fusion);
  expect(r1.upload).toBe(r0.upload);
  expect(r1.downsample).toBeGreaterThan(r0.downsample);
  // The view texture is the export, cropped: the same pixels, not an enlarged preview.
  const z1 = await displayAndExport(page);
  expect(rgbDiffs(z1.display.data, crop(z1.full, g1.region)).max, 'view = export crop at 100 %').toBeLessThanOrEqual(1);
  // And the canvas shows each of them on one screen pixel.
  const c1 = await canvas(page);
  const on1 = rgbDiffs(sampleCanvas(c1, g1), z1.display.data, visibleMask(c1, g1));
  expect(on1.n).toBeGreaterThan(1000);
  expect(on1.max, 'canvas = view texels at 100 %').toBeLessThanOrEqual(1);

  // Pan: drag the image 60 px left and 40 px up; the region moves right and down by as much.
  const box = (await page.getByTestId('preview').boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  for (let i = 1; i <= 4; i++) await page.mouse.move(cx - 15 * i, cy - 10 * i);
  await page.mouse.up();
  await waitIdle(page);
  const g2 = await geometry(page);
  const room = [fit.region[2] - g1.region[2], fit.region[3] - g1.region[3]];
  expect(g2.region[0] - g1.region[0]).toBe(Math.min(60, room[0]!));
  expect(g2.region[1] - g1.region[1]).toBe(Math.min(40, room[1]!));
  expect(g2.region[0] - g1.region[0] + g2.region[1] - g1.region[1], 'the view moved').toBeGreaterThan(0);
  const z2 = await displayAndExport(page);
  expect(rgbDiffs(z2.display.data, crop(z2.full, g2.region)).max, 'view = export crop after the pan').toBeLessThanOrEqual(1);

  // 200 %: each image pixel drawn as 2×2 screen pixels, still the export's pixels.
  await page.getByTestId('zoom-200').click();
  await waitIdle(page);
  const g3 = await geometry(page);
  expect(g3.scale).toBe(2);
  expect(g3.out).toEqual([g3.region[2] - g3.region[0], g3.region[3] - g3.region[1]]);
  const z3 = await displayAndExport(page);
  expect(rgbDiffs(z3.display.data, crop(z3.full, g3.region)).max).toBeLessThanOrEqual(1);
  const c3 = await canvas(page);
  expect(rgbDiffs(sampleCanvas(c3, g3), z3.display.data, visibleMask(c3, g3)).max, 'canvas = view texels at 200 %').toBeLessThanOrEqual(1);
  // Square pixels: both screen pixels of one texel agree.
  const x = Math.max(0, g3.rect[0]) + 20;
  const y = Math.max(0, g3.rect[1]) + 20;
  const texelLeft = Math.floor((x - g3.rect[0]) / 2) * 2 + g3.rect[0];
  const at = (px: number, py: number) => Array.from(c3.data.subarray((py * c3.width + px) * 4, (py * c3.width + px) * 4 + 3));
  expect(at(texelLeft, y)).toEqual(at(texelLeft + 1, y));

  // Wheel: zooms in about the pointer (view.ts zoomAbout, which view.test.ts
  // checks keeps that image point in place wherever the view is not at an edge).
  await page.getByTestId('zoom-100').click();
  await waitIdle(page);
  const view0 = await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().view);
  const px = box.x + box.width * 0.3;
  const py = box.y + box.height * 0.4;
  await page.mouse.move(px, py);
  await page.mouse.wheel(0, -200);
  await waitIdle(page);
  const wheeled = await geometry(page);
  expect(wheeled.scale, 'two notches up (200 px): ×√2').toBeCloseTo(Math.SQRT2, 6);
  const image: [number, number] = [fit.region[2], fit.region[3]];
  const vp = await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().viewport);
  const expected = viewGeometry(image, [vp.width, vp.height], zoomAbout(image, [vp.width, vp.height], view0, wheeled.scale, [px - box.x, py - box.y]));
  // Within a pixel: the page reports pointer positions rounded.
  wheeled.region.forEach((v, i) => expect(Math.abs(v - expected.region[i]!), 'the view zoomed about the pointer').toBeLessThanOrEqual(1));
  expect(wheeled.region, 'about the pointer, not the centre').not.toEqual(viewGeometry(image, [vp.width, vp.height], { zoom: wheeled.scale, center: view0.center }).region);

  // Fit again: the same preview as before zooming.
  await page.getByTestId('zoom-fit').click();
  await waitIdle(page);
  expect((await geometry(page)).fit).toBe(true);
  const back = (await displayAndExport(page)).display;
  expect(byteDiffs(back.data, fitDisplay.data).max).toBe(0);
});

test('before/after split: the middle bracket left of the divider, the result right; dragging moves it and only presents', async ({ page }) => {
  const g = await geometry(page);
  const after = await canvas(page);
  const mid = loadFixture('goldengate-3')[1]!;
  const beforeRef = downsampleBox({ width: mid.width, height: mid.height, data: Float32Array.from(mid.pixels, (v) => v / 255) }, g.out[0], g.out[1], g.region);
  const before8 = Uint8Array.from(beforeRef.data, (v) => Math.round(v * 255));

  await page.getByTestId('compare').check();
  await waitIdle(page);
  await expect(page.getByTestId('compare-divider')).toBeVisible();
  const split = await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().split);
  const c = await canvas(page);
  const view = sampleCanvas(c, g);
  const splitX = split * c.width;
  const left = (i: number) => g.rect[0] + ((i % g.out[0]) + 0.5) * ((g.rect[2] - g.rect[0]) / g.out[0]) < splitX - 1;
  const right = (i: number) => g.rect[0] + ((i % g.out[0]) + 0.5) * ((g.rect[2] - g.rect[0]) / g.out[0]) > splitX + 1;
  const leftBefore = rgbDiffs(view, before8, left);
  expect(leftBefore.n).toBeGreaterThan(1000);
  expect(leftBefore.max, 'left of the divider: the middle bracket as shot').toBeLessThanOrEqual(1);
  const rightAfter = rgbDiffs(view, sampleCanvas(after, g), right);
  expect(rightAfter.n).toBeGreaterThan(1000);
  expect(rightAfter.max, 'right of the divider: the result').toBeLessThanOrEqual(1);
  // The two differ, so the check above can fail.
  expect(rgbDiffs(sampleCanvas(after, g), before8, left).max).toBeGreaterThan(20);

  // Drag the divider to a quarter of the width: present runs again, nothing else.
  const r0 = await runs(page);
  const handle = (await page.getByTestId('compare-divider').boundingBox())!;
  const box = (await page.getByTestId('preview').boundingBox())!;
  await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.35, handle.y + handle.height / 2, { steps: 3 });
  await page.mouse.move(box.x + box.width * 0.25, handle.y + handle.height / 2, { steps: 3 });
  await page.mouse.up();
  await waitIdle(page);
  const moved = await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().split);
  expect(moved).toBeCloseTo(0.25, 2);
  const r1 = await runs(page);
  expect(r1.present).toBeGreaterThan(r0.present);
  for (const s of ['before', 'downsample', 'tonemap', 'curve', 'fusion'] as const) expect(r1[s], s).toBe(r0[s]);
  // Keyboard: the divider is a slider.
  await page.getByTestId('compare-divider').focus();
  await page.keyboard.press('ArrowRight');
  expect(await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().split)).toBeCloseTo(moved + 0.01, 5);

  // Off: the result everywhere again.
  await page.getByTestId('compare').uncheck();
  await waitIdle(page);
  expect(rgbDiffs(sampleCanvas(await canvas(page), g), sampleCanvas(after, g)).max).toBeLessThanOrEqual(1);

  // On again, then another set of the same size: "before" is the new set's middle bracket.
  await page.getByTestId('compare').check();
  await page.getByTestId('file-input').setInputFiles(fixturePaths('stilllife-5'));
  await waitIdle(page);
  await expect(page.locator('[data-testid=error] .message-error'), 'no rendering error').toHaveCount(0);
  const g2 = await geometry(page);
  const mid2 = loadFixture('stilllife-5')[2]!;
  const before2 = downsampleBox({ width: mid2.width, height: mid2.height, data: Float32Array.from(mid2.pixels, (v) => v / 255) }, g2.out[0], g2.out[1], g2.region);
  const split2 = await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().split);
  const c2 = await canvas(page);
  const left2 = (i: number) => g2.rect[0] + ((i % g2.out[0]) + 0.5) * ((g2.rect[2] - g2.rect[0]) / g2.out[0]) < split2 * c2.width - 1;
  expect(
    rgbDiffs(
      sampleCanvas(c2, g2),
      Uint8Array.from(before2.data, (v) => Math.round(v * 255)),
      left2,
    ).max,
    'the new set’s middle bracket',
  ).toBeLessThanOrEqual(1);
});

test('local detail: the sliders change the picture; the download and the 100 % view equal the CPU reference', async ({ page }) => {
  await page.getByTestId('mode-merge').click();
  await waitIdle(page);
  const plain = await canvas(page);
  const r0 = await runs(page);
  // Drag both sliders to about three quarters of their range.
  for (const name of ['detail', 'rangeCompression']) {
    const track = page.getByTestId(`param-${name}`).locator('.tp-sldv_t');
    await track.scrollIntoViewIfNeeded();
    const tb = (await track.boundingBox())!;
    await page.mouse.click(tb.x + tb.width * 0.8, tb.y + tb.height / 2);
    await waitIdle(page);
  }
  const params = await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().params);
  expect(params.detail).toBeGreaterThan(0.4);
  expect(params.rangeCompression).toBeGreaterThan(0.6);
  const r1 = await runs(page);
  expect(r1.detail).toBeGreaterThan(r0.detail);
  expect(r1.merge, 'local detail never re-merges').toBe(r0.merge);
  expect(byteDiffs((await canvas(page)).data, plain.data).mean, 'the canvas changed').toBeGreaterThan(1);

  // Export vs the CPU reference: merge → stats → local detail → tone map → curve.
  const brackets = loadFixture('goldengate-3');
  const radiance = mergeRadiance(brackets);
  const detailed = localDetail(radiance, { detail: params.detail, range: params.rangeCompression });
  const curves = await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().curves);
  const ref = applyCurves(tonemapImage(detailed, luminanceStats(radiance), params), bakeCurves(curves));
  const { full } = await displayAndExport(page);
  const d = byteDiffs(full.data, ref);
  expect(d.within1, `export within 1 level of the reference on 99.9 % (max ${d.max})`).toBeGreaterThanOrEqual(0.999);
  // Without local detail the picture would differ: the check can fail.
  expect(byteDiffs(applyCurves(tonemapImage(radiance, luminanceStats(radiance), params), bakeCurves(curves)), ref).mean).toBeGreaterThan(1);

  // Zoomed in, the view shows the full-size filter's result, as the export.
  await page.getByTestId('zoom-100').click();
  await waitIdle(page);
  const g = await geometry(page);
  const z = await displayAndExport(page);
  expect((await runs(page)).detailFull).toBeGreaterThan(0);
  expect(rgbDiffs(z.display.data, crop(z.full, g.region)).max, 'view = export crop with local detail on').toBeLessThanOrEqual(1);
});
