// Seeds the top band of a tile's collapse (src/engine/fusion/tiled-fusion.ts)
// with a crop of the whole-image fusion collapsed down to level F: band[i] =
// R_F at (crop.x, crop.y) + (i mod width, i / width). The collapse
// (pyramid-expand) then copies it to level F and adds the tile's fine bands
// below. The CPU reference is reference/seed.ts.

struct Crop {
  x: u32,
  y: u32,
  width: u32,
  height: u32,
}

// R_F: the whole image's fused result at level F (rgba32float).
@group(0) @binding(0) var src: texture_2d<f32>;
// Where the tile's level F sits in R_F, and its size.
@group(0) @binding(1) var<uniform> crop: Crop;
// Band F of the tile, row-major, crop.width per row.
@group(0) @binding(2) var<storage, read_write> band: array<vec4f>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= crop.width || id.y >= crop.height) {
    return;
  }
  band[id.y * crop.width + id.x] = textureLoad(src, vec2i(id.xy + vec2u(crop.x, crop.y)), 0);
}
