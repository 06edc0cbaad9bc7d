// The editor end to end, as a person uses it: open brackets, see the merge,
// move a slider, download. Downloads are decoded and compared with the CPU
// reference pipeline. Bad input has its own spec (bad-input.spec.ts).
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { fuse } from '../src/engine/fusion/reference/fusion';
import { referencePipeline } from '../src/engine/reference/pipeline';
import { finishFused } from '../src/engine/tonemap/reference/tonemap';
import { defaultParams, PARAMS, type Params } from '../src/engine/params';
import { byteDiffs, decodeJpeg, decodePng, fixturePaths, loadFixture, lumaSpread, openApp, psnr, waitIdle } from './helpers';

type Hooks = {
  __hdr: {
    store: { getState(): { params: Params; brackets: { name: string; ev: number; evSource: string }[]; setParam(n: string, v: number): void; setResponse(r: string): void } };
    bridge: { settled(): Promise<void>; engine: { pipeline: { debug: { runs: Record<string, number> } } } };
  };
};

const state = (page: Page) =>
  page.evaluate(() => {
    const s = (window as unknown as Hooks).__hdr.store.getState();
    return { params: s.params, brackets: s.brackets.map((b) => ({ name: b.name, ev: b.ev, evSource: b.evSource })) };
  });
const runs = (page: Page) => page.evaluate(() => ({ ...(window as unknown as Hooks).__hdr.bridge.engine.pipeline.debug.runs }));

/** The canvas as the compositor shows it. */
async function canvasPixels(page: Page) {
  return decodePng(await page.getByTestId('preview').screenshot());
}

async function openSet(page: Page, paths: string[]) {
  await page.getByTestId('file-input').setInputFiles(paths);
  await waitIdle(page);
}

/** Drag a tweakpane slider to a fraction of its track. */
async function dragSlider(page: Page, param: string, fraction: number) {
  const track = page.getByTestId(`param-${param}`).locator('.tp-sldv_t');
  // The side panel scrolls (the alignment report sits above the sliders): the mouse needs the track on screen.
  await track.scrollIntoViewIfNeeded();
  const box = (await track.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  for (let i = 1; i <= 5; i++) await page.mouse.move(box.x + box.width / 2 + ((fraction - 0.5) * box.width * i) / 5, box.y + box.height / 2);
  await page.mouse.up();
  await waitIdle(page);
}

async function download(page: Page, testId: string) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), bytes: readFileSync(path) };
}

async function setMode(page: Page, mode: 'fusion' | 'merge') {
  await page.getByTestId(`mode-${mode}`).click();
  await expect(page.getByTestId(`mode-${mode}`)).toHaveAttribute('aria-pressed', 'true');
  await waitIdle(page);
}

