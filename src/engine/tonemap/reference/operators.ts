// Global tone-mapping operators, CPU reference of shaders/lib/operators.wgsl
// (the display-referred aces, agx and pbrNeutral in ./display.ts).
// Each maps scene-linear Rec. 709 RGB to display-linear RGB in [0,1]; the sRGB
// encoding, the tone curve and a display gamma come after, elsewhere.
//   reinhard02       Reinhard, Stark, Shirley & Ferwerda, "Photographic Tone
//                    Reproduction for Digital Images", SIGGRAPH 2002 (eqs. 2, 4)
//   reinhardDevlin05 Reinhard & Devlin, "Dynamic Range Reduction Inspired by
//                    Photoreceptor Physiology", IEEE TVCG 11(1), 2005
//   drago03          Drago, Myszkowski, Annen & Chiba, "Adaptive Logarithmic
//                    Mapping For Displaying High Contrast Scenes", Eurographics 2003
//   aces             Stephen Hill's fit of the ACES RRT + sRGB ODT (BakingLab, ACES.hlsl)
//   agx              Troy Sobotka's AgX, as the "minimal" polynomial fit of Benjamin
//                    Wrensch (inset/outset matrices, log2 range, 6th-order sigmoid, looks)
//   pbrNeutral       Khronos PBR Neutral tone mapper specification (2024)
// Inputs: the radiance map as stored (any positive scale) with its statistics;
// applyOperator pre-exposes it for the operators that expect display-referred
// scene values (aces, agx, pbrNeutral). Negative values are taken as 0 and values
// are capped (RADIANCE_MAX, and per operator where f32 could overflow) so the
// WGSL, which runs in f32, stays finite; the caps are far beyond any real image.

import { defaultParams } from '../../params';
import { LOG_DELTA, type FloatImage, type LuminanceStats } from '../../types';
import { clamp, luminance } from '../../reference/color';
import { aces, agx, pbrNeutral, type AgxParams } from './display';
import { powNonNeg, sanitise, type Rgb } from './rgb';

import { AGX_LOOKS, OPERATOR_IDS, type OperatorId } from '../operators';

export { AGX_LOOKS, OPERATOR_IDS, type OperatorId };

/**
 * Global statistics of the radiance map the operators use.
 *   logAvg = exp(mean(ln(L + LOG_DELTA))), minL, maxL   (as reference/stats.ts)
 *   meanR, meanG, meanB: arithmetic means of the channels (the arithmetic mean
 *   luminance is luminance(meanR, meanG, meanB), luminance being linear)
 */
export interface OperatorStats extends Pick<LuminanceStats, 'logAvg' | 'minL' | 'maxL'> {
  readonly meanR: number;
  readonly meanG: number;
  readonly meanB: number;
}

/** Middle grey the pre-exposure maps the log-average to (times 2^exposure). */
export const MIDDLE_GREY = 0.18;
/** Reinhard's scaled luminance is capped here so Ls² stays inside f32. */
const REINHARD_LS_MAX = 1e18;
/** Scale that maps the log-average to MIDDLE_GREY · 2^exposure: the input of aces, agx and pbrNeutral. */
export function preExposure(exposure: number, logAvg: number): number {
  return (MIDDLE_GREY * Math.pow(2, exposure)) / Math.max(logAvg, LOG_DELTA);
}

/**
 * Colour by luminance ratio, rgb = L > 0 ? Ld (C / L)^s : 0
 * (shaders/lib/operators.wgsl op_by_ratio). A bright saturated colour may
 * come out with a channel above 1: the tone mapping rolls it off after the
 * operator (./tonemap.ts compressGamut).
 */
export function byRatio(c: readonly number[], L: number, Ld: number, s: number): Rgb {
  const rgb = [0, 1, 2].map((i) => (L > 0 ? Ld * powNonNeg((c[i] ?? 0) / L, s) : 0));
  return [rgb[0]!, rgb[1]!, rgb[2]!];
}

// ---------------------------------------------------------------------------
// Reinhard et al. 2002

