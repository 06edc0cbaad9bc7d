// Step 3 of the alignment reference (align.ts): the bilinear warp.
import type { Rgba8 } from './constants';
import type { Matrix3 } from './transforms';

/** A sample this close beyond a bracket's edge samples still counts as inside it (pixels; shaders/align/align-warp.wgsl EDGE). */
export const EDGE = 1e-3;

/** Warp an RGBA8 image: out(x) = bilinear sample of img at M x (clamped), alpha 255 inside, 0 outside. */
export function warpRgba8(img: Rgba8, m: Matrix3): Uint8Array {
  const { width: w, height: h, pixels } = img;
  const out = new Uint8Array(4 * w * h);
  const f = m.map((v) => Math.fround(v));
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const d = f[6]! * x + f[7]! * y + f[8]!;
      const ux = (f[0]! * x + f[1]! * y + f[2]!) / d;
      const uy = (f[3]! * x + f[4]! * y + f[5]!) / d;
      const inside = ux >= -EDGE && uy >= -EDGE && ux <= w - 1 + EDGE && uy <= h - 1 + EDGE;
      const cx = Math.min(w - 1, Math.max(0, ux));
      const cy = Math.min(h - 1, Math.max(0, uy));
      const x0 = Math.floor(cx);
      const y0 = Math.floor(cy);
      const x1 = Math.min(x0 + 1, w - 1);
      const y1 = Math.min(y0 + 1, h - 1);
      const fx = cx - x0;
      const fy = cy - y0;
      const o = 4 * (y * w + x);
      for (let c = 0; c < 3; c++) {
        const at = (xx: number, yy: number) => pixels[4 * (yy * w + xx) + c]! / 255;
        const v = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x1, y0)) + fy * ((1 - fx) * at(x0, y1) + fx * at(x1, y1));
        out[o + c] = Math.round(v * 255);
      }
      out[o + 3] = inside ? 255 : 0;
    }
  return out;
}
