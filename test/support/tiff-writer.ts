// Test-only TIFF and DNG writers, for the unit tests (Vitest) and the e2e
// specs (Playwright, Node side): brackets and camera RAWs made from the
// committed radiance fixtures, so the readers in src/io/ (utif2, LibRaw)
// are checked against known pixels. Written from the TIFF 6.0 specification
// (baseline, LZW section 13 with TIFF's "early change", Adobe Deflate,
// predictor 2) and the DNG 1.4 specification (the minimal tags of a CFA
// image). Node only (zlib); never imported by the app. utif2 writes only
// uncompressed 8-bit TIFF, hence this module.
import { deflateSync } from 'node:zlib';

export type TiffCompression = 'none' | 'lzw' | 'deflate';

/** TIFF field types used here. */
const BYTE = 1;
const ASCII = 2;
const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;
const SRATIONAL = 10;
const UNDEFINED = 7;

interface Entry {
  tag: number;
  type: number;
  values: readonly number[] | Uint8Array | string;
}

const TYPE_SIZE: Record<number, number> = { [BYTE]: 1, [ASCII]: 1, [SHORT]: 2, [LONG]: 4, [RATIONAL]: 8, [SRATIONAL]: 8, [UNDEFINED]: 1 };

/** A rational as [numerator, denominator] with a 1e6 denominator (or an exact small fraction). */
function rational(v: number): [number, number] {
  if (v > 0 && v < 1 && Number.isInteger(1 / v)) return [1, 1 / v];
  const den = 1_000_000;
  return [Math.round(v * den), den];
}

