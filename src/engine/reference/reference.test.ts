import { describe, expect, it } from 'vitest';
import { defaultParams, type Params } from '../params';
import { HIST_BINS, LOG_DELTA, type Bracket, type FloatImage } from '../types';
import { clamp, linearToSrgb, luminance, srgbToLinear, toByte } from './color';
import { hatWeight, mergeRadiance } from '../merge/reference/merge';
import { BLACK_MARGIN, estimateBlackLevel, mergeWeights } from '../merge/weights';
import { downsampleBox, referencePipeline } from './pipeline';
import { luminanceStats } from '../luminance/reference/stats';
import { tonemap, tonemapPixel } from '../tonemap/reference/tonemap';

/** Camera model: v = clamp(E*e, 0, 1) → linearToSrgb → round(·255). */
function shoot(radiance: readonly (readonly [number, number, number])[], width: number, exposure: number): Bracket {
  const pixels = new Uint8ClampedArray(radiance.length * 4);
  radiance.forEach((rgb, p) => {
    for (let c = 0; c < 3; c++) pixels[p * 4 + c] = toByte(linearToSrgb(clamp((rgb[c] ?? 0) * exposure, 0, 1)));
    pixels[p * 4 + 3] = 255;
  });
  return { width, height: radiance.length / width, pixels, exposure };
}

/** A width x 1 bracket from per-pixel byte triples. */
function bytes(px: readonly (readonly [number, number, number])[], exposure: number): Bracket {
  const pixels = new Uint8ClampedArray(px.length * 4);
  px.forEach((rgb, p) => pixels.set([...rgb, 255], p * 4));
  return { width: px.length, height: 1, pixels, exposure };
}

function image(width: number, height: number, rgba: readonly number[]): FloatImage {
  return { width, height, data: new Float32Array(rgba) };
}

const at = (a: ArrayLike<number>, i: number): number => {
  const v = a[i];
  if (v === undefined) throw new Error(`index ${i} out of range`);
  return v;
};

describe('color', () => {
  it('srgbToLinear known points', () => {
    expect(srgbToLinear(0)).toBe(0);
    expect(srgbToLinear(1)).toBe(1);
    // ((0.5 + 0.055) / 1.055)^2.4 = 0.2140411404822...
    expect(srgbToLinear(0.5)).toBeCloseTo(0.2140411404822, 12);
    // linear segment: 0.04 / 12.92 = 0.00309597...
    expect(srgbToLinear(0.04)).toBeCloseTo(0.04 / 12.92, 15);
    // just under the threshold is still linear: 0.0402 / 12.92 = 0.0031114551 (the power branch gives 0.0031111631)
    expect(srgbToLinear(0.0402)).toBeCloseTo(0.0031114551, 10);
    // both branches meet at the threshold: 0.04045 / 12.92 = 0.00313080495...
    expect(srgbToLinear(0.04045)).toBeCloseTo(0.00313080495, 10);
  });

  it('linearToSrgb known points', () => {
    expect(linearToSrgb(0)).toBe(0);
    expect(linearToSrgb(1)).toBeCloseTo(1, 12);
    // 1.055 * 0.5^(1/2.4) - 0.055 = 0.735356983...
    expect(linearToSrgb(0.5)).toBeCloseTo(0.735356983, 8);
    expect(linearToSrgb(0.002)).toBeCloseTo(12.92 * 0.002, 15);
    // just under the threshold: 12.92 · 0.0031 = 0.040052 (the power branch gives 0.0400575)
    expect(linearToSrgb(0.0031)).toBeCloseTo(0.040052, 10);
    expect(linearToSrgb(0.2140411404822)).toBeCloseTo(0.5, 10);
  });

  it('round trips', () => {
    for (let z = 0; z <= 255; z++) expect(toByte(linearToSrgb(srgbToLinear(z / 255)))).toBe(z);
    for (let i = 0; i <= 100; i++) {
      const v = i / 100;
      expect(srgbToLinear(linearToSrgb(v))).toBeCloseTo(v, 12);
    }
  });

  it('luminance uses Rec. 709 weights; toByte clamps and rounds', () => {
    expect(luminance(1, 0, 0)).toBe(0.2126);
    expect(luminance(0, 1, 0)).toBe(0.7152);
    expect(luminance(0, 0, 1)).toBe(0.0722);
    expect(luminance(1, 1, 1)).toBeCloseTo(1, 12);
    expect(toByte(-0.5)).toBe(0);
    expect(toByte(2)).toBe(255);
    expect(toByte(0.5)).toBe(128); // 127.5 rounds up
    expect(toByte(100.4 / 255)).toBe(100);
  });
});

