// The HDR display preview (present.wgsl with HDR): what an rgba16float canvas
// with extended tone mapping shows of one region. Values are linear extended
// sRGB, SDR white = 1.0.
//
//   sdr  = srgbToLinear(display / 255)                 the SDR picture, decoded
//   in   = source (radiance), or srgbToLinear(source) (fusion: sRGB-encoded)
//   k    = 2^mean(log2(Y(sdr) / Y(in)))   over the MIDTONE_GRID² grid samples
//          with MIDTONE_LO ≤ Y(sdr) ≤ MIDTONE_HI and Y(in) > 0, each log2
//          clamped to ±MIDTONE_MAX_STOPS; k = 0 (no lift) where none qualifies
//   sdr⁺ = srgbToLinear((display + ½) / 255)           the top of each code
//   gain = clamp(k·Y(in) / Y(sdr⁺), 1, HDR_HEADROOM)
//   out  = sdr · gain
// (against sdr⁺ so that quantisation alone never lifts a pixel).
//
// k puts the input on the SDR picture's scale in the mid-tones, whatever
// global factor the tone mapper applied first (exposure, log-average, key).
// Tone mappers compress the more the brighter the input, so Y(k·in)/Y(sdr)
// rises with brightness: below the band's middle it is under 1 and the gain
// is exactly 1 (the SDR picture), above it the gain grows with what the tone
// mapper took away. The fused image has nothing above white but what the
// fusion pushed over 1 and the finishing clamp cut, which is all it lifts.

import type { FloatImage } from '../../types';
import { clamp, luminance, srgbToLinear } from '../../reference/color';

/** Most the HDR preview lifts a pixel above its SDR value (3 stops); the display clips below that if it must. */
export const HDR_HEADROOM = 8;
/** The band of SDR display-linear luminance that sets k: middle grey to half of white. */
export const MIDTONE_LO = 0.18;
export const MIDTONE_HI = 0.5;
/** k is measured on MIDTONE_GRID × MIDTONE_GRID samples at the cell centres. */
export const MIDTONE_GRID = 64;
export const MIDTONE_MAX_STOPS = 16;

/** An RGBA8 image, sRGB-encoded. */
export interface Rgba8Image {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

const decoded = (v: number) => srgbToLinear(v / 255);

/** The tone mapper's input at pixel i, linear. */
function inputLinear(source: FloatImage, i: number, encoded: boolean): [number, number, number] {
  const d = source.data;
  const c = [d[i * 4]!, d[i * 4 + 1]!, d[i * 4 + 2]!].map((v) => Math.max(v, 0));
  return (encoded ? c.map(srgbToLinear) : c) as [number, number, number];
}

/** k of the header (0: no sample in the band) and the number of samples it came from. */
export function midtoneScale(display: Rgba8Image, source: FloatImage, encoded: boolean): { k: number; samples: number } {
  const { width, height } = display;
  let sum = 0;
  let samples = 0;
  for (let t = 0; t < MIDTONE_GRID; t++) {
    for (let i = 0; i < MIDTONE_GRID; i++) {
      const x = Math.floor(((i + 0.5) * width) / MIDTONE_GRID);
      const y = Math.floor(((t + 0.5) * height) / MIDTONE_GRID);
      const p = y * width + x;
      const d = display.data;
      const ySdr = luminance(decoded(d[p * 4]!), decoded(d[p * 4 + 1]!), decoded(d[p * 4 + 2]!));
      const yIn = luminance(...inputLinear(source, p, encoded));
      if (ySdr >= MIDTONE_LO && ySdr <= MIDTONE_HI && yIn > 0) {
        sum += clamp(Math.log2(ySdr / yIn), -MIDTONE_MAX_STOPS, MIDTONE_MAX_STOPS);
        samples++;
      }
    }
  }
  return { k: samples > 0 ? 2 ** (sum / samples) : 0, samples };
}

/** The gain of one pixel: display RGB bytes, the tone mapper's input (linear), and k. */
export function hdrGain(display: readonly [number, number, number], input: readonly [number, number, number], k: number): number {
  if (!(k > 0)) return 1;
  const top = (v: number) => decoded(v + 0.5);
  const yTop = luminance(top(display[0]), top(display[1]), top(display[2]));
  return clamp((k * luminance(input[0], input[1], input[2])) / yTop, 1, HDR_HEADROOM);
}

/**
 * The HDR preview of a region: display (RGBA8, the finished SDR picture) and
 * source (the tone mapper's input, same size; sRGB-encoded when encoded) →
 * linear extended sRGB RGBA (alpha 1), with the k it used.
 */
export function hdrPresent(display: Rgba8Image, source: FloatImage, encoded: boolean): { image: FloatImage; k: number; samples: number } {
  const { width, height } = display;
  if (source.width !== width || source.height !== height) throw new Error('hdrPresent: display and source must have the same size.');
  const { k, samples } = midtoneScale(display, source, encoded);
  const data = new Float32Array(width * height * 4);
  const d = display.data;
  for (let p = 0; p < width * height; p++) {
    const rgb = [d[p * 4]!, d[p * 4 + 1]!, d[p * 4 + 2]!] as const;
    const gain = hdrGain(rgb, inputLinear(source, p, encoded), k);
    data.set([decoded(rgb[0]) * gain, decoded(rgb[1]) * gain, decoded(rgb[2]) * gain, 1], p * 4);
  }
  return { image: { width, height, data }, k, samples };
}
