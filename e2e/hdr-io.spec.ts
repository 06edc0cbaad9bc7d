// The HDR downloads and the camera response, as a person uses them: open
// brackets, click a download, and the file is decoded in Node by an
// independent reader (test/support/readers.ts, nothing shared with the
// writers) and compared with the CPU reference (src/engine/reference).
//
// Tolerances:
//  - Radiance: the GPU merge matches the reference within 1e-4 relative +
//    1e-7 absolute (gpu.spec.ts); the EXR then rounds to half (2^-11
//    relative, 2^-24 absolute below 2^-14), the .hdr to a shared exponent
//    (max(R, G, B) / 256). Every sample must lie within the sum.
//  - 16-bit PNG: both sides interpolate the same baked curve tables and
//    round v · 65535 once; what differs is f32 against f64 in the merge, the
//    luminance statistics (the log-average is a parallel f32 sum) and the
//    operator, ~1e-6 relative, which the display encoding scales by at most
//    ~0.45 (d sRGB / d ln v): well under a level of 65535 (1.5e-5), so a
//    sample differs only where the value sits near a rounding boundary.
//    99.9 % of pixels within 1 level, none beyond 4.
//  - Ultra HDR: the rebuilt HDR rendition (primary + gain map at full
//    weight) against radiance × the writer's mid-tone scale, mean |log2| at
//    most 0.1 stop (JPEG on both images, 8-bit gain steps).
import { readFileSync } from 'node:fs';
import exifr from 'exifr';
import { expect, test, type Page } from '@playwright/test';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { bakeCurves, type Curves } from '../src/engine/curve/curve';
import type { Params } from '../src/engine/params';
import { curvePixel } from '../src/engine/curve/reference/curve';
import { mergeRadiance } from '../src/engine/merge/reference/merge';
import { luminanceStats } from '../src/engine/luminance/reference/stats';
import { quantise, tonemapImage } from '../src/engine/tonemap/reference/tonemap';
import { recoverResponse, responseLuts, type ResponseLuts } from '../src/engine/merge/response';
import { estimateBlackLevel, mergeWeights } from '../src/engine/merge/weights';
import type { Bracket, FloatImage } from '../src/engine/types';
import { insertExif } from '../src/io/exif-copy';
import { buildExif, jpegSegments, readExr, readRadiance, rebuildUltraHdr, stopsError } from '../test/support/readers';
import { midtoneScale } from '../src/io/ultrahdr';
import { decodeJpeg, FIXTURES, fixturePaths, loadFixture, openApp, psnr, waitIdle } from './helpers';

type StoreState = {
  mode: string;
  params: Params;
  curves: Curves;
  response: string;
  brackets: { id: string; width: number; height: number }[];
  messages: { text: string; kind: string }[];
  setParam(n: string, v: number): void;
  setResponse(r: string): void;
  setCurve(c: string, points: { x: number; y: number }[]): void;
};
type Hooks = { __hdr: { store: { getState(): StoreState }; bridge: { engine: { pipeline: { debug: { runs: Record<string, number> } } } } } };

const runs = (page: Page) => page.evaluate(() => ({ ...(window as unknown as Hooks).__hdr.bridge.engine.pipeline.debug.runs }));
/** What a download must leave as it was. */
const edit = (page: Page) =>
  page.evaluate(() => {
    const s = (window as unknown as Hooks).__hdr.store.getState();
    return { mode: s.mode, params: s.params, curves: s.curves, response: s.response, brackets: s.brackets.map((b) => b.id) };
  });
const errors = (page: Page) =>
  page.evaluate(() =>
    (window as unknown as Hooks).__hdr.store
      .getState()
      .messages.filter((m) => m.kind === 'error')
      .map((m) => m.text),
  );

const GPU_REL = 1e-4;
const GPU_ABS = 1e-7;
const timings: Record<string, number> = {};

