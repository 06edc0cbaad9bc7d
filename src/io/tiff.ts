// TIFF brackets: 8- or 16-bit grey or RGB(A), uncompressed, LZW, Deflate or
// PackBits, with or without the horizontal predictor. utif2 parses the file
// and decodes the strips, except Deflate, which it hands to a global `pako`
// that a bundled app does not have: those strips are inflated here with the
// platform's DecompressionStream and given to utif2 as uncompressed ones. This
// module picks the image, checks it and lays its samples out as RGBA. 16-bit files keep
// all 16 bits (Uint16Array, 0..65535); 8-bit ones come out as the JPEG and
// PNG path gives them (Uint8ClampedArray).
//
// How 16-bit values are encoded decides the camera response (tiffResponse):
//  - an ICC profile whose tone curve is linear (gamma 1) → 'linear';
//  - an ICC profile with any other curve → 'srgb' (editors such as Photoshop,
//    Lightroom, GIMP or darktable embed sRGB, Adobe RGB or ProPhoto, all
//    gamma-encoded; sRGB's curve is the nearest of the built-in responses);
//  - no profile at all → 'linear', flagged as assumed: raw developers that
//    write 16-bit TIFF without a profile (dcraw and LibRaw `-4 -T`) write
//    linear data, while editors always embed one. The user can switch.
// 8-bit TIFFs give no hint (the sRGB default, as JPEG and PNG).
import UTIF from 'utif2';
import { FileProblem } from './problem';

export interface TiffImage {
  readonly width: number;
  readonly height: number;
  /** RGBA: grey is copied to R, G and B; alpha is opaque where the file has none. */
  readonly pixels: Uint8ClampedArray | Uint16Array;
  /** The camera response the samples call for; null: no opinion (8-bit). */
  readonly response: 'srgb' | 'linear' | null;
  /** Why that response, for the user ("linear ICC profile", …). */
  readonly responseReason: string;
  /** True when the response is a guess (no colour information in the file). */
  readonly responseAssumed: boolean;
}

/** TIFF magic: "II*\0" or "MM\0*". */
export function isTiff(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && ((bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 42 && bytes[3] === 0) || (bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0 && bytes[3] === 42));
}

type Ifd = UTIF.IFD;

const num = (ifd: Ifd, tag: number, fallback: number): number => {
  const v = ifd[`t${tag}`];
  return Array.isArray(v) && typeof v[0] === 'number' ? v[0] : fallback;
};

/** Whether IFD0 names the file a DNG (DNGVersion) or holds a sensor mosaic (CFA / LinearRaw): a camera RAW. */
export function isRawTiff(bytes: Uint8Array): boolean {
  if (!isTiff(bytes)) return false;
  try {
    const ifds = UTIF.decode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const all: Ifd[] = [];
    const walk = (list: readonly Ifd[]) => {
      for (const ifd of list) {
        all.push(ifd);
        const sub = ifd.subIFD as unknown;
        if (Array.isArray(sub)) walk(sub as Ifd[]);
      }
    };
    walk(ifds);
    return ifds[0]?.t50706 !== undefined || all.some((ifd) => [32803, 34892].includes(num(ifd, 262, 0)));
  } catch {
    return false;
  }
}

/** The tone curve of an ICC profile's red (or grey) channel as a gamma: 1 for linear, null when unreadable. */
export function iccGamma(icc: Uint8Array): number | null {
  if (icc.length < 132) return null;
  const dv = new DataView(icc.buffer, icc.byteOffset, icc.byteLength);
  const count = dv.getUint32(128);
  for (let i = 0; i < count && 132 + i * 12 + 12 <= icc.length; i++) {
    const sig = dv.getUint32(132 + i * 12);
    // 'rTRC' or 'kTRC' (grey profiles).
    if (sig !== 0x72545243 && sig !== 0x6b545243) continue;
    const off = dv.getUint32(132 + i * 12 + 4);
    if (off + 12 > icc.length) return null;
    const type = dv.getUint32(off);
    if (type === 0x63757276) {
      // 'curv': no entries = identity, one = a gamma (u8Fixed8), more = a table.
      const n = dv.getUint32(off + 8);
      if (n === 0) return 1;
      if (n === 1) return dv.getUint16(off + 12) / 256;
      if (off + 12 + 2 * n > icc.length) return null;
      // A table: the gamma that fits its middle entry.
      const mid = dv.getUint16(off + 12 + 2 * Math.floor((n - 1) / 2)) / 65535;
      const x = Math.floor((n - 1) / 2) / (n - 1);
      return mid > 0 && mid < 1 ? Math.log(mid) / Math.log(x) : null;
    }
    if (type === 0x70617261) {
      // 'para': the first parameter is the exponent g (s15Fixed16).
      return dv.getInt32(off + 12) / 65536;
    }
    return null;
  }
  return null;
}

function tagBytes(ifd: Ifd, tag: number): Uint8Array | null {
  const v = ifd[`t${tag}`];
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return Uint8Array.from(v as number[]);
  return null;
}

/** The response rule for a 16-bit file (see the header). */
export function tiffResponse(ifd: Ifd): Pick<TiffImage, 'response' | 'responseReason' | 'responseAssumed'> {
  const icc = tagBytes(ifd, 34675);
  if (!icc) return { response: 'linear', responseReason: 'no colour profile (raw developers write 16-bit TIFF without one, as linear data)', responseAssumed: true };
  const gamma = iccGamma(icc);
  if (gamma !== null && Math.abs(gamma - 1) < 0.05) return { response: 'linear', responseReason: 'a linear ICC profile (gamma 1.0)', responseAssumed: false };
  return { response: 'srgb', responseReason: gamma === null ? 'an ICC profile (gamma-encoded)' : `an ICC profile with gamma ${gamma.toFixed(2)}`, responseAssumed: false };
}

