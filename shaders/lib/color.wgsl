// Shared colour helpers, prepended to every pass that needs them.

// Rec. 709 / sRGB luminance weights.
const LUMA = vec3f(0.2126, 0.7152, 0.0722);

fn luminance(c: vec3f) -> f32 {
  return dot(c, LUMA);
}

// IEC 61966-2-1 sRGB transfer function: linear -> encoded. Input expected in [0, 1].
fn linear_to_srgb(v: vec3f) -> vec3f {
  let lo = v * 12.92;
  let hi = 1.055 * pow(v, vec3f(1.0 / 2.4)) - 0.055;
  return select(hi, lo, v <= vec3f(0.0031308));
}

// IEC 61966-2-1 sRGB transfer function: encoded -> linear, for c >= 0 (values
// above 1 follow the power segment, so over-range fusion output stays ordered).
fn srgb_to_linear(c: vec3f) -> vec3f {
  let lo = c / 12.92;
  let hi = pow((c + 0.055) / 1.055, vec3f(2.4));
  return select(hi, lo, c <= vec3f(0.04045));
}

// x^y for x >= 0 (WGSL leaves pow(0, y) undefined): x <= 0 -> (y == 0 ? 1 : 0),
// as IEEE pow. The one copy: tonemap.wgsl and lib/operators.wgsl use it.
fn pow0(x: vec3f, y: f32) -> vec3f {
  let at_zero = select(vec3f(0.0), vec3f(1.0), y == 0.0);
  return select(pow(max(x, vec3f(1e-30)), vec3f(y)), at_zero, x <= vec3f(0.0));
}

// pow0 of one value.
fn pow0_f32(x: f32, y: f32) -> f32 {
  let at_zero = select(0.0, 1.0, y == 0.0);
  return select(pow(max(x, 1e-30), y), at_zero, x <= 0.0);
}
