// Test-only readers for the HDR downloads, shared by the unit tests
// (src/io/*.test.ts, Vitest) and the e2e specs (Playwright, Node side). Each
// is written from the format's own description and shares no code with the
// writers in src/io/: OpenEXR from the file layout document, Radiance RGBE
// after Radiance's color.c / Walter's rgbe.c, Ultra HDR from the Ultra HDR
// 1.1 format description, CIPA DC-007 (MPF) and ISO 21496-1's metadata
// syntax. Node only (zlib, jpeg-js); never imported by the app. Structural
// problems throw, so both test runners report them.
import { inflateSync } from 'node:zlib';
import { decode as jpegDecode } from 'jpeg-js';

function check(cond: boolean, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

// ---------------------------------------------------------------- OpenEXR

export interface ExrChannelInfo {
  name: string;
  pixelType: number;
}

export interface ExrFile {
  attributes: Map<string, { type: string; value: Uint8Array }>;
  channels: ExrChannelInfo[];
  compression: number;
  width: number;
  height: number;
  /** The first row the planes hold (0 unless readExr was asked for some rows). */
  firstRow: number;
  /** name → the samples of the rows read (all: width·height), row by row from firstRow */
  planes: Map<string, Float32Array>;
}

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * Single-part scan-line OpenEXR, HALF or FLOAT channels, NONE or ZIP compression.
 * rows [y0, y1): decode only the blocks that hold those rows, and keep only
 * them (a file too big to decode whole); every block's line number and size
 * are checked all the same.
 */
export function readExr(bytes: Uint8Array, rows?: readonly [number, number]): ExrFile {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  check(dv.getUint32(0, true) === 20000630, 'EXR: bad magic number');
  const version = dv.getUint32(4, true);
  check((version & 0xff) === 2, `EXR: version ${version & 0xff}, expected 2`);
  check((version & ~0xff) === 0, 'EXR: tiled, deep, multi-part or long-name files are not read here');
  let o = 8;
  const cstr = (): string => {
    let s = '';
    while (bytes[o] !== 0) s += String.fromCharCode(bytes[o++]!);
    o++;
    return s;
  };
  const attributes = new Map<string, { type: string; value: Uint8Array }>();
  for (;;) {
    const name = cstr();
    if (name === '') break;
    const type = cstr();
    const size = dv.getUint32(o, true);
    o += 4;
    attributes.set(name, { type, value: bytes.subarray(o, o + size) });
    o += size;
  }
  const attr = (name: string): { type: string; value: Uint8Array } => {
    const a = attributes.get(name);
    if (!a) throw new Error(`EXR: missing ${name}`);
    return a;
  };
  const channels: ExrChannelInfo[] = [];
  const cl = attr('channels').value;
  for (let p = 0; cl[p] !== 0;) {
    let name = '';
    while (cl[p] !== 0) name += String.fromCharCode(cl[p++]!);
    p++;
    const cdv = new DataView(cl.buffer, cl.byteOffset + p, 16);
    channels.push({ name, pixelType: cdv.getInt32(0, true) });
    check(cdv.getInt32(8, true) === 1 && cdv.getInt32(12, true) === 1, `EXR: channel ${name} is subsampled`);
    p += 16;
  }
  const compression = attr('compression').value[0]!;
  check(compression === 0 || compression === 3, `EXR: compression ${compression} is not NONE or ZIP`);
  const dw = attr('dataWindow').value;
  const dwv = new DataView(dw.buffer, dw.byteOffset, 16);
  const [x0, y0, x1, y1] = [0, 4, 8, 12].map((k) => dwv.getInt32(k, true)) as [number, number, number, number];
  const width = x1 - x0 + 1;
  const height = y1 - y0 + 1;
  const linesPerBlock = compression === 3 ? 16 : 1;
  const blocks = Math.ceil(height / linesPerBlock);
  const [r0, r1] = rows ?? [0, height];
  check(r0 >= 0 && r1 <= height && r0 < r1, `EXR: rows ${r0}..${r1} are not within 0..${height}`);
  const planes = new Map(channels.map((c) => [c.name, new Float32Array(width * (r1 - r0))] as const));
  const sampleBytes = (c: ExrChannelInfo): number => (c.pixelType === 1 ? 2 : 4);
  const lineBytes = channels.reduce((a, c) => a + sampleBytes(c) * width, 0);
  for (let b = 0; b < blocks; b++) {
    const at = Number(dv.getBigUint64(o + b * 8, true));
    const y = dv.getInt32(at, true) - y0;
    const size = dv.getUint32(at + 4, true);
    check(y === b * linesPerBlock, `EXR: block ${b} starts at line ${y}, expected ${b * linesPerBlock}`);
    check(at + 8 + size <= bytes.length, `EXR: block ${b} runs past the end of the file`);
    const lines = Math.min(linesPerBlock, height - y);
    if (y + lines <= r0 || y >= r1) continue;
    const rawSize = lines * lineBytes;
    let raw = bytes.subarray(at + 8, at + 8 + size);
    if (compression === 3 && size < rawSize) {
      const t = new Uint8Array(inflateSync(raw));
      check(t.length === rawSize, `EXR: block ${b} inflates to ${t.length} bytes, expected ${rawSize}`);
      for (let i = 1; i < t.length; i++) t[i] = (t[i - 1]! + t[i]! - 128) & 0xff;
      const u = new Uint8Array(t.length);
      const half = (t.length + 1) >> 1;
      for (let i = 0; i < t.length; i++) u[i] = i % 2 === 0 ? t[i / 2]! : t[half + (i - 1) / 2]!;
      raw = u;
    }
    check(raw.length === rawSize, `EXR: block ${b} holds ${raw.length} bytes, expected ${rawSize}`);
    const rdv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    let p = 0;
    for (let ly = 0; ly < lines; ly++) {
      const row = y + ly - r0;
      for (const c of channels) {
        if (row < 0 || row >= r1 - r0) {
          p += sampleBytes(c) * width;
          continue;
        }
        const plane = planes.get(c.name)!;
        for (let x = 0; x < width; x++) {
          plane[row * width + x] = c.pixelType === 1 ? halfToFloat(rdv.getUint16(p, true)) : rdv.getFloat32(p, true);
          p += sampleBytes(c);
        }
      }
    }
  }
  return { attributes, channels, compression, width, height, firstRow: r0, planes };
}

// ---------------------------------------------------------- Radiance RGBE

/**
 * Header lines up to a blank line, the resolution string, then scan lines
 * either "new" RLE (2, 2, width) or flat RGBE; value = mantissa · 2^(e − 136).
 * rgb: three floats per pixel.
 */
export function readRadiance(bytes: Uint8Array): { width: number; height: number; rgb: Float32Array; header: string[] } {
  let o = 0;
  const line = (): string => {
    let s = '';
    while (bytes[o] !== 0x0a) {
      check(o < bytes.length, 'RGBE: header runs past the end');
      s += String.fromCharCode(bytes[o++]!);
    }
    o++;
    return s;
  };
  const header: string[] = [];
  for (let l = line(); l !== ''; l = line()) header.push(l);
  const m = /^-Y (\d+) \+X (\d+)$/.exec(line());
  if (!m) throw new Error('RGBE: bad resolution line');
  const height = Number(m[1]);
  const width = Number(m[2]);
  const rgb = new Float32Array(width * height * 3);
  const scan = new Uint8Array(width * 4);
  for (let y = 0; y < height; y++) {
    if (width >= 8 && width < 32768 && bytes[o] === 2 && bytes[o + 1] === 2 && ((bytes[o + 2]! << 8) | bytes[o + 3]!) === width) {
      o += 4;
      for (let c = 0; c < 4; c++) {
        for (let x = 0; x < width;) {
          let n = bytes[o++]!;
          if (n > 128) {
            n -= 128;
            const v = bytes[o++]!;
            for (let k = 0; k < n; k++) scan[x++ * 4 + c] = v;
          } else {
            check(n > 0, `RGBE: zero-length run in line ${y}`);
            for (let k = 0; k < n; k++) scan[x++ * 4 + c] = bytes[o++]!;
          }
          check(x <= width, `RGBE: run past the end of line ${y}`);
        }
      }
    } else {
      scan.set(bytes.subarray(o, o + width * 4));
      o += width * 4;
    }
    for (let x = 0; x < width; x++) {
      const e = scan[x * 4 + 3]!;
      const f = e === 0 ? 0 : 2 ** (e - 136);
      for (let c = 0; c < 3; c++) rgb[(y * width + x) * 3 + c] = scan[x * 4 + c]! * f;
    }
  }
  check(o === bytes.length, `RGBE: ${bytes.length - o} bytes left after the last scan line`);
  return { width, height, rgb, header };
}

// --------------------------------------------------------------- Ultra HDR

export interface JpegSegmentInfo {
  marker: number;
  offset: number;
  payload: Uint8Array;
}

/** The marker segments of a JPEG from SOI up to SOS. */
export function jpegSegments(jpeg: Uint8Array): JpegSegmentInfo[] {
  check(jpeg[0] === 0xff && jpeg[1] === 0xd8, 'JPEG: no SOI');
  const out: JpegSegmentInfo[] = [];
  for (let o = 2; ;) {
    check(jpeg[o] === 0xff, `JPEG: no marker at byte ${o}`);
    const marker = jpeg[o + 1]!;
    if (marker === 0xda) return out;
    const len = (jpeg[o + 2]! << 8) | jpeg[o + 3]!;
    out.push({ marker, offset: o, payload: jpeg.subarray(o + 4, o + 2 + len) });
    o += 2 + len;
  }
}

const text = (b: Uint8Array): string => String.fromCharCode(...b);
const startsWith = (b: Uint8Array, s: string): boolean => text(b.subarray(0, s.length)) === s;
const XMP_NS = 'http://ns.adobe.com/xap/1.0/\0';
const ISO_NS = 'urn:iso:std:iso:ts:21496:-1\0';

export interface Hdrgm {
  GainMapMin: number;
  GainMapMax: number;
  Gamma: number;
  OffsetSDR: number;
  OffsetHDR: number;
  HDRCapacityMin: number;
  HDRCapacityMax: number;
}

export interface ParsedUltraHdr {
  primary: Uint8Array;
  gainMap: Uint8Array;
  primaryXmp: string;
  gainMapXmp: string;
  hdrgm: Hdrgm;
  iso: Hdrgm & { flags: number };
  primaryIso: Uint8Array;
  primarySegments: JpegSegmentInfo[];
}

/** ISO 21496-1 metadata with one channel of parameters (versions, flags, fractions, big-endian). */
export function parseIsoGainMap(p: Uint8Array): Hdrgm & { flags: number } {
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  check(dv.getUint16(0) === 0, 'ISO 21496-1: minimum_version is not 0');
  const flags = p[4]!;
  check((flags & 0x80) === 0, 'ISO 21496-1: three channels of parameters are not read here');
  let o = 5;
  const frac = (signed: boolean): number => {
    const n = signed ? dv.getInt32(o) : dv.getUint32(o);
    const d = dv.getUint32(o + 4);
    o += 8;
    check(d > 0, 'ISO 21496-1: zero denominator');
    return n / d;
  };
  const HDRCapacityMin = frac(false);
  const HDRCapacityMax = frac(false);
  const GainMapMin = frac(true);
  const GainMapMax = frac(true);
  const Gamma = frac(false);
  const OffsetSDR = frac(true);
  const OffsetHDR = frac(true);
  check(o === p.length, `ISO 21496-1: ${p.length - o} bytes left over`);
  return { flags, HDRCapacityMin, HDRCapacityMax, GainMapMin, GainMapMax, Gamma, OffsetSDR, OffsetHDR };
}

/** Primary and gain map split by the MPF index, with the gain map's hdrgm XMP and ISO metadata. */
export function parseUltraHdr(file: Uint8Array): ParsedUltraHdr {
  const primarySegments = jpegSegments(file);
  const mpfSeg = primarySegments.find((s) => s.marker === 0xe2 && startsWith(s.payload, 'MPF\0'));
  if (!mpfSeg) throw new Error('Ultra HDR: no MPF segment');
  const tiff = mpfSeg.payload.subarray(4);
  const dv = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const le = dv.getUint16(0) === 0x4949;
  check(dv.getUint16(2, le) === 42, 'MPF: bad TIFF header');
  const ifd = dv.getUint32(4, le);
  const n = dv.getUint16(ifd, le);
  const tags = new Map<number, { type: number; count: number; at: number }>();
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    tags.set(dv.getUint16(e, le), { type: dv.getUint16(e + 2, le), count: dv.getUint32(e + 4, le), at: e + 8 });
  }
  const tag = (t: number) => {
    const v = tags.get(t);
    if (!v) throw new Error(`MPF: no tag 0x${t.toString(16)}`);
    return v;
  };
  check(text(tiff.subarray(tag(0xb000).at, tag(0xb000).at + 4)) === '0100', 'MPF: version is not 0100');
  check(dv.getUint32(tag(0xb001).at, le) === 2, 'MPF: not two images');
  const entry = tag(0xb002);
  check(entry.count === 32, 'MPF: MP entry is not 2 × 16 bytes');
  const entries = dv.getUint32(entry.at, le);
  const mp = [0, 1].map((k) => ({
    attr: dv.getUint32(entries + k * 16, le),
    size: dv.getUint32(entries + k * 16 + 4, le),
    offset: dv.getUint32(entries + k * 16 + 8, le),
  }));
  check((mp[0]!.attr & 0x00ffffff) === 0x030000, 'MPF: first image is not a baseline MP primary');
  check(mp[0]!.offset === 0, 'MPF: primary does not start the file');
  // Offsets count from the MPF TIFF header (after "MPF\0").
  const gainMapStart = mpfSeg.offset + 8 + mp[1]!.offset;
  check(gainMapStart === mp[0]!.size, 'MPF: gain map does not follow the primary');
  check(gainMapStart + mp[1]!.size === file.length, 'MPF: gain map does not end the file');
  const primary = file.subarray(0, mp[0]!.size);
  const gainMap = file.subarray(gainMapStart, gainMapStart + mp[1]!.size);
  check(primary[primary.length - 2] === 0xff && primary[primary.length - 1] === 0xd9, 'Ultra HDR: primary does not end with EOI');

  const xmpOf = (segs: JpegSegmentInfo[]): string => {
    const s = segs.find((x) => x.marker === 0xe1 && startsWith(x.payload, XMP_NS));
    if (!s) throw new Error('Ultra HDR: no XMP');
    return new TextDecoder().decode(s.payload.subarray(XMP_NS.length));
  };
  const isoOf = (segs: JpegSegmentInfo[]): Uint8Array => {
    const s = segs.find((x) => x.marker === 0xe2 && startsWith(x.payload, ISO_NS));
    if (!s) throw new Error('Ultra HDR: no ISO 21496-1 segment');
    return s.payload.subarray(ISO_NS.length);
  };
  const gainMapSegments = jpegSegments(gainMap);
  const gainMapXmp = xmpOf(gainMapSegments);
  const attr = (name: string): number => {
    const m = new RegExp(`hdrgm:${name}="([^"]+)"`).exec(gainMapXmp);
    if (!m) throw new Error(`Ultra HDR: no hdrgm:${name}`);
    return Number(m[1]);
  };
  const hdrgm: Hdrgm = {
    GainMapMin: attr('GainMapMin'),
    GainMapMax: attr('GainMapMax'),
    Gamma: attr('Gamma'),
    OffsetSDR: attr('OffsetSDR'),
    OffsetHDR: attr('OffsetHDR'),
    HDRCapacityMin: attr('HDRCapacityMin'),
    HDRCapacityMax: attr('HDRCapacityMax'),
  };
  return {
    primary,
    gainMap,
    primaryXmp: xmpOf(primarySegments),
    gainMapXmp,
    hdrgm,
    iso: parseIsoGainMap(isoOf(gainMapSegments)),
    primaryIso: isoOf(primarySegments),
    primarySegments,
  };
}

