// Ward's median threshold bitmaps (G. Ward, "Fast, Robust Image Registration
// for Compositing High Dynamic Range Photographs from Hand-Held Exposures",
// Journal of Graphics Tools 8(2), 2003) for every bracket at once: grey codes,
// a 2×2 box pyramid, a histogram and a median per bracket per level, threshold
// and exclusion bitmaps packed 32 pixels per u32, and the XOR/AND counts of the
// 9 candidate shifts per level (plus the identity), coarse to fine. The CPU
// reference, with every layout, is src/engine/reference/align.ts; integer
// maths throughout, so both sides agree bit for bit.
//
// Few workgroups stride over the data (workgroup barriers are what costs on
// software adapters); counts and histograms are privatised per workgroup and
// merged with one atomicAdd per non-zero entry.
//
// The pick of each level (least err, then the smallest move, then the lowest
// index) is replayed from the counts by every count dispatch, so the whole
// coarse-to-fine search runs without a readback.

// Threads per workgroup.
override WG: u32 = 64u;
// grey = (GREY_R r + GREY_G g + GREY_B b) >> 8 of the 8-bit codes (reference GREY_WEIGHTS).
override GREY_R: u32;
override GREY_G: u32;
override GREY_B: u32;
// Ward's exclusion band (reference MTB_EXCLUDE).
override EXCLUDE: u32;
const BINS = 256u;
// u32 per (level, layer) of counts: err, valid for 9 candidates and the identity (reference COUNT_STRIDE).
const COUNT_STRIDE = 20u;
const CANDIDATES = 10u;

// One MTB level (reference mtbSizes); layer k's data follows layer 0's at k × its size.
struct Level {
  width: u32,
  height: u32,
  // Packed grey words (4 pixels) per row, and where layer 0's level starts in `grey`.
  grey_words: u32,
  grey_offset: u32,
  // Bitmap words (32 pixels, vec2u: threshold, exclusion) per row, and where layer 0's level starts in `bitmaps`.
  bit_words: u32,
  bit_offset: u32,
  pad0: u32,
  pad1: u32,
}

struct Step {
  level: u32,
  layers: u32,
  levels: u32,
  pad: u32,
}

// Which level this dispatch works on, and the sizes of the whole job.
@group(0) @binding(0) var<uniform> step: Step;
// Every level's geometry.
@group(0) @binding(1) var<storage, read> level_info: array<Level>;
// The brackets (rgba8unorm, sRGB-encoded values).
@group(0) @binding(2) var brackets: texture_2d_array<f32>;
// Grey codes, 4 per u32 (byte b = pixel 4 j + b), every level and layer.
@group(0) @binding(3) var<storage, read_write> grey: array<u32>;
// Histograms, (level × layers + layer) × 256 bins; cleared by the caller.
@group(0) @binding(4) var<storage, read_write> hist: array<atomic<u32>>;
// Medians, level × layers + layer.
@group(0) @binding(5) var<storage, read_write> medians: array<u32>;
// Bitmaps, vec2u(threshold, exclusion) per 32 pixels, every level and layer.
@group(0) @binding(6) var<storage, read_write> bitmaps: array<vec2u>;
// Counts, (level × layers + layer) × COUNT_STRIDE; cleared by the caller.
@group(0) @binding(7) var<storage, read_write> counts: array<atomic<u32>>;
// The layer each layer is aligned to (itself: not aligned).
@group(0) @binding(8) var<storage, read> targets: array<u32>;

var<workgroup> local_hist: array<atomic<u32>, BINS>;
var<workgroup> local_counts: array<atomic<u32>, COUNT_STRIDE>;

fn grey_code(rgb: vec3f) -> u32 {
  let q = vec3u(round(clamp(rgb, vec3f(0.0), vec3f(1.0)) * 255.0));
  return (GREY_R * q.r + GREY_G * q.g + GREY_B * q.b) >> 8u;
}

// Grey code of pixel (x, y) of `layer` at level `l`.
fn grey_at(l: Level, layer: u32, x: u32, y: u32) -> u32 {
  let word = grey[l.grey_offset + layer * l.grey_words * l.height + y * l.grey_words + x / 4u];
  return (word >> (8u * (x % 4u))) & 255u;
}

