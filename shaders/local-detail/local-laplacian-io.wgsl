// Local detail, the input end of the fast local Laplacian filter (Aubry,
// Paris, Hasinoff, Kautz & Durand 2014) on log2 luminance: into the log domain,
// and the intensity grid. The filter itself, and the way back out (colour by
// ratio), is local-laplacian.wgsl; the CPU reference is
// src/engine/reference/local-detail.ts (its header has the maths).
//
// Entry points, in encode order:
//   log_luminance  GROUPS workgroups striding: I = log2(max(L, 2^floor)) into
//                  the guide pyramid's level 0 (r), and the extremes of I into ext
//   grid           one thread: ext -> the grid { lo, step, sigma }
//   copy           per pixel: dst = src (the identity settings, where a texture copy is not allowed)

// K, the levels of this filter.
override LEVELS: f32;
// The default K, which sets sigma_r (so that a larger K only refines).
override DEFAULT_LEVELS: f32;
override MAX_SPAN: f32;
override SIGMA_MIN: f32;
override MIN_STEP: f32;
override WORKGROUP: u32 = 256u;

// Level k of the grid sits at lo + k * step (log2 luminance); sigma is sigma_r.
struct Grid {
  lo: f32,
  step: f32,
  sigma: f32,
  pad: f32,
}

// The scene-linear radiance map (rgba32float).
@group(0) @binding(0) var src: texture_2d<f32>;
// Level 0 of the guide pyramid: I in r, zeros elsewhere.
@group(0) @binding(1) var log_out: texture_storage_2d<rgba32float, write>;
// Extremes of I as order-preserving u32 (see ordered()): [0] = ~min, [1] = max; cleared to 0 by the caller.
@group(0) @binding(2) var<storage, read_write> ext: array<atomic<u32>, 2>;
// The grid, read by local-laplacian.wgsl.
@group(0) @binding(3) var<storage, read_write> grid_out: Grid;
// The result of the identity settings (rgba32float, the size of src).
@group(0) @binding(4) var dst: texture_storage_2d<rgba32float, write>;
// x: log2 of the darkest luminance told apart (reference/local-detail.ts: LOG_FLOOR, DISPLAY_LOG_FLOOR).
@group(0) @binding(5) var<uniform> floor_log2: vec4f;

// f32 -> u32 with the same order (negatives flipped, positives above them).
fn ordered(f: f32) -> u32 {
  let b = bitcast<u32>(f);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

fn unordered(u: u32) -> f32 {
  return bitcast<f32>(select(~u, u & 0x7fffffffu, (u & 0x80000000u) != 0u));
}

@compute @workgroup_size(WORKGROUP)
fn log_luminance(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let dims = textureDimensions(src);
  let n = dims.x * dims.y;
  var lo = 3.0e38;
  var hi = -3.0e38;
  for (var i = gid.x; i < n; i += nwg.x * WORKGROUP) {
    let p = vec2u(i % dims.x, i / dims.x);
    let v = log2(max(luminance(textureLoad(src, p, 0).rgb), exp2(floor_log2.x)));
    textureStore(log_out, p, vec4f(v, 0.0, 0.0, 0.0));
    lo = min(lo, v);
    hi = max(hi, v);
  }
  if (lo <= hi) {
    atomicMax(&ext[0], ~ordered(lo));
    atomicMax(&ext[1], ordered(hi));
  }
}

@compute @workgroup_size(1)
fn grid() {
  let mn = unordered(~atomicLoad(&ext[0]));
  let mx = unordered(atomicLoad(&ext[1]));
  let lo = max(mn, mx - MAX_SPAN);
  let span = mx - lo;
  grid_out = Grid(lo, max(span / (LEVELS - 1.0), MIN_STEP), max(span / (DEFAULT_LEVELS - 1.0), SIGMA_MIN), 0.0);
}

@compute @workgroup_size(8, 8)
fn copy(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(dst);
  if (id.x >= dims.x || id.y >= dims.y) {
    return;
  }
  textureStore(dst, id.xy, textureLoad(src, id.xy, 0));
}
