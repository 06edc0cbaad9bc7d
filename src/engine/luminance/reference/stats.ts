// Luminance reduction of a radiance map: the log-average ("key") of Reinhard
// et al. 2002, eq. 1, plus min/max and a log2 histogram.

import { FUSED_FLOOR, HIST_BINS, LOG_DELTA, type FloatImage, type LuminanceStats } from '../../types';
import { luminance } from '../../reference/color';

/**
 * L = luminance(R,G,B) per pixel.
 *   logAvg = exp(mean(ln(L + LOG_DELTA)))   (accumulated in float64)
 *   minL, maxL over all pixels; meanR, meanG, meanB the channel means
 *   lo = log2(max(minL, LOG_DELTA)), hi = log2(max(maxL, LOG_DELTA)); hi − lo < 1e-6 → hi = lo + 1
 *   bin = clamp(floor((log2(max(L, LOG_DELTA)) − lo) / (hi − lo) * 256), 0, 255)
 * Throws on an empty image.
 */
export function luminanceStats(img: FloatImage): LuminanceStats {
  const n = img.width * img.height;
  if (n <= 0) throw new Error('luminanceStats: empty image');
  const d = img.data;
  const lum = new Float64Array(n);
  let logSum = 0;
  let minL = Infinity;
  let maxL = -Infinity;
  const sum = [0, 0, 0];
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) sum[c]! += d[p * 4 + c] ?? 0;
    const L = luminance(d[p * 4] ?? 0, d[p * 4 + 1] ?? 0, d[p * 4 + 2] ?? 0);
    lum[p] = L;
    logSum += Math.log(L + LOG_DELTA);
    minL = Math.min(minL, L);
    maxL = Math.max(maxL, L);
  }

  const lo = Math.log2(Math.max(minL, LOG_DELTA));
  let hi = Math.log2(Math.max(maxL, LOG_DELTA));
  if (hi - lo < 1e-6) hi = lo + 1;
  const histogram = new Uint32Array(HIST_BINS);
  for (let p = 0; p < n; p++) {
    const t = (Math.log2(Math.max(lum[p] ?? 0, LOG_DELTA)) - lo) / (hi - lo);
    const b = Math.min(HIST_BINS - 1, Math.max(0, Math.floor(t * HIST_BINS)));
    histogram[b] = (histogram[b] ?? 0) + 1;
  }

  const [meanR, meanG, meanB] = sum.map((v) => v / n) as [number, number, number];
  return { logAvg: Math.exp(logSum / n), minL, maxL, histLo: lo, histHi: hi, meanR, meanG, meanB, histogram };
}

/**
 * The statistics the FUSED variant of the pass takes of a fused image
 * (sRGB-encoded, over 1 or under 0 where the fusion overshot):
 * luminanceStats of every pixel set to m = max(FUSED_FLOOR, 1 + max(R, G, B))
 * in all three channels (so L = m: the luminance weights sum to 1).
 */
export function fusedStats(img: FloatImage): LuminanceStats {
  const data = new Float32Array(img.data.length);
  for (let p = 0; p < img.width * img.height; p++) {
    const m = Math.max(FUSED_FLOOR, 1 + Math.max(img.data[p * 4] ?? 0, img.data[p * 4 + 1] ?? 0, img.data[p * 4 + 2] ?? 0));
    data.set([m, m, m, 1], p * 4);
  }
  return luminanceStats({ width: img.width, height: img.height, data });
}