fn clear_local_hist(lid: u32) {
  for (var i = lid; i < BINS; i += WG) {
    atomicStore(&local_hist[i], 0u);
  }
}

fn flush_local_hist(lid: u32, level: u32, layer: u32) {
  for (var i = lid; i < BINS; i += WG) {
    let c = atomicLoad(&local_hist[i]);
    if (c > 0u) {
      atomicAdd(&hist[(level * step.layers + layer) * BINS + i], c);
    }
  }
}

// Level 0 of layer wg.y: one packed word per iteration, and its histogram.
@compute @workgroup_size(WG)
fn grey_level0(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  clear_local_hist(lid);
  workgroupBarrier();
  let l = level_info[0];
  let layer = wg.y;
  let n = l.grey_words * l.height;
  for (var i = wg.x * WG + lid; i < n; i += nwg.x * WG) {
    let y = i / l.grey_words;
    let x0 = (i % l.grey_words) * 4u;
    var word = 0u;
    for (var b = 0u; b < 4u; b++) {
      let x = x0 + b;
      if (x < l.width) {
        let g = grey_code(textureLoad(brackets, vec2u(x, y), layer, 0).rgb);
        word |= g << (8u * b);
        atomicAdd(&local_hist[g], 1u);
      }
    }
    grey[l.grey_offset + layer * n + i] = word;
  }
  workgroupBarrier();
  flush_local_hist(lid, 0u, layer);
}

// Level step.level of layer wg.y from the level above: (a + b + c + d + 2) >> 2, and its histogram.
@compute @workgroup_size(WG)
fn shrink(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  clear_local_hist(lid);
  workgroupBarrier();
  let l = level_info[step.level];
  let p = level_info[step.level - 1u];
  let layer = wg.y;
  let n = l.grey_words * l.height;
  for (var i = wg.x * WG + lid; i < n; i += nwg.x * WG) {
    let y = i / l.grey_words;
    let x0 = (i % l.grey_words) * 4u;
    var word = 0u;
    for (var b = 0u; b < 4u; b++) {
      let x = x0 + b;
      if (x < l.width) {
        let sum = grey_at(p, layer, 2u * x, 2u * y) + grey_at(p, layer, 2u * x + 1u, 2u * y) + grey_at(p, layer, 2u * x, 2u * y + 1u) +
          grey_at(p, layer, 2u * x + 1u, 2u * y + 1u);
        let g = (sum + 2u) >> 2u;
        word |= g << (8u * b);
        atomicAdd(&local_hist[g], 1u);
      }
    }
    grey[l.grey_offset + layer * n + i] = word;
  }
  workgroupBarrier();
  flush_local_hist(lid, step.level, layer);
}

// Median of every (level, layer): the smallest code m with 2 · (pixels ≤ m) ≥ n.
@compute @workgroup_size(WG)
fn median(@builtin(global_invocation_id) id: vec3u) {
  let i = id.x;
  if (i >= step.levels * step.layers) {
    return;
  }
  var n = 0u;
  for (var v = 0u; v < BINS; v++) {
    n += atomicLoad(&hist[i * BINS + v]);
  }
  var cum = 0u;
  var m = BINS - 1u;
  for (var v = 0u; v < BINS; v++) {
    cum += atomicLoad(&hist[i * BINS + v]);
    if (2u * cum >= n) {
      m = v;
      break;
    }
  }
  medians[i] = m;
}

// Threshold and exclusion bitmaps of level step.level, layer wg.y: one 32-pixel word per iteration.
@compute @workgroup_size(WG)
fn bitmap(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let l = level_info[step.level];
  let layer = wg.y;
  let m = medians[step.level * step.layers + layer];
  let n = l.bit_words * l.height;
  for (var i = wg.x * WG + lid; i < n; i += nwg.x * WG) {
    let y = i / l.bit_words;
    let x0 = (i % l.bit_words) * 32u;
    var tb = 0u;
    var eb = 0u;
    for (var b = 0u; b < 32u; b++) {
      let x = x0 + b;
      if (x < l.width) {
        let g = grey_at(l, layer, x, y);
        if (g > m) {
          tb |= 1u << b;
        }
        if (g > m + EXCLUDE || g + EXCLUDE < m) {
          eb |= 1u << b;
        }
      }
    }
    bitmaps[l.bit_offset + layer * n + i] = vec2u(tb, eb);
  }
}

