// Luminance reduction: log-average (Reinhard et al. 2002, eq. 1), min, max, the
// channel means and a log2-luminance histogram of the radiance map. Few workgroups, each striding
// over the image, then one workgroup folds their partials: barriers are what
// costs on software adapters. The CPU reference is src/engine/reference/stats.ts.
//
// Entry points, dispatched in this order:
//   partial_sums    G workgroups -> partials[G]
//   finish          1 workgroup  -> stats
//   histogram_bins  G workgroups -> histogram (cleared by the caller)

// FUSED: the input is exposure fusion output (sRGB-encoded, over 1 where the
// fusion overshot white, under 0 where it undershot black) and each pixel
// counts as 1 + its brightest channel as encoded (at least FUSED_FLOOR), in all
// three channels: a positive measure whose percentiles give both ends of what
// the finishing clips (the fusion's automatic look, engine/tonemap/auto-look.ts
// autoFusionLook; its log2 histogram spans about a stop, so its bins are fine).
override FUSED: bool = false;
// FUSED_FLOOR of src/engine/types.ts.
override FUSED_FLOOR: f32;
override LOG_DELTA: f32;
// Histogram bins; also the workgroup size.
override BINS: u32 = 256u;
const BIG = 3.0e38;

// The merged radiance map (the fused image with FUSED).
@group(0) @binding(0) var radiance: texture_2d<f32>;
// Per workgroup g: [2g] = (sum of ln L, min L, max L, unused), [2g+1] = (sum R, sum G, sum B, unused).
@group(0) @binding(1) var<storage, read_write> partials: array<vec4f>;
// The folded statistics.
@group(0) @binding(2) var<storage, read_write> stats: Stats;
// Pixel count per log2-luminance bin.
@group(0) @binding(3) var<storage, read_write> histogram: array<atomic<u32>>;

var<workgroup> red: array<vec4f, BINS>;
var<workgroup> sums: array<vec4f, BINS>;
var<workgroup> bins: array<atomic<u32>, BINS>;

fn pixel(i: u32, width: u32) -> vec3f {
  let c = textureLoad(radiance, vec2u(i % width, i / width), 0).rgb;
  if (FUSED) {
    return vec3f(max(FUSED_FLOOR, 1.0 + max(c.r, max(c.g, c.b))));
  }
  return c;
}

fn combine(a: vec4f, b: vec4f) -> vec4f {
  return vec4f(a.x + b.x, min(a.y, b.y), max(a.z, b.z), 0.0);
}

// Tree reduction of red[] and sums[] into their element 0.
fn reduce_workgroup(lid: u32) {
  for (var s = BINS / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      red[lid] = combine(red[lid], red[lid + s]);
      sums[lid] += sums[lid + s];
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(BINS)
fn partial_sums(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wg: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
) {
  let dims = textureDimensions(radiance);
  let n = dims.x * dims.y;
  var acc = vec4f(0.0, BIG, -BIG, 0.0);
  var sum = vec4f(0.0);
  for (var i = wg.x * BINS + lid; i < n; i += nwg.x * BINS) {
    let c = pixel(i, dims.x);
    let l = luminance(c);
    acc = combine(acc, vec4f(log(l + LOG_DELTA), l, l, 0.0));
    sum += vec4f(c, 0.0);
  }
  red[lid] = acc;
  sums[lid] = sum;
  workgroupBarrier();
  reduce_workgroup(lid);
  if (lid == 0u) {
    partials[2u * wg.x] = red[0];
    partials[2u * wg.x + 1u] = sums[0];
  }
}

@compute @workgroup_size(BINS)
fn finish(@builtin(local_invocation_index) lid: u32) {
  let dims = textureDimensions(radiance);
  var acc = vec4f(0.0, BIG, -BIG, 0.0);
  var sum = vec4f(0.0);
  for (var i = lid; i < arrayLength(&partials) / 2u; i += BINS) {
    acc = combine(acc, partials[2u * i]);
    sum += partials[2u * i + 1u];
  }
  red[lid] = acc;
  sums[lid] = sum;
  workgroupBarrier();
  reduce_workgroup(lid);
  if (lid == 0u) {
    let r = red[0];
    let count = f32(dims.x * dims.y);
    let lo = log2(max(r.y, LOG_DELTA));
    var hi = log2(max(r.z, LOG_DELTA));
    if (hi - lo < 1e-6) {
      hi = lo + 1.0;
    }
    let mean = sums[0].rgb / count;
    stats = Stats(exp(r.x / count), r.y, r.z, lo, hi, r.x, count, mean.r, mean.g, mean.b, 0.0, 0.0);
  }
}

@compute @workgroup_size(BINS)
fn histogram_bins(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wg: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
) {
  atomicStore(&bins[lid], 0u);
  workgroupBarrier();
  let dims = textureDimensions(radiance);
  let n = dims.x * dims.y;
  let lo = stats.hist_lo;
  let span = stats.hist_hi - lo;
  let top = f32(BINS - 1u);
  for (var i = wg.x * BINS + lid; i < n; i += nwg.x * BINS) {
    let l = luminance(pixel(i, dims.x));
    let b = clamp(floor((log2(max(l, LOG_DELTA)) - lo) / span * f32(BINS)), 0.0, top);
    atomicAdd(&bins[u32(b)], 1u);
  }
  workgroupBarrier();
  let c = atomicLoad(&bins[lid]);
  if (c > 0u) {
    atomicAdd(&histogram[lid], c);
  }
}
