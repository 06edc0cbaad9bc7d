// Deghosting, raw weights and the finish (src/engine/deghost.ts describes the
// method). raw_main: per pixel and channel, the value each bracket is judged
// against (the reference's, or where the reference is clipped the consensus of
// the brackets' points that agree with its bound), then per bracket
//   u = max over channels of the distance of its ln E interval from that value, in σ,
//   w = exp(−strength · (max(0, u − TOLERANCE) / FALLOFF)²), 0 below MIN_WEIGHT,
// and w = 1 for the reference. Intervals, points and noise per code come from
// a table (deghost.ts deghostTables), so clipping, the black level and the
// response need no code here. Values are read as the nearest 8-bit code (16-bit
// brackets too: deghosting works at 8-bit precision).
// shaders/deghost-smooth.wgsl then reduces and expands the raw weights down to
// level 1, and finish_main expands level 1 to full size, where it also keeps
// the merge fed: in a channel where some bracket's code is weighed by the merge
// but every such bracket's smoothed weight is 0 (a rejection spread over a
// region that only a consistent bracket sees), the raw weights come back
// (max(smoothed, raw)). It writes the ghost mask 1 − min over brackets too.
// The CPU reference is src/engine/reference/deghost.ts.

// Set from deghost.ts (DEGHOST_TOLERANCE, DEGHOST_FALLOFF, DEGHOST_MIN_WEIGHT).
override TOLERANCE: f32;
override FALLOFF: f32;
override MIN_WEIGHT: f32;
// finish_main: false where there is no level 1 (no smoothing): the raw weights are the result.
override HAS_COARSE: bool = true;

struct DeghostParams {
  strength: f32,
  reference: u32,
}

// The brackets, codes / 255 (rgba8unorm or rgba16float), one layer each, darkest first.
@group(0) @binding(0) var brackets: texture_2d_array<f32>;
// Relative linear exposure of each layer (the merge's buffer).
@group(0) @binding(1) var<storage, read> exposures: array<f32>;
// Per code + 256 · channel: lo and hi of ln(linear value), its noise σ, 1 where the merge weighs the code.
@group(0) @binding(2) var<storage, read> codes: array<vec4f, 768>;
@group(0) @binding(3) var<uniform> params: DeghostParams;
// raw_main: the raw weights, one layer per bracket (level 0 of the smoothing pyramid).
@group(0) @binding(4) var raw: texture_storage_2d_array<r32float, write>;
// finish_main: the smoothed weights at level 1 (unused when HAS_COARSE is false).
@group(0) @binding(5) var coarse: texture_2d_array<f32>;
// finish_main: the result, one layer per bracket.
@group(0) @binding(6) var result: texture_storage_2d_array<r32float, write>;
// finish_main: the ghost mask, 1 − min over brackets of the result.
@group(0) @binding(7) var mask: texture_storage_2d<r32float, write>;

// Codes per channel (RESPONSE_CODES in response.ts).
const CODES = 256u;
// The most brackets (types.ts MAX_BRACKETS).
const MAX_BRACKETS = 16u;

fn load_codes(p: vec2u, k: u32) -> vec3u {
  return vec3u(round(clamp(textureLoad(brackets, p, k, 0).rgb, vec3f(0.0), vec3f(1.0)) * 255.0));
}

// One bracket's observation of a pixel, per channel, in ln E.
struct Obs {
  lo: vec3f,
  hi: vec3f,
  // The value, or the finite end of a clipped code's interval.
  pt: vec3f,
  sig: vec3f,
  // Whether the merge weighs the code.
  exposed: vec3<bool>,
}

// The observation of codes z in a bracket of ln exposure ln_e.
fn observe(z: vec3u, ln_e: f32) -> Obs {
  let r = codes[z.x];
  let g = codes[CODES + z.y];
  let b = codes[2u * CODES + z.z];
  let lo = vec3f(r.x, g.x, b.x) - ln_e;
  let hi = vec3f(r.y, g.y, b.y) - ln_e;
  return Obs(lo, hi, select(hi, lo, abs(lo) < abs(hi)), vec3f(r.z, g.z, b.z), vec3f(r.w, g.w, b.w) == vec3f(1.0));
}

