import { describe, expect, it } from 'vitest';
import operatorsWgsl from '../../../../shaders/lib/operators.wgsl?raw';
import { defaultParams } from '../../params';
import { clamp, linearToSrgb } from '../../reference/color';
import {
  applyOperator,
  byRatio,
  applyOperatorToImage,
  DEFAULT_OPERATOR_PARAMS,
  drago03,
  OPERATOR_IDS,
  operatorStats,
  preExposure,
  rd05Contrast,
  rd05Key,
  reinhard02,
  reinhardDevlin05,
  type OperatorParams,
  type OperatorStats,
} from './operators';
import { aces, acesFit, agx, agxSigmoid, pbrNeutral } from './display';
import { RATIO_OPERATORS, type OperatorId } from '../operators';
import type { Rgb } from './rgb';

const grey = (v: number): Rgb => [v, v, v];
const P = (over: Partial<OperatorParams> = {}): OperatorParams => ({ ...DEFAULT_OPERATOR_PARAMS, ...over });
/** logAvg 1, L in [0.01, 100], grey mean 1: the RD05 key k is exactly 0.5. */
const STATS: OperatorStats = { logAvg: 1, minL: 0.01, maxL: 100, meanR: 1, meanG: 1, meanB: 1 };

function expectRgb(got: Rgb, want: Rgb, digits = 6): void {
  got.forEach((v, i) => expect(v, `channel ${i}`).toBeCloseTo(want[i] ?? NaN, digits));
}

/** Param variants each operator is swept with. */
const VARIANTS: Record<(typeof OPERATOR_IDS)[number], OperatorParams[]> = {
  reinhard02: [P(), P({ key: 0.5, whitePoint: 1, exposure: 3 }), P({ whitePoint: 64, exposure: -4 })],
  reinhardDevlin05: [P(), P({ rdIntensity: -8, rdContrast: 1, rdLightAdaptation: 0 }), P({ rdIntensity: 8, rdContrast: 0.3, rdChromaticAdaptation: 1, rdLightAdaptation: 0.5 })],
  drago03: [P(), P({ dragoBias: 0.5 }), P({ dragoBias: 1, exposure: 4 })],
  aces: [P(), P({ exposure: 5 })],
  agx: [P(), P({ agxLook: 1 }), P({ agxLook: 1, exposure: -5 })],
  pbrNeutral: [P(), P({ exposure: 3 })],
};

describe('reinhard02', () => {
  it('hand values: Ls = key/logAvg·L, Ld = Ls(1 + Ls/Lw²)/(1 + Ls)', () => {
    // logAvg 0.5, key 0.18, L = 0.5 → Ls = 0.18 → Ld = 0.18 · (1 + 0.18/64) / 1.18.
    expectRgb(reinhard02(grey(0.5), P(), { logAvg: 0.5 }), grey(0.152971398305));
    expect(reinhard02(grey(0), P(), { logAvg: 0.5 })).toEqual([0, 0, 0]);
  });

  it('burns out exactly at L = Lwhite', () => {
    for (const whitePoint of [0.5, 2, 8, 64]) {
      // Ls = whitePoint ⇒ L = whitePoint · logAvg / key.
      const L = (whitePoint * 0.25) / 0.18;
      expectRgb(reinhard02(grey(L), P({ whitePoint }), { logAvg: 0.25 }), grey(1), 12);
      expect(reinhard02(grey(L * 0.9), P({ whitePoint }), { logAvg: 0.25 })[0]).toBeLessThan(1);
    }
  });

  it('matches reference/tonemap.ts before its gamma and sRGB encoding', () => {
    const pixels: Rgb[] = [
      [0.3, 0.2, 0.1],
      [5, 0.1, 0.02],
      [0, 0, 0],
      [0, 2, 0],
      [40, 30, 20],
      [1e-4, 2e-4, 0],
    ];
    for (const gamma of [0.6, 1, 2.2])
      for (const saturation of [0, 0.5, 1, 1.7])
        for (const rgb of pixels) {
          const p = { ...defaultParams(), exposure: 1.5, key: 0.2, whitePoint: 6, saturation, gamma };
          // Reinhard et al. 2002, eqs. 2 and 4, colour as (C/L)^s, then gamma and sRGB.
          const L = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
          const Ls = (p.key / 0.7) * 2 ** p.exposure * L;
          const Ld = (Ls * (1 + Ls / p.whitePoint ** 2)) / (1 + Ls);
          const raw = rgb.map((C) => (L > 0 ? Ld * Math.pow(C / L, saturation) : 0));
          const want = raw.map((v) => linearToSrgb(clamp(Math.pow(v, 1 / gamma), 0, 1)));
          const got = reinhard02(rgb, p, { logAvg: 0.7 }).map((v) => linearToSrgb(clamp(Math.pow(v, 1 / gamma), 0, 1)));
          got.forEach((v, i) => expect(v).toBeCloseTo(want[i] ?? NaN, 12));
        }
  });
});

