import { describe, expect, it } from 'vitest';
import { addPoint, bakeCurve, CURVE_LUT_SIZE, curveTangents, evaluateCurve, identityCurve, isIdentity, MIN_POINT_GAP, movePoint, normaliseCurve, removePoint, type CurvePoint } from './curve';
import { rng } from '../reference/random';

/** A normalised curve of 2 + k random points; monotone: 'up' sorts y ascending, 'down' descending. */
function randomCurve(rand: () => number, order: 'up' | 'down' | 'any'): CurvePoint[] {
  const k = Math.floor(rand() * 8);
  const xs = [0, 1, ...Array.from({ length: k }, () => rand())];
  const ys = xs.map(() => rand());
  if (order === 'up') ys.sort((a, b) => a - b);
  if (order === 'down') ys.sort((a, b) => b - a);
  xs.sort((a, b) => a - b);
  // Quantised steps make flat runs and repeated y likely.
  const pts = xs.map((x, i) => ({ x, y: Math.round((ys[i] ?? 0) * 8) / 8 }));
  return normaliseCurve(pts);
}

const SAMPLES = 4001;
const at = <T>(a: readonly T[], i: number): T => {
  const v = a[i];
  if (v === undefined) throw new Error(`index ${i} out of range`);
  return v;
};

describe('normaliseCurve', () => {
  it('empty or all-invalid input gives the identity', () => {
    expect(normaliseCurve([])).toEqual(identityCurve());
    expect(
      normaliseCurve([
        { x: NaN, y: 0.5 },
        { x: 0.5, y: Infinity },
      ]),
    ).toEqual(identityCurve());
  });

  it('sorts by x and clamps into [0,1]²', () => {
    expect(
      normaliseCurve([
        { x: 1.5, y: 2 },
        { x: 0.5, y: 0.25 },
        { x: -1, y: -3 },
      ]),
    ).toEqual([
      { x: 0, y: 0 },
      { x: 0.5, y: 0.25 },
      { x: 1, y: 1 },
    ]);
  });

  it('drops a point closer than 1/256 in x to the previous one, keeping the first', () => {
    const out = normaliseCurve([
      { x: 0, y: 0 },
      { x: 0.5, y: 0.3 },
      { x: 0.5 + MIN_POINT_GAP / 2, y: 0.9 },
      { x: 0.5 + MIN_POINT_GAP, y: 0.4 },
      { x: 1, y: 1 },
    ]);
    expect(out).toEqual([
      { x: 0, y: 0 },
      { x: 0.5, y: 0.3 },
      { x: 0.5 + MIN_POINT_GAP, y: 0.4 },
      { x: 1, y: 1 },
    ]);
  });

  it('adds flat endpoints, or snaps a first/last point within the gap onto 0/1', () => {
    expect(normaliseCurve([{ x: 0.5, y: 0.7 }])).toEqual([
      { x: 0, y: 0.7 },
      { x: 0.5, y: 0.7 },
      { x: 1, y: 0.7 },
    ]);
    expect(
      normaliseCurve([
        { x: 0.001, y: 0.1 },
        { x: 0.999, y: 0.9 },
      ]),
    ).toEqual([
      { x: 0, y: 0.1 },
      { x: 1, y: 0.9 },
    ]);
  });

  it('is idempotent and does not touch its input', () => {
    const rand = rng(1);
    for (let n = 0; n < 200; n++) {
      const raw = Array.from({ length: 1 + Math.floor(rand() * 10) }, () => ({ x: rand() * 1.2 - 0.1, y: rand() * 1.2 - 0.1 }));
      const before = JSON.stringify(raw);
      const once = normaliseCurve(raw);
      expect(JSON.stringify(raw)).toBe(before);
      expect(normaliseCurve(once)).toEqual(once);
      expect(at(once, 0).x).toBe(0);
      expect(at(once, once.length - 1).x).toBe(1);
      for (let i = 1; i < once.length; i++) expect(at(once, i).x - at(once, i - 1).x).toBeGreaterThanOrEqual(MIN_POINT_GAP);
    }
  });
});

