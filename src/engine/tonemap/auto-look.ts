// The automatic look of a radiance map (merge mode): local range compression
// and the operator's white point set from the scene's measured range, so that
// what the brackets captured lands on the display instead of clipping to
// white or black. Pure: the luminance statistics (engine/luminance, measured
// on the radiance map before local detail) in, params out; the store applies
// them while the look is automatic (src/state/store.ts), the CLI after its
// first render (src/cli/batch.ts).
//
// Where the numbers come from. Reinhard 2002 (the default operator) maps the
// log-average luminance to the key (0.18) and a luminance W/key times the
// log-average to white (W, the white point): log2(8 / 0.18) = 5.5 stops of
// headroom at the default W = 8. Below the log-average, sRGB's code 1 of 255
// lies about 9 stops down. The local Laplacian filter (engine/local-detail)
// scales large-scale differences by β = 1 − 0.7 · range but keeps about √2·σ
// of every edge, and its σ grows with the scene's span: measured on the two
// committed radiance maps (and a window 9 stops over the still life), the
// bright and dark ends move as if by 1 − COMPRESSION_SLOPE · range (0.63 at
// range 1, for 5.5 and 14 stops alike). So, with the bright end `hi` (the
// 99.95th percentile: a lamp's few hottest pixels may clip) and the dark end
// `lo` (the 0.05th), in stops from the log-average:
//   - a scene within HEADROOM_FIT above and FOOTROOM_FIT below keeps the
//     defaults (range 0, W 8): nothing it captured clips, nothing changes;
//   - else range = the least that brings hi within HEADROOM_TARGET and lo
//     within FOOTROOM_TARGET (up to 1), and W is set to reach the compressed
//     bright end plus WHITE_MARGIN (key · 2^(hi' + margin)), within the
//     slider's [8, 256].
// Exposure and contrast are left to the user: the operator already places the
// log-average at the key, and night scenes may stay dark.
//
// Fusion mode (autoFusionLook): Mertens fusion pushes a bright area beside
// darker detail over white (its Laplacian bands add up past 1), and the
// finishing clamp turned that into flat white: 17 % of a sunlit street whose
// darkest bracket holds the sky at codes 200–240. It also pushes dark areas
// beside bright ones below black (2 % of an interior). The look measures the
// fused image's brightest channel (luminance.wgsl FUSED) and, where its
// 99.95th percentile passes white by more than FUSED_OVER, sets the
// roll-off's white (params.ts fusedWhite) FUSED_MARGIN above it; where its
// 0.05th lies more than FUSED_UNDER below black, the toe's black (fusedBlack)
// FUSED_MARGIN and two codes below it. What the fusion made keeps its
// gradation; a fusion within [0, 1] keeps 1 and 0 (the plain clamp, the
// picture as before).
import { log2Percentile } from '../histogram/histogram';
import { PARAMS } from '../params';
import { srgbToLinear } from '../reference/color';
import type { LuminanceStats } from '../types';

/** The params the automatic look sets (each mode's own, the other mode's at their defaults); a change to any of them by hand makes the look manual. */
export const AUTO_LOOK_PARAMS = ['rangeCompression', 'whitePoint', 'fusedWhite', 'fusedBlack'] as const;
export type AutoLookParam = (typeof AUTO_LOOK_PARAMS)[number];
export type AutoLook = Record<AutoLookParam, number>;

