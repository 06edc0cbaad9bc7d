import { describe, expect, it } from 'vitest';
import { dynamicRangeEv, log2Percentile } from './histogram';
import { HIST_BINS } from '../types';

// 256 bins over log2 [-8, 8]: each bin is 1/16 stop wide.
const stats = (fill: (b: number) => number) => ({ histLo: -8, histHi: 8, histogram: Uint32Array.from({ length: HIST_BINS }, (_, b) => fill(b)) });

describe('histogram reading', () => {
  it('finds percentiles at bin centres', () => {
    const s = stats((b) => (b === 16 || b === 240 ? 500 : 0)); // half at log2 -7, half at +7
    expect(log2Percentile(s, 0.25)).toBeCloseTo(-8 + 16.5 / 16);
    expect(log2Percentile(s, 0.75)).toBeCloseTo(-8 + 240.5 / 16);
    expect(dynamicRangeEv(s)).toBeCloseTo(224 / 16);
  });

  it('ignores a few outliers at either end', () => {
    const s = stats((b) => (b === 0 || b === 255 ? 1 : b >= 64 && b < 192 ? 100 : 0));
    // 12,800 pixels in bins 64..191 (8 stops) and one outlier at each end.
    expect(dynamicRangeEv(s, 0.001)).toBeCloseTo(127 / 16);
    expect(dynamicRangeEv(s, 0)).toBeCloseTo(255 / 16);
  });
});