test.describe('a bracket set from start to download, HDR merge + tone map', () => {
  test.beforeEach(async ({ page }) => {
    await openApp(page);
    await openSet(page, fixturePaths('stilllife-5'));
    await setMode(page, 'merge');
  });

  test('shows the strip with EXIF exposures and a picture', async ({ page }) => {
    const cards = page.getByTestId('bracket');
    await expect(cards).toHaveCount(5);
    await expect(cards.nth(0)).toContainText('1/64 s · f/8 · ISO 100');
    await expect(cards.nth(0)).toContainText('0.0 EV');
    await expect(cards.nth(4)).toContainText('4 s');
    await expect(cards.nth(4)).toContainText('+8.0 EV');
    const { brackets } = await state(page);
    expect(brackets.map((b) => b.evSource)).toEqual(Array(5).fill('exif'));
    const img = lumaSpread(await canvasPixels(page));
    expect(img.std, 'canvas has structure, not a flat fill').toBeGreaterThan(15);
    expect(img.mean).toBeGreaterThan(15);
    expect(img.mean).toBeLessThan(240);
  });

  test('the exposure slider changes the canvas and re-runs only tone map and present', async ({ page }) => {
    const before = await canvasPixels(page);
    const r0 = await runs(page);
    await dragSlider(page, 'exposure', 0.8);
    const { params } = await state(page);
    expect(params.exposure).toBeGreaterThan(2);
    const after = await canvasPixels(page);
    expect(lumaSpread(after).mean).toBeGreaterThan(lumaSpread(before).mean + 10);
    const r1 = await runs(page);
    expect(r1.tonemap).toBeGreaterThan(r0.tonemap!);
    expect(r1.present).toBeGreaterThan(r0.present!);
    for (const stage of ['upload', 'merge', 'luminance', 'fusion', 'downsample']) expect(r1[stage], stage).toBe(r0[stage]);
  });

  test('PNG and JPEG downloads equal the CPU reference at the same settings', async ({ page }) => {
    // The reference merges with the sRGB curve and has no local range compression: the automatic response and look set as it has them.
    await page.evaluate(async () => {
      const h = (window as unknown as Hooks).__hdr;
      h.store.getState().setResponse('srgb');
      h.store.getState().setParam('rangeCompression', 0);
      await h.bridge.settled();
    });
    await waitIdle(page);
    await dragSlider(page, 'exposure', 0.62);
    await dragSlider(page, 'saturation', 0.7);
    const { params } = await state(page);
    expect(params.exposure).not.toBe(0);
    const ref = referencePipeline(loadFixture('stilllife-5'), params);

    const png = await download(page, 'download-png');
    expect(png.name).toBe('sl-hdr.png');
    const pngImg = decodePng(png.bytes);
    expect([pngImg.width, pngImg.height]).toEqual([320, 256]);
    const dp = byteDiffs(pngImg.data, ref.rgba8);
    expect(dp.mean, 'PNG mean absolute difference (levels)').toBeLessThanOrEqual(1);
    expect(dp.within1).toBeGreaterThanOrEqual(0.999);

    const jpg = await download(page, 'download-jpeg');
    expect(jpg.name).toBe('sl-hdr.jpg');
    const jpgImg = decodeJpeg(jpg.bytes);
    expect([jpgImg.width, jpgImg.height]).toEqual([320, 256]);
    // JPEG at quality 92 with 4:2:0 chroma is lossy on this noisy, saturated
    // crop (Chromium's encoder reaches about 31 dB here): ask for the codec's
    // fidelity, and for the settings to show (the default-settings render must
    // be much further away).
    const q = psnr(jpgImg.data, ref.rgba8);
    console.log(`JPEG vs reference: ${q.toFixed(1)} dB, mean ${byteDiffs(jpgImg.data, ref.rgba8).mean.toFixed(2)} levels`);
    expect(q, 'JPEG PSNR vs reference (dB)').toBeGreaterThan(29);
    const defaults = referencePipeline(loadFixture('stilllife-5'), { ...params, exposure: 0, saturation: 1 });
    expect(psnr(jpgImg.data, defaults.rgba8)).toBeLessThan(q - 6);
  });
});

test.describe('exposure fusion from start to download', () => {
  test.beforeEach(async ({ page }) => {
    await openApp(page);
    await openSet(page, fixturePaths('goldengate-3'));
  });

  test('fusion is the default; switching modes never re-uploads, and each result stays cached', async ({ page }) => {
    await expect(page.getByTestId('mode-fusion')).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByTestId('fusion-clamp-note')).toBeVisible();
    await expect(page.getByTestId('param-contrastWeight')).toBeVisible();
    await expect(page.getByTestId('param-whitePoint')).toBeHidden();
    const r0 = await runs(page);
    expect(r0).toMatchObject({ upload: 1, fusion: 1, merge: 0 });
    const fused = await canvasPixels(page);

    await setMode(page, 'merge');
    await expect(page.getByTestId('param-whitePoint')).toBeVisible();
    await expect(page.getByTestId('param-contrastWeight')).toBeHidden();
    await expect(page.getByTestId('fusion-clamp-note')).toHaveCount(0);
    const merged = await canvasPixels(page);
    expect(byteDiffs(merged.data, fused.data).mean, 'the two modes give different pictures').toBeGreaterThan(2);

    await setMode(page, 'fusion');
    const r1 = await runs(page);
    expect(r1).toMatchObject({ upload: 1, fusion: 1, merge: 1 });
    expect(byteDiffs((await canvasPixels(page)).data, fused.data).max, 'back to the same fused picture').toBeLessThanOrEqual(1);
  });

  test('each weight slider re-fuses without re-uploading; exposure does not re-fuse; the download equals the CPU reference', async ({ page }) => {
    let r = await runs(page);
    for (const [param, fraction] of [
      ['contrastWeight', 0.15],
      ['saturationWeight', 0.7],
      ['exposureWeight', 0.6],
    ] as const) {
      const before = await canvasPixels(page);
      await dragSlider(page, param, fraction);
      const now = await runs(page);
      expect(now.fusion, `${param} re-fuses`).toBeGreaterThan(r.fusion!);
      expect(now.upload, `${param} does not re-upload`).toBe(r.upload);
      expect(byteDiffs((await canvasPixels(page)).data, before.data).mean, `${param} changes the canvas`).toBeGreaterThan(0.2);
      r = now;
    }
    await dragSlider(page, 'exposure', 0.45);
    const afterExposure = await runs(page);
    expect(afterExposure.fusion, 'final exposure does not rebuild the pyramids').toBe(r.fusion);
    expect(afterExposure.tonemap).toBeGreaterThan(r.tonemap!);

    const { params } = await state(page);
    for (const p of ['contrastWeight', 'saturationWeight', 'exposureWeight', 'exposure'] as const) expect(params[p], p).not.toBe(PARAMS[p].default);
    const ref = finishFused(fuse(loadFixture('goldengate-3'), params), params);
    const png = await download(page, 'download-png');
    const img = decodePng(png.bytes);
    expect([img.width, img.height]).toEqual([320, 256]);
    const d = byteDiffs(img.data, ref);
    expect(d.within1, `PNG within 1 level of the reference (max ${d.max})`).toBeGreaterThanOrEqual(0.999);
    // And the settings matter: the default-weight fusion is clearly different.
    const defaults = finishFused(fuse(loadFixture('goldengate-3'), defaultParams()), defaultParams());
    expect(byteDiffs(img.data, defaults).mean).toBeGreaterThan(2);
  });
});

