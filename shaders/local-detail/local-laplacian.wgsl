// The fast local Laplacian filter of Aubry, Paris, Hasinoff, Kautz & Durand,
// "Fast Local Laplacian Filters: Theory and Applications", ACM TOG 33(5), 2014,
// with a smooth variant of the remapping of Paris, Hasinoff & Kautz,
// "Local Laplacian Filters", SIGGRAPH 2011, on log2 luminance I. Four of the K
// intensity levels at a time: each channel of one RGBA pyramid is one level.
// The input end (log2 luminance, the grid) is local-laplacian-io.wgsl; the CPU
// reference, with the maths, is src/engine/reference/local-detail.ts.
// Sampling is in lib/pyramid.wgsl.
//
// Entry points, per group of four levels k = first .. first + 3:
//   remap_levels  level 0 of the work pyramid: r_k(I) in channel k - first
//   accumulate    per pyramid level 1 <= l < top: band_l += sum_k w_k(G_l[I]) * (G_l - expand(G_{l+1}))[k]
//                 (the caller keeps level 1 of each group's pyramid in a layer of `kept`)
// and once per filter:
//   top           band_top = G_top[I]
//   finish        after the collapse down to level 1 (R_1), per pixel of level 0:
//                 band_0 from the two levels nearest I (r_k(I) - expand(kept)[k]),
//                 O = band_0 + expand(R_1), dst = (src.rgb * 2^(O - I), src.a).
//                 Level 0 needs no band buffer, no accumulate per group and no
//                 separate collapse or colour pass: the full-size work is one pass.

// K, the number of intensity levels.
override LEVELS: f32;

// One group of four levels; the coefficients from the sliders.
struct Uniforms {
  // Detail: slope 1 + alpha of the remap at i = g.
  alpha: f32,
  // Range: slope of the remap for |i - g| >> sigma.
  beta: f32,
  // Index of the group's first level (a whole number).
  first: f32,
  pad: f32,
}

// Level k of the grid sits at lo + k * step (log2 luminance); sigma is sigma_r.
struct Grid {
  lo: f32,
  step: f32,
  sigma: f32,
  pad: f32,
}

// The group's coefficients and first level.
@group(0) @binding(0) var<uniform> u: Uniforms;
// The grid, from local-laplacian-io.wgsl.
@group(0) @binding(1) var<storage, read> grid: Grid;
// G_l[I] of the guide pyramid (r); level 0 for remap_levels.
@group(0) @binding(2) var guide: texture_2d<f32>;
// Level 0 of the work pyramid, written by remap_levels.
@group(0) @binding(3) var remapped: texture_storage_2d<rgba32float, write>;
// G_l of the work pyramid (four remapped images).
@group(0) @binding(4) var fine: texture_2d<f32>;
// G_{l+1} of the work pyramid.
@group(0) @binding(5) var coarse: texture_2d<f32>;
// Result band l (value in x), row-major, one vec4 per pixel of level l.
@group(0) @binding(6) var<storage, read_write> acc: array<vec4f>;
// Level 1 of every group's work pyramid, group g in layer g.
@group(0) @binding(7) var kept: texture_2d_array<f32>;
// The scene-linear radiance map.
@group(0) @binding(8) var src: texture_2d<f32>;
// The result (rgba32float, the size of src).
@group(0) @binding(9) var dst: texture_storage_2d<rgba32float, write>;

// The remapping function around g, per channel, x = (i - g) / sigma:
//   r = g + sigma * (beta x + (1 - beta) x / sqrt(1 + x^2 / 2) + alpha x exp(-x^2 / 2)).
fn remap(i: vec4f, g: vec4f, sigma: f32) -> vec4f {
  let x = (i - g) / sigma;
  let x2 = x * x;
  return g + sigma * (u.beta * x + (1.0 - u.beta) * x * inverseSqrt(1.0 + 0.5 * x2) + u.alpha * x * exp(-0.5 * x2));
}

// The group's levels k = first .. first + 3.
fn levels() -> vec4f {
  return u.first + vec4f(0.0, 1.0, 2.0, 3.0);
}

@compute @workgroup_size(8, 8)
fn remap_levels(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(remapped);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  let i = textureLoad(guide, id.xy, 0).r;
  textureStore(remapped, id.xy, remap(vec4f(i), grid.lo + levels() * grid.step, grid.sigma));
}

@compute @workgroup_size(8, 8)
fn accumulate(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(fine);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  // Hat weights: linear interpolation between the two levels nearest G_l[I] (the edge level outside the grid).
  let t = clamp((textureLoad(guide, id.xy, 0).r - grid.lo) / grid.step, 0.0, LEVELS - 1.0);
  let w = max(vec4f(0.0), 1.0 - abs(t - levels()));
  if (all(w == vec4f(0.0))) {
    return;
  }
  let band = textureLoad(fine, id.xy, 0) - pyr_expand(coarse, id.xy, dims);
  let i = id.y * dims.x + id.x;
  acc[i] = vec4f(acc[i].x + dot(w, band), 0.0, 0.0, 0.0);
}

@compute @workgroup_size(8, 8)
fn top(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(guide);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  acc[id.y * dims.x + id.x] = vec4f(textureLoad(guide, id.xy, 0).r, 0.0, 0.0, 0.0);
}

@compute @workgroup_size(8, 8)
fn finish(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(dst);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  let i = textureLoad(guide, id.xy, 0).r;
  // The two levels nearest I: k with weight 1 - f, k + 1 with weight f (the hat weights of accumulate).
  let t = clamp((i - grid.lo) / grid.step, 0.0, LEVELS - 1.0);
  let k = min(u32(t), u32(LEVELS) - 2u);
  let f = t - f32(k);
  let la = k / 4u;
  let lb = (k + 1u) / 4u;
  let ea = pyr_expand_layer(kept, id.xy, dims, la);
  var eb = ea;
  if (lb != la) {
    eb = pyr_expand_layer(kept, id.xy, dims, lb);
  }
  let r = remap(vec4f(i), grid.lo + (f32(k) + vec4f(0.0, 1.0, 0.0, 0.0)) * grid.step, grid.sigma);
  let band = (1.0 - f) * (r.x - ea[k % 4u]) + f * (r.y - eb[(k + 1u) % 4u]);
  let o = band + pyr_expand(coarse, id.xy, dims).r;
  let c = textureLoad(src, id.xy, 0);
  textureStore(dst, id.xy, vec4f(c.rgb * exp2(o - i), c.a));
}
