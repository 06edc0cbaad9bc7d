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
