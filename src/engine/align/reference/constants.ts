// The alignment reference's image type and constants, shared by its steps (align.ts).
import type { MotionModel } from './lk-step';

/** An 8-bit RGBA image (the uploaded bracket bytes). */
export interface Rgba8 {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array | Uint8ClampedArray;
}

// ---------------------------------------------------------------- constants

/** grey = (GREY_WEIGHTS · rgb) >> 8 of the 8-bit codes; the weights sum to 256. */
export const GREY_WEIGHTS = [54, 183, 19] as const;
/** Ward's exclusion band: codes within ±MTB_EXCLUDE of the median carry no bit. */
export const MTB_EXCLUDE = 4;
/** The coarsest MTB level keeps its shorter side at least this long. */
export const MTB_MIN_SIDE = 8;
/** Default search range, in pixels: levels for ±(2^L − 1) ≥ this. */
export const MAX_SHIFT = 128;
/** At most this many MTB levels. */
export const MTB_MAX_LEVELS = 10;
/** u32 per (level, layer) in the counts: err and valid for each of 10 candidates. */
export const COUNT_STRIDE = 20;
/** Candidate index of the identity (absolute shift 0). */
export const IDENTITY_CANDIDATE = 9;
/** A pixel weighs in the refinement when its grey code is at least LK_CLIP_LO and no channel exceeds LK_CLIP_HI (lkValid). */
export const LK_CLIP_LO = 6;
export const LK_CLIP_HI = 253;
/** The translation search: integer shifts within ±SEARCH_RADIUS pixels of the coarsest refinement level... */
export const SEARCH_RADIUS = 16;
/** ... or, where its best candidate overlaps fewer than SEARCH_MIN_COUNT valid pixels (a night scene's lights vanish there), one level finer with twice the radius, up to this. */
export const SEARCH_MAX_RADIUS = 32;
export const SEARCH_MIN_COUNT = 64;
/** A search candidate needs at least this fraction of the largest weighted overlap of any candidate. */
export const SEARCH_MIN_OVERLAP = 0.5;
/** f32 entries per search candidate: Σ W, Σ W T, Σ W T², Σ W I, Σ W I², Σ W T I, 2 pad. */
export const SEARCH_SUMS = 8;
/** A refinement pixel counts only where its whole footprint is valid (raw weight ≥ this), so no level mixes clipped pixels in. */
export const LK_FULL_WEIGHT = 0.75;
/** The finest refinement level keeps its longer side at most this long (2 MP brackets refine at half size). */
export const LK_MAX_SIDE = 1024;
/** The coarsest refinement level keeps its longer side at least this long. */
export const LK_COARSE_SIDE = 64;
/** The refinement's default motion model (see MotionModel). */
export const DEFAULT_MODEL: MotionModel = 'rigid';
/** Gauss–Newton iterations per level, at most. */
export const LK_MAX_ITER = 20;
/** Converged when a step moves no image corner by more than this, in level pixels. */
export const LK_STEP_EPS = 0.01;
/** f32 entries of one set of normal-equation sums (struct Sums in the shader). */
export const SUMS = 20;
/** Index of each sum: H (upper triangle, row-major), g, then the moments. */
export const SUM_INDEX = {
  h00: 0,
  h01: 1,
  h02: 2,
  h03: 3,
  h11: 4,
  h12: 5,
  h13: 6,
  h22: 7,
  h23: 8,
  h33: 9,
  g0: 10,
  g1: 11,
  g2: 12,
  g3: 13,
  w: 14,
  we2: 15,
  wt: 16,
  wt2: 17,
  wi: 18,
  wi2: 19,
} as const;

/** The guards (see decide()). */
export const GUARDS = {
  /** MTB: informative pixels (excluded in neither bitmap) at the pick, as a fraction of level 0. */
  minInformative: 0.01,
  /** MTB: a non-zero shift must lower the error rate (err / valid) by this fraction against the identity. */
  minGain: 0.05,
  /**
   * Refinement: its translation may move at most this many pixels of the
   * level the translation search ended on from where it started: 8 px at
   * full size up to 1024 px wide, 16 at 2 MP, 64 at 12 MP (refined at 1/8
   * size), where a translation-only start lies ~10 px off for brackets a
   * degree or two apart in rotation (bench/handheld.bench.ts).
   */
  maxDrift: 8,
  /** Refinement: plausible rotation (degrees) and scale for a hand-held bracket. */
  maxRotation: 5,
  maxScale: 0.05,
  /** A transform other than the identity needs this normalised cross-correlation after warping. */
  minCorrelation: 0.75,
  /** ... over at least this fraction of the finest level's pixels (weighted). */
  minOverlap: 0.01,
} as const;