// Distance of o's interval from the value v (noise s), in σ, per channel.
fn dist(o: Obs, v: vec3f, s: vec3f) -> vec3f {
  return max(vec3f(0.0), max(o.lo - v, v - o.hi)) / sqrt(o.sig * o.sig + s * s);
}

// The raw weight of every bracket at p.
fn raw_weights(p: vec2u, n: u32) -> array<f32, MAX_BRACKETS> {
  // Each bracket's codes and ln exposure, loaded once.
  var zs: array<vec3u, MAX_BRACKETS>;
  var le: array<f32, MAX_BRACKETS>;
  for (var k = 0u; k < n; k++) {
    zs[k] = load_codes(p, k);
    le[k] = log(exposures[k]);
  }
  let reference = min(params.reference, n - 1u);
  let ref_obs = observe(zs[reference], le[reference]);
  var x = ref_obs.pt;
  var sx = ref_obs.sig;
  let clipped = !ref_obs.exposed;
  if (any(clipped)) {
    // Candidates in order: the reference, then 1, 2, … brackets away, darker first.
    var best = vec3f(-1.0);
    for (var d = 0u; d < n; d++) {
      for (var side = 0u; side < 2u; side++) {
        if ((d == 0u && side == 1u) || (side == 0u && d > reference)) {
          continue;
        }
        let k = select(reference + d, reference - d, side == 0u);
        if (k >= n) {
          continue;
        }
        let cand = observe(zs[k], le[k]);
        let ok = dist(ref_obs, cand.pt, cand.sig) <= vec3f(TOLERANCE);
        var support = vec3f(0.0);
        for (var j = 0u; j < n; j++) {
          support += select(vec3f(0.0), vec3f(1.0), dist(observe(zs[j], le[j]), cand.pt, cand.sig) <= vec3f(TOLERANCE));
        }
        let better = clipped & ok & (support > best);
        best = select(best, support, better);
        x = select(x, cand.pt, better);
        sx = select(sx, cand.sig, better);
      }
    }
  }
  var w: array<f32, MAX_BRACKETS>;
  for (var i = 0u; i < n; i++) {
    w[i] = 1.0;
    if (i != reference) {
      let u3 = dist(observe(zs[i], le[i]), x, sx);
      let t = max(0.0, max(max(u3.x, u3.y), u3.z) - TOLERANCE) / FALLOFF;
      let v = exp(-params.strength * (t * t));
      w[i] = select(v, 0.0, v < MIN_WEIGHT);
    }
  }
  return w;
}

@compute @workgroup_size(8, 8)
fn raw_main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(raw);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  let n = textureNumLayers(brackets);
  let w = raw_weights(id.xy, n);
  for (var i = 0u; i < n; i++) {
    textureStore(raw, id.xy, i, vec4f(w[i], 0.0, 0.0, 0.0));
  }
}

@compute @workgroup_size(8, 8)
fn finish_main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(result);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  let n = textureNumLayers(brackets);
  var w: array<f32, MAX_BRACKETS>;
  if (HAS_COARSE) {
    var usable = vec3f(0.0);
    var live = vec3f(0.0);
    for (var k = 0u; k < n; k++) {
      w[k] = pyr_expand_layer(coarse, id.xy, dims, k).r;
      let z = load_codes(id.xy, k);
      let e = vec3f(codes[z.x].w, codes[CODES + z.y].w, codes[2u * CODES + z.z].w);
      usable += e;
      live += e * w[k];
    }
    // Rare: the raw weights are recomputed only where they are needed.
    if (any((usable > vec3f(0.0)) & (live == vec3f(0.0)))) {
      let r = raw_weights(id.xy, n);
      for (var k = 0u; k < n; k++) {
        w[k] = max(w[k], r[k]);
      }
    }
  } else {
    w = raw_weights(id.xy, n);
  }
  var m = 1.0;
  for (var k = 0u; k < n; k++) {
    textureStore(result, id.xy, k, vec4f(w[k], 0.0, 0.0, 0.0));
    m = min(m, w[k]);
  }
  textureStore(mask, id.xy, vec4f(1.0 - m, 0.0, 0.0, 0.0));
}
