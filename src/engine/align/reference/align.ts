// Bracket alignment: CPU reference of every GPU step of src/engine/align/align.ts,
// and the TypeScript both sides share (picks, the small solves, the guards,
// composition and the common crop). The GPU follows it step by step.
//
// Step 1, Ward's median threshold bitmaps (G. Ward, "Fast, Robust Image
// Registration for Compositing High Dynamic Range Photographs from Hand-Held
// Exposures", Journal of Graphics Tools 8(2), 2003), exact integers:
//   grey   g = (54 R + 183 G + 19 B) >> 8 of the 8-bit codes
//   levels l = 0 .. L − 1, level l + 1 = 2×2 box average (a + b + c + d + 2) >> 2,
//          size (w >> 1, h >> 1); L from maxShift (±(2^L − 1) px) and the size
//          (coarsest side ≥ MTB_MIN_SIDE): 6 levels, ±63 px, at 320×256
//   median m per bracket per level: the smallest code with 2·cum(m) ≥ n
//   bitmaps threshold tb = g > m, exclusion eb = |g − m| > MTB_EXCLUDE, packed
//          32 pixels per u32 (bit i of word j of a row: x = 32 j + i), padding 0
//   counts target pixel x against moving pixel x + s (out of range: excluded):
//          err = popcount((tb_t ^ tb_m) & eb_t & eb_m), valid = popcount(eb_t & eb_m),
//          for the 9 candidates s = base + (dx, dy), dx, dy ∈ {−1, 0, 1}
//          (index (dy + 1)·3 + dx + 1), and a 10th, s = (0, 0) (the identity)
//   pick   least err, then the smallest move, then the lowest index; the base of
//          level l is twice the pick of level l + 1 (0 at the coarsest).
// MTB alone is an integer translation, and it is fragile: a median contour
// through a smooth gradient (sky, water) moves with the content that enters
// or leaves the frame, so on goldengate-3 it misses most ±60 px shifts. It is
// kept as one candidate start and as evidence for the guards.
//
// Step 2, refinement of each pair (moving bracket → its target) to a rigid
// motion (rotation + translation; a 4-parameter similarity on request):
//   exposure   the moving bracket's grey codes are mapped onto the target's by
//              histogram matching (mid-rank quantiles; a monotone response keeps
//              ranks, which is what Ward's median relies on too), from the
//              full-image histograms first, then from the pixels valid in both
//              at the start shift (the same scene points on both sides)
//   validity   a pixel counts when grey ≥ LK_CLIP_LO, no channel exceeds
//              LK_CLIP_HI (one clipped channel already bends grey away from a
//              monotone function of the scene) and alpha ≥ 128
//   pyramid    raw (v·w, w), Burt–Adelson reduce (normalised convolution), levels
//              finest .. coarsest (lkLevels); features (v, w', ∂x v, ∂y v) after a
//              3×3 binomial blur, w' = 1 only where the blurred weight is full at the
//              pixel and its 4 neighbours (no clipped pixel blurred in)
//   search     ZNCC of integer shifts: exhaustive within ±searchRadius at the
//              coarsest level, then ±1 around twice the pick at each finer level
//   start      the search's pick, or MTB's shift where it correlates better
//   warp       u = c + A (x − c) + t, A = [[1 + a, −b], [b, 1 + a]], c the image
//              centre; level l uses coordinates / 2^l (the Burt–Adelson grid)
//   sums       over target pixels with u inside the moving level: W = w'_t ·
//              w'_m(u) (bilinear), e = I(u) − T(x), J = ½(∇I(u) + ∇T(x)) · ∂u/∂p (ESM,
//              Benhimane & Malis 2004); Σ W J^T J, Σ W J^T e, Σ W, Σ W e², and the
//              moments of T and I for the correlation (Baker & Matthews, "Lucas-
//              Kanade 20 Years On", IJCV 56(3), 2004)
//   solve      Levenberg–Marquardt in TypeScript, coarse to fine, each level
//              starting from the start where that fits it better than the coarser
//              level's result, until the undamped step moves no corner by
//              LK_STEP_EPS level pixels.
//   guards     decide(): the refined motion if plausible, near its start and not
//              worse than it; else the start's translation if it beats the
//              identity; else the identity; anything but the identity needs a
//              correlation of GUARDS.minCorrelation over GUARDS.minOverlap.
//
// Pairs: 'chain' (default) aligns each bracket to its neighbour towards the
// reference and composes; 'direct' aligns every bracket to the reference.
//
// Step 3, warp: output layer k at pixel x = bilinear sample of bracket k at M_k x
// (clamped to the edge), alpha 255 where M_k x lies inside the bracket, else 0.
// M_k maps reference pixel coordinates (pixel centres at integers) to bracket k's.
// commonCrop() gives the largest rectangle every M_k keeps inside its bracket.

import { PYRAMID_KERNEL, pyramidSizes, reflect101 } from '../../pyramid/reference/pyramid';

/** An 8-bit RGBA image (the uploaded bracket bytes). */
export interface Rgba8 {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array | Uint8ClampedArray;
}

// ---------------------------------------------------------------- constants

/** grey = (GREY_WEIGHTS · rgb) >> 8 of the 8-bit codes; the weights sum to 256. */
export const GREY_WEIGHTS = [54, 183, 19] as const;
/** Ward's exclusion band: codes within ±MTB_EXCLUDE of the median carry no bit. */
export const MTB_EXCLUDE = 4;
/** The coarsest MTB level keeps its shorter side at least this long. */
export const MTB_MIN_SIDE = 8;
/** Default search range, in pixels: levels for ±(2^L − 1) ≥ this. */
export const MAX_SHIFT = 128;
/** At most this many MTB levels. */
export const MTB_MAX_LEVELS = 10;
/** u32 per (level, layer) in the counts: err and valid for each of 10 candidates. */
export const COUNT_STRIDE = 20;
/** Candidate index of the identity (absolute shift 0). */
export const IDENTITY_CANDIDATE = 9;
/** A pixel weighs in the refinement when its grey code is at least LK_CLIP_LO and no channel exceeds LK_CLIP_HI (lkValid). */
export const LK_CLIP_LO = 6;
export const LK_CLIP_HI = 253;
/** The translation search: integer shifts within ±SEARCH_RADIUS pixels of the coarsest refinement level... */
export const SEARCH_RADIUS = 16;
/** ... or, where its best candidate overlaps fewer than SEARCH_MIN_COUNT valid pixels (a night scene's lights vanish there), one level finer with twice the radius, up to this. */
export const SEARCH_MAX_RADIUS = 32;
export const SEARCH_MIN_COUNT = 64;
/** A search candidate needs at least this fraction of the largest weighted overlap of any candidate. */
export const SEARCH_MIN_OVERLAP = 0.5;
/** f32 entries per search candidate: Σ W, Σ W T, Σ W T², Σ W I, Σ W I², Σ W T I, 2 pad. */
export const SEARCH_SUMS = 8;
/** A refinement pixel counts only where its whole footprint is valid (raw weight ≥ this), so no level mixes clipped pixels in. */
export const LK_FULL_WEIGHT = 0.75;
/** The finest refinement level keeps its longer side at most this long (2 MP brackets refine at half size). */
export const LK_MAX_SIDE = 1024;
/** The coarsest refinement level keeps its longer side at least this long. */
export const LK_COARSE_SIDE = 64;
/** The refinement's default motion model (see MotionModel). */
export const DEFAULT_MODEL: MotionModel = 'rigid';
/** Gauss–Newton iterations per level, at most. */
export const LK_MAX_ITER = 20;
/** Converged when a step moves no image corner by more than this, in level pixels. */
export const LK_STEP_EPS = 0.01;
/** f32 entries of one set of normal-equation sums (struct Sums in the shader). */
export const SUMS = 20;
/** Index of each sum: H (upper triangle, row-major), g, then the moments. */
export const SUM_INDEX = {
  h00: 0,
  h01: 1,
  h02: 2,
  h03: 3,
  h11: 4,
  h12: 5,
  h13: 6,
  h22: 7,
  h23: 8,
  h33: 9,
  g0: 10,
  g1: 11,
  g2: 12,
  g3: 13,
  w: 14,
  we2: 15,
  wt: 16,
  wt2: 17,
  wi: 18,
  wi2: 19,
} as const;