export interface Reinhard02Params {
  /** EV added to the key, 2^exposure. */
  readonly exposure: number;
  /** a: the value the log-average maps to. */
  readonly key: number;
  /** Lwhite: the smallest scaled luminance that maps to 1. */
  readonly whitePoint: number;
  /** s: colour as (C/L)^s (Schlick 1994). */
  readonly saturation: number;
}

/**
 * Reinhard 2002, global, the same as reference/tonemap.ts before its gamma and sRGB:
 *   L  = luminance(C), C = max(C, 0)
 *   Ls = min(key / logAvg · 2^exposure · L, 1e18)               (eq. 2)
 *   Ld = Ls (1 + Ls / Lwhite²) / (1 + Ls)                        (eq. 4)
 *   C' = byRatio(C, L, Ld, s): Ld (C / L)^s
 * Radiance as stored; stats: logAvg.
 */
export function reinhard02(rgb: Rgb, p: Reinhard02Params, stats: Pick<OperatorStats, 'logAvg'>): Rgb {
  const c = rgb.map(sanitise);
  const L = luminance(c[0] ?? 0, c[1] ?? 0, c[2] ?? 0);
  const Ls = Math.min((p.key / Math.max(stats.logAvg, LOG_DELTA)) * Math.pow(2, p.exposure) * L, REINHARD_LS_MAX);
  const Ld = (Ls * (1 + Ls / (p.whitePoint * p.whitePoint))) / (1 + Ls);
  return byRatio(c, L, Ld, p.saturation);
}

// ---------------------------------------------------------------------------
// Reinhard & Devlin 2005

export interface ReinhardDevlin05Params {
  /** EV applied to the input before the operator (a brightness control like f). */
  readonly exposure: number;
  /** f′ in [−8, 8]: f = exp(−f′); larger is brighter. */
  readonly rdIntensity: number;
  /** m: 0 = automatic (0.3 + 0.7 k^1.4), else clamped into [0.3, 1]. */
  readonly rdContrast: number;
  /** a in [0, 1]: 1 adapts to the pixel itself, 0 to the image average. */
  readonly rdLightAdaptation: number;
  /** c in [0, 1]: 1 adapts each channel separately (von Kries), 0 to luminance. */
  readonly rdChromaticAdaptation: number;
}

/** k = (ln Lmax − ln Lav) / (ln Lmax − ln Lmin) in [0, 1] (Lav the log-average; 0.5 for a flat image). */
export function rd05Key(stats: Pick<OperatorStats, 'logAvg' | 'minL' | 'maxL'>): number {
  const lnMax = Math.log(Math.max(stats.maxL, LOG_DELTA));
  const lnMin = Math.log(Math.max(stats.minL, LOG_DELTA));
  const lnAv = Math.log(Math.max(stats.logAvg, LOG_DELTA));
  const range = lnMax - lnMin;
  return range > 1e-6 ? clamp((lnMax - lnAv) / range, 0, 1) : 0.5;
}

/** The contrast m actually used: rdContrast > 0 ? clamp(rdContrast, 0.3, 1) : 0.3 + 0.7 k^1.4. */
export function rd05Contrast(rdContrast: number, stats: Pick<OperatorStats, 'logAvg' | 'minL' | 'maxL'>): number {
  return rdContrast > 0 ? clamp(rdContrast, 0.3, 1) : 0.3 + 0.7 * powNonNeg(rd05Key(stats), 1.4);
}

