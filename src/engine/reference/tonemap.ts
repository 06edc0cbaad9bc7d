// Global tone-mapping operator of Reinhard, Stark, Shirley & Ferwerda,
// "Photographic Tone Reproduction for Digital Images", SIGGRAPH 2002
// (eqs. 2 and 4), with colour re-applied as (C/L)^s and a display gamma.

import type { FloatImage, LuminanceStats } from '../types';
import type { Params } from '../params';
import { clamp, linearToSrgb, luminance, srgbToLinear, toByte } from './color';

/**
 * One linear radiance pixel → display-encoded [r,g,b] in [0,1], before quantisation:
 *   L  = luminance(R,G,B)
 *   Ls = key / logAvg * 2^exposure * L                       (eq. 2)
 *   Ld = Ls * (1 + Ls / whitePoint²) / (1 + Ls)              (eq. 4)
 *   C' = L > 0 ? Ld * (max(C,0) / L)^saturation : 0
 *   C' = max(C',0)^(1/gamma), then linearToSrgb(clamp(C',0,1))
 */
export function tonemapPixel(r: number, g: number, b: number, logAvg: number, p: Params): [number, number, number] {
  const L = luminance(r, g, b);
  const Ls = (p.key / logAvg) * Math.pow(2, p.exposure) * L;
  const Ld = (Ls * (1 + Ls / (p.whitePoint * p.whitePoint))) / (1 + Ls);
  const ch = (C: number): number => {
    let out = L > 0 ? Ld * Math.pow(Math.max(C, 0) / L, p.saturation) : 0;
    out = Math.pow(Math.max(out, 0), 1 / p.gamma);
    return linearToSrgb(clamp(out, 0, 1));
  };
  return [ch(r), ch(g), ch(b)];
}

/** Tone-map a radiance map to RGBA8 (alpha 255): toByte of tonemapPixel per channel. */
export function tonemap(img: FloatImage, stats: Pick<LuminanceStats, 'logAvg'>, p: Params): Uint8ClampedArray {
  const n = img.width * img.height;
  const d = img.data;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = tonemapPixel(d[i * 4] ?? 0, d[i * 4 + 1] ?? 0, d[i * 4 + 2] ?? 0, stats.logAvg, p);
    out[i * 4] = toByte(r);
    out[i * 4 + 1] = toByte(g);
    out[i * 4 + 2] = toByte(b);
    out[i * 4 + 3] = 255;
  }
  return out;
}

/**
 * Finishing of exposure fusion output (tonemap.wgsl with FUSED): one fused
 * pixel (sRGB-encoded, possibly outside [0,1]) → display-encoded [r,g,b]:
 *   C  = srgbToLinear(max(C,0)) * 2^exposure          (the power segment continues above 1)
 *   L  = luminance(C);  C' = L > 0 ? L * (C / L)^saturation : 0
 *   linearToSrgb(clamp(C',0,1))
 * Key, white point and gamma belong to the radiance path and do not apply.
 */
export function finishFusedPixel(r: number, g: number, b: number, p: Params): [number, number, number] {
  const gain = Math.pow(2, p.exposure);
  const lin = [r, g, b].map((c) => srgbToLinear(Math.max(c, 0)) * gain) as [number, number, number];
  const L = luminance(...lin);
  return lin.map((C) => linearToSrgb(clamp(L > 0 ? L * Math.pow(C / L, p.saturation) : 0, 0, 1))) as [number, number, number];
}

/** Finish a fused image to RGBA8 (alpha 255): toByte of finishFusedPixel per channel. */
export function finishFused(img: FloatImage, p: Params): Uint8ClampedArray {
  const n = img.width * img.height;
  const d = img.data;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = finishFusedPixel(d[i * 4] ?? 0, d[i * 4 + 1] ?? 0, d[i * 4 + 2] ?? 0, p);
    out[i * 4] = toByte(r);
    out[i * 4 + 1] = toByte(g);
    out[i * 4 + 2] = toByte(b);
    out[i * 4 + 3] = 255;
  }
  return out;
}
