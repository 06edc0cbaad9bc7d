// Sub-pixel refinement of one bracket pair (target, moving) to a similarity:
// exposure-normalised grey pyramids (the moving bracket mapped onto the
// target's codes by a histogram-matching LUT, clipped pixels weighted out,
// Burt–Adelson reduce as normalised convolution), a ZNCC translation search,
// the overlap histograms the LUT is made from, and the per-row sums of the
// Gauss–Newton normal equations (Baker & Matthews, "Lucas-Kanade 20 Years On",
// IJCV 56(3), 2004). The CPU reference is src/engine/reference/align.ts
// (lkRaw, reduceRaw, lkFeatures, searchSums, overlapHistograms, lkSums); the
// small solves are TypeScript.
//
// Layouts (f32): raw = vec2f(v·w, w) per pixel, levels 0 .. coarsest, target
// side first then the moving side at pair.raw_side; features = vec4f(v, w', ∂x v,
// ∂y v) per pixel, levels finest .. coarsest, moving side at pair.feat_side.
// No barriers: every sum is a loop of one thread (a row, or a search
// candidate), finished in f64 by TypeScript.

// Threads per workgroup.
override WG: u32 = 64u;
// grey = (GREY_R r + GREY_G g + GREY_B b) >> 8 (reference GREY_WEIGHTS).
override GREY_R: u32;
override GREY_G: u32;
override GREY_B: u32;
// A pixel weighs in when grey ≥ CLIP_LO, no channel exceeds CLIP_HI and alpha ≥ 128 (reference lkValid).
override CLIP_LO: u32;
override CLIP_HI: u32;
// A feature counts only where its stencil's raw weights are all ≥ FULL_WEIGHT (reference LK_FULL_WEIGHT).
override FULL_WEIGHT: f32;
const BINS = 256u;
// f32 per row of normal-equation sums (reference SUMS) and per search candidate (SEARCH_SUMS).
const SUMS = 20u;
const SEARCH_SUMS = 8u;
// The 3×3 binomial prefilter of the features (reference blurRaw).
const BLUR3 = array<f32, 3>(0.25, 0.5, 0.25);

// One level of the refinement pyramid (Burt–Adelson sizes).
struct LkLevel {
  width: u32,
  height: u32,
  // Where the target side's level starts in `raw` (vec2f) and in `features` (vec4f; unused below the finest level).
  raw_offset: u32,
  feat_offset: u32,
}