/** The guards (see decide()). */
export const GUARDS = {
  /** MTB: informative pixels (excluded in neither bitmap) at the pick, as a fraction of level 0. */
  minInformative: 0.01,
  /** MTB: a non-zero shift must lower the error rate (err / valid) by this fraction against the identity. */
  minGain: 0.05,
  /**
   * Refinement: its translation may move at most this many pixels of the
   * level the translation search ended on from where it started: 8 px at
   * full size up to 1024 px wide, 16 at 2 MP, 64 at 12 MP (refined at 1/8
   * size), where a translation-only start lies ~10 px off for brackets a
   * degree or two apart in rotation (bench/handheld.bench.ts).
   */
  maxDrift: 8,
  /** Refinement: plausible rotation (degrees) and scale for a hand-held bracket. */
  maxRotation: 5,
  maxScale: 0.05,
  /** A transform other than the identity needs this normalised cross-correlation after warping. */
  minCorrelation: 0.75,
  /** ... over at least this fraction of the finest level's pixels (weighted). */
  minOverlap: 0.01,
} as const;

// ---------------------------------------------------------------- step 1: MTB

/** Grey codes of an RGBA8 image: (54 R + 183 G + 19 B) >> 8. */
export function greyCodes(img: Rgba8): Uint8Array {
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  const p = img.pixels;
  for (let i = 0; i < n; i++) out[i] = (GREY_WEIGHTS[0] * p[4 * i]! + GREY_WEIGHTS[1] * p[4 * i + 1]! + GREY_WEIGHTS[2] * p[4 * i + 2]!) >> 8;
  return out;
}

/** MTB levels for a w × h image: enough for ±maxShift, the coarsest side at least MTB_MIN_SIDE; at least 1. */
export function mtbLevelCount(width: number, height: number, maxShift = MAX_SHIFT): number {
  let bySize = 1;
  while (bySize < MTB_MAX_LEVELS && Math.min(width, height) >> bySize >= MTB_MIN_SIDE) bySize++;
  let byShift = 1;
  while (byShift < MTB_MAX_LEVELS && 2 ** byShift - 1 < maxShift) byShift++;
  return Math.max(1, Math.min(bySize, byShift));
}

/** Sizes of the MTB levels: (w >> l, h >> l). */
export function mtbSizes(width: number, height: number, levels: number): [number, number][] {
  return Array.from({ length: levels }, (_, l) => [width >> l, height >> l]);
}

/** Level l + 1 of the grey pyramid: 2×2 box average, rounded, size (w >> 1, h >> 1). */
export function shrinkGrey(g: Uint8Array, w: number, h: number): Uint8Array {
  const [sw, sh] = [w >> 1, h >> 1];
  const out = new Uint8Array(sw * sh);
  for (let y = 0; y < sh; y++)
    for (let x = 0; x < sw; x++) {
      const i = 2 * y * w + 2 * x;
      out[y * sw + x] = (g[i]! + g[i + 1]! + g[i + w]! + g[i + w + 1]! + 2) >> 2;
    }
  return out;
}

export function greyPyramid(g: Uint8Array, w: number, h: number, levels: number): Uint8Array[] {
  const out = [g];
  for (let l = 1; l < levels; l++) out.push(shrinkGrey(out[l - 1]!, w >> (l - 1), h >> (l - 1)));
  return out;
}

export function histogram256(g: Uint8Array): Uint32Array {
  const h = new Uint32Array(256);
  for (const v of g) h[v]!++;
  return h;
}

/** The smallest code m with 2 · (pixels ≤ m) ≥ n. */
export function medianCode(hist: ArrayLike<number>): number {
  let n = 0;
  for (let v = 0; v < 256; v++) n += hist[v]!;
  let cum = 0;
  for (let v = 0; v < 256; v++) {
    cum += hist[v]!;
    if (2 * cum >= n) return v;
  }
  return 255;
}

export const bitmapWords = (width: number) => Math.ceil(width / 32);

/** Threshold and exclusion bitmaps, interleaved: word j of row y at [2 (y·wpr + j)] (tb) and [… + 1] (eb). */
export function mtbBitmaps(g: Uint8Array, w: number, h: number, median: number): Uint32Array {
  const wpr = bitmapWords(w);
  const out = new Uint32Array(2 * wpr * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = g[y * w + x]!;
      const bit = (1 << (x & 31)) >>> 0;
      const o = 2 * (y * wpr + (x >> 5));
      if (v > median) out[o] = (out[o]! | bit) >>> 0;
      if (Math.abs(v - median) > MTB_EXCLUDE) out[o + 1] = (out[o + 1]! | bit) >>> 0;
    }
  return out;
}

export function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Offset (dx, dy) of candidate i (0..8); 9 is the identity, handled apart. */
export function candidateOffset(i: number): [number, number] {
  return [(i % 3) - 1, Math.floor(i / 3) - 1];
}

/** 32 bits of a bitmap row starting at bit s (may be negative); bits outside the row are 0. */
function window32(bm: Uint32Array, rowBase: number, wpr: number, s: number, plane: 0 | 1): number {
  const q = Math.floor(s / 32);
  const r = s - 32 * q;
  const word = (k: number) => (k >= 0 && k < wpr ? bm[2 * (rowBase + k) + plane]! : 0);
  const lo = word(q);
  if (r === 0) return lo;
  return ((lo >>> r) | (word(q + 1) << (32 - r))) >>> 0;
}

/**
 * Counts of one pair at one level: err and valid for the 9 candidates around
 * `base` and for the identity, interleaved (err_i at 2i, valid_i at 2i + 1).
 */
export function mtbCounts(target: Uint32Array, moving: Uint32Array, w: number, h: number, base: readonly [number, number]): Uint32Array {
  const wpr = bitmapWords(w);
  const out = new Uint32Array(COUNT_STRIDE);
  const shifts: [number, number][] = [];
  for (let i = 0; i < 9; i++) {
    const [dx, dy] = candidateOffset(i);
    shifts.push([base[0] + dx, base[1] + dy]);
  }
  shifts.push([0, 0]);
  shifts.forEach(([sx, sy], i) => {
    let err = 0;
    let valid = 0;
    for (let y = 0; y < h; y++) {
      const ym = y + sy;
      if (ym < 0 || ym >= h) continue;
      for (let j = 0; j < wpr; j++) {
        const o = 2 * (y * wpr + j);
        const tm = window32(moving, ym * wpr, wpr, 32 * j + sx, 0);
        const em = window32(moving, ym * wpr, wpr, 32 * j + sx, 1);
        const v = (target[o + 1]! & em) >>> 0;
        err += popcount(((target[o]! ^ tm) & v) >>> 0);
        valid += popcount(v);
      }
    }
    out[2 * i] = err;
    out[2 * i + 1] = valid;
  });
  return out;
}

/** Ward's pick among the 9 candidates of one counts record: least err, then the smallest move, then the lowest index. */
export function pickCandidate(counts: ArrayLike<number>, offset = 0): number {
  let best = 4;
  for (let i = 0; i < 9; i++) {
    const [dx, dy] = candidateOffset(i);
    const [bx, by] = candidateOffset(best);
    const e = counts[offset + 2 * i]!;
    const eb = counts[offset + 2 * best]!;
    if (e < eb || (e === eb && Math.abs(dx) + Math.abs(dy) < Math.abs(bx) + Math.abs(by))) best = i;
  }
  return best;
}

/**
 * Replays the coarse-to-fine picks of one layer from its counts (counts of
 * level l at (l · layers + layer) · COUNT_STRIDE): shifts[l] is the shift picked
 * at level l (in level-l pixels); the base of level l is 2 · shifts[l + 1].
 */
export function mtbShifts(counts: ArrayLike<number>, layers: number, layer: number, levels: number): [number, number][] {
  const shifts: [number, number][] = new Array(levels);
  let base: [number, number] = [0, 0];
  for (let l = levels - 1; l >= 0; l--) {
    const [dx, dy] = candidateOffset(pickCandidate(counts, (l * layers + layer) * COUNT_STRIDE));
    shifts[l] = [base[0] + dx, base[1] + dy];
    base = [2 * shifts[l]![0], 2 * shifts[l]![1]];
  }
  return shifts;
}