/**
 * Reinhard & Devlin 2005, photoreceptor model per channel:
 *   s = 2^exposure / logAvg: the image is scaled so its log-average is 2^exposure
 *     (the radiance map's own scale is arbitrary; the paper's k and m do not
 *     depend on it, its V does)
 *   I = s C, L = luminance(I); Cav = s (meanR, meanG, meanB), Lav = luminance(Cav)
 *   Ia = a (c I + (1−c) L) + (1−a) (c Cav + (1−c) Lav)     (light a, chromatic c)
 *   V = I / (I + (f Ia)^m), f = exp(−f′), m from rd05Contrast
 * The paper then normalises V with the image's min and max V (one pair over all
 * three channels, as pfstmo does, so grey stays grey). That needs a second pass;
 * instead the bounds are V of a grey pixel (I = L in every channel) at L = s minL
 * and s maxL: V of a grey pixel increases with L for m <= 1, so these are the
 * exact bounds of an achromatic image; a saturated pixel whose channel exceeds
 * s maxL may go past vmax and is clipped:
 *   vmin = min over channels of V_grey(s minL), vmax = max of V_grey(s maxL)
 *   C' = clamp((V − vmin) / (vmax − vmin), 0, 1)   (vmax − vmin < 1e-6: clamp(V, 0, 1))
 * Radiance as stored; stats: logAvg, minL, maxL, meanR, meanG, meanB.
 */
export function reinhardDevlin05(rgb: Rgb, p: ReinhardDevlin05Params, stats: OperatorStats): Rgb {
  const s = Math.pow(2, p.exposure) / Math.max(stats.logAvg, LOG_DELTA);
  const f = Math.exp(-p.rdIntensity);
  const m = rd05Contrast(p.rdContrast, stats);
  const a = clamp(p.rdLightAdaptation, 0, 1);
  const c = clamp(p.rdChromaticAdaptation, 0, 1);
  const cav = [stats.meanR, stats.meanG, stats.meanB].map((v) => sanitise(v) * s);
  const lav = luminance(cav[0] ?? 0, cav[1] ?? 0, cav[2] ?? 0);
  const ig = cav.map((v) => c * v + (1 - c) * lav);
  const photo = (I: number, ia: number): number => I / Math.max(I + powNonNeg(Math.max(f * ia, 1e-30), m), 1e-30);
  const grey = (Lx: number): number[] => ig.map((g) => photo(Lx, a * Lx + (1 - a) * g));
  const vmin = Math.min(...grey(sanitise(stats.minL) * s));
  const vmax = Math.max(...grey(sanitise(stats.maxL) * s));

  const I = rgb.map((v) => sanitise(v) * s);
  const L = luminance(I[0] ?? 0, I[1] ?? 0, I[2] ?? 0);
  const out = I.map((Ic, k) => {
    const V = photo(Ic, a * (c * Ic + (1 - c) * L) + (1 - a) * (ig[k] ?? 0));
    return vmax - vmin > 1e-6 ? clamp((V - vmin) / (vmax - vmin), 0, 1) : clamp(V, 0, 1);
  });
  return [out[0] ?? 0, out[1] ?? 0, out[2] ?? 0];
}

// ---------------------------------------------------------------------------
// Drago et al. 2003

export interface Drago03Params {
  /** EV: the world adaptation luminance is logAvg / 2^exposure (the paper's exposure factor). */
  readonly exposure: number;
  /** b in [0.5, 1]: the bias power ln(b)/ln(0.5); 0.85 is the paper's default. */
  readonly dragoBias: number;
  /** s: colour as (C/L)^s, as reinhard02. */
  readonly saturation: number;
}

/**
 * Drago 2003, eq. 4 with Ldmax = 100 cd/m² (so Ldmax · 0.01 = 1), world luminances
 * divided by the adaptation luminance Lwa = logAvg / 2^exposure as in pfstmo:
 *   Lwmax = max(maxL / Lwa, 1e-4), Lw = min(L / Lwa, Lwmax), p = ln(b) / ln(0.5)
 *   Ld = ln(Lw + 1) / ln(2 + 8 (Lw / Lwmax)^p) / log10(Lwmax + 1)
 *   C' = byRatio(C, L, Ld, s): Ld (C / L)^s
 * Ld(Lwmax) = 1 whatever b and exposure; Lw is capped at Lwmax because past it the
 * curve can fall again (b < ~0.6), which stale stats could expose.
 * Radiance as stored; stats: logAvg, maxL.
 */