describe('byRatio', () => {
  it('scales colour by the luminance ratio raised to s, leaving what passes 1 to the tone mapping (compressGamut)', () => {
    const c = [4, 1, 0.2];
    const L = 0.2126 * 4 + 0.7152 * 1 + 0.0722 * 0.2;
    const out = byRatio(c, L, 0.8, 1);
    out.forEach((v, i) => expect(v).toBeCloseTo((0.8 * c[i]!) / L, 12));
    expect(Math.max(...out)).toBeGreaterThan(1);
    const half = byRatio(c, L, 0.8, 0.5);
    half.forEach((v, i) => expect(v).toBeCloseTo(0.8 * Math.sqrt(c[i]! / L), 12));
    expect(byRatio([0, 0, 0], 0, 0, 1)).toEqual([0, 0, 0]);
  });
});

describe('reinhardDevlin05', () => {
  it('key k and automatic contrast m = 0.3 + 0.7 k^1.4', () => {
    expect(rd05Key(STATS)).toBeCloseTo(0.5, 12);
    expect(rd05Contrast(0, STATS)).toBeCloseTo(0.56525039914, 10);
    expect(rd05Contrast(0.6, STATS)).toBe(0.6);
    expect(rd05Contrast(0.1, STATS)).toBe(0.3);
    expect(rd05Key({ logAvg: 2, minL: 2, maxL: 2 })).toBe(0.5);
  });

  it('hand values, light adaptation 1 (local), chromatic 0: V = I / (I + L^m), normalised by grey V at minL, maxL', () => {
    // m = 0.565250…, V(L) = L / (L + L^m) on grey; vmin = V(0.01), vmax = V(100).
    expectRgb(reinhardDevlin05(grey(1), P(), STATS), grey(0.5), 9);
    expectRgb(reinhardDevlin05(grey(10), P(), STATS), grey(0.80348330052), 9);
    expectRgb(reinhardDevlin05(grey(100), P(), STATS), grey(1), 9);
    expectRgb(reinhardDevlin05(grey(0.01), P(), STATS), grey(0), 9);
    // Coloured: σ = L^m with L = luminance(2, 1, 0.5) = 1.1765 for every channel.
    expectRgb(reinhardDevlin05([2, 1, 0.5], P(), STATS), [0.691522467712, 0.469878820215, 0.254916226388], 9);
  });

  it('chromatic adaptation 1: each channel adapts to itself (von Kries)', () => {
    expectRgb(reinhardDevlin05([2, 1, 0.5], P({ rdChromaticAdaptation: 1 }), STATS), [0.598120819897, 0.5, 0.401879180103], 9);
  });

  it('light adaptation 0: adapts to the image mean, V = L / (L + Lav^m)', () => {
    // Lav = 1 → σ = 1 → V = L / (L + 1); vmin = 0.01/1.01, vmax = 100/101.
    expectRgb(reinhardDevlin05(grey(2), P({ rdLightAdaptation: 0 }), STATS), grey(0.67003367003367), 9);
  });

  it('is independent of the radiance map scale (stats scaled alike)', () => {
    const k = 37.5;
    const scaled: OperatorStats = { logAvg: k, minL: 0.01 * k, maxL: 100 * k, meanR: k, meanG: k, meanB: k };
    for (const p of VARIANTS.reinhardDevlin05) expectRgb(reinhardDevlin05([3 * k, 2 * k, k], p, scaled), reinhardDevlin05([3, 2, 1], p, STATS), 9);
  });
});

describe('drago03', () => {
  const stats = { logAvg: 1, maxL: 100 };
  it('hand values: Ld = ln(Lw+1) / ln(2 + 8 (Lw/Lwmax)^p) / log10(Lwmax+1), p = ln 0.85 / ln 0.5', () => {
    expectRgb(drago03(grey(1), P(), stats), grey(0.222931752902), 9);
    expectRgb(drago03(grey(10), P(), stats), grey(0.630825189813), 9);
    expect(drago03(grey(0), P(), stats)).toEqual([0, 0, 0]);
  });

  it('Lwmax maps to 1 whatever the bias and exposure', () => {
    for (const dragoBias of [0.5, 0.7, 0.85, 1]) for (const exposure of [-3, 0, 2]) expectRgb(drago03(grey(100), P({ dragoBias, exposure }), stats), grey(1), 9);
    expectRgb(drago03(grey(7), P(), { logAvg: 0.3, maxL: 7 }), grey(1), 9);
  });

  it('carries colour by the luminance ratio', () => {
    const L = 0.2126 * 4 + 0.7152 * 2 + 0.0722 * 1;
    const Ld = drago03(grey(L), P(), stats)[0];
    expectRgb(drago03([4, 2, 1], P(), stats), [Math.min(1, (Ld * 4) / L), (Ld * 2) / L, Ld / L], 12);
  });
});

