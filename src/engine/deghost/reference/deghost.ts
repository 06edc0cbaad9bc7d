// Deghosting weights, CPU reference of src/engine/deghost/deghost.ts (the method is
// described there; its constants and table maths live here, shared with the
// engine, which re-exports them) and of shaders/deghost/deghost.wgsl +
// shaders/deghost/deghost-smooth.wgsl (its smoothing in ./smooth.ts), step by step: the same f32 code table
// (deghostTables), the same per-channel consensus where the reference is
// clipped, the same binomial / min / expand sampling as shaders/lib/pyramid.wgsl
// (reflect-101 borders), in f64 between f32 levels. The tests' synthetic
// moving-object scene and noise model are in ./ghost-scene.ts.

import { pyramidSizes } from '../../pyramid/pyramid';
import { responseLuts, RESPONSE_CODES, type ResponseLuts } from '../../merge/response';
import { estimateBlackLevel, mergeWeights } from '../../merge/weights';
import { isWide, type Bracket } from '../../types';
import { sampleCode } from '../../merge/reference/merge';
import { smoothDeghost } from './smooth';

export { DEGHOST_MAJORITY } from './smooth';

/** Sensor and quantisation noise of a code, in codes (a fixed code tolerance, through the response's slope). */
export const DEGHOST_NOISE_CODES = 2;
/** Noise floor in ln units per observation: exposure times rounded in EXIF (1/60 s for 1/64 s is 0.065). */
export const DEGHOST_SIGMA_FLOOR = 0.03;
/** Disagreements up to this many σ cost nothing (and count as agreement in the consensus). */
export const DEGHOST_TOLERANCE = 3;
/** Beyond the tolerance, the weight falls as exp(−strength · (excess / FALLOFF)²). */
export const DEGHOST_FALLOFF = 1.5;
/** Weights below this are 0: a rejected frame is dropped, not kept at a thousandth (the merge then falls back as without it). */
export const DEGHOST_MIN_WEIGHT = 1e-3;
/** Stands in for an unbounded side of a clipped code's interval (finite, so f32 arithmetic stays finite). */
export const DEGHOST_UNBOUNDED = 1e30;
/** The merge weight below which a bracket counts as badly exposed when the reference is chosen. */
export const DEGHOST_POOR_WEIGHT = 0.1;

/** Per-channel entries of the code table: (lo, hi, σ, exposed) per code, code + 256 · channel. */
export const DEGHOST_TABLE_ENTRIES = 3 * RESPONSE_CODES;

export interface DeghostParams {
  /** 0 (off: every weight exactly 1) to 1 (full). Clamped. */
  readonly strength: number;
  /** The reference bracket's index (darkest first), or a negative number for the automatic choice (autoReference). */
  readonly reference: number;
}

/** For the lead's params schema (src/engine/params.ts): ranges in one place. */
export const DEGHOST_PARAMS = {
  deghost: { label: 'Deghost', min: 0, max: 1, step: 0.01, default: 0 },
  deghostReference: { label: 'Reference bracket (−1 = auto)', min: -1, max: 15, step: 1, default: -1 },
} as const;

export function clampStrength(s: number): number {
  return Number.isFinite(s) ? Math.min(1, Math.max(0, s)) : 0;
}

/** The reference index used: `reference` when it names a bracket, else `auto`. */
export function resolveReference(reference: number, count: number, auto: number): number {
  const r = Math.round(reference);
  if (Number.isFinite(r) && r >= 0 && r < count) return r;
  return Math.min(Math.max(0, auto), Math.max(0, count - 1));
}

/**
 * Pyramid levels above the full size used for smoothing: floor(log2(min(w, h) / 10))
 * clamped to [2, 5] (3 at 124 × 84, 4 at 320 × 256, 5 from 320 px up), and never
 * more than the image can be reduced (0 for a one-pixel-thin image).
 */
export function deghostLevels(width: number, height: number): number {
  const l = Math.min(5, Math.max(2, Math.floor(Math.log2(Math.min(width, height) / 10))));
  return Math.min(l, pyramidSizes(width, height).length - 1);
}

