import { describe, expect, it } from 'vitest';
import { defaultParams } from '../../params';
import { luminance } from '../../reference/color';
import { compressGamut, finishFusedPixel, fusedRollOff, fusedToe, GAMUT_KNEE, GAMUT_LIMIT, tonemapPixel } from './tonemap';

describe('compressGamut (colours beyond the display gamut)', () => {
  const room = (c: number[]) => {
    const L = luminance(c[0]!, c[1]!, c[2]!);
    return (Math.max(...c) - L) / (1 - L);
  };

  it('leaves greys and colours within the knee as they are; from luminance 1 on, white', () => {
    for (const c of [
      [0.5, 0.5, 0.5],
      [2, 2, 2],
      [0.4, 0.3, 0.2],
      [0, 0, 0],
    ] as [number, number, number][]) {
      if (luminance(...c) < 1) expect(room(c)).toBeLessThanOrEqual(GAMUT_KNEE);
      expect(compressGamut(c)).toEqual(c);
    }
    const L = luminance(3, 2, 0.5);
    expect(compressGamut([3, 2, 0.5])).toEqual([L, L, L]);
  });

  it('out of gamut: every channel within [0, 1), its chroma below GAMUT_LIMIT of the room, luminance kept, hue kept (C − L scaled by one factor)', () => {
    for (const c of [
      [0.4, 0.6, 1.8],
      [1.6, 0.2, 0.05],
      [0.05, 1.2, 0.1],
      [0.9, 0.95, 1.05],
    ] as [number, number, number][]) {
      const L = luminance(...c);
      const out = compressGamut(c);
      expect(room(out)).toBeLessThan(GAMUT_LIMIT);
      expect(luminance(...out)).toBeCloseTo(L, 12);
      for (const v of out) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(1);
      }
      const s = (out[0] - L) / (c[0] - L);
      expect((out[1] - L) / (c[1] - L)).toBeCloseTo(s, 12);
      expect((out[2] - L) / (c[2] - L)).toBeCloseTo(s, 12);
    }
  });

  it('continuous with slope 1 at the knee, and the largest channel grows with the chroma (gradation kept)', () => {
    // c = L + d·(−1, −1, 1/0.0722 − 1)·…: a blue at luminance 0.3 whose blue channel rises with d.
    const at = (d: number): [number, number, number] => [0.3 - d, 0.3 - d, 0.3 + (d * (1 - 0.0722)) / 0.0722];
    const knee = (GAMUT_KNEE * 0.7 * 0.0722) / (1 - 0.0722);
    expect(compressGamut(at(knee * 0.999))[2]).toBe(at(knee * 0.999)[2]);
    const e = 1e-7;
    expect((compressGamut(at(knee + e))[2] - compressGamut(at(knee))[2]) / (at(knee + e)[2] - at(knee)[2])).toBeCloseTo(1, 4);
    let last = 0;
    for (let d = 0; d <= 0.3; d += 0.005) {
      const b = compressGamut(at(d))[2];
      expect(b).toBeGreaterThanOrEqual(last);
      expect(b).toBeLessThan(1);
      last = b;
    }
  });

  it('in the tone mapping: a bright saturated blue keeps a gradation where clipping would flatten it', () => {
    const p = { ...defaultParams(), whitePoint: 64 };
    const stats = { logAvg: 0.18, minL: 0.01, maxL: 100, meanR: 1, meanG: 1, meanB: 1 };
    const blues = [2, 3, 4].map((k) => tonemapPixel(0.1 * k, 0.2 * k, 1.0 * k, stats, p));
    expect(blues[1]![2]).toBeGreaterThan(blues[0]![2]);
    expect(blues[2]![2]).toBeGreaterThan(blues[1]![2]);
    expect(blues[2]![2]).toBeLessThan(1);
  });
});

