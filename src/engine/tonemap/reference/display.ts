// The display-referred tone curves of the CPU reference (./operators.ts
// dispatches to them; shaders/lib/operators.wgsl): ACES (Stephen Hill's fit),
// AgX (Wrensch's minimal fit) and Khronos PBR Neutral. Each takes pre-exposed
// scene-linear Rec. 709 RGB (applyOperator's preExposure) and needs no
// statistics.
import { clamp, luminance } from '../../reference/color';
import { powNonNeg, sanitise, type Rgb } from './rgb';

/** The ACES fit's input is capped here (v² must stay inside f32); the fit is flat long before. */
const ACES_MAX = 1e9;

// ---------------------------------------------------------------------------
// ACES, Stephen Hill's fit

type Mat3 = readonly [Rgb, Rgb, Rgb];

const mul = (m: Mat3, v: readonly number[]): [number, number, number] => {
  const [x = 0, y = 0, z = 0] = v;
  return [m[0][0] * x + m[0][1] * y + m[0][2] * z, m[1][0] * x + m[1][1] * y + m[1][2] * z, m[2][0] * x + m[2][1] * y + m[2][2] * z];
};

/** sRGB → XYZ → D65→D60 → AP1 → RRT_SAT (rows). */
export const ACES_INPUT: Mat3 = [
  [0.59719, 0.35458, 0.04823],
  [0.076, 0.90834, 0.01566],
  [0.0284, 0.13383, 0.83777],
];
/** ODT_SAT → XYZ → D60→D65 → sRGB (rows). */
export const ACES_OUTPUT: Mat3 = [
  [1.60475, -0.53108, -0.07367],
  [-0.10208, 1.10813, -0.00605],
  [-0.00327, -0.07276, 1.07602],
];

/** Hill's RRTAndODTFit: (v (v + 0.0245786) − 0.000090537) / (v (0.983729 v + 0.432951) + 0.238081). */
export function acesFit(v: number): number {
  return (v * (v + 0.0245786) - 0.000090537) / (v * (0.983729 * v + 0.432951) + 0.238081);
}

/**
 * ACES fitted: clamp(ACES_OUTPUT · acesFit(min(ACES_INPUT · C, 1e9)), 0, 1).
 * Input: pre-exposed scene-linear (applyOperator scales the radiance so the
 * log-average lands on 0.18 · 2^exposure). No params, no stats.
 */
export function aces(rgb: Rgb): Rgb {
  const v = mul(ACES_INPUT, rgb.map(sanitise)).map((x) => acesFit(Math.min(x, ACES_MAX)));
  const o = mul(ACES_OUTPUT, v);
  return [clamp(o[0], 0, 1), clamp(o[1], 0, 1), clamp(o[2], 0, 1)];
}

// ---------------------------------------------------------------------------
// AgX

export interface AgxParams {
  /** Index into AGX_LOOKS: 0 base, 1 punchy (rounded, clamped). */
  readonly agxLook: number;
}

/** Inset: linear Rec. 709 → AgX working space (rows). */
export const AGX_INSET: Mat3 = [
  [0.842479062253094, 0.0784335999999992, 0.0792237451477643],
  [0.0423282422610123, 0.878468636469772, 0.0791661274605434],
  [0.0423756549057051, 0.0784336, 0.879142973793104],
];
/** Outset: the inverse of the inset (rows). */
export const AGX_OUTSET: Mat3 = [
  [1.19687900512017, -0.0980208811401368, -0.0990297440797205],
  [-0.0528968517574562, 1.15190312990417, -0.0989611768448433],
  [-0.0529716355144438, -0.0980434501171241, 1.15107367264116],
];
/** log2 encoding range: log2(0.18 · 2^−10) and log2(0.18 · 2^6.5). */
export const AGX_MIN_EV = -12.47393;
export const AGX_MAX_EV = 4.026069;