/**
 * The code table the raw pass reads (f32, 4 per entry, entry = code + 256 · channel):
 *   exposed code (weight > 0): lo = hi = ln lin(z), σ at z
 *   clipped high (weight 0, z ≥ 128): lo = ln lin(zmax), hi = +UNBOUNDED, σ at zmax
 *   clipped low (weight 0, z < 128): lo = −UNBOUNDED, hi = ln lin(zmin), σ at zmin
 *   σ(z) = sqrt((NOISE_CODES · |lin(z+1) − lin(z−1)| / ((z+1) − (z−1)) / lin(z))² + SIGMA_FLOOR²)
 *          (indices clamped to 0..255), i.e. NOISE_CODES codes through d ln lin / dz
 *   exposed = 1 where the weight is positive, else 0
 * zmin / zmax: the first / last code with a positive weight. A table with no
 * positive weight marks every code exposed (nothing is trusted more than anything else).
 */
export function deghostTables(response: ResponseLuts = responseLuts('srgb'), weights: ArrayLike<number> = mergeWeights(0, response)): Float32Array<ArrayBuffer> {
  const n = RESPONSE_CODES;
  let zmin = -1;
  let zmax = -1;
  for (let z = 0; z < n; z++) {
    if ((weights[z] ?? 0) > 0) {
      if (zmin < 0) zmin = z;
      zmax = z;
    }
  }
  const none = zmin < 0;
  const out = new Float32Array(4 * DEGHOST_TABLE_ENTRIES);
  response.forEach((lin, c) => {
    if (lin.length !== n) throw new Error(`deghostTables: response channel ${c} has ${lin.length} entries, expected ${n}`);
    const tiny = 1e-30;
    const ln = (z: number) => Math.log(Math.max(lin[z]!, tiny));
    const sigma = (z: number) => {
      const a = Math.max(0, z - 1);
      const b = Math.min(n - 1, z + 1);
      const slope = Math.abs(lin[b]! - lin[a]!) / (b - a) / Math.max(lin[z]!, tiny);
      return Math.hypot(DEGHOST_NOISE_CODES * slope, DEGHOST_SIGMA_FLOOR);
    };
    for (let z = 0; z < n; z++) {
      const o = 4 * (z + n * c);
      const exposed = none || (weights[z] ?? 0) > 0;
      if (exposed) {
        out[o] = ln(z);
        out[o + 1] = ln(z);
        out[o + 2] = sigma(z);
        out[o + 3] = 1;
      } else if (z >= 128) {
        out[o] = ln(zmax);
        out[o + 1] = DEGHOST_UNBOUNDED;
        out[o + 2] = sigma(zmax);
      } else {
        out[o] = -DEGHOST_UNBOUNDED;
        out[o + 1] = ln(zmin);
        out[o + 2] = sigma(zmin);
      }
    }
  });
  return out;
}

/**
 * The default reference: the best exposed bracket. On a grid of at most
 * 64 × 64 pixels, count the channel values whose merge weight is below
 * DEGHOST_POOR_WEIGHT (with the sRGB response codes below 23 or above 244,
 * and at and near the black level): the bracket with the fewest wins; ties go to the bracket whose median
 * code is nearest 128, then to the darker one. weights: the merge's weight table.
 * 16-bit samples count as their nearest 8-bit code.
 */
export function autoReference(brackets: readonly Bracket[], weights: ArrayLike<number> = mergeWeights(0)): number {
  const first = brackets[0];
  if (!first) return 0;
  const { width, height } = first;
  const sx = Math.max(1, Math.floor(width / 64));
  const sy = Math.max(1, Math.floor(height / 64));
  let best = 0;
  let bestPoor = Infinity;
  let bestMid = Infinity;
  brackets.forEach((b, i) => {
    let poor = 0;
    const hist = new Uint32Array(256);
    let count = 0;
    for (let y = 0; y < height; y += sy) {
      for (let x = 0; x < width; x += sx) {
        for (let c = 0; c < 3; c++) {
          const v = b.pixels[(y * width + x) * 4 + c] ?? 0;
          const z = isWide(b.pixels) ? Math.round(v / 257) : v;
          if (!((weights[z] ?? 0) >= DEGHOST_POOR_WEIGHT)) poor++;
          hist[z]!++;
          count++;
        }
      }
    }
    let acc = 0;
    let median = 0;
    for (; median < 255; median++) {
      acc += hist[median]!;
      if (2 * acc >= count) break;
    }
    const mid = Math.abs(median - 128);
    if (poor < bestPoor || (poor === bestPoor && mid < bestMid)) {
      best = i;
      bestPoor = poor;
      bestMid = mid;
    }
  });
  return best;
}

