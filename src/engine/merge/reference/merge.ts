// Radiance merge: the weighted average of Debevec & Malik, "Recovering High
// Dynamic Range Radiance Maps from Photographs", SIGGRAPH 1997, eq. 6, taken
// over ln E as published, with the inverse camera response looked up per
// channel in 256-entry tables: the sRGB EOTF by default, or a curve recovered
// from the brackets (../response.ts), and the weights in a 256-entry table
// (../weights.ts mergeWeights: each code's inverse noise variance in ln E
// through the response, starting above the black level).

import { unorm16AsHalf } from '../../half';
import { responseLuts, RESPONSE_CODES, type ResponseLuts } from '../response';
import { estimateBlackLevel, mergeWeights } from '../weights';
import { isWide, type Bracket, type BracketPixels, type FloatImage } from '../../types';

/** A code this close to an integer is that integer (shaders/merge/merge.wgsl SNAP). */
export const CODE_SNAP = 1e-3;
/** Codes at or below this, or at or above CLIP_HIGH, are clipped: weight 0 (they round to 0 or 255). */
export const CLIP_LOW = 0.5;
export const CLIP_HIGH = 254.5;

/**
 * The fractional code the merge sees for sample k: the byte itself, or a
 * 16-bit value as the GPU holds it (v / 65535 rounded to half, ../half.ts)
 * × 255; within CODE_SNAP of an integer, that integer.
 */
export function sampleCode(pixels: BracketPixels, k: number): number {
  const v = pixels[k] ?? 0;
  if (!isWide(pixels)) return v;
  const c = Math.min(1, Math.max(0, unorm16AsHalf(v))) * 255;
  const r = Math.round(c);
  return Math.abs(c - r) < CODE_SNAP ? r : c;
}

/** Entry c of a 256-entry table, linear between the neighbours (exactly table[c] at an integer c). */
export function lookupCode(table: ArrayLike<number>, c: number): number {
  const i = Math.min(Math.floor(c), RESPONSE_CODES - 1);
  const a = table[i]!;
  return a + (table[Math.min(i + 1, RESPONSE_CODES - 1)]! - a) * (c - i);
}

/** Merge weight at code c: the table interpolated; 0 where clipped. */
export function codeWeight(weights: ArrayLike<number>, c: number): number {
  return c <= CLIP_LOW || c >= CLIP_HIGH ? 0 : lookupCode(weights, c);
}

/** Hat weight of a byte z: min(z, 255 − z) / 127.5; zero at 0 and 255 (clipped). The merge's weight before the noise weights (../weights.ts), kept for comparison. */
export function hatWeight(z: number): number {
  return Math.min(z, 255 - z) / 127.5;
}

/**
 * Merge brackets, sorted darkest → brightest (exposure ascending), into
 * linear radiance. Per pixel and per channel c ∈ {R,G,B}, independently:
 *   z_i = sampleCode (the byte, or the 16-bit value as a fractional code),
 *   lin_i = response[c] at z_i, w_i = weights at z_i (codeWeight: both
 *   interpolated between neighbouring entries; integer codes read one entry)
 *   Σw > 0: E = exp(Σ_{w_i > 0} w_i ln(lin_i / e_i) / Σw_i)
 * The mean over ln E, not over E: a frame that reads too high where it is
 * barely exposed (noise, fog, flare) pulls the result by its log error, not
 * by its linear one, which in the shortest frames is many times the signal.
 *   Σw = 0 (clipped everywhere): z_0 >= 127.5 ? lin_0/e_0 (highlights: darkest)
 *                                           : lin_{N−1}/e_{N−1} (shadows: brightest)
 * Alpha is 1. One bracket is a valid (single-exposure) merge.
 * response: the linear value of each code per channel (default sRGB, as the
 * GPU pass; the f32 tables are the GPU's, so both look up the same numbers);
 * weights: the weight of each code (default: as the app, from the black level
 * it estimates for these brackets and the response).
 * ghost: deghosting weights (../deghost.ts), one width·height map per bracket,
 * multiplied into w_i, and the fallback takes the darkest / brightest bracket
 * whose ghost weight is positive (as shaders/merge/merge.wgsl with DEGHOST); none:
 * as before.
 * Throws on no brackets, size mismatch, mixed 8- and 16-bit brackets,
 * non-positive or descending exposures.
 */
export function mergeRadiance(
  brackets: readonly Bracket[],
  response: ResponseLuts = responseLuts('srgb'),
  weights: Float32Array = mergeWeights(estimateBlackLevel(brackets), response),
  ghost?: readonly ArrayLike<number>[],
): FloatImage {
  const first = brackets[0];
  const last = brackets[brackets.length - 1];
  if (!first || !last) throw new Error('mergeRadiance: need at least one bracket');
  const { width, height } = first;
  const n = width * height;
  let prev = 0;
  for (const [i, b] of brackets.entries()) {
    if (b.width !== width || b.height !== height) {
      throw new Error(`mergeRadiance: bracket ${i} is ${b.width}x${b.height}, expected ${width}x${height}`);
    }
    if (b.pixels.length !== n * 4) throw new Error(`mergeRadiance: bracket ${i} has ${b.pixels.length} samples, expected ${n * 4}`);
    if (isWide(b.pixels) !== isWide(first.pixels)) throw new Error('mergeRadiance: brackets mix 8-bit and 16-bit samples');
    if (!(b.exposure > 0) || !Number.isFinite(b.exposure)) throw new Error(`mergeRadiance: bracket ${i} exposure ${b.exposure} is not positive`);
    if (b.exposure < prev) throw new Error('mergeRadiance: brackets must be sorted by exposure, darkest first');
    prev = b.exposure;
  }
  for (const [c, lut] of response.entries()) {
    if (lut.length !== RESPONSE_CODES) throw new Error(`mergeRadiance: response channel ${c} has ${lut.length} entries, expected ${RESPONSE_CODES}`);
  }
  if (ghost && (ghost.length !== brackets.length || ghost.some((g) => g.length !== n))) throw new Error('mergeRadiance: ghost needs one width·height map per bracket');

  const data = new Float32Array(n * 4);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) {
      const k = p * 4 + c;
      const lin = response[c as 0 | 1 | 2];
      let num = 0;
      let den = 0;
      for (const [i, b] of brackets.entries()) {
        const z = sampleCode(b.pixels, k);
        const w = codeWeight(weights, z) * (ghost ? ghost[i]![p]! : 1);
        if (!(w > 0)) continue;
        num += w * Math.log(lookupCode(lin, z) / b.exposure);
        den += w;
      }
      if (den > 0) {
        data[k] = Math.exp(num / den);
      } else {
        // The darkest / brightest bracket deghosting keeps (0 if it keeps none).
        const kept = ghost ? brackets.filter((_, i) => ghost[i]![p]! > 0) : brackets;
        const dark = kept[0];
        const src = dark && sampleCode(dark.pixels, k) >= 127.5 ? dark : kept[kept.length - 1];
        data[k] = src ? lookupCode(lin, sampleCode(src.pixels, k)) / src.exposure : 0;
      }
    }
    data[p * 4 + 3] = 1;
  }
  return { width, height, data };
}
