import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LUMA } from '../../types';
import { HISTOGRAM_BINS, HISTOGRAM_LENGTH, HISTOGRAM_PLANE, LUMA_WEIGHTS_1E4, displayHistogram, histogramPlane, lumaBin } from './histogram';

const img = (pixels: number[][]) => ({ width: pixels.length, height: 1, data: Uint8Array.from(pixels.flat()) });

describe('lumaBin', () => {
  it('is round(255 · dot(v, Rec. 709 luma)) on the encoded values', () => {
    for (let k = 0; k < 2000; k++) {
      const r = (k * 37) % 256;
      const g = (k * 101 + 7) % 256;
      const b = (k * 13 + 200) % 256;
      const exact = (LUMA_WEIGHTS_1E4[0] * r + LUMA_WEIGHTS_1E4[1] * g + LUMA_WEIGHTS_1E4[2] * b) / 10000;
      if (Math.abs((exact % 1) - 0.5) < 1e-9) continue; // ties: below
      expect(lumaBin(r, g, b)).toBe(Math.round(255 * (LUMA[0] * (r / 255) + LUMA[1] * (g / 255) + LUMA[2] * (b / 255))));
    }
  });

  it('rounds exact ties up', () => {
    // Byte triples whose weighted sum is exactly k + 0.5: Math.round on floats could go either way.
    let found = 0;
    for (let r = 0; r < 256 && found < 5; r++)
      for (let b = 0; b < 256 && found < 5; b++)
        for (const g of [0, 1, 2]) {
          const num = 2126 * r + 7152 * g + 722 * b;
          if (num % 10000 !== 5000) continue;
          expect(lumaBin(r, g, b)).toBe((num + 5000) / 10000);
          found++;
        }
    expect(found).toBeGreaterThan(0);
  });

  it('keeps grey on its own bin and stays within 0…255', () => {
    for (let v = 0; v < 256; v++) expect(lumaBin(v, v, v)).toBe(v);
    expect(lumaBin(255, 255, 255)).toBe(255);
    expect(lumaBin(0, 0, 0)).toBe(0);
  });

  it('uses the weights of types.ts LUMA and the same ones as the shader', () => {
    expect(LUMA_WEIGHTS_1E4.map((w) => w / 10000)).toEqual([...LUMA]);
    expect(LUMA_WEIGHTS_1E4.reduce((a, b) => a + b, 0)).toBe(10000);
    const wgsl = readFileSync(fileURLToPath(new URL('../../../../shaders/histogram/histogram.wgsl', import.meta.url)), 'utf8');
    expect(wgsl).toContain(`const LUMA_1E4 = vec3u(${LUMA_WEIGHTS_1E4.map((w) => `${w}u`).join(', ')});`);
  });
});

describe('displayHistogram', () => {
  it('counts each channel byte and the luma in four planes of 256', () => {
    const h = displayHistogram(
      img([
        [255, 0, 0, 255],
        [0, 255, 0, 0],
        [10, 10, 10, 7],
        [10, 200, 30, 255],
      ]),
    );
    expect(h.length).toBe(HISTOGRAM_LENGTH);
    const r = histogramPlane(h, 'r');
    const g = histogramPlane(h, 'g');
    const b = histogramPlane(h, 'b');
    const l = histogramPlane(h, 'luma');
    expect([r[255], r[0], r[10]]).toEqual([1, 1, 2]);
    expect([g[0], g[255], g[10], g[200]]).toEqual([1, 1, 1, 1]);
    expect([b[0], b[10], b[30]]).toEqual([2, 1, 1]);
    expect(l[lumaBin(255, 0, 0)]).toBe(1); // 54
    expect(l[lumaBin(0, 255, 0)]).toBe(1); // 182
    expect(l[10]).toBe(1);
    expect(l[lumaBin(10, 200, 30)]).toBe(1);
    for (const plane of [r, g, b, l]) expect(plane.reduce((a, c) => a + c, 0)).toBe(4);
  });

  it('puts plane p, bin v at p · 256 + v', () => {
    const h = displayHistogram(img([[1, 2, 3, 0]]));
    expect(h[HISTOGRAM_PLANE.r * HISTOGRAM_BINS + 1]).toBe(1);
    expect(h[HISTOGRAM_PLANE.g * HISTOGRAM_BINS + 2]).toBe(1);
    expect(h[HISTOGRAM_PLANE.b * HISTOGRAM_BINS + 3]).toBe(1);
    expect(h[HISTOGRAM_PLANE.luma * HISTOGRAM_BINS + lumaBin(1, 2, 3)]).toBe(1);
    expect(h.reduce((a, c) => a + c, 0)).toBe(4);
  });

  it('ignores bytes past width × height and rejects short data', () => {
    const h = displayHistogram({ width: 1, height: 1, data: Uint8Array.from([5, 5, 5, 5, 9, 9, 9, 9]) });
    expect(histogramPlane(h, 'r')[5]).toBe(1);
    expect(histogramPlane(h, 'r')[9]).toBe(0);
    expect(() => displayHistogram({ width: 2, height: 2, data: new Uint8Array(15) })).toThrow(RangeError);
    expect(displayHistogram({ width: 0, height: 0, data: new Uint8Array(0) }).every((c) => c === 0)).toBe(true);
  });
});
