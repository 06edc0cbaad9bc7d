// The alignment reference's transforms, confidence guards and common crop (align.ts).
import { DEFAULT_MODEL, GUARDS, MAX_SHIFT, SEARCH_MAX_RADIUS, SEARCH_MIN_COUNT, SEARCH_MIN_OVERLAP, SEARCH_RADIUS, SEARCH_SUMS } from './constants';
import type { MtbSummary } from './mtb';
import { centre, IDENTITY, lkLevels, matchLut, refine, type Evaluate, type Plane, type RefineResult, type Similarity } from './refine';
import { sumsStats, type MotionModel } from './lk-step';
import { EDGE } from './warp';

/** Row-major 3×3 matrix mapping reference pixel coordinates to bracket pixel coordinates. */
export type Matrix3 = [number, number, number, number, number, number, number, number, number];

export function similarityMatrix(p: Similarity, width: number, height: number): Matrix3 {
  const [cx, cy] = centre(width, height);
  const ca = 1 + p.a;
  return [ca, -p.b, cx + p.tx - ca * cx + p.b * cy, p.b, ca, cy + p.ty - p.b * cx - ca * cy, 0, 0, 1];
}

/** The similarity closest to an affine matrix (exact for a similarity). */
export function matrixSimilarity(m: Matrix3, width: number, height: number): Similarity {
  const [cx, cy] = centre(width, height);
  const ca = (m[0] + m[4]) / 2;
  const sb = (m[3] - m[1]) / 2;
  return { a: ca - 1, b: sb, tx: m[0] * cx + m[1] * cy + m[2] - cx, ty: m[3] * cx + m[4] * cy + m[5] - cy };
}

export function multiply(a: Matrix3, b: Matrix3): Matrix3 {
  const out = new Array(9).fill(0) as Matrix3;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) out[3 * r + c]! += a[3 * r + k]! * b[3 * k + c]!;
  return out;
}

export function invert(m: Matrix3): Matrix3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [A / det, -(b * i - c * h) / det, (b * f - c * e) / det, B / det, (a * i - c * g) / det, -(a * f - c * d) / det, C / det, -(a * h - b * g) / det, (a * e - b * d) / det];
}

export const IDENTITY_MATRIX: Matrix3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export const rotationDegrees = (p: Similarity) => (Math.atan2(p.b, 1 + p.a) * 180) / Math.PI;
export const scaleOf = (p: Similarity) => Math.hypot(1 + p.a, p.b);

/**
 * How a layer's transform was reached: the reference itself; 'refined' (the
 * Levenberg–Marquardt fit of the motion model); 'translation' (the start's
 * integer translation, the fit having been refused); 'identity' (a guard).
 */
export type AlignMethod = 'reference' | 'refined' | 'translation' | 'identity';

export interface PairEstimate {
  /** Relative to the pair's target. */
  p: Similarity;
  method: AlignMethod;
  confidence: number;
  reason: string;
}

/** The translation search's best candidate at one level. */
export interface SearchPick {
  /** In pixels of `level`. */
  shift: [number, number];
  level: number;
  correlation: number;
  /** Weighted overlap, as a fraction of the level's pixels and as a count. */
  overlap: number;
  count: number;
}

/** Σ W, Σ W T, Σ W T², Σ W I, Σ W I², Σ W T I → normalised cross-correlation and weighted overlap. */
export function searchStats(S: ArrayLike<number>, offset: number, pixels: number): { correlation: number; overlap: number } {
  const w = S[offset]!;
  if (!(w > 0)) return { correlation: -1, overlap: 0 };
  const mt = S[offset + 1]! / w;
  const mi = S[offset + 3]! / w;
  const vt = S[offset + 2]! / w - mt * mt;
  const vi = S[offset + 4]! / w - mi * mi;
  const cov = S[offset + 5]! / w - mt * mi;
  return { correlation: vt > 0 && vi > 0 ? cov / Math.sqrt(vt * vi) : -1, overlap: w / pixels };
}

/**
 * The candidate of highest correlation whose weighted overlap is at least
 * SEARCH_MIN_OVERLAP of the largest (ties: the smaller offset); null if no
 * candidate has any overlap. The shift is base + offset.
 */
export function pickSearch(S: ArrayLike<number>, base: readonly [number, number], radius: number, pixels: number, level = 0): SearchPick | null {
  const side = 2 * radius + 1;
  let most = 0;
  for (let i = 0; i < side * side; i++) most = Math.max(most, S[i * SEARCH_SUMS]!);
  let best: SearchPick | null = null;
  for (let i = 0; i < side * side; i++) {
    const st = searchStats(S, i * SEARCH_SUMS, pixels);
    if (!(S[i * SEARCH_SUMS]! > 0) || S[i * SEARCH_SUMS]! < SEARCH_MIN_OVERLAP * most) continue;
    const shift: [number, number] = [base[0] + (i % side) - radius, base[1] + Math.floor(i / side) - radius];
    const d = (v: [number, number]) => Math.abs(v[0] - base[0]) + Math.abs(v[1] - base[1]);
    const better = !best || st.correlation > best.correlation || (st.correlation === best.correlation && d(shift) < d(best.shift));
    if (better) best = { shift, level, correlation: st.correlation, overlap: st.overlap, count: S[i * SEARCH_SUMS]! };
  }
  return best;
}

