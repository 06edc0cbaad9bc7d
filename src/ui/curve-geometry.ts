// Pure geometry and input mapping of the tone curve editor (CurveEditor.tsx):
// curve space ([0,1]², y up) ↔ canvas CSS pixels (y down), hit-testing, the
// histogram's scaled heights and the keyboard map. No DOM, so Vitest covers it.
import { movePoint, type CurvePoint } from '../engine/curve/curve';
import { HISTOGRAM_BINS, HISTOGRAM_LENGTH, HISTOGRAM_PLANE, type HistogramPlane } from '../engine/histogram/reference/histogram';

/** Radius in CSS px within which a pointer grabs a handle. */
export const HIT_RADIUS = 8;
/** Inset in CSS px around the [0,1]² square, so edge handles are not clipped. */
export const PLOT_PAD = 8;
/** Arrow-key step in curve units: one 8-bit level; Shift gives NUDGE_BIG. */
export const NUDGE = 1 / 255;
export const NUDGE_BIG = 10 / 255;

/** The canvas box in CSS px and the inset of the unit square inside it. */
export interface Plot {
  readonly width: number;
  readonly height: number;
  readonly pad: number;
}

export function plotBox(width: number, height: number, pad: number = PLOT_PAD): Plot {
  return { width, height, pad };
}

const innerW = (p: Plot) => Math.max(1e-6, p.width - 2 * p.pad);
const innerH = (p: Plot) => Math.max(1e-6, p.height - 2 * p.pad);
const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** Canvas CSS px of a curve-space point (x right, y up → py down). */
export function toCanvas(plot: Plot, p: CurvePoint): { px: number; py: number } {
  return { px: plot.pad + p.x * innerW(plot), py: plot.pad + (1 - p.y) * innerH(plot) };
}

/** Curve-space point under canvas CSS px (px, py); clamped to [0,1]² unless clamp is false (drag deltas). */
export function fromCanvas(plot: Plot, px: number, py: number, clamp = true): CurvePoint {
  const x = (px - plot.pad) / innerW(plot);
  const y = 1 - (py - plot.pad) / innerH(plot);
  return clamp ? { x: clamp01(x), y: clamp01(y) } : { x, y };
}

/** Index of the handle nearest to (px, py) within radius CSS px (ties: the lower index), or −1. */
export function hitTest(plot: Plot, points: readonly CurvePoint[], px: number, py: number, radius: number = HIT_RADIUS): number {
  let best = -1;
  let bestD2 = radius * radius;
  points.forEach((p, i) => {
    const c = toCanvas(plot, p);
    const d2 = (c.px - px) ** 2 + (c.py - py) ** 2;
    if (d2 <= bestD2 && (best < 0 || d2 < bestD2)) {
      best = i;
      bestD2 = d2;
    }
  });
  return best;
}

/** Samples of a baked curve (values at x = i / (n − 1)) as canvas CSS px, x then y, interleaved. */
export function curvePolyline(plot: Plot, samples: ArrayLike<number>): Float32Array {
  const n = samples.length;
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const c = toCanvas(plot, { x: n > 1 ? i / (n - 1) : 0, y: samples[i] ?? 0 });
    out[i * 2] = c.px;
    out[i * 2 + 1] = c.py;
  }
  return out;
}

export type HistogramScale = 'sqrt' | 'log';

/**
 * Bar heights in [0, 1] for the given planes of a display histogram (4 planes of
 * 256 bins: R, G, B, luma; src/engine/histogram/reference/histogram.ts), one array of 256
 * per plane. Counts are scaled by sqrt or log(1 + c) so one tall peak does not
 * flatten the rest, then divided by one peak shared by all planes drawn, so
 * their relative sizes hold. The peak ignores the end bins 0 and 255 (clipped
 * shadows and highlights spike there; they are drawn clipped at 1) unless
 * nothing else is non-zero. Wrong length or an empty histogram → null.
 */
export function histogramHeights(bins: ArrayLike<number>, planes: readonly HistogramPlane[], scale: HistogramScale = 'sqrt'): Float32Array[] | null {
  if (bins.length !== HISTOGRAM_LENGTH) return null;
  const f = scale === 'sqrt' ? Math.sqrt : Math.log1p;
  const scaled = planes.map((plane) => {
    const start = HISTOGRAM_PLANE[plane] * HISTOGRAM_BINS;
    return Float32Array.from({ length: HISTOGRAM_BINS }, (_, b) => f(bins[start + b] ?? 0));
  });
  let inner = 0;
  let all = 0;
  for (const s of scaled)
    s.forEach((v, b) => {
      all = Math.max(all, v);
      if (b > 0 && b < HISTOGRAM_BINS - 1) inner = Math.max(inner, v);
    });
  const peak = inner > 0 ? inner : all;
  if (!(peak > 0)) return null;
  return scaled.map((s) => s.map((v) => Math.min(1, v / peak)));
}

/** Point i moved by (dx, dy) in curve units, with movePoint's clamping (endpoints keep their x). */
export function nudgePoint(points: readonly CurvePoint[], i: number, dx: number, dy: number): CurvePoint[] {
  const p = points[i];
  if (p === undefined) return points.map((q) => ({ x: q.x, y: q.y }));
  return movePoint(points, i, { x: p.x + dx, y: p.y + dy });
}

/** The selection after stepping by step (±1) through n points, wrapping; none selected starts at the first (step > 0) or last. */
export function cycleIndex(index: number | null, n: number, step: number): number | null {
  if (n <= 0) return null;
  if (index === null || index < 0 || index >= n) return step > 0 ? 0 : n - 1;
  return (((index + step) % n) + n) % n;
}

export type KeyAction = { kind: 'move'; dx: number; dy: number } | { kind: 'select'; step: 1 | -1 } | { kind: 'first' } | { kind: 'last' } | { kind: 'remove' };

/**
 * The editor's keyboard map (KeyboardEvent.key): arrows move the selected point
 * by NUDGE (Shift: NUDGE_BIG); ] or PageUp select the next point to the right,
 * [ or PageDown the previous (wrapping); Home/End the first/last; Delete or
 * Backspace removes the selected point. Tab is left to focus navigation.
 */
export function keyAction(key: string, shift: boolean): KeyAction | null {
  const s = shift ? NUDGE_BIG : NUDGE;
  switch (key) {
    case 'ArrowLeft':
      return { kind: 'move', dx: -s, dy: 0 };
    case 'ArrowRight':
      return { kind: 'move', dx: s, dy: 0 };
    case 'ArrowUp':
      return { kind: 'move', dx: 0, dy: s };
    case 'ArrowDown':
      return { kind: 'move', dx: 0, dy: -s };
    case ']':
    case 'PageUp':
      return { kind: 'select', step: 1 };
    case '[':
    case 'PageDown':
      return { kind: 'select', step: -1 };
    case 'Home':
      return { kind: 'first' };
    case 'End':
      return { kind: 'last' };
    case 'Delete':
    case 'Backspace':
      return { kind: 'remove' };
    default:
      return null;
  }
}

/** 8-bit level of a curve coordinate, for display. */
export const level = (v: number): number => Math.round(clamp01(v) * 255);

/** aria-valuetext of the editor: the selected point in 8-bit levels, or how many points there are. */
export function pointValueText(points: readonly CurvePoint[], index: number | null): string {
  const p = index === null ? undefined : points[index];
  if (p === undefined || index === null) return `${points.length} points, none selected`;
  return `Point ${index + 1} of ${points.length}: input ${level(p.x)}, output ${level(p.y)}`;
}