async function download(page: Page, kind: string) {
  const t0 = Date.now();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`download-${kind}`).click()]);
  const bytes = new Uint8Array(readFileSync(await dl.path()));
  timings[kind] = Date.now() - t0;
  await waitIdle(page);
  expect(await errors(page), `no error after the ${kind} download`).toEqual([]);
  return { name: dl.suggestedFilename(), bytes };
}

async function setMode(page: Page, mode: 'fusion' | 'merge') {
  await page.getByTestId(`mode-${mode}`).click();
  await expect(page.getByTestId(`mode-${mode}`)).toHaveAttribute('aria-pressed', 'true');
  await waitIdle(page);
}

/** The CPU reference radiance, weighted as the pipeline weights (black level from the brackets). */
function referenceRadiance(brackets: readonly Bracket[], response: ResponseLuts = responseLuts('srgb')): FloatImage {
  return mergeRadiance(brackets, response, mergeWeights(estimateBlackLevel(brackets), response));
}

/** EXR planes against the reference: worst error in units of the bound, and the largest relative error of normal halves. */
function exrMisfit(bytes: Uint8Array, ref: FloatImage) {
  const file = readExr(bytes);
  expect([file.width, file.height]).toEqual([ref.width, ref.height]);
  expect(file.channels.map((c) => [c.name, c.pixelType])).toEqual([
    ['B', 1],
    ['G', 1],
    ['R', 1],
  ]);
  const planes = ['R', 'G', 'B'].map((n) => file.planes.get(n)!);
  let worst = 0;
  let maxRel = 0;
  for (let p = 0; p < ref.width * ref.height; p++) {
    for (let c = 0; c < 3; c++) {
      const v = ref.data[p * 4 + c]!;
      const d = planes[c]![p]!;
      const bound = Math.abs(v) * (2 ** -11 + GPU_REL) + 2 ** -24 + GPU_ABS;
      worst = Math.max(worst, Math.abs(d - v) / bound);
      if (Math.abs(v) >= 2 ** -14) maxRel = Math.max(maxRel, Math.abs(d - v) / Math.abs(v));
    }
  }
  return { worst, maxRel };
}

/** RGBE against the reference: worst error in units of max(R, G, B) / 256 (+ the GPU's share). */
function hdrMisfit(bytes: Uint8Array, ref: FloatImage) {
  const file = readRadiance(bytes);
  expect(file.header[0]).toBe('#?RADIANCE');
  expect([file.width, file.height]).toEqual([ref.width, ref.height]);
  let worst = 0;
  let maxRel = 0;
  for (let p = 0; p < ref.width * ref.height; p++) {
    const max = Math.max(ref.data[p * 4]!, ref.data[p * 4 + 1]!, ref.data[p * 4 + 2]!);
    for (let c = 0; c < 3; c++) {
      const err = Math.abs(file.rgb[p * 3 + c]! - ref.data[p * 4 + c]!);
      worst = Math.max(worst, err / (max / 256 + max * GPU_REL + GPU_ABS));
      if (max > 0) maxRel = Math.max(maxRel, err / max);
    }
  }
  return { worst, maxRel };
}

/** Mean |log2| between two radiance maps (RGB), δ = 1e-4 against black. */
function meanStops(a: FloatImage, b: FloatImage): number {
  let s = 0;
  const n = a.width * a.height;
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) s += Math.abs(Math.log2((a.data[p * 4 + c]! + 1e-4) / (b.data[p * 4 + c]! + 1e-4)));
  return s / (n * 3);
}

const fmt = (v: number) => v.toExponential(2);

test.afterAll(() => {
  if (Object.keys(timings).length)
    console.log(
      `click → done at 320×256: ${Object.entries(timings)
        .map(([k, ms]) => `${k} ${ms} ms`)
        .join(', ')}`,
    );
});