/**
 * CPU search sums on two feature levels: per integer shift s = base + (i, j),
 * i, j ∈ [−R, R] (index (j + R)(2R + 1) + i + R), target x against moving x + s,
 * weighted by the product of the feature weights.
 */
export function searchSums(target: Plane, moving: Plane, base: readonly [number, number], radius: number): Float64Array {
  const side = 2 * radius + 1;
  const { width: w, height: h } = target;
  const out = new Float64Array(side * side * SEARCH_SUMS);
  for (let i = 0; i < side * side; i++) {
    const sx = base[0] + (i % side) - radius;
    const sy = base[1] + Math.floor(i / side) - radius;
    const o = i * SEARCH_SUMS;
    for (let y = Math.max(0, -sy); y < Math.min(h, h - sy); y++)
      for (let x = Math.max(0, -sx); x < Math.min(w, w - sx); x++) {
        const a = 4 * (y * w + x);
        const b = 4 * ((y + sy) * w + x + sx);
        const W = target.data[a + 1]! * moving.data[b + 1]!;
        if (!(W > 0)) continue;
        const T = target.data[a]!;
        const I = moving.data[b]!;
        out[o]! += W;
        out[o + 1]! += W * T;
        out[o + 2]! += W * T * T;
        out[o + 3]! += W * I;
        out[o + 4]! += W * I * I;
        out[o + 5]! += W * T * I;
      }
  }
  return out;
}

/** What the guards look at for one pair. */
export interface PairEvidence {
  mtb: MtbSummary;
  search: SearchPick | null;
  /** Where the refinement started (full-resolution translation), and why there. */
  start: Similarity;
  startFrom: 'search' | 'mtb' | 'identity';
  refined: RefineResult;
  /** Sums at the finest level at the identity, at the start and at the refinement's result. */
  atIdentity: Float64Array;
  atStart: Float64Array;
  atRefined: Float64Array;
  /** Pixels of the finest refinement level. */
  pixels: number;
  /** Full-resolution pixels per pixel of the level the search ended at. */
  unit: number;
}

const isIdentity = (p: Similarity) => p.a === 0 && p.b === 0 && p.tx === 0 && p.ty === 0;

/**
 * The guards: the refined similarity when it converged to a plausible motion
 * near its start and did not raise the residual; else the start's translation
 * when it lowers the residual against the identity; else the identity.
 * Anything but the identity also needs a correlation ≥ minCorrelation over ≥
 * minOverlap of the pixels. Confidence: the correlation of the warped bracket
 * with its target at the finest refinement level, for what is kept (0 for an
 * identity kept where too little overlaps to check it).
 */
export function decide(ev: PairEvidence): PairEstimate {
  const { mtb: m, start } = ev;
  const sId = sumsStats(ev.atIdentity, ev.pixels);
  const sStart = sumsStats(ev.atStart, ev.pixels);
  const notes: string[] = [];
  if (!m.trusted) notes.push(`MTB not used: ${m.reason}`);
  else if (ev.startFrom === 'search' && Math.hypot(m.shift[0] - start.tx, m.shift[1] - start.ty) > ev.unit)
    notes.push(`MTB (${m.shift[0]}, ${m.shift[1]}) disagrees with the search (${start.tx}, ${start.ty}), which correlates better`);
  if (!ev.search) notes.push('translation search: too little overlap');
  let choice: { p: Similarity; method: AlignMethod; stats: ReturnType<typeof sumsStats> } | null = null;
  const r = ev.refined;
  const s = sumsStats(ev.atRefined, ev.pixels);
  const drift = Math.hypot(r.p.tx - start.tx, r.p.ty - start.ty);
  const rot = Math.abs(rotationDegrees(r.p));
  const sc = Math.abs(scaleOf(r.p) - 1);
  if (!r.converged) notes.push('refinement stopped before converging');
  if (drift > GUARDS.maxDrift * Math.max(1, ev.unit)) notes.push(`refinement drifted ${drift.toFixed(2)} px from its start`);
  else if (rot > GUARDS.maxRotation || sc > GUARDS.maxScale) notes.push(`implausible refinement (rotation ${rot.toFixed(2)}°, scale ${(1 + sc).toFixed(4)})`);
  else if (!(s.residual <= sStart.residual * (1 + 1e-2))) notes.push(`refinement raised the residual (${s.residual.toFixed(3)} vs ${sStart.residual.toFixed(3)})`);
  else choice = { p: r.p, method: 'refined', stats: s };
  if (!choice && !isIdentity(start)) {
    if (sStart.residual <= sId.residual) choice = { p: start, method: 'translation', stats: sStart };
    else notes.push(`the ${ev.startFrom} shift raises the residual`);
  }
  if (choice) {
    const { correlation, overlap } = choice.stats;
    if (overlap < GUARDS.minOverlap) {
      notes.push(`overlap ${(100 * overlap).toFixed(1)} % too small`);
      choice = null;
    } else if (!(correlation >= GUARDS.minCorrelation)) {
      notes.push(`correlation ${correlation.toFixed(3)} too low`);
      choice = null;
    }
  }
  // The identity's own correlation, unless too little overlaps to say anything.
  const idConfidence = sId.overlap >= GUARDS.minOverlap ? Math.max(0, Math.min(1, sId.correlation)) : 0;
  if (!choice) return { p: IDENTITY, method: 'identity', confidence: idConfidence, reason: notes.join('; ') || 'no motion found' };
  return { p: choice.p, method: choice.method, confidence: Math.max(0, Math.min(1, choice.stats.correlation)), reason: notes.join('; ') || 'ok' };
}

