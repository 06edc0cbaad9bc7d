// Global tone-mapping operators: scene-linear Rec. 709 RGB -> display-linear RGB
// in [0, 1] (sRGB encoding, tone curve and display gamma come after).
// The CPU reference, with the formulas, is src/engine/tonemap/reference/operators.ts (aces, agx, pbr_neutral: display.ts beside it):
//   reinhard02        Reinhard, Stark, Shirley & Ferwerda, SIGGRAPH 2002 (eqs. 2, 4)
//   reinhard_devlin05 Reinhard & Devlin, "Dynamic Range Reduction Inspired by
//                     Photoreceptor Physiology", IEEE TVCG 2005
//   drago03           Drago, Myszkowski, Annen & Chiba, "Adaptive Logarithmic
//                     Mapping For Displaying High Contrast Scenes", Eurographics 2003
//   aces              Stephen Hill's fit of the ACES RRT + sRGB ODT
//   agx               Sobotka's AgX, Wrensch's minimal polynomial fit, looks base/punchy
//   pbr_neutral       Khronos PBR Neutral
// Functions only. Prepended after lib/color.wgsl (LUMA, luminance(), pow0,
// pow0_f32) and lib/stats.wgsl (struct Stats). The operators take their params
// as one struct, p: ToneParams, the uniform struct of shaders/tonemap.wgsl
// (module-scope declarations may come in any order), whose fields are the
// tonemap params of src/engine/params.ts by name: a new param is read as
// p.<name> here, with no argument list to extend.
// Every input is clamped to [0, OP_RADIANCE_MAX] and every pow/log base is kept
// positive, so nothing here reaches an undefined f32 result.

const OP_RADIANCE_MAX: f32 = 1e20;
// LOG_DELTA of src/engine/types.ts.
const OP_LOG_DELTA: f32 = 1e-6;
const OP_REINHARD_LS_MAX: f32 = 1e18;
const OP_ACES_MAX: f32 = 1e9;
const OP_MIDDLE_GREY: f32 = 0.18;

fn op_sanitise(c: vec3f) -> vec3f {
  return clamp(c, vec3f(0.0), vec3f(OP_RADIANCE_MAX));
}

// Scale that maps the log-average to 0.18 * 2^exposure (input of aces, agx, pbr_neutral).
fn op_pre_exposure(exposure: f32, log_avg: f32) -> f32 {
  return OP_MIDDLE_GREY * exp2(exposure) / max(log_avg, OP_LOG_DELTA);
}

// Colour by luminance ratio, rgb = l > 0 ? ld * (c / l)^s : 0. A bright
// saturated colour may come out with a channel above 1 (or a luminance above
// it): tonemap.wgsl compress_gamut rolls it off after the operator.
fn op_by_ratio(c: vec3f, l: f32, ld: f32, saturation: f32) -> vec3f {
  return select(vec3f(0.0), ld * pow0(c / max(l, 1e-30), saturation), l > 0.0);
}

// Reinhard 2002. Radiance as stored. p: key, whitePoint, exposure, saturation.
fn reinhard02(c_in: vec3f, p: ToneParams, s: Stats) -> vec3f {
  let c = op_sanitise(c_in);
  let l = luminance(c);
  let ls = min(p.key / max(s.log_avg, OP_LOG_DELTA) * exp2(p.exposure) * l, OP_REINHARD_LS_MAX);
  let ld = ls * (1.0 + ls / (p.whitePoint * p.whitePoint)) / (1.0 + ls);
  return op_by_ratio(c, l, ld, p.saturation);
}

// k = (ln Lmax - ln Lav) / (ln Lmax - ln Lmin) in [0, 1]; 0.5 for a flat image.
fn op_rd05_key(log_avg: f32, min_l: f32, max_l: f32) -> f32 {
  let ln_max = log(max(max_l, OP_LOG_DELTA));
  let ln_min = log(max(min_l, OP_LOG_DELTA));
  let ln_av = log(max(log_avg, OP_LOG_DELTA));
  let log_range = ln_max - ln_min;
  return select(0.5, clamp((ln_max - ln_av) / max(log_range, 1e-6), 0.0, 1.0), log_range > 1e-6);
}

// V = I / (I + (f Ia)^m), per channel.
fn op_rd05_photo(i: vec3f, ia: vec3f, f: f32, m: f32) -> vec3f {
  return i / max(i + pow0(max(f * ia, vec3f(1e-30)), m), vec3f(1e-30));
}

