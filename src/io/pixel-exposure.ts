// Each bracket's exposure measured from its pixels, to check the EXIF ones
// against: the ratio of linearised values over the samples well exposed in
// two brackets, its median (robust to moving things and to the few pixels a
// handheld shift pairs wrongly), chained from the darkest bracket to the
// brightest. Pure, no DOM.
import type { ResponseLuts } from '../engine/merge/response';
import { isWide, type BracketPixels } from '../engine/types';

export interface PixelImage {
  readonly width: number;
  readonly height: number;
  /** RGBA, 8 or 16 bits per sample. */
  readonly pixels: BracketPixels;
}

/** Codes (of 255) a sample must lie between in both brackets to count: clear of noise and of clipping. */
const LOW = 25;
const HIGH = 235;
/** About this many pixels are sampled per bracket (a grid), three channels each. */
const SAMPLES = 40_000;

const srgbToLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);

interface Sampled {
  readonly lin: Float32Array;
  readonly good: Uint8Array;
  readonly meanCode: number;
}

/** Linear value of each 8-bit code, sRGB-encoded. */
const SRGB_LUT = Float32Array.from({ length: 256 }, (_, z) => srgbToLinear(z / 255));

/** Linear value of a (fractional) code in [0, 255] by a response table, linear between entries. */
function lookup(lut: ArrayLike<number>, code: number): number {
  const i = Math.min(254, Math.floor(code));
  return lut[i]! + (lut[i + 1]! - lut[i]!) * (code - i);
}

/** How codes are read: linear (code / 255), sRGB, or by a camera response's tables. */
export type CodeReading = boolean | ResponseLuts;

function sample(img: PixelImage, reading: CodeReading, step: number): Sampled {
  const linear = reading === true;
  const luts = typeof reading === 'boolean' ? null : reading;
  const { width, height, pixels } = img;
  const wide = isWide(pixels);
  const cols = Math.ceil((width - (step >> 1)) / step);
  const rows = Math.ceil((height - (step >> 1)) / step);
  const lin = new Float32Array(Math.max(0, cols * rows * 3));
  const good = new Uint8Array(lin.length);
  let sum = 0;
  let i = 0;
  for (let y = step >> 1; y < height; y += step) {
    for (let x = step >> 1; x < width; x += step) {
      const p = (y * width + x) * 4;
      for (let c = 0; c < 3; c++, i++) {
        const v = pixels[p + c]!;
        const code = wide ? v / 257 : v;
        sum += code;
        lin[i] = luts ? lookup(luts[c]!, code) : linear ? code / 255 : wide ? srgbToLinear(code / 255) : SRGB_LUT[v]!;
        good[i] = code >= LOW && code <= HIGH ? 1 : 0;
      }
    }
  }
  return { lin, good, meanCode: sum / Math.max(1, lin.length) };
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const m = values.length >> 1;
  return values.length % 2 ? values[m]! : (values[m - 1]! + values[m]!) / 2;
}

/** Stops from a to b, or null when too few samples are well exposed in both. */
function pairEv(a: Sampled, b: Sampled): number | null {
  const logs: number[] = [];
  for (let i = 0; i < a.lin.length; i++) if (a.good[i] && b.good[i]) logs.push(Math.log2(b.lin[i]! / a.lin[i]!));
  if (logs.length < Math.max(50, 0.005 * a.lin.length)) return null;
  return median(logs);
}

/**
 * Each bracket's EV relative to the darkest (0), measured from the pixels
 * (same order as `images`, which must share one size); null for fewer than
 * two brackets or when two neighbours in brightness share too few
 * well-exposed samples to be compared. `reading`: true for linear codes,
 * false for sRGB-encoded ones, or a camera response's tables (recovered).
 */
