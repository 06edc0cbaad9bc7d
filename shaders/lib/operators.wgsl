// Global tone-mapping operators: scene-linear Rec. 709 RGB -> display-linear RGB
// in [0, 1] (sRGB encoding, tone curve and display gamma come after).
// The CPU reference, with the formulas, is src/engine/reference/operators.ts:
//   reinhard02        Reinhard, Stark, Shirley & Ferwerda, SIGGRAPH 2002 (eqs. 2, 4)
//   reinhard_devlin05 Reinhard & Devlin, "Dynamic Range Reduction Inspired by
//                     Photoreceptor Physiology", IEEE TVCG 2005
//   drago03           Drago, Myszkowski, Annen & Chiba, "Adaptive Logarithmic
//                     Mapping For Displaying High Contrast Scenes", Eurographics 2003
//   aces              Stephen Hill's fit of the ACES RRT + sRGB ODT
//   agx               Sobotka's AgX, Wrensch's minimal polynomial fit, looks base/punchy
//   pbr_neutral       Khronos PBR Neutral
// Functions only. Prepended after lib/color.wgsl, whose LUMA and luminance() it uses.
// Every input is clamped to [0, OP_RADIANCE_MAX] and every pow/log base is kept
// positive, so nothing here reaches an undefined f32 result.

const OP_RADIANCE_MAX: f32 = 1e20;
// LOG_DELTA of src/engine/types.ts.
const OP_LOG_DELTA: f32 = 1e-6;
const OP_REINHARD_LS_MAX: f32 = 1e18;
const OP_ACES_MAX: f32 = 1e9;
const OP_MIDDLE_GREY: f32 = 0.18;

// x^y for x >= 0 (WGSL leaves pow(0, y) undefined): x <= 0 -> (y == 0 ? 1 : 0).
fn op_pow(x: vec3f, y: f32) -> vec3f {
  let at_zero = select(vec3f(0.0), vec3f(1.0), y == 0.0);
  return select(pow(max(x, vec3f(1e-30)), vec3f(y)), at_zero, x <= vec3f(0.0));
}

fn op_pow1(x: f32, y: f32) -> f32 {
  let at_zero = select(0.0, 1.0, y == 0.0);
  return select(pow(max(x, 1e-30), y), at_zero, x <= 0.0);
}

fn op_sanitise(c: vec3f) -> vec3f {
  return clamp(c, vec3f(0.0), vec3f(OP_RADIANCE_MAX));
}

// Scale that maps the log-average to 0.18 * 2^exposure (input of aces, agx, pbr_neutral).
fn op_pre_exposure(exposure: f32, log_avg: f32) -> f32 {
  return OP_MIDDLE_GREY * exp2(exposure) / max(log_avg, OP_LOG_DELTA);
}

// Colour by luminance ratio: clamp(l > 0 ? ld * (c / l)^s : 0, 0, 1).
fn op_by_ratio(c: vec3f, l: f32, ld: f32, saturation: f32) -> vec3f {
  let rgb = ld * op_pow(c / max(l, 1e-30), saturation);
  return clamp(select(vec3f(0.0), rgb, l > 0.0), vec3f(0.0), vec3f(1.0));
}

// Reinhard 2002. Radiance as stored.
fn reinhard02(c_in: vec3f, exposure: f32, key: f32, white_point: f32, saturation: f32, log_avg: f32) -> vec3f {
  let c = op_sanitise(c_in);
  let l = luminance(c);
  let ls = min(key / max(log_avg, OP_LOG_DELTA) * exp2(exposure) * l, OP_REINHARD_LS_MAX);
  let ld = ls * (1.0 + ls / (white_point * white_point)) / (1.0 + ls);
  return op_by_ratio(c, l, ld, saturation);
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
  return i / max(i + op_pow(max(f * ia, vec3f(1e-30)), m), vec3f(1e-30));
}