describe('aces (Hill fit)', () => {
  it('hand values of RRTAndODTFit on grey (input rows sum to 1; output rows to 1, 1, 0.99999)', () => {
    expect(acesFit(0)).toBeCloseTo(-0.000380278, 9);
    expect(aces(grey(0))).toEqual([0, 0, 0]);
    expectRgb(aces(grey(0.18)), [0.105591247, 0.105591247, 0.105590191], 8);
    expectRgb(aces(grey(1)), [0.619115427, 0.619115427, 0.619109236], 8);
    expectRgb(aces(grey(10)), [0.973821812, 0.973821812, 0.973812074], 8);
    expectRgb(aces(grey(1e6)), grey(1), 9);
  });
});

describe('agx', () => {
  it('sigmoid fit hand values', () => {
    expect(agxSigmoid(0)).toBeCloseTo(-0.00232, 12);
    expect(agxSigmoid(1)).toBeCloseTo(15.5 - 40.14 + 31.96 - 6.868 + 0.4298 + 0.1191 - 0.00232, 12);
    // Middle grey: log2(0.18) is 10 stops above the bottom of the 16.5-stop range.
    expect(agxSigmoid(10 / 16.5)).toBeCloseTo(0.49673064, 7);
  });

  it('middle grey: ≈ sigmoid(10/16.5)^2.2 = 0.2145 (base), 0.0966 (punchy)', () => {
    expectRgb(agx(grey(0.18), P()), [0.21446743, 0.21453267, 0.21453673], 7);
    expectRgb(agx(grey(0.18), P({ agxLook: 1 })), [0.09661163, 0.09662223, 0.09662289], 7);
  });

  it('the ends of the log range: black and white', () => {
    // Below 0.18·2^−10 the sigmoid gives −0.00232 → clamped 0; above 0.18·2^6.5 it gives 0.99858,
    // times the outset rows' sums (0.999828, 1.000045, 1.000059), to the power 2.2.
    expect(agx(grey(0), P())).toEqual([0, 0, 0]);
    expectRgb(agx(grey(1000), P()), [0.996502314, 0.996977577, 0.997007155], 8);
  });
});

describe('pbrNeutral', () => {
  it('below the compression start: C − 0.04 for min(C) >= 0.08, C − (x − 6.25x²) below', () => {
    expectRgb(pbrNeutral(grey(0.5)), grey(0.46), 12);
    expectRgb(pbrNeutral([0.3, 0.5, 0.7]), [0.26, 0.46, 0.66], 12);
    expectRgb(pbrNeutral([0.05, 0.3, 0.6]), [0.015625, 0.265625, 0.565625], 12);
    expect(pbrNeutral(grey(0))).toEqual([0, 0, 0]);
  });

  it('above it compresses: pn = 1 − (1−Ks)²/(p + 1 − 2Ks), desaturating towards pn', () => {
    // Grey 1 → p = 0.96 → pn = 1 − 0.0576/0.44.
    expectRgb(pbrNeutral(grey(1)), grey(0.869090909091), 9);
    expectRgb(pbrNeutral([1, 0.5, 0.2]), [0.869090909091, 0.422528876206, 0.154591656475], 9);
    // At the start itself (0.8 − 0.04 = Ks) nothing is compressed yet; just above, pn < p.
    expect(pbrNeutral(grey(0.8))[0]).toBeCloseTo(0.76, 12);
    expectRgb(pbrNeutral(grey(0.9)), grey(1 - 0.0576 / 0.34), 12);
    expect(pbrNeutral(grey(1e9))[0]).toBeCloseTo(1, 6);
  });
});

