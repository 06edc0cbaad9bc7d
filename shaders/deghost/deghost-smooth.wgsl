// Deghosting, smoothing of the raw weights (src/engine/deghost.ts): level 1 =
// min(1, MAJORITY · binomial reduce of level 0) (mean_main: a neighbourhood
// counts as a ghost only where more than half of it disagrees), levels 2..L = minimum over the same
// 5 × 5 footprint (min_main), then expand back down to level 1 (expand_main;
// shaders/deghost.wgsl finish_main does the last step), every layer (bracket)
// alike, one invocation per pixel and layer. Sampling and borders as
// lib/pyramid.wgsl. The CPU reference is src/engine/reference/deghost.ts.

// Set from deghost.ts (DEGHOST_MAJORITY).
override MAJORITY: f32;

// Level l (reduce) or level l+1 (expand), one layer per bracket.
@group(0) @binding(0) var src: texture_2d_array<f32>;
// Level l+1 (reduce) or level l (expand).
@group(0) @binding(1) var dst: texture_storage_2d_array<r32float, write>;

fn at(p: vec2i, layer: u32) -> f32 {
  return textureLoad(src, p, layer, 0).r;
}

@compute @workgroup_size(8, 8, 1)
fn mean_main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(dst);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  let sum = pyr_reduce_layer(src, id.xy, id.z).r;
  textureStore(dst, id.xy, id.z, vec4f(min(1.0, MAJORITY * sum), 0.0, 0.0, 0.0));
}

@compute @workgroup_size(8, 8, 1)
fn min_main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(dst);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  let n = vec2i(textureDimensions(src));
  let c = vec2i(id.xy) * 2;
  var m = 1.0;
  for (var j = -2; j <= 2; j++) {
    let y = reflect101(c.y + j, n.y);
    for (var i = -2; i <= 2; i++) {
      m = min(m, at(vec2i(reflect101(c.x + i, n.x), y), id.z));
    }
  }
  textureStore(dst, id.xy, id.z, vec4f(m, 0.0, 0.0, 0.0));
}

@compute @workgroup_size(8, 8, 1)
fn expand_main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(dst);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  textureStore(dst, id.xy, id.z, vec4f(pyr_expand_layer(src, id.xy, dims, id.z).r, 0.0, 0.0, 0.0));
}
