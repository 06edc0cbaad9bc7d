// Tone mapping of a radiance map (tonemap.wgsl): one of the six operators of
// ./operators.ts picked by the toneOperator param; operators without a saturation of
// their own get colour as (C/L)^s after them (Schlick 1994); colours out of the
// display's gamut are desaturated towards their luminance (compressGamut); then
// display gamma and sRGB encoding. Also the finishing of exposure fusion output.

import type { FloatImage } from '../../types';
import type { Params } from '../../params';
import { OPERATOR_IDS, RATIO_OPERATORS } from '../operators';
import { clamp, linearToSrgb, luminance, srgbToLinear, toByte } from '../../reference/color';
import { applyOperator, type OperatorStats } from './operators';
import type { Rgb } from './rgb';

/** Colour by the luminance ratio raised to s: L * (C / L)^s, 0 where L is 0 (inputs >= 0). */
export function saturateRatio(c: Rgb, s: number): [number, number, number] {
  const L = luminance(c[0], c[1], c[2]);
  return [0, 1, 2].map((i) => (L > 0 ? L * Math.pow(c[i]! / L, s) : 0)) as [number, number, number];
}

/** compressGamut leaves a colour whose chroma uses up to this share of the room above its luminance as it is (tonemap.wgsl GAMUT_KNEE)… */
export const GAMUT_KNEE = 0.75;
/** …and rolls the share above it off towards this, which it never reaches (GAMUT_LIMIT). */
export const GAMUT_LIMIT = 0.95;

/**
 * A colour (channels >= 0) brought into the display's gamut by giving up
 * chroma (tonemap.wgsl compress_gamut): with L its luminance and m its largest
 * channel, x = (m − L)/(1 − L) (> 1: a channel above white); above the knee k
 * x' = k + (X − k)·t/(1 + t), t = (x − k)/(X − k), X = GAMUT_LIMIT, and
 * C' = L + (C − L)·x'/x: a saturated lamp or sunset keeps its gradation and
 * fades into white. From L = 1 on it is white ([L, L, L]); colours within the
 * knee are returned as they are.
 */
export function compressGamut(c: Rgb): [number, number, number] {
  const L = luminance(c[0], c[1], c[2]);
  if (L >= 1) return [L, L, L];
  const m = Math.max(c[0], c[1], c[2]);
  const x = m > L ? (m - L) / (1 - L) : 0;
  if (x <= GAMUT_KNEE) return [c[0], c[1], c[2]];
  const t = (x - GAMUT_KNEE) / (GAMUT_LIMIT - GAMUT_KNEE);
  const s = (GAMUT_KNEE + ((GAMUT_LIMIT - GAMUT_KNEE) * t) / (1 + t)) / x;
  return [L + (c[0] - L) * s, L + (c[1] - L) * s, L + (c[2] - L) * s];
}

/**
 * One linear radiance pixel → display-encoded [r,g,b] in [0,1], before quantisation:
 *   C' = applyOperator(OPERATOR_IDS[toneOperator], C)
 *   C' = saturateRatio(max(C',0), saturation)     unless the operator is in RATIO_OPERATORS
 *   C' = compressGamut(max(C',0))
 *   linearToSrgb(clamp(C'^(1/gamma), 0, 1))
 */
export function tonemapPixel(r: number, g: number, b: number, stats: OperatorStats, p: Params): [number, number, number] {
  const id = OPERATOR_IDS[Math.round(p.toneOperator)] ?? 'reinhard02';
  let c: Rgb = applyOperator(id, [r, g, b], p, stats);
  if (!RATIO_OPERATORS.includes(id)) c = saturateRatio([Math.max(c[0], 0), Math.max(c[1], 0), Math.max(c[2], 0)], p.saturation);
  c = compressGamut([Math.max(c[0], 0), Math.max(c[1], 0), Math.max(c[2], 0)]);
  return c.map((v) => linearToSrgb(clamp(Math.pow(v, 1 / p.gamma), 0, 1))) as [number, number, number];
}

/** Map every pixel of img with f to a display-encoded float image (alpha 1). */
function mapPixels(img: FloatImage, f: (r: number, g: number, b: number) => [number, number, number]): FloatImage {
  const n = img.width * img.height;
  const d = img.data;
  const data = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) data.set([...f(d[i * 4] ?? 0, d[i * 4 + 1] ?? 0, d[i * 4 + 2] ?? 0), 1], i * 4);
  return { width: img.width, height: img.height, data };
}