describe('every operator', () => {
  const greys = [0, ...Array.from({ length: 241 }, (_, i) => Math.pow(2, -20 + i / 6))];

  // The ratio operators (Reinhard 2002, Drago) may pass 1 (a white point below the scene's brightest): the tone mapping rolls that off after them (tonemap.ts compressGamut).
  const capped = (id: OperatorId) => !RATIO_OPERATORS.includes(id);

  it.each(OPERATOR_IDS)('%s: monotonic along the grey axis, outputs >= 0 (and <= 1 but for the ratio operators)', (id) => {
    for (const p of VARIANTS[id]) {
      let prev = -Infinity;
      for (const g of greys) {
        const out = applyOperator(id, grey(g), p, STATS);
        for (const v of out) {
          expect(v).toBeGreaterThanOrEqual(0);
          if (capped(id)) expect(v).toBeLessThanOrEqual(1);
        }
        // 1e-9: AgX punchy's toe (pow 1.35, saturation 1.4) wobbles by ~1e-10 near black.
        // Above 1 it is white on screen whatever it is (Drago's curve may fall past its white).
        const shown = Math.min(out[1], 1);
        expect(shown, `${id} ${JSON.stringify(p)} at ${g}`).toBeGreaterThanOrEqual(prev - 1e-9);
        prev = shown;
      }
    }
  });

  it.each(OPERATOR_IDS)('%s: finite at 0, at huge input and for saturated colours', (id) => {
    const inputs: Rgb[] = [grey(0), grey(1e30), grey(3.4e38), grey(Infinity), [1e30, 0, 0], [0, 0, 5], [0, 1e-30, 0]];
    const statsList: OperatorStats[] = [STATS, { logAvg: 1e-6, minL: 0, maxL: 0, meanR: 0, meanG: 0, meanB: 0 }];
    for (const stats of statsList)
      for (const p of VARIANTS[id])
        for (const rgb of inputs)
          for (const v of applyOperator(id, rgb, p, stats)) {
            expect(Number.isFinite(v), `${id} ${JSON.stringify(rgb)}`).toBe(true);
            expect(v).toBeGreaterThanOrEqual(0);
            if (capped(id)) expect(v).toBeLessThanOrEqual(1);
          }
  });

  it('applyOperator pre-exposes aces, agx and pbrNeutral: logAvg → 0.18 · 2^exposure', () => {
    expect(preExposure(0, 0.18)).toBeCloseTo(1, 12);
    expect(preExposure(2, 0.5)).toBeCloseTo(1.44, 12);
    const stats = { ...STATS, logAvg: 0.5 };
    const rgb: Rgb = [0.4, 0.3, 0.2];
    const k = 0.18 / 0.5;
    const x: Rgb = [0.4 * k, 0.3 * k, 0.2 * k];
    expect(applyOperator('aces', rgb, P(), stats)).toEqual(aces(x));
    expect(applyOperator('agx', rgb, P({ agxLook: 1 }), stats)).toEqual(agx(x, { agxLook: 1 }));
    expect(applyOperator('pbrNeutral', rgb, P(), stats)).toEqual(pbrNeutral(x));
    expect(applyOperator('reinhard02', rgb, P(), stats)).toEqual(reinhard02(rgb, P(), stats));
    expect(applyOperator('drago03', rgb, P(), stats)).toEqual(drago03(rgb, P(), stats));
    expect(applyOperator('reinhardDevlin05', rgb, P(), stats)).toEqual(reinhardDevlin05(rgb, P(), stats));
  });

  it('operatorStats and applyOperatorToImage', () => {
    const img = { width: 2, height: 1, data: new Float32Array([1, 2, 3, 1, 3, 4, 5, 1]) };
    const s = operatorStats(img);
    expect([s.meanR, s.meanG, s.meanB]).toEqual([2, 3, 4]);
    expect(s.minL).toBeCloseTo(0.2126 + 1.4304 + 0.2166, 6);
    expect(s.maxL).toBeCloseTo(0.6378 + 2.8608 + 0.361, 6);
    expect(() => operatorStats({ width: 0, height: 0, data: new Float32Array(0) })).toThrow();
    const out = applyOperatorToImage(img, 'aces', P());
    expect(out.width).toBe(2);
    expect(out.data[3]).toBe(1);
    expect(out.data[4]).toBe(Math.fround(applyOperator('aces', [3, 4, 5], P(), s)[0]));
  });
});

describe('shaders/lib/operators.wgsl ↔ OPERATOR_IDS', () => {
  const snake = (id: string): string => id.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);
  const body = /fn\s+apply_operator\s*\([^)]*\)\s*->\s*vec3f\s*\{([\s\S]*?)\n\}/.exec(operatorsWgsl)?.[1] ?? '';

  it.each(OPERATOR_IDS)('%s has its WGSL fn', (id) => {
    expect(operatorsWgsl).toMatch(new RegExp(`\\bfn\\s+${snake(id)}\\s*\\(`));
  });

  it('apply_operator selects them by case index in OPERATOR_IDS order', () => {
    const cases = [...body.matchAll(/case\s+(\d+)u?\s*:\s*\{\s*\w+\s*=\s*(\w+)\s*\(/g)].map((m) => [Number(m[1]), m[2]]);
    expect(cases).toEqual(OPERATOR_IDS.map((id, i) => [i, snake(id)]));
  });

  it('is a library: no entry points, bindings, f16 or enables', () => {
    expect(operatorsWgsl).not.toMatch(/@(compute|vertex|fragment|group|binding)\b/);
    expect(operatorsWgsl).not.toMatch(/\bf16\b|\benable\b|\bvar<(uniform|storage)/);
  });
});
