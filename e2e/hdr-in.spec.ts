// HDR inputs, opened as a person opens them (the file input), checked on the
// engine's radiance map (pipeline.readRadiance) against the CPU reference:
//  - 16-bit TIFF brackets (uncompressed, LZW and Deflate with predictor, in one
//    set) rendered from a committed radiance fixture, sRGB-encoded with a gamma
//    profile and linear without one: fusion reads them unchanged (fused image
//    within 1/255 of the reference on 99.9 % of samples, as fusion.spec.ts);
//    the GPU merge (rgba16float upload,
//    interpolated tables) matches the reference on the same Uint16 brackets
//    within 1e-3 relative (the reference rounds each value to half as the
//    upload does, so what is left is f32 against f64: gpu.spec.ts sees 1e-4),
//    and is closer to the true map than the merge of the same brackets
//    quantised to 8 bits.
//  - One OpenEXR file (src/io/exr.ts, half, ZIP): the radiance map is the
//    file's values, each within half precision (2^-11 relative, 2^-24
//    absolute) of the fixture; no merge runs, fusion is off.
//  - Three DNGs (a Bayer camera rendered from the fixture at 2 × 2 photosites
//    per map pixel, test/support/tiff-writer.ts), developed by libraw-wasm:
//    the merge, 2 × 2 box-averaged, within 0.25 stops RMS of the fixture,
//    scale-free (the unit tests see 0.11 on the CPU: demosaicing).
import { expect, test, type Page } from '@playwright/test';
import { enlarge, loadRadianceMap, meter, shootBrackets16, shootMosaic, shrink, type CameraCurve } from '../src/engine/reference/camera';
import { linearToSrgb } from '../src/engine/reference/color';
import { fuse } from '../src/engine/fusion/reference/fusion';
import { mergeRadiance } from '../src/engine/merge/reference/merge';
import { defaultParams } from '../src/engine/params';
import { halfBits, halfToFloat } from '../src/engine/half';
import { codes8, responseLuts } from '../src/engine/merge/response';
import { mergeWeights } from '../src/engine/merge/weights';
import type { Bracket, FloatImage } from '../src/engine/types';
import { encodeExr } from '../src/io/exr';
import { gammaIcc, writeDng, writeTiff, type TiffCompression } from '../test/support/tiff-writer';
import { CONTENT_SECURITY_POLICY, RAW_WORKER_POLICY } from '../vite.config';
import { floatsFromBase64, openApp, waitIdle, type PageCodec } from './helpers';

type Hooks = PageCodec & {
  __hdr: {
    store: {
      getState(): {
        mode: string;
        response: string;
        brackets: { ev: number; pixels: ArrayLike<number> }[];
        radiance: { width: number; height: number } | null;
        messages: { text: string; kind: string }[];
        setMode(m: string): void;
      };
    };
    bridge: { engine: { pipeline: { debug: { runs: Record<string, number> }; readRadiance(): Promise<FloatImage>; readFused(): Promise<FloatImage> } } };
  };
};

const TIMES = [1 / 240, 1 / 60, 1 / 15];
const EXPOSURES = [0.25, 1, 4];
const COMPRESSIONS: TiffCompression[] = ['none', 'lzw', 'deflate'];
const srgb: CameraCurve = linearToSrgb;
const linear: CameraCurve = (x) => x;

const source = loadRadianceMap('goldengate');
const gain = meter(source, 0.18);
/** The map as the brackets see it, relative to the middle one. */
const truth: FloatImage = { ...source, data: source.data.map((v, i) => (i % 4 === 3 ? 1 : v * gain)) };

type InputFile = { name: string; mimeType: string; buffer: Buffer };

