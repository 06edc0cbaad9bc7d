// One step down a Gaussian pyramid: level l+1 = reduce(level l), all four
// channels (exposure fusion keeps its normalised weight in alpha, so colour and
// weight pyramids are built in one pass). Sampling is in lib/pyramid.wgsl.

// Level l.
@group(0) @binding(0) var src: texture_2d<f32>;
// Level l+1, ((w+1)/2) x ((h+1)/2).
@group(0) @binding(1) var dst: texture_storage_2d<rgba32float, write>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(dst);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  textureStore(dst, id.xy, pyr_reduce(src, id.xy));
}