/** Stops above the log-average the default white point reaches (log2(8 / 0.18)): a scene within it needs no compression. */
export const HEADROOM_FIT = Math.log2(PARAMS.whitePoint.default / PARAMS.key.default);
/** Stops below the log-average still above black after sRGB encoding (code ≈ 1.5 of 255). */
export const FOOTROOM_FIT = 8.5;
/** Where a compressed scene's bright end goes: Reinhard's shoulder still shows gradation there (Ls ≈ 23 maps to 0.96 at W = 64). */
export const HEADROOM_TARGET = 7;
/** Where a compressed scene's dark end goes. */
export const FOOTROOM_TARGET = 7.5;
/** The bright and dark ends: these shares of pixels may lie beyond them (a lamp's filament, a black hole of a doorway). */
export const END_SHARE = 0.0005;
/** Stops added above the compressed bright end when the white point is set. */
const WHITE_MARGIN = 0.5;
/** The ends of a scene move by 1 − COMPRESSION_SLOPE · range under range compression (measured; see the header). */
export const COMPRESSION_SLOPE = 0.37;

/** A fusion whose bright end stays within this much of white (linear) keeps the plain clamp there. */
export const FUSED_OVER = 1.05;
/** A fusion whose dark end stays within this much of black (encoded: one code) keeps the plain clamp there. */
export const FUSED_UNDER = 1 / 255;
/** The roll-off's white and the toe's black: this much beyond the fused ends (the curves' last stretch is too flat to read). */
export const FUSED_MARGIN = 1.2;

/** The look's params at their defaults (fusion's look before its image is measured; the other mode's half of each look). */
export function defaultLook(): AutoLook {
  return Object.fromEntries(AUTO_LOOK_PARAMS.map((n) => [n, PARAMS[n].default])) as AutoLook;
}

/** The automatic look of a fused image with these statistics (LuminancePass FUSED: each pixel's 1 + brightest channel, encoded). */
export function autoFusionLook(stats: Pick<LuminanceStats, 'histogram' | 'histLo' | 'histHi'>): AutoLook {
  const look = defaultLook();
  const top = srgbToLinear(Math.max(0, Math.pow(2, log2Percentile(stats, 1 - END_SHARE)) - 1));
  if (Number.isFinite(top) && top >= FUSED_OVER) look.fusedWhite = Math.min(PARAMS.fusedWhite.max, Math.ceil(top * FUSED_MARGIN * 20) / 20);
  const bottom = Math.pow(2, log2Percentile(stats, END_SHARE)) - 1;
  // Two codes more: the toe is flat at its black (slope 2/(A(1 + A)), about half), so the dark end's last values would stay within a code of black.
  if (Number.isFinite(bottom) && bottom <= -FUSED_UNDER) look.fusedBlack = Math.max(PARAMS.fusedBlack.min, Math.floor((bottom * FUSED_MARGIN - 2 * FUSED_UNDER) * 200) / 200);
  return look;
}

/** The automatic look for a radiance map with these statistics (the key it is tone-mapped at: the default 0.18). */
export function autoLook(stats: Pick<LuminanceStats, 'logAvg' | 'histogram' | 'histLo' | 'histHi'>, key: number = PARAMS.key.default): AutoLook {
  const mid = Math.log2(Math.max(stats.logAvg, 1e-30));
  const hi = Math.max(0, log2Percentile(stats, 1 - END_SHARE) - mid);
  const lo = Math.max(0, mid - log2Percentile(stats, END_SHARE));
  if (!Number.isFinite(hi) || !Number.isFinite(lo) || (hi <= HEADROOM_FIT && lo <= FOOTROOM_FIT)) return defaultLook();
  const need = Math.max(hi > HEADROOM_TARGET ? 1 - HEADROOM_TARGET / hi : 0, lo > FOOTROOM_TARGET ? 1 - FOOTROOM_TARGET / lo : 0);
  const range = Math.min(PARAMS.rangeCompression.max, Math.ceil((need / COMPRESSION_SLOPE) * 100) / 100);
  const white = key * Math.pow(2, hi * (1 - COMPRESSION_SLOPE * range) + WHITE_MARGIN);
  return {
    ...defaultLook(),
    rangeCompression: range,
    whitePoint: Math.round(Math.min(PARAMS.whitePoint.max, Math.max(PARAMS.whitePoint.default, white)) * 10) / 10,
  };
}