// (dx, dy) of candidate c < 9: index (dy + 1) · 3 + dx + 1.
fn candidate_offset(c: u32) -> vec2i {
  return vec2i(i32(c % 3u) - 1, i32(c / 3u) - 1);
}

// Ward's pick among the 9 candidates of a counts record.
fn pick(o: u32) -> u32 {
  var best = 4u;
  var best_err = atomicLoad(&counts[o + 8u]);
  for (var c = 0u; c < 9u; c++) {
    let e = atomicLoad(&counts[o + 2u * c]);
    let d = candidate_offset(c);
    let db = candidate_offset(best);
    if (e < best_err || (e == best_err && abs(d.x) + abs(d.y) < abs(db.x) + abs(db.y))) {
      best = c;
      best_err = e;
    }
  }
  return best;
}

// The base shift of `level` for `layer`: twice the pick of every coarser level, replayed from the counts.
fn base_shift(level: u32, layer: u32) -> vec2i {
  var s = vec2i(0);
  for (var l = step.levels - 1u; l > level; l--) {
    s = 2 * (s + candidate_offset(pick((l * step.layers + layer) * COUNT_STRIDE)));
  }
  return s;
}

// 32 bits of row `row` of a level's bitmaps starting at bit s (which may be negative); bits outside the row are 0.
fn window(l: Level, layer: u32, row: u32, s: i32) -> vec2u {
  let q = s >> 5u;
  let r = u32(s & 31);
  let base = l.bit_offset + layer * l.bit_words * l.height + row * l.bit_words;
  var lo = vec2u(0u);
  var hi = vec2u(0u);
  if (q >= 0 && q < i32(l.bit_words)) {
    lo = bitmaps[base + u32(q)];
  }
  if (q + 1 >= 0 && q + 1 < i32(l.bit_words)) {
    hi = bitmaps[base + u32(q + 1)];
  }
  if (r == 0u) {
    return lo;
  }
  return (lo >> vec2u(r)) | (hi << vec2u(32u - r));
}

// Counts of level step.level for the moving layer wg.y against its target.
@compute @workgroup_size(WG)
fn count(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  if (lid < COUNT_STRIDE) {
    atomicStore(&local_counts[lid], 0u);
  }
  workgroupBarrier();
  let l = level_info[step.level];
  let layer = wg.y;
  let t = targets[layer];
  let base = base_shift(step.level, layer);
  var acc: array<u32, COUNT_STRIDE>;
  let n = select(0u, l.bit_words * l.height, t != layer);
  for (var i = wg.x * WG + lid; i < n; i += nwg.x * WG) {
    let y = i / l.bit_words;
    let j = i % l.bit_words;
    let tw = bitmaps[l.bit_offset + t * n + i];
    for (var c = 0u; c < CANDIDATES; c++) {
      var s = vec2i(0);
      if (c < 9u) {
        s = base + candidate_offset(c);
      }
      let ym = i32(y) + s.y;
      if (ym < 0 || ym >= i32(l.height)) {
        continue;
      }
      let mw = window(l, layer, u32(ym), i32(32u * j) + s.x);
      let v = tw.y & mw.y;
      acc[2u * c] += countOneBits((tw.x ^ mw.x) & v);
      acc[2u * c + 1u] += countOneBits(v);
    }
  }
  for (var k = 0u; k < COUNT_STRIDE; k++) {
    if (acc[k] > 0u) {
      atomicAdd(&local_counts[k], acc[k]);
    }
  }
  workgroupBarrier();
  if (lid < COUNT_STRIDE && t != layer) {
    let c = atomicLoad(&local_counts[lid]);
    if (c > 0u) {
      atomicAdd(&counts[(step.level * step.layers + layer) * COUNT_STRIDE + lid], c);
    }
  }
}