const srgbToLinear = (v: number): number => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);

export interface UltraHdrRendition {
  parsed: ParsedUltraHdr;
  width: number;
  height: number;
  /** The primary as decoded (RGBA8). */
  sdr: Uint8Array;
  /** The full HDR rendition, display-linear with SDR white = 1, three floats per pixel. */
  hdr: Float32Array;
}

/**
 * Decode both JPEGs (jpeg-js) and apply the gain map at full weight:
 *   hdr = (sdrLinear + OffsetSDR) · 2^(GainMapMin + v^(1/Gamma)·(GainMapMax − GainMapMin)) − OffsetHDR,
 * v from the gain map (nearest sample when it is smaller).
 */
export function rebuildUltraHdr(file: Uint8Array): UltraHdrRendition {
  const parsed = parseUltraHdr(file);
  const base = jpegDecode(parsed.primary, { useTArray: true, formatAsRGBA: true });
  const map = jpegDecode(parsed.gainMap, { useTArray: true, formatAsRGBA: true });
  const { width, height } = base;
  const m = parsed.hdrgm;
  const hdr = new Float32Array(width * height * 3);
  const sx = map.width / width;
  const sy = map.height / height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const q = (Math.min(map.height - 1, Math.floor(y * sy)) * map.width + Math.min(map.width - 1, Math.floor(x * sx))) * 4;
      for (let c = 0; c < 3; c++) {
        const v = (map.data[q + c]! / 255) ** (1 / m.Gamma);
        const gain = 2 ** (m.GainMapMin + v * (m.GainMapMax - m.GainMapMin));
        hdr[p * 3 + c] = (srgbToLinear(base.data[p * 4 + c]! / 255) + m.OffsetSDR) * gain - m.OffsetHDR;
      }
    }
  }
  return { parsed, width, height, sdr: base.data, hdr };
}