export interface DeghostOptions {
  /** 0 (off) to 1. */
  readonly strength: number;
  /** Reference bracket index; negative or absent: autoReference(brackets, weights). */
  readonly reference?: number;
  /** The merge's inverse response (default sRGB). */
  readonly response?: ResponseLuts;
  /** The merge's weight table (default as mergeRadiance: from the estimated black level). */
  readonly weights?: Float32Array;
  /** Smoothing levels (default deghostLevels(w, h)). */
  readonly levels?: number;
}

/** w(u) = exp(−strength · (max(0, u − TOLERANCE) / FALLOFF)²), 0 below MIN_WEIGHT; strength 0 → exactly 1. */
export function consistency(u: number, strength: number): number {
  const x = Math.max(0, u - DEGHOST_TOLERANCE) / DEGHOST_FALLOFF;
  const w = Math.exp(-Math.fround(strength * Math.fround(x * x)));
  return w < DEGHOST_MIN_WEIGHT ? 0 : w;
}

function check(brackets: readonly Bracket[]): { width: number; height: number } {
  const first = brackets[0];
  if (!first) throw new Error('deghost: need at least one bracket');
  const { width, height } = first;
  for (const [i, b] of brackets.entries()) {
    if (b.width !== width || b.height !== height) throw new Error(`deghost: bracket ${i} is ${b.width}x${b.height}, expected ${width}x${height}`);
    if (b.pixels.length !== width * height * 4) throw new Error(`deghost: bracket ${i} has ${b.pixels.length} bytes, expected ${width * height * 4}`);
  }
  return { width, height };
}

/** The nearest 8-bit code of channel c at pixel p (16-bit samples as the GPU reads them, rounded). */
function codeOf(b: Bracket, p: number, c: number): number {
  return Math.round(Math.min(255, Math.max(0, sampleCode(b.pixels, p * 4 + c))));
}

/** The reference index the options give for these brackets. */
export function referenceOf(brackets: readonly Bracket[], options: DeghostOptions): number {
  const weights = options.weights ?? mergeWeights(estimateBlackLevel(brackets), options.response);
  return resolveReference(options.reference ?? -1, brackets.length, autoReference(brackets, weights));
}

/**
 * One pixel's observations, bracket k and channel c at index 3k + c, in ln E
 * units (E = linear value / exposure): the interval [lo, hi], its point (the
 * value, or the finite end of a clipped code's interval), σ, and whether the
 * merge weighs it. rawDeghostWeights fills them from the code table;
 * estimateMotion (../motion.ts) from box averages of a proxy.
 */
export interface DeghostObservations {
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly pt: Float64Array;
  readonly sig: Float64Array;
  readonly exposed: Uint8Array;
}

/** Room for the observations of n brackets at one pixel. */
export function deghostObservations(n: number): DeghostObservations {
  return { lo: new Float64Array(n * 3), hi: new Float64Array(n * 3), pt: new Float64Array(n * 3), sig: new Float64Array(n * 3), exposed: new Uint8Array(n * 3) };
}

// judgeObservations' values per channel (scratch: it is synchronous).
const JUDGE_X = new Float64Array(3);
const JUDGE_SX = new Float64Array(3);

/**
 * The raw weight of each of n brackets at one pixel from its observations,
 * written to out[0 .. n − 1] (the reference's 1): each channel is judged against
 * the reference's point where the reference is exposed; where it is clipped,
 * of the brackets' points that agree with the reference's interval, the one
 * most brackets agree with (the nearest bracket to the reference on a tie).
 */
export function judgeObservations(obs: DeghostObservations, n: number, ref: number, strength: number, out: Float32Array | Float64Array): void {
  const { lo, hi, pt, sig, exposed } = obs;
  // Distance of bracket j's interval from value v with noise s, in σ (channel c).
  const dist = (j: number, c: number, v: number, s: number) => {
    const o = j * 3 + c;
    return Math.max(0, lo[o]! - v, v - hi[o]!) / Math.sqrt(sig[o]! ** 2 + s ** 2);
  };
  const x = JUDGE_X;
  const sx = JUDGE_SX;
  for (let c = 0; c < 3; c++) {
    const r = ref * 3 + c;
    x[c] = pt[r]!;
    sx[c] = sig[r]!;
    if (exposed[r]) continue;
    let best = -1;
    for (let d = 0; d < n; d++) {
      for (const k of d === 0 ? [ref] : [ref - d, ref + d]) {
        if (k < 0 || k >= n) continue;
        const v = pt[k * 3 + c]!;
        const s = sig[k * 3 + c]!;
        if (dist(ref, c, v, s) > DEGHOST_TOLERANCE) continue;
        let support = 0;
        for (let j = 0; j < n; j++) if (dist(j, c, v, s) <= DEGHOST_TOLERANCE) support++;
        if (support > best) {
          best = support;
          x[c] = v;
          sx[c] = s;
        }
      }
    }
  }
  for (let i = 0; i < n; i++) {
    if (i === ref) {
      out[i] = 1;
      continue;
    }
    let u = 0;
    for (let c = 0; c < 3; c++) u = Math.max(u, dist(i, c, x[c]!, sx[c]!));
    out[i] = consistency(u, strength);
  }
}

