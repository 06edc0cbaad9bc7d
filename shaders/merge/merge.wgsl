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
// brightest for shadows. The CPU references are src/engine/merge/reference/merge.ts
// and, for the ghost fill at the end, src/engine/merge/reference/ghost-fill.ts.
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

// The merged radiance at p, from every bracket (times its consistency weight with DEGHOST).
fn merge_at(p: vec2u) -> vec3f {
  let n = textureNumLayers(brackets);
  var num = vec3f(0.0);
  var den = vec3f(0.0);
  var c = vec3f(0.0);
  var dark = vec3f(0.0);
  var dark_high = vec3<bool>(false);
  var bright = vec3f(0.0);
  var kept = 0u;
  for (var i = 0u; i < n; i++) {
    c = code(textureLoad(brackets, p, i, 0).rgb);
    let e = linear(c) / exposures[i];
    let g = ghost_weight(p, i);
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
  return select(fallback, exp(num / max(den, vec3f(1e-30))), den > vec3f(0.0));
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(radiance);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  textureStore(radiance, id.xy, vec4f(merge_at(id.xy), 1.0));
}

// Ghost fill (with DEGHOST; src/engine/merge/reference/ghost-fill.ts says why
// and what each figure is): each bracket as it would have recorded the
// consistent scene, for exposure fusion. Per pixel, the merge of the brackets
// weighted by their consistency (merge_at), re-exposed for bracket k and
// turned back into a code through the inverse of its response, fills the
// share t of what bracket k's rejection g_k leaves out; the rest of it lowers
// the bracket's fusion weight, written as alpha:
//   a = g_k + (1 − g_k) · t,  value = (g_k · recorded + (1 − g_k) · t · predicted) / a,
// t = clamp((trust − TRUST_LO) / (TRUST_HI − TRUST_LO), 0, 1), trust = g_k averaged
// over a wide neighbourhood (the binomial mean pyramid of the weights to
// ~4 px and back, level 1 here, expanded). A bracket rejected over most of the
// picture disagrees because the response or the exposures are off, not
// because something moved, and its prediction would be as wrong; there it
// only loses weight. g_k = 1 keeps the recorded value and alpha 1.
// Written in the brackets' own format: fill8_main for rgba8unorm brackets,
// fill16_main for rgba16float ones.
// Set from ghost-fill.ts (FILL_TRUST_LO, FILL_TRUST_HI).
override TRUST_LO: f32;
override TRUST_HI: f32;
@group(0) @binding(6) var filled8: texture_storage_2d_array<rgba8unorm, write>;
@group(0) @binding(7) var filled16: texture_storage_2d_array<rgba16float, write>;
// Level 1 of the trust pyramid: the consistency weights averaged, one layer per bracket.
@group(0) @binding(8) var trust: texture_2d_array<f32>;

// The fractional code whose linear value is v in the response's channel at
// base (the entries rise with the code: response.ts keeps them monotone),
// clamped to [0, 255].
fn code_of(v: f32, base: u32) -> f32 {
  if (v <= response[base]) {
    return 0.0;
  }
  if (v >= response[base + CODES - 1u]) {
    return f32(CODES - 1u);
  }
  var lo = 0u;
  var hi = CODES - 1u;
  while (hi - lo > 1u) {
    let m = (lo + hi) / 2u;
    if (response[base + m] <= v) {
      lo = m;
    } else {
      hi = m;
    }
  }
  let a = response[base + lo];
  return f32(lo) + (v - a) / (response[base + hi] - a);
}

// Bracket k's filled value at p, given the merge there.
fn fill_at(p: vec2u, k: u32, merged: vec3f, dims: vec2u) -> vec4f {
  let recorded = textureLoad(brackets, p, k, 0).rgb;
  let g = ghost_weight(p, k);
  if (g >= 1.0) {
    return vec4f(recorded, 1.0);
  }
  let wide = pyr_expand_layer(trust, p, dims, k).r;
  let t = clamp((wide - TRUST_LO) / (TRUST_HI - TRUST_LO), 0.0, 1.0);
  let a = g + (1.0 - g) * t;
  if (a <= 0.0) {
    return vec4f(recorded, 0.0);
  }
  let v = merged * exposures[k];
  let predicted = vec3f(code_of(v.x, 0u), code_of(v.y, CODES), code_of(v.z, 2u * CODES)) / 255.0;
  return vec4f((g * recorded + (1.0 - g) * t * predicted) / a, a);
}

@compute @workgroup_size(8, 8)
fn fill8_main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(filled8);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  let merged = merge_at(id.xy);
  for (var k = 0u; k < textureNumLayers(brackets); k++) {
    textureStore(filled8, id.xy, k, fill_at(id.xy, k, merged, dims));
  }
}

@compute @workgroup_size(8, 8)
fn fill16_main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(filled16);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  let merged = merge_at(id.xy);
  for (var k = 0u; k < textureNumLayers(brackets); k++) {
    textureStore(filled16, id.xy, k, fill_at(id.xy, k, merged, dims));
  }
}
