// Radiance merge: the weighted average of Debevec & Malik, "Recovering High
// Dynamic Range Radiance Maps from Photographs", SIGGRAPH 1997, eq. 6, taken
// over ln E as published, with the inverse camera response looked up per
// channel in 256-entry tables: the sRGB EOTF by default, or a curve recovered
// from the brackets (../response.ts), and the weights in a 256-entry table
// (../response.ts mergeWeights: the hat, starting above the black level).

import { estimateBlackLevel, mergeWeights, responseLuts, RESPONSE_CODES, type ResponseLuts } from '../response';
import type { Bracket, FloatImage } from '../types';

/** Hat weight of a byte z: min(z, 255 − z) / 127.5; zero at 0 and 255 (clipped). */
export function hatWeight(z: number): number {
  return Math.min(z, 255 - z) / 127.5;
}

/**
 * Merge brackets, sorted darkest → brightest (exposure ascending), into
 * linear radiance. Per pixel and per channel c ∈ {R,G,B}, independently:
 *   z_i = byte, lin_i = response[c][z_i], w_i = weights[z_i]
 *   Σw > 0: E = exp(Σ_{w_i > 0} w_i ln(lin_i / e_i) / Σw_i)
 * The mean over ln E, not over E: a frame that reads too high where it is
 * barely exposed (noise, fog, flare) pulls the result by its log error, not
 * by its linear one, which in the shortest frames is many times the signal.
 *   Σw = 0 (clipped everywhere): z_0 >= 128 ? lin_0/e_0 (highlights: darkest)
 *                                           : lin_{N−1}/e_{N−1} (shadows: brightest)
 * Alpha is 1. One bracket is a valid (single-exposure) merge.
 * response: the linear value of each code per channel (default sRGB, as the
 * GPU pass; the f32 tables are the GPU's, so both look up the same numbers);
 * weights: the weight of each code (default: as the app, from the black level
 * it estimates for these brackets; the plain hat for a true black).
 * Throws on no brackets, size mismatch, non-positive or descending exposures.
 */
export function mergeRadiance(
  brackets: readonly Bracket[],
  response: ResponseLuts = responseLuts('srgb'),
  weights: Float32Array = mergeWeights(estimateBlackLevel(brackets)),
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
    if (b.pixels.length !== n * 4) throw new Error(`mergeRadiance: bracket ${i} has ${b.pixels.length} bytes, expected ${n * 4}`);
    if (!(b.exposure > 0) || !Number.isFinite(b.exposure)) throw new Error(`mergeRadiance: bracket ${i} exposure ${b.exposure} is not positive`);
    if (b.exposure < prev) throw new Error('mergeRadiance: brackets must be sorted by exposure, darkest first');
    prev = b.exposure;
  }
  for (const [c, lut] of response.entries()) {
    if (lut.length !== RESPONSE_CODES) throw new Error(`mergeRadiance: response channel ${c} has ${lut.length} entries, expected ${RESPONSE_CODES}`);
  }

  const data = new Float32Array(n * 4);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) {
      const k = p * 4 + c;
      const lin = response[c as 0 | 1 | 2];
      let num = 0;
      let den = 0;
      for (const b of brackets) {
        const z = b.pixels[k] ?? 0;
        const w = weights[z]!;
        if (!(w > 0)) continue;
        num += w * Math.log(lin[z]! / b.exposure);
        den += w;
      }
      if (den > 0) {
        data[k] = Math.exp(num / den);
      } else {
        const z0 = first.pixels[k] ?? 0;
        const src = z0 >= 128 ? first : last;
        data[k] = lin[src.pixels[k] ?? 0]! / src.exposure;
      }
    }
    data[p * 4 + 3] = 1;
  }
  return { width, height, data };
}
