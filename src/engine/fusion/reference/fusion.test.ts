import { describe, expect, it } from 'vitest';
import type { Bracket, FloatImage } from '../../types';
import { FUSION_EPSILON, FUSION_GREY, fuse, fusionWeights, pow0, type FusionWeights } from './fusion';
import { collapse, expand, expandIndex, gaussianPyramid, laplacianPyramid, pyramidLevels, pyramidSizes, reduce, reflect101 } from '../../pyramid/reference/pyramid';
import { rng } from '../../reference/random';

const ALL: FusionWeights = { contrastWeight: 1, saturationWeight: 1, exposureWeight: 1 };
const EXPOSURE_ONLY: FusionWeights = { contrastWeight: 0, saturationWeight: 0, exposureWeight: 1 };

/** A float image from f(x, y, channel). */
function floatImage(width: number, height: number, f: (x: number, y: number, c: number) => number): FloatImage {
  const data = new Float32Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 4; c++) data[(y * width + x) * 4 + c] = f(x, y, c);
  return { width, height, data };
}

/** A bracket from f(x, y) → [r, g, b] bytes (alpha 255). */
function bracket(width: number, height: number, f: (x: number, y: number) => readonly [number, number, number]): Bracket {
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set([...f(x, y), 255], (y * width + x) * 4);
  }
  return { width, height, pixels, exposure: 1 };
}

const flat = (width: number, height: number, rgb: readonly [number, number, number]): Bracket => bracket(width, height, () => rgb);

function randomBracket(width: number, height: number, seed: number): Bracket {
  const r = rng(seed);
  return bracket(width, height, () => [Math.floor(r() * 256), Math.floor(r() * 256), Math.floor(r() * 256)]);
}

const at = (a: ArrayLike<number>, i: number): number => {
  const v = a[i];
  if (v === undefined) throw new Error(`index ${i} out of range`);
  return v;
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(at(a, i) - at(b, i)));
  return m;
}

function mean(img: FloatImage, c: number): number {
  let s = 0;
  for (let p = 0; p < img.width * img.height; p++) s += at(img.data, p * 4 + c);
  return s / (img.width * img.height);
}

describe('reflect101', () => {
  it('reflects without repeating the edge sample', () => {
    expect([-2, -1, 0, 1, 4, 5, 6].map((i) => reflect101(i, 5))).toEqual([2, 1, 0, 1, 4, 3, 2]);
  });
  it('n = 1 always gives 0', () => {
    expect([-3, -1, 0, 1, 2, 7].map((i) => reflect101(i, 1))).toEqual([0, 0, 0, 0, 0, 0]);
  });
  it('n = 2 alternates and clamps far indices', () => {
    expect([-2, -1, 0, 1, 2, 3].map((i) => reflect101(i, 2))).toEqual([0, 1, 0, 1, 0, 0]);
  });
});

describe('pyramid levels', () => {
  it('floor(log2(min(w, h))) + 1, exact at powers of two', () => {
    expect(pyramidLevels(256, 256)).toBe(9);
    expect(pyramidLevels(320, 256)).toBe(9);
    expect(pyramidLevels(1, 1)).toBe(1);
    expect(pyramidLevels(3, 2)).toBe(2);
    expect(pyramidLevels(1262, 860)).toBe(10);
    expect(pyramidLevels(255, 4096)).toBe(8);
    expect(pyramidLevels(1, 500)).toBe(1);
  });
  it('odd dimensions round up at each level', () => {
    expect(pyramidSizes(37, 23, pyramidLevels(37, 23))).toEqual([
      [37, 23],
      [19, 12],
      [10, 6],
      [5, 3],
      [3, 2],
    ]);
    const g = gaussianPyramid(floatImage(33, 17, () => 0.5));
    expect(g.map((l) => [l.width, l.height])).toEqual([
      [33, 17],
      [17, 9],
      [9, 5],
      [5, 3],
      [3, 2],
    ]);
    for (const l of g) expect(l.data.length).toBe(l.width * l.height * 4);
  });
});