/** Inflate a zlib stream (TIFF compression 8, "Adobe Deflate", and the older 32946). */
async function inflate(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The same image with its Deflate strips (or tiles) inflated: a new buffer
 * holding the file's 8-byte header (utif2 reads the byte order there) and the
 * inflated data, and a copy of the IFD that points into it, uncompressed.
 */
async function inflated(buffer: ArrayBuffer, ifd: Ifd): Promise<{ buffer: ArrayBuffer; ifd: Ifd }> {
  const tiled = ifd.t322 !== undefined;
  const offsets = (tiled ? ifd.t324 : ifd.t273) as number[];
  const counts = (tiled ? ifd.t325 : ifd.t279) as number[];
  const parts = await Promise.all(offsets.map((o, i) => inflate(new Uint8Array(buffer, o, counts[i]))));
  const out = new Uint8Array(8 + parts.reduce((n, p) => n + p.length, 0));
  out.set(new Uint8Array(buffer, 0, 8));
  const at: number[] = [];
  let o = 8;
  for (const p of parts) {
    at.push(o);
    out.set(p, o);
    o += p.length;
  }
  const plain: Ifd = { ...ifd, t259: [1], [tiled ? 't324' : 't273']: at, [tiled ? 't325' : 't279']: parts.map((p) => p.length) };
  return { buffer: out.buffer, ifd: plain };
}

/** Decode a TIFF into RGBA. Throws an Error whose message follows the file name ("is a … TIFF, which …"). */
export async function decodeTiff(buffer: ArrayBuffer): Promise<TiffImage> {
  let ifds: Ifd[];
  try {
    ifds = UTIF.decode(buffer);
  } catch {
    throw new FileProblem('could not be read: the TIFF structure is damaged.');
  }
  // The first full-resolution image (NewSubfileType bit 0 marks reduced-resolution previews).
  const ifd = ifds.find((d) => d.t256 !== undefined && (num(d, 254, 0) & 1) === 0) ?? ifds.find((d) => d.t256 !== undefined);
  if (!ifd) throw new FileProblem('holds no image.');
  const width = num(ifd, 256, 0);
  const height = num(ifd, 257, 0);
  const bps = num(ifd, 258, 1);
  const spp = num(ifd, 277, 1);
  const photometric = num(ifd, 262, -1);
  const format = num(ifd, 339, 1);
  const compression = num(ifd, 259, 1);
  if (format === 3) throw new FileProblem('is a floating-point TIFF; open HDR images as OpenEXR (.exr) or Radiance (.hdr).');
  if (bps !== 8 && bps !== 16) throw new FileProblem(`has ${bps}-bit samples; only 8- and 16-bit TIFF brackets are read.`);
  if (![0, 1, 2].includes(photometric)) throw new FileProblem(`uses TIFF photometric interpretation ${photometric} (palette, CMYK, YCbCr or Lab); save the brackets as RGB or greyscale.`);
  if (num(ifd, 284, 1) === 2) throw new FileProblem('stores its colour planes separately (PlanarConfiguration 2); save it with interleaved (chunky) samples.');
  const colour = photometric === 2;
  if ((colour && spp < 3) || spp < 1) throw new FileProblem(`has ${spp} samples per pixel for ${colour ? 'RGB' : 'greyscale'}.`);
  // Truncated files: every strip or tile must lie inside the file.
  const offsets = (ifd.t273 ?? ifd.t324) as number[] | undefined;
  const counts = (ifd.t279 ?? ifd.t325) as number[] | undefined;
  if (offsets && counts && offsets.some((o, i) => o + (counts[i] ?? 0) > buffer.byteLength)) {
    throw new FileProblem('is truncated: its image data ends early (an incomplete copy or download?).');
  }
  let image = { buffer, ifd };
  try {
    if (compression === 8 || compression === 32946) image = await inflated(buffer, ifd);
    UTIF.decodeImage(image.buffer, image.ifd);
  } catch (err) {
    throw new FileProblem(`could not be decoded (TIFF compression ${compression}: ${String(err)}).`, { cause: err });
  }
  const data = image.ifd.data;
  const n = width * height;
  const bytesPer = bps / 8;
  if (!data || data.length < n * spp * bytesPer) throw new FileProblem(`could not be decoded (TIFF compression ${compression} is not supported).`);
  const alpha = spp > (colour ? 3 : 1);
  const invert = photometric === 0;
  // utif2 leaves 16-bit samples little-endian whatever the file's byte order.
  const wide = bps === 16 ? new Uint16Array(data.byteOffset % 2 === 0 ? data.buffer.slice(data.byteOffset, data.byteOffset + n * spp * 2) : data.slice(0, n * spp * 2).buffer) : null;
  const read = wide ? (i: number) => wide[i]! : (i: number) => data[i]!;
  const max = bps === 16 ? 65535 : 255;
  const out = bps === 16 ? new Uint16Array(n * 4) : new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    const s = p * spp;
    for (let c = 0; c < 3; c++) {
      const v = read(s + (colour ? c : 0));
      out[p * 4 + c] = invert ? max - v : v;
    }
    out[p * 4 + 3] = alpha ? read(s + (colour ? 3 : 1)) : max;
  }
  const hint = bps === 16 ? tiffResponse(ifd) : { response: null, responseReason: '', responseAssumed: false };
  return { width, height, pixels: out, ...hint };
}
