// Plain data shared by the engine, its CPU references and the tests.

/**
 * One decoded bracket: RGBA, row-major, no padding; 8-bit (0..255) or 16-bit
 * (0..65535, uploaded as rgba16float: see half.ts). The merge reads every
 * value as a fractional 8-bit code x · 255 on the chosen response (sRGB by
 * default; 'linear' for RAW and linear TIFF data).
 */
export interface Bracket {
  readonly width: number;
  readonly height: number;
  readonly pixels: BracketPixels;
  /**
   * Relative exposure, linear (t * ISO / N^2 up to a common factor). Brackets
   * handed to the engine are sorted darkest (smallest) to brightest.
   */
  readonly exposure: number;
}

/** A bracket's samples: bytes, or 16-bit values. All brackets of a set have the same kind. */
export type BracketPixels = Uint8Array | Uint8ClampedArray | Uint16Array;

/** Whether a bracket carries 16-bit samples. */
export const isWide = (pixels: BracketPixels): pixels is Uint16Array => pixels instanceof Uint16Array;

/** Luminance statistics of a radiance map (see reference/stats.ts). */
export interface LuminanceStats {
  /** exp(mean(ln(L + LOG_DELTA))) */
  readonly logAvg: number;
  readonly minL: number;
  readonly maxL: number;
  /** log2 range the histogram spans: [histLo, histHi] */
  readonly histLo: number;
  readonly histHi: number;
  /** Arithmetic means of the channels. */
  readonly meanR: number;
  readonly meanG: number;
  readonly meanB: number;
  /** 256 bins of log2(max(L, LOG_DELTA)) over [histLo, histHi]. */
  readonly histogram: Uint32Array;
}

/** Linear float RGBA image (radiance or display-linear), row-major. */
export interface FloatImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** Rec. 709 / sRGB luminance weights. */
export const LUMA = [0.2126, 0.7152, 0.0722] as const;
/** Added to luminance before the logarithm in the log-average. */
export const LOG_DELTA = 1e-6;
/** The least measure the luminance reduction's FUSED variant takes (1 + a fused pixel's brightest channel): keeps it positive for the log histogram. */
export const FUSED_FLOOR = 1e-3;
export const HIST_BINS = 256;

/** The most brackets one merge or fusion takes. */
export const MAX_BRACKETS = 16;

/** How the brackets become one picture: exposure fusion, or a radiance merge then tone mapping. */
export type Mode = 'fusion' | 'merge';
export const MODES: readonly Mode[] = ['fusion', 'merge'];

// The display histogram (shaders/histogram/histogram.wgsl; layout in reference/histogram.ts).
/** Bins per plane: one per 8-bit value. */
export const HISTOGRAM_BINS = 256;
/** Planes in the bins array, in this order. */
export const HISTOGRAM_PLANE = { r: 0, g: 1, b: 2, luma: 3 } as const;
export type HistogramPlane = keyof typeof HISTOGRAM_PLANE;
export const HISTOGRAM_PLANES = 4;
/** u32 entries of the whole array (4 planes × 256 bins). */
export const HISTOGRAM_LENGTH = HISTOGRAM_PLANES * HISTOGRAM_BINS;
/** Rec. 709 luma weights × 10000 (types.ts LUMA); shaders/histogram/histogram.wgsl repeats them as LUMA_1E4. */
export const LUMA_WEIGHTS_1E4 = [2126, 7152, 722] as const;