describe('reduce / expand', () => {
  it('reduce of a constant is that constant (all four channels)', () => {
    for (const [w, h] of [
      [8, 8],
      [7, 5],
      [2, 1],
      [1, 1],
    ] as const) {
      const out = reduce(floatImage(w, h, (_x, _y, c) => [0.25, -1.5, 3, 1][c] ?? 0));
      expect([out.width, out.height]).toEqual([(w + 1) >> 1, (h + 1) >> 1]);
      for (let p = 0; p < out.width * out.height; p++) {
        expect(at(out.data, p * 4)).toBeCloseTo(0.25, 6);
        expect(at(out.data, p * 4 + 1)).toBeCloseTo(-1.5, 6);
        expect(at(out.data, p * 4 + 2)).toBeCloseTo(3, 6);
        expect(at(out.data, p * 4 + 3)).toBeCloseTo(1, 6);
      }
    }
  });

  it('reduce of an impulse: kernel taps with reflected borders', () => {
    // 5x1, impulse at x = 2 → out(0) gets taps ±2 (1/16 twice), out(1) the centre 6/16, out(2) taps 0 and +2.
    const out = reduce(floatImage(5, 1, (x) => (x === 2 ? 1 : 0)));
    expect(out.width).toBe(3);
    expect([0, 1, 2].map((x) => at(out.data, x * 4))).toEqual([2 / 16, 6 / 16, 2 / 16]);
  });

  it('expand taps by hand: [a, b] → 3 and 4 wide', () => {
    const a = 0.2;
    const b = 1;
    const coarse = floatImage(2, 1, (x) => (x === 0 ? a : b));
    const e3 = expand(coarse, 3, 1);
    expect([0, 1, 2].map((x) => at(e3.data, x * 4))).toEqual([(6 * a + 2 * b) / 8, (a + b) / 2, (2 * a + 6 * b) / 8].map(Math.fround));
    const e4 = expand(coarse, 4, 2);
    const row0 = [0, 1, 2, 3].map((x) => at(e4.data, x * 4));
    const row1 = [0, 1, 2, 3].map((x) => at(e4.data, (4 + x) * 4));
    // Even fine size: the fine edge lies beyond the last coarse sample, which repeats (expandIndex).
    expect(row0).toEqual([(6 * a + 2 * b) / 8, (a + b) / 2, (a + 7 * b) / 8, b].map(Math.fround));
    expect(row1).toEqual(row0);
  });

  it('expandIndex mirrors about the fine edge samples', () => {
    expect([-1, 0, 4, 5].map((j) => expandIndex(j, 5, 9))).toEqual([1, 0, 4, 3]); // odd fine: reflect-101
    expect([-1, 0, 4, 5].map((j) => expandIndex(j, 5, 10))).toEqual([1, 0, 4, 4]); // even fine: repeat
    expect([-1, 1].map((j) => expandIndex(j, 1, 1))).toEqual([0, 0]);
    expect([-1, 1].map((j) => expandIndex(j, 1, 2))).toEqual([0, 0]);
  });

  it('fusion of an odd-sized set is exactly symmetric under a horizontal flip', () => {
    const W = 33;
    const H = 17;
    const make = (k: number, flip: boolean) => {
      const px = new Uint8Array(W * H * 4);
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const sx = flip ? W - 1 - x : x;
          const v = Math.round(255 * Math.min(1, ((sx * 7 + y * 13) % 50) / 50 + k * 0.3));
          px.set([v, (v * 3) % 256, 255 - v, 255], (y * W + x) * 4);
        }
      return { width: W, height: H, pixels: px, exposure: 2 ** k };
    };
    const w = { contrastWeight: 1, saturationWeight: 1, exposureWeight: 1 };
    const a = fuse(
      [0, 1, 2].map((k) => make(k, false)),
      w,
    );
    const b = fuse(
      [0, 1, 2].map((k) => make(k, true)),
      w,
    );
    let worst = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(at(a.data, (y * W + x) * 4 + c) - at(b.data, (y * W + W - 1 - x) * 4 + c)));
    expect(worst).toBeLessThan(1e-5);
  });

  it('expand of a constant is that constant (odd and even targets)', () => {
    for (const [w, h, W, H] of [
      [4, 3, 8, 6],
      [4, 3, 7, 5],
      [5, 2, 9, 4],
      [1, 1, 2, 1],
      [1, 1, 1, 1],
    ] as const) {
      const out = expand(
        floatImage(w, h, (_x, _y, c) => [0.7, 0, -2, 1][c] ?? 0),
        W,
        H,
      );
      expect([out.width, out.height]).toEqual([W, H]);
      for (let p = 0; p < W * H; p++) {
        expect(at(out.data, p * 4)).toBeCloseTo(0.7, 6);
        expect(at(out.data, p * 4 + 1)).toBe(0);
        expect(at(out.data, p * 4 + 2)).toBeCloseTo(-2, 6);
        expect(at(out.data, p * 4 + 3)).toBe(1);
      }
    }
  });

  it('expand rejects a target that is not 2w or 2w − 1', () => {
    const img = floatImage(4, 4, () => 0);
    expect(() => expand(img, 9, 8)).toThrow();
    expect(() => expand(img, 8, 6)).toThrow();
  });

  it('reduce and expand keep the mean of a smooth ramp', () => {
    // Odd sizes: the decimated grid (even indices) is centred on the fine one, so the mean has no half-pixel shift.
    const ramp = floatImage(41, 31, (x, y, c) => (c === 3 ? 1 : 0.1 + 0.015 * x + 0.01 * y));
    const m = mean(ramp, 0);
    const small = reduce(ramp);
    expect(Math.abs(mean(small, 0) - m)).toBeLessThan(1e-3);
    const big = expand(small, 41, 31);
    expect(Math.abs(mean(big, 0) - m)).toBeLessThan(1e-3);
    // Interior of a linear ramp is reproduced closely, not just on average.
    const i = (15 * 41 + 20) * 4;
    expect(at(big.data, i)).toBeCloseTo(at(ramp.data, i), 2);
  });
});