export interface MtbLevel {
  width: number;
  height: number;
  /** Per layer: grey codes, histogram, median, bitmaps. */
  grey: Uint8Array[];
  histograms: Uint32Array[];
  medians: number[];
  bitmaps: Uint32Array[];
}

export interface MtbResult {
  levels: MtbLevel[];
  /** counts of (level l, layer k) at (l · layers + k) · COUNT_STRIDE; zeros for a layer that is its own target. */
  counts: Uint32Array;
  /** The level-0 shift of each layer (zero for a self-target). */
  shifts: [number, number][];
}

/** Step 1 for every layer against targets[layer] (targets[k] === k: not aligned). */
export function mtb(brackets: readonly Rgba8[], targets: readonly number[], maxShift = MAX_SHIFT): MtbResult {
  const { width, height } = brackets[0]!;
  const L = mtbLevelCount(width, height, maxShift);
  const sizes = mtbSizes(width, height, L);
  const greys = brackets.map((b) => greyPyramid(greyCodes(b), width, height, L));
  const levels: MtbLevel[] = sizes.map(([w, h], l) => {
    const grey = greys.map((g) => g[l]!);
    const histograms = grey.map(histogram256);
    const medians = histograms.map(medianCode);
    return { width: w, height: h, grey, histograms, medians, bitmaps: grey.map((g, k) => mtbBitmaps(g, w, h, medians[k]!)) };
  });
  const N = brackets.length;
  const counts = new Uint32Array(L * N * COUNT_STRIDE);
  const shifts: [number, number][] = brackets.map(() => [0, 0]);
  for (let k = 0; k < N; k++) {
    const t = targets[k]!;
    if (t === k) continue;
    let base: [number, number] = [0, 0];
    for (let l = L - 1; l >= 0; l--) {
      const lv = levels[l]!;
      const c = mtbCounts(lv.bitmaps[t]!, lv.bitmaps[k]!, lv.width, lv.height, base);
      counts.set(c, (l * N + k) * COUNT_STRIDE);
      const [dx, dy] = candidateOffset(pickCandidate(c));
      const s: [number, number] = [base[0] + dx, base[1] + dy];
      if (l === 0) shifts[k] = s;
      base = [2 * s[0], 2 * s[1]];
    }
  }
  return { levels, counts, shifts };
}

/** What MTB says about one layer at level 0, for the guards. */
export interface MtbSummary {
  shift: [number, number];
  /** Informative pixels at the pick / level-0 pixels. */
  informative: number;
  /** err / valid at the pick and at the identity. */
  errorRate: number;
  identityErrorRate: number;
  /** The shift is believed (enough informative pixels, and a real gain over the identity). */
  trusted: boolean;
  reason: string;
}

export function mtbSummary(counts: ArrayLike<number>, layers: number, layer: number, levels: number, width: number, height: number): MtbSummary {
  const shifts = mtbShifts(counts, layers, layer, levels);
  const shift = shifts[0]!;
  const o = layer * COUNT_STRIDE; // level 0
  const best = pickCandidate(counts, o);
  const err = counts[o + 2 * best]!;
  const valid = counts[o + 2 * best + 1]!;
  const errId = counts[o + 2 * IDENTITY_CANDIDATE]!;
  const validId = counts[o + 2 * IDENTITY_CANDIDATE + 1]!;
  const informative = valid / (width * height);
  const errorRate = valid > 0 ? err / valid : 1;
  const identityErrorRate = validId > 0 ? errId / validId : 1;
  let trusted = true;
  let reason = 'ok';
  if (informative < GUARDS.minInformative) {
    trusted = false;
    reason = `too few informative MTB pixels (${(100 * informative).toFixed(2)} %)`;
  } else if ((shift[0] !== 0 || shift[1] !== 0) && !(errorRate < (1 - GUARDS.minGain) * identityErrorRate)) {
    trusted = false;
    reason = `MTB shift (${shift[0]}, ${shift[1]}) does not lower the error enough (${errorRate.toFixed(4)} vs ${identityErrorRate.toFixed(4)} at the identity)`;
  }
  return { shift, informative, errorRate, identityErrorRate, trusted, reason };
}

// ---------------------------------------------------------------- step 2: refinement

/** Levels of the refinement: finest (longer side ≤ LK_MAX_SIDE) to coarsest (longer side ≥ LK_COARSE_SIDE), Burt–Adelson sizes. */
export function lkLevels(width: number, height: number): { finest: number; coarsest: number; sizes: [number, number][] } {
  const all = pyramidSizes(width, height, 16);
  let finest = 0;
  while (finest < 15 && Math.max(...all[finest]!) > LK_MAX_SIDE) finest++;
  let coarsest = finest;
  while (coarsest < 15 && Math.max(...all[coarsest + 1]!) >= LK_COARSE_SIDE && Math.min(...all[coarsest + 1]!) >= 8) coarsest++;
  return { finest, coarsest, sizes: all.slice(0, coarsest + 1) };
}

/**
 * Histogram matching: the moving bracket's code v goes to the target code of the
 * same mid-rank quantile, the target's codes spread uniformly over [u − ½, u + ½].
 */
export function matchLut(moving: ArrayLike<number>, target: ArrayLike<number>): Float32Array {
  const cdf = (h: ArrayLike<number>) => {
    const c = new Float64Array(257);
    for (let v = 0; v < 256; v++) c[v + 1] = c[v]! + h[v]!;
    const n = c[256]! || 1;
    return c.map((x) => x / n);
  };
  const fm = cdf(moving);
  const ft = cdf(target);
  const lut = new Float32Array(256);
  let u = 0;
  for (let v = 0; v < 256; v++) {
    const q = (fm[v]! + fm[v + 1]!) / 2;
    while (u < 255 && ft[u + 1]! < q) u++;
    const lo = ft[u]!;
    const hi = ft[u + 1]!;
    const f = hi > lo ? (q - lo) / (hi - lo) : 0.5;
    lut[v] = Math.min(255, Math.max(0, u - 0.5 + f));
  }
  return lut;
}

export const IDENTITY_LUT = Float32Array.from({ length: 256 }, (_, v) => v);

/** A refinement image level: `data` holds `channels` f32 per pixel. */
export interface Plane {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * Whether pixel i of an RGBA8 image weighs in the refinement (and in its
 * histograms): grey ≥ LK_CLIP_LO, no channel above LK_CLIP_HI (one clipped
 * channel already bends grey away from a monotone function of the scene), and
 * alpha ≥ 128 (a transparent pixel, such as the uncovered border of a warped
 * bracket, shows nothing).
 */
export function lkValid(px: ArrayLike<number>, i: number, grey: number): boolean {
  return grey >= LK_CLIP_LO && Math.max(px[4 * i]!, px[4 * i + 1]!, px[4 * i + 2]!) <= LK_CLIP_HI && px[4 * i + 3]! >= 128;
}

/** Level 0 of the refinement input: (v·w, w) per pixel, v = lut[grey]. */
export function lkRaw(img: Rgba8, lut: ArrayLike<number>): Plane {
  const { width, height, pixels } = img;
  const grey = greyCodes(img);
  const data = new Float32Array(2 * width * height);
  for (let i = 0; i < width * height; i++) {
    const g = grey[i]!;
    const w = lkValid(pixels, i, g) ? 1 : 0;
    data[2 * i] = Math.fround(lut[g]!) * w;
    data[2 * i + 1] = w;
  }
  return { width, height, data };
}

/**
 * Grey histograms of the target and the moving bracket over the pixels valid in
 * both at an integer shift (target x, moving x + shift): the same scene points
 * on both sides, so their quantiles match under any monotone response.
 */
export function overlapHistograms(target: Rgba8, moving: Rgba8, shift: readonly [number, number]): [Uint32Array, Uint32Array] {
  const { width: w, height: h } = target;
  const gt = greyCodes(target);
  const gm = greyCodes(moving);
  const ht = new Uint32Array(256);
  const hm = new Uint32Array(256);
  for (let y = 0; y < h; y++) {
    const v = y + shift[1];
    if (v < 0 || v >= h) continue;
    for (let x = 0; x < w; x++) {
      const u = x + shift[0];
      if (u < 0 || u >= w) continue;
      const i = y * w + x;
      const j = v * w + u;
      if (!lkValid(target.pixels, i, gt[i]!) || !lkValid(moving.pixels, j, gm[j]!)) continue;
      ht[gt[i]!]!++;
      hm[gm[j]!]!++;
    }
  }
  return [ht, hm];
}

/** Burt–Adelson reduce of a 2-channel plane (5×5 binomial, reflect-101), ((w + 1) >> 1) × ((h + 1) >> 1). */
export function reduceRaw(src: Plane): Plane {
  const { width: w, height: h } = src;
  const [ow, oh] = [(w + 1) >> 1, (h + 1) >> 1];
  const data = new Float32Array(2 * ow * oh);
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++) {
      let s0 = 0;
      let s1 = 0;
      for (let j = -2; j <= 2; j++) {
        const yy = reflect101(2 * y + j, h);
        let r0 = 0;
        let r1 = 0;
        for (let i = -2; i <= 2; i++) {
          const o = 2 * (yy * w + reflect101(2 * x + i, w));
          r0 += PYRAMID_KERNEL[i + 2]! * src.data[o]!;
          r1 += PYRAMID_KERNEL[i + 2]! * src.data[o + 1]!;
        }
        s0 += PYRAMID_KERNEL[j + 2]! * r0;
        s1 += PYRAMID_KERNEL[j + 2]! * r1;
      }
      data[2 * (y * ow + x)] = s0;
      data[2 * (y * ow + x) + 1] = s1;
    }
  return { width: ow, height: oh, data };
}

