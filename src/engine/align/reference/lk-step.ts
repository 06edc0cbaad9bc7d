// The Levenberg–Marquardt step of the alignment reference's refinement
// (./refine.ts): the damped normal equations from one set of sums, the step of
// a similarity or a rigid motion, its size, and the sums' statistics.
import { SUM_INDEX } from './constants';
import type { Similarity } from './refine';

/**
 * Solve the normal equations for the Gauss–Newton step in the coordinates of
 * `basis` (4 rows, k columns: the step is basis · δ), with Levenberg–Marquardt
 * damping λ on the (Jacobi-scaled) diagonal; δ, or null when singular.
 */
export function solveReduced(S: ArrayLike<number>, lambda: number, basis: readonly (readonly number[])[]): number[] | null {
  const H4 = [
    [S[0]!, S[1]!, S[2]!, S[3]!],
    [S[1]!, S[4]!, S[5]!, S[6]!],
    [S[2]!, S[5]!, S[7]!, S[8]!],
    [S[3]!, S[6]!, S[8]!, S[9]!],
  ];
  const g4 = [S[10]!, S[11]!, S[12]!, S[13]!];
  const k = basis[0]!.length;
  const col = (j: number) => basis.map((r) => r[j]!);
  const dot = (u: number[], v: number[]) => u.reduce((acc, x, i) => acc + x * v[i]!, 0);
  const Hb = (v: number[]) => H4.map((r) => dot(r, v));
  const H = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => dot(col(i), Hb(col(j)))));
  const g = Array.from({ length: k }, (_, i) => dot(col(i), g4));
  const d = H.map((r, i) => Math.sqrt(Math.abs(r[i]!)));
  if (d.some((v) => !(v > 0))) return null;
  const A = H.map((r, i) => [...r.map((v, j) => v / (d[i]! * d[j]!) + (i === j ? lambda : 0)), -g[i]! / d[i]!]);
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    [A[c], A[p]] = [A[p]!, A[c]!];
    if (Math.abs(A[c]![c]!) < 1e-10) return null;
    for (let r = c + 1; r < k; r++) {
      const f = A[r]![c]! / A[c]![c]!;
      for (let q = c; q <= k; q++) A[r]![q]! -= f * A[c]![q]!;
    }
  }
  const x = new Array<number>(k).fill(0);
  for (let r = k - 1; r >= 0; r--) {
    let v = A[r]![k]!;
    for (let q = r + 1; q < k; q++) v -= A[r]![q]! * x[q]!;
    x[r] = v / A[r]![r]!;
  }
  const out = x.map((v, i) => v / d[i]!);
  return out.every(Number.isFinite) ? out : null;
}

const IDENTITY_BASIS = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
];

/** The Gauss–Newton step (a, b, tx, ty in level units) of all four similarity parameters; null when singular. */
export function solveStep(S: ArrayLike<number>, lambda = 0): number[] | null {
  return solveReduced(S, lambda, IDENTITY_BASIS);
}

/** The motion model the refinement fits: a similarity (4 parameters), or a rigid motion with the scale held at 1 (3). */
export type MotionModel = 'similarity' | 'rigid';

/**
 * One damped step of the model from p at level l: p + the solved step, for a
 * rigid motion along the rotation (a, b) = (cos θ − 1, sin θ) exactly.
 */
export function modelStep(S: ArrayLike<number>, lambda: number, p: Similarity, level: number, model: MotionModel): Similarity | null {
  const s = 2 ** level;
  if (model === 'similarity') {
    const d = solveStep(S, lambda);
    return d && { a: p.a + d[0]!, b: p.b + d[1]!, tx: p.tx + d[2]! * s, ty: p.ty + d[3]! * s };
  }
  const theta = Math.atan2(p.b, 1 + p.a);
  const basis = [
    [-Math.sin(theta), 0, 0],
    [Math.cos(theta), 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  const d = solveReduced(S, lambda, basis);
  return d && { a: Math.cos(theta + d[0]!) - 1, b: Math.sin(theta + d[0]!), tx: p.tx + d[1]! * s, ty: p.ty + d[2]! * s };
}

/** Largest displacement of the level's corners under a step (da, db, dtx, dty), level pixels. */
export function stepSize(step: readonly number[], width: number, height: number): number {
  const [hw, hh] = [(width - 1) / 2, (height - 1) / 2];
  let m = 0;
  for (const [x, y] of [
    [-hw, -hh],
    [hw, -hh],
    [-hw, hh],
    [hw, hh],
  ] as const)
    m = Math.max(m, Math.hypot(step[0]! * x - step[1]! * y + step[2]!, step[1]! * x + step[0]! * y + step[3]!));
  return m;
}

/** Normalised residual, correlation and weight fraction from one set of sums over an n-pixel level. */
export function sumsStats(S: ArrayLike<number>, pixels: number): { residual: number; correlation: number; overlap: number } {
  const w = S[SUM_INDEX.w]!;
  if (!(w > 0)) return { residual: Infinity, correlation: 0, overlap: 0 };
  const mt = S[SUM_INDEX.wt]! / w;
  const mi = S[SUM_INDEX.wi]! / w;
  const vt = S[SUM_INDEX.wt2]! / w - mt * mt;
  const vi = S[SUM_INDEX.wi2]! / w - mi * mi;
  // Σ W T I from Σ W e² = Σ W I² − 2 Σ W T I + Σ W T².
  const ti = (S[SUM_INDEX.wi2]! + S[SUM_INDEX.wt2]! - S[SUM_INDEX.we2]!) / (2 * w);
  const cov = ti - mt * mi;
  const correlation = vt > 0 && vi > 0 ? cov / Math.sqrt(vt * vi) : 0;
  return { residual: S[SUM_INDEX.we2]! / w, correlation, overlap: w / pixels };
}