// Reinhard & Devlin 2005. Radiance as stored. p: exposure; rdIntensity f' in
// [-8, 8]; rdContrast 0 = automatic, else [0.3, 1]; rdLightAdaptation,
// rdChromaticAdaptation in [0, 1]. st: log_avg, min_l, max_l and the channels'
// arithmetic means mean_r, mean_g, mean_b.
fn reinhard_devlin05(c_in: vec3f, p: ToneParams, st: Stats) -> vec3f {
  let s = exp2(p.exposure) / max(st.log_avg, OP_LOG_DELTA);
  let f = exp(-p.rdIntensity);
  let k = op_rd05_key(st.log_avg, st.min_l, st.max_l);
  let m = select(0.3 + 0.7 * pow0_f32(k, 1.4), clamp(p.rdContrast, 0.3, 1.0), p.rdContrast > 0.0);
  let a = clamp(p.rdLightAdaptation, 0.0, 1.0);
  let ca = clamp(p.rdChromaticAdaptation, 0.0, 1.0);
  let cav = op_sanitise(vec3f(st.mean_r, st.mean_g, st.mean_b)) * s;
  let ig = ca * cav + (1.0 - ca) * luminance(cav);
  // Bounds of V from grey pixels at the image's min and max luminance (no second pass).
  let lo = clamp(st.min_l, 0.0, OP_RADIANCE_MAX) * s;
  let hi = clamp(st.max_l, 0.0, OP_RADIANCE_MAX) * s;
  let v_lo = op_rd05_photo(vec3f(lo), a * lo + (1.0 - a) * ig, f, m);
  let v_hi = op_rd05_photo(vec3f(hi), a * hi + (1.0 - a) * ig, f, m);
  let vmin = min(v_lo.x, min(v_lo.y, v_lo.z));
  let vmax = max(v_hi.x, max(v_hi.y, v_hi.z));

  let i = op_sanitise(c_in) * s;
  let l = luminance(i);
  let v = op_rd05_photo(i, a * (ca * i + (1.0 - ca) * l) + (1.0 - a) * ig, f, m);
  let span = vmax - vmin;
  let normalised = (v - vmin) / max(span, 1e-6);
  return clamp(select(v, normalised, span > 1e-6), vec3f(0.0), vec3f(1.0));
}

// Drago 2003, Ldmax = 100 cd/m^2. Radiance as stored. p: exposure, dragoBias
// b in [0.5, 1], saturation; st: log_avg, max_l.
fn drago03(c_in: vec3f, p: ToneParams, st: Stats) -> vec3f {
  let c = op_sanitise(c_in);
  let l = luminance(c);
  let s = exp2(p.exposure) / max(st.log_avg, OP_LOG_DELTA);
  let lw_max = max(clamp(st.max_l, 0.0, OP_RADIANCE_MAX) * s, 1e-4);
  let lw = min(l * s, lw_max);
  let bias_p = log(clamp(p.dragoBias, 0.5, 1.0)) / log(0.5);
  // log10(x) = ln(x) / ln(10)
  let ld = log(lw + 1.0) / log(2.0 + 8.0 * pow0_f32(lw / lw_max, bias_p)) / (log(lw_max + 1.0) / log(10.0));
  return op_by_ratio(c, l, ld, p.saturation);
}

// Hill's ACES fit. mat3x3f takes columns: each vec3f below is a column of the
// row-major matrices in the reference.
const OP_ACES_INPUT = mat3x3f(
  vec3f(0.59719, 0.07600, 0.02840),
  vec3f(0.35458, 0.90834, 0.13383),
  vec3f(0.04823, 0.01566, 0.83777),
);
const OP_ACES_OUTPUT = mat3x3f(
  vec3f(1.60475, -0.10208, -0.00327),
  vec3f(-0.53108, 1.10813, -0.07276),
  vec3f(-0.07367, -0.00605, 1.07602),
);

fn op_aces_fit(v: vec3f) -> vec3f {
  let a = v * (v + 0.0245786) - 0.000090537;
  let b = v * (0.983729 * v + 0.432951) + 0.238081;
  return a / b;
}

