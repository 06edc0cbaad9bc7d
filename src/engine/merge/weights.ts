// The merge's weight of each 8-bit code and the black level of a bracket set
// (shaders/merge/merge.wgsl weighs with these; the deghosting and the tiled
// graph use the same). Split out of ./response.ts, the response recovery.
//
// The merge is a weighted mean of ln(X / t), X = lin(z) the code's linear
// value, so each sample weighs the inverse of its variance there, to first
// order var(ln X) ≈ var(X) / X², with var(X) the noise of a camera JPEG
// carried into linear values (read noise, shot noise, and the rounding to 8
// bits through the response's slope), plus a floor that does not shrink with
// the signal (the response is a model, exposure times are rounded):
//   w(z) = 1 / (var(X) / X² + σ_floor²),  var(X) = σ_read² + g · X + (dX/dz)² · q²
// The noise is the Poisson–Gaussian model of Granados et al., "Optimal HDR
// reconstruction with linear digital cameras" (CVPR 2010), and Hanji et al.,
// "Noise-aware merging of high dynamic range image stacks without camera
// calibration" (ECCV 2020 workshops), whose estimators average linear values
// (weights t² / var(t · E)); Robertson et al., "Estimation-theoretic approach
// to dynamic range enhancement using multiple exposures" (JEI 2003), first
// gave longer exposures the larger weight. Here the mean is over ln E, hence
// the 1 / X². Dark codes weigh little (in the sRGB toe var(X) / X² grows as
// 1 / z²), so deep shadows come from the longest exposure that sees them
// unclipped, not from the noise and JPEG blocks of the shorter ones. The
// floor keeps the mid-tones and highlights from outweighing each other by
// their shot noise alone (a single wrong bright sample would then beat a
// dozen right dark ones), and the top codes taper off as the hat did, where
// a camera's highlight knee (and one raw channel clipping before the others)
// makes the code unreliable.

import { isWide, type Bracket } from '../types';
import { responseLuts, RESPONSE_CODES, type ResponseLuts } from './response';

/** Codes above the black level still read as noise: the merge weights start this far above it. */
export const BLACK_MARGIN = 4;
/** A black level above this is taken for a scene with no black in it, not for fog: 0 then. */
export const MAX_BLACK = 32;
/**
 * Read noise σ, in linear values (white = 1): 1.5 codes in the sRGB toe
 * (slope 12.92), 4.6e-4 of white. A camera JPEG's shadows show 1–2 codes of
 * noise and DCT blocking at base to moderate ISO (a raw sensor's own read
 * noise, a few electrons of some 10⁴, is 0.3 codes; the JPEG's noise
 * reduction and block quantisation add the rest).
 */
export const READ_NOISE = 1.5 / (255 * 12.92);
/**
 * Shot noise: var(X) = SHOT_GAIN · X, i.e. white is 16 000 photo-electrons
 * (a base-ISO sensor of 30 000–60 000 e⁻ with the JPEG's white 1–2 stops below
 * raw clipping): σ ≈ 1 code at the sRGB mid grey (code 128, X = 0.216).
 */
export const SHOT_GAIN = 1 / 16000;
/** The rounding to an 8-bit code: uniform over one code, variance 1/12 code². */
export const QUANT_VARIANCE = 1 / 12;
/**
 * σ of ln X that no exposure removes: the response is a model (a camera's own
 * tone curve is not sRGB, a recovered one is a fit) and EXIF rounds exposure
 * times (1/60 s for 1/64 s is 0.065); as deghosting's DEGHOST_SIGMA_FLOOR.
 */
export const LOG_NOISE_FLOOR = 0.03;
/** Above 255 − TAPER_CODES the weight falls linearly to 0 at 255: the hat's falling side. */
export const TAPER_CODES = 127.5;

