// The ghost fill (shaders/merge/merge.wgsl fill8_main, fill16_main): each
// bracket as it would have recorded the consistent scene, for exposure fusion
// with deghosting on. Fusion blends the brackets themselves, not a radiance
// map, so lowering a rejected bracket's weight (as the merge does) leaves the
// object's path fused from fewer brackets than the rest of the picture, in
// another balance of exposures: measured on the quality script's moving
// object, 4 dB further from a clean shot there than elsewhere. Filling the
// rejected share from the consistent scene fuses the path from every bracket.
// In the spirit of the exposure-matched reference of Grosch (VMV 2006) and the
// "predicted" exposures of patch-based deghosting (Sen et al. 2012), here one
// prediction per pixel from the merge the deghosting weights give.
//
// A prediction is only as good as the response and the exposures it goes
// through. Where those are off, deghosting rejects a bracket over most of the
// picture (a bar's chandelier set, whose automatic reference is its darkest
// bracket: 66–90 % of the three brighter ones), and filling it would paint the
// calibration's error into the fusion (washed-out bottles). So the fill
// trusts a bracket's rejection as motion only where most of a wide
// neighbourhood of it is consistent: the weights' binomial mean pyramid taken
// down to about 4 px (fillTrustLevels) and expanded back, ramped from
// FILL_TRUST_LO to FILL_TRUST_HI. What is not filled lowers the bracket's
// fusion weight instead (alpha), as deghosting did before the fill.

import { unorm16AsHalf } from '../../half';
import { responseLuts, RESPONSE_CODES, type ResponseLuts } from '../response';
import { estimateBlackLevel, mergeWeights } from '../weights';
import { isWide, type Bracket } from '../../types';
import { mergeRadiance } from './merge';
import { expandMap, reduceMap } from '../../deghost/reference/smooth';
import { pyramidSizes } from '../../pyramid/reference/pyramid';

/** The fractional code whose linear value is v in a rising table (merge.wgsl code_of), clamped to [0, 255]. */
export function codeOfLinear(lut: ArrayLike<number>, v: number): number {
  const last = RESPONSE_CODES - 1;
  if (v <= lut[0]!) return 0;
  if (v >= lut[last]!) return last;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const m = (lo + hi) >> 1;
    if (lut[m]! <= v) lo = m;
    else hi = m;
  }
  const a = lut[lo]!;
  return lo + (v - a) / (lut[hi]! - a);
}

/** Below this wide-neighbourhood consistency a rejection is not filled (only weighed down); above FILL_TRUST_HI it is filled in full. */
export const FILL_TRUST_LO = 0.5;
export const FILL_TRUST_HI = 0.8;
/** The trust pyramid stops where its long side is at most this (a few cells across the picture). */
const TRUST_TOP_SIDE = 4;

/** Levels of the trust pyramid above full size: halvings until the long side is at most TRUST_TOP_SIDE, at least 1. */
export function fillTrustLevels(width: number, height: number): number {
  let m = 1;
  for (let s = Math.max(width, height); (s + 1) >> 1 > TRUST_TOP_SIDE; s = (s + 1) >> 1) m++;
  return m;
}

/**
 * Level 1 of the trust pyramid of one weight map (shaders/deghost/deghost-smooth.wgsl
 * with MAJORITY 1: each level min(1, the binomial mean of the one below), to
 * fillTrustLevels, then expanded back to level 1), and its size.
 */
export function fillTrustLevel1(ghost: ArrayLike<number>, width: number, height: number): { map: Float32Array; width: number; height: number } {
  const m = fillTrustLevels(width, height);
  const sizes = pyramidSizes(width, height, m + 1);
  let cur: Float32Array = Float32Array.from(ghost);
  for (let l = 1; l <= m; l++) cur = reduceMap(cur, sizes[l - 1]![0], sizes[l - 1]![1], 'mean').map((v) => Math.min(1, v));
  for (let l = m - 1; l >= 1; l--) cur = expandMap(cur, sizes[l + 1]![0], sizes[l + 1]![1], sizes[l]![0], sizes[l]![1]);
  return { map: cur, width: sizes[1]![0], height: sizes[1]![1] };
}

/**
 * The brackets filled where deghosting rejected them. Per pixel: E = the merge
 * with the ghost weights (mergeRadiance); per bracket k, trust = its weights'
 * wide mean (fillTrustLevel1 expanded to full size) and the share of its
 * rejection that is filled,
 *   t = clamp((trust − FILL_TRUST_LO) / (FILL_TRUST_HI − FILL_TRUST_LO), 0, 1)
 * (where every kept bracket is clipped, E is the merge's bound, the darkest
 * or brightest kept bracket's value: a bracket predicted from it is clipped
 * where the kept one is, as it would have been). With
 * a = g_k + (1 − g_k) · t, per channel
 *   value = (g_k · recorded + (1 − g_k) · t · codeOfLinear(lut_c, E · exposure_k) / 255) / a
 * (recorded where a = 0), and alpha = a: the weight fusion multiplies the
 * bracket's by (fusion.ts fuse with `filled`). recorded is the sample as fusion
 * reads it (a byte / 255, a 16-bit value as half); g_k = 1 keeps the sample
 * and alpha 1. Stored as the GPU's texture of the brackets' format stores it:
 * a rounded byte, or (16-bit) the value × 65535 rounded, which fusion's
 * reading rounds to the same half within one step.
 * ghost: one width·height map per bracket (deghostWeights).
 */
export function fillGhosts(
  brackets: readonly Bracket[],
  ghost: readonly ArrayLike<number>[],
  response: ResponseLuts = responseLuts('srgb'),
  weights: Float32Array = mergeWeights(estimateBlackLevel(brackets), response),
): Bracket[] {
  const merged = mergeRadiance(brackets, response, weights, ghost).data;
  const { width, height } = brackets[0]!;
  const n = width * height;
  return brackets.map((b, k) => {
    const wide = isWide(b.pixels);
    const src = b.pixels;
    const out = wide ? new Uint16Array(src.length) : new Uint8Array(src.length);
    const scale = wide ? 65535 : 255;
    const g = ghost[k]!;
    const level1 = fillTrustLevel1(g, width, height);
    const trust = expandMap(level1.map, level1.width, level1.height, width, height);
    for (let p = 0; p < n; p++) {
      const gk = g[p]!;
      const i = p * 4;
      if (gk >= 1) {
        out.set(src.subarray(i, i + 3), i);
        out[i + 3] = scale;
        continue;
      }
      const t = Math.min(1, Math.max(0, (trust[p]! - FILL_TRUST_LO) / (FILL_TRUST_HI - FILL_TRUST_LO)));
      const a = gk + (1 - gk) * t;
      for (let c = 0; c < 3; c++) {
        const recorded = wide ? unorm16AsHalf(src[i + c]!) : src[i + c]! / 255;
        const predicted = codeOfLinear(response[c as 0 | 1 | 2], merged[i + c]! * b.exposure) / 255;
        const v = a > 0 ? (gk * recorded + (1 - gk) * t * predicted) / a : recorded;
        out[i + c] = Math.round(Math.min(1, Math.max(0, v)) * scale);
      }
      out[i + 3] = Math.round(a * scale);
    }
    return { ...b, pixels: out };
  });
}
