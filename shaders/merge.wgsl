// Radiance merge: a weighted average of ln(linearised bracket / exposure)
// (Debevec & Malik 1997, eq. 6), with a hat weight per code that is zero at the
// clipped values 0 and 255, so clipped pixels never leak into the map (cf.
// opencv#24966), and zero at or below a scan's black level (response.ts
// mergeWeights). The mean is over ln E, so a frame that is barely exposed
// pulls the result by its log error, not its linear one.
// Per channel, each with its own inverse response (sRGB by default, or the
// curve src/engine/response.ts recovers from the brackets); where every
// bracket is clipped, the darkest bracket answers for highlights and the
// brightest for shadows. The CPU reference is src/engine/reference/merge.ts.

// The brackets, 8-bit camera codes, one layer each, darkest first.
@group(0) @binding(0) var brackets: texture_2d_array<f32>;
// Relative linear exposure of each layer.
@group(0) @binding(1) var<storage, read> exposures: array<f32>;
// Linear value of each 8-bit code per channel (the inverse camera responses):
// entry code + CODES * channel, R then G then B (response.ts packResponse).
@group(0) @binding(2) var<storage, read> response: array<f32, 768>;
// The merged radiance map.
@group(0) @binding(3) var radiance: texture_storage_2d<rgba32float, write>;
// Weight of each code (the same for every channel).
@group(0) @binding(4) var<storage, read> weights: array<f32, 256>;

// Codes per channel (RESPONSE_CODES in response.ts; a unit test checks both).
const CODES = 256u;

fn linear(z: vec3u) -> vec3f {
  return vec3f(response[z.x], response[CODES + z.y], response[2u * CODES + z.z]);
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
  var z = vec3u(0u);
  var dark = vec3f(0.0);
  var dark_high = vec3<bool>(false);
  for (var i = 0u; i < n; i++) {
    z = vec3u(round(textureLoad(brackets, id.xy, i, 0).rgb * 255.0));
    let e = linear(z) / exposures[i];
    let w = vec3f(weights[z.x], weights[z.y], weights[z.z]);
    // A zero weight never meets ln 0.
    num += select(vec3f(0.0), w * log(e), w > vec3f(0.0));
    den += w;
    if (i == 0u) {
      dark = e;
      dark_high = z >= vec3u(128u);
    }
  }
  // After the loop z holds the brightest bracket's codes.
  let bright = linear(z) / exposures[n - 1u];
  let fallback = select(bright, dark, dark_high);
  let merged = select(fallback, exp(num / max(den, vec3f(1e-30))), den > vec3f(0.0));
  textureStore(radiance, id.xy, vec4f(merged, 1.0));
}
