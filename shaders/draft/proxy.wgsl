// The proxy set: every bracket box-downsampled to canvas size, in the
// brackets' own format (the Proxy pass swaps the storage format in for
// rgba16float brackets). Merge and fusion draft on it while edits move
// (src/engine/pipeline.ts render({ draft })), so a load or a weight drag shows
// a picture in canvas-sized work, and the full-size result follows once
// edits pause. Footprints as in downsample.wgsl; 8-bit brackets average to
// the nearest code. The CPU reference is proxyBrackets in
// src/engine/reference/proxy.ts.

// Full-size brackets, darkest layer first.
@group(0) @binding(0) var src: texture_2d_array<f32>;
// The proxy brackets: same layers, smaller (or the same) size.
@group(0) @binding(1) var dst: texture_storage_2d_array<rgba8unorm, write>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let out = textureDimensions(dst);
  if (id.x >= out.x || id.y >= out.y) {
    return;
  }
  let size = textureDimensions(src);
  let x0 = id.x * size.x / out.x;
  let x1 = max(x0 + 1u, (id.x + 1u) * size.x / out.x);
  let y0 = id.y * size.y / out.y;
  let y1 = max(y0 + 1u, (id.y + 1u) * size.y / out.y);
  let count = f32((x1 - x0) * (y1 - y0));
  let layers = textureNumLayers(src);
  for (var i = 0u; i < layers; i++) {
    var sum = vec4f(0.0);
    for (var y = y0; y < y1; y++) {
      for (var x = x0; x < x1; x++) {
        sum += textureLoad(src, vec2u(x, y), i, 0);
      }
    }
    textureStore(dst, id.xy, i, sum / count);
  }
}
