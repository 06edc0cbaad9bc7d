// Local detail and range compression: the fast local Laplacian filter of
// Aubry, Paris, Hasinoff, Kautz & Durand, "Fast Local Laplacian Filters:
// Theory and Applications", ACM TOG 33(5), 2014, applied to the log2
// luminance of a scene-linear radiance map, with the remapping idea of Paris,
// Hasinoff & Kautz, "Local Laplacian Filters: Edge-aware Image Processing with
// a Laplacian Pyramid", SIGGRAPH 2011. Colour is re-applied by ratio.
// CPU reference: the GPU passes (src/engine/local-detail/local-detail.ts) follow it step by
// step and must match it numerically.
//
// Discretisation (both sides):
//   I      = log2(max(L, 2^floor)),  L = Rec. 709 luminance, floor = LOG_FLOOR
//            (a radiance map) or DISPLAY_LOG_FLOOR (a fused, display-referred image)
//   G[I]   = Gaussian pyramid of I, full depth (pyramidLevels), lib/pyramid.wgsl sampling
//   grid   = K = LOCAL_DETAIL_LEVELS intensities γ_k = lo + k·step, from the min/max
//            of I:  lo = max(min, max − MAX_SPAN) (black pixels do not stretch it),
//            span = max − lo, step = max(span / (K − 1), MIN_STEP),
//            σr = max(span / (LOCAL_DETAIL_LEVELS − 1), SIGMA_MIN)
//   per k  : remapped image r_k(I) (remap() below, g = γ_k), its Gaussian pyramid,
//            and its Laplacian bands L_l = G_l − expand(G_{l+1})
//   output : band_l(p) = Σ_k w_k(G_l[I](p)) · L_l[r_k](p), w_k = hat weights of
//            t = clamp((g − lo)/step, 0, K − 1): linear interpolation between the two
//            nearest γ_k (the edge level outside the grid); top band = G_top[I]
//   O      = collapse(bands);  C_out = C_in · 2^(O − I) (alpha copied)
// The GPU runs the same formulas; it only folds level 0 (its band, the last
// collapse step and the colour) into one pass, and a one-level pyramid (an
// image one pixel wide or high) is the identity on both sides.
//
// σr is never below the level spacing of the default K (Halide's
// local_laplacian sets σr = spacing): the interpolation between levels is only
// as good as the remap is smooth at the scale of the spacing, so a σr below the
// spacing would make the detail strength beat with intensity. A scene of up to
// 7 stops gets σr = 1 stop; a 14-stop scene 2 stops. The grid covers every
// pixel but those more than MAX_SPAN below the maximum: a pixel outside it
// would take the edge level's remap instead of its own (the limits are not
// taken from a blurred level for that reason, though a lone hot pixel then
// widens σr).
// σr does not depend on K, so a larger K only refines the approximation (the
// unit test checks that it converges to the direct filter of Paris et al.;
// at the strongest settings K = 8 is within 0.08 stop of it on average).
//
// Behaviour (local-detail.test.ts): no halo beside an 8-stop window (the wall
// lifts smoothly towards it by ~0.1 stop at 4..12 px, as the direct filter
// does, where a blur-based base/detail split darkens it by over a stop);
// monotone along smooth ramps; beside strong edges detail = ±1 can dip by a
// few hundredths of a stop.

import type { FloatImage } from '../../types';
import { luminance } from '../../reference/color';
import { collapse, expand, gaussianPyramid, pyramidLevels } from '../../pyramid/reference/pyramid';

/** K: intensity levels of the fast filter. The GPU builds them four at a time (one RGBA pyramid). */
export const LOCAL_DETAIL_LEVELS = 8;
/** log2 of the smallest luminance taken (black pixels): keeps log2 finite. */
export const LOG_FLOOR = -32;
/**
 * The floor for a display-referred input (the fused image: 0 black, 1 white):
 * below 1/1024 of white is black, about a display's black level. Fusion clips
 * a few per cent of its pixels to zero or below in deep shadow next to strong
 * edges (Laplacian blending overshoots); at LOG_FLOOR they would sit 30 stops
 * under their neighbours, the filter would ring around them, and the preview
 * (where a box average fills them in) and the full-size result would disagree.
 */
