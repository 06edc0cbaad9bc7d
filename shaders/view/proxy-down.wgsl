// One tile of a full-size image box-averaged by a whole factor k into the
// proxy of a set too big for the whole-image graph (src/engine/graph/proxy.ts),
// at the tile's place: proxy pixel (bx, by) is the mean of the full-size
// pixels [bx·k, bx·k + k) × [by·k, by·k + k), clipped to the image. The tile's
// core starts on a multiple of k and ends on one or at the image's edge, so
// every block it starts lies inside it. The CPU reference is proxyRadiance in
// src/engine/graph/proxy.ts.

struct Tile {
  // The core's top-left pixel in the full-size image (multiples of k).
  x: u32,
  y: u32,
  // The core's size in full-size pixels.
  width: u32,
  height: u32,
  k: u32,
}

// The tile: the core's pixels, from (0, 0).
@group(0) @binding(0) var src: texture_2d<f32>;
// The proxy: the whole image box-averaged by k.
@group(0) @binding(1) var dst: texture_storage_2d<rgba32float, write>;
@group(0) @binding(2) var<uniform> tile: Tile;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let k = tile.k;
  let size = vec2u(tile.width, tile.height);
  if (id.x * k >= size.x || id.y * k >= size.y) {
    return;
  }
  let p0 = id.xy * k;
  let p1 = min(p0 + vec2u(k), size);
  var sum = vec4f(0.0);
  for (var y = p0.y; y < p1.y; y++) {
    for (var x = p0.x; x < p1.x; x++) {
      sum += textureLoad(src, vec2i(vec2u(x, y)), 0);
    }
  }
  let n = (p1 - p0).x * (p1 - p0).y;
  textureStore(dst, vec2u(tile.x, tile.y) / k + id.xy, sum / f32(n));
}
