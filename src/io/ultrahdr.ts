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
import { concatBytes } from './bytes';
import { jpegHeaderSegments, segment } from './exif-copy';

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

const XMP_NAMESPACE = 'http://ns.adobe.com/xap/1.0/\0';
const ISO_NAMESPACE = 'urn:iso:std:iso:ts:21496:-1\0';
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP2 = 0xe2;
const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
const startsWithText = (bytes: Uint8Array, text: string): boolean => bytes.length >= text.length && [...text].every((ch, i) => bytes[i] === ch.charCodeAt(0));

/** Numbers as XMP writes them: plain decimal, enough digits to round-trip a float. */
const num = (v: number): string => String(Number(v.toPrecision(9)));

function primaryXmp(gainMapLength: number): string {
  return [
    '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="hdr-studio">',
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '  <rdf:Description rdf:about=""',
    '    xmlns:Container="http://ns.google.com/photos/1.0/container/"',
    '    xmlns:Item="http://ns.google.com/photos/1.0/container/item/"',
    '    xmlns:hdrgm="http://ns.adobe.com/hdr-gain-map/1.0/"',
    '   hdrgm:Version="1.0">',
    '   <Container:Directory>',
    '    <rdf:Seq>',
    '     <rdf:li rdf:parseType="Resource">',
    '      <Container:Item Item:Semantic="Primary" Item:Mime="image/jpeg"/>',
    '     </rdf:li>',
    '     <rdf:li rdf:parseType="Resource">',
    `      <Container:Item Item:Semantic="GainMap" Item:Mime="image/jpeg" Item:Length="${gainMapLength}"/>`,
    '     </rdf:li>',
    '    </rdf:Seq>',
    '   </Container:Directory>',
    '  </rdf:Description>',
    ' </rdf:RDF>',
    '</x:xmpmeta>',
  ].join('\n');
}

function gainMapXmp(m: GainMapMetadata): string {
  return [
    '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="hdr-studio">',
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '  <rdf:Description rdf:about=""',
    '    xmlns:hdrgm="http://ns.adobe.com/hdr-gain-map/1.0/"',
    '   hdrgm:Version="1.0"',
    `   hdrgm:GainMapMin="${num(m.gainMapMin)}"`,
    `   hdrgm:GainMapMax="${num(m.gainMapMax)}"`,
    `   hdrgm:Gamma="${num(m.gamma)}"`,
    `   hdrgm:OffsetSDR="${num(m.offsetSdr)}"`,
    `   hdrgm:OffsetHDR="${num(m.offsetHdr)}"`,
    `   hdrgm:HDRCapacityMin="${num(m.hdrCapacityMin)}"`,
    `   hdrgm:HDRCapacityMax="${num(m.hdrCapacityMax)}"`,
    '   hdrgm:BaseRenditionIsHDR="False"/>',
    ' </rdf:RDF>',
    '</x:xmpmeta>',
  ].join('\n');
}

/** A rational n/d close to x, d a power of two as large as the 32-bit fields allow. */
function fraction(x: number, signed: boolean): [number, number] {
  const a = Math.abs(x);
  const bits = Math.max(0, Math.min(28, (signed ? 30 : 31) - Math.ceil(Math.log2(Math.max(a, 1)))));
  const d = 2 ** bits;
  return [Math.round(x * d), d];
}

/**
 * ISO 21496-1 metadata: versions (u16 0, 0), flags (use base colour space,
 * one channel), then numerator/denominator pairs, big-endian: base and
 * alternate HDR headroom (u32), gain map min and max (s32/u32), gamma
 * (u32/u32), base and alternate offsets (s32/u32).
 */
export function isoGainMapMetadata(m: GainMapMetadata): Uint8Array {
  const out = new Uint8Array(5 + 8 * 7);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 0); // minimum_version
  dv.setUint16(2, 0); // writer_version
  out[4] = 0x40; // use_base_colour_space; single channel; no common denominator
  let o = 5;
  const put = (x: number, signed: boolean): void => {
    const [nume, deno] = fraction(x, signed);
    if (signed) dv.setInt32(o, nume);
    else dv.setUint32(o, Math.max(0, nume));
    dv.setUint32(o + 4, deno);
    o += 8;
  };
  put(m.hdrCapacityMin, false); // base_hdr_headroom
  put(m.hdrCapacityMax, false); // alternate_hdr_headroom
  put(m.gainMapMin, true);
  put(m.gainMapMax, true);
  put(m.gamma, false);
  put(m.offsetSdr, true); // base_offset
  put(m.offsetHdr, true); // alternate_offset
  return out;
}

