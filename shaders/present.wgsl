// Present: draw the visible region of the finished image into the canvas.
// The region texture is already at canvas resolution (fit, or zoomed out) or
// at image resolution (100 % and beyond), so each canvas pixel reads the one
// texel under it: no filtering, real pixels shown square when magnified.
// Compare: left of the split the canvas shows the "before" image (the middle
// bracket as shot, over the same region). With clip warnings on, pixels whose
// display value clipped are painted: red where a channel reached 255, blue
// where all three are 0 (the export and the histogram never see the paint).
// With the ghost mask on, where deghosting rejected a bracket is tinted
// magenta in proportion to the mask.

struct View {
  // Region rectangle in canvas pixels: x0, y0, x1, y1.
  rect: vec4f,
  // Background outside the image, sRGB-encoded.
  background: vec4f,
  // x: 1 paints clipped pixels; y: 1 shows the compare split; z: split position, canvas x;
  // w: 1 paints the ghost mask.
  flags: vec4f,
}

const HIGHLIGHT_PAINT = vec4f(1.0, 0.1, 0.1, 1.0);
const SHADOW_PAINT = vec4f(0.1, 0.35, 1.0, 1.0);
const GHOST_PAINT = vec3f(1.0, 0.1, 0.9);

// Finished image, sRGB-encoded.
@group(0) @binding(0) var image: texture_2d<f32>;
// The middle bracket over the same region and size, sRGB-encoded.
@group(0) @binding(1) var before: texture_2d<f32>;
@group(0) @binding(2) var<uniform> view: View;
// The ghost mask over the same region (r: 1 − the smallest bracket weight).
@group(0) @binding(3) var ghosts: texture_2d<f32>;

@vertex
fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
  let uv = vec2f(f32((i << 1u) & 2u), f32(i & 2u));
  return vec4f(uv * 2.0 - 1.0, 0.0, 1.0);
}

@fragment
fn fs(@builtin(position) pos: vec4f) -> @location(0) vec4f {
  let uv = (pos.xy - view.rect.xy) / (view.rect.zw - view.rect.xy);
  if (any(uv < vec2f(0.0)) || any(uv >= vec2f(1.0))) {
    return view.background;
  }
  let size = vec2f(textureDimensions(image));
  let texel = vec2u(clamp(floor(uv * size), vec2f(0.0), size - 1.0));
  if (view.flags.y > 0.5 && pos.x < view.flags.z) {
    return vec4f(textureLoad(before, texel, 0).rgb, 1.0);
  }
  let c = textureLoad(image, texel, 0).rgb;
  if (view.flags.x > 0.5) {
    if (any(c >= vec3f(254.5 / 255.0))) {
      return HIGHLIGHT_PAINT;
    }
    if (all(c <= vec3f(0.5 / 255.0))) {
      return SHADOW_PAINT;
    }
  }
  if (view.flags.w > 0.5) {
    return vec4f(mix(c, GHOST_PAINT, 0.65 * clamp(textureLoad(ghosts, texel, 0).r, 0.0, 1.0)), 1.0);
  }
  return vec4f(c, 1.0);
}