describe('fusedRollOff (fusion highlight roll-off)', () => {
  it('white 1 is the identity (the clamp after it clips, as before the roll-off)', () => {
    for (const x of [0, 0.5, 0.99, 1, 1.3, 4]) expect(fusedRollOff(x, 1)).toBe(x);
  });

  it('identity up to the knee max(0.7, 1 − 0.15·(W − 1)), slope 1 there, W to 1, increasing between', () => {
    for (const w of [1.5, 2, 3, 4]) {
      const k = Math.max(0.7, 1 - 0.15 * (w - 1));
      expect(fusedRollOff(k * 0.999, w)).toBe(k * 0.999);
      expect((fusedRollOff(k + 1e-6, w) - k) / 1e-6).toBeCloseTo(1, 4);
      expect(fusedRollOff(w, w)).toBeCloseTo(1, 12);
      let last = -1;
      for (let x = 0; x <= w; x += 0.01) {
        const y = fusedRollOff(x, w);
        expect(y).toBeGreaterThan(last);
        expect(y).toBeLessThanOrEqual(x + 1e-12);
        last = y;
      }
    }
  });

  it('hand value: W 2, knee 0.85, x 1 (t 1, A 1.15/0.15) → 0.85 + 0.15·(1 + 1/A²)/2', () => {
    expect(fusedRollOff(1, 2)).toBeCloseTo(0.85 + (0.15 * (1 + (0.15 / 1.15) ** 2)) / 2, 12);
  });

  it('at white 2, a fused 1.4 (over white) and a fused 1.0 stay apart after finishing; at white 1 (the default) both clip', () => {
    const p = { ...defaultParams(), fusedWhite: 2 };
    const over = finishFusedPixel(1.4, 1.4, 1.4, p)[0];
    const white = finishFusedPixel(1, 1, 1, p)[0];
    expect(over - white).toBeGreaterThan(0.02);
    expect(over).toBeLessThan(1);
    const clip = defaultParams();
    expect(finishFusedPixel(1.4, 1.4, 1.4, clip)[0]).toBeCloseTo(1, 12);
    expect(finishFusedPixel(1, 1, 1, clip)[0]).toBeCloseTo(1, 12);
  });
});

describe('fusedToe (fusion shadow toe)', () => {
  it('black 0 is the identity (negatives then clip, as before the toe)', () => {
    for (const v of [-0.3, -0.01, 0, 0.1, 0.9]) expect(fusedToe(v, 0)).toBe(v);
  });

  it('identity from the knee min(0.25, −2·B) up, slope 1 there, B to 0, increasing below', () => {
    for (const b of [-0.02, -0.05, -0.2, -0.5]) {
      const t = Math.min(0.25, -2 * b);
      expect(fusedToe(t, b)).toBe(t);
      expect(fusedToe(0.6, b)).toBe(0.6);
      expect((t - fusedToe(t - 1e-7, b)) / 1e-7).toBeCloseTo(1, 4);
      expect(fusedToe(b, b)).toBeCloseTo(0, 12);
      let last = -Infinity;
      for (let v = b; v <= t; v += 0.001) {
        const y = fusedToe(v, b);
        expect(y).toBeGreaterThan(last);
        expect(y).toBeGreaterThanOrEqual(v - 1e-12);
        last = y;
      }
    }
  });

  it('hand value: B −0.05, knee 0.1, v 0 (d 1, A 1.5) → 0.1 − 0.1·(1 + 1/A²)/2', () => {
    expect(fusedToe(0, -0.05)).toBeCloseTo(0.1 - (0.1 * (1 + 1 / 2.25)) / 2, 12);
  });

  it('at black −0.05, a fused −0.03 (under black) and a fused 0 stay apart after finishing; at black 0 (the default) both are black', () => {
    const p = { ...defaultParams(), fusedBlack: -0.05 };
    expect(finishFusedPixel(0, 0, 0, p)[0] - finishFusedPixel(-0.03, -0.03, -0.03, p)[0]).toBeGreaterThan(0.01);
    expect(finishFusedPixel(-0.03, -0.03, -0.03, p)[0]).toBeGreaterThan(0);
    expect(finishFusedPixel(-0.03, -0.03, -0.03, defaultParams())[0]).toBe(0);
    expect(finishFusedPixel(0, 0, 0, defaultParams())[0]).toBe(0);
  });
});
