// Histogram of the displayed image (8-bit, sRGB-encoded): the CPU reference for
// shaders/histogram/histogram.wgsl, in the spirit of WebGPU Fundamentals' computeHistogram.
// Unlike the luminance pass's log2 histogram of the radiance, this one counts the
// values the person sees, for the tone curve editor.
//
// Layout: HISTOGRAM_PLANES planes of HISTOGRAM_BINS u32 counts, one after the
// other (not interleaved): R at [0, 256), G at [256, 512), B at [512, 768) and
// luminance at [768, 1024); plane p, bin b is at p * 256 + b.
//
// Bins. A channel's bin is round(v * 255) with v the unorm value, i.e. its byte.
// Luminance is Rec. 709 weights applied to the *encoded* values (no
// linearisation; it is a display histogram, like a camera's):
//   luma bin = round(255 * dot(rgb_encoded, (0.2126, 0.7152, 0.0722)))
//            = round((2126 R + 7152 G + 722 B) / 10000)     with R, G, B the bytes
//            = floor((2126 R + 7152 G + 722 B + 5000) / 10000)
// computed in integers, so an exact tie (numerator ≡ 5000 mod 10000) rounds up
// and the GPU, which does the same integer maths, agrees bit for bit. The
// weights sum to 10000, so the bin is at most 255.

import { HISTOGRAM_BINS, HISTOGRAM_LENGTH, HISTOGRAM_PLANE, HISTOGRAM_PLANES, LUMA_WEIGHTS_1E4, type HistogramPlane } from '../../types';

export { HISTOGRAM_BINS, HISTOGRAM_LENGTH, HISTOGRAM_PLANE, HISTOGRAM_PLANES, LUMA_WEIGHTS_1E4, type HistogramPlane };

/** Luminance bin of one pixel from its R, G, B bytes (see the header). */
export function lumaBin(r: number, g: number, b: number): number {
  const [wr, wg, wb] = LUMA_WEIGHTS_1E4;
  return Math.floor((wr * r + wg * g + wb * b + 5000) / 10000);
}

/** An RGBA8 image, rows top to bottom, 4 bytes per pixel (alpha ignored). */
export interface Rgba8Image {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

/** The display histogram of an RGBA8 image (layout in the header). Throws when data is shorter than width × height × 4. */
export function displayHistogram(img: Rgba8Image): Uint32Array<ArrayBuffer> {
  const n = img.width * img.height;
  if (!Number.isInteger(n) || n < 0 || img.data.length < n * 4) {
    throw new RangeError(`displayHistogram: ${img.width}x${img.height} needs ${n * 4} bytes, got ${img.data.length}`);
  }
  const d = img.data;
  const out = new Uint32Array(HISTOGRAM_LENGTH);
  const G = HISTOGRAM_PLANE.g * HISTOGRAM_BINS;
  const B = HISTOGRAM_PLANE.b * HISTOGRAM_BINS;
  const L = HISTOGRAM_PLANE.luma * HISTOGRAM_BINS;
  for (let p = 0; p < n; p++) {
    const r = d[p * 4] ?? 0;
    const g = d[p * 4 + 1] ?? 0;
    const b = d[p * 4 + 2] ?? 0;
    out[r]!++;
    out[G + g]!++;
    out[B + b]!++;
    out[L + lumaBin(r, g, b)]!++;
  }
  return out;
}

/** The 256 counts of one plane (a view, not a copy). */
export function histogramPlane(bins: Uint32Array, plane: HistogramPlane): Uint32Array {
  const start = HISTOGRAM_PLANE[plane] * HISTOGRAM_BINS;
  return bins.subarray(start, start + HISTOGRAM_BINS);
}