test.describe('HDR downloads of goldengate-3', () => {
  test.beforeEach(async ({ page }) => {
    await openApp(page);
    await page.getByTestId('file-input').setInputFiles(fixturePaths('goldengate-3'));
    await waitIdle(page);
    // The reference merges with the sRGB curve the fixtures were made with; the automatic response would recover its own.
    await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().setResponse('srgb'));
    await waitIdle(page);
  });

  test('EXR and .hdr hold the reference radiance (relative to the middle bracket), from either mode, the edit untouched', async ({ page }) => {
    const brackets = loadFixture('goldengate-3');
    expect(brackets[1]!.exposure, 'the reference scale: the middle bracket').toBe(1);
    const ref = referenceRadiance(brackets);
    const group = page.getByRole('group', { name: 'Download' });
    for (const kind of ['png', 'jpeg', 'png16', 'uhdr', 'exr', 'hdr']) await expect(group.getByTestId(`download-${kind}`)).toBeEnabled();

    // Fusion mode (the default): the radiance map is merged on demand, the fused picture stays.
    const before = await edit(page);
    const r0 = await runs(page);
    const exr = await download(page, 'exr');
    expect(exr.name).toBe('gg-hdr.exr');
    const e = exrMisfit(exr.bytes, ref);
    console.log(`EXR vs reference: max relative error ${fmt(e.maxRel)} (half: ${fmt(2 ** -11)}), worst ${e.worst.toFixed(3)} of the bound`);
    expect(e.worst).toBeLessThanOrEqual(1);
    expect(await edit(page)).toEqual(before);
    const r1 = await runs(page);
    expect(r1.merge).toBe(r0.merge! + 1);
    for (const stage of ['upload', 'fusion', 'tonemap', 'present']) expect(r1[stage], stage).toBe(r0[stage]);

    // Merge mode: the same map, not merged again.
    await setMode(page, 'merge');
    const r2 = await runs(page);
    const hdr = await download(page, 'hdr');
    expect(hdr.name).toBe('gg-hdr.hdr');
    const h = hdrMisfit(hdr.bytes, ref);
    console.log(`.hdr vs reference: max error ${fmt(h.maxRel)} of the pixel's brightest channel (RGBE: ${fmt(1 / 256)}), worst ${h.worst.toFixed(3)} of the bound`);
    expect(h.worst).toBeLessThanOrEqual(1);
    expect((await runs(page)).merge).toBe(r2.merge);
  });

  test('the 16-bit PNG is the finished picture at 16 bits: the reference finish and curves in float, × 65535', async ({ page }) => {
    await setMode(page, 'merge');
    await page.evaluate(() => {
      const s = (window as unknown as Hooks).__hdr.store.getState();
      s.setParam('exposure', 0.6);
      s.setParam('saturation', 1.25);
      s.setCurve('luma', [
        { x: 0, y: 0 },
        { x: 0.3, y: 0.22 },
        { x: 0.7, y: 0.8 },
        { x: 1, y: 1 },
      ]);
      s.setCurve('b', [
        { x: 0, y: 0.03 },
        { x: 0.5, y: 0.45 },
        { x: 1, y: 1 },
      ]);
    });
    await waitIdle(page);
    const { params, curves } = await edit(page);
    const before = await edit(page);
    const png = await download(page, 'png16');
    expect(png.name).toBe('gg-hdr-16bit.png');
    expect(await edit(page)).toEqual(before);
    // IHDR straight from the bytes: bit depth 16, colour type 2 (RGB).
    expect([png.bytes[24], png.bytes[25]]).toEqual([16, 2]);
    const img = PNG.sync.read(Buffer.from(png.bytes), { skipRescale: true }) as unknown as { width: number; height: number; depth: number; data: Uint16Array };
    expect([img.width, img.height, img.depth]).toEqual([320, 256, 16]);
    expect(img.data).toBeInstanceOf(Uint16Array);

    const radiance = referenceRadiance(loadFixture('goldengate-3'));
    const toned = tonemapImage(radiance, luminanceStats(radiance), params);
    const luts = bakeCurves(curves);
    const n = img.width * img.height;
    const diffs = new Float64Array(n);
    let sum = 0;
    let exact = 0;
    let eightBit = 0;
    for (let p = 0; p < n; p++) {
      const ref = curvePixel(toned.data[p * 4]!, toned.data[p * 4 + 1]!, toned.data[p * 4 + 2]!, luts);
      let worst = 0;
      for (let c = 0; c < 3; c++) {
        const v = img.data[p * 4 + c]!;
        const d = Math.abs(v - Math.round(ref[c]! * 65535));
        if (v > 0 && v < 65535 && v % 257 === 0) eightBit++;
        sum += d;
        worst = Math.max(worst, d);
      }
      diffs[p] = worst;
      if (worst === 0) exact++;
    }
    diffs.sort();
    const p999 = diffs[Math.floor(n * 0.999)]!;
    const max = diffs[n - 1]!;
    console.log(`16-bit PNG vs reference (levels of 65535): mean ${(sum / (n * 3)).toFixed(3)}, 99.9th percentile ${p999}, max ${max}; ${((exact / n) * 100).toFixed(1)} % of pixels exact`);
    expect(p999).toBeLessThanOrEqual(1);
    expect(max).toBeLessThanOrEqual(4);
    // Real 16-bit values, not 8-bit ones scaled by 257 (1 in 257 lands on that grid by chance).
    expect(eightBit / (n * 3), 'unclipped samples on the 8-bit grid').toBeLessThan(0.02);
  });

  test('Ultra HDR: the primary is the finished picture, primary + gain map rebuild the radiance within 0.1 stop; no EXIF from PNG brackets', async ({ page }) => {
    await setMode(page, 'merge');
    const { params } = await edit(page);
    const before = await edit(page);
    const uhdr = await download(page, 'uhdr');
    expect(uhdr.name).toBe('gg-ultrahdr.jpg');
    expect(await edit(page)).toEqual(before);
    const r = rebuildUltraHdr(uhdr.bytes);
    expect([r.width, r.height]).toEqual([320, 256]);
    expect(r.parsed.primaryXmp).toContain('Item:Semantic="GainMap"');
    for (const k of ['GainMapMin', 'GainMapMax', 'Gamma', 'OffsetSDR', 'OffsetHDR', 'HDRCapacityMin', 'HDRCapacityMax'] as const) {
      expect(r.parsed.iso[k], `ISO 21496-1 ${k} = hdrgm:${k}`).toBeCloseTo(r.parsed.hdrgm[k], 6);
    }
    const isExif = (s: { marker: number; payload: Uint8Array }) => s.marker === 0xe1 && String.fromCharCode(...s.payload.subarray(0, 4)) === 'Exif';
    expect(jpegSegments(r.parsed.primary).some(isExif), 'PNG brackets carry no EXIF into the file').toBe(false);

    const radiance = referenceRadiance(loadFixture('goldengate-3'));
    const sdr = quantise(tonemapImage(radiance, luminanceStats(radiance), params));
    const q = psnr(r.sdr, sdr);
    expect(q, 'primary vs the reference picture (dB)').toBeGreaterThan(30);
    // The writer's scale (ultrahdr.ts midtoneScale: mid-tones as bright as in the picture), from the reference picture.
    const hdrScale = midtoneScale(new Uint8Array(sdr.buffer), radiance);
    const e = stopsError(r.hdr, radiance.data, hdrScale);
    console.log(
      `Ultra HDR: primary ${q.toFixed(1)} dB; rebuilt HDR vs reference radiance × ${hdrScale.toFixed(4)}: mean ${e.meanStops.toFixed(4)} stops, p95 ${e.p95Stops.toFixed(3)}; gain ${r.parsed.hdrgm.GainMapMin.toFixed(2)}..${r.parsed.hdrgm.GainMapMax.toFixed(2)} stops`,
    );
    expect(e.meanStops).toBeLessThanOrEqual(0.1);
    // The highlights the tone mapper compressed get real headroom.
    expect(r.parsed.hdrgm.GainMapMax).toBeGreaterThan(1);
  });

  test("camera response: 'Recovered' re-merges without re-uploading, plots three curves, and the EXR follows", async ({ page }) => {
    await setMode(page, 'merge');
    const select = page.getByTestId('response');
    await expect(select).toBeVisible();
    await expect(select).toHaveValue('srgb');
    const plot = page.getByTestId('response-plot');
    await expect(plot).toBeVisible();
    await expect(plot).toHaveAttribute('data-curves', 'one');
    const srgbPlot = PNG.sync.read(await plot.screenshot());
    const r0 = await runs(page);

    const t0 = Date.now();
    await select.selectOption('recovered');
    await waitIdle(page);
    timings['recover + re-merge'] = Date.now() - t0;
    await expect(plot).toBeVisible();
    await expect(plot).toHaveAttribute('data-curves', 'rgb');
    const r1 = await runs(page);
    expect(r1.merge, 'a re-merge').toBe(r0.merge! + 1);
    expect(r1.upload, 'no re-upload').toBe(r0.upload);
    // The plot shows other curves: the recovered ones part from sRGB and from each other in the shadows.
    const recoveredPlot = PNG.sync.read(await plot.screenshot());
    let changed = 0;
    let coloured = 0;
    for (let i = 0; i < recoveredPlot.data.length; i += 4) {
      const [R, G, B] = [recoveredPlot.data[i]!, recoveredPlot.data[i + 1]!, recoveredPlot.data[i + 2]!];
      if (Math.abs(R - srgbPlot.data[i]!) + Math.abs(G - srgbPlot.data[i + 1]!) + Math.abs(B - srgbPlot.data[i + 2]!) > 60) changed++;
      if (Math.max(R, G, B) - Math.min(R, G, B) > 60) coloured++;
    }
    expect(changed, 'plot pixels changed').toBeGreaterThan(100);
    expect(coloured, 'channel colours visible').toBeGreaterThan(20);

    // The radiance is the reference merge with the curves recovered in Node from the same pixels.
    const brackets = loadFixture('goldengate-3');
    const recovered = recoverResponse(brackets).luts;
    const ref = referenceRadiance(brackets, recovered);
    const exr = await download(page, 'exr');
    const e = exrMisfit(exr.bytes, ref);
    // These fixtures were rendered through sRGB, so the recovered curves are
    // close to it (apart from the darkest codes): the map moves a little, but
    // far more than half precision, and no longer fits the sRGB merge.
    const srgbRef = referenceRadiance(brackets);
    const change = meanStops(ref, srgbRef);
    const vsSrgb = exrMisfit(exr.bytes, srgbRef);
    console.log(
      `Recovered response: EXR max relative error ${fmt(e.maxRel)}, worst ${e.worst.toFixed(3)} of the bound; ` +
        `the map moved ${change.toFixed(4)} stops on average from sRGB (the EXR against the sRGB merge: worst ${vsSrgb.worst.toFixed(0)} × the bound)`,
    );
    expect(e.worst).toBeLessThanOrEqual(1);
    expect(change, 'the radiance changed').toBeGreaterThan(0.002);
    expect(vsSrgb.worst, 'and is not the sRGB merge').toBeGreaterThan(10);

    // Linear: merged again, one neutral curve.
    await select.selectOption('linear');
    await waitIdle(page);
    const r2 = await runs(page);
    expect(r2.merge).toBe(r1.merge! + 1);
    expect(r2.upload).toBe(r0.upload);
    expect(exrMisfit((await download(page, 'exr')).bytes, referenceRadiance(brackets, responseLuts('linear'))).worst).toBeLessThanOrEqual(1);

    // Back to Recovered: the curves are kept for this set, so no new recovery; a new set recovers again.
    await select.selectOption('recovered');
    await waitIdle(page);
    expect((await runs(page)).merge).toBe(r2.merge! + 1);
    await page.getByTestId('file-input').setInputFiles(fixturePaths('stilllife-5'));
    await waitIdle(page);
    await expect(select).toHaveValue('recovered');
    const still = loadFixture('stilllife-5');
    const e2 = exrMisfit((await download(page, 'exr')).bytes, referenceRadiance(still, recoverResponse(still).luts));
    expect(e2.worst, 'recovered again for the new set').toBeLessThanOrEqual(1);

    // Fusion hides the choice.
    await setMode(page, 'fusion');
    await expect(page.getByTestId('response')).toHaveCount(0);
  });

  test('a failed download is reported, clears its progress and leaves the edit as it was', async ({ page }) => {
    // The encoder worker cannot load.
    await page.route('**/encode.worker-*.js', (route) => route.abort());
    const before = await edit(page);
    await page.getByTestId('download-exr').click();
    await expect(page.getByTestId('error')).toContainText('EXR download failed');
    await waitIdle(page);
    await expect(page.getByTestId('progress')).toHaveCount(0);
    await expect(page.getByTestId('download-exr')).toBeEnabled();
    expect(await edit(page)).toEqual(before);
    // The picture downloads do not need the worker and still work.
    await page.getByTestId('error').getByRole('button', { name: 'Dismiss' }).click();
    expect((await download(page, 'png')).name).toBe('gg-hdr.png');
  });
});

