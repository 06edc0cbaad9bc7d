// What the automatic camera response (the default choice; state/store.ts
// resolvedResponse, cli/batch.ts) decides with, around the recovery of
// ./response.ts: whether a set pins a curve down, what the recovery reads,
// and whether the standard sRGB curve explains the set as well as the
// recovered one (then it is kept).
import type { Bracket } from '../types';
import { codes8, hat, responseLuts, selectSamples, type ResponseLuts } from './response';

/**
 * The automatic response (the default choice) recovers the camera's curve
 * from a set only where the set pins it down: this many brackets at distinct
 * exposures (0.05 EV apart) at least…
 */
export const AUTO_RECOVER_MIN_BRACKETS = 3;
/** …spanning this many stops at least, with exposures from the files (EXIF) or typed by the user, not assumed. */
export const AUTO_RECOVER_MIN_SPAN_EV = 2;

/**
 * Why the automatic response does not recover the curve from a set (a
 * phrase to follow "sRGB: "), or null where it does. `known`: the EV came from
 * the file's EXIF or the user, not from an assumed step.
 */
export function autoRecoveryRefusal(exposures: readonly { readonly ev: number; readonly known: boolean }[]): string | null {
  if (exposures.length < 2) return 'one image has no curve to recover';
  if (exposures.some((e) => !e.known)) return 'the exposure times are not known (no EXIF), and a recovery needs them';
  const evs = [...exposures.map((e) => e.ev)].sort((a, b) => a - b);
  const distinct = evs.filter((ev, i) => i === 0 || ev - evs[i - 1]! >= 0.05).length;
  if (distinct < AUTO_RECOVER_MIN_BRACKETS) return `${distinct} distinct exposure${distinct === 1 ? '' : 's'}; a recovery needs ${AUTO_RECOVER_MIN_BRACKETS} or more`;
  const span = evs[evs.length - 1]! - evs[0]!;
  if (span < AUTO_RECOVER_MIN_SPAN_EV) return `the brackets span ${span.toFixed(1)} EV; a recovery needs ${AUTO_RECOVER_MIN_SPAN_EV} EV or more`;
  return null;
}

/** The long side of what the recovery reads: it samples a 64 × 64 grid (response.ts selectSamples), so more pixels only cost the copy to its worker. */
export const RECOVERY_SIDE = 512;

/** Every pixel at most RECOVERY_SIDE on the long side, read at the centre of its cell (not averaged: a box filter mixes codes no single radiance gives). */
export function pickPixels(b: Bracket, side = RECOVERY_SIDE): Bracket {
  const k = Math.max(1, Math.ceil(Math.max(b.width, b.height) / side));
  if (k === 1) return b;
  const width = Math.ceil(b.width / k);
  const height = Math.ceil(b.height / k);
  const pixels = new (b.pixels.constructor as Uint8ClampedArrayConstructor | Uint16ArrayConstructor | Uint8ArrayConstructor)(width * height * 4);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(b.height - 1, y * k + (k >> 1));
    for (let x = 0; x < width; x++) {
      const from = (sy * b.width + Math.min(b.width - 1, x * k + (k >> 1))) * 4;
      pixels.set(b.pixels.subarray(from, from + 4), (y * width + x) * 4);
    }
  }
  return { width, height, pixels, exposure: b.exposure };
}

/**
 * How far a response is from explaining a set: over sample pixels
 * (selectSamples) and channels, the weighted variance of
 * ln lin(Z_ij) − ln Δt_j across the brackets j that see sample i unclipped
 * (hat weights, as the recovery), i.e. how much the brackets disagree about
 * each pixel's radiance once read through the curve. 0 for a perfect fit;
 * the same scale for any curve, so two can be compared on one set.
 */
export function responseMisfit(input: readonly Bracket[], luts: ResponseLuts, samples: Uint32Array = selectSamples(input, 200)): number {
  const brackets = input.map(codes8);
  const lnT = brackets.map((b) => Math.log(b.exposure));
  let sum = 0;
  let weight = 0;
  for (const p of samples) {
    for (let c = 0; c < 3; c++) {
      let w0 = 0;
      let w1 = 0;
      let w2 = 0;
      for (const [j, b] of brackets.entries()) {
        const z = b.pixels[p * 4 + c]!;
        const w = hat(z);
        if (w <= 0) continue;
        const x = Math.log(Math.max(luts[c]![z]!, 1e-12)) - lnT[j]!;
        w0 += w;
        w1 += w * x;
        w2 += w * x * x;
      }
      if (w0 <= 0) continue;
      sum += w2 - (w1 * w1) / w0;
      weight += w0;
    }
  }
  return weight > 0 ? sum / weight : 0;
}

/**
 * The automatic response keeps sRGB where it explains a set within this factor
 * of the recovered curve's misfit (the recovery also fits the noise). Measured
 * on the committed maps shot through sRGB with 0–2 codes of noise: 0.6–1.2;
 * through film-like curves: 8.8–350.
 */
export const SRGB_FIT_MARGIN = 1.5;

/** Whether the sRGB curve explains these brackets about as well as the recovered one (responseMisfit within SRGB_FIT_MARGIN): the standard curve is then kept. */
export function srgbFitsAsWell(brackets: readonly Bracket[], recovered: ResponseLuts): boolean {
  const samples = selectSamples(brackets, 200);
  return responseMisfit(brackets, responseLuts('srgb'), samples) <= SRGB_FIT_MARGIN * responseMisfit(brackets, recovered, samples);
}