// Per level: which level this dispatch works on.
struct Step {
  level: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

// Per call, written before each submission.
struct Call {
  // The warp of the level: u = c + A (x − c) + t, A = [[ca, −sb], [sb, ca]] (reference levelWarp).
  ca: f32,
  sb: f32,
  tx: f32,
  ty: f32,
  cx: f32,
  cy: f32,
  // The search: shifts base + (i, j), i, j ∈ [−radius, radius].
  radius: u32,
  // The first side prepare/reduce/features work on (dispatch y adds to it): 0 both, 1 the moving side only.
  first_side: u32,
  base: vec2i,
  // The overlap histograms' shift (full resolution).
  shift: vec2i,
  // The pair's layers, and the distance between the target and the moving side in raw and features.
  target_layer: u32,
  moving_layer: u32,
  raw_side: u32,
  feat_side: u32,
}

// This dispatch's level.
@group(0) @binding(0) var<uniform> step: Step;
// The call's warp, search window, shift and pair.
@group(0) @binding(1) var<uniform> call: Call;
// Every level's geometry (index = level).
@group(0) @binding(2) var<storage, read> levels: array<LkLevel>;
// The brackets (rgba8unorm, sRGB-encoded values).
@group(0) @binding(3) var brackets: texture_2d_array<f32>;
// Grey code → value: the target's 256 entries, then the moving bracket's.
@group(0) @binding(4) var<storage, read> lut: array<f32>;
// (v·w, w) per pixel, both sides, levels 0 .. coarsest.
@group(0) @binding(5) var<storage, read_write> raw: array<vec2f>;
// (v, w', ∂x v, ∂y v) per pixel, both sides, levels finest .. coarsest.
@group(0) @binding(6) var<storage, read_write> features: array<vec4f>;
// Per-row normal-equation sums, or per-candidate search sums.
@group(0) @binding(7) var<storage, read_write> sums: array<f32>;
// Overlap histograms: target 256 bins, then moving; cleared by the caller.
@group(0) @binding(8) var<storage, read_write> hist: array<atomic<u32>>;
// The blurred raw levels (v·w, w), finest .. coarsest, laid out as the features.
@group(0) @binding(9) var<storage, read_write> blurred: array<vec2f>;

var<workgroup> local_hist: array<atomic<u32>, 512>;

struct Pixel {
  grey: u32,
  valid: bool,
}

fn pixel(layer: u32, p: vec2u) -> Pixel {
  let q = vec4u(round(clamp(textureLoad(brackets, p, layer, 0), vec4f(0.0), vec4f(1.0)) * 255.0));
  let g = (GREY_R * q.r + GREY_G * q.g + GREY_B * q.b) >> 8u;
  return Pixel(g, g >= CLIP_LO && max(q.r, max(q.g, q.b)) <= CLIP_HI && q.a >= 128u);
}

// Level 0 of side first_side + wg.y (0: target, 1: moving) through its LUT.
@compute @workgroup_size(WG)
fn prepare(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let l = levels[0];
  let side = call.first_side + id.y;
  let layer = select(call.target_layer, call.moving_layer, side == 1u);
  let n = l.width * l.height;
  for (var i = id.x; i < n; i += nwg.x * WG) {
    let p = pixel(layer, vec2u(i % l.width, i / l.width));
    let w = select(0.0, 1.0, p.valid);
    raw[l.raw_offset + side * call.raw_side + i] = vec2f(lut[side * BINS + p.grey] * w, w);
  }
}

// Level step.level of side first_side + wg.y from the level above (lib/pyramid.wgsl's kernel and border).
@compute @workgroup_size(WG)
fn reduce(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let l = levels[step.level];
  let p = levels[step.level - 1u];
  let side = call.first_side + id.y;
  let src = p.raw_offset + side * call.raw_side;
  let n = l.width * l.height;
  for (var i = id.x; i < n; i += nwg.x * WG) {
    let c = vec2i(i32(i % l.width), i32(i / l.width)) * 2;
    var sum = vec2f(0.0);
    for (var j = -2; j <= 2; j++) {
      let y = u32(reflect101(c.y + j, i32(p.height)));
      var row = vec2f(0.0);
      for (var k = -2; k <= 2; k++) {
        row += PYR_KERNEL[k + 2] * raw[src + y * p.width + u32(reflect101(c.x + k, i32(p.width)))];
      }
      sum += PYR_KERNEL[j + 2] * row;
    }
    raw[l.raw_offset + side * call.raw_side + i] = sum;
  }
}

// The 3×3 binomial blur ([1 2 1]/4 each way, edges clamped) of level step.level's raw values, side
// first_side + wg.y, into `blurred` (laid out as the features).
@compute @workgroup_size(WG)
fn blur(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let l = levels[step.level];
  let side = call.first_side + id.y;
  let src = l.raw_offset + side * call.raw_side;
  let n = l.width * l.height;
  for (var i = id.x; i < n; i += nwg.x * WG) {
    let x = i32(i % l.width);
    let y = i32(i / l.width);
    var sum = vec2f(0.0);
    for (var j = -1; j <= 1; j++) {
      let yy = u32(clamp(y + j, 0, i32(l.height) - 1));
      var row = vec2f(0.0);
      for (var k = -1; k <= 1; k++) {
        row += BLUR3[k + 1] * raw[src + yy * l.width + u32(clamp(x + k, 0, i32(l.width) - 1))];
      }
      sum += BLUR3[j + 1] * row;
    }
    blurred[l.feat_offset + side * call.feat_side + i] = sum;
  }
}

fn value(b: vec2f) -> f32 {
  return select(0.0, b.x / b.y, b.y > 0.0);
}

// Features of level step.level, side first_side + wg.y, from the blurred level: v = vw / w, w' = 1 where the
// blurred weight is full at the pixel and its 4 neighbours (0 on the border), central differences.
@compute @workgroup_size(WG)
fn features_of(@builtin(global_invocation_id) id: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let l = levels[step.level];
  let side = call.first_side + id.y;
  let src = l.feat_offset + side * call.feat_side;
  let n = l.width * l.height;
  for (var i = id.x; i < n; i += nwg.x * WG) {
    let x = i % l.width;
    let y = i / l.width;
    let c = blurred[src + i];
    var f = vec4f(value(c), 0.0, 0.0, 0.0);
    if (x > 0u && y > 0u && x + 1u < l.width && y + 1u < l.height) {
      let e = blurred[src + i + 1u];
      let w = blurred[src + i - 1u];
      let s = blurred[src + i + l.width];
      let nn = blurred[src + i - l.width];
      let least = min(c.y, min(min(e.y, w.y), min(s.y, nn.y)));
      f.y = select(0.0, 1.0, least >= FULL_WEIGHT);
      f.z = 0.5 * (value(e) - value(w));
      f.w = 0.5 * (value(s) - value(nn));
    }
    features[src + i] = f;
  }
}

// Search sums at level step.level: one thread per candidate shift, row sums added into the total.
@compute @workgroup_size(WG)
fn search(@builtin(global_invocation_id) id: vec3u) {
  let side = 2u * call.radius + 1u;
  let c = id.x;
  if (c >= side * side) {
    return;
  }
  let l = levels[step.level];
  let s = call.base + vec2i(i32(c % side), i32(c / side)) - vec2i(i32(call.radius));
  let t = l.feat_offset;
  let m = l.feat_offset + call.feat_side;
  let w = i32(l.width);
  let h = i32(l.height);
  var total = array<f32, 6>();
  for (var y = max(0, -s.y); y < min(h, h - s.y); y++) {
    var row = array<f32, 6>();
    for (var x = max(0, -s.x); x < min(w, w - s.x); x++) {
      let a = features[t + u32(y * w + x)];
      let b = features[m + u32((y + s.y) * w + x + s.x)];
      let W = a.y * b.y;
      if (W > 0.0) {
        row[0] += W;
        row[1] += W * a.x;
        row[2] += W * a.x * a.x;
        row[3] += W * b.x;
        row[4] += W * b.x * b.x;
        row[5] += W * a.x * b.x;
      }
    }
    for (var k = 0; k < 6; k++) {
      total[k] += row[k];
    }
  }
  for (var k = 0u; k < 6u; k++) {
    sums[c * SEARCH_SUMS + k] = total[k];
  }
  sums[c * SEARCH_SUMS + 6u] = 0.0;
  sums[c * SEARCH_SUMS + 7u] = 0.0;
}

// Grey histograms of target and moving over the pixels valid in both at call.shift (full resolution, from the brackets).
@compute @workgroup_size(WG)
fn overlap_hist(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  for (var i = lid; i < 2u * BINS; i += WG) {
    atomicStore(&local_hist[i], 0u);
  }
  workgroupBarrier();
  let dims = textureDimensions(brackets);
  let n = dims.x * dims.y;
  for (var i = wg.x * WG + lid; i < n; i += nwg.x * WG) {
    let p = vec2i(i32(i % dims.x), i32(i / dims.x));
    let q = p + call.shift;
    if (q.x < 0 || q.y < 0 || q.x >= i32(dims.x) || q.y >= i32(dims.y)) {
      continue;
    }
    let a = pixel(call.target_layer, vec2u(p));
    let b = pixel(call.moving_layer, vec2u(q));
    if (a.valid && b.valid) {
      atomicAdd(&local_hist[a.grey], 1u);
      atomicAdd(&local_hist[BINS + b.grey], 1u);
    }
  }
  workgroupBarrier();
  for (var i = lid; i < 2u * BINS; i += WG) {
    let c = atomicLoad(&local_hist[i]);
    if (c > 0u) {
      atomicAdd(&hist[i], c);
    }
  }
}

// Normal-equation sums of level step.level under the call's warp: one thread per target row.
@compute @workgroup_size(WG)
fn accumulate(@builtin(global_invocation_id) id: vec3u) {
  let l = levels[step.level];
  let y = id.x;
  if (y >= l.height) {
    return;
  }
  let t = l.feat_offset;
  let m = l.feat_offset + call.feat_side;
  let lim = vec2f(f32(l.width - 1u), f32(l.height - 1u));
  var S = array<f32, SUMS>();
  for (var x = 0u; x < l.width; x++) {
    let a = features[t + y * l.width + x];
    if (a.y <= 0.0) {
      continue;
    }
    let xc = f32(x) - call.cx;
    let yc = f32(y) - call.cy;
    let u = vec2f(call.cx + call.ca * xc - call.sb * yc + call.tx, call.cy + call.sb * xc + call.ca * yc + call.ty);
    if (!(u.x >= 0.0 && u.y >= 0.0 && u.x <= lim.x && u.y <= lim.y)) {
      continue;
    }
    let x0 = min(u32(floor(u.x)), max(l.width, 2u) - 2u);
    let y0 = min(u32(floor(u.y)), max(l.height, 2u) - 2u);
    let fx = u.x - f32(x0);
    let fy = u.y - f32(y0);
    let x1 = min(x0 + 1u, l.width - 1u);
    let y1 = min(y0 + 1u, l.height - 1u);
    let f = (1.0 - fx) * (1.0 - fy) * features[m + y0 * l.width + x0] + fx * (1.0 - fy) * features[m + y0 * l.width + x1] +
      (1.0 - fx) * fy * features[m + y1 * l.width + x0] + fx * fy * features[m + y1 * l.width + x1];
    let W = a.y * f.y;
    if (W <= 0.0) {
      continue;
    }
    let e = f.x - a.x;
    // ESM (Benhimane & Malis 2004): the mean of both images' gradients.
    let g = 0.5 * (f.zw + a.zw);
    let J = vec4f(g.x * xc + g.y * yc, g.y * xc - g.x * yc, g.x, g.y);
    var k = 0u;
    for (var i = 0u; i < 4u; i++) {
      for (var j = i; j < 4u; j++) {
        S[k] += W * J[i] * J[j];
        k++;
      }
    }
    for (var i = 0u; i < 4u; i++) {
      S[10u + i] += W * J[i] * e;
    }
    S[14] += W;
    S[15] += W * e * e;
    S[16] += W * a.x;
    S[17] += W * a.x * a.x;
    S[18] += W * f.x;
    S[19] += W * f.x * f.x;
  }
  for (var k = 0u; k < SUMS; k++) {
    sums[y * SUMS + k] = S[k];
  }
}