/** 3×3 binomial blur ([1 2 1]/4 each way, edges clamped) of a 2-channel plane. */
export function blurRaw(src: Plane): Plane {
  const { width: w, height: h } = src;
  const data = new Float32Array(2 * w * h);
  const K = [0.25, 0.5, 0.25];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s0 = 0;
      let s1 = 0;
      for (let j = -1; j <= 1; j++) {
        const yy = Math.min(h - 1, Math.max(0, y + j));
        for (let i = -1; i <= 1; i++) {
          const o = 2 * (yy * w + Math.min(w - 1, Math.max(0, x + i)));
          const k = K[j + 1]! * K[i + 1]!;
          s0 += k * src.data[o]!;
          s1 += k * src.data[o + 1]!;
        }
      }
      data[2 * (y * w + x)] = s0;
      data[2 * (y * w + x) + 1] = s1;
    }
  return { width: w, height: h, data };
}

/**
 * (v, w', ∂x v, ∂y v) of a raw level after a 3×3 binomial blur (which keeps
 * resampling and noise differences between brackets from biasing the fit):
 * v = vw / w, w' = 1 where the blurred weight is full (≥ LK_FULL_WEIGHT) at the
 * pixel and its four neighbours (0 on the border), central differences.
 */
export function lkFeatures(level: Plane): Plane {
  const raw = blurRaw(level);
  const { width: w, height: h } = raw;
  const data = new Float32Array(4 * w * h);
  const wt = (x: number, y: number) => raw.data[2 * (y * w + x) + 1]!;
  const val = (x: number, y: number) => {
    const ww = wt(x, y);
    return ww > 0 ? Math.fround(raw.data[2 * (y * w + x)]! / ww) : 0;
  };
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = 4 * (y * w + x);
      data[o] = val(x, y);
      if (x === 0 || y === 0 || x === w - 1 || y === h - 1) continue;
      const least = Math.min(wt(x, y), wt(x - 1, y), wt(x + 1, y), wt(x, y - 1), wt(x, y + 1));
      data[o + 1] = least >= LK_FULL_WEIGHT ? 1 : 0;
      data[o + 2] = 0.5 * (val(x + 1, y) - val(x - 1, y));
      data[o + 3] = 0.5 * (val(x, y + 1) - val(x, y - 1));
    }
  return { width: w, height: h, data };
}

/** One bracket through a LUT: raw levels 0..coarsest, and feature levels finest..coarsest (index l − finest). */
export function lkPyramid(img: Rgba8, lut: ArrayLike<number>, finest: number, coarsest: number): { raw: Plane[]; features: Plane[] } {
  const raw = [lkRaw(img, lut)];
  for (let l = 1; l <= coarsest; l++) raw.push(reduceRaw(raw[l - 1]!));
  return { raw, features: raw.slice(finest).map(lkFeatures) };
}

/** Similarity parameters about the image centre, translation in full-resolution pixels. */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

export const IDENTITY: Similarity = { a: 0, b: 0, tx: 0, ty: 0 };

/** Centre of a w × h image in pixel coordinates. */
export const centre = (width: number, height: number): [number, number] => [(width - 1) / 2, (height - 1) / 2];

/** The warp of level l as f32 uniforms: [1 + a, b, tx_l, ty_l, cx_l, cy_l] (u = c + A (x − c) + t). */
export function levelWarp(p: Similarity, level: number, width: number, height: number): Float32Array {
  const s = 2 ** -level;
  const [cx, cy] = centre(width, height);
  return Float32Array.of(1 + p.a, p.b, p.tx * s, p.ty * s, cx * s, cy * s);
}

/** The normal-equation sums (SUM_INDEX) of target level T and moving level I under the warp of levelWarp(). */
export function lkSums(target: Plane, moving: Plane, warp: Float32Array): Float64Array {
  const [ca, sb, tx, ty, cx, cy] = warp as unknown as [number, number, number, number, number, number];
  const { width: w, height: h } = target;
  const S = new Float64Array(SUMS);
  const md = moving.data;
  const mw = moving.width;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = 4 * (y * w + x);
      const wt = target.data[o + 1]!;
      if (wt <= 0) continue;
      const xc = x - cx;
      const yc = y - cy;
      const ux = cx + ca * xc - sb * yc + tx;
      const uy = cy + sb * xc + ca * yc + ty;
      if (!(ux >= 0 && uy >= 0 && ux <= mw - 1 && uy <= moving.height - 1)) continue;
      const x0 = Math.min(Math.floor(ux), mw - 2 < 0 ? 0 : mw - 2);
      const y0 = Math.min(Math.floor(uy), moving.height - 2 < 0 ? 0 : moving.height - 2);
      const fx = ux - x0;
      const fy = uy - y0;
      const x1 = Math.min(x0 + 1, mw - 1);
      const y1 = Math.min(y0 + 1, moving.height - 1);
      const f = [0, 0, 0, 0];
      const taps: [number, number, number][] = [
        [x0, y0, (1 - fx) * (1 - fy)],
        [x1, y0, fx * (1 - fy)],
        [x0, y1, (1 - fx) * fy],
        [x1, y1, fx * fy],
      ];
      for (const [xx, yy, k] of taps) for (let c = 0; c < 4; c++) f[c]! += k * md[4 * (yy * mw + xx) + c]!;
      const W = wt * f[1]!;
      if (W <= 0) continue;
      const T = target.data[o]!;
      const I = f[0]!;
      const e = I - T;
      // ESM (Benhimane & Malis 2004): the mean of both images' gradients.
      const gx = 0.5 * (f[2]! + target.data[o + 2]!);
      const gy = 0.5 * (f[3]! + target.data[o + 3]!);
      const J = [gx * xc + gy * yc, gy * xc - gx * yc, gx, gy];
      let k = 0;
      for (let i = 0; i < 4; i++) for (let j = i; j < 4; j++) S[k++]! += W * J[i]! * J[j]!;
      for (let i = 0; i < 4; i++) S[10 + i]! += W * J[i]! * e;
      S[14]! += W;
      S[15]! += W * e * e;
      S[16]! += W * T;
      S[17]! += W * T * T;
      S[18]! += W * I;
      S[19]! += W * I * I;
    }
  return S;
}

/**
 * Solve the normal equations for the Gauss–Newton step in the coordinates of
 * `basis` (4 rows, k columns: the step is basis · δ), with Levenberg–Marquardt
 * damping λ on the (Jacobi-scaled) diagonal; δ, or null when singular.
 */
