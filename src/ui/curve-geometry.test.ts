import { describe, expect, it } from 'vitest';
import { identityCurve, type CurvePoint } from '../engine/curve/curve';
import { HISTOGRAM_BINS, HISTOGRAM_LENGTH, HISTOGRAM_PLANE } from '../engine/histogram/reference/histogram';
import { HIT_RADIUS, NUDGE, NUDGE_BIG, curvePolyline, cycleIndex, fromCanvas, histogramHeights, hitTest, keyAction, nudgePoint, plotBox, pointValueText, toCanvas } from './curve-geometry';

const plot = plotBox(216, 116, 8); // inner square 200 × 100
const three: CurvePoint[] = [
  { x: 0, y: 0 },
  { x: 0.5, y: 0.75 },
  { x: 1, y: 1 },
];

describe('curve space ↔ canvas', () => {
  it('maps the corners of the unit square inside the padding, y up', () => {
    expect(toCanvas(plot, { x: 0, y: 0 })).toEqual({ px: 8, py: 108 });
    expect(toCanvas(plot, { x: 1, y: 1 })).toEqual({ px: 208, py: 8 });
    expect(toCanvas(plot, { x: 0.25, y: 0.5 })).toEqual({ px: 58, py: 58 });
  });

  it('inverts toCanvas', () => {
    for (const p of [
      { x: 0.1, y: 0.9 },
      { x: 0.73, y: 0.02 },
      { x: 1, y: 0 },
    ]) {
      const c = toCanvas(plot, p);
      const q = fromCanvas(plot, c.px, c.py);
      expect(q.x).toBeCloseTo(p.x, 12);
      expect(q.y).toBeCloseTo(p.y, 12);
    }
  });

  it('clamps outside the square unless asked not to', () => {
    expect(fromCanvas(plot, 0, 200)).toEqual({ x: 0, y: 0 });
    expect(fromCanvas(plot, 500, -40)).toEqual({ x: 1, y: 1 });
    const free = fromCanvas(plot, 0, 208, false);
    expect(free.x).toBeCloseTo(-0.04, 12);
    expect(free.y).toBeCloseTo(-1, 12);
  });

  it('survives a zero-sized box', () => {
    const p = fromCanvas(plotBox(0, 0), 3, 3);
    expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true);
  });

  it('turns baked samples into a polyline across the square', () => {
    const line = curvePolyline(plot, [0, 0.5, 1]);
    expect(Array.from(line)).toEqual([8, 108, 108, 58, 208, 8]);
  });
});

describe('hitTest', () => {
  it('finds the handle within the radius and nothing outside it', () => {
    const mid = toCanvas(plot, three[1]!);
    expect(hitTest(plot, three, mid.px, mid.py)).toBe(1);
    expect(hitTest(plot, three, mid.px + HIT_RADIUS - 0.5, mid.py)).toBe(1);
    expect(hitTest(plot, three, mid.px + 6, mid.py + 6)).toBe(-1); // √72 ≈ 8.5 px
    expect(hitTest(plot, three, 8, 108)).toBe(0);
    expect(hitTest(plot, three, 208, 8)).toBe(2);
    expect(hitTest(plot, three, 100, 100)).toBe(-1);
  });

  it('prefers the nearer of two close handles, the lower index on a tie', () => {
    const pts = [
      { x: 0, y: 0 },
      { x: 0.02, y: 0 },
      { x: 1, y: 1 },
    ]; // 4 px apart
    expect(hitTest(plot, pts, 11, 108)).toBe(1);
    expect(hitTest(plot, pts, 9, 108)).toBe(0);
    expect(hitTest(plot, pts, 10, 108)).toBe(0);
  });

  it('honours a custom radius', () => {
    const mid = toCanvas(plot, three[1]!);
    expect(hitTest(plot, three, mid.px + 12, mid.py, 16)).toBe(1);
    expect(hitTest(plot, three, mid.px + 3, mid.py, 2)).toBe(-1);
  });
});

