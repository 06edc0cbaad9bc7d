// Bracket alignment: CPU reference of every GPU step of src/engine/align/align.ts,
// and the TypeScript both sides share (picks, the small solves, the guards,
// composition and the common crop). The GPU follows it step by step.
//
// Step 1, Ward's median threshold bitmaps (G. Ward, "Fast, Robust Image
// Registration for Compositing High Dynamic Range Photographs from Hand-Held
// Exposures", Journal of Graphics Tools 8(2), 2003), exact integers:
//   grey   g = (54 R + 183 G + 19 B) >> 8 of the 8-bit codes
//   levels l = 0 .. L − 1, level l + 1 = 2×2 box average (a + b + c + d + 2) >> 2,
//          size (w >> 1, h >> 1); L from maxShift (±(2^L − 1) px) and the size
//          (coarsest side ≥ MTB_MIN_SIDE): 6 levels, ±63 px, at 320×256
//   median m per bracket per level: the smallest code with 2·cum(m) ≥ n
//   bitmaps threshold tb = g > m, exclusion eb = |g − m| > MTB_EXCLUDE, packed
//          32 pixels per u32 (bit i of word j of a row: x = 32 j + i), padding 0
//   counts target pixel x against moving pixel x + s (out of range: excluded):
//          err = popcount((tb_t ^ tb_m) & eb_t & eb_m), valid = popcount(eb_t & eb_m),
//          for the 9 candidates s = base + (dx, dy), dx, dy ∈ {−1, 0, 1}
//          (index (dy + 1)·3 + dx + 1), and a 10th, s = (0, 0) (the identity)
//   pick   least err, then the smallest move, then the lowest index; the base of
//          level l is twice the pick of level l + 1 (0 at the coarsest).
// MTB alone is an integer translation, and it is fragile: a median contour
// through a smooth gradient (sky, water) moves with the content that enters
// or leaves the frame, so on goldengate-3 it misses most ±60 px shifts. It is
// kept as one candidate start and as evidence for the guards.
//
// Step 2, refinement of each pair (moving bracket → its target) to a rigid
// motion (rotation + translation; a 4-parameter similarity on request):
//   exposure   the moving bracket's grey codes are mapped onto the target's by
//              histogram matching (mid-rank quantiles; a monotone response keeps
//              ranks, which is what Ward's median relies on too), from the
//              full-image histograms first, then from the pixels valid in both
//              at the start shift (the same scene points on both sides)
//   validity   a pixel counts when grey ≥ LK_CLIP_LO, no channel exceeds
//              LK_CLIP_HI (one clipped channel already bends grey away from a
//              monotone function of the scene) and alpha ≥ 128
//   pyramid    raw (v·w, w), Burt–Adelson reduce (normalised convolution), levels
//              finest .. coarsest (lkLevels); features (v, w', ∂x v, ∂y v) after a
//              3×3 binomial blur, w' = 1 only where the blurred weight is full at the
//              pixel and its 4 neighbours (no clipped pixel blurred in)
//   search     ZNCC of integer shifts: exhaustive within ±searchRadius at the
//              coarsest level, then ±1 around twice the pick at each finer level
//   start      the search's pick, or MTB's shift where it correlates better
//   warp       u = c + A (x − c) + t, A = [[1 + a, −b], [b, 1 + a]], c the image
//              centre; level l uses coordinates / 2^l (the Burt–Adelson grid)
//   sums       over target pixels with u inside the moving level: W = w'_t ·
//              w'_m(u) (bilinear), e = I(u) − T(x), J = ½(∇I(u) + ∇T(x)) · ∂u/∂p (ESM,
//              Benhimane & Malis 2004); Σ W J^T J, Σ W J^T e, Σ W, Σ W e², and the
//              moments of T and I for the correlation (Baker & Matthews, "Lucas-
//              Kanade 20 Years On", IJCV 56(3), 2004)
//   solve      Levenberg–Marquardt in TypeScript, coarse to fine, each level
//              starting from the start where that fits it better than the coarser
//              level's result, until the undamped step moves no corner by
//              LK_STEP_EPS level pixels.
//   guards     decide(): the refined motion if plausible, near its start and not
//              worse than it; else the start's translation if it beats the
//              identity; else the identity; anything but the identity needs a
//              correlation of GUARDS.minCorrelation over GUARDS.minOverlap.
//
// Pairs: 'chain' (default) aligns each bracket to its neighbour towards the
// reference and composes; 'direct' aligns every bracket to the reference.
//
// Step 3, warp: output layer k at pixel x = bilinear sample of bracket k at M_k x
// (clamped to the edge), alpha 255 where M_k x lies inside the bracket, else 0.
// M_k maps reference pixel coordinates (pixel centres at integers) to bracket k's.
// commonCrop() gives the largest rectangle every M_k keeps inside its bracket.