describe('Laplacian pyramid', () => {
  it('collapse inverts laplacianPyramid (odd and even sizes)', () => {
    for (const [w, h, seed] of [
      [37, 23, 1],
      [64, 48, 2],
      [1, 1, 3],
      [5, 2, 4],
    ] as const) {
      const r = rng(seed);
      const img = floatImage(w, h, () => r() * 4 - 1);
      const lap = laplacianPyramid(img, pyramidLevels(w, h));
      expect(lap.length).toBe(pyramidLevels(w, h));
      const back = collapse(lap);
      expect([back.width, back.height]).toEqual([w, h]);
      expect(maxAbsDiff(back.data, img.data)).toBeLessThan(1e-5);
    }
  });

  it('band-pass levels of a constant image are zero and the top holds the constant', () => {
    const lap = laplacianPyramid(floatImage(20, 12, () => 0.4));
    const top = lap[lap.length - 1];
    if (!top) throw new Error('no top');
    for (const l of lap.slice(0, -1)) for (const v of l.data) expect(Math.abs(v)).toBeLessThan(1e-6);
    for (const v of top.data) expect(v).toBeCloseTo(0.4, 6);
  });
});

describe('fusion weights', () => {
  it('constants', () => {
    expect(FUSION_GREY).toEqual([0.299, 0.587, 0.114]);
    expect(FUSION_EPSILON).toBe(1e-12);
    expect(pow0(0, 0)).toBe(1);
    expect(pow0(0, 2)).toBe(0);
    expect(pow0(-1, 1)).toBe(0);
    expect(pow0(0.5, 2)).toBe(0.25);
  });

  it('3x2 pixels by hand: contrast (reflected borders), saturation, well-exposedness', () => {
    // On a 3x2 image both vertical neighbours of a pixel are the other row (reflect101(−1, 2) = reflect101(2, 2) = 1 − y):
    //   C(1, y) = |grey(0, y) + grey(2, y) + 2 grey(1, 1−y) − 4 grey(1, y)|
    //   C(0, y) = |2 grey(1, y) + 2 grey(0, 1−y) − 4 grey(0, y)|
    type Px = readonly [number, number, number];
    type Grid = readonly (readonly [Px, Px, Px])[];
    const px = (g: Grid, x: number, y: number): Px => g[y]?.[x] ?? [0, 0, 0];
    const grey = (g: Grid, x: number, y: number): number => {
      const p = px(g, x, y);
      return (0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]) / 255;
    };
    const sat = (p: Px): number => {
      const [r, g, b] = p.map((v) => v / 255) as [number, number, number];
      const mu = (r + g + b) / 3;
      return Math.sqrt(((r - mu) ** 2 + (g - mu) ** 2 + (b - mu) ** 2) / 3);
    };
    const wellExposed = (p: Px): number => Math.exp(-p.map((v) => (v / 255 - 0.5) ** 2).reduce((a, b) => a + b, 0) / 0.08);
    const contrast = (g: Grid, x: number, y: number): number =>
      x === 1 ? Math.abs(grey(g, 0, y) + grey(g, 2, y) + 2 * grey(g, 1, 1 - y) - 4 * grey(g, 1, y)) : Math.abs(2 * grey(g, 1, y) + 2 * grey(g, 0, 1 - y) - 4 * grey(g, 0, y));
    // ω = (1, 2, 0.5): W = C · S² · √E
    const wts = { contrastWeight: 1, saturationWeight: 2, exposureWeight: 0.5 };
    const raw = (g: Grid, x: number, y: number): number => contrast(g, x, y) * sat(px(g, x, y)) ** 2 * Math.sqrt(wellExposed(px(g, x, y)));
    const ga: Grid = [
      [
        [10, 200, 30],
        [120, 90, 200],
        [250, 240, 5],
      ],
      [
        [90, 40, 160],
        [30, 140, 60],
        [128, 128, 128],
      ],
    ];
    const gb: Grid = [
      [
        [60, 70, 20],
        [200, 30, 90],
        [128, 128, 128],
      ],
      [
        [240, 180, 40],
        [170, 210, 120],
        [20, 20, 20],
      ],
    ];
    const a = bracket(3, 2, (x, y) => px(ga, x, y));
    const b = bracket(3, 2, (x, y) => px(gb, x, y));
    const [wa, wb] = fusionWeights([a, b], wts);
    if (!wa || !wb) throw new Error('missing maps');
    for (const [x, y] of [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
    ] as const) {
      const Wa = raw(ga, x, y);
      const Wb = raw(gb, x, y);
      expect(Math.min(Wa, Wb)).toBeGreaterThan(1e-5); // far above ε: not degenerate
      expect(Math.abs(Wa / (Wa + Wb) - 0.5)).toBeGreaterThan(0.02); // and not an even split
      expect(at(wa, y * 3 + x)).toBeCloseTo(Wa / (Wa + Wb), 6);
      expect(at(wb, y * 3 + x)).toBeCloseTo(Wb / (Wa + Wb), 6);
    }
    // Pixel (2, 0) of b is flat grey: S = 0 → W = 0; a's weight there is (Wa + ε) / (Wa + 2ε) ≈ 1.
    expect(at(wa, 2)).toBeCloseTo(1, 6);
  });

  it('normalised weights sum to 1 per pixel', () => {
    const bs = [randomBracket(13, 9, 11), randomBracket(13, 9, 12), randomBracket(13, 9, 13)];
    for (const wts of [ALL, EXPOSURE_ONLY, { contrastWeight: 2, saturationWeight: 0.5, exposureWeight: 3 }]) {
      const maps = fusionWeights(bs, wts);
      expect(maps.length).toBe(3);
      for (let p = 0; p < 13 * 9; p++) {
        const s = maps.reduce((acc, m) => acc + at(m, p), 0);
        expect(Math.abs(s - 1)).toBeLessThan(1e-6);
        for (const m of maps) expect(at(m, p)).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('all-zero raw weights give 1/N each', () => {
    // Flat grey: C = 0 and S = 0, so any positive contrast or saturation exponent zeroes W.
    const bs = [flat(6, 5, [40, 40, 40]), flat(6, 5, [128, 128, 128]), flat(6, 5, [230, 230, 230])];
    for (const wts of [ALL, { contrastWeight: 0, saturationWeight: 1, exposureWeight: 1 }]) {
      for (const m of fusionWeights(bs, wts)) for (const v of m) expect(v).toBeCloseTo(1 / 3, 6);
    }
  });

  it('exponent 0 for all three measures gives 1/N', () => {
    const bs = [randomBracket(7, 7, 5), flat(7, 7, [0, 0, 0]), flat(7, 7, [255, 255, 255]), randomBracket(7, 7, 6)];
    const maps = fusionWeights(bs, { contrastWeight: 0, saturationWeight: 0, exposureWeight: 0 });
    for (const m of maps) for (const v of m) expect(v).toBeCloseTo(0.25, 6);
  });

  it('a well-exposed bracket outweighs a clipped one', () => {
    const good = bracket(8, 8, (x, y) => [100 + 5 * x, 110 + 4 * y, 150 - 3 * x]);
    const clipped = flat(8, 8, [255, 255, 255]);
    for (const wts of [EXPOSURE_ONLY, { contrastWeight: 0, saturationWeight: 1, exposureWeight: 1 }]) {
      const [wg, wc] = fusionWeights([clipped, good], wts).reverse();
      if (!wg || !wc) throw new Error('missing maps');
      for (let p = 0; p < 64; p++) {
        expect(at(wg, p)).toBeGreaterThan(0.99);
        expect(at(wc, p)).toBeLessThan(0.01);
      }
    }
  });

  it('rejects no brackets and mismatched sizes', () => {
    expect(() => fusionWeights([], ALL)).toThrow();
    expect(() => fusionWeights([flat(4, 4, [1, 2, 3]), flat(4, 3, [1, 2, 3])], ALL)).toThrow();
    expect(() => fuse([], ALL)).toThrow();
  });
});

describe('fuse', () => {
  /** RGB of a bracket as floats c = byte/255, alpha 1. */
  const asFloat = (b: Bracket): Float32Array => {
    const d = new Float32Array(b.pixels.length);
    for (let i = 0; i < d.length; i++) d[i] = i % 4 === 3 ? 1 : at(b.pixels, i) / 255;
    return d;
  };

  it('one bracket returns it', () => {
    const b = randomBracket(37, 23, 21);
    const out = fuse([b], ALL);
    expect([out.width, out.height]).toEqual([37, 23]);
    expect(maxAbsDiff(out.data, asFloat(b))).toBeLessThan(1e-5);
  });

  it('N identical brackets return that image', () => {
    const b = randomBracket(32, 20, 22);
    for (const wts of [ALL, EXPOSURE_ONLY]) {
      const out = fuse([b, b, b], wts);
      expect(maxAbsDiff(out.data, asFloat(b))).toBeLessThan(1e-5);
    }
  });

  it('two different constant brackets blend convexly with their weights', () => {
    const ca = [30, 200, 90] as const;
    const cb = [180, 120, 240] as const;
    const bs = [flat(19, 14, ca), flat(19, 14, cb)];
    const wts = { contrastWeight: 0, saturationWeight: 1, exposureWeight: 1 };
    const [wa, wb] = fusionWeights(bs, wts);
    if (!wa || !wb) throw new Error('missing maps');
    const alpha = at(wa, 0);
    expect(alpha).toBeGreaterThan(0.05); // a real blend, not one bracket
    expect(alpha).toBeLessThan(0.95);
    const out = fuse(bs, wts);
    for (let p = 0; p < 19 * 14; p++) {
      for (let c = 0; c < 3; c++) {
        const a = at(ca, c) / 255;
        const b = at(cb, c) / 255;
        const v = at(out.data, p * 4 + c);
        expect(v).toBeGreaterThanOrEqual(Math.min(a, b) - 1e-6);
        expect(v).toBeLessThanOrEqual(Math.max(a, b) + 1e-6);
        expect(v).toBeCloseTo(alpha * a + (1 - alpha) * b, 5);
      }
      expect(at(out.data, p * 4 + 3)).toBe(1);
    }
  });

  it('a single-row image has one level: the per-pixel weighted average', () => {
    const bs = [randomBracket(9, 1, 51), randomBracket(9, 1, 52), randomBracket(9, 1, 53)];
    const maps = fusionWeights(bs, ALL);
    const out = fuse(bs, ALL);
    for (let p = 0; p < 9; p++) {
      for (let c = 0; c < 3; c++) {
        const expected = bs.reduce((acc, b, k) => acc + at(maps[k] ?? [], p) * (at(b.pixels, p * 4 + c) / 255), 0);
        expect(at(out.data, p * 4 + c)).toBeCloseTo(expected, 6);
      }
    }
  });

  it('equals Σ_k Gaussian(w_k) · Laplacian(I_k), collapsed (paper eq. 6)', () => {
    const w = 23;
    const h = 14;
    const bs = [randomBracket(w, h, 61), bracket(w, h, (x, y) => [8 * x, 12 * y, 100]), flat(w, h, [250, 250, 250])];
    const maps = fusionWeights(bs, ALL);
    const levels = pyramidLevels(w, h);
    const blended: FloatImage[] = pyramidSizes(w, h, levels).map(([lw, lh]) => ({
      width: lw,
      height: lh,
      data: new Float32Array(lw * lh * 4),
    }));
    bs.forEach((b, k) => {
      const lap = laplacianPyramid({ width: w, height: h, data: asFloat(b) }, levels);
      const m = maps[k] ?? new Float32Array(0);
      const gw = gaussianPyramid(
        floatImage(w, h, (x, y) => at(m, y * w + x)),
        levels,
      );
      blended.forEach((lvl, l) => {
        const L = lap[l];
        const G = gw[l];
        if (!L || !G) throw new Error('missing level');
        for (let i = 0; i < lvl.data.length; i++) {
          if (i % 4 !== 3) lvl.data[i] = at(lvl.data, i) + at(G.data, i - (i % 4)) * at(L.data, i);
        }
      });
    });
    const expected = collapse(blended);
    const out = fuse(bs, ALL);
    for (let p = 0; p < w * h; p++) {
      for (let c = 0; c < 3; c++) expect(at(out.data, p * 4 + c)).toBeCloseTo(at(expected.data, p * 4 + c), 5);
    }
  });

  it('odd sizes run and stay finite', () => {
    for (const [w, h] of [
      [33, 17],
      [1, 9],
      [7, 1],
      [1, 1],
    ] as const) {
      const out = fuse([randomBracket(w, h, 31), randomBracket(w, h, 32), flat(w, h, [255, 255, 255])], ALL);
      expect([out.width, out.height]).toEqual([w, h]);
      expect(out.data.length).toBe(w * h * 4);
      for (const v of out.data) expect(Number.isFinite(v)).toBe(true);
      for (let p = 0; p < w * h; p++) expect(at(out.data, p * 4 + 3)).toBe(1);
    }
  });

  it('black and white brackets give way to a mid-grey gradient', () => {
    const w = 40;
    const h = 24;
    const grey = bracket(w, h, (x) => {
      const v = Math.round(90 + (x * 80) / (w - 1));
      return [v, v, v];
    });
    const out = fuse([flat(w, h, [0, 0, 0]), grey, flat(w, h, [255, 255, 255])], EXPOSURE_ONLY);
    const ref = asFloat(grey);
    expect(maxAbsDiff(out.data, ref)).toBeLessThan(0.02);
    // Without the exposure measure every weight is 1/3 and the result is the plain average, far from the grey.
    const avg = fuse([flat(w, h, [0, 0, 0]), grey, flat(w, h, [255, 255, 255])], { contrastWeight: 0, saturationWeight: 0, exposureWeight: 0 });
    expect(maxAbsDiff(avg.data, ref)).toBeGreaterThan(0.05);
  });

  it('texture wins where the other bracket is clipped', () => {
    // Left half textured in bracket A and clipped white in B; right half the reverse.
    const w = 64;
    const h = 16;
    const r = rng(41);
    const tex = (): [number, number, number] => {
      const v = 60 + Math.floor(r() * 120);
      return [v, v - 20, v + 30];
    };
    const a = bracket(w, h, (x) => (x < w / 2 ? tex() : [255, 255, 255]));
    const b = bracket(w, h, (x) => (x >= w / 2 ? tex() : [255, 255, 255]));
    const out = fuse([a, b], ALL);
    // Well inside each half the fused pixel follows the textured bracket.
    for (const [x, src] of [
      [3, a],
      [8, a],
      [55, b],
      [60, b],
    ] as const) {
      for (let y = 4; y < h - 4; y++) {
        const p = (y * w + x) * 4;
        for (let c = 0; c < 3; c++) expect(Math.abs(at(out.data, p + c) - at(src.pixels, p + c) / 255)).toBeLessThan(0.05);
      }
    }
  });
});