export function solveReduced(S: ArrayLike<number>, lambda: number, basis: readonly (readonly number[])[]): number[] | null {
  const H4 = [
    [S[0]!, S[1]!, S[2]!, S[3]!],
    [S[1]!, S[4]!, S[5]!, S[6]!],
    [S[2]!, S[5]!, S[7]!, S[8]!],
    [S[3]!, S[6]!, S[8]!, S[9]!],
  ];
  const g4 = [S[10]!, S[11]!, S[12]!, S[13]!];
  const k = basis[0]!.length;
  const col = (j: number) => basis.map((r) => r[j]!);
  const dot = (u: number[], v: number[]) => u.reduce((acc, x, i) => acc + x * v[i]!, 0);
  const Hb = (v: number[]) => H4.map((r) => dot(r, v));
  const H = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => dot(col(i), Hb(col(j)))));
  const g = Array.from({ length: k }, (_, i) => dot(col(i), g4));
  const d = H.map((r, i) => Math.sqrt(Math.abs(r[i]!)));
  if (d.some((v) => !(v > 0))) return null;
  const A = H.map((r, i) => [...r.map((v, j) => v / (d[i]! * d[j]!) + (i === j ? lambda : 0)), -g[i]! / d[i]!]);
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    [A[c], A[p]] = [A[p]!, A[c]!];
    if (Math.abs(A[c]![c]!) < 1e-10) return null;
    for (let r = c + 1; r < k; r++) {
      const f = A[r]![c]! / A[c]![c]!;
      for (let q = c; q <= k; q++) A[r]![q]! -= f * A[c]![q]!;
    }
  }
  const x = new Array<number>(k).fill(0);
  for (let r = k - 1; r >= 0; r--) {
    let v = A[r]![k]!;
    for (let q = r + 1; q < k; q++) v -= A[r]![q]! * x[q]!;
    x[r] = v / A[r]![r]!;
  }
  const out = x.map((v, i) => v / d[i]!);
  return out.every(Number.isFinite) ? out : null;
}

const IDENTITY_BASIS = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
];

/** The Gauss–Newton step (a, b, tx, ty in level units) of all four similarity parameters; null when singular. */
export function solveStep(S: ArrayLike<number>, lambda = 0): number[] | null {
  return solveReduced(S, lambda, IDENTITY_BASIS);
}

/** The motion model the refinement fits: a similarity (4 parameters), or a rigid motion with the scale held at 1 (3). */
export type MotionModel = 'similarity' | 'rigid';

/**
 * One damped step of the model from p at level l: p + the solved step, for a
 * rigid motion along the rotation (a, b) = (cos θ − 1, sin θ) exactly.
 */
export function modelStep(S: ArrayLike<number>, lambda: number, p: Similarity, level: number, model: MotionModel): Similarity | null {
  const s = 2 ** level;
  if (model === 'similarity') {
    const d = solveStep(S, lambda);
    return d && { a: p.a + d[0]!, b: p.b + d[1]!, tx: p.tx + d[2]! * s, ty: p.ty + d[3]! * s };
  }
  const theta = Math.atan2(p.b, 1 + p.a);
  const basis = [
    [-Math.sin(theta), 0, 0],
    [Math.cos(theta), 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  const d = solveReduced(S, lambda, basis);
  return d && { a: Math.cos(theta + d[0]!) - 1, b: Math.sin(theta + d[0]!), tx: p.tx + d[1]! * s, ty: p.ty + d[2]! * s };
}

/** Largest displacement of the level's corners under a step (da, db, dtx, dty), level pixels. */
export function stepSize(step: readonly number[], width: number, height: number): number {
  const [hw, hh] = [(width - 1) / 2, (height - 1) / 2];
  let m = 0;
  for (const [x, y] of [
    [-hw, -hh],
    [hw, -hh],
    [-hw, hh],
    [hw, hh],
  ] as const)
    m = Math.max(m, Math.hypot(step[0]! * x - step[1]! * y + step[2]!, step[1]! * x + step[0]! * y + step[3]!));
  return m;
}

/** Normalised residual, correlation and weight fraction from one set of sums over an n-pixel level. */
export function sumsStats(S: ArrayLike<number>, pixels: number): { residual: number; correlation: number; overlap: number } {
  const w = S[SUM_INDEX.w]!;
  if (!(w > 0)) return { residual: Infinity, correlation: 0, overlap: 0 };
  const mt = S[SUM_INDEX.wt]! / w;
  const mi = S[SUM_INDEX.wi]! / w;
  const vt = S[SUM_INDEX.wt2]! / w - mt * mt;
  const vi = S[SUM_INDEX.wi2]! / w - mi * mi;
  // Σ W T I from Σ W e² = Σ W I² − 2 Σ W T I + Σ W T².
  const ti = (S[SUM_INDEX.wi2]! + S[SUM_INDEX.wt2]! - S[SUM_INDEX.we2]!) / (2 * w);
  const cov = ti - mt * mi;
  const correlation = vt > 0 && vi > 0 ? cov / Math.sqrt(vt * vi) : 0;
  return { residual: S[SUM_INDEX.we2]! / w, correlation, overlap: w / pixels };
}

/** Sums of the pair at level l for parameters p (CPU or GPU). */
export type Evaluate = (level: number, p: Similarity) => Promise<Float64Array> | Float64Array;

export interface RefineResult {
  p: Similarity;
  /** Gauss–Newton evaluations, per level (finest first). */
  iterations: number[];
  converged: boolean;
}

/**
 * Levenberg–Marquardt from p0, coarse to fine over [finest, coarsest]: a step
 * that raises the normalised residual Σ W e² / Σ W is undone and the damping
 * raised tenfold; an accepted one lowers it tenfold (to 0 below 1e-3). A level
 * is done when a step moves no corner by LK_STEP_EPS level pixels. Each finer
 * level starts from p0 instead where p0 fits it better than the coarser
 * level's result (a coarse level, blurred and with few valid pixels, can pull
 * a good start away).
 */
export async function refine(evaluate: Evaluate, width: number, height: number, p0: Similarity, model: MotionModel = DEFAULT_MODEL): Promise<RefineResult> {
  const { finest, coarsest, sizes } = lkLevels(width, height);
  let p = { ...p0 };
  const iterations: number[] = new Array(coarsest - finest + 1).fill(0);
  let converged = false;
  const residual = (S: ArrayLike<number>) => (S[SUM_INDEX.w]! > 0 ? S[SUM_INDEX.we2]! / S[SUM_INDEX.w]! : Infinity);
  for (let l = coarsest; l >= finest; l--) {
    const [lw, lh] = sizes[l]!;
    const s = 2 ** l;
    converged = false;
    let S = await evaluate(l, p);
    iterations[l - finest]!++;
    // A coarser level may only help: restart from p0 where it fits this level better.
    if (l < coarsest && (p.a !== p0.a || p.b !== p0.b || p.tx !== p0.tx || p.ty !== p0.ty)) {
      const S0 = await evaluate(l, p0);
      iterations[l - finest]!++;
      if (residual(S0) < residual(S)) {
        p = { ...p0 };
        S = S0;
      }
    }
    let lambda = 0;
    while (iterations[l - finest]! < LK_MAX_ITER) {
      // Converged when the undamped step is negligible, whatever the damping.
      const free = modelStep(S, 0, p, l, model);
      if (!free) break;
      if (stepSize([free.a - p.a, free.b - p.b, (free.tx - p.tx) / s, (free.ty - p.ty) / s], lw, lh) < LK_STEP_EPS) {
        p = free;
        converged = true;
        break;
      }
      const next = lambda === 0 ? free : modelStep(S, lambda, p, l, model);
      if (!next) break;
      const S2 = await evaluate(l, next);
      iterations[l - finest]!++;
      if (residual(S2) <= residual(S)) {
        p = next;
        S = S2;
        lambda = lambda < 1e-3 ? 0 : lambda / 10;
      } else {
        lambda = lambda === 0 ? 1e-3 : lambda * 10;
        if (lambda > 1e4) break;
      }
    }
  }
  return { p, iterations, converged };
}

// ---------------------------------------------------------------- transforms, guards, crop

/** Row-major 3×3 matrix mapping reference pixel coordinates to bracket pixel coordinates. */
export type Matrix3 = [number, number, number, number, number, number, number, number, number];

export function similarityMatrix(p: Similarity, width: number, height: number): Matrix3 {
  const [cx, cy] = centre(width, height);
  const ca = 1 + p.a;
  return [ca, -p.b, cx + p.tx - ca * cx + p.b * cy, p.b, ca, cy + p.ty - p.b * cx - ca * cy, 0, 0, 1];
}

/** The similarity closest to an affine matrix (exact for a similarity). */
export function matrixSimilarity(m: Matrix3, width: number, height: number): Similarity {
  const [cx, cy] = centre(width, height);
  const ca = (m[0] + m[4]) / 2;
  const sb = (m[3] - m[1]) / 2;
  return { a: ca - 1, b: sb, tx: m[0] * cx + m[1] * cy + m[2] - cx, ty: m[3] * cx + m[4] * cy + m[5] - cy };
}

export function multiply(a: Matrix3, b: Matrix3): Matrix3 {
  const out = new Array(9).fill(0) as Matrix3;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) out[3 * r + c]! += a[3 * r + k]! * b[3 * k + c]!;
  return out;
}

export function invert(m: Matrix3): Matrix3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [A / det, -(b * i - c * h) / det, (b * f - c * e) / det, B / det, (a * i - c * g) / det, -(a * f - c * d) / det, C / det, -(a * h - b * g) / det, (a * e - b * d) / det];
}