export function pixelEvs(images: readonly PixelImage[], reading: CodeReading): number[] | null {
  const first = images[0];
  if (!first || images.length < 2) return null;
  const step = Math.max(1, Math.round(Math.sqrt((first.width * first.height) / SAMPLES)));
  const sampled = images.map((img) => sample(img, reading, step));
  const order = sampled.map((_, i) => i).sort((i, j) => sampled[i]!.meanCode - sampled[j]!.meanCode);
  const evs = new Array<number>(images.length).fill(0);
  for (let k = 1; k < order.length; k++) {
    const a = order[k - 1]!;
    const b = order[k]!;
    const d = pairEv(sampled[a]!, sampled[b]!);
    if (d === null) return null;
    evs[b] = evs[a]! + d;
  }
  const min = Math.min(...evs);
  return evs.map((e) => Math.round((e - min) * 100) / 100);
}

/**
 * The brackets whose EXIF exposure contradicts the pixels in ORDER, or []
 * when the order agrees. EXIF comes first: a camera's shutter times are
 * right to a few percent, while the pixel estimate is read through an
 * assumed response and bent by the camera's own tone curve and by clipping,
 * so steps that differ in size (+3.0 EV by EXIF, +2.3 by the pixels) say the
 * assumed response is wrong, not the EXIF; that is checked again once the
 * response is recovered (exifAfterRecovery). Neighbours in pixel brightness
 * are compared, and only these are contradictions: EXIF has them the other
 * way round (each way by half a stop or more), equal EXIF (within a quarter
 * stop) for frames a stop or more apart (aperture bracketing with a manual
 * lens), or a stop or more claimed between identical frames (within a tenth).
 * The brackets named are those off by half a stop or more once the two
 * scales are lined up (median offset); all of them when none is.
 */
export function exifContradictions(exifEvs: readonly number[], pixEvs: readonly number[]): number[] {
  const order = pixEvs.map((_, i) => i).sort((i, j) => pixEvs[i]! - pixEvs[j]!);
  let contradicts = false;
  for (let k = 1; k < order.length; k++) {
    const a = order[k - 1]!;
    const b = order[k]!;
    const dPix = pixEvs[b]! - pixEvs[a]!;
    const dExif = exifEvs[b]! - exifEvs[a]!;
    const reversed = dExif <= -0.5 && dPix >= 0.5;
    const flatExif = Math.abs(dExif) < 0.25 && dPix >= 1;
    const flatPixels = Math.abs(dExif) >= 1 && dPix < 0.1;
    if (reversed || flatExif || flatPixels) contradicts = true;
  }
  return contradicts ? offBrackets(exifEvs, pixEvs, 0.5, true) : [];
}

/** Brackets whose EXIF and pixel EVs differ by `tolerance` stops or more once the scales are lined up (median offset); all of them when none is and `allIfNone`. */
function offBrackets(exifEvs: readonly number[], pixEvs: readonly number[], tolerance: number, allIfNone: boolean): number[] {
  const offset = median(exifEvs.map((e, i) => e - pixEvs[i]!));
  const odd = exifEvs.flatMap((e, i) => (Math.abs(e - pixEvs[i]! - offset) >= tolerance ? [i] : []));
  return odd.length || !allIfNone ? odd : exifEvs.map((_, i) => i);
}

/** Stops between EXIF and pixels (read through the recovered response) from which a bracket's EXIF is reported as suspect. */
export const RECOVERED_TOLERANCE_EV = 0.5;

/**
 * The brackets whose EXIF exposure still disagrees with the pixels once they
 * are read through the camera response recovered from the set (pixelEvs with
 * its tables): by RECOVERED_TOLERANCE_EV or more after lining up the scales.
 * The recovery fits the curve to the EXIF exposures, so a consistent set
 * agrees to a tenth or two; what survives points at a file (a bracket whose
 * EXIF was rewritten, a frame from another sequence). [] when all agree.
 */
export function exifAfterRecovery(exifEvs: readonly number[], recoveredEvs: readonly number[]): number[] {
  return offBrackets(exifEvs, recoveredEvs, RECOVERED_TOLERANCE_EV, false);
}