/**
 * Stops between a rebuilt HDR rendition and radiance·hdrScale (RGBA floats),
 * per channel |log2((a + δ)/(b + δ))| with δ = 1/64 (the offsets' size):
 * mean and 95th percentile.
 */
export function stopsError(rebuilt: Float32Array, radiance: Float32Array, hdrScale: number): { meanStops: number; p95Stops: number } {
  const n = rebuilt.length / 3;
  check(radiance.length === n * 4, `stopsError: ${n} rebuilt pixels against ${radiance.length / 4} radiance pixels`);
  const errors = new Float64Array(n * 3);
  let sum = 0;
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) {
      const e = Math.abs(Math.log2((Math.max(0, rebuilt[p * 3 + c]!) + 1 / 64) / (Math.max(0, radiance[p * 4 + c]!) * hdrScale + 1 / 64)));
      errors[p * 3 + c] = e;
      sum += e;
    }
  }
  errors.sort();
  return { meanStops: sum / errors.length, p95Stops: errors[Math.floor(errors.length * 0.95)]! };
}

// -------------------------------------------------------------------- EXIF

export interface TestExif {
  make: string;
  model: string;
  /** Seconds, written as a RATIONAL 1/n or n/1 in the Exif IFD. */
  exposureTime: number;
  /** IFD0 Orientation (default 1). */
  orientation?: number;
}