/**
 * Merge weight of each code, from the response (the linear value of each
 * code; the three channels' tables averaged, since one weight table serves
 * all three; default sRGB), with floor = black + BLACK_MARGIN (0 for black 0):
 *   X = lin(z), dX/dz the central difference (one-sided at 0 and 255)
 *   S = X − lin(floor) for black > 0, else X: the signal above a scan's fog
 *   w(z) = 1 / ((READ_NOISE² + SHOT_GAIN · X + (dX/dz)² · QUANT_VARIANCE) / S² + LOG_NOISE_FLOOR²)
 *          · min(1, (255 − z) / TAPER_CODES)
 * normalised so the largest weight is 1 (as the hat's), and 0 at clipping
 * (0, 255), at or below the floor, and wherever S ≤ 0. Brackets with a true
 * black (digital cameras) are weighed from code 1 up; scans with a fog or base
 * level (Debevec's memorial set: codes 13–17 everywhere in the shortest frames)
 * stop those codes, which carry no signal, from turning into bright shadows,
 * and the codes just above the fog count by the little signal they carry.
 * 16-bit brackets read the same table, interpolated between codes (their
 * rounding is finer than 8 bits, but the rest of their noise is the camera's).
 */
export function mergeWeights(black = 0, response: ResponseLuts = responseLuts('srgb')): Float32Array<ArrayBuffer> {
  const floor = black > 0 ? Math.round(black) + BLACK_MARGIN : 0;
  const last = RESPONSE_CODES - 1;
  const lin = (z: number) => (response[0][z]! + response[1][z]! + response[2][z]!) / 3;
  const fog = floor > 0 ? lin(Math.min(floor, last)) : 0;
  const w = new Float64Array(RESPONSE_CODES);
  for (let z = floor + 1; z < last; z++) {
    const x = lin(z);
    const signal = x - fog;
    if (!(signal > 0)) continue;
    const a = Math.max(0, z - 1);
    const b = Math.min(last, z + 1);
    const slope = (lin(b) - lin(a)) / (b - a);
    const variance = READ_NOISE ** 2 + SHOT_GAIN * Math.max(0, x) + slope * slope * QUANT_VARIANCE;
    w[z] = Math.min(1, (last - z) / TAPER_CODES) / (variance / (signal * signal) + LOG_NOISE_FLOOR ** 2);
  }
  const max = w.reduce((m, v) => Math.max(m, v), 0);
  return Float32Array.from(w, (v) => (max > 0 ? v / max : 0));
}

/**
 * The black level of a bracket set, in codes: the most common code of the
 * darkest bracket's per-pixel minimum over R, G, B, where that code is below
 * MAX_BLACK and holds at least 5 % of the pixels (a scan's fog fills the
 * shortest frame); else 0 (always 0 for 16-bit brackets). Read on a grid
 * of at most 256 × 256 pixels.
 */
export function estimateBlackLevel(brackets: readonly Bracket[]): number {
  const dark = brackets[0];
  if (!dark || brackets.length < 2) return 0;
  const { width, height, pixels } = dark;
  // 16-bit brackets come from raw converters and RAW decoders, which subtract
  // the sensor's black; in linear data the darkest frame's common low codes
  // are the scene, not fog, and a floor there would drop its shadows.
  if (isWide(pixels)) return 0;
  const sx = Math.max(1, Math.floor(width / 256));
  const sy = Math.max(1, Math.floor(height / 256));
  const hist = new Uint32Array(256);
  let n = 0;
  for (let y = 0; y < height; y += sy) {
    for (let x = 0; x < width; x += sx) {
      const k = (y * width + x) * 4;
      hist[Math.min(pixels[k]!, pixels[k + 1]!, pixels[k + 2]!)]!++;
      n++;
    }
  }
  let mode = 0;
  for (let z = 1; z < MAX_BLACK; z++) if (hist[z]! > hist[mode]!) mode = z;
  return mode > 0 && hist[mode]! >= 0.05 * n ? mode : 0;
}
