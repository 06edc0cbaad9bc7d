// Tone curve: monotone piecewise-cubic Hermite interpolation after Fritsch &
// Carlson, "Monotone Piecewise Cubic Interpolation", SIAM J. Numer. Anal. 17(2),
// 1980. Tangents start as the average of the neighbouring secants, are zero at
// local extrema and on flat segments, and are scaled back onto the circle
// alpha² + beta² = 9 where they would overshoot, so the curve never leaves the
// range of the two points of any segment. Outside the first/last point the end
// values are held flat. Pure data; the GPU reads bakeCurve's table.

/** A control point of the curve, both coordinates in [0, 1]. */
export type CurvePoint = { x: number; y: number };

/** Entries of the baked table the tone pass samples. */
export const CURVE_LUT_SIZE = 1024;

/** Smallest x distance between two points of a normalised curve. */
export const MIN_POINT_GAP = 1 / 256;

/** y of a point on the diagonal may differ from x by this much for isIdentity. */
const IDENTITY_EPS = 1e-6;

/** The identity curve [{0,0},{1,1}] (a fresh array each call). */
export function identityCurve(): CurvePoint[] {
  return [
    { x: 0, y: 0 },
    { x: 1, y: 1 },
  ];
}

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

/**
 * Canonical form of a curve: drop points with a non-finite coordinate, clamp to
 * [0,1]², sort by x (stable), drop any point closer than MIN_POINT_GAP in x to the
 * previous kept one (the first one wins), then make sure of the endpoints: a first
 * point within MIN_POINT_GAP of 0 is moved to x = 0, one further away gets a new
 * point {0, its y} before it (the curve's value does not change, ends are held
 * flat); likewise at x = 1. No point at all gives the identity curve.
 * Idempotent; the result is a new array of new objects.
 */
export function normaliseCurve(points: readonly CurvePoint[]): CurvePoint[] {
  const sorted = points
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
    .map((p) => ({ x: clamp01(p.x), y: clamp01(p.y) }))
    .sort((a, b) => a.x - b.x);
  const out: CurvePoint[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last === undefined || p.x - last.x >= MIN_POINT_GAP) out.push(p);
  }
  const first = out[0];
  if (first === undefined) return identityCurve();
  if (first.x < MIN_POINT_GAP) first.x = 0;
  else out.unshift({ x: 0, y: first.y });
  const last = out[out.length - 1] ?? first;
  if (1 - last.x < MIN_POINT_GAP) last.x = 1;
  else out.push({ x: 1, y: last.y });
  return out;
}

/** A curve ready to evaluate: knots and their Fritsch–Carlson tangents. */
interface Spline {
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  readonly ms: Float64Array;
}

/**
 * Fritsch–Carlson tangents of points sorted by strictly increasing x:
 *   d_k = (y_{k+1} − y_k) / (x_{k+1} − x_k)
 *   m_0 = d_0, m_{n−1} = d_{n−2}, m_k = d_{k−1} d_k > 0 ? (d_{k−1} + d_k) / 2 : 0
 *   per segment: d_k = 0 → m_k = m_{k+1} = 0; else α = m_k/d_k, β = m_{k+1}/d_k,
 *   α² + β² > 9 → m_k = 3α d_k / √(α²+β²), m_{k+1} = 3β d_k / √(α²+β²)
 */
export function curveTangents(points: readonly CurvePoint[]): number[] {
  const n = points.length;
  if (n < 2) return new Array<number>(n).fill(0);
  const d: number[] = [];
  for (let k = 0; k < n - 1; k++) {
    const a = points[k] ?? { x: 0, y: 0 };
    const b = points[k + 1] ?? a;
    d.push((b.y - a.y) / (b.x - a.x));
  }
  const m: number[] = new Array<number>(n).fill(0);
  m[0] = d[0] ?? 0;
  m[n - 1] = d[n - 2] ?? 0;
  for (let k = 1; k < n - 1; k++) {
    const d0 = d[k - 1] ?? 0;
    const d1 = d[k] ?? 0;
    m[k] = d0 * d1 > 0 ? (d0 + d1) / 2 : 0;
  }
  for (let k = 0; k < n - 1; k++) {
    const dk = d[k] ?? 0;
    if (dk === 0) {
      m[k] = 0;
      m[k + 1] = 0;
      continue;
    }
    const alpha = (m[k] ?? 0) / dk;
    const beta = (m[k + 1] ?? 0) / dk;
    const s = alpha * alpha + beta * beta;
    if (s > 9) {
      const tau = 3 / Math.sqrt(s);
      m[k] = tau * alpha * dk;
      m[k + 1] = tau * beta * dk;
    }
  }
  return m;
}

function prepare(points: readonly CurvePoint[]): Spline {
  const pts = normaliseCurve(points);
  return {
    xs: Float64Array.from(pts, (p) => p.x),
    ys: Float64Array.from(pts, (p) => p.y),
    ms: Float64Array.from(curveTangents(pts)),
  };
}