test('JPEG brackets: the JPEG and Ultra HDR downloads carry the middle bracket’s EXIF, Orientation reset', async ({ page }) => {
  await openApp(page);
  const info = (JSON.parse(readFileSync(`${FIXTURES}manifest.json`, 'utf8')) as Record<string, { exposureTime: number[] }>)['goldengate-3']!;
  // The fixtures as JPEG, each with its own EXIF; Orientation 6 (rotate 90° clockwise), given out of order.
  const files = loadFixture('goldengate-3')
    .map((b, i) => {
      const encoded = jpeg.encode({ data: Buffer.from(b.pixels), width: b.width, height: b.height }, 95).data;
      const exif = buildExif({ make: 'TestCam', model: `Body ${i + 1}`, exposureTime: info.exposureTime[i]!, orientation: 6 });
      return { name: `jb-${i + 1}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.from(insertExif(new Uint8Array(encoded), exif)) };
    })
    .reverse();
  await page.getByTestId('file-input').setInputFiles(files);
  await waitIdle(page);
  const size = await page.evaluate(() => {
    const b = (window as unknown as Hooks).__hdr.store.getState().brackets[1]!;
    return [b.width, b.height];
  });
  expect(size, 'decoded upright').toEqual([256, 320]);

  const jpg = await download(page, 'jpeg');
  expect(jpg.name).toBe('jb-hdr.jpg');
  expect([decodeJpeg(Buffer.from(jpg.bytes)).width, decodeJpeg(Buffer.from(jpg.bytes)).height]).toEqual([256, 320]);
  const tags = (await exifr.parse(jpg.bytes, { tiff: true, exif: true, translateValues: false })) as Record<string, unknown>;
  expect(tags).toMatchObject({ Make: 'TestCam', Model: 'Body 2', ExposureTime: info.exposureTime[1], Orientation: 1 });

  const uhdr = await download(page, 'uhdr');
  const r = rebuildUltraHdr(uhdr.bytes);
  expect([r.width, r.height]).toEqual([256, 320]);
  const utags = (await exifr.parse(uhdr.bytes, { tiff: true, exif: true, translateValues: false })) as Record<string, unknown>;
  expect(utags).toMatchObject({ Make: 'TestCam', Model: 'Body 2', Orientation: 1 });
});