describe('evaluateCurve (Fritsch–Carlson)', () => {
  it('passes through every point exactly', () => {
    const rand = rng(2);
    for (let n = 0; n < 300; n++) {
      const pts = randomCurve(rand, 'any');
      for (const p of pts) expect(evaluateCurve(pts, p.x)).toBe(p.y);
    }
  });

  it('holds the end values flat outside the points', () => {
    const pts = [
      { x: 0.2, y: 0.3 },
      { x: 0.8, y: 0.6 },
    ];
    for (const x of [-1, 0, 0.1, 0.2]) expect(evaluateCurve(pts, x)).toBe(0.3);
    for (const x of [0.8, 0.9, 1, 5]) expect(evaluateCurve(pts, x)).toBe(0.6);
    expect(evaluateCurve(pts, NaN)).toBe(0.3);
  });

  it('monotone data gives a monotone curve (random sets, dense sampling)', () => {
    const rand = rng(3);
    const bad: string[] = [];
    for (let n = 0; n < 300; n++) {
      const up = n % 2 === 0;
      const pts = randomCurve(rand, up ? 'up' : 'down');
      let prev = evaluateCurve(pts, 0);
      const lut = bakeCurve(pts, SAMPLES);
      for (let i = 1; i < SAMPLES; i++) {
        const v = lut[i] ?? NaN;
        if (up ? !(v >= prev) : !(v <= prev)) bad.push(`${JSON.stringify(pts)} at ${i}: ${prev} → ${v}`);
        prev = v;
      }
    }
    expect(bad).toEqual([]);
  });

  it('never overshoots: each segment stays within its two points', () => {
    const rand = rng(4);
    const bad: string[] = [];
    for (let n = 0; n < 300; n++) {
      const pts = randomCurve(rand, 'any');
      const lut = bakeCurve(pts, SAMPLES);
      let k = 0;
      for (let i = 0; i < SAMPLES; i++) {
        const x = i / (SAMPLES - 1);
        while (k < pts.length - 2 && at(pts, k + 1).x <= x) k++;
        const a = at(pts, k).y;
        const b = at(pts, k + 1).y;
        const v = lut[i] ?? NaN;
        if (!(v >= Math.fround(Math.min(a, b)) && v <= Math.fround(Math.max(a, b)))) bad.push(`${JSON.stringify(pts)} at ${x}: ${v}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('flat segments stay exactly flat', () => {
    const pts = [
      { x: 0, y: 0 },
      { x: 0.3, y: 0.5 },
      { x: 0.6, y: 0.5 },
      { x: 1, y: 1 },
    ];
    for (let i = 0; i <= 300; i++) expect(evaluateCurve(pts, 0.3 + (0.3 * i) / 300)).toBe(0.5);
  });

  it('two points give a straight line', () => {
    const pts = [
      { x: 0, y: 0.2 },
      { x: 1, y: 0.8 },
    ];
    for (let i = 0; i <= 100; i++) expect(evaluateCurve(pts, i / 100)).toBeCloseTo(0.2 + 0.6 * (i / 100), 14);
  });

  it('tangents: averaged secants, zero at extrema, limited to α²+β² ≤ 9', () => {
    // Secants 1 and 3 → interior tangent 2.
    expect(
      curveTangents([
        { x: 0, y: 0 },
        { x: 0.25, y: 0.25 },
        { x: 0.5, y: 1 },
      ]),
    ).toEqual([1, 2, 3]);
    // A peak: secants change sign → 0.
    expect(
      at(
        curveTangents([
          { x: 0, y: 0 },
          { x: 0.5, y: 1 },
          { x: 1, y: 0 },
        ]),
        1,
      ),
    ).toBe(0);
    // Steep then shallow: secants 9 and 1, tangents 9, 5, 1; segment 1 has α = 5, β = 1 → scaled by 3/√26.
    const m = curveTangents([
      { x: 0, y: 0 },
      { x: 0.1, y: 0.9 },
      { x: 0.2, y: 1 },
    ]);
    expect(at(m, 1)).toBeCloseTo((3 * 5) / Math.sqrt(26), 12);
    expect(at(m, 2)).toBeCloseTo(3 / Math.sqrt(26), 12);
    const rand = rng(5);
    for (let n = 0; n < 300; n++) {
      const pts = randomCurve(rand, 'up');
      const t = curveTangents(pts);
      for (let k = 0; k < pts.length - 1; k++) {
        const d = (at(pts, k + 1).y - at(pts, k).y) / (at(pts, k + 1).x - at(pts, k).x);
        if (d === 0) {
          expect(at(t, k)).toBe(0);
          expect(at(t, k + 1)).toBe(0);
        } else {
          const a = at(t, k) / d;
          const b = at(t, k + 1) / d;
          expect(a).toBeGreaterThanOrEqual(0);
          expect(b).toBeGreaterThanOrEqual(0);
          expect(a * a + b * b).toBeLessThanOrEqual(9 + 1e-9);
        }
      }
    }
  });
});

describe('bakeCurve', () => {
  it('identity bakes to i/(size−1) exactly', () => {
    const lut = bakeCurve(identityCurve());
    expect(lut.length).toBe(CURVE_LUT_SIZE);
    const want = Float32Array.from({ length: CURVE_LUT_SIZE }, (_, i) => i / (CURVE_LUT_SIZE - 1));
    expect(lut).toEqual(want);
    const three = bakeCurve(
      [
        { x: 0, y: 0 },
        { x: 0.5, y: 0.5 },
        { x: 1, y: 1 },
      ],
      257,
    );
    three.forEach((v, i) => expect(v).toBeCloseTo(i / 256, 6));
  });

  it('endpoints are the first and last y', () => {
    const pts = [
      { x: 0, y: 0.1 },
      { x: 0.4, y: 0.7 },
      { x: 1, y: 0.9 },
    ];
    const lut = bakeCurve(pts, 16);
    expect(lut[0]).toBe(Math.fround(0.1));
    expect(lut[15]).toBe(Math.fround(0.9));
  });

  it('rejects sizes below 2', () => {
    expect(() => bakeCurve(identityCurve(), 1)).toThrow(RangeError);
    expect(() => bakeCurve(identityCurve(), 2.5)).toThrow(RangeError);
  });
});

describe('isIdentity', () => {
  it('points on the diagonal are the identity, others are not', () => {
    expect(isIdentity(identityCurve())).toBe(true);
    expect(
      isIdentity([
        { x: 0, y: 0 },
        { x: 0.25, y: 0.25 },
        { x: 1, y: 1 },
      ]),
    ).toBe(true);
    expect(
      isIdentity([
        { x: 0, y: 0 },
        { x: 0.25, y: 0.3 },
        { x: 1, y: 1 },
      ]),
    ).toBe(false);
    expect(
      isIdentity([
        { x: 0, y: 0.01 },
        { x: 1, y: 1 },
      ]),
    ).toBe(false);
  });
});

describe('edit helpers', () => {
  const base = (): CurvePoint[] => [
    { x: 0, y: 0 },
    { x: 0.5, y: 0.6 },
    { x: 1, y: 1 },
  ];

  it('addPoint inserts in x order and returns the index', () => {
    const input = base();
    const { points, index } = addPoint(input, { x: 0.25, y: 0.2 });
    expect(index).toBe(1);
    expect(points).toEqual([
      { x: 0, y: 0 },
      { x: 0.25, y: 0.2 },
      { x: 0.5, y: 0.6 },
      { x: 1, y: 1 },
    ]);
    expect(input).toEqual(base());
    expect(addPoint(base(), { x: 0.75, y: 2 })).toEqual({
      points: [...base().slice(0, 2), { x: 0.75, y: 1 }, { x: 1, y: 1 }],
      index: 2,
    });
  });

  it('addPoint next to an existing point (or an endpoint) inserts nothing and returns that index', () => {
    expect(addPoint(base(), { x: 0.5 + MIN_POINT_GAP / 2, y: 0.1 })).toEqual({ points: base(), index: 1 });
    expect(addPoint(base(), { x: 0, y: 0.5 })).toEqual({ points: base(), index: 0 });
    expect(addPoint(base(), { x: 1.2, y: 0.5 })).toEqual({ points: base(), index: 2 });
  });

  it('movePoint: endpoints keep x = 0 / 1 but move in y', () => {
    expect(movePoint(base(), 0, { x: 0.3, y: 0.2 })[0]).toEqual({ x: 0, y: 0.2 });
    expect(movePoint(base(), 2, { x: 0.3, y: 0.8 })[2]).toEqual({ x: 1, y: 0.8 });
    expect(movePoint(base(), 2, { x: 1, y: -1 })[2]).toEqual({ x: 1, y: 0 });
  });

  it('movePoint: an interior point stays strictly between its neighbours', () => {
    expect(movePoint(base(), 1, { x: 0.3, y: 0.4 })[1]).toEqual({ x: 0.3, y: 0.4 });
    expect(movePoint(base(), 1, { x: -5, y: 0.4 })[1]).toEqual({ x: MIN_POINT_GAP, y: 0.4 });
    expect(movePoint(base(), 1, { x: 5, y: 0.4 })[1]).toEqual({ x: 1 - MIN_POINT_GAP, y: 0.4 });
    const moved = movePoint(base(), 1, { x: 2, y: 2 });
    expect(normaliseCurve(moved)).toEqual(moved);
  });

  it('movePoint and removePoint ignore indices out of range', () => {
    expect(movePoint(base(), 3, { x: 0.5, y: 0.5 })).toEqual(base());
    expect(movePoint(base(), -1, { x: 0.5, y: 0.5 })).toEqual(base());
    expect(removePoint(base(), 7)).toEqual(base());
  });

  it('removePoint removes interior points, never the endpoints', () => {
    const input = base();
    expect(removePoint(input, 1)).toEqual(identityCurve());
    expect(input).toEqual(base());
    expect(removePoint(base(), 0)).toEqual(base());
    expect(removePoint(base(), 2)).toEqual(base());
    expect(removePoint(identityCurve(), 0)).toEqual(identityCurve());
  });
});
