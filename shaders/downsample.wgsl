// Box downsample of a float image: each output pixel averages the source pixels
// whose indices fall in its footprint. Builds the canvas-sized preview of the
// radiance map once per merge, so live edits touch only preview pixels.
// The CPU reference is downsampleBox in src/engine/reference/pipeline.ts.

// Full-size source.
@group(0) @binding(0) var src: texture_2d<f32>;
// Smaller destination.
@group(0) @binding(1) var dst: texture_storage_2d<rgba32float, write>;

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
  var sum = vec4f(0.0);
  for (var y = y0; y < y1; y++) {
    for (var x = x0; x < x1; x++) {
      sum += textureLoad(src, vec2u(x, y), 0);
    }
  }
  textureStore(dst, id.xy, sum / f32((x1 - x0) * (y1 - y0)));
}