export function drago03(rgb: Rgb, p: Drago03Params, stats: Pick<OperatorStats, 'logAvg' | 'maxL'>): Rgb {
  const c = rgb.map(sanitise);
  const L = luminance(c[0] ?? 0, c[1] ?? 0, c[2] ?? 0);
  const s = Math.pow(2, p.exposure) / Math.max(stats.logAvg, LOG_DELTA);
  const Lwmax = Math.max(sanitise(stats.maxL) * s, 1e-4);
  const Lw = Math.min(L * s, Lwmax);
  const biasP = Math.log(clamp(p.dragoBias, 0.5, 1)) / Math.log(0.5);
  const Ld = Math.log(Lw + 1) / Math.log(2 + 8 * powNonNeg(Lw / Lwmax, biasP)) / Math.log10(Lwmax + 1);
  return byRatio(c, L, Ld, p.saturation);
}

// ---------------------------------------------------------------------------
// Dispatch

/**
 * Every operator's params: the store's param object can be passed as is. The
 * names are the schema's (src/engine/params.ts), which are also the fields of
 * the WGSL struct ToneParams the operators read.
 */
export type OperatorParams = Reinhard02Params & ReinhardDevlin05Params & Drago03Params & AgxParams;

/** The schema's defaults (params.ts PARAMS), not a copy of them: every param, the operators' among them. */
export const DEFAULT_OPERATOR_PARAMS: Readonly<OperatorParams> = Object.freeze(defaultParams());

/**
 * Tone-map one radiance pixel (as stored, any scale) with operator id.
 * reinhard02, reinhardDevlin05 and drago03 take it as is (they scale by their own
 * use of the stats); aces, agx and pbrNeutral get it times
 * preExposure(exposure, logAvg) (log-average → 0.18 · 2^exposure).
 */
export function applyOperator(id: OperatorId, rgb: Rgb, params: OperatorParams, stats: OperatorStats): Rgb {
  switch (id) {
    case 'reinhard02':
      return reinhard02(rgb, params, stats);
    case 'reinhardDevlin05':
      return reinhardDevlin05(rgb, params, stats);
    case 'drago03':
      return drago03(rgb, params, stats);
    default: {
      const k = preExposure(params.exposure, stats.logAvg);
      const x: Rgb = [rgb[0] * k, rgb[1] * k, rgb[2] * k];
      if (id === 'aces') return aces(x);
      if (id === 'agx') return agx(x, params);
      return pbrNeutral(x);
    }
  }
}

/**
 * Statistics for the operators (float64 accumulation):
 * logAvg, minL, maxL as reference/stats.ts, and the channels' arithmetic means.
 * Throws on an empty image.
 */
export function operatorStats(img: FloatImage): OperatorStats {
  const n = img.width * img.height;
  if (n <= 0) throw new Error('operatorStats: empty image');
  const d = img.data;
  let logSum = 0;
  let minL = Infinity;
  let maxL = -Infinity;
  let sr = 0;
  let sg = 0;
  let sb = 0;
  for (let p = 0; p < n; p++) {
    const r = d[p * 4] ?? 0;
    const g = d[p * 4 + 1] ?? 0;
    const b = d[p * 4 + 2] ?? 0;
    const L = luminance(r, g, b);
    logSum += Math.log(L + LOG_DELTA);
    minL = Math.min(minL, L);
    maxL = Math.max(maxL, L);
    sr += r;
    sg += g;
    sb += b;
  }
  return { logAvg: Math.exp(logSum / n), minL, maxL, meanR: sr / n, meanG: sg / n, meanB: sb / n };
}

/** Tone-map a whole radiance map to display-linear RGBA (alpha 1). */
export function applyOperatorToImage(img: FloatImage, id: OperatorId, params: OperatorParams, stats: OperatorStats = operatorStats(img)): FloatImage {
  const n = img.width * img.height;
  const d = img.data;
  const out = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const o = applyOperator(id, [d[i * 4] ?? 0, d[i * 4 + 1] ?? 0, d[i * 4 + 2] ?? 0], params, stats);
    out.set([o[0], o[1], o[2], 1], i * 4);
  }
  return { width: img.width, height: img.height, data: out };
}