// Input pre-exposed (log-average at 0.18 * 2^exposure).
fn aces(c_in: vec3f) -> vec3f {
  let v = min(OP_ACES_INPUT * op_sanitise(c_in), vec3f(OP_ACES_MAX));
  return clamp(OP_ACES_OUTPUT * op_aces_fit(v), vec3f(0.0), vec3f(1.0));
}

// AgX inset and outset (columns, see above).
const OP_AGX_INSET = mat3x3f(
  vec3f(0.842479062253094, 0.0423282422610123, 0.0423756549057051),
  vec3f(0.0784335999999992, 0.878468636469772, 0.0784336),
  vec3f(0.0792237451477643, 0.0791661274605434, 0.879142973793104),
);
const OP_AGX_OUTSET = mat3x3f(
  vec3f(1.19687900512017, -0.0528968517574562, -0.0529716355144438),
  vec3f(-0.0980208811401368, 1.15190312990417, -0.0980434501171241),
  vec3f(-0.0990297440797205, -0.0989611768448433, 1.15107367264116),
);
const OP_AGX_MIN_EV: f32 = -12.47393;
const OP_AGX_MAX_EV: f32 = 4.026069;

fn op_agx_sigmoid(x: vec3f) -> vec3f {
  let x2 = x * x;
  let x4 = x2 * x2;
  return 15.5 * x4 * x2 - 40.14 * x4 * x + 31.96 * x4 - 6.868 * x2 * x + 0.4298 * x2 + 0.1191 * x - 0.00232;
}

// Input pre-exposed. p.agxLook: 0 base, 1 punchy (power 1.35, saturation 1.4).
fn agx(c_in: vec3f, p: ToneParams) -> vec3f {
  let e = clamp(log2(max(OP_AGX_INSET * op_sanitise(c_in), vec3f(1e-10))), vec3f(OP_AGX_MIN_EV), vec3f(OP_AGX_MAX_EV));
  var v = op_agx_sigmoid((e - OP_AGX_MIN_EV) / (OP_AGX_MAX_EV - OP_AGX_MIN_EV));
  if (p.agxLook >= 1u) {
    v = max(v, vec3f(0.0));
    let l = luminance(v);
    v = l + 1.4 * (pow0(v, 1.35) - l);
  }
  return clamp(pow0(OP_AGX_OUTSET * v, 2.2), vec3f(0.0), vec3f(1.0));
}

// Khronos PBR Neutral. Input pre-exposed.
fn pbr_neutral(c_in: vec3f) -> vec3f {
  let ks = 0.8 - 0.04;
  let kd = 0.15;
  var c = op_sanitise(c_in);
  let x = min(c.r, min(c.g, c.b));
  let f = select(0.04, x - 6.25 * x * x, x <= 0.08);
  c = c - f;
  let peak = max(c.r, max(c.g, c.b));
  if (peak <= ks) {
    return clamp(c, vec3f(0.0), vec3f(1.0));
  }
  let pn = 1.0 - (1.0 - ks) * (1.0 - ks) / (peak + 1.0 - 2.0 * ks);
  let g = 1.0 / (kd * (peak - pn) + 1.0);
  return clamp(c * (pn / peak) * g + pn * (1.0 - g), vec3f(0.0), vec3f(1.0));
}

// Operator by index. The case order MUST match OPERATOR_IDS in
// src/engine/tonemap/operators.ts (a unit test checks it):
// 0 reinhard02, 1 reinhard_devlin05, 2 drago03, 3 aces, 4 agx, 5 pbr_neutral.
// c: radiance as stored; aces, agx and pbr_neutral get it pre-exposed here.
// p: the params (struct ToneParams); s: the radiance's statistics (struct Stats).
fn apply_operator(id: u32, c: vec3f, p: ToneParams, s: Stats) -> vec3f {
  let pre = op_pre_exposure(p.exposure, s.log_avg);
  var mapped = vec3f(0.0);
  switch id {
    case 0u: { mapped = reinhard02(c, p, s); }
    case 1u: { mapped = reinhard_devlin05(c, p, s); }
    case 2u: { mapped = drago03(c, p, s); }
    case 3u: { mapped = aces(c * pre); }
    case 4u: { mapped = agx(c * pre, p); }
    case 5u: { mapped = pbr_neutral(c * pre); }
    default: { mapped = clamp(c * pre, vec3f(0.0), vec3f(1.0)); }
  }
  return mapped;
}