function evalSpline(s: Spline, x: number): number {
  const { xs, ys, ms } = s;
  const n = xs.length;
  const x0 = xs[0] ?? 0;
  const xn = xs[n - 1] ?? 1;
  if (!(x > x0)) return ys[0] ?? 0; // also NaN
  if (x >= xn) return ys[n - 1] ?? 1;
  // Largest k with xs[k] <= x (binary search; k <= n − 2 here).
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] ?? 0) <= x) lo = mid;
    else hi = mid;
  }
  const xa = xs[lo] ?? 0;
  const h = (xs[lo + 1] ?? 1) - xa;
  const ya = ys[lo] ?? 0;
  const yb = ys[lo + 1] ?? 0;
  const dy = yb - ya;
  const a = h * (ms[lo] ?? 0);
  const b = h * (ms[lo + 1] ?? 0);
  const t = (x - xa) / h;
  // Hermite cubic in power form: ya + a t + (3dy − 2a − b) t² + (a + b − 2dy) t³.
  // A straight segment (a = b = dy) reduces to ya + a t. Fritsch–Carlson keeps the
  // cubic within [ya, yb]; the clamp only removes rounding at the ends.
  const v = ya + t * (a + t * (3 * dy - 2 * a - b + t * (a + b - 2 * dy)));
  return Math.min(Math.max(ya, yb), Math.max(Math.min(ya, yb), v));
}

/** The curve's value at x (points are normalised first; x outside the points' range → end value). */
export function evaluateCurve(points: readonly CurvePoint[], x: number): number {
  return evalSpline(prepare(points), x);
}

/** size samples of the curve at x = i / (size − 1), i = 0 … size − 1 (size >= 2). */
export function bakeCurve(points: readonly CurvePoint[], size: number = CURVE_LUT_SIZE): Float32Array<ArrayBuffer> {
  if (!Number.isInteger(size) || size < 2) throw new RangeError(`bakeCurve: size must be an integer >= 2, got ${size}`);
  const s = prepare(points);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = evalSpline(s, i / (size - 1));
  return out;
}

/** True when the normalised curve is y = x: every point on the diagonal (to 1e-6). */
export function isIdentity(points: readonly CurvePoint[]): boolean {
  return normaliseCurve(points).every((p) => Math.abs(p.y - p.x) <= IDENTITY_EPS);
}

// Editing helpers. They take a normalised curve (as normaliseCurve and these
// helpers return) and return a new normalised curve; the input is not modified.

/**
 * Insert p (clamped to [0,1]²). index is where it landed. When p.x is closer than
 * MIN_POINT_GAP to an existing point, nothing is inserted and index is that point's
 * (so a click next to a point selects it).
 */
export function addPoint(points: readonly CurvePoint[], p: CurvePoint): { points: CurvePoint[]; index: number } {
  const copy = points.map((q) => ({ x: q.x, y: q.y }));
  const x = clamp01(Number.isFinite(p.x) ? p.x : 0);
  const y = clamp01(Number.isFinite(p.y) ? p.y : 0);
  let nearest = -1;
  let nearestDist = Infinity;
  copy.forEach((q, i) => {
    const dist = Math.abs(q.x - x);
    if (dist < nearestDist) {
      nearest = i;
      nearestDist = dist;
    }
  });
  if (nearest >= 0 && nearestDist < MIN_POINT_GAP) return { points: copy, index: nearest };
  let index = copy.findIndex((q) => q.x > x);
  if (index < 0) index = copy.length;
  copy.splice(index, 0, { x, y });
  return { points: copy, index };
}

/**
 * Move point i to p: y is clamped to [0,1]; the first point keeps x = 0 and the
 * last x = 1; an interior point's x is clamped to [prev.x + MIN_POINT_GAP,
 * next.x − MIN_POINT_GAP], so it stays strictly between its neighbours.
 * An index out of range returns an unchanged copy.
 */
export function movePoint(points: readonly CurvePoint[], i: number, p: CurvePoint): CurvePoint[] {
  const copy = points.map((q) => ({ x: q.x, y: q.y }));
  const q = copy[i];
  if (q === undefined) return copy;
  if (Number.isFinite(p.y)) q.y = clamp01(p.y);
  if (i === 0) q.x = 0;
  else if (i === copy.length - 1) q.x = 1;
  else if (Number.isFinite(p.x)) {
    const lo = (copy[i - 1]?.x ?? 0) + MIN_POINT_GAP;
    const hi = (copy[i + 1]?.x ?? 1) - MIN_POINT_GAP;
    q.x = Math.min(hi, Math.max(lo, p.x));
  }
  return copy;
}

/** Remove point i; the endpoints (first and last) and out-of-range indices leave the curve unchanged (a copy). */
export function removePoint(points: readonly CurvePoint[], i: number): CurvePoint[] {
  const copy = points.map((q) => ({ x: q.x, y: q.y }));
  if (!Number.isInteger(i) || i <= 0 || i >= copy.length - 1) return copy;
  copy.splice(i, 1);
  return copy;
}

/** The curves an edit holds, in the order of their tables in the GPU buffer (shaders/curve/curve.wgsl). */
export const CURVE_CHANNELS = ['luma', 'r', 'g', 'b'] as const;
export type CurveChannel = (typeof CURVE_CHANNELS)[number];
export type Curves = Record<CurveChannel, CurvePoint[]>;

export function identityCurves(): Curves {
  return { luma: identityCurve(), r: identityCurve(), g: identityCurve(), b: identityCurve() };
}

/** All four curves baked into one table of 4 × CURVE_LUT_SIZE entries, CURVE_CHANNELS order. */
export function bakeCurves(curves: Readonly<Curves>): Float32Array<ArrayBuffer> {
  const out = new Float32Array(CURVE_CHANNELS.length * CURVE_LUT_SIZE);
  CURVE_CHANNELS.forEach((ch, i) => out.set(bakeCurve(curves[ch], CURVE_LUT_SIZE), i * CURVE_LUT_SIZE));
  return out;
}
