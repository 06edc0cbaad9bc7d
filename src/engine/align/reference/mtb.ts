// Step 1 of the alignment reference (align.ts): Ward's median threshold bitmaps.
import { COUNT_STRIDE, GREY_WEIGHTS, GUARDS, IDENTITY_CANDIDATE, MAX_SHIFT, MTB_EXCLUDE, MTB_MAX_LEVELS, MTB_MIN_SIDE, type Rgba8 } from './constants';

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
