// Tone curves on the display-encoded image: per-channel curves on R, G and B,
// then the luminance curve applied as a ratio (colour kept, C * Y'/Y with Y the
// Rec. 709 luma of the encoded values, as the display histogram measures it),
// clamped and quantised to the 8-bit display (or kept in float for a 16-bit
// export: the pass swaps the storage format below). Each curve is a lookup table of
// CURVE_LUT_SIZE entries baked on the CPU (monotone Fritsch–Carlson spline,
// src/engine/curve.ts), read with linear interpolation. Dragging a curve point
// re-runs only this pass, the histogram and present.
// The CPU reference is src/engine/reference/curve.ts.

override LUT_SIZE: u32 = 1024u;

// Tone-mapped image, sRGB-encoded values in [0, 1] (float, unquantised).
@group(0) @binding(0) var toned: texture_2d<f32>;
// Four tables of LUT_SIZE entries, in the order luma, r, g, b.
@group(0) @binding(1) var<storage, read> luts: array<f32>;
// 8-bit display image (rgba32float for a 16-bit export).
@group(0) @binding(2) var result: texture_storage_2d<rgba8unorm, write>;

fn lut(table: u32, v: f32) -> f32 {
  let x = clamp(v, 0.0, 1.0) * f32(LUT_SIZE - 1u);
  let i0 = u32(floor(x));
  let i1 = min(i0 + 1u, LUT_SIZE - 1u);
  let base = table * LUT_SIZE;
  return mix(luts[base + i0], luts[base + i1], x - f32(i0));
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(result);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  let t = clamp(textureLoad(toned, id.xy, 0).rgb, vec3f(0.0), vec3f(1.0));
  var c = vec3f(lut(1u, t.r), lut(2u, t.g), lut(3u, t.b));
  let y = dot(c, LUMA);
  let y2 = lut(0u, y);
  c = select(vec3f(y2), c * (y2 / y), y > 1e-6);
  textureStore(result, id.xy, vec4f(clamp(c, vec3f(0.0), vec3f(1.0)), 1.0));
}
