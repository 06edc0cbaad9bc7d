import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FloatImage } from '../../types';
import { linearToSrgb, srgbToLinear, toByte } from '../../reference/color';
import { HDR_HEADROOM, MIDTONE_GRID, MIDTONE_HI, MIDTONE_LO, MIDTONE_MAX_STOPS, hdrGain, hdrPresent, midtoneScale, type Rgba8Image } from './present';

const wgsl = readFileSync(fileURLToPath(new URL('../../../../shaders/present/present.wgsl', import.meta.url)), 'utf8');

/** A grey ramp of radiance from lo to hi (log-spaced), w × h, row-major. */
function ramp(w: number, h: number, lo: number, hi: number): FloatImage {
  const data = new Float32Array(w * h * 4);
  const n = w * h;
  for (let i = 0; i < n; i++) {
    const v = lo * (hi / lo) ** (i / (n - 1));
    data.set([v, v, v, 1], i * 4);
  }
  return { width: w, height: h, data };
}

/** Display bytes of a radiance image through a tone curve f (linear → linear), sRGB-encoded. */
function toneMapped(img: FloatImage, f: (l: number) => number): Rgba8Image {
  const data = new Uint8Array(img.width * img.height * 4);
  for (let i = 0; i < img.width * img.height; i++) {
    for (let c = 0; c < 3; c++) data[i * 4 + c] = toByte(linearToSrgb(Math.min(1, f(img.data[i * 4 + c]!))));
    data[i * 4 + 3] = 255;
  }
  return { width: img.width, height: img.height, data };
}

const reinhard = (l: number) => l / (1 + l);

describe('constants', () => {
  it.each([
    ['HDR_HEADROOM', HDR_HEADROOM],
    ['MIDTONE_LO', MIDTONE_LO],
    ['MIDTONE_HI', MIDTONE_HI],
    ['MIDTONE_MAX_STOPS', MIDTONE_MAX_STOPS],
  ])('%s equals present.wgsl', (name, value) => {
    const m = new RegExp(`const ${name}: f32 = ([-0-9.e]+);`).exec(wgsl);
    expect(Number(m?.[1])).toBe(value);
  });

  it('MIDTONE_GRID equals present.wgsl', () => {
    expect(Number(/const MIDTONE_GRID: u32 = (\d+)u;/.exec(wgsl)?.[1])).toBe(MIDTONE_GRID);
  });
});