/** Wrensch's 6th-order fit of the AgX default contrast sigmoid, x in [0,1]. */
export function agxSigmoid(x: number): number {
  const x2 = x * x;
  const x4 = x2 * x2;
  return 15.5 * x4 * x2 - 40.14 * x4 * x + 31.96 * x4 - 6.868 * x2 * x + 0.4298 * x2 + 0.1191 * x - 0.00232;
}

/**
 * AgX:
 *   v = AGX_INSET · C
 *   v = (clamp(log2(max(v, 1e-10)), MIN_EV, MAX_EV) − MIN_EV) / (MAX_EV − MIN_EV)
 *   v = agxSigmoid(v)
 *   punchy (ASC CDL slope 1, offset 0, power 1.35, saturation 1.4):
 *     v = max(v, 0) (the fit dips to −0.00232 at the bottom, where pow is undefined)
 *     l = luminance(v); v = l + 1.4 (v^1.35 − l)
 *   C' = clamp(max(AGX_OUTSET · v, 0)^2.2, 0, 1)   (the 2.2 display power undone)
 * Input: pre-exposed scene-linear, as aces. Params: agxLook; no stats.
 */
export function agx(rgb: Rgb, p: AgxParams): Rgb {
  let v = mul(AGX_INSET, rgb.map(sanitise)).map((x) => {
    const e = clamp(Math.log2(Math.max(x, 1e-10)), AGX_MIN_EV, AGX_MAX_EV);
    return agxSigmoid((e - AGX_MIN_EV) / (AGX_MAX_EV - AGX_MIN_EV));
  });
  if (Math.round(p.agxLook) >= 1) {
    v = v.map((x) => Math.max(x, 0));
    const l = luminance(v[0] ?? 0, v[1] ?? 0, v[2] ?? 0);
    v = v.map((x) => l + 1.4 * (powNonNeg(x, 1.35) - l));
  }
  const o = mul(AGX_OUTSET, v).map((x) => clamp(powNonNeg(x, 2.2), 0, 1));
  return [o[0] ?? 0, o[1] ?? 0, o[2] ?? 0];
}

// ---------------------------------------------------------------------------
// Khronos PBR Neutral

/** Ks = 0.8 − F90 (F90 = 0.04): where highlight compression starts. */
export const PBR_NEUTRAL_START = 0.8 - 0.04;
/** Kd: speed of the desaturation towards white. */
export const PBR_NEUTRAL_DESATURATION = 0.15;

/**
 * Khronos PBR Neutral:
 *   x = min(R,G,B); f = x <= 0.08 ? x − 6.25 x² : 0.04; C = C − f; p = max(R,G,B)
 *   p <= Ks: C' = C
 *   else pn = 1 − (1 − Ks)² / (p + 1 − 2Ks), g = 1 / (Kd (p − pn) + 1),
 *        C' = C (pn / p) g + pn (1 − g)
 *   clamped to [0,1] (the spec's output already is).
 * Input: pre-exposed scene-linear, as aces. No params (desaturation: Kd), no stats.
 */
export function pbrNeutral(rgb: Rgb, desaturation = PBR_NEUTRAL_DESATURATION): Rgb {
  const c = rgb.map(sanitise);
  const x = Math.min(c[0] ?? 0, c[1] ?? 0, c[2] ?? 0);
  const f = x <= 0.08 ? x - 6.25 * x * x : 0.04;
  const d = c.map((v) => v - f);
  const peak = Math.max(d[0] ?? 0, d[1] ?? 0, d[2] ?? 0);
  let o = d;
  if (peak > PBR_NEUTRAL_START) {
    const ks = PBR_NEUTRAL_START;
    const pn = 1 - ((1 - ks) * (1 - ks)) / (peak + 1 - 2 * ks);
    const g = 1 / (desaturation * (peak - pn) + 1);
    o = d.map((v) => v * (pn / peak) * g + pn * (1 - g));
  }
  return [clamp(o[0] ?? 0, 0, 1), clamp(o[1] ?? 0, 0, 1), clamp(o[2] ?? 0, 0, 1)];
}