export const IDENTITY_MATRIX: Matrix3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export const rotationDegrees = (p: Similarity) => (Math.atan2(p.b, 1 + p.a) * 180) / Math.PI;
export const scaleOf = (p: Similarity) => Math.hypot(1 + p.a, p.b);

/**
 * How a layer's transform was reached: the reference itself; 'refined' (the
 * Levenberg–Marquardt fit of the motion model); 'translation' (the start's
 * integer translation, the fit having been refused); 'identity' (a guard).
 */
export type AlignMethod = 'reference' | 'refined' | 'translation' | 'identity';

export interface PairEstimate {
  /** Relative to the pair's target. */
  p: Similarity;
  method: AlignMethod;
  confidence: number;
  reason: string;
}

/** The translation search's best candidate at one level. */
export interface SearchPick {
  /** In pixels of `level`. */
  shift: [number, number];
  level: number;
  correlation: number;
  /** Weighted overlap, as a fraction of the level's pixels and as a count. */
  overlap: number;
  count: number;
}

/** Σ W, Σ W T, Σ W T², Σ W I, Σ W I², Σ W T I → normalised cross-correlation and weighted overlap. */
export function searchStats(S: ArrayLike<number>, offset: number, pixels: number): { correlation: number; overlap: number } {
  const w = S[offset]!;
  if (!(w > 0)) return { correlation: -1, overlap: 0 };
  const mt = S[offset + 1]! / w;
  const mi = S[offset + 3]! / w;
  const vt = S[offset + 2]! / w - mt * mt;
  const vi = S[offset + 4]! / w - mi * mi;
  const cov = S[offset + 5]! / w - mt * mi;
  return { correlation: vt > 0 && vi > 0 ? cov / Math.sqrt(vt * vi) : -1, overlap: w / pixels };
}

/**
 * The candidate of highest correlation whose weighted overlap is at least
 * SEARCH_MIN_OVERLAP of the largest (ties: the smaller offset); null if no
 * candidate has any overlap. The shift is base + offset.
 */
export function pickSearch(S: ArrayLike<number>, base: readonly [number, number], radius: number, pixels: number, level = 0): SearchPick | null {
  const side = 2 * radius + 1;
  let most = 0;
  for (let i = 0; i < side * side; i++) most = Math.max(most, S[i * SEARCH_SUMS]!);
  let best: SearchPick | null = null;
  for (let i = 0; i < side * side; i++) {
    const st = searchStats(S, i * SEARCH_SUMS, pixels);
    if (!(S[i * SEARCH_SUMS]! > 0) || S[i * SEARCH_SUMS]! < SEARCH_MIN_OVERLAP * most) continue;
    const shift: [number, number] = [base[0] + (i % side) - radius, base[1] + Math.floor(i / side) - radius];
    const d = (v: [number, number]) => Math.abs(v[0] - base[0]) + Math.abs(v[1] - base[1]);
    const better = !best || st.correlation > best.correlation || (st.correlation === best.correlation && d(shift) < d(best.shift));
    if (better) best = { shift, level, correlation: st.correlation, overlap: st.overlap, count: S[i * SEARCH_SUMS]! };
  }
  return best;
}

/**
 * CPU search sums on two feature levels: per integer shift s = base + (i, j),
 * i, j ∈ [−R, R] (index (j + R)(2R + 1) + i + R), target x against moving x + s,
 * weighted by the product of the feature weights.
 */
export function searchSums(target: Plane, moving: Plane, base: readonly [number, number], radius: number): Float64Array {
  const side = 2 * radius + 1;
  const { width: w, height: h } = target;
  const out = new Float64Array(side * side * SEARCH_SUMS);
  for (let i = 0; i < side * side; i++) {
    const sx = base[0] + (i % side) - radius;
    const sy = base[1] + Math.floor(i / side) - radius;
    const o = i * SEARCH_SUMS;
    for (let y = Math.max(0, -sy); y < Math.min(h, h - sy); y++)
      for (let x = Math.max(0, -sx); x < Math.min(w, w - sx); x++) {
        const a = 4 * (y * w + x);
        const b = 4 * ((y + sy) * w + x + sx);
        const W = target.data[a + 1]! * moving.data[b + 1]!;
        if (!(W > 0)) continue;
        const T = target.data[a]!;
        const I = moving.data[b]!;
        out[o]! += W;
        out[o + 1]! += W * T;
        out[o + 2]! += W * T * T;
        out[o + 3]! += W * I;
        out[o + 4]! += W * I * I;
        out[o + 5]! += W * T * I;
      }
  }
  return out;
}

/** What the guards look at for one pair. */
export interface PairEvidence {
  mtb: MtbSummary;
  search: SearchPick | null;
  /** Where the refinement started (full-resolution translation), and why there. */
  start: Similarity;
  startFrom: 'search' | 'mtb' | 'identity';
  refined: RefineResult;
  /** Sums at the finest level at the identity, at the start and at the refinement's result. */
  atIdentity: Float64Array;
  atStart: Float64Array;
  atRefined: Float64Array;
  /** Pixels of the finest refinement level. */
  pixels: number;
  /** Full-resolution pixels per pixel of the level the search ended at. */
  unit: number;
}

const isIdentity = (p: Similarity) => p.a === 0 && p.b === 0 && p.tx === 0 && p.ty === 0;

/**
 * The guards: the refined similarity when it converged to a plausible motion
 * near its start and did not raise the residual; else the start's translation
 * when it lowers the residual against the identity; else the identity.
 * Anything but the identity also needs a correlation ≥ minCorrelation over ≥
 * minOverlap of the pixels. Confidence: the correlation of the warped bracket
 * with its target at the finest refinement level, for what is kept (0 for an
 * identity kept where too little overlaps to check it).
 */