/** One pair's steps, on the CPU or the GPU: the shared driver below calls them in order. */
export interface PairOps {
  /** Build both refinement pyramids, the moving one through `lut` (the target's through the identity). */
  build(lut: Float32Array): Promise<void> | void;
  /** searchSums() at a refinement level. */
  search(level: number, base: [number, number], radius: number): Promise<Float64Array> | Float64Array;
  /** overlapHistograms() at an integer full-resolution shift: [target, moving]. */
  histograms(shift: [number, number]): Promise<[Uint32Array, Uint32Array]> | [Uint32Array, Uint32Array];
  evaluate: Evaluate;
}

/** The search radius at the coarsest level for a maximum shift (at most SEARCH_RADIUS). */
export function searchRadius(width: number, height: number, maxShift = MAX_SHIFT): number {
  const { coarsest } = lkLevels(width, height);
  return Math.max(1, Math.min(SEARCH_RADIUS, Math.ceil(maxShift / 2 ** coarsest)));
}

/**
 * One pair, given MTB's summary and the full-image histograms: pyramids through
 * the full-image LUT; the translation search (exhaustive within ±radius at the
 * coarsest refinement level, then ±1 around twice the pick at each finer level
 * down to the finest); the start (the search's pick or MTB's shift, whichever
 * correlates better at the finest level); pyramids again through the LUT of
 * the overlap at the start; Levenberg–Marquardt; the guards.
 */
export async function estimatePair(
  ops: PairOps,
  summary: MtbSummary,
  fullLut: Float32Array,
  width: number,
  height: number,
  maxShift = MAX_SHIFT,
  model: MotionModel = DEFAULT_MODEL,
): Promise<{ estimate: PairEstimate; evidence: PairEvidence }> {
  const { finest, coarsest, sizes } = lkLevels(width, height);
  const pixelsAt = (l: number) => sizes[l]![0] * sizes[l]![1];
  await ops.build(fullLut);
  let level = coarsest;
  let radius = searchRadius(width, height, maxShift);
  let search = pickSearch(await ops.search(level, [0, 0], radius), [0, 0], radius, pixelsAt(level), level);
  while ((!search || search.count < SEARCH_MIN_COUNT) && level > finest && 2 * radius <= SEARCH_MAX_RADIUS) {
    level--;
    radius *= 2;
    search = pickSearch(await ops.search(level, [0, 0], radius), [0, 0], radius, pixelsAt(level), level);
  }
  for (let l = level - 1; l >= finest && search; l--) {
    const base: [number, number] = [2 * search.shift[0], 2 * search.shift[1]];
    const next = pickSearch(await ops.search(l, base, 1), base, 1, pixelsAt(l), l);
    if (!next) break;
    search = next;
  }
  const unit = 2 ** (search?.level ?? finest);
  let start: Similarity = IDENTITY;
  let startFrom: PairEvidence['startFrom'] = 'identity';
  if (search) {
    start = { a: 0, b: 0, tx: search.shift[0] * unit, ty: search.shift[1] * unit };
    startFrom = 'search';
  }
  if (summary.trusted && (summary.shift[0] !== 0 || summary.shift[1] !== 0)) {
    const mtbP: Similarity = { a: 0, b: 0, tx: summary.shift[0], ty: summary.shift[1] };
    if (!search) {
      start = mtbP;
      startFrom = 'mtb';
    } else if (Math.hypot(mtbP.tx - start.tx, mtbP.ty - start.ty) > unit) {
      const c = sumsStats(await ops.evaluate(finest, mtbP), pixelsAt(finest));
      if (c.overlap >= SEARCH_MIN_OVERLAP * search.overlap && c.correlation > search.correlation) {
        start = mtbP;
        startFrom = 'mtb';
      }
    }
  }
  const [ht, hm] = await ops.histograms([Math.round(start.tx), Math.round(start.ty)]);
  await ops.build(matchLut(hm, ht));
  const atIdentity = Float64Array.from(await ops.evaluate(finest, IDENTITY));
  const atStart = isIdentity(start) ? atIdentity : Float64Array.from(await ops.evaluate(finest, start));
  const refined = await refine(ops.evaluate, width, height, start, model);
  const atRefined = Float64Array.from(await ops.evaluate(finest, refined.p));
  const evidence: PairEvidence = { mtb: summary, search, start, startFrom, refined, atIdentity, atStart, atRefined, pixels: pixelsAt(finest), unit };
  return { estimate: decide(evidence), evidence };
}