import { DEFAULT_MODEL, MAX_SHIFT, type Rgba8 } from './constants';
import { mtb, mtbSummary, type MtbResult, type MtbSummary } from './mtb';
import { IDENTITY, IDENTITY_LUT, levelWarp, lkLevels, lkPyramid, lkSums, matchLut, overlapHistograms } from './refine';
import type { MotionModel } from './lk-step';
import {
  alignTargets,
  commonCrop,
  composeToReference,
  DEFAULT_MODE,
  estimatePair,
  matrixSimilarity,
  rotationDegrees,
  scaleOf,
  searchSums,
  type AlignMethod,
  type AlignMode,
  type CropRect,
  type Matrix3,
  type PairEstimate,
  type PairEvidence,
  type PairOps,
} from './transforms';

export * from './constants';
export * from './mtb';
export * from './refine';
export * from './lk-step';
export * from './transforms';
export * from './warp';

// ---------------------------------------------------------------- the whole reference

export interface LayerMotion {
  /** Bracket coordinates = matrix · reference coordinates (row-major 3×3). */
  matrix: Matrix3;
  /** The same as a similarity about the image centre: translation of the centre (px), rotation (degrees, +: clockwise on screen, y down), scale. */
  tx: number;
  ty: number;
  rotation: number;
  scale: number;
  /** The layer the pair was estimated against, and how. */
  target: number;
  method: AlignMethod;
  confidence: number;
  reason: string;
  mtb: MtbSummary | null;
  /** Gauss–Newton evaluations per refinement level (finest first), if refined. */
  iterations: number[];
}

export interface AlignmentResult {
  motions: LayerMotion[];
  crop: CropRect;
}

export function layerMotion(matrix: Matrix3, width: number, height: number, rest: Omit<LayerMotion, 'matrix' | 'tx' | 'ty' | 'rotation' | 'scale'>): LayerMotion {
  const p = matrixSimilarity(matrix, width, height);
  return { matrix, tx: p.tx, ty: p.ty, rotation: rotationDegrees(p), scale: scaleOf(p), ...rest };
}

/** The CPU steps of one pair (the reference of the GPU's PairOps). */
export function cpuPairOps(target: Rgba8, moving: Rgba8): PairOps & { pyramids(): { target: ReturnType<typeof lkPyramid>; moving: ReturnType<typeof lkPyramid> } } {
  const { width, height } = target;
  const { finest, coarsest } = lkLevels(width, height);
  const tp = lkPyramid(target, IDENTITY_LUT, finest, coarsest);
  let mp: ReturnType<typeof lkPyramid> = { raw: [], features: [] };
  return {
    build: (lut) => {
      mp = lkPyramid(moving, lut, finest, coarsest);
    },
    search: (l, base, radius) => searchSums(tp.features[l - finest]!, mp.features[l - finest]!, base, radius),
    histograms: (shift) => overlapHistograms(target, moving, shift),
    evaluate: (l, p) => lkSums(tp.features[l - finest]!, mp.features[l - finest]!, levelWarp(p, l, width, height)),
    pyramids: () => ({ target: tp, moving: mp }),
  };
}

/** Estimate every layer's motion on the CPU (the reference of Align.estimate()). */
export async function alignBrackets(
  brackets: readonly Rgba8[],
  reference: number,
  mode: AlignMode = DEFAULT_MODE,
  maxShift = MAX_SHIFT,
  model: MotionModel = DEFAULT_MODEL,
): Promise<AlignmentResult & { mtb: MtbResult; evidence: (PairEvidence | null)[] }> {
  const N = brackets.length;
  const { width, height } = brackets[0]!;
  const targets = alignTargets(N, reference, mode);
  const m = mtb(brackets, targets, maxShift);
  const L = m.levels.length;
  const hist0 = m.levels[0]!.histograms;
  const pairs: PairEstimate[] = [];
  const evidence: (PairEvidence | null)[] = [];
  for (let k = 0; k < N; k++) {
    const t = targets[k]!;
    if (t === k) {
      pairs.push({ p: IDENTITY, method: 'reference', confidence: 1, reason: 'reference' });
      evidence.push(null);
      continue;
    }
    const summary = mtbSummary(m.counts, N, k, L, width, height);
    const r = await estimatePair(cpuPairOps(brackets[t]!, brackets[k]!), summary, matchLut(hist0[k]!, hist0[t]!), width, height, maxShift, model);
    pairs.push(r.estimate);
    evidence.push(r.evidence);
  }
  return { ...assemble(pairs, evidence, targets, reference, width, height), mtb: m, evidence };
}

/** Compose the pair estimates into per-layer motions relative to the reference, and the common crop. */
export function assemble(pairs: readonly PairEstimate[], evidence: readonly (PairEvidence | null)[], targets: readonly number[], reference: number, width: number, height: number): AlignmentResult {
  const composed = composeToReference(pairs, targets, reference, width, height);
  const motions = composed.map(({ matrix, confidence }, k) =>
    layerMotion(matrix, width, height, {
      target: targets[k]!,
      method: pairs[k]!.method,
      confidence,
      reason: pairs[k]!.reason,
      mtb: evidence[k]?.mtb ?? null,
      iterations: evidence[k]?.refined.iterations ?? [],
    }),
  );
  return {
    motions,
    crop: commonCrop(
      motions.map((x) => x.matrix),
      width,
      height,
    ),
  };
}