export function decide(ev: PairEvidence): PairEstimate {
  const { mtb: m, start } = ev;
  const sId = sumsStats(ev.atIdentity, ev.pixels);
  const sStart = sumsStats(ev.atStart, ev.pixels);
  const notes: string[] = [];
  if (!m.trusted) notes.push(`MTB not used: ${m.reason}`);
  else if (ev.startFrom === 'search' && Math.hypot(m.shift[0] - start.tx, m.shift[1] - start.ty) > ev.unit)
    notes.push(`MTB (${m.shift[0]}, ${m.shift[1]}) disagrees with the search (${start.tx}, ${start.ty}), which correlates better`);
  if (!ev.search) notes.push('translation search: too little overlap');
  let choice: { p: Similarity; method: AlignMethod; stats: ReturnType<typeof sumsStats> } | null = null;
  const r = ev.refined;
  const s = sumsStats(ev.atRefined, ev.pixels);
  const drift = Math.hypot(r.p.tx - start.tx, r.p.ty - start.ty);
  const rot = Math.abs(rotationDegrees(r.p));
  const sc = Math.abs(scaleOf(r.p) - 1);
  if (!r.converged) notes.push('refinement stopped before converging');
  if (drift > GUARDS.maxDrift * Math.max(1, ev.unit)) notes.push(`refinement drifted ${drift.toFixed(2)} px from its start`);
  else if (rot > GUARDS.maxRotation || sc > GUARDS.maxScale) notes.push(`implausible refinement (rotation ${rot.toFixed(2)}°, scale ${(1 + sc).toFixed(4)})`);
  else if (!(s.residual <= sStart.residual * (1 + 1e-2))) notes.push(`refinement raised the residual (${s.residual.toFixed(3)} vs ${sStart.residual.toFixed(3)})`);
  else choice = { p: r.p, method: 'refined', stats: s };
  if (!choice && !isIdentity(start)) {
    if (sStart.residual <= sId.residual) choice = { p: start, method: 'translation', stats: sStart };
    else notes.push(`the ${ev.startFrom} shift raises the residual`);
  }
  if (choice) {
    const { correlation, overlap } = choice.stats;
    if (overlap < GUARDS.minOverlap) {
      notes.push(`overlap ${(100 * overlap).toFixed(1)} % too small`);
      choice = null;
    } else if (!(correlation >= GUARDS.minCorrelation)) {
      notes.push(`correlation ${correlation.toFixed(3)} too low`);
      choice = null;
    }
  }
  // The identity's own correlation, unless too little overlaps to say anything.
  const idConfidence = sId.overlap >= GUARDS.minOverlap ? Math.max(0, Math.min(1, sId.correlation)) : 0;
  if (!choice) return { p: IDENTITY, method: 'identity', confidence: idConfidence, reason: notes.join('; ') || 'no motion found' };
  return { p: choice.p, method: choice.method, confidence: Math.max(0, Math.min(1, choice.stats.correlation)), reason: notes.join('; ') || 'ok' };
}

/** One pair's steps, on the CPU or the GPU: the shared driver below calls them in order. */
export interface PairOps {
  /** Build both refinement pyramids, the moving one through `lut` (the target's through the identity). */
  build(lut: Float32Array): Promise<void> | void;
  /** searchSums() at a refinement level. */
  search(level: number, base: [number, number], radius: number): Promise<Float64Array> | Float64Array;
  /** overlapHistograms() at an integer full-resolution shift: [target, moving]. */
  histograms(shift: [number, number]): Promise<[Uint32Array, Uint32Array]> | [Uint32Array, Uint32Array];
  evaluate: Evaluate;
}

/** The search radius at the coarsest level for a maximum shift (at most SEARCH_RADIUS). */
export function searchRadius(width: number, height: number, maxShift = MAX_SHIFT): number {
  const { coarsest } = lkLevels(width, height);
  return Math.max(1, Math.min(SEARCH_RADIUS, Math.ceil(maxShift / 2 ** coarsest)));
}

/**
 * One pair, given MTB's summary and the full-image histograms: pyramids through
 * the full-image LUT; the translation search (exhaustive within ±radius at the
 * coarsest refinement level, then ±1 around twice the pick at each finer level
 * down to the finest); the start (the search's pick or MTB's shift, whichever
 * correlates better at the finest level); pyramids again through the LUT of
 * the overlap at the start; Levenberg–Marquardt; the guards.
 */
export async function estimatePair(
  ops: PairOps,
  summary: MtbSummary,
  fullLut: Float32Array,
  width: number,
  height: number,
  maxShift = MAX_SHIFT,
  model: MotionModel = DEFAULT_MODEL,
): Promise<{ estimate: PairEstimate; evidence: PairEvidence }> {
  const { finest, coarsest, sizes } = lkLevels(width, height);
  const pixelsAt = (l: number) => sizes[l]![0] * sizes[l]![1];
  await ops.build(fullLut);
  let level = coarsest;
  let radius = searchRadius(width, height, maxShift);
  let search = pickSearch(await ops.search(level, [0, 0], radius), [0, 0], radius, pixelsAt(level), level);
  while ((!search || search.count < SEARCH_MIN_COUNT) && level > finest && 2 * radius <= SEARCH_MAX_RADIUS) {
    level--;
    radius *= 2;
    search = pickSearch(await ops.search(level, [0, 0], radius), [0, 0], radius, pixelsAt(level), level);
  }
  for (let l = level - 1; l >= finest && search; l--) {
    const base: [number, number] = [2 * search.shift[0], 2 * search.shift[1]];
    const next = pickSearch(await ops.search(l, base, 1), base, 1, pixelsAt(l), l);
    if (!next) break;
    search = next;
  }
  const unit = 2 ** (search?.level ?? finest);
  let start: Similarity = IDENTITY;
  let startFrom: PairEvidence['startFrom'] = 'identity';
  if (search) {
    start = { a: 0, b: 0, tx: search.shift[0] * unit, ty: search.shift[1] * unit };
    startFrom = 'search';
  }
  if (summary.trusted && (summary.shift[0] !== 0 || summary.shift[1] !== 0)) {
    const mtbP: Similarity = { a: 0, b: 0, tx: summary.shift[0], ty: summary.shift[1] };
    if (!search) {
      start = mtbP;
      startFrom = 'mtb';
    } else if (Math.hypot(mtbP.tx - start.tx, mtbP.ty - start.ty) > unit) {
      const c = sumsStats(await ops.evaluate(finest, mtbP), pixelsAt(finest));
      if (c.overlap >= SEARCH_MIN_OVERLAP * search.overlap && c.correlation > search.correlation) {
        start = mtbP;
        startFrom = 'mtb';
      }
    }
  }
  const [ht, hm] = await ops.histograms([Math.round(start.tx), Math.round(start.ty)]);
  await ops.build(matchLut(hm, ht));
  const atIdentity = Float64Array.from(await ops.evaluate(finest, IDENTITY));
  const atStart = isIdentity(start) ? atIdentity : Float64Array.from(await ops.evaluate(finest, start));
  const refined = await refine(ops.evaluate, width, height, start, model);
  const atRefined = Float64Array.from(await ops.evaluate(finest, refined.p));
  const evidence: PairEvidence = { mtb: summary, search, start, startFrom, refined, atIdentity, atStart, atRefined, pixels: pixelsAt(finest), unit };
  return { estimate: decide(evidence), evidence };
}

/** Targets: every layer against the reference ('direct'), or against its neighbour towards the reference ('chain'). */
export function alignTargets(layers: number, reference: number, mode: AlignMode): number[] {
  return Array.from({ length: layers }, (_, k) => (k === reference || mode === 'direct' ? reference : k < reference ? k + 1 : k - 1));
}

export type AlignMode = 'direct' | 'chain';
/** Chain: no pair is more than one bracket step apart in exposure (see src/engine/align/align.ts). */
export const DEFAULT_MODE: AlignMode = 'chain';

/** Pair estimates (relative to each layer's target) composed into matrices relative to the reference. */
export function composeToReference(pairs: readonly PairEstimate[], targets: readonly number[], reference: number, width: number, height: number): { matrix: Matrix3; confidence: number }[] {
  const out: ({ matrix: Matrix3; confidence: number } | undefined)[] = new Array(pairs.length);
  out[reference] = { matrix: IDENTITY_MATRIX, confidence: 1 };
  const get = (k: number): { matrix: Matrix3; confidence: number } => {
    const done = out[k];
    if (done) return done;
    const t = get(targets[k]!);
    const e = pairs[k]!;
    const r = { matrix: multiply(similarityMatrix(e.p, width, height), t.matrix), confidence: Math.min(t.confidence, e.confidence) };
    out[k] = r;
    return r;
  };
  return pairs.map((_, k) => get(k));
}

/** A pixel rectangle: columns x .. x + width − 1, rows y .. y + height − 1. */
export interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The largest axis-aligned rectangle of reference pixels that every matrix maps
 * inside its bracket ([0, w − 1] × [0, h − 1]): per row the valid columns form
 * an interval (an intersection of convex sets), and the best rectangle between
 * two rows is bounded by the intervals of those two rows.
 */
