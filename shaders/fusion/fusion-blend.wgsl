// Exposure fusion blend (Mertens, Kautz & Van Reeth 2007, sec. 3.2): at every
// level l of one bracket's pyramid, add weight_l * band_l to the result
// pyramid, where band_l = G_l - expand(G_{l+1}) is the bracket's Laplacian band
// (the top level is G_top itself) and weight_l the Gaussian-blurred normalised
// weight that the same pyramid carries in alpha. The result bands are
// collapsed by pyramid-expand. The CPU reference is src/engine/reference/fusion.ts.

override TOP: bool = false;

// G_l of the bracket: rgb colour, a normalised weight.
@group(0) @binding(0) var fine: texture_2d<f32>;
// G_{l+1} of the bracket; unused at the top level.
@group(0) @binding(1) var coarse: texture_2d<f32>;
// Result band l, accumulated over brackets, row-major.
@group(0) @binding(2) var<storage, read_write> acc: array<vec4f>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(fine);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  let g = textureLoad(fine, vec2i(id.xy), 0);
  var band = g.rgb;
  if (!TOP) {
    band -= pyr_expand(coarse, id.xy, dims).rgb;
  }
  let i = id.y * dims.x + id.x;
  // An opaque image: alpha is 1 in the top band and 0 in the others, so it collapses to 1.
  acc[i] = vec4f(acc[i].rgb + g.a * band, select(0.0, 1.0, TOP));
}
