import { describe, expect, it } from 'vitest';
import { defaultParams } from '../../params';
import { finishFusedPixel, fusedRollOff, fusedToe } from './tonemap';

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