/** CIPA DC-007 MP index IFD for two images, big-endian, offsets from its TIFF header. */
function mpf(primarySize: number, gainMapSize: number, gainMapOffset: number): Uint8Array {
  const out = new Uint8Array(4 + 8 + 2 + 3 * 12 + 4 + 2 * 16);
  const dv = new DataView(out.buffer);
  out.set(latin1('MPF\0'), 0);
  const t = 4; // TIFF header
  dv.setUint16(t, 0x4d4d); // "MM"
  dv.setUint16(t + 2, 42);
  dv.setUint32(t + 4, 8); // first IFD
  let o = t + 8;
  dv.setUint16(o, 3);
  o += 2;
  // MPFVersion, UNDEFINED × 4, "0100"
  dv.setUint16(o, 0xb000);
  dv.setUint16(o + 2, 7);
  dv.setUint32(o + 4, 4);
  out.set(latin1('0100'), o + 8);
  o += 12;
  // NumberOfImages, LONG × 1
  dv.setUint16(o, 0xb001);
  dv.setUint16(o + 2, 4);
  dv.setUint32(o + 4, 1);
  dv.setUint32(o + 8, 2);
  o += 12;
  // MPEntry, UNDEFINED × 32, at offset 50
  const entries = 8 + 2 + 3 * 12 + 4;
  dv.setUint16(o, 0xb002);
  dv.setUint16(o + 2, 7);
  dv.setUint32(o + 4, 32);
  dv.setUint32(o + 8, entries);
  o += 12;
  dv.setUint32(o, 0);
  o += 4; // no next IFD
  // Primary: baseline MP primary image, JPEG.
  dv.setUint32(o, 0x00030000);
  dv.setUint32(o + 4, primarySize);
  dv.setUint32(o + 8, 0);
  o += 16;
  // Gain map: JPEG, no type.
  dv.setUint32(o, 0);
  dv.setUint32(o + 4, gainMapSize);
  dv.setUint32(o + 8, gainMapOffset);
  return out;
}

/** The segments and scan of a JPEG after SOI, leaving out the given APP segments. */
function jpegBody(jpeg: Uint8Array, keep: (marker: number, payload: Uint8Array) => boolean): { leadingApp0: Uint8Array[]; rest: Uint8Array[] } {
  const segments = jpegHeaderSegments(jpeg);
  const leadingApp0: Uint8Array[] = [];
  const rest: Uint8Array[] = [];
  let from = 2;
  let leading = true;
  for (const s of segments) {
    const end = s.offset + 4 + s.payload.length;
    if (leading && s.marker === APP0) {
      leadingApp0.push(jpeg.subarray(s.offset, end));
      from = end;
      continue;
    }
    leading = false;
    if (!keep(s.marker, s.payload)) {
      if (s.offset > from) rest.push(jpeg.subarray(from, s.offset));
      from = end;
    }
  }
  rest.push(jpeg.subarray(from));
  return { leadingApp0, rest };
}

const isExifOrXmp = (marker: number, p: Uint8Array): boolean => marker === APP1 && (startsWithText(p, 'Exif\0\0') || startsWithText(p, XMP_NAMESPACE));
const isMpfOrIso = (marker: number, p: Uint8Array): boolean => marker === APP2 && (startsWithText(p, 'MPF\0') || startsWithText(p, ISO_NAMESPACE));

/**
 * Lays out an Ultra HDR file from an encoded SDR JPEG and an encoded gain-map
 * JPEG. Any EXIF, XMP, MPF or ISO 21496-1 segments of the inputs are dropped;
 * `exif`, when given, becomes the primary image's EXIF, otherwise the SDR
 * JPEG's own EXIF is kept.
 */
export function assembleUltraHdr(primaryJpeg: Uint8Array, gainMapJpeg: Uint8Array, metadata: GainMapMetadata, exif: Uint8Array | null = null): Uint8Array {
  const ownExif = jpegHeaderSegments(primaryJpeg).find((s) => s.marker === APP1 && startsWithText(s.payload, 'Exif\0\0'));
  const exifPayload = exif ?? ownExif?.payload ?? null;
  if (exifPayload && !startsWithText(exifPayload, 'Exif\0\0')) throw new Error('EXIF payload must start with "Exif\\0\\0".');

  // Gain-map image first: its length goes into the primary's XMP and MPF.
  const gm = jpegBody(gainMapJpeg, (m, p) => !isExifOrXmp(m, p) && !isMpfOrIso(m, p));
  const gainMap = concatBytes([
    new Uint8Array([0xff, 0xd8]),
    ...gm.leadingApp0,
    segment(APP1, concatBytes([latin1(XMP_NAMESPACE), new TextEncoder().encode(gainMapXmp(metadata))])),
    segment(APP2, concatBytes([latin1(ISO_NAMESPACE), isoGainMapMetadata(metadata)])),
    ...gm.rest,
  ]);

  const pm = jpegBody(primaryJpeg, (m, p) => !isExifOrXmp(m, p) && !isMpfOrIso(m, p));
  const head = concatBytes([
    new Uint8Array([0xff, 0xd8]),
    ...pm.leadingApp0,
    ...(exifPayload ? [segment(APP1, exifPayload)] : []),
    segment(APP1, concatBytes([latin1(XMP_NAMESPACE), new TextEncoder().encode(primaryXmp(gainMap.length))])),
    segment(APP2, concatBytes([latin1(ISO_NAMESPACE), new Uint8Array(4)])), // versions only
  ]);
  const rest = concatBytes(pm.rest);
  const mpfSegmentLength = 4 + mpf(0, 0, 0).length;
  const primarySize = head.length + mpfSegmentLength + rest.length;
  // MP offsets count from the MPF TIFF header: 4 bytes marker + length, 4 bytes "MPF\0".
  const tiffHeaderAt = head.length + 8;
  const mpfSegment = segment(APP2, mpf(primarySize, gainMap.length, primarySize - tiffHeaderAt));
  return concatBytes([head, mpfSegment, rest, gainMap]);
}
