// Display histogram: counts of the R, G, B bytes and of the encoded-value luma of
// the displayed 8-bit image, for the tone curve editor. Privatised histograms
// (one per workgroup in workgroup memory, merged into the global one with one
// atomicAdd per non-empty bin), as in WebGPU Fundamentals' "Compute Shaders:
// Image Histogram"; few workgroups stride over the image, since barriers are
// what costs on software adapters. The CPU reference, with the bin layout and
// the luma rounding, is src/engine/reference/histogram.ts.
//
// Output layout: 4 planes of 256 bins, R, G, B, then luma (plane * 256 + bin).
// The caller clears it first (encoder.clearBuffer).

// Threads per workgroup.
override WG: u32 = 256u;
const BINS = 256u;
const PLANES = 4u;
// Rec. 709 luma weights × 10000; they sum to 10000 (reference LUMA_WEIGHTS_1E4).
const LUMA_1E4 = vec3u(2126u, 7152u, 722u);

// The displayed image (rgba8unorm: sRGB-encoded values, read as v = byte / 255).
@group(0) @binding(0) var display: texture_2d<f32>;
// Pixel counts, PLANES × BINS, accumulated over all workgroups.
@group(0) @binding(1) var<storage, read_write> histogram: array<atomic<u32>>;

// This workgroup's counts, same layout.
var<workgroup> local_bins: array<atomic<u32>, PLANES * BINS>;

@compute @workgroup_size(WG)
fn main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wg: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
) {
  for (var i = lid; i < PLANES * BINS; i += WG) {
    atomicStore(&local_bins[i], 0u);
  }
  workgroupBarrier();
  let dims = textureDimensions(display);
  let n = dims.x * dims.y;
  for (var i = wg.x * WG + lid; i < n; i += nwg.x * WG) {
    let v = textureLoad(display, vec2u(i % dims.x, i / dims.x), 0).rgb;
    // The bytes back: v * 255 is within rounding of an integer.
    let q = vec3u(round(clamp(v, vec3f(0.0), vec3f(1.0)) * 255.0));
    // round(255 * dot(v, luma)) in integers, ties up: exact, as on the CPU.
    let luma = (dot(q, LUMA_1E4) + 5000u) / 10000u;
    atomicAdd(&local_bins[q.r], 1u);
    atomicAdd(&local_bins[BINS + q.g], 1u);
    atomicAdd(&local_bins[2u * BINS + q.b], 1u);
    atomicAdd(&local_bins[3u * BINS + luma], 1u);
  }
  workgroupBarrier();
  for (var i = lid; i < PLANES * BINS; i += WG) {
    let c = atomicLoad(&local_bins[i]);
    if (c > 0u) {
      atomicAdd(&histogram[i], c);
    }
  }
}
