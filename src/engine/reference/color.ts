// sRGB transfer functions and luminance (IEC 61966-2-1:1999, Rec. 709 primaries).
// CPU reference: the WGSL passes must match these numerically.

import { LUMA } from '../types';

/** Clamp v into [lo, hi]. */
export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** sRGB EOTF, encoded c in [0,1] → linear: c <= 0.04045 ? c/12.92 : ((c+0.055)/1.055)^2.4. */
export function srgbToLinear(c: number): number {
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

/** Inverse sRGB EOTF, linear v → encoded: v <= 0.0031308 ? 12.92 v : 1.055 v^(1/2.4) − 0.055. */
export function linearToSrgb(v: number): number {
  return v <= 0.0031308 ? 12.92 * v : 1.055 * Math.pow(v, 1 / 2.4) - 0.055;
}

/** Rec. 709 luminance of linear RGB (weights LUMA). */
export function luminance(r: number, g: number, b: number): number {
  return LUMA[0] * r + LUMA[1] * g + LUMA[2] * b;
}

/** Quantise an encoded value to 8 bits: round(clamp(v,0,1) * 255). */
export function toByte(v: number): number {
  return Math.round(clamp(v, 0, 1) * 255);
}
