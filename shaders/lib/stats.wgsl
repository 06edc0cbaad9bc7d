// Luminance statistics of the radiance map, written by luminance.wgsl and read
// by the tone mapper on the GPU (no round trip through the CPU).
struct Stats {
  log_avg: f32,   // exp(mean(ln(L + LOG_DELTA)))
  min_l: f32,
  max_l: f32,
  hist_lo: f32,   // log2 range of the histogram
  hist_hi: f32,
  sum_log: f32,
  count: f32,
  mean_r: f32,    // arithmetic means of the channels (Reinhard & Devlin 2005)
  mean_g: f32,
  mean_b: f32,
  _pad0: f32,
  _pad1: f32,
}
