// Present: draw the tone-mapped image into the canvas, fitted to the view
// (letterboxed), with bilinear filtering. One full-screen triangle. With clip
// warnings on, pixels whose display value clipped are painted: red where a
// channel reached 255, blue where all three are 0 (judged on the nearest
// display texel, so the export and the histogram never see the paint).

struct View {
  // Image rectangle in canvas pixels: x0, y0, x1, y1.
  rect: vec4f,
  // Background outside the image, sRGB-encoded.
  background: vec4f,
  // x: 1 paints clipped pixels.
  warnings: vec4f,
}

const HIGHLIGHT_PAINT = vec4f(1.0, 0.1, 0.1, 1.0);
const SHADOW_PAINT = vec4f(0.1, 0.35, 1.0, 1.0);

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
  if (!inside) {
    return view.background;
  }
  if (view.warnings.x > 0.5) {
    let size = vec2f(textureDimensions(image));
    let t = textureLoad(image, vec2u(clamp(uv * size, vec2f(0.0), size - 1.0)), 0).rgb;
    if (any(t >= vec3f(254.5 / 255.0))) {
      return HIGHLIGHT_PAINT;
    }
    if (all(t <= vec3f(0.5 / 255.0))) {
      return SHADOW_PAINT;
    }
  }
  return vec4f(c.rgb, 1.0);
}