/** 16-bit TIFF brackets of the fixture, one compression each, EXIF exposure times 2 EV apart. */
function tiffSet(curve: CameraCurve, icc: Uint8Array | undefined): { files: InputFile[]; brackets: Bracket[] } {
  const brackets = shootBrackets16(source, [curve, curve, curve], gain, EXPOSURES);
  const files = brackets.map((b, i) => {
    const rgb = new Uint16Array(b.width * b.height * 3);
    for (let p = 0; p < b.width * b.height; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = b.pixels[p * 4 + c]!;
    const compression = COMPRESSIONS[i]!;
    const bytes = writeTiff({ width: b.width, height: b.height, samples: rgb, samplesPerPixel: 3, compression, predictor: compression !== 'none', icc, exif: { exposureTime: TIMES[i]!, fNumber: 8, iso: 100 } });
    return { name: `gg16-${i + 1}.tif`, mimeType: 'image/tiff', buffer: Buffer.from(bytes) };
  });
  return { files, brackets };
}

async function open(page: Page, files: InputFile[]): Promise<void> {
  await page.getByTestId('file-input').setInputFiles(files);
  await waitIdle(page);
}

const errors = (page: Page) =>
  page.evaluate(() =>
    (window as unknown as Hooks).__hdr.store
      .getState()
      .messages.filter((m) => m.kind === 'error')
      .map((m) => m.text),
  );

/** The engine's radiance map, read back at full size. */
async function gpuRadiance(page: Page): Promise<FloatImage> {
  const { width, height, data } = await page.evaluate(async () => {
    const w = window as unknown as Hooks;
    const r = await w.__hdr.bridge.engine.pipeline.readRadiance();
    return { width: r.width, height: r.height, data: w.__codec.b64(new Uint8Array(r.data.buffer)) };
  });
  return { width, height, data: floatsFromBase64(data) };
}

/** Worst |a − b| / |b| over RGB, where b is above `floor` (relative error means nothing at black). */
function worstRelative(a: FloatImage, b: FloatImage, floor = 1e-6): number {
  expect(a.data.length).toBe(b.data.length);
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) {
    if (i % 4 === 3 || Math.abs(b.data[i]!) < floor) continue;
    worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!) / Math.abs(b.data[i]!));
  }
  return worst;
}

/** RMS of log2(a / truth) where every channel of the truth lies inside what the brackets can see. */
function rmsStops(a: FloatImage, t: FloatImage, scaleFree = false): number {
  const d: number[] = [];
  const lo = 1 / 255 / EXPOSURES[2]!;
  const hi = 1 / EXPOSURES[0]!;
  for (let i = 0; i < a.data.length; i++) {
    if (i % 4 === 3 || !(t.data[i]! > lo && t.data[i]! < hi) || !(a.data[i]! > 0)) continue;
    d.push(Math.log2(a.data[i]! / t.data[i]!));
  }
  const mean = scaleFree ? d.reduce((s, v) => s + v, 0) / d.length : 0;
  return Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
}

const fmt = (v: number) => v.toExponential(2);