/**
 * The raw weights (level 0 before smoothing), one width·height map per bracket,
 * as shaders/deghost/deghost.wgsl computes them (see src/engine/deghost/deghost.ts).
 */
export function rawDeghostWeights(brackets: readonly Bracket[], options: DeghostOptions): Float32Array[] {
  const { width, height } = check(brackets);
  const weights = options.weights ?? mergeWeights(estimateBlackLevel(brackets), options.response);
  const table = deghostTables(options.response ?? responseLuts('srgb'), weights);
  const strength = Math.fround(clampStrength(options.strength));
  const ref = referenceOf(brackets, { ...options, weights });
  const n = brackets.length;
  const lnE = brackets.map((b) => Math.log(Math.fround(b.exposure)));
  const out = brackets.map(() => new Float32Array(width * height));
  // The nearest 8-bit code (16-bit samples as the GPU reads them, rounded).
  const code = (k: number, p: number, c: number) => codeOf(brackets[k]!, p, c);
  const obs = deghostObservations(n);
  const { lo, hi, pt, sig, exposed } = obs;
  const w = new Float32Array(n);
  for (let p = 0; p < width * height; p++) {
    // Bracket k's observation at this pixel, per channel: the code table's entry, less ln exposure.
    for (let k = 0; k < n; k++) {
      for (let c = 0; c < 3; c++) {
        const o = k * 3 + c;
        const t = 4 * (code(k, p, c) + RESPONSE_CODES * c);
        const l = Math.fround(table[t]! - lnE[k]!);
        const h = Math.fround(table[t + 1]! - lnE[k]!);
        lo[o] = l;
        hi[o] = h;
        pt[o] = Math.abs(l) < Math.abs(h) ? l : h;
        sig[o] = table[t + 2]!;
        exposed[o] = table[t + 3] === 1 ? 1 : 0;
      }
    }
    judgeObservations(obs, n, ref, strength, w);
    for (let i = 0; i < n; i++) out[i]![p] = w[i]!;
  }
  return out;
}

/**
 * The deghosting weights, one width·height map per bracket (the reference's all
 * ones): the raw weights, smoothed; then, per pixel, where some channel has
 * brackets the merge weighs but all of their smoothed weights are 0, every
 * bracket's weight is max(smoothed, raw) (shaders/deghost/deghost.wgsl finish_main).
 */
export function deghostWeights(brackets: readonly Bracket[], options: DeghostOptions): Float32Array[] {
  const { width, height } = check(brackets);
  const raw = rawDeghostWeights(brackets, options);
  const levels = options.levels ?? deghostLevels(width, height);
  if (levels === 0) return raw;
  const out = smoothDeghost(raw, width, height, levels);
  const table = deghostTables(options.response ?? responseLuts('srgb'), options.weights ?? mergeWeights(estimateBlackLevel(brackets), options.response));
  for (let p = 0; p < width * height; p++) {
    let starved = false;
    for (let c = 0; c < 3 && !starved; c++) {
      let usable = 0;
      let live = 0;
      brackets.forEach((b, k) => {
        if (table[4 * (codeOf(b, p, c) + RESPONSE_CODES * c) + 3] !== 1) return;
        usable++;
        live += out[k]![p]!;
      });
      starved = usable > 0 && live === 0;
    }
    if (starved) out.forEach((w, k) => (w[p] = Math.max(w[p]!, raw[k]![p]!)));
  }
  return out;
}

/** The ghost mask for an overlay: 1 − min over brackets of the weight, per pixel. */
export function ghostMask(weights: readonly Float32Array[]): Float32Array {
  const first = weights[0];
  if (!first) throw new Error('ghostMask: no weights');
  const out = new Float32Array(first.length);
  for (let p = 0; p < first.length; p++) {
    let m = 1;
    for (const w of weights) m = Math.min(m, w[p]!);
    out[p] = 1 - m;
  }
  return out;
}
