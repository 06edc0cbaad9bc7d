// Tone mapping of the radiance map with one of six global operators
// (lib/operators.wgsl: Reinhard 2002, Reinhard & Devlin 2005, Drago 2003, ACES
// fit, AgX, Khronos PBR Neutral), picked by index. Operators without a
// saturation of their own get colour scaled by the luminance ratio raised to the
// saturation (Schlick 1994) after them; colours still out of the display's
// gamut are brought in by desaturating them towards their own luminance
// (compress_gamut) instead of clipping a channel; then display gamma and sRGB
// encoding, kept in float for the tone curve pass.
// With FUSED the input is exposure fusion output instead: display-referred,
// sRGB-encoded and possibly outside [0, 1]; it is linearised, scaled by the
// exposure, given the saturation and clamped only then, so lowering the
// exposure brings back highlights the fusion pushed above 1; values from a
// knee up to the white point fusedWhite are rolled off into [knee, 1] first
// (fused_roll_off), so what the fusion pushed up to fusedWhite keeps its
// detail. Before all that, encoded values from fusedBlack (≤ 0) up to a knee
// are lifted into [0, knee] (fused_toe): what the fusion pushed below black.
// The CPU reference is src/engine/reference/tonemap.ts.

override FUSED: bool = false;
// The operator (index into OPERATOR_IDS). A pipeline is specialised per operator,
// so each compiles to its own straight-line code (a per-pixel switch over all six
// made a full-size export about twice as slow on the software adapter): the
// toneOperator param costs 'rerun' and is no field of ToneParams.
override OPERATOR: u32 = 0u;

// The tonemap params of src/engine/params.ts with cost 'uniform', by name and
// type (filled by name, gpu/uniforms.ts; order free; layout.test.ts checks
// that the two agree). lib/operators.wgsl reads it as p: ToneParams.
struct ToneParams {
  key: f32,
  whitePoint: f32,
  rdIntensity: f32,
  rdContrast: f32,
  rdLightAdaptation: f32,
  rdChromaticAdaptation: f32,
  dragoBias: f32,
  agxLook: u32,
  exposure: f32,
  saturation: f32,
  gamma: f32,
  fusedWhite: f32,
  fusedBlack: f32,
}

// Radiance, or fused image with FUSED (full size for export, canvas size for preview).
@group(0) @binding(0) var radiance: texture_2d<f32>;
// Statistics of the full-size radiance (unused with FUSED).
@group(0) @binding(1) var<storage, read> stats: Stats;
@group(0) @binding(2) var<uniform> params: ToneParams;
// sRGB-encoded result in [0, 1], unquantised (the curve pass quantises).
@group(0) @binding(3) var result: texture_storage_2d<rgba32float, write>;

// Colour by the luminance ratio raised to s: l * (c / l)^s (0 where l is 0).
fn saturate_ratio(c: vec3f, s: f32) -> vec3f {
  let l = luminance(c);
  return select(vec3f(0.0), l * pow0(c / l, s), l > 0.0);
}

// Operator indices with a saturation of their own (RATIO_OPERATORS in src/engine/operators.ts).
fn has_own_saturation(id: u32) -> bool {
  return id == 0u || id == 2u;
}

// compress_gamut: a colour whose chroma uses up to GAMUT_KNEE of the room
// above its luminance is left as it is; above, the share is rolled off
// towards GAMUT_LIMIT, which it never reaches (reference/tonemap.ts).
const GAMUT_KNEE = 0.75;
const GAMUT_LIMIT = 0.95;

