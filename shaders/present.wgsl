// Present: draw the tone-mapped image into the canvas, fitted to the view
// (letterboxed), with bilinear filtering. One full-screen triangle.

struct View {
  // Image rectangle in canvas pixels: x0, y0, x1, y1.
  rect: vec4f,
  // Background outside the image, sRGB-encoded.
  background: vec4f,
}

// Tone-mapped image, sRGB-encoded.
@group(0) @binding(0) var image: texture_2d<f32>;
@group(0) @binding(1) var smp: sampler;
@group(0) @binding(2) var<uniform> view: View;

@vertex
fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
  let uv = vec2f(f32((i << 1u) & 2u), f32(i & 2u));
  return vec4f(uv * 2.0 - 1.0, 0.0, 1.0);
}

@fragment
fn fs(@builtin(position) pos: vec4f) -> @location(0) vec4f {
  let uv = (pos.xy - view.rect.xy) / (view.rect.zw - view.rect.xy);
  let c = textureSampleLevel(image, smp, uv, 0.0);
  let inside = all(uv >= vec2f(0.0)) && all(uv <= vec2f(1.0));
  return select(view.background, vec4f(c.rgb, 1.0), inside);
}
