// Ultra HDR (JPEG with a gain map, Ultra HDR 1.1 / ISO 21496-1) export: the
// tone-mapped SDR picture is the ordinary JPEG every viewer shows, and a
// second JPEG, the gain map, tells HDR displays how much brighter each pixel
// may be. The gain map is computed here from the editor's own SDR result and
// its radiance map (hdrify's gain-map encoder tone-maps on its own and writes
// no ISO 21496-1 metadata), and the file is laid out as libultrahdr does:
//
//   primary:   SOI, [APP1 Exif], APP1 XMP (hdrgm:Version + Container
//              directory), APP2 ISO 21496-1 (version only), APP2 MPF, the
//              SDR JPEG's own segments and scan
//   gain map:  SOI, APP1 XMP (hdrgm parameters), APP2 ISO 21496-1 (full
//              metadata), the gain-map JPEG's own segments and scan
//
// Scale: the HDR rendition is display-linear with SDR white (sRGB 255) = 1.0.
// The radiance map is brought to that scale by `hdrScale`; by default the
// scale that leaves mid-tones (SDR linear luma 0.05..0.5) as bright as in the
// SDR picture (median ratio), so the gain map only lifts what the tone mapper
// compressed. Per pixel and channel
//   gain = log2((radiance·hdrScale + offsetHdr) / (sdrLinear + offsetSdr)),
// stored as round(255 · (gain − GainMapMin) / (GainMapMax − GainMapMin))
// (Gamma 1), and a reader rebuilds
//   hdr = (sdrLinear + offsetSdr) · 2^(GainMapMin + v·(GainMapMax − GainMapMin)) − offsetHdr.

import { encode as jpegJsEncode } from 'jpeg-js';
import type { FloatImage } from '../engine/types';
import { assembleUltraHdr } from './ultrahdr-container';

export const ULTRAHDR_EXTENSION = 'jpg';
export const ULTRAHDR_MIME = 'image/jpeg';

/** Gain-map parameters, log2 units where the format has them (as in the hdrgm XMP). */
export interface GainMapMetadata {
  /** log2 of the smallest and largest gain in the map. */
  readonly gainMapMin: number;
  readonly gainMapMax: number;
  readonly gamma: number;
  readonly offsetSdr: number;
  readonly offsetHdr: number;
  /** log2 display headroom where the map starts to apply, and where it applies fully. */
  readonly hdrCapacityMin: number;
  readonly hdrCapacityMax: number;
}

export interface GainMap {
  /** RGBA8 gain-map pixels (R = G = B when single-channel). */
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly metadata: GainMapMetadata;
  /** Factor that took the radiance map to SDR-white = 1. */
  readonly hdrScale: number;
}

export interface GainMapOptions {
  /** Radiance → HDR rendition (SDR white = 1.0). Default: mid-tone match, see the file header. */
  readonly hdrScale?: number;
  /** One gain per channel (default true) or one from luminance. */
  readonly multichannel?: boolean;
  /** Gain map resolution divisor, 1 (default) = full size. */
  readonly scale?: number;
  /**
   * Gains are clamped to ±this many stops (default 12) before the range is
   * taken, so one hot pixel or an infinity cannot spread the 8-bit steps.
   */
  readonly maxStops?: number;
  /** Offsets added before the ratio (default 1/64, Adobe's and libultrahdr's choice). */
  readonly offsetSdr?: number;
  readonly offsetHdr?: number;
}

export type JpegEncoder = (rgba: Uint8Array, width: number, height: number, quality: number) => Uint8Array | Promise<Uint8Array>;

export interface UltraHdrOptions extends GainMapOptions {
  /** Quality of the SDR JPEG, 1..100 (default 92). */
  readonly quality?: number;
  /** Quality of the gain-map JPEG (default 90). */
  readonly gainMapQuality?: number;
  /**
   * EXIF APP1 payload ("Exif\0\0" + TIFF) for the primary image, e.g.
   * adjustExif(extractExif(sourceJpeg), { width, height }) from exif-copy.ts.
   */
  readonly exif?: Uint8Array | null;
  /** JPEG encoder for both images (default jpeg-js, baseline 4:4:4). */
  readonly encodeJpeg?: JpegEncoder;
}

