// Each bracket's exposure measured from its pixels, to check the EXIF ones
// against: the ratio of linearised values over the samples well exposed in
// two brackets, its median (robust to moving things and to the few pixels a
// handheld shift pairs wrongly), chained from the darkest bracket to the
// brightest. Pure, no DOM.
import { isWide } from '../engine/types';

export interface PixelImage {
  readonly width: number;
  readonly height: number;
  /** RGBA, 8 or 16 bits per sample. */
  readonly pixels: Uint8ClampedArray | Uint16Array;
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

function sample(img: PixelImage, linear: boolean, step: number): Sampled {
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
        lin[i] = linear ? code / 255 : wide ? srgbToLinear(code / 255) : SRGB_LUT[v]!;
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
 * well-exposed samples to be compared. `linear`: the codes are linear (else
 * sRGB-encoded).
 */
export function pixelEvs(images: readonly PixelImage[], linear: boolean): number[] | null {
  const first = images[0];
  if (!first || images.length < 2) return null;
  const step = Math.max(1, Math.round(Math.sqrt((first.width * first.height) / SAMPLES)));
  const sampled = images.map((img) => sample(img, linear, step));
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
 * The brackets whose EXIF exposure contradicts the pixels, or [] when they
 * agree. Neighbours in pixel brightness are compared: they contradict when
 * EXIF has them the other way round (each way by half a stop or more), or
 * when the steps differ by 1.5 stops or more and by more than a factor 2.5
 * either way. The factor lets a camera's own tone curve, or linear data read
 * as sRGB (which stretches every step about 2.2 times), through; a reversed
 * order, equal EXIF for frames stops apart, or stops claimed between
 * identical frames are caught. The brackets named are those off by half a
 * stop or more once the two scales are lined up (median offset); all of
 * them when none is.
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
    const inRatio = dExif > 0 && dPix >= 0.4 * dExif && dPix <= 2.5 * dExif;
    if (reversed || (Math.abs(dPix - dExif) >= 1.5 && !inRatio)) contradicts = true;
  }
  if (!contradicts) return [];
  const offset = median(exifEvs.map((e, i) => e - pixEvs[i]!));
  const odd = exifEvs.flatMap((e, i) => (Math.abs(e - pixEvs[i]! - offset) >= 0.5 ? [i] : []));
  return odd.length ? odd : exifEvs.map((_, i) => i);
}
