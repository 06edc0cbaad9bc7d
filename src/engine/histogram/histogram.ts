// Reading the log2-luminance histogram of the luminance pass.
import { HIST_BINS, type LuminanceStats } from '../types';

/** log2 luminance below which a fraction p of the pixels lie (bin centres). */
export function log2Percentile(stats: Pick<LuminanceStats, 'histogram' | 'histLo' | 'histHi'>, p: number): number {
  const total = stats.histogram.reduce((a, b) => a + b, 0);
  const target = Math.min(1, Math.max(0, p)) * total;
  const width = (stats.histHi - stats.histLo) / HIST_BINS;
  let seen = 0;
  for (let b = 0; b < HIST_BINS; b++) {
    seen += stats.histogram[b] ?? 0;
    if (seen >= target && seen > 0) return stats.histLo + (b + 0.5) * width;
  }
  return stats.histHi;
}

/** The scene's dynamic range in stops, ignoring the darkest and brightest `clip` of pixels. */
export function dynamicRangeEv(stats: Pick<LuminanceStats, 'histogram' | 'histLo' | 'histHi'>, clip = 0.001): number {
  return Math.max(0, log2Percentile(stats, 1 - clip) - log2Percentile(stats, clip));
}
