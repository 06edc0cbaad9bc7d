// Global tone mapping after Reinhard, Stark, Shirley & Ferwerda 2002
// ("Photographic tone reproduction for digital images", eq. 2 and 4):
// scale luminance by key / log-average and the user's exposure, compress with
// the white point, carry colour by the luminance ratio raised to the saturation
// (Schlick 1994), apply display gamma and encode to sRGB.
// With FUSED the input is exposure fusion output instead: display-referred,
// sRGB-encoded and possibly outside [0, 1]; it is linearised, scaled by the
// exposure, given the saturation and clamped only then, so lowering the
// exposure brings back highlights the fusion pushed above 1.
// The CPU reference is src/engine/reference/tonemap.ts.

override FUSED: bool = false;

// Fields in the order of src/engine/params.ts (pass 'tonemap').
struct ToneParams {
  exposure: f32,
  key: f32,
  whitePoint: f32,
  saturation: f32,
  gamma: f32,
}

// Radiance, or fused image with FUSED (full size for export, canvas size for preview).
@group(0) @binding(0) var radiance: texture_2d<f32>;
// Statistics of the full-size radiance (unused with FUSED).
@group(0) @binding(1) var<storage, read> stats: Stats;
@group(0) @binding(2) var<uniform> params: ToneParams;
// sRGB-encoded result.
@group(0) @binding(3) var result: texture_storage_2d<rgba8unorm, write>;

// pow() for x >= 0 with 0^y defined as in IEEE pow (WGSL leaves pow(0, y) undefined).
fn pow0(x: vec3f, y: f32) -> vec3f {
  let zero = select(vec3f(0.0), vec3f(1.0), y == 0.0);
  return select(pow(max(x, vec3f(1e-30)), vec3f(y)), zero, x <= vec3f(0.0));
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(result);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  var c = max(textureLoad(radiance, id.xy, 0).rgb, vec3f(0.0));
  if (FUSED) {
    c = srgb_to_linear(c) * exp2(params.exposure);
    let lf = luminance(c);
    var rgb = vec3f(0.0);
    if (lf > 0.0) {
      rgb = lf * pow0(c / lf, params.saturation);
    }
    textureStore(result, id.xy, vec4f(linear_to_srgb(clamp(rgb, vec3f(0.0), vec3f(1.0))), 1.0));
    return;
  }
  let l = luminance(c);
  let ls = params.key / stats.log_avg * exp2(params.exposure) * l;
  let ld = ls * (1.0 + ls / (params.whitePoint * params.whitePoint)) / (1.0 + ls);
  var rgb = vec3f(0.0);
  if (l > 0.0) {
    rgb = ld * pow0(c / l, params.saturation);
  }
  rgb = pow0(max(rgb, vec3f(0.0)), 1.0 / params.gamma);
  textureStore(result, id.xy, vec4f(linear_to_srgb(clamp(rgb, vec3f(0.0), vec3f(1.0))), 1.0));
}