/**
 * A small little-endian EXIF APP1 payload ("Exif\0\0" + TIFF) written by
 * hand: IFD0 with Make, Model, Orientation and the Exif IFD pointer; the Exif
 * IFD with ExposureTime.
 */
export function buildExif(tags: TestExif): Uint8Array {
  const T = 6;
  const strings = [tags.make, tags.model].map((s) => s + '\0');
  // Four bytes or fewer would go inline in the entry; not written here.
  check(
    strings.every((s) => s.length > 4),
    'buildExif: Make and Model need at least 4 characters',
  );
  const ifd0At = 8;
  const ifd0Entries = 4;
  const exifAt = ifd0At + 2 + ifd0Entries * 12 + 4;
  const exifEntries = 1;
  let dataAt = exifAt + 2 + exifEntries * 12 + 4;
  const size = dataAt + strings.reduce((a, s) => a + s.length, 0) + 8;
  const buf = new Uint8Array(T + size);
  const dv = new DataView(buf.buffer);
  buf.set([0x45, 0x78, 0x69, 0x66, 0, 0], 0);
  dv.setUint16(T, 0x4949);
  dv.setUint16(T + 2, 42, true);
  dv.setUint32(T + 4, ifd0At, true);
  const put = (s: string): number => {
    const at = dataAt;
    for (let i = 0; i < s.length; i++) buf[T + dataAt++] = s.charCodeAt(i);
    return at;
  };
  const ifd = (at: number, entries: [number, number, number, number][]): void => {
    dv.setUint16(T + at, entries.length, true);
    entries.forEach(([tag, type, count, value], i) => {
      const e = T + at + 2 + i * 12;
      dv.setUint16(e, tag, true);
      dv.setUint16(e + 2, type, true);
      dv.setUint32(e + 4, count, true);
      if (type === 3) dv.setUint16(e + 8, value, true);
      else dv.setUint32(e + 8, value, true);
    });
    dv.setUint32(T + at + 2 + entries.length * 12, 0, true);
  };
  const make = put(strings[0]!);
  const model = put(strings[1]!);
  const rational = dataAt;
  const [num, den] = tags.exposureTime >= 1 ? [Math.round(tags.exposureTime), 1] : [1, Math.round(1 / tags.exposureTime)];
  dv.setUint32(T + rational, num, true);
  dv.setUint32(T + rational + 4, den, true);
  ifd(ifd0At, [
    [0x010f, 2, strings[0]!.length, make],
    [0x0110, 2, strings[1]!.length, model],
    [0x0112, 3, 1, tags.orientation ?? 1],
    [0x8769, 4, 1, exifAt],
  ]);
  ifd(exifAt, [[0x829a, 5, 1, rational]]);
  return buf;
}
