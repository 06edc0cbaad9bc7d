// Radiance merge: a weighted average of linearised brackets divided by their
// exposure (Debevec & Malik 1997), with a hat weight that is zero at the clipped
// values 0 and 255, so clipped pixels never leak into the map (cf. opencv#24966).
// Per channel; where every bracket is clipped, the darkest bracket answers for
// highlights and the brightest for shadows. The CPU reference is
// src/engine/reference/merge.ts.

// The brackets, 8-bit sRGB-encoded, one layer each, darkest first.
@group(0) @binding(0) var brackets: texture_2d_array<f32>;
// Relative linear exposure of each layer.
@group(0) @binding(1) var<storage, read> exposures: array<f32>;
// The merged radiance map.
@group(0) @binding(2) var radiance: texture_storage_2d<rgba32float, write>;

fn load_bytes(p: vec2u, layer: u32) -> vec3f {
  return round(textureLoad(brackets, p, layer, 0).rgb * 255.0);
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(radiance);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  let n = textureNumLayers(brackets);
  var num = vec3f(0.0);
  var den = vec3f(0.0);
  for (var i = 0u; i < n; i++) {
    let z = load_bytes(id.xy, i);
    let w = min(z, 255.0 - z) / 127.5;
    num += w * srgb_to_linear(z / 255.0) / exposures[i];
    den += w;
  }
  let z_dark = load_bytes(id.xy, 0u);
  let dark = srgb_to_linear(z_dark / 255.0) / exposures[0];
  let bright = srgb_to_linear(load_bytes(id.xy, n - 1u) / 255.0) / exposures[n - 1u];
  let fallback = select(bright, dark, z_dark >= vec3f(128.0));
  let e = select(fallback, num / max(den, vec3f(1e-30)), den > vec3f(0.0));
  textureStore(radiance, id.xy, vec4f(e, 1.0));
}