/** RGBA8 (alpha 255) of a display-encoded float image: toByte per channel. */
export function quantise(img: FloatImage): Uint8ClampedArray {
  const n = img.width * img.height;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) out.set([toByte(img.data[i * 4]!), toByte(img.data[i * 4 + 1]!), toByte(img.data[i * 4 + 2]!), 255], i * 4);
  return out;
}

/** Tone-map a radiance map: display-encoded floats (what the curve pass reads). */
export function tonemapImage(img: FloatImage, stats: OperatorStats, p: Params): FloatImage {
  return mapPixels(img, (r, g, b) => tonemapPixel(r, g, b, stats, p));
}

/** Tone-map a radiance map to RGBA8 (alpha 255), with no tone curve. */
export function tonemap(img: FloatImage, stats: OperatorStats, p: Params): Uint8ClampedArray {
  return quantise(tonemapImage(img, stats, p));
}

/**
 * Finishing of exposure fusion output (tonemap.wgsl with FUSED): one fused
 * pixel (sRGB-encoded, possibly outside [0,1]) → display-encoded [r,g,b]:
 *   C  = srgbToLinear(max(fusedToe(C, fusedBlack),0)) * 2^exposure   (the power segment continues above 1)
 *   L  = luminance(C);  C' = L > 0 ? L * (C / L)^saturation : 0
 *   linearToSrgb(clamp(fusedRollOff(C', fusedWhite),0,1))
 * Key, white point and gamma belong to the radiance path and do not apply.
 */
export function finishFusedPixel(r: number, g: number, b: number, p: Params): [number, number, number] {
  const gain = Math.pow(2, p.exposure);
  const lin = [r, g, b].map((c) => srgbToLinear(Math.max(fusedToe(c, p.fusedBlack), 0)) * gain) as [number, number, number];
  return saturateRatio(lin, p.saturation).map((C) => linearToSrgb(clamp(fusedRollOff(C, p.fusedWhite), 0, 1))) as [number, number, number];
}

/**
 * Fusion's shadow toe of one sRGB-encoded channel (tonemap.wgsl fused_toe):
 * below the knee t = min(0.25, −2·B) (B = black ≤ 0), with d = (t − v)/t and
 * A = (t − B)/t, t − t·d·(1 + d/A²)/(1 + d): the roll-off's curve turned over,
 * slope 1 at the knee, B maps to 0, monotone; B ≥ 0 leaves v as it is.
 */
export function fusedToe(v: number, black: number): number {
  if (black >= 0) return v;
  const t = Math.min(0.25, -2 * black);
  if (v >= t) return v;
  const a = (t - black) / t;
  const d = (t - v) / t;
  return t - (t * d * (1 + d / (a * a))) / (1 + d);
}

/**
 * Fusion's highlight roll-off of one linear channel (tonemap.wgsl
 * fused_roll_off): x up to the knee k = max(0.7, 1 − 0.15·(W − 1)), then
 * Reinhard's extended curve on the part above it,
 * k + b·t·(1 + t/A²)/(1 + t), b = 1 − k, t = (x − k)/b, A = (W − k)/b:
 * slope 1 at the knee, W maps to 1, monotone; W ≤ 1 leaves x as it is (the clamp after it clips).
 */
export function fusedRollOff(x: number, white: number): number {
  const k = Math.max(0.7, 1 - 0.15 * (white - 1));
  if (white <= 1 || x <= k) return x;
  const b = 1 - k;
  const a = (white - k) / b;
  const t = (x - k) / b;
  return k + (b * t * (1 + t / (a * a))) / (1 + t);
}

/** Finish a fused image: display-encoded floats (what the curve pass reads). */
export function finishFusedImage(img: FloatImage, p: Params): FloatImage {
  return mapPixels(img, (r, g, b) => finishFusedPixel(r, g, b, p));
}

/** Finish a fused image to RGBA8 (alpha 255), with no tone curve. */
export function finishFused(img: FloatImage, p: Params): Uint8ClampedArray {
  return quantise(finishFusedImage(img, p));
}