describe('mergeRadiance', () => {
  it('hat weight is zero at 0 and 255 and peaks mid-range', () => {
    expect(hatWeight(0)).toBe(0);
    expect(hatWeight(255)).toBe(0);
    expect(hatWeight(1)).toBeCloseTo(1 / 127.5, 15);
    expect(hatWeight(127)).toBeCloseTo(127 / 127.5, 15);
    expect(hatWeight(128)).toBeCloseTo(127 / 127.5, 15);
  });

  it('recovers a radiance ramp from 3 brackets 2 EV apart', () => {
    const exposures = [0.25, 1, 4];
    // E from 0.01 to 1 (log spaced): the middle bracket sees 0.01..1 linear.
    const n = 200;
    const ramp = Array.from({ length: n }, (_, i) => 0.01 * Math.pow(100, i / (n - 1)));
    const rad = ramp.map((E) => [E, E, E] as const);
    const out = mergeRadiance(exposures.map((e) => shoot(rad, n, e)));
    let sum = 0;
    let count = 0;
    ramp.forEach((E, p) => {
      for (let c = 0; c < 3; c++) {
        const rel = Math.abs(at(out.data, p * 4 + c) - E) / E;
        // mid-tones (middle bracket linear 0.1..0.5, bytes ~89..188): < 1 %
        if (E >= 0.1 && E <= 0.5) expect(rel).toBeLessThan(0.01);
        // anywhere some bracket is unclipped: < 2 % (sRGB 8-bit quantisation)
        expect(rel).toBeLessThan(0.02);
        sum += rel;
        count++;
      }
      expect(at(out.data, p * 4 + 3)).toBe(1);
    });
    expect(sum / count).toBeLessThan(0.005);
  });

  it('falls back to the darkest bracket for highlights clipped everywhere', () => {
    const exposures = [0.25, 1, 4];
    // E*0.25 >= 1 in every channel → 255 everywhere → lin(255)/e_0 = 1/0.25 = 4
    const rad = [[4, 10, 1000]] as const;
    const out = mergeRadiance(exposures.map((e) => shoot(rad, 1, e)));
    expect(Array.from(out.data)).toEqual([4, 4, 4, 1]);
  });

  it('falls back to the brightest bracket for shadows; 0 when black everywhere', () => {
    // R: 0 in both → z_0 < 128 → lin(0)/e_1 = 0
    // G: darkest 0, brightest 255 → lin(255)/e_{N-1} = 1/2 = 0.5
    // B: darkest 255, brightest 0 → z_0 >= 128 → lin(255)/e_0 = 1/0.5 = 2
    const out = mergeRadiance([bytes([[0, 0, 255]], 0.5), bytes([[0, 255, 0]], 2)]);
    expect(Array.from(out.data)).toEqual([0, 0.5, 2, 1]);
  });

  it('ignores clipped bytes (weight 0) and merges channels independently', () => {
    // R: 255 in the bright bracket is ignored → lin(100)/0.5 = 0.1274376804 * 2 = 0.2548753609
    // G: 0 in the dark bracket is ignored → lin(100)/2 = 0.0637188402
    // B: z = 128 twice, w = 127/127.5 each → the geometric mean lin(128) · sqrt(1/0.5 · 1/2) = lin(128) = 0.2158605001
    const out = mergeRadiance([bytes([[100, 0, 128]], 0.5), bytes([[255, 100, 128]], 2)]);
    expect(at(out.data, 0)).toBeCloseTo(0.2548753609, 6);
    expect(at(out.data, 1)).toBeCloseTo(0.0637188402, 6);
    expect(at(out.data, 2)).toBeCloseTo(0.2158605001, 6);
  });

  it('weights by the merge weights (by default mergeWeights(0) here), over ln E: exp(Σ w ln(lin/e) / Σ w)', () => {
    // z = 64 at e = 1, z = 200 at e = 4
    const w = mergeWeights(0);
    const lin64 = srgbToLinear(64 / 255);
    const lin200 = srgbToLinear(200 / 255);
    const expected = Math.exp((w[64]! * Math.log(lin64) + w[200]! * Math.log(lin200 / 4)) / (w[64]! + w[200]!));
    const out = mergeRadiance([bytes([[64, 64, 64]], 1), bytes([[200, 200, 200]], 4)]);
    expect(at(out.data, 0)).toBeCloseTo(expected, 6);
  });

  it('a black level stops the weights at and just above it; 0 weighs every unclipped code', () => {
    const plain = mergeWeights(0);
    for (let z = 1; z < 255; z++) expect(plain[z]).toBeGreaterThan(0);
    const fog = mergeWeights(13);
    for (let z = 0; z <= 13 + BLACK_MARGIN; z++) expect(fog[z]).toBe(0);
    // Just above: the little signal above the fog; well above it, as without fog.
    expect(fog[14 + BLACK_MARGIN]).toBeGreaterThan(0);
    expect(fog[14 + BLACK_MARGIN]).toBeLessThan(0.01 * plain[14 + BLACK_MARGIN]!);
    expect(Math.abs(fog[200]! / plain[200]! - 1)).toBeLessThan(0.02);
    // A fogged short frame (code 16 = fog + noise) is ignored with the fog's weights, not without.
    // A dark pixel: code 30 at e = 1, and the fog's 16 at e = 1/4 (which alone would read 1.6× brighter).
    const brackets = [bytes([[16, 16, 16]], 0.25), bytes([[30, 30, 30]], 1)];
    expect(at(mergeRadiance(brackets, undefined, fog).data, 0)).toBeCloseTo(srgbToLinear(30 / 255), 6);
    expect(at(mergeRadiance(brackets, undefined, plain).data, 0)).toBeGreaterThan(srgbToLinear(30 / 255) * 1.05);
    // By default the reference estimates the black level as the app does: here the fog's 16.
    expect(estimateBlackLevel(brackets)).toBe(16);
  });

  it('merges a single bracket as lin/e', () => {
    const out = mergeRadiance([bytes([[128, 0, 255]], 2)]);
    // lin(128)/2 = 0.1079302501; 0 → 0; 255 → 1/2
    expect(at(out.data, 0)).toBeCloseTo(0.1079302501, 6);
    expect(at(out.data, 1)).toBe(0);
    expect(at(out.data, 2)).toBe(0.5);
  });

  it('rejects bad input', () => {
    expect(() => mergeRadiance([])).toThrow();
    expect(() => mergeRadiance([bytes([[1, 1, 1]], 4), bytes([[1, 1, 1]], 1)])).toThrow(/sorted/);
    expect(() =>
      mergeRadiance([
        bytes([[1, 1, 1]], 1),
        bytes(
          [
            [1, 1, 1],
            [1, 1, 1],
          ],
          4,
        ),
      ]),
    ).toThrow();
    expect(() => mergeRadiance([bytes([[1, 1, 1]], 0)])).toThrow();
  });
});