describe('histogramHeights', () => {
  const bins = () => new Uint32Array(HISTOGRAM_LENGTH);
  const at = (plane: keyof typeof HISTOGRAM_PLANE, b: number) => HISTOGRAM_PLANE[plane] * HISTOGRAM_BINS + b;

  it('scales by sqrt and shares one peak across the planes drawn', () => {
    const h = bins();
    h[at('luma', 100)] = 400;
    h[at('luma', 101)] = 100;
    h[at('r', 50)] = 1600;
    const [l, r] = histogramHeights(h, ['luma', 'r'])!;
    expect(r![50]).toBe(1);
    expect(l![100]).toBeCloseTo(0.5, 6);
    expect(l![101]).toBeCloseTo(0.25, 6);
    const [alone] = histogramHeights(h, ['luma'])!;
    expect(alone![100]).toBe(1);
  });

  it('uses log(1 + c) when asked', () => {
    const h = bins();
    h[at('luma', 10)] = 1000;
    h[at('luma', 11)] = 9;
    const [l] = histogramHeights(h, ['luma'], 'log')!;
    expect(l![11]).toBeCloseTo(Math.log1p(9) / Math.log1p(1000), 6);
  });

  it('ignores clipped end bins for the peak, and draws them clipped', () => {
    const h = bins();
    h[at('luma', 0)] = 1_000_000;
    h[at('luma', 255)] = 50_000;
    h[at('luma', 128)] = 100;
    const [l] = histogramHeights(h, ['luma'])!;
    expect(l![128]).toBe(1);
    expect(l![0]).toBe(1);
    expect(l![255]).toBe(1);
  });

  it('falls back to the end bins when nothing else is there', () => {
    const h = bins();
    h[at('luma', 0)] = 400;
    h[at('luma', 255)] = 100;
    const [l] = histogramHeights(h, ['luma'])!;
    expect(l![0]).toBe(1);
    expect(l![255]).toBeCloseTo(0.5, 6);
  });

  it('returns null for an empty histogram or the wrong length', () => {
    expect(histogramHeights(bins(), ['luma'])).toBeNull();
    expect(histogramHeights(new Uint32Array(256), ['luma'])).toBeNull();
  });
});

describe('keyboard', () => {
  it('maps arrows to one level, Shift to ten', () => {
    expect(keyAction('ArrowUp', false)).toEqual({ kind: 'move', dx: 0, dy: NUDGE });
    expect(keyAction('ArrowDown', true)).toEqual({ kind: 'move', dx: 0, dy: -NUDGE_BIG });
    expect(keyAction('ArrowLeft', false)).toEqual({ kind: 'move', dx: -NUDGE, dy: 0 });
    expect(keyAction('ArrowRight', true)).toEqual({ kind: 'move', dx: NUDGE_BIG, dy: 0 });
    expect(NUDGE * 255).toBeCloseTo(1, 12);
    expect(NUDGE_BIG * 255).toBeCloseTo(10, 12);
  });

  it('maps selection, removal, and leaves Tab and letters alone', () => {
    expect(keyAction(']', false)).toEqual({ kind: 'select', step: 1 });
    expect(keyAction('PageUp', false)).toEqual({ kind: 'select', step: 1 });
    expect(keyAction('[', false)).toEqual({ kind: 'select', step: -1 });
    expect(keyAction('PageDown', false)).toEqual({ kind: 'select', step: -1 });
    expect(keyAction('Home', false)).toEqual({ kind: 'first' });
    expect(keyAction('End', false)).toEqual({ kind: 'last' });
    expect(keyAction('Delete', false)).toEqual({ kind: 'remove' });
    expect(keyAction('Backspace', false)).toEqual({ kind: 'remove' });
    expect(keyAction('Tab', false)).toBeNull();
    expect(keyAction('a', false)).toBeNull();
  });

  it('cycles the selection with wrap-around', () => {
    expect(cycleIndex(null, 3, 1)).toBe(0);
    expect(cycleIndex(null, 3, -1)).toBe(2);
    expect(cycleIndex(2, 3, 1)).toBe(0);
    expect(cycleIndex(0, 3, -1)).toBe(2);
    expect(cycleIndex(1, 3, 1)).toBe(2);
    expect(cycleIndex(7, 3, 1)).toBe(0);
    expect(cycleIndex(null, 0, 1)).toBeNull();
  });

  it('nudges with movePoint clamping: endpoints keep x, interior stays between neighbours', () => {
    const up = nudgePoint(three, 1, 0, NUDGE);
    expect(up[1]!.y).toBeCloseTo(0.75 + 1 / 255, 12);
    expect(three[1]!.y).toBe(0.75); // input untouched
    const end = nudgePoint(three, 2, -NUDGE_BIG, NUDGE);
    expect(end[2]).toEqual({ x: 1, y: 1 });
    const start = nudgePoint(three, 0, NUDGE, NUDGE);
    expect(start[0]!.x).toBe(0);
    expect(start[0]!.y).toBeCloseTo(1 / 255, 12);
    const far = nudgePoint(three, 1, 5, 0);
    expect(far[1]!.x).toBeLessThan(1);
    expect(far[1]!.x).toBeGreaterThan(0.99);
    expect(nudgePoint(three, 9, 0.1, 0.1)).toEqual(three);
  });

  it('describes the selection in 8-bit levels', () => {
    expect(pointValueText(three, 1)).toBe('Point 2 of 3: input 128, output 191');
    expect(pointValueText(identityCurve(), null)).toBe('2 points, none selected');
    expect(pointValueText(three, 5)).toBe('3 points, none selected');
  });
});