export const DISPLAY_LOG_FLOOR = -10;
/** The widest log2 span the grid covers, in stops below the maximum. */
export const MAX_SPAN = 16;
/** The smallest σr, in stops. */
export const SIGMA_MIN = 1;
/** The smallest level spacing, for a flat image (span 0). */
export const MIN_STEP = 1 / 1024;
/** Large-scale slope β at range = 1: the remap stays monotone over the whole slider box (see remap()). */
export const BETA_MIN = 0.3;

/** Level k sits at lo + k·step (log2 luminance); σr in stops. */
export interface Grid {
  lo: number;
  step: number;
  sigma: number;
}

export interface LocalDetailParams {
  /** −1..1: 0 no change; > 0 boosts local contrast and texture, < 0 smooths it. */
  detail: number;
  /**
   * 0..1: 0 none; 1 gives the remap a slope of 0.3 beyond σr, which leaves a
   * large edge (8..16 stops) at about half its log contrast, texture kept.
   */
  range: number;
  /** log2 of the darkest luminance the filter tells apart (default LOG_FLOOR; DISPLAY_LOG_FLOOR for a fused image). */
  floor?: number;
}

/** True when the filter is the identity (the GPU then encodes a plain copy). */
export function isIdentity(p: LocalDetailParams): boolean {
  const { alpha, beta } = remapCoefficients(p);
  return alpha === 0 && beta === 1;
}

/**
 * Slider values → remap coefficients, clamped into the slider box (NaN → 0):
 *   α = detail            (slope of the remap at Δ = 0 is 1 + α: 0 .. 2)
 *   β = 1 − (1 − BETA_MIN)·range   (slope for |Δ| ≫ σr: 1 .. 0.3)
 */
export function remapCoefficients(p: LocalDetailParams): { alpha: number; beta: number } {
  const c = (v: number, lo: number, hi: number) => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : 0);
  const alpha = c(p.detail, -1, 1);
  const beta = 1 - (1 - BETA_MIN) * c(p.range, 0, 1);
  return { alpha, beta };
}

/**
 * The remapping function r_g(i) around the level g, in log2 units, x = (i − g)/σ:
 *   r = g + σ·[ β·x + (1 − β)·x/√(1 + x²/2) + α·x·e^(−x²/2) ]
 * Smooth (no power-law kink, no noise blow-up at x = 0 as in Paris 2011's x^α).
 * Slope 1 + α at x = 0 (detail), β for |x| ≫ 1 (range); the middle term keeps
 * about √2·σ of every large edge, like Paris's "σr + β(|Δ| − σr)". The detail
 * term e^(−x²/2) (Aubry 2014, sec. 5) integrates to zero, so with β = 1 edges
 * much larger than σ are left as they are. r is the identity at α = 0, β = 1, and
 * strictly increasing for α ∈ (−1, 1], β ∈ [0.3, 1] (least slope 0.019 at α = 1,
 * β = 0.3, x ≈ 1.9), so the filter does not reverse gradients.
 */
export function remap(i: number, g: number, sigma: number, alpha: number, beta: number): number {
  const x = (i - g) / sigma;
  const x2 = x * x;
  return g + sigma * (beta * x + ((1 - beta) * x) / Math.sqrt(1 + 0.5 * x2) + alpha * x * Math.exp(-0.5 * x2));
}

/** The intensity grid and σr from the min and max of I (see the header). */
export function intensityGrid(min: number, max: number, levels = LOCAL_DETAIL_LEVELS): Grid {
  const lo = Math.max(min, max - MAX_SPAN);
  const span = max - lo;
  return { lo, step: Math.max(span / (levels - 1), MIN_STEP), sigma: Math.max(span / (LOCAL_DETAIL_LEVELS - 1), SIGMA_MIN) };
}

/** Hat weight of level k for guide value g: max(0, 1 − |t − k|), t = clamp((g − lo)/step, 0, K − 1). */
export function levelWeight(g: number, k: number, grid: Pick<Grid, 'lo' | 'step'>, levels = LOCAL_DETAIL_LEVELS): number {
  const t = Math.min(levels - 1, Math.max(0, (g - grid.lo) / grid.step));
  return Math.max(0, 1 - Math.abs(t - k));
}

/** log2 luminance of a radiance map, floored at `floorLog2` (LOG_FLOOR by default), as one channel. */
export function logLuminance(img: FloatImage, floorLog2 = LOG_FLOOR): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n);
  const floor = Math.pow(2, floorLog2);
  const d = img.data;
  for (let p = 0; p < n; p++) out[p] = Math.log2(Math.max(luminance(d[p * 4] ?? 0, d[p * 4 + 1] ?? 0, d[p * 4 + 2] ?? 0), floor));
  return out;
}