export interface UltraHdrResult {
  readonly bytes: Uint8Array;
  readonly metadata: GainMapMetadata;
  readonly hdrScale: number;
  readonly gainMapWidth: number;
  readonly gainMapHeight: number;
}

const LUMA_R = 0.2126;
const LUMA_G = 0.7152;
const LUMA_B = 0.0722;
const DEFAULT_OFFSET = 1 / 64;

let srgbLut: Float32Array | null = null;
/** sRGB 8-bit code → linear, 256 entries. */
function srgbToLinearLut(): Float32Array {
  if (!srgbLut) {
    srgbLut = new Float32Array(256);
    for (let i = 0; i < 256; i++) {
      const v = i / 255;
      srgbLut[i] = v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    }
  }
  return srgbLut;
}

/**
 * The factor taking radiance to the SDR picture's scale in the mid-tones:
 * median of sdrLuma / radianceLuma over pixels whose SDR luma is 0.05..0.5
 * (linear), on a sample of at most ~1M pixels. 1 when nothing qualifies.
 */
export function midtoneScale(sdr: Uint8Array, hdr: FloatImage): number {
  const lut = srgbToLinearLut();
  const n = hdr.width * hdr.height;
  const step = Math.max(1, Math.floor(n / 1_000_000));
  // Median through a histogram of log2 ratios, 1/256 stop per bin over ±64 stops.
  const BINS = 256 * 128;
  const hist = new Uint32Array(BINS);
  let count = 0;
  const d = hdr.data;
  for (let i = 0; i < n; i += step) {
    const p = i * 4;
    const ys = LUMA_R * lut[sdr[p]!]! + LUMA_G * lut[sdr[p + 1]!]! + LUMA_B * lut[sdr[p + 2]!]!;
    if (ys < 0.05 || ys > 0.5) continue;
    const yh = LUMA_R * d[p]! + LUMA_G * d[p + 1]! + LUMA_B * d[p + 2]!;
    if (!(yh > 0) || !Number.isFinite(yh)) continue;
    const bin = Math.round((Math.log2(ys / yh) + 64) * 256);
    if (bin < 0 || bin >= BINS) continue;
    hist[bin]!++;
    count++;
  }
  if (count === 0) return 1;
  let acc = 0;
  for (let b = 0; b < BINS; b++) {
    acc += hist[b]!;
    if (acc * 2 >= count) return 2 ** (b / 256 - 64);
  }
  return 1;
}

/**
 * Gain map of an SDR picture (RGBA8, sRGB) against its radiance map (linear
 * RGBA float, same size), quantised to 8 bits with Gamma 1.
 */
