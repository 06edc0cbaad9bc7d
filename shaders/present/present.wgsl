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
//
// HDR display (HDR = true): the canvas is rgba16float with extended tone
// mapping, whose values are linear extended sRGB with SDR white at 1.0, so
// every sRGB-encoded colour is decoded, and the image is lifted above white
// where the tone mapper compressed it (the CPU reference, with the formula,
// is src/engine/reference/present.ts):
//   sdr  = srgb_to_linear(display)
//   sdr⁺ = srgb_to_linear(display + ½ code): the brightest value the 8-bit
//          display code stands for
//   hdr  = k · (the tone mapper's own input for the pixel, linear)
//   out  = sdr · clamp(Y(hdr) / Y(sdr⁺), 1, HDR_HEADROOM)
// Against sdr⁺, not sdr, so that quantisation alone never lifts a pixel
// (where the display is the input clamped and rounded, as in fusion, half
// the pixels would otherwise gain up to half a code).
// k is measured per frame by midtone_scale below: the geometric mean of
// Y(sdr) / Y(input) over a fixed grid of samples whose Y(sdr) lies in
// [MIDTONE_LO, MIDTONE_HI]. Any global factor of the input (the exposure and
// log-average scale each operator applies, or none at all) cancels in k, and
// so do the operator's own mid-tone gain, the display gamma and the tone
// curve: the tone mapper compresses more the brighter the input, so
// Y(hdr) / Y(sdr) grows with brightness and passes 1 in the band. Shadows and
// mid-tones up to about the band's middle get gain 1 (the SDR picture); above
// it the gain rises with what the tone mapper took away, up to the headroom
// (the browser and the display clip to what they can show). No sample in the band
// (k = 0): gain 1 everywhere.
// Fusion mode: the input is the fused image, sRGB-encoded, which has nothing
// above white but what the fusion pushed over 1 and the finishing clamp cut;
// decoded, that is all it lifts. The before image, the clip paint and the
// background stay SDR (gain 1); the ghost tint fades the gain out as it
// covers the image.

// The HDR canvas variant (rgba16float target).
override HDR: bool = false;

// Fields in the order PresentPass.writeView writes them.
struct View {
  // Region rectangle in canvas pixels: x0, y0, x1, y1.
  rect: vec4f,
  // Background outside the image, sRGB-encoded.
  background: vec4f,
  // x: 1 paints clipped pixels; y: 1 shows the compare split; z: split position, canvas x;
  // w: 1 paints the ghost mask.
  flags: vec4f,
  // x: 1 when the tone mapper's input is sRGB-encoded (fusion), 0 when linear (radiance).
  source: vec4f,
}

// The mid-tone scale: k (0 while no sample fell in the band) and how many samples did.
struct MidtoneScale {
  k: f32,
  samples: f32,
}

const HIGHLIGHT_PAINT = vec4f(1.0, 0.1, 0.1, 1.0);
const SHADOW_PAINT = vec4f(0.1, 0.35, 1.0, 1.0);
const GHOST_PAINT = vec3f(1.0, 0.1, 0.9);
// HDR_* and MIDTONE_* equal the constants of src/engine/reference/present.ts (a unit test checks).
// Most the HDR preview lifts a pixel above its SDR value: 3 stops.
const HDR_HEADROOM: f32 = 8.0;
// The band of SDR display-linear luminance that sets k: middle grey to half of white.
const MIDTONE_LO: f32 = 0.18;
const MIDTONE_HI: f32 = 0.5;
// k is measured on MIDTONE_GRID × MIDTONE_GRID samples, one per row per invocation.
const MIDTONE_GRID: u32 = 64u;
// Each sample's log2 ratio is clamped to this many stops (a near-black input cannot dominate).
const MIDTONE_MAX_STOPS: f32 = 16.0;

// Finished image, sRGB-encoded.
@group(0) @binding(0) var image: texture_2d<f32>;
// The middle bracket over the same region and size, sRGB-encoded.
@group(0) @binding(1) var before: texture_2d<f32>;
@group(0) @binding(2) var<uniform> view: View;
// The ghost mask over the same region (r: 1 − the smallest bracket weight).
@group(0) @binding(3) var ghosts: texture_2d<f32>;
// The tone mapper's input over the same region and size: radiance, or the fused image.
@group(0) @binding(4) var source: texture_2d<f32>;
// The mid-tone scale, as midtone_scale writes it and as fs reads it.
@group(0) @binding(5) var<storage, read_write> scale_out: MidtoneScale;
@group(0) @binding(6) var<storage, read> scale: MidtoneScale;

