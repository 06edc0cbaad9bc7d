// One step of collapsing a Laplacian pyramid: result_l = band_l + expand(result_{l+1}).
// The band comes from a storage buffer (blend passes accumulate into buffers,
// which unlike rgba32float storage textures can be read and written in place).
// At the top level there is nothing coarser: HAS_COARSE = false copies the band.
// Sampling is in lib/pyramid.wgsl.

override HAS_COARSE: bool = true;

// The collapsed level above (l+1); unused when HAS_COARSE is false.
@group(0) @binding(0) var coarse: texture_2d<f32>;
// Band l, row-major, one vec4 per pixel of the result.
@group(0) @binding(1) var<storage, read> band: array<vec4f>;
// Collapsed level l.
@group(0) @binding(2) var dst: texture_storage_2d<rgba32float, write>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(dst);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  var v = band[id.y * dims.x + id.x];
  if (HAS_COARSE) {
    v += pyr_expand(coarse, id.xy, dims);
  }
  textureStore(dst, id.xy, v);
}