/** A one-channel plane as an RGBA image (value in r, zeros elsewhere). */
function planeImage(width: number, height: number, plane: ArrayLike<number>): FloatImage {
  const data = new Float32Array(width * height * 4);
  for (let p = 0; p < width * height; p++) data[p * 4] = plane[p] ?? 0;
  return { width, height, data };
}

export interface LocalLaplacianResult {
  /** Filtered log2 luminance O, one per pixel. */
  output: Float32Array;
  /** The grid used. */
  grid: Grid;
}

/**
 * The fast local Laplacian filter of a log2-luminance plane (width × height),
 * as described in the header. The remapped images are built four levels at a
 * time (RGBA), as on the GPU; only one remapped pyramid is alive at a time.
 */
export function localLaplacian(logLum: Float32Array, width: number, height: number, p: LocalDetailParams, levels = LOCAL_DETAIL_LEVELS): LocalLaplacianResult {
  if (!Number.isInteger(levels) || levels < 2) throw new Error(`localLaplacian: levels ${levels} must be an integer >= 2`);
  if (logLum.length !== width * height) throw new Error(`localLaplacian: ${logLum.length} values for ${width}x${height}`);
  const { alpha, beta } = remapCoefficients(p);
  const depth = pyramidLevels(width, height);
  const guide = gaussianPyramid(planeImage(width, height, logLum), depth);

  let min = Infinity;
  let max = -Infinity;
  for (const v of logLum) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const grid = intensityGrid(min, max, levels);

  // Result bands (r channel): zeros to accumulate into, and the top one from the guide.
  const bands: FloatImage[] = guide.map((g, l) => {
    if (l === depth - 1) return { ...g, data: new Float32Array(g.data) };
    return planeImage(g.width, g.height, []);
  });

  for (let k0 = 0; k0 < levels; k0 += 4) {
    const remapped = new Float32Array(width * height * 4);
    for (let q = 0; q < width * height; q++) {
      const i = logLum[q] ?? 0;
      for (let c = 0; c < 4; c++) remapped[q * 4 + c] = remap(i, grid.lo + (k0 + c) * grid.step, grid.sigma, alpha, beta);
    }
    const pyr = gaussianPyramid({ width, height, data: remapped }, depth);
    for (let l = 0; l < depth - 1; l++) {
      const fine = pyr[l]!;
      const up = expand(pyr[l + 1]!, fine.width, fine.height).data;
      const g = guide[l]!.data;
      const band = bands[l]!.data;
      for (let q = 0; q < fine.width * fine.height; q++) {
        let sum = 0;
        for (let c = 0; c < 4; c++) {
          const w = levelWeight(g[q * 4] ?? 0, k0 + c, grid, levels);
          if (w > 0) sum += w * ((fine.data[q * 4 + c] ?? 0) - (up[q * 4 + c] ?? 0));
        }
        band[q * 4] = (band[q * 4] ?? 0) + sum;
      }
    }
  }

  const collapsed = collapse(bands).data;
  const output = new Float32Array(width * height);
  for (let q = 0; q < width * height; q++) output[q] = collapsed[q * 4] ?? 0;
  return { output, grid };
}

/**
 * Local detail / range compression of a scene-linear radiance map:
 * C_out = C_in · 2^(O − I) per pixel, alpha copied; a copy at the identity
 * settings (detail = range = 0), as the GPU encodes it.
 */
export function localDetail(img: FloatImage, p: LocalDetailParams, levels = LOCAL_DETAIL_LEVELS): FloatImage {
  const { width, height, data } = img;
  if (isIdentity(p)) return { width, height, data: new Float32Array(data) };
  const logLum = logLuminance(img, p.floor ?? LOG_FLOOR);
  const { output } = localLaplacian(logLum, width, height, p, levels);
  const out = new Float32Array(data.length);
  for (let q = 0; q < width * height; q++) {
    const ratio = Math.pow(2, (output[q] ?? 0) - (logLum[q] ?? 0));
    for (let c = 0; c < 3; c++) out[q * 4 + c] = (data[q * 4 + c] ?? 0) * ratio;
    out[q * 4 + 3] = data[q * 4 + 3] ?? 0;
  }
  return { width, height, data: out };
}