describe('luminanceStats', () => {
  // Grey pixels 0.25, 1, 4, 16 (L = v).
  const img = image(2, 2, [0.25, 0.25, 0.25, 1, 1, 1, 1, 1, 4, 4, 4, 1, 16, 16, 16, 1]);

  it('log-average, min, max', () => {
    const s = luminanceStats(img);
    // exp(mean(ln(v + 1e-6))) ≈ (0.25·1·4·16)^(1/4) · (1 + 1e-6 · mean(1/v))
    //   = 2 · (1 + 1e-6 · 1.328125) = 2.0000026562
    expect(s.logAvg).toBeCloseTo(2.0000026562, 9);
    expect(s.minL).toBeCloseTo(0.25, 12);
    expect(s.maxL).toBeCloseTo(16, 12);
  });

  it('histogram over log2 [lo, hi] with min in bin 0 and max in bin 255', () => {
    const s = luminanceStats(img);
    expect(s.histLo).toBeCloseTo(-2, 12);
    expect(s.histHi).toBeCloseTo(4, 12);
    expect(s.histogram.length).toBe(HIST_BINS);
    // bins: (log2 L + 2) / 6 · 256 → 0, 85.3, 170.7, 256 → 0, 85, 170, 255
    expect(s.histogram[0]).toBe(1);
    expect(s.histogram[85]).toBe(1);
    expect(s.histogram[170]).toBe(1);
    expect(s.histogram[255]).toBe(1);
    expect(s.histogram.reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('black pixels sit at log2(LOG_DELTA); a constant image spans one stop', () => {
    const s = luminanceStats(image(2, 1, [0, 0, 0, 1, 1, 1, 1, 1]));
    expect(s.minL).toBe(0);
    expect(s.histLo).toBeCloseTo(Math.log2(LOG_DELTA), 12); // -19.93
    expect(s.histHi).toBeCloseTo(0, 12);
    expect(s.histogram[0]).toBe(1);
    expect(s.histogram[255]).toBe(1);
    // exp((ln(1e-6) + ln(1 + 1e-6)) / 2) ≈ 1e-3
    expect(s.logAvg).toBeCloseTo(1e-3, 8);

    const flat = luminanceStats(image(3, 1, [0.5, 0.5, 0.5, 1, 0.5, 0.5, 0.5, 1, 0.5, 0.5, 0.5, 1]));
    expect(flat.histLo).toBeCloseTo(-1, 12);
    expect(flat.histHi).toBeCloseTo(0, 12);
    expect(flat.histogram[0]).toBe(3);
    expect(flat.histogram.reduce((a, b) => a + b, 0)).toBe(3);
  });
});

describe('tonemap', () => {
  const p = (over: Partial<Params>): Params => ({ ...defaultParams(), ...over });
  /** Stats with this log-average (Reinhard 2002 reads nothing else). */
  const S = (logAvg: number) => ({ logAvg, minL: 0.01, maxL: 100, meanR: 1, meanG: 1, meanB: 1 });
  const wide = { key: 0.18, exposure: 0, whitePoint: 64, saturation: 1, gamma: 1 };

  it('maps the log-average to key with the Reinhard curve', () => {
    // L = logAvg → Ls = 0.18; Ld = 0.18 (1 + 0.18/64²) / 1.18 = 0.1525490764
    // linearToSrgb(0.1525490764) = 0.4269549581
    const [r, g, b] = tonemapPixel(0.5, 0.5, 0.5, S(0.5), p(wide));
    expect(r).toBeCloseTo(0.4269549581, 8);
    expect(g).toBeCloseTo(0.4269549581, 8);
    expect(b).toBeCloseTo(0.4269549581, 8);
  });

  it('exposure +1 doubles Ls', () => {
    // Ls = 0.36; Ld = 0.36 (1 + 0.36/64²) / 1.36 = 0.2647291475 → sRGB 0.5513916235
    const [r] = tonemapPixel(0.5, 0.5, 0.5, S(0.5), p({ ...wide, exposure: 1 }));
    expect(r).toBeCloseTo(0.5513916235, 8);
  });

  it('the white point maps to 1', () => {
    // key/logAvg = 1, L = whitePoint = 8 → Ld = 8 · (1 + 8/64) / 9 = 1
    const [r, g, b] = tonemapPixel(8, 8, 8, S(0.18), p({ key: 0.18, whitePoint: 8, exposure: 0 }));
    expect(r).toBeCloseTo(1, 6);
    expect(g).toBeCloseTo(1, 6);
    expect(b).toBeCloseTo(1, 6);
  });

  it('gamma applies 1/gamma to the display-linear value', () => {
    // sqrt(0.1525490764) = 0.3905753146 → sRGB 0.6580655515
    const [r] = tonemapPixel(0.5, 0.5, 0.5, S(0.5), p({ ...wide, gamma: 2 }));
    expect(r).toBeCloseTo(0.6580655515, 8);
  });

  it('saturation 0 gives grey, 1 keeps channel ratios', () => {
    const [r, g, b] = tonemapPixel(0.9, 0.2, 0.05, S(0.3), p({ ...wide, saturation: 0 }));
    expect(g).toBeCloseTo(r, 12);
    expect(b).toBeCloseTo(r, 12);
    const L = luminance(0.9, 0.2, 0.05);
    const Ls = (0.18 / 0.3) * L;
    const Ld = (Ls * (1 + Ls / 4096)) / (1 + Ls);
    expect(r).toBeCloseTo(linearToSrgb(Ld), 12);

    const [r1, g1] = tonemapPixel(0.9, 0.2, 0.05, S(0.3), p(wide));
    expect(srgbToLinear(r1) / srgbToLinear(g1)).toBeCloseTo(0.9 / 0.2, 6);
  });

  it('black and negative values map to 0; output is clamped to 1', () => {
    expect(tonemapPixel(0, 0, 0, S(0.18), p(wide))).toEqual([0, 0, 0]);
    const [, g] = tonemapPixel(1, -1, 1, S(0.18), p(wide));
    expect(g).toBe(0);
    // saturated red at 2× far above white → > 1 before the clamp
    const [r] = tonemapPixel(1000, 0, 0, S(0.18), p({ ...wide, saturation: 2, whitePoint: 0.5 }));
    expect(r).toBeCloseTo(1, 12);
  });

  it('tonemap writes RGBA8 with alpha 255 from tonemapPixel', () => {
    const img = image(2, 1, [0.5, 0.5, 0.5, 1, 0.9, 0.2, 0.05, 1]);
    const out = tonemap(img, S(0.5), p(wide));
    // 0.4269549581 · 255 = 108.87 → 109
    expect(Array.from(out.slice(0, 4))).toEqual([109, 109, 109, 255]);
    const [r, g, b] = tonemapPixel(0.9, 0.2, 0.05, S(0.5), p(wide));
    expect(Array.from(out.slice(4, 8))).toEqual([toByte(r), toByte(g), toByte(b), 255]);
  });
});

describe('pipeline', () => {
  it('box downsamples 4x4 → 2x2', () => {
    const data: number[] = [];
    for (let i = 0; i < 16; i++) data.push(i, 2 * i, 0, 1);
    const out = downsampleBox(image(4, 4, data), 2, 2);
    // top-left block: pixels 0, 1, 4, 5 → mean 2.5; top-right 2, 3, 6, 7 → 4.5;
    // bottom-left 8, 9, 12, 13 → 10.5; bottom-right 10, 11, 14, 15 → 12.5
    expect(Array.from(out.data)).toEqual([2.5, 5, 0, 1, 4.5, 9, 0, 1, 10.5, 21, 0, 1, 12.5, 25, 0, 1]);
  });

  it('box downsample of uneven sizes: 3 → 2 takes [0] and [1, 2]', () => {
    const out = downsampleBox(image(3, 1, [1, 0, 0, 1, 2, 0, 0, 1, 6, 0, 0, 1]), 2, 1);
    expect(Array.from(out.data)).toEqual([1, 0, 0, 1, 4, 0, 0, 1]);
  });

  it('box downsample of a region: a 1:1 region is an exact crop, a 2:1 one averages inside it', () => {
    const data: number[] = [];
    for (let i = 0; i < 16; i++) data.push(i, 2 * i, 0, 1);
    const crop = downsampleBox(image(4, 4, data), 2, 1, [1, 2, 3, 3]);
    // pixels 9 and 10
    expect(Array.from(crop.data)).toEqual([9, 18, 0, 1, 10, 20, 0, 1]);
    const half = downsampleBox(image(4, 4, data), 1, 1, [2, 2, 4, 4]);
    // pixels 10, 11, 14, 15 → 12.5
    expect(Array.from(half.data)).toEqual([12.5, 25, 0, 1]);
    expect(() => downsampleBox(image(4, 4, data), 1, 1, [2, 2, 5, 4])).toThrow(/outside/);
  });

  it('runs merge → stats → tonemap', () => {
    const rad = [
      [0.01, 0.02, 0.03],
      [0.2, 0.2, 0.2],
      [1, 0.5, 0.1],
      [3, 3, 3],
    ] as const;
    const brackets = [0.25, 1, 4].map((e) => shoot(rad, 2, e));
    const params = defaultParams();
    const res = referencePipeline(brackets, params);
    expect(res.radiance.width).toBe(2);
    expect(res.radiance.height).toBe(2);
    expect(res.stats).toEqual(luminanceStats(mergeRadiance(brackets)));
    expect(res.rgba8).toEqual(tonemap(res.radiance, res.stats, params));
    expect(res.rgba8.length).toBe(16);
    // brighter radiance → brighter output (grey 0.2 < grey 3)
    expect(at(res.rgba8, 4)).toBeLessThan(at(res.rgba8, 12));
  });
});