/** Targets: every layer against the reference ('direct'), or against its neighbour towards the reference ('chain'). */
export function alignTargets(layers: number, reference: number, mode: AlignMode): number[] {
  return Array.from({ length: layers }, (_, k) => (k === reference || mode === 'direct' ? reference : k < reference ? k + 1 : k - 1));
}

export type AlignMode = 'direct' | 'chain';
/** Chain: no pair is more than one bracket step apart in exposure (see src/engine/align/align.ts). */
export const DEFAULT_MODE: AlignMode = 'chain';

/** Pair estimates (relative to each layer's target) composed into matrices relative to the reference. */
export function composeToReference(pairs: readonly PairEstimate[], targets: readonly number[], reference: number, width: number, height: number): { matrix: Matrix3; confidence: number }[] {
  const out: ({ matrix: Matrix3; confidence: number } | undefined)[] = new Array(pairs.length);
  out[reference] = { matrix: IDENTITY_MATRIX, confidence: 1 };
  const get = (k: number): { matrix: Matrix3; confidence: number } => {
    const done = out[k];
    if (done) return done;
    const t = get(targets[k]!);
    const e = pairs[k]!;
    const r = { matrix: multiply(similarityMatrix(e.p, width, height), t.matrix), confidence: Math.min(t.confidence, e.confidence) };
    out[k] = r;
    return r;
  };
  return pairs.map((_, k) => get(k));
}

/** A pixel rectangle: columns x .. x + width − 1, rows y .. y + height − 1. */
export interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The largest axis-aligned rectangle of reference pixels that every matrix maps
 * inside its bracket ([0, w − 1] × [0, h − 1]): per row the valid columns form
 * an interval (an intersection of convex sets), and the best rectangle between
 * two rows is bounded by the intervals of those two rows.
 */
export function commonCrop(matrices: readonly Matrix3[], width: number, height: number): CropRect {
  // Inside up to EDGE beyond the edge samples, as the warp's coverage alpha.
  const eps = EDGE;
  const lo = new Int32Array(height);
  const hi = new Int32Array(height);
  for (let y = 0; y < height; y++) {
    let a = 0;
    let b = width - 1;
    for (const m of matrices) {
      // u = m0 x + (m1 y + m2), v = m3 x + (m4 y + m5); affine (the bottom row is 0 0 1).
      for (const [k, c, limit] of [
        [m[0], m[1] * y + m[2], width - 1],
        [m[3], m[4] * y + m[5], height - 1],
      ] as const) {
        // 0 ≤ k x + c ≤ limit.
        if (Math.abs(k) < 1e-12) {
          if (c < -eps || c > limit + eps) b = -1;
        } else {
          const x1 = (-c - eps * Math.sign(k)) / k;
          const x2 = (limit - c + eps * Math.sign(k)) / k;
          a = Math.max(a, Math.ceil(Math.min(x1, x2) - 1e-9));
          b = Math.min(b, Math.floor(Math.max(x1, x2) + 1e-9));
        }
      }
    }
    // Nearly axis-parallel edges give huge bounds: clamp before the Int32Array.
    lo[y] = Math.min(a, width);
    hi[y] = Math.max(b, -1);
  }
  let best: CropRect = { x: 0, y: 0, width: 0, height: 0 };
  for (let y0 = 0; y0 < height; y0++) {
    if (hi[y0]! < lo[y0]!) continue;
    for (let y1 = y0; y1 < height; y1++) {
      const a = Math.max(lo[y0]!, lo[y1]!);
      const b = Math.min(hi[y0]!, hi[y1]!);
      if (b < a) continue;
      const area = (b - a + 1) * (y1 - y0 + 1);
      if (area > best.width * best.height) best = { x: a, y: y0, width: b - a + 1, height: y1 - y0 + 1 };
    }
  }
  return best;
}