test.describe('HDR inputs', () => {
  test.beforeEach(async ({ page }) => {
    await openApp(page);
  });

  test('16-bit TIFF brackets (none, LZW, Deflate; sRGB profile): kept at 16 bits, GPU merge = reference within 1e-3, better than 8 bits', async ({ page }) => {
    const { files, brackets } = tiffSet(srgb, gammaIcc(2.2));
    await open(page, files);
    expect(await errors(page)).toEqual([]);
    const state = await page.evaluate(() => {
      const s = (window as unknown as Hooks).__hdr.store.getState();
      return { response: s.response, depth: s.brackets.map((b) => b.pixels.constructor.name), evs: s.brackets.map((b) => b.ev), info: s.messages.map((m) => m.text) };
    });
    expect(state.depth).toEqual(['Uint16Array', 'Uint16Array', 'Uint16Array']);
    expect(state.response, 'a gamma-2.2 profile: sRGB').toBe('srgb');
    expect(state.evs.map((e) => Math.round(e * 100) / 100)).toEqual([0, 2, 4]);
    expect(state.info.join(' ')).toContain('gamma 2.20');

    // Fusion (the default mode here) reads the rgba16float layers unchanged: the fused image
    // within 1/255 of the reference on 99.9 % of samples (fusion.spec.ts's tolerance).
    expect(await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().mode)).toBe('fusion');
    const fused = await page.evaluate(async () => {
      const w = window as unknown as Hooks;
      const f = await w.__hdr.bridge.engine.pipeline.readFused();
      return w.__codec.b64(new Uint8Array(f.data.buffer));
    });
    const gpuFused = floatsFromBase64(fused);
    const refFused = fuse(brackets, defaultParams());
    const off = gpuFused.filter((v, i) => i % 4 !== 3 && Math.abs(v - refFused.data[i]!) > 1 / 255).length;
    console.log(`16-bit TIFF fusion: ${off} of ${(gpuFused.length / 4) * 3} samples beyond 1/255 of the reference`);
    expect(off / ((gpuFused.length / 4) * 3)).toBeLessThanOrEqual(0.001);

    await page.getByTestId('mode-merge').click();
    await waitIdle(page);
    expect(await errors(page), 'no error after the merge').toEqual([]);

    const gpu = await gpuRadiance(page);
    const ref = mergeRadiance(brackets, responseLuts('srgb'), mergeWeights(0));
    const rel = worstRelative(gpu, ref);
    const eight = mergeRadiance(brackets.map(codes8), responseLuts('srgb'));
    const e16 = rmsStops(gpu, truth);
    const e8 = rmsStops(eight, truth);
    console.log(`16-bit TIFF merge: GPU vs reference worst ${fmt(rel)} relative; vs the true map ${e16.toFixed(5)} stops RMS (8-bit quantised: ${e8.toFixed(4)})`);
    expect(rel).toBeLessThanOrEqual(1e-3);
    expect(e16).toBeLessThan(e8 / 2);
  });

  test('linear 16-bit TIFFs with no profile: the linear response, assumed with a warning; GPU merge = reference', async ({ page }) => {
    const { files, brackets } = tiffSet(linear, undefined);
    await open(page, files);
    expect(await errors(page)).toEqual([]);
    const s = await page.evaluate(() => {
      const st = (window as unknown as Hooks).__hdr.store.getState();
      return { response: st.response, warnings: st.messages.filter((m) => m.kind === 'warning').map((m) => m.text) };
    });
    expect(s.response).toBe('linear');
    expect(s.warnings.join(' ')).toContain('no colour profile');
    await page.getByTestId('mode-merge').click();
    await waitIdle(page);
    expect(await errors(page), 'no error after the merge').toEqual([]);
    const gpu = await gpuRadiance(page);
    const rel = worstRelative(gpu, mergeRadiance(brackets, responseLuts('linear'), mergeWeights(0, responseLuts('linear'))));
    const e16 = rmsStops(gpu, truth);
    const e8 = rmsStops(mergeRadiance(brackets.map(codes8), responseLuts('linear')), truth);
    console.log(`linear 16-bit TIFF merge: GPU vs reference worst ${fmt(rel)} relative; vs the true map ${e16.toFixed(5)} stops RMS (8-bit quantised: ${e8.toFixed(4)})`);
    expect(rel).toBeLessThanOrEqual(1e-3);
    expect(e16).toBeLessThan(e8 / 2);
  });

  test('an OpenEXR file opens as the radiance map itself: no merge, fusion off, values within half precision', async ({ page }) => {
    const map = loadRadianceMap('stilllife');
    await open(page, [{ name: 'stilllife.exr', mimeType: 'image/x-exr', buffer: Buffer.from(encodeExr(map)) }]);
    expect(await errors(page)).toEqual([]);
    const s = await page.evaluate(() => {
      const w = window as unknown as Hooks;
      const st = w.__hdr.store.getState();
      return { mode: st.mode, brackets: st.brackets.length, radiance: st.radiance && [st.radiance.width, st.radiance.height], runs: { ...w.__hdr.bridge.engine.pipeline.debug.runs } };
    });
    expect(s).toEqual(expect.objectContaining({ mode: 'merge', brackets: 0, radiance: [map.width, map.height] }));
    expect(s.runs.merge, 'nothing merged').toBe(0);
    expect(s.runs.luminance).toBeGreaterThan(0);
    await expect(page.getByTestId('mode-fusion')).toBeDisabled();
    await expect(page.getByTestId('radiance-note')).toBeVisible();
    await expect(page.getByTestId('radiance')).toContainText('stilllife.exr');

    const gpu = await gpuRadiance(page);
    expect([gpu.width, gpu.height]).toEqual([map.width, map.height]);
    let worst = 0;
    let exact = 0;
    for (let i = 0; i < map.data.length; i++) {
      if (i % 4 === 3) continue;
      const v = map.data[i]!;
      const d = Math.abs(gpu.data[i]! - v);
      worst = Math.max(worst, d / (Math.abs(v) * 2 ** -11 + 2 ** -24));
      if (gpu.data[i] === halfToFloat(halfBits(v))) exact++;
    }
    console.log(`EXR → radiance: worst ${worst.toFixed(3)} of the half-precision bound; ${exact} of ${(map.data.length / 4) * 3} samples exactly the file's half`);
    expect(worst).toBeLessThanOrEqual(1);
    expect(exact).toBe((map.data.length / 4) * 3);
    expect(await page.evaluate(() => (window as unknown as Hooks).__hdr.bridge.engine.pipeline.debug.runs.merge), 'still nothing merged').toBe(0);

    // Brackets again: the map goes, fusion comes back, the merge runs on them.
    const { files, brackets } = tiffSet(srgb, gammaIcc(2.2));
    await open(page, files);
    expect(await errors(page)).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().radiance)).toBeNull();
    await expect(page.getByTestId('mode-fusion')).toBeEnabled();
    const merged = await gpuRadiance(page);
    expect(worstRelative(merged, mergeRadiance(brackets, responseLuts('srgb'), mergeWeights(0)))).toBeLessThanOrEqual(1e-3);
  });
});

