// Box downsample of a float image region: each output pixel averages the
// source pixels of the region whose indices fall in its footprint. Builds the
// canvas-sized view of the full-size result (the whole image at fit, the
// visible part when zoomed in), so live edits touch only what is on screen;
// at one output pixel per source pixel it is an exact crop.
// The CPU reference is downsampleBox in src/engine/reference/pipeline.ts.

struct Region {
  // Top-left source pixel and size of the region, in source pixels.
  origin: vec2u,
  size: vec2u,
}

// Full-size source.
@group(0) @binding(0) var src: texture_2d<f32>;
// Smaller destination.
@group(0) @binding(1) var dst: texture_storage_2d<rgba32float, write>;
@group(0) @binding(2) var<uniform> region: Region;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let out = textureDimensions(dst);
  if (id.x >= out.x || id.y >= out.y) {
    return;
  }
  let size = region.size;
  let x0 = id.x * size.x / out.x;
  let x1 = max(x0 + 1u, (id.x + 1u) * size.x / out.x);
  let y0 = id.y * size.y / out.y;
  let y1 = max(y0 + 1u, (id.y + 1u) * size.y / out.y);
  var sum = vec4f(0.0);
  for (var y = y0; y < y1; y++) {
    for (var x = x0; x < x1; x++) {
      sum += textureLoad(src, region.origin + vec2u(x, y), 0);
    }
  }
  textureStore(dst, id.xy, sum / f32((x1 - x0) * (y1 - y0)));
}