/** TIFF LZW (section 13): MSB-first codes of 9–12 bits, Clear 256 first, EOI 257 last, widths grow one code early. */
export function lzwEncode(input: Uint8Array): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  const put = (code: number, width: number) => {
    acc = (acc << width) | code;
    bits += width;
    while (bits >= 8) {
      out.push((acc >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    acc &= (1 << bits) - 1;
  };
  const CLEAR = 256;
  const EOI = 257;
  let dict = new Map<number, number>();
  let next = 258;
  let width = 9;
  put(CLEAR, width);
  if (input.length === 0) {
    put(EOI, width);
  } else {
    // After each new entry: widen when the next code needs it; clear when the table is full.
    const grow = () => {
      next++;
      if (next === 4094) {
        put(CLEAR, width);
        dict = new Map();
        next = 258;
        width = 9;
      } else if (next === 1 << width && width < 12) {
        width++;
      }
    };
    let w = input[0]!;
    for (let i = 1; i < input.length; i++) {
      const k = input[i]!;
      const key = w * 256 + k;
      const hit = dict.get(key);
      if (hit !== undefined) {
        w = hit;
        continue;
      }
      put(w, width);
      dict.set(key, next);
      grow();
      w = k;
    }
    put(w, width);
    // The reader adds an entry for the last code too, and may widen before EOI.
    grow();
    put(EOI, width);
  }
  if (bits > 0) out.push((acc << (8 - bits)) & 0xff);
  return Uint8Array.from(out);
}

/** Horizontal differencing (predictor 2) of one row of samples in place. */
function predict(row: Uint16Array | Uint8Array, spp: number): void {
  const mask = row instanceof Uint16Array ? 0xffff : 0xff;
  for (let i = row.length - 1; i >= spp; i--) row[i] = (row[i]! - row[i - spp]!) & mask;
}

const count = (e: Entry) => (typeof e.values === 'string' ? e.values.length + 1 : e.type === RATIONAL || e.type === SRATIONAL ? e.values.length / 2 : e.values.length);
const size = (e: Entry) => count(e) * TYPE_SIZE[e.type]!;

/** Bytes of an IFD with its out-of-line values. */
function ifdLength(entries: readonly Entry[]): number {
  let n = 2 + entries.length * 12 + 4;
  for (const e of entries) if (size(e) > 4) n += size(e) + (size(e) & 1);
  return n;
}

/** Write an IFD (entries sorted by tag) at `at`, its out-of-line values right after it; next IFD: none. */
function writeIfd(buf: Uint8Array, at: number, entries: readonly Entry[], le: boolean): void {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const all = [...entries].sort((a, b) => a.tag - b.tag);
  dv.setUint16(at, all.length, le);
  let extraAt = at + 2 + all.length * 12 + 4;
  all.forEach((e, i) => {
    const ent = at + 2 + i * 12;
    dv.setUint16(ent, e.tag, le);
    dv.setUint16(ent + 2, e.type, le);
    dv.setUint32(ent + 4, count(e), le);
    let p = ent + 8;
    if (size(e) > 4) {
      dv.setUint32(ent + 8, extraAt, le);
      p = extraAt;
      extraAt += size(e) + (size(e) & 1);
    }
    if (typeof e.values === 'string') {
      for (let k = 0; k < e.values.length; k++) buf[p + k] = e.values.charCodeAt(k);
    } else if (e.type === BYTE || e.type === UNDEFINED) {
      buf.set(e.values as ArrayLike<number>, p);
    } else {
      e.values.forEach((v, k) => {
        if (e.type === SHORT) dv.setUint16(p + 2 * k, v, le);
        else if (e.type === LONG || e.type === RATIONAL) dv.setUint32(p + 4 * k, v, le);
        else dv.setInt32(p + 4 * k, v, le);
      });
    }
  });
  dv.setUint32(at + 2 + all.length * 12, 0, le);
}

/**
 * A TIFF file: the header, IFD0 with `entries` plus the strip offsets and
 * byte counts (and ExifIFD, when `exif` is given, right after IFD0), then
 * the strips.
 */
function assemble(entries: Entry[], strips: readonly Uint8Array[], le: boolean, exif?: Entry[]): Uint8Array {
  const offsets: Entry = { tag: 273, type: LONG, values: strips.map(() => 0) };
  const main: Entry[] = [...entries, offsets, { tag: 279, type: LONG, values: strips.map((s) => s.length) }];
  const exifPointer: Entry = { tag: 34665, type: LONG, values: [0] };
  if (exif) main.push(exifPointer);
  const exifAt = 8 + ifdLength(main);
  let total = exifAt + (exif ? ifdLength(exif) : 0);
  offsets.values = strips.map((s) => {
    const o = total;
    total += s.length + (s.length & 1);
    return o;
  });
  exifPointer.values = [exifAt];
  const buf = new Uint8Array(total);
  const dv = new DataView(buf.buffer);
  buf.set(le ? [0x49, 0x49] : [0x4d, 0x4d], 0);
  dv.setUint16(2, 42, le);
  dv.setUint32(4, 8, le);
  writeIfd(buf, 8, main, le);
  if (exif) writeIfd(buf, exifAt, exif, le);
  strips.forEach((s, i) => buf.set(s, (offsets.values as number[])[i]!));
  return buf;
}

function compress(raw: Uint8Array, compression: TiffCompression): Uint8Array {
  if (compression === 'lzw') return lzwEncode(raw);
  if (compression === 'deflate') return new Uint8Array(deflateSync(raw));
  return raw;
}

const COMPRESSION_CODE: Record<TiffCompression, number> = { none: 1, lzw: 5, deflate: 8 };

export interface TiffOptions {
  width: number;
  height: number;
  /** Interleaved samples, `samplesPerPixel` per pixel: 8-bit (Uint8Array) or 16-bit (Uint16Array). */
  samples: Uint8Array | Uint16Array;
  samplesPerPixel: 1 | 3 | 4;
  compression?: TiffCompression;
  /** Horizontal differencing (what Photoshop uses with LZW and Deflate). */
  predictor?: boolean;
  rowsPerStrip?: number;
  /** An ICC profile to embed (tag 34675). */
  icc?: Uint8Array;
  littleEndian?: boolean;
  /** Exposure to record in an EXIF IFD. */
  exif?: ExposureTags;
}

export interface ExposureTags {
  exposureTime: number;
  fNumber: number;
  iso: number;
}

const exposureEntries = (e: ExposureTags): Entry[] => [
  { tag: 33434, type: RATIONAL, values: rational(e.exposureTime) },
  { tag: 33437, type: RATIONAL, values: rational(e.fNumber) },
  { tag: 34855, type: SHORT, values: [e.iso] },
];

/** A baseline TIFF: grey, RGB or RGBA (unassociated alpha), 8 or 16 bits, in strips. */
export function writeTiff(o: TiffOptions): Uint8Array {
  const le = o.littleEndian ?? true;
  const bps = o.samples instanceof Uint16Array ? 16 : 8;
  const spp = o.samplesPerPixel;
  const rows = Math.max(1, Math.min(o.height, o.rowsPerStrip ?? Math.max(1, Math.floor(8192 / (o.width * spp * (bps / 8))))));
  const compression = o.compression ?? 'none';
  if (o.predictor && compression === 'none') throw new Error('writeTiff: the predictor goes with LZW or Deflate (readers ignore it otherwise)');
  const strips: Uint8Array[] = [];
  for (let y = 0; y < o.height; y += rows) {
    const n = Math.min(rows, o.height - y);
    const part = o.samples.slice(y * o.width * spp, (y + n) * o.width * spp);
    if (o.predictor) for (let r = 0; r < n; r++) predict(part.subarray(r * o.width * spp, (r + 1) * o.width * spp), spp);
    const bytes = new Uint8Array(part.length * (bps / 8));
    const dv = new DataView(bytes.buffer);
    for (let i = 0; i < part.length; i++) {
      if (bps === 16) dv.setUint16(2 * i, part[i]!, le);
      else bytes[i] = part[i]!;
    }
    strips.push(compress(bytes, compression));
  }
  const entries: Entry[] = [
    { tag: 256, type: LONG, values: [o.width] },
    { tag: 257, type: LONG, values: [o.height] },
    { tag: 258, type: SHORT, values: new Array<number>(spp).fill(bps) },
    { tag: 259, type: SHORT, values: [COMPRESSION_CODE[compression]] },
    { tag: 262, type: SHORT, values: [spp === 1 ? 1 : 2] },
    { tag: 277, type: SHORT, values: [spp] },
    { tag: 278, type: LONG, values: [rows] },
    { tag: 284, type: SHORT, values: [1] },
  ];
  if (spp === 4) entries.push({ tag: 338, type: SHORT, values: [2] });
  if (o.predictor) entries.push({ tag: 317, type: SHORT, values: [2] });
  if (o.icc) entries.push({ tag: 34675, type: UNDEFINED, values: o.icc });
  return assemble(entries, strips, le, o.exif && exposureEntries(o.exif));
}

/**
 * A minimal ICC v2 RGB display profile with one gamma for all three channels
 * (rTRC, gTRC, bTRC as 'curv' with one entry): enough for a reader that looks
 * at the tone curve. Not a complete, colour-managed profile.
 */
export function gammaIcc(gamma: number): Uint8Array {
  const tags = ['rTRC', 'gTRC', 'bTRC'];
  const curv = new Uint8Array(14);
  const cdv = new DataView(curv.buffer);
  curv.set([0x63, 0x75, 0x72, 0x76], 0);
  cdv.setUint32(8, gamma === 1 ? 0 : 1);
  cdv.setUint16(12, Math.round(gamma * 256));
  const curvLen = gamma === 1 ? 12 : 14;
  const tableEnd = 128 + 4 + tags.length * 12;
  const size = tableEnd + 16;
  const buf = new Uint8Array(size);
  const dv = new DataView(buf.buffer);
  dv.setUint32(0, size);
  buf.set([0x6d, 0x6e, 0x74, 0x72], 12); // 'mntr'
  buf.set([0x52, 0x47, 0x42, 0x20], 16); // 'RGB '
  buf.set([0x58, 0x59, 0x5a, 0x20], 20); // 'XYZ '
  dv.setUint32(8, 0x02100000);
  buf.set([0x61, 0x63, 0x73, 0x70], 36); // 'acsp'
  dv.setUint32(128, tags.length);
  tags.forEach((t, i) => {
    for (let k = 0; k < 4; k++) buf[132 + i * 12 + k] = t.charCodeAt(k);
    // All three share one curve.
    dv.setUint32(132 + i * 12 + 4, tableEnd);
    dv.setUint32(132 + i * 12 + 8, curvLen);
  });
  buf.set(curv.subarray(0, curvLen), tableEnd);
  return buf;
}

export interface DngOptions extends ExposureTags {
  width: number;
  height: number;
  /** The Bayer mosaic, one 16-bit value per photosite, RGGB (R at (0, 0)). */
  mosaic: Uint16Array;
  blackLevel: number;
  whiteLevel: number;
  /** AsShotNeutral: the camera's raw values of a neutral grey, G = 1. */
  asShotNeutral: readonly [number, number, number];
}

/**
 * An uncompressed DNG 1.4 with the minimal tags of a CFA image in IFD0 and
 * the exposure (ExposureTime, FNumber, ISOSpeedRatings) in an EXIF IFD. The
 * camera is "linear sRGB": its
 * ColorMatrix1 is the XYZ(D65) → linear sRGB matrix, so a raw developer's
 * camera → sRGB transform is the identity once white is balanced.
 */
export function writeDng(o: DngOptions): Uint8Array {
  const row = new Uint8Array(o.width * 2);
  const strips: Uint8Array[] = [];
  const rowsPerStrip = Math.max(1, Math.floor(65536 / row.length));
  for (let y = 0; y < o.height; y += rowsPerStrip) {
    const n = Math.min(rowsPerStrip, o.height - y);
    const bytes = new Uint8Array(n * o.width * 2);
    const dv = new DataView(bytes.buffer);
    for (let i = 0; i < n * o.width; i++) dv.setUint16(2 * i, o.mosaic[y * o.width + i]!, true);
    strips.push(bytes);
  }
  // XYZ (D65) → linear sRGB (IEC 61966-2-1), as SRATIONAL × 10000.
  const xyzToSrgb = [3.2406, -1.5372, -0.4986, -0.9689, 1.8758, 0.0415, 0.0557, -0.204, 1.057];
  const srational = (v: number) => [Math.round(v * 10000), 10000];
  const entries: Entry[] = [
    { tag: 254, type: LONG, values: [0] },
    { tag: 256, type: LONG, values: [o.width] },
    { tag: 257, type: LONG, values: [o.height] },
    { tag: 258, type: SHORT, values: [16] },
    { tag: 259, type: SHORT, values: [1] },
    { tag: 262, type: SHORT, values: [32803] },
    { tag: 271, type: ASCII, values: 'HDR Studio' },
    { tag: 272, type: ASCII, values: 'Synthetic linear sRGB' },
    { tag: 274, type: SHORT, values: [1] },
    { tag: 277, type: SHORT, values: [1] },
    { tag: 278, type: LONG, values: [rowsPerStrip] },
    { tag: 284, type: SHORT, values: [1] },
    { tag: 33421, type: SHORT, values: [2, 2] },
    { tag: 33422, type: BYTE, values: [0, 1, 1, 2] },
    { tag: 50706, type: BYTE, values: [1, 4, 0, 0] },
    { tag: 50707, type: BYTE, values: [1, 1, 0, 0] },
    { tag: 50708, type: ASCII, values: 'HDR Studio Synthetic' },
    { tag: 50714, type: LONG, values: [o.blackLevel] },
    { tag: 50717, type: LONG, values: [o.whiteLevel] },
    { tag: 50721, type: SRATIONAL, values: xyzToSrgb.flatMap(srational) },
    { tag: 50728, type: RATIONAL, values: o.asShotNeutral.flatMap((v) => rational(v)) },
    // D65.
    { tag: 50778, type: SHORT, values: [21] },
  ];
  return assemble(entries, strips, true, exposureEntries(o));
}
