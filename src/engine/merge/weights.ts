// The merge's weight of each 8-bit code and the black level of a bracket set
// (shaders/merge/merge.wgsl weighs with these; the deghosting and the tiled
// graph use the same). Split out of ./response.ts, the response recovery.

import { isWide, type Bracket } from '../types';
import { RESPONSE_CODES } from './response';

/** Codes above the black level still read as noise: the merge weights start this far above it. */
export const BLACK_MARGIN = 4;
/** A black level above this is taken for a scene with no black in it, not for fog: 0 then. */
export const MAX_BLACK = 32;

/**
 * Merge weight of each code: the hat max(0, min(z − floor, 255 − z)) / 127.5
 * with floor = black + BLACK_MARGIN (0 for black 0), zero at clipping and at
 * or below the black level. Brackets with a true black (digital cameras) get
 * the plain hat; scans with a fog or base level (Debevec's memorial set: codes
 * 13–17 everywhere in the shortest frames) stop those codes, which carry no
 * signal, from turning into bright shadows.
 */
export function mergeWeights(black = 0): Float32Array<ArrayBuffer> {
  const floor = black > 0 ? Math.round(black) + BLACK_MARGIN : 0;
  return Float32Array.from({ length: RESPONSE_CODES }, (_, z) => Math.max(0, Math.min(z - floor, 255 - z)) / 127.5);
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
