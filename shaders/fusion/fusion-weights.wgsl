// Exposure fusion weights (Mertens, Kautz & Van Reeth 2007, sec. 3.1): per
// bracket, contrast C = |Laplacian of grey|, saturation S = standard deviation
// of R, G, B and well-exposedness E = prod_c exp(-(c - 0.5)^2 / (2 * 0.2^2)),
// combined as W = C^wc * S^ws * E^we and normalised per pixel across brackets,
// in f32. EPSILON is added to every W so pixels where all weights vanish get
// an even blend. Two entry points: weight_sum (once, sums W over all brackets)
// and weights (per bracket, writes colour + normalised weight as level 0 of
// the pyramid). With deghosting on, the brackets are the ghost fill's
// (shaders/merge/merge.wgsl fill8_main) and FILLED multiplies W by their
// alpha. The CPU reference is src/engine/fusion/reference/fusion.ts.

const GREY = vec3f(0.299, 0.587, 0.114);
const EPSILON = 1e-12;

// The fusion params of src/engine/params.ts, by name and type (filled by
// name, gpu/uniforms.ts; layout.test.ts checks that the two agree).
struct FusionParams {
  contrastWeight: f32,
  saturationWeight: f32,
  exposureWeight: f32,
}

struct Layer {
  index: u32,
}

// The brackets, encoded values in [0, 1] (rgba8unorm or rgba16float), one layer each.
@group(0) @binding(0) var brackets: texture_2d_array<f32>;
@group(0) @binding(1) var<uniform> params: FusionParams;
// Sum over brackets of W + EPSILON, row-major.
@group(0) @binding(2) var<storage, read_write> weight_sum: array<f32>;
// The bracket the weights entry point works on.
@group(0) @binding(3) var<uniform> layer: Layer;
// Level 0 of the fusion pyramid: rgb = the bracket, a = its normalised weight.
@group(0) @binding(4) var level0: texture_storage_2d<rgba32float, write>;
// The brackets are the ghost fill's: alpha is each sample's weight (0 to 1).
override FILLED: bool = false;

// x^y for x >= 0 with 0^0 = 1 and 0^y = 0 for y > 0 (WGSL leaves pow(0, y) undefined).
// The exponents are uniform: 1 (the default) and 0 skip pow(), an exp2 and a
// log2 per call on a software adapter, six times per bracket and pixel. Not
// lib/color.wgsl's pow0: that one always calls pow(), whose x^1 may differ
// from x in the last bit, and this pass's results are kept as they were.
fn weight_pow(x: f32, y: f32) -> f32 {
  if (y == 0.0) {
    return 1.0;
  }
  if (x <= 0.0) {
    return 0.0;
  }
  if (y == 1.0) {
    return x;
  }
  return pow(x, y);
}

fn grey(p: vec2i, k: u32) -> f32 {
  return dot(textureLoad(brackets, p, k, 0).rgb, GREY);
}

// Raw weight W of bracket k at pixel p.
fn raw_weight(p: vec2i, k: u32, n: vec2i) -> f32 {
  let c = textureLoad(brackets, p, k, 0).rgb;
  let g = dot(c, GREY);
  let lap = grey(vec2i(reflect101(p.x - 1, n.x), p.y), k) + grey(vec2i(reflect101(p.x + 1, n.x), p.y), k)
    + grey(vec2i(p.x, reflect101(p.y - 1, n.y)), k) + grey(vec2i(p.x, reflect101(p.y + 1, n.y)), k) - 4.0 * g;
  let mu = (c.r + c.g + c.b) / 3.0;
  let d = c - vec3f(mu);
  let s = sqrt(dot(d, d) / 3.0);
  let e = c - vec3f(0.5);
  let well = exp(-dot(e, e) / 0.08);
  let w = weight_pow(abs(lap), params.contrastWeight) * weight_pow(s, params.saturationWeight) * weight_pow(well, params.exposureWeight);
  if (FILLED) {
    return w * textureLoad(brackets, p, k, 0).a;
  }
  return w;
}

@compute @workgroup_size(8, 8)
fn weight_sum_main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(brackets);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  let n = vec2i(dims);
  var sum = 0.0;
  for (var k = 0u; k < textureNumLayers(brackets); k++) {
    sum += raw_weight(vec2i(id.xy), k, n) + EPSILON;
  }
  weight_sum[id.y * dims.x + id.x] = sum;
}

@compute @workgroup_size(8, 8)
fn weights_main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(brackets);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  let w = (raw_weight(vec2i(id.xy), layer.index, vec2i(dims)) + EPSILON) / weight_sum[id.y * dims.x + id.x];
  textureStore(level0, id.xy, vec4f(textureLoad(brackets, vec2i(id.xy), layer.index, 0).rgb, w));
}