// Reinhard & Devlin 2005. Radiance as stored; mean_rgb: the channels' arithmetic means.
// intensity f' in [-8, 8]; contrast 0 = automatic, else [0.3, 1]; light, chromatic in [0, 1].
fn reinhard_devlin05(c_in: vec3f, exposure: f32, intensity: f32, contrast: f32, light: f32, chromatic: f32,
                     log_avg: f32, min_l: f32, max_l: f32, mean_rgb: vec3f) -> vec3f {
  let s = exp2(exposure) / max(log_avg, OP_LOG_DELTA);
  let f = exp(-intensity);
  let k = op_rd05_key(log_avg, min_l, max_l);
  let m = select(0.3 + 0.7 * op_pow1(k, 1.4), clamp(contrast, 0.3, 1.0), contrast > 0.0);
  let a = clamp(light, 0.0, 1.0);
  let ca = clamp(chromatic, 0.0, 1.0);
  let cav = op_sanitise(mean_rgb) * s;
  let ig = ca * cav + (1.0 - ca) * luminance(cav);
  // Bounds of V from grey pixels at the image's min and max luminance (no second pass).
  let lo = clamp(min_l, 0.0, OP_RADIANCE_MAX) * s;
  let hi = clamp(max_l, 0.0, OP_RADIANCE_MAX) * s;
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

// Drago 2003, Ldmax = 100 cd/m^2. Radiance as stored; bias b in [0.5, 1].
fn drago03(c_in: vec3f, exposure: f32, bias: f32, saturation: f32, log_avg: f32, max_l: f32) -> vec3f {
  let c = op_sanitise(c_in);
  let l = luminance(c);
  let s = exp2(exposure) / max(log_avg, OP_LOG_DELTA);
  let lw_max = max(clamp(max_l, 0.0, OP_RADIANCE_MAX) * s, 1e-4);
  let lw = min(l * s, lw_max);
  let bias_p = log(clamp(bias, 0.5, 1.0)) / log(0.5);
  // log10(x) = ln(x) / ln(10)
  let ld = log(lw + 1.0) / log(2.0 + 8.0 * op_pow1(lw / lw_max, bias_p)) / (log(lw_max + 1.0) / log(10.0));
  return op_by_ratio(c, l, ld, saturation);
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

// Input pre-exposed. look: 0 base, 1 punchy (power 1.35, saturation 1.4).
fn agx(c_in: vec3f, look: u32) -> vec3f {
  let e = clamp(log2(max(OP_AGX_INSET * op_sanitise(c_in), vec3f(1e-10))), vec3f(OP_AGX_MIN_EV), vec3f(OP_AGX_MAX_EV));
  var v = op_agx_sigmoid((e - OP_AGX_MIN_EV) / (OP_AGX_MAX_EV - OP_AGX_MIN_EV));
  if (look >= 1u) {
    v = max(v, vec3f(0.0));
    let l = luminance(v);
    v = l + 1.4 * (op_pow(v, 1.35) - l);
  }
  return clamp(op_pow(OP_AGX_OUTSET * v, 2.2), vec3f(0.0), vec3f(1.0));
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
// src/engine/reference/operators.ts (a unit test checks it):
// 0 reinhard02, 1 reinhard_devlin05, 2 drago03, 3 aces, 4 agx, 5 pbr_neutral.
// c: radiance as stored; aces, agx and pbr_neutral get it pre-exposed here.
// Stats: log_avg, min_l, max_l and mean_rgb (the channels' arithmetic means).
fn apply_operator(id: u32, c: vec3f, exposure: f32, key: f32, white_point: f32, saturation: f32,
                  rd_intensity: f32, rd_contrast: f32, rd_light: f32, rd_chromatic: f32,
                  drago_bias: f32, agx_look: u32,
                  log_avg: f32, min_l: f32, max_l: f32, mean_rgb: vec3f) -> vec3f {
  let pre = op_pre_exposure(exposure, log_avg);
  var mapped = vec3f(0.0);
  switch id {
    case 0u: { mapped = reinhard02(c, exposure, key, white_point, saturation, log_avg); }
    case 1u: { mapped = reinhard_devlin05(c, exposure, rd_intensity, rd_contrast, rd_light, rd_chromatic, log_avg, min_l, max_l, mean_rgb); }
    case 2u: { mapped = drago03(c, exposure, drago_bias, saturation, log_avg, max_l); }
    case 3u: { mapped = aces(c * pre); }
    case 4u: { mapped = agx(c * pre, agx_look); }
    case 5u: { mapped = pbr_neutral(c * pre); }
    default: { mapped = clamp(c * pre, vec3f(0.0), vec3f(1.0)); }
  }
  return mapped;
}
