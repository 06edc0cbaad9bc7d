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