export function commonCrop(matrices: readonly Matrix3[], width: number, height: number): CropRect {
  // Inside up to EDGE beyond the edge samples, as the warp's coverage alpha.
  const eps = EDGE;
  const lo = new Int32Array(height);
  const hi = new Int32Array(height);
  for (let y = 0; y < height; y++) {
    let a = 0;
    let b = width - 1;
    for (const m of matrices) {
      // u = m0 x + (m1 y + m2), v = m3 x + (m4 y + m5); affine (the bottom row is 0 0 1).
      for (const [k, c, limit] of [
        [m[0], m[1] * y + m[2], width - 1],
        [m[3], m[4] * y + m[5], height - 1],
      ] as const) {
        // 0 ≤ k x + c ≤ limit.
        if (Math.abs(k) < 1e-12) {
          if (c < -eps || c > limit + eps) b = -1;
        } else {
          const x1 = (-c - eps * Math.sign(k)) / k;
          const x2 = (limit - c + eps * Math.sign(k)) / k;
          a = Math.max(a, Math.ceil(Math.min(x1, x2) - 1e-9));
          b = Math.min(b, Math.floor(Math.max(x1, x2) + 1e-9));
        }
      }
    }
    // Nearly axis-parallel edges give huge bounds: clamp before the Int32Array.
    lo[y] = Math.min(a, width);
    hi[y] = Math.max(b, -1);
  }
  let best: CropRect = { x: 0, y: 0, width: 0, height: 0 };
  for (let y0 = 0; y0 < height; y0++) {
    if (hi[y0]! < lo[y0]!) continue;
    for (let y1 = y0; y1 < height; y1++) {
      const a = Math.max(lo[y0]!, lo[y1]!);
      const b = Math.min(hi[y0]!, hi[y1]!);
      if (b < a) continue;
      const area = (b - a + 1) * (y1 - y0 + 1);
      if (area > best.width * best.height) best = { x: a, y: y0, width: b - a + 1, height: y1 - y0 + 1 };
    }
  }
  return best;
}

// ---------------------------------------------------------------- step 3: warp

/** A sample this close beyond a bracket's edge samples still counts as inside it (pixels; shaders/align/align-warp.wgsl EDGE). */
export const EDGE = 1e-3;

/** Warp an RGBA8 image: out(x) = bilinear sample of img at M x (clamped), alpha 255 inside, 0 outside. */
export function warpRgba8(img: Rgba8, m: Matrix3): Uint8Array {
  const { width: w, height: h, pixels } = img;
  const out = new Uint8Array(4 * w * h);
  const f = m.map((v) => Math.fround(v));
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const d = f[6]! * x + f[7]! * y + f[8]!;
      const ux = (f[0]! * x + f[1]! * y + f[2]!) / d;
      const uy = (f[3]! * x + f[4]! * y + f[5]!) / d;
      const inside = ux >= -EDGE && uy >= -EDGE && ux <= w - 1 + EDGE && uy <= h - 1 + EDGE;
      const cx = Math.min(w - 1, Math.max(0, ux));
      const cy = Math.min(h - 1, Math.max(0, uy));
      const x0 = Math.floor(cx);
      const y0 = Math.floor(cy);
      const x1 = Math.min(x0 + 1, w - 1);
      const y1 = Math.min(y0 + 1, h - 1);
      const fx = cx - x0;
      const fy = cy - y0;
      const o = 4 * (y * w + x);
      for (let c = 0; c < 3; c++) {
        const at = (xx: number, yy: number) => pixels[4 * (yy * w + xx) + c]! / 255;
        const v = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x1, y0)) + fy * ((1 - fx) * at(x0, y1) + fx * at(x1, y1));
        out[o + c] = Math.round(v * 255);
      }
      out[o + 3] = inside ? 255 : 0;
    }
  return out;
}

// ---------------------------------------------------------------- the whole reference

export interface LayerMotion {
  /** Bracket coordinates = matrix · reference coordinates (row-major 3×3). */
  matrix: Matrix3;
  /** The same as a similarity about the image centre: translation of the centre (px), rotation (degrees, +: clockwise on screen, y down), scale. */
  tx: number;
  ty: number;
  rotation: number;
  scale: number;
  /** The layer the pair was estimated against, and how. */
  target: number;
  method: AlignMethod;
  confidence: number;
  reason: string;
  mtb: MtbSummary | null;
  /** Gauss–Newton evaluations per refinement level (finest first), if refined. */
  iterations: number[];
}

export interface AlignmentResult {
  motions: LayerMotion[];
  crop: CropRect;
}

export function layerMotion(matrix: Matrix3, width: number, height: number, rest: Omit<LayerMotion, 'matrix' | 'tx' | 'ty' | 'rotation' | 'scale'>): LayerMotion {
  const p = matrixSimilarity(matrix, width, height);
  return { matrix, tx: p.tx, ty: p.ty, rotation: rotationDegrees(p), scale: scaleOf(p), ...rest };
}

/** The CPU steps of one pair (the reference of the GPU's PairOps). */
export function cpuPairOps(target: Rgba8, moving: Rgba8): PairOps & { pyramids(): { target: ReturnType<typeof lkPyramid>; moving: ReturnType<typeof lkPyramid> } } {
  const { width, height } = target;
  const { finest, coarsest } = lkLevels(width, height);
  const tp = lkPyramid(target, IDENTITY_LUT, finest, coarsest);
  let mp: ReturnType<typeof lkPyramid> = { raw: [], features: [] };
  return {
    build: (lut) => {
      mp = lkPyramid(moving, lut, finest, coarsest);
    },
    search: (l, base, radius) => searchSums(tp.features[l - finest]!, mp.features[l - finest]!, base, radius),
    histograms: (shift) => overlapHistograms(target, moving, shift),
    evaluate: (l, p) => lkSums(tp.features[l - finest]!, mp.features[l - finest]!, levelWarp(p, l, width, height)),
    pyramids: () => ({ target: tp, moving: mp }),
  };
}

/** Estimate every layer's motion on the CPU (the reference of Align.estimate()). */
export async function alignBrackets(
  brackets: readonly Rgba8[],
  reference: number,
  mode: AlignMode = DEFAULT_MODE,
  maxShift = MAX_SHIFT,
  model: MotionModel = DEFAULT_MODEL,
): Promise<AlignmentResult & { mtb: MtbResult; evidence: (PairEvidence | null)[] }> {
  const N = brackets.length;
  const { width, height } = brackets[0]!;
  const targets = alignTargets(N, reference, mode);
  const m = mtb(brackets, targets, maxShift);
  const L = m.levels.length;
  const hist0 = m.levels[0]!.histograms;
  const pairs: PairEstimate[] = [];
  const evidence: (PairEvidence | null)[] = [];
  for (let k = 0; k < N; k++) {
    const t = targets[k]!;
    if (t === k) {
      pairs.push({ p: IDENTITY, method: 'reference', confidence: 1, reason: 'reference' });
      evidence.push(null);
      continue;
    }
    const summary = mtbSummary(m.counts, N, k, L, width, height);
    const r = await estimatePair(cpuPairOps(brackets[t]!, brackets[k]!), summary, matchLut(hist0[k]!, hist0[t]!), width, height, maxShift, model);
    pairs.push(r.estimate);
    evidence.push(r.evidence);
  }
  return { ...assemble(pairs, evidence, targets, reference, width, height), mtb: m, evidence };
}

/** Compose the pair estimates into per-layer motions relative to the reference, and the common crop. */
export function assemble(pairs: readonly PairEstimate[], evidence: readonly (PairEvidence | null)[], targets: readonly number[], reference: number, width: number, height: number): AlignmentResult {
  const composed = composeToReference(pairs, targets, reference, width, height);
  const motions = composed.map(({ matrix, confidence }, k) =>
    layerMotion(matrix, width, height, {
      target: targets[k]!,
      method: pairs[k]!.method,
      confidence,
      reason: pairs[k]!.reason,
      mtb: evidence[k]?.mtb ?? null,
      iterations: evidence[k]?.refined.iterations ?? [],
    }),
  );
  return {
    motions,
    crop: commonCrop(
      motions.map((x) => x.matrix),
      width,
      height,
    ),
  };
}