describe('hdrPresent on a Reinhard-mapped ramp', () => {
  const src = ramp(128, 96, 1e-3, 200);
  const display = toneMapped(src, reinhard);
  const { image, k, samples } = hdrPresent(display, src, false);
  const sdr = (i: number) => srgbToLinear(display.data[i * 4]! / 255);
  const out = (i: number) => image.data[i * 4]!;

  it('measures k on the mid-tone band', () => {
    expect(samples).toBeGreaterThan(100);
    // Reinhard's display/input ratio is 1 / (1 + L): between L = 0.22 and 1 in the band.
    expect(k).toBeGreaterThan(0.5);
    expect(k).toBeLessThan(0.82);
  });

  it('leaves shadows and lower mid-tones exactly as the SDR picture', () => {
    let checked = 0;
    for (let i = 0; i < src.width * src.height; i++) {
      if (sdr(i) > 0.25) continue;
      expect(out(i)).toBe(Math.fround(sdr(i)));
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('lifts highlights by what the tone mapper took away, monotonically, up to the headroom', () => {
    let prev = 0;
    let above = 0;
    for (let i = 0; i < src.width * src.height; i++) {
      // Stored as f32: relative 1e-7.
      const gain = out(i) / Math.max(sdr(i), 1e-30);
      expect(gain).toBeGreaterThanOrEqual(1 - 1e-7);
      expect(gain).toBeLessThanOrEqual(HDR_HEADROOM * (1 + 1e-7));
      expect(out(i)).toBeGreaterThanOrEqual(prev);
      prev = out(i);
      if (out(i) > 1) above++;
    }
    expect(above).toBeGreaterThan(100);
    // The brightest input (L = 200: Reinhard shows 0.995) hits the headroom.
    expect(out(src.width * src.height - 1)).toBeCloseTo(HDR_HEADROOM * sdr(src.width * src.height - 1), 6);
    // Under the cap, out ≈ k · input (the lift undoes the compression), to half a display code.
    const i = src.data.findIndex((v, j) => j % 4 === 0 && v > 3);
    expect(Math.abs(out(i / 4) / (k * src.data[i]!) - 1)).toBeLessThan(0.01);
  });

  it('keeps alpha at 1', () => {
    for (let i = 3; i < image.data.length; i += 4) expect(image.data[i]).toBe(1);
  });
});

describe('hdrPresent scale and corner cases', () => {
  it('is the same whatever global factor the input carries (exposure, log-average)', () => {
    const src = ramp(64, 64, 1e-3, 100);
    const display = toneMapped(src, reinhard);
    const scaled = { ...src, data: src.data.map((v, i) => (i % 4 === 3 ? v : v * 37)) };
    const a = hdrPresent(display, src, false);
    const b = hdrPresent(display, scaled, false);
    // The input is f32: equal to its precision.
    expect((b.k * 37) / a.k).toBeCloseTo(1, 6);
    for (let i = 0; i < a.image.data.length; i++) expect(b.image.data[i]).toBeCloseTo(a.image.data[i]!, 5);
  });

  it('fusion: only what the clamp cut above white is lifted', () => {
    // Encoded input = display / 255 below white, over 1 where the fusion overshot.
    const w = 64;
    const h = 64;
    const source = new Float32Array(w * h * 4);
    const bytes = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) {
      const v = (i / (w * h - 1)) * 1.4;
      source.set([v, v, v, 1], i * 4);
      const b = toByte(v);
      bytes.set([b, b, b, 255], i * 4);
    }
    // Quantised display against unquantised input: k within a fraction of a code of 1.
    const { image, k } = hdrPresent({ width: w, height: h, data: bytes }, { width: w, height: h, data: source }, true);
    expect(k).toBeGreaterThan(0.99);
    expect(k).toBeLessThan(1.01);
    for (let i = 0; i < w * h; i++) {
      const v = source[i * 4]!;
      const sdr = srgbToLinear(bytes[i * 4]! / 255);
      // Below white, rounding to a code never lifts: at most k's own distance from 1.
      if (v <= 0.95) expect(image.data[i * 4]! / Math.max(sdr, 1e-30)).toBeLessThanOrEqual(Math.max(1, k) * (1 + 1e-7));
      // Above it the lift restores the input, against the top of code 255.
      if (v >= 1.1) expect(image.data[i * 4]).toBeCloseTo((k * srgbToLinear(v)) / srgbToLinear(255.5 / 255), 5);
    }
  });

  it('no sample in the band: k = 0 and the SDR picture unchanged', () => {
    const src = ramp(32, 32, 50, 100);
    const display = toneMapped(src, () => 1);
    expect(midtoneScale(display, src, false)).toEqual({ k: 0, samples: 0 });
    const { image } = hdrPresent(display, src, false);
    for (let i = 0; i < 32 * 32; i++) expect(image.data[i * 4]).toBe(1);
  });

  it('black stays black, whatever the input', () => {
    expect(hdrGain([0, 0, 0], [5, 5, 5], 1)).toBe(HDR_HEADROOM);
    expect(hdrPresent({ width: 1, height: 1, data: [0, 0, 0, 255] }, { width: 1, height: 1, data: Float32Array.of(5, 5, 5, 1) }, false).image.data[0]).toBe(0);
    expect(hdrGain([200, 200, 200], [0, 0, 0], 1)).toBe(1);
  });
});