// Under the app's real Content-Security-Policy (the config bypasses it elsewhere): LibRaw's
// worker alone is served with 'unsafe-eval' (vite.config.ts RAW_WORKER_POLICY), which its
// embind glue needs; everything else keeps the strict policy.
test.describe('camera RAW', () => {
  test.use({ bypassCSP: false });

  test.beforeEach(async ({ page }) => {
    await openApp(page);
  });

  test('three DNGs (libraw-wasm): linear 16-bit brackets at their EXIF exposures; the merge within 0.25 stops of the source map', async ({ page }) => {
    const neutral = [0.55, 1, 0.75] as const;
    const sensor = enlarge(source, 2);
    const g = meter(sensor, 0.18);
    const files = TIMES.map((t, i) => {
      const mosaic = shootMosaic(sensor, g, t * 60, neutral, 512, 16383);
      const bytes = writeDng({ width: sensor.width, height: sensor.height, mosaic, blackLevel: 512, whiteLevel: 16383, asShotNeutral: neutral, exposureTime: t, fNumber: 8, iso: 100 });
      return { name: `shot-${i + 1}.dng`, mimeType: 'image/x-adobe-dng', buffer: Buffer.from(bytes) };
    });
    const policies: Record<string, string> = {};
    page.context().on('response', (r) => {
      const name = new URL(r.url()).pathname.split('/').pop()!;
      if (/^(raw|decode)\.worker-.*\.js$/.test(name)) policies[name.split('-')[0]!] = r.headers()['content-security-policy'] ?? '';
    });
    const t0 = Date.now();
    await open(page, files);
    const ms = Date.now() - t0;
    expect(policies['raw.worker'], 'LibRaw’s worker: the one exception').toBe(RAW_WORKER_POLICY);
    expect(policies['decode.worker'], 'the decode worker keeps the strict policy').toBe(CONTENT_SECURITY_POLICY);
    expect(await errors(page)).toEqual([]);
    const s = await page.evaluate(() => {
      const st = (window as unknown as Hooks).__hdr.store.getState();
      return { response: st.response, mode: st.mode, depth: st.brackets.map((b) => b.pixels.constructor.name), evs: st.brackets.map((b) => b.ev) };
    });
    expect(s.response).toBe('linear');
    expect(s.mode, 'linear brackets open in merge mode').toBe('merge');
    expect(s.depth).toEqual(['Uint16Array', 'Uint16Array', 'Uint16Array']);
    expect(s.evs.map((e) => Math.round(e * 100) / 100)).toEqual([0, 2, 4]);
    await page.getByTestId('mode-merge').click();
    await waitIdle(page);
    expect(await errors(page), 'no error after the merge').toEqual([]);
    const gpu = await gpuRadiance(page);
    expect([gpu.width, gpu.height]).toEqual([sensor.width, sensor.height]);
    const merged = shrink(gpu, 2);
    let sum = 0;
    let n = 0;
    const d: number[] = [];
    for (let i = 0; i < merged.data.length; i++) {
      if (i % 4 === 3 || !(source.data[i]! > 0) || !(merged.data[i]! > 0)) continue;
      const v = Math.log2(merged.data[i]! / source.data[i]!);
      d.push(v);
      sum += v;
      n++;
    }
    const mean = sum / n;
    const rms = Math.sqrt(d.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
    console.log(`3 DNGs ${sensor.width}×${sensor.height}: decoded in ${ms} ms; merge (2 × 2 box) vs the source map ${rms.toFixed(3)} stops RMS, scale-free (${n} samples)`);
    expect(rms).toBeLessThanOrEqual(0.25);
  });
});