// The tone mapper's input at a texel, linear (up to a global factor).
fn source_linear(texel: vec2u) -> vec3f {
  let c = max(textureLoad(source, texel, 0).rgb, vec3f(0.0));
  return select(c, srgb_to_linear(c), view.source.x > 0.5);
}

// How much brighter than its SDR value the HDR preview shows the pixel whose
// display value is c (sRGB-encoded) and whose input is at texel.
fn hdr_gain(c: vec3f, texel: vec2u) -> f32 {
  if (scale.k <= 0.0) {
    return 1.0;
  }
  // Above 0 even for black (black stays black: 0 times any gain).
  let y_top = luminance(srgb_to_linear(c + 0.5 / 255.0));
  let y_hdr = scale.k * luminance(source_linear(texel));
  return clamp(y_hdr / y_top, 1.0, HDR_HEADROOM);
}

// An sRGB-encoded colour as the target wants it: unchanged, or linear for the HDR canvas.
fn target_color(c: vec3f) -> vec4f {
  if (HDR) {
    return vec4f(srgb_to_linear(c), 1.0);
  }
  return vec4f(c, 1.0);
}

var<workgroup> partial: array<vec2f, MIDTONE_GRID>;

// k of the header: one workgroup, invocation t takes grid row t; the sums are
// reduced in shared memory in a fixed order, so the result is deterministic.
@compute @workgroup_size(MIDTONE_GRID)
fn midtone_scale(@builtin(local_invocation_index) t: u32) {
  let size = textureDimensions(image);
  var acc = vec2f(0.0);
  for (var i = 0u; i < MIDTONE_GRID; i++) {
    // Cell centres: (i + 0.5) · size / GRID is exact in f32 for any texture size.
    let p = vec2u(floor((vec2f(f32(i), f32(t)) + 0.5) * vec2f(size) / f32(MIDTONE_GRID)));
    let y_sdr = luminance(srgb_to_linear(textureLoad(image, p, 0).rgb));
    let c = max(textureLoad(source, p, 0).rgb, vec3f(0.0));
    let y_in = luminance(select(c, srgb_to_linear(c), view.source.x > 0.5));
    if (y_sdr >= MIDTONE_LO && y_sdr <= MIDTONE_HI && y_in > 0.0) {
      acc += vec2f(clamp(log2(y_sdr / y_in), -MIDTONE_MAX_STOPS, MIDTONE_MAX_STOPS), 1.0);
    }
  }
  partial[t] = acc;
  workgroupBarrier();
  for (var s = MIDTONE_GRID / 2u; s > 0u; s >>= 1u) {
    if (t < s) {
      partial[t] += partial[t + s];
    }
    workgroupBarrier();
  }
  if (t == 0u) {
    let sum = partial[0];
    scale_out.k = select(0.0, exp2(sum.x / max(sum.y, 1.0)), sum.y > 0.0);
    scale_out.samples = sum.y;
  }
}

@vertex
fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
  let uv = vec2f(f32((i << 1u) & 2u), f32(i & 2u));
  return vec4f(uv * 2.0 - 1.0, 0.0, 1.0);
}

@fragment
fn fs(@builtin(position) pos: vec4f) -> @location(0) vec4f {
  let uv = (pos.xy - view.rect.xy) / (view.rect.zw - view.rect.xy);
  if (any(uv < vec2f(0.0)) || any(uv >= vec2f(1.0))) {
    return target_color(view.background.rgb);
  }
  let size = vec2f(textureDimensions(image));
  let texel = vec2u(clamp(floor(uv * size), vec2f(0.0), size - 1.0));
  if (view.flags.y > 0.5 && pos.x < view.flags.z) {
    return target_color(textureLoad(before, texel, 0).rgb);
  }
  let c = textureLoad(image, texel, 0).rgb;
  if (view.flags.x > 0.5) {
    if (any(c >= vec3f(254.5 / 255.0))) {
      return target_color(HIGHLIGHT_PAINT.rgb);
    }
    if (all(c <= vec3f(0.5 / 255.0))) {
      return target_color(SHADOW_PAINT.rgb);
    }
  }
  var gain = 1.0;
  if (HDR) {
    gain = hdr_gain(c, texel);
  }
  if (view.flags.w > 0.5) {
    let tint = 0.65 * clamp(textureLoad(ghosts, texel, 0).r, 0.0, 1.0);
    let tinted = target_color(mix(c, GHOST_PAINT, tint));
    return vec4f(tinted.rgb * mix(gain, 1.0, tint), 1.0);
  }
  let out = target_color(c);
  return vec4f(out.rgb * gain, 1.0);
}
