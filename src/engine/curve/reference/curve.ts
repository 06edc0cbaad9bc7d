// Tone curves on the display-encoded image (shaders/curve/curve.wgsl): per-channel
// tables on R, G and B, then the luminance table as a ratio, clamp, quantise.

import { CURVE_LUT_SIZE } from '../curve';
import { LUMA, type FloatImage } from '../../types';
import { clamp, toByte } from '../../reference/color';

/** Table `table` (0 luma, 1 r, 2 g, 3 b) of luts at v: linear interpolation, v clamped to [0,1]. */
export function lookup(luts: Float32Array, table: number, v: number): number {
  const x = clamp(v, 0, 1) * (CURVE_LUT_SIZE - 1);
  const i0 = Math.floor(x);
  const i1 = Math.min(i0 + 1, CURVE_LUT_SIZE - 1);
  const base = table * CURVE_LUT_SIZE;
  const a = luts[base + i0]!;
  return a + (luts[base + i1]! - a) * (x - i0);
}

/**
 * One encoded pixel through the curves:
 *   C = (lut_r(R), lut_g(G), lut_b(B))         with R, G, B clamped to [0,1]
 *   Y = LUMA · C;  Y' = lut_luma(Y)
 *   C = Y > 1e-6 ? C * Y'/Y : (Y', Y', Y');  clamp to [0,1]
 */
export function curvePixel(r: number, g: number, b: number, luts: Float32Array): [number, number, number] {
  const c = [lookup(luts, 1, r), lookup(luts, 2, g), lookup(luts, 3, b)];
  const y = LUMA[0] * c[0]! + LUMA[1] * c[1]! + LUMA[2] * c[2]!;
  const y2 = lookup(luts, 0, y);
  return c.map((v) => clamp(y > 1e-6 ? v * (y2 / y) : y2, 0, 1)) as [number, number, number];
}

/** A display-encoded float image through the curves to RGBA8 (alpha 255). */
export function applyCurves(img: FloatImage, luts: Float32Array): Uint8ClampedArray {
  const n = img.width * img.height;
  const d = img.data;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = curvePixel(d[i * 4]!, d[i * 4 + 1]!, d[i * 4 + 2]!, luts);
    out.set([toByte(r), toByte(g), toByte(b), 255], i * 4);
  }
  return out;
}
