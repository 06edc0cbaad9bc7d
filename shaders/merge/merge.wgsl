// Radiance merge: a weighted average of ln(linearised bracket / exposure)
// (Debevec & Malik 1997, eq. 6), with a weight per code (src/engine/merge/weights.ts
// mergeWeights: the inverse of the code's noise variance in ln E, from the
// response; dark codes weigh little) that is zero at the clipped values 0 and
// 255, so clipped pixels never leak into the map (cf. opencv#24966), and zero
// at or below a scan's black level. The mean is over ln E, so a frame that is
// barely exposed pulls the result by its log error, not its linear one.
// Per channel, each with its own inverse response (sRGB by default, or the
// curve src/engine/response.ts recovers from the brackets); where every
// bracket is clipped, the darkest bracket answers for highlights and the
// brightest for shadows. The CPU reference is src/engine/reference/merge.ts.
//
// Every value is read as a fractional code c = x · 255 and both tables are
// interpolated linearly between the two nearest entries. 8-bit brackets
// (rgba8unorm) give integer codes, so they look up one entry as they always
// did; 16-bit brackets (rgba16float, src/engine/half.ts) fall between
// entries. Clipped: c ≤ 0.5 or c ≥ 254.5 (what rounds to 0 or 255) weighs 0.

// The brackets, camera codes / 255 (rgba8unorm or rgba16float), one layer each, darkest first.
@group(0) @binding(0) var brackets: texture_2d_array<f32>;
// Relative linear exposure of each layer.
@group(0) @binding(1) var<storage, read> exposures: array<f32>;
// Linear value of each 8-bit code per channel (the inverse camera responses):
// entry code + CODES * channel, R then G then B (response.ts packResponse).
@group(0) @binding(2) var<storage, read> response: array<f32, 768>;
// The merged radiance map.
@group(0) @binding(3) var radiance: texture_storage_2d<rgba32float, write>;
// Weight of each code (the same for every channel).
@group(0) @binding(4) var<storage, read> weights: array<f32, 256>;
// Deghosting (src/engine/deghost.ts): each bracket's weight times its
// consistency weight, and the clipped-everywhere fallbacks skip the brackets it
// rejects (weight 0). Off by default, and then `ghost` (a stand-in) is never read.
override DEGHOST: bool = false;
// Consistency weight of each layer (r32float 2d-array, one layer per bracket).
@group(0) @binding(5) var ghost: texture_2d_array<f32>;

// Codes per channel (RESPONSE_CODES in response.ts; a unit test checks both).
const CODES = 256u;
// A code this close to an integer is that integer (reference/merge.ts CODE_SNAP):
// an rgba8unorm value k / 255 times 255 is k only within f32 rounding.
const SNAP = 1e-3;
// Codes that round to 0 or 255 are clipped (reference/merge.ts CLIP_LOW, CLIP_HIGH).
const CLIP_LOW = 0.5;
const CLIP_HIGH = 254.5;

// The fractional code of each channel.
fn code(x: vec3f) -> vec3f {
  let c = clamp(x, vec3f(0.0), vec3f(1.0)) * 255.0;
  let r = round(c);
  return select(c, r, abs(c - r) < vec3f(SNAP));
}

// Response entry base + c, linear between the neighbours (exact at an integer c).
fn lookup(c: f32, base: u32) -> f32 {
  let i = min(u32(c), CODES - 1u);
  let a = response[base + i];
  return a + (response[base + min(i + 1u, CODES - 1u)] - a) * (c - f32(i));
}

fn linear(c: vec3f) -> vec3f {
  return vec3f(lookup(c.x, 0u), lookup(c.y, CODES), lookup(c.z, 2u * CODES));
}

fn ghost_weight(p: vec2u, i: u32) -> f32 {
  if (DEGHOST) {
    return textureLoad(ghost, p, i, 0).r;
  }
  return 1.0;
}

// Weight at c, linear between the neighbours; 0 where clipped.
fn weight(c: f32) -> f32 {
  if (c <= CLIP_LOW || c >= CLIP_HIGH) {
    return 0.0;
  }
  let i = min(u32(c), CODES - 1u);
  let a = weights[i];
  return a + (weights[min(i + 1u, CODES - 1u)] - a) * (c - f32(i));
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(radiance);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  let n = textureNumLayers(brackets);
  var num = vec3f(0.0);
  var den = vec3f(0.0);
  var c = vec3f(0.0);
  var dark = vec3f(0.0);
  var dark_high = vec3<bool>(false);
  var bright = vec3f(0.0);
  var kept = 0u;
  for (var i = 0u; i < n; i++) {
    c = code(textureLoad(brackets, id.xy, i, 0).rgb);
    let e = linear(c) / exposures[i];
    let g = ghost_weight(id.xy, i);
    let w = vec3f(weight(c.x), weight(c.y), weight(c.z)) * g;
    // A zero weight never meets ln 0.
    num += select(vec3f(0.0), w * log(e), w > vec3f(0.0));
    den += w;
    // The darkest and the brightest bracket not rejected (every one without deghosting).
    if (g > 0.0) {
      if (kept == 0u) {
        dark = e;
        // Rounds to 128 or more.
        dark_high = c >= vec3f(127.5);
      }
      bright = e;
      kept++;
    }
  }
  let fallback = select(bright, dark, dark_high);
  let merged = select(fallback, exp(num / max(den, vec3f(1e-30))), den > vec3f(0.0));
  textureStore(radiance, id.xy, vec4f(merged, 1.0));
}
