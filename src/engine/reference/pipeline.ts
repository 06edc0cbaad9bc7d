// The whole CPU reference: merge → stats → tonemap, plus a box downsample.

import type { Bracket, FloatImage, LuminanceStats } from '../types';
import type { Params } from '../params';
import { mergeRadiance } from '../merge/reference/merge';
import { luminanceStats } from '../luminance/reference/stats';
import { tonemap } from '../tonemap/reference/tonemap';

export interface ReferenceResult {
  readonly radiance: FloatImage;
  readonly stats: LuminanceStats;
  /** RGBA8, alpha 255. */
  readonly rgba8: Uint8ClampedArray;
}

/** Brackets (darkest first) → radiance, its luminance stats and the tone-mapped RGBA8. */
export function referencePipeline(brackets: readonly Bracket[], params: Params): ReferenceResult {
  const radiance = mergeRadiance(brackets);
  const stats = luminanceStats(radiance);
  return { radiance, stats, rgba8: tonemap(radiance, stats, params) };
}

/**
 * Box downsample (all four channels) of a region (x0, y0, x1, y1; default the
 * whole image) of width W and height H. Output (x,y) is the mean of region
 * columns x0 = floor(x*W/outW) .. x1 = max(x0+1, floor((x+1)*W/outW)) (x1
 * exclusive), and the same for rows.
 */
export function downsampleBox(img: FloatImage, outW: number, outH: number, region?: readonly [number, number, number, number]): FloatImage {
  const { data: src } = img;
  const [rx, ry, rx1, ry1] = region ?? [0, 0, img.width, img.height];
  if (rx < 0 || ry < 0 || rx1 > img.width || ry1 > img.height) throw new Error(`downsampleBox: region ${region?.join(',')} outside the image`);
  const W = rx1 - rx;
  const H = ry1 - ry;
  const stride = img.width;
  if (!Number.isInteger(outW) || !Number.isInteger(outH) || outW < 1 || outH < 1) {
    throw new Error(`downsampleBox: bad output size ${outW}x${outH}`);
  }
  if (W < 1 || H < 1) throw new Error('downsampleBox: empty image');
  const data = new Float32Array(outW * outH * 4);
  for (let y = 0; y < outH; y++) {
    const y0 = Math.floor((y * H) / outH);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * H) / outH));
    for (let x = 0; x < outW; x++) {
      const x0 = Math.floor((x * W) / outW);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * W) / outW));
      const count = (x1 - x0) * (y1 - y0);
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        for (let sy = y0; sy < y1; sy++) {
          for (let sx = x0; sx < x1; sx++) sum += src[((ry + sy) * stride + rx + sx) * 4 + c] ?? 0;
        }
        data[(y * outW + x) * 4 + c] = sum / count;
      }
    }
  }
  return { width: outW, height: outH, data };
}