test('EXIF orientation is applied when decoding', async ({ page }) => {
  await openApp(page);
  // The bundled sample with its EXIF Orientation (little-endian tag 0x0112, SHORT) set to 6: rotate 90° clockwise.
  const files = [1, 2, 3].map((i) => {
    const bytes = Buffer.from(readFileSync(new URL(`../public/sample/goldengate-${i}.jpg`, import.meta.url)));
    const at = bytes.indexOf(Buffer.from([0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00]));
    expect(at).toBeGreaterThan(0);
    bytes.writeUInt16LE(6, at + 8);
    return { name: `rotated-${i}.jpg`, mimeType: 'image/jpeg', buffer: bytes };
  });
  await page.getByTestId('file-input').setInputFiles(files);
  await waitIdle(page);
  const size = await page.evaluate(() => {
    const b = (window as unknown as { __hdr: { store: { getState(): { brackets: { width: number; height: number }[] } } } }).__hdr.store.getState().brackets[0]!;
    return [b.width, b.height];
  });
  expect(size).toEqual([860, 1262]);
});

test('slider changes are coalesced into one frame; a resize re-fits without re-merging', async ({ page }) => {
  await openApp(page);
  await openSet(page, fixturePaths('goldengate-3'));
  const r0 = await runs(page);
  await page.evaluate(() => {
    const s = (window as unknown as Hooks).__hdr.store.getState();
    for (let i = 1; i <= 10; i++) s.setParam('exposure', i / 10);
  });
  await waitIdle(page);
  const r1 = await runs(page);
  expect(r1.tonemap).toBe(r0.tonemap! + 1);
  expect(r1.present).toBe(r0.present! + 1);
  await page.setViewportSize({ width: 800, height: 600 });
  await waitIdle(page);
  await expect.poll(async () => (await runs(page)).downsample).toBeGreaterThan(r1.downsample!);
  const r2 = await runs(page);
  expect(r2.fusion).toBe(r0.fusion);
  expect(r2.merge).toBe(r0.merge);
  expect(r2.upload).toBe(r0.upload);
});

test('brackets without EXIF are assumed 2 EV apart and can be corrected', async ({ page }) => {
  await openApp(page);
  // The same files with their eXIf chunk removed, named out of order.
  const stripped = fixturePaths('goldengate-3').map((p, i) => {
    const bytes = readFileSync(p);
    const at = bytes.indexOf('eXIf');
    const len = bytes.readUInt32BE(at - 4);
    return { name: `shot${[10, 9, 100][i]}.png`, mimeType: 'image/png', buffer: Buffer.concat([bytes.subarray(0, at - 4), bytes.subarray(at + 8 + len)]) };
  });
  await page.getByTestId('file-input').setInputFiles(stripped);
  await waitIdle(page);
  await expect(page.getByTestId('error')).toContainText('assuming 2 EV');
  await setMode(page, 'merge');
  let { brackets } = await state(page);
  expect(brackets.map((b) => [b.name, b.ev, b.evSource])).toEqual([
    ['shot9.png', 0, 'assumed'],
    ['shot10.png', 2, 'assumed'],
    ['shot100.png', 4, 'assumed'],
  ]);
  const r0 = await runs(page);
  const ev = page.getByTestId('bracket-ev').nth(2);
  await ev.fill('5');
  await ev.press('Enter');
  await waitIdle(page);
  ({ brackets } = await state(page));
  expect(brackets[2]).toEqual({ name: 'shot100.png', ev: 5, evSource: 'user' });
  const r1 = await runs(page);
  expect(r1.merge).toBe(r0.merge! + 1);
  expect(r1.upload, 'an EV edit re-merges without re-uploading').toBe(r0.upload);
});