// A bright saturated colour (a blue sky, a red lamp shade) that the operator
// maps with its luminance below white but a channel above it: clipping that
// channel flattens its gradation and shifts its hue. Instead, with L its
// luminance and m its largest channel, x = (m − L)/(1 − L) is the share of the
// room above L its chroma uses (> 1: out of gamut); above the knee k it is
// rolled off to k + (X − k)·t/(1 + t), t = (x − k)/(X − k), X = GAMUT_LIMIT,
// and the colour becomes L + (c − L)·x'/x: luminance and hue kept, only
// chroma given up, slope 1 at the knee, so a saturated lamp or sunset keeps
// its gradation (below X: its largest channel stays off the last codes
// unless it is near white) and fades continuously into white. Inputs >= 0;
// from L = 1 on it is white (L in every channel, which the clamp after it
// makes 1); no channel goes below 0.
fn compress_gamut(c: vec3f) -> vec3f {
  let l = luminance(c);
  let m = max(c.r, max(c.g, c.b));
  if (l >= 1.0) {
    return vec3f(l);
  }
  if (m <= l) {
    return c;
  }
  let x = (m - l) / (1.0 - l);
  if (x <= GAMUT_KNEE) {
    return c;
  }
  let t = (x - GAMUT_KNEE) / (GAMUT_LIMIT - GAMUT_KNEE);
  let rolled = GAMUT_KNEE + (GAMUT_LIMIT - GAMUT_KNEE) * t / (1.0 + t);
  return vec3f(l) + (c - vec3f(l)) * (rolled / x);
}

// Fusion's highlight roll-off, per channel, linear: identity up to the knee
// k = max(0.7, 1 − 0.15·(W − 1)), then Reinhard's extended curve on what lies
// above it, k + b·t·(1 + t/A²)/(1 + t) with b = 1 − k, t = (x − k)/b and
// A = (W − k)/b: slope 1 at the knee, W to 1, monotone. W = 1 is the clamp alone.
fn fused_roll_off(c: vec3f, white: f32) -> vec3f {
  let k = max(0.7, 1.0 - 0.15 * (white - 1.0));
  if (white <= 1.0) {
    return c;
  }
  let b = 1.0 - k;
  let a = (white - k) / b;
  let t = max(c - vec3f(k), vec3f(0.0)) / b;
  let rolled = vec3f(k) + b * t * (vec3f(1.0) + t / (a * a)) / (vec3f(1.0) + t);
  return select(c, rolled, c > vec3f(k));
}

// Fusion's shadow toe, per channel, sRGB-encoded: the roll-off's curve turned
// over, below the knee t = min(0.25, −2·B) (B = black ≤ 0): with d = (t − v)/t
// and A = (t − B)/t, t − t·d·(1 + d/A²)/(1 + d): slope 1 at the knee, B to 0,
// monotone. B = 0 leaves v as it is (negatives then clip).
fn fused_toe(c: vec3f, black: f32) -> vec3f {
  if (black >= 0.0) {
    return c;
  }
  let t = min(0.25, -2.0 * black);
  let a = (t - black) / t;
  let d = max(vec3f(t) - c, vec3f(0.0)) / t;
  let lifted = vec3f(t) - t * d * (vec3f(1.0) + d / (a * a)) / (vec3f(1.0) + d);
  return select(c, lifted, c < vec3f(t));
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(result);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  let raw = textureLoad(radiance, id.xy, 0).rgb;
  let c = max(raw, vec3f(0.0));
  if (FUSED) {
    let lifted = max(fused_toe(raw, params.fusedBlack), vec3f(0.0));
    let fused = fused_roll_off(saturate_ratio(srgb_to_linear(lifted) * exp2(params.exposure), params.saturation), params.fusedWhite);
    textureStore(result, id.xy, vec4f(linear_to_srgb(clamp(fused, vec3f(0.0), vec3f(1.0))), 1.0));
    return;
  }
  let op = OPERATOR;
  var rgb = apply_operator(op, c, params, stats);
  if (!has_own_saturation(op)) {
    rgb = saturate_ratio(max(rgb, vec3f(0.0)), params.saturation);
  }
  rgb = pow0(compress_gamut(max(rgb, vec3f(0.0))), 1.0 / params.gamma);
  textureStore(result, id.xy, vec4f(linear_to_srgb(clamp(rgb, vec3f(0.0), vec3f(1.0))), 1.0));
}