export function computeGainMap(sdr: Uint8Array, hdr: FloatImage, options: GainMapOptions = {}): GainMap {
  const { width, height } = hdr;
  const n = width * height;
  if (sdr.length < n * 4 || hdr.data.length < n * 4) throw new Error(`computeGainMap: SDR and HDR must both be ${width}×${height} RGBA.`);
  const scale = Math.max(1, Math.min(64, Math.floor(options.scale ?? 1)));
  const multichannel = options.multichannel ?? true;
  const offSdr = options.offsetSdr ?? DEFAULT_OFFSET;
  const offHdr = options.offsetHdr ?? DEFAULT_OFFSET;
  const hdrScale = options.hdrScale ?? midtoneScale(sdr, hdr);
  if (!(hdrScale > 0 && Number.isFinite(hdrScale))) throw new Error(`computeGainMap: bad hdrScale ${hdrScale}.`);
  const lut = srgbToLinearLut();
  const logSdr = lut.map((v) => Math.log2(v + offSdr));
  const mw = Math.ceil(width / scale);
  const mh = Math.ceil(height / scale);
  // log2 gains, averaged over each scale×scale block.
  const gains = new Float32Array(mw * mh * 3);
  const counts = scale > 1 ? new Uint16Array(mw * mh) : null;
  const d = hdr.data;
  const cap = options.maxStops ?? 12;
  const pos = (v: number): number => (v > 0 ? Math.min(v, 3.4e38) : 0);
  const clamp = (g: number): number => (g > cap ? cap : g < -cap ? -cap : g);
  for (let y = 0; y < height; y++) {
    const my = Math.floor(y / scale);
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      const m = my * mw + Math.floor(x / scale);
      const sr = lut[sdr[p]!]!;
      const sg = lut[sdr[p + 1]!]!;
      const sb = lut[sdr[p + 2]!]!;
      const hr = pos(d[p]!) * hdrScale;
      const hg = pos(d[p + 1]!) * hdrScale;
      const hb = pos(d[p + 2]!) * hdrScale;
      if (multichannel) {
        gains[m * 3]! += clamp(Math.log2(hr + offHdr) - logSdr[sdr[p]!]!);
        gains[m * 3 + 1]! += clamp(Math.log2(hg + offHdr) - logSdr[sdr[p + 1]!]!);
        gains[m * 3 + 2]! += clamp(Math.log2(hb + offHdr) - logSdr[sdr[p + 2]!]!);
      } else {
        const g = Math.log2((LUMA_R * hr + LUMA_G * hg + LUMA_B * hb + offHdr) / (LUMA_R * sr + LUMA_G * sg + LUMA_B * sb + offSdr));
        gains[m * 3]! += clamp(g);
      }
      if (counts) counts[m]!++;
    }
  }
  let gmin = Infinity;
  let gmax = -Infinity;
  const channels = multichannel ? 3 : 1;
  for (let m = 0; m < mw * mh; m++) {
    const k = counts ? counts[m]! : 1;
    for (let c = 0; c < channels; c++) {
      const g = gains[m * 3 + c]! / k;
      gains[m * 3 + c] = g;
      if (g < gmin) gmin = g;
      if (g > gmax) gmax = g;
    }
  }
  // A flat map still needs a range to divide by.
  if (!(gmax - gmin > 1 / 1024)) gmax = gmin + 1 / 1024;
  const inv = 255 / (gmax - gmin);
  const pixels = new Uint8Array(mw * mh * 4);
  for (let m = 0; m < mw * mh; m++) {
    for (let c = 0; c < 3; c++) {
      const g = gains[m * 3 + (multichannel ? c : 0)]!;
      pixels[m * 4 + c] = Math.max(0, Math.min(255, Math.round((g - gmin) * inv)));
    }
    pixels[m * 4 + 3] = 255;
  }
  const metadata: GainMapMetadata = {
    gainMapMin: gmin,
    gainMapMax: gmax,
    gamma: 1,
    offsetSdr: offSdr,
    offsetHdr: offHdr,
    hdrCapacityMin: 0,
    // Full gain once the display has the headroom of the largest boost.
    hdrCapacityMax: Math.max(gmax, 1 / 64),
  };
  return { pixels, width: mw, height: mh, metadata, hdrScale };
}

/**
 * Baseline JPEG of RGBA8 pixels with jpeg-js. jpeg-js returns a Node Buffer,
 * so where Buffer does not exist (browsers) a minimal Buffer.from stands in
 * for the duration of the (synchronous) call only.
 */
export function encodeJpegRgba(rgba: Uint8Array, width: number, height: number, quality: number): Uint8Array {
  const g = globalThis as { Buffer?: unknown };
  const shim = g.Buffer === undefined;
  if (shim) g.Buffer = { from: (a: ArrayLike<number>) => Uint8Array.from(a) };
  try {
    const { data } = jpegJsEncode({ data: rgba, width, height }, quality);
    return new Uint8Array(data);
  } finally {
    if (shim) delete g.Buffer;
  }
}

/**
 * Encodes an Ultra HDR JPEG from the SDR result (RGBA8, sRGB) and the
 * radiance map it was tone-mapped from (same size).
 */
export async function encodeUltraHdr(sdr: Uint8Array, hdr: FloatImage, options: UltraHdrOptions = {}): Promise<UltraHdrResult> {
  const encode = options.encodeJpeg ?? encodeJpegRgba;
  const map = computeGainMap(sdr, hdr, options);
  const primary = await encode(sdr, hdr.width, hdr.height, options.quality ?? 92);
  const gainMap = await encode(map.pixels, map.width, map.height, options.gainMapQuality ?? 90);
  const bytes = assembleUltraHdr(primary, gainMap, map.metadata, options.exif ?? null);
  return { bytes, metadata: map.metadata, hdrScale: map.hdrScale, gainMapWidth: map.width, gainMapHeight: map.height };
}
