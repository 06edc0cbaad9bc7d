// What an image file's header says before any pixel is decoded: its size
// (PNG IHDR, JPEG SOF, TIFF IFD0), and a JPEG's colour components. The app
// refuses an image too large for the GPU from its first bytes, without
// decoding hundreds of megabytes first, and names grey-scale and CMYK JPEGs.

export interface ImageHeader {
  readonly width: number;
  readonly height: number;
}

export interface PngHeader extends ImageHeader {
  /** Bits per sample: 1, 2, 4, 8 or 16. */
  readonly bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  readonly colourType: number;
  readonly interlaced: boolean;
}

export interface JpegHeader extends ImageHeader {
  /** Colour components: 1 grey-scale, 3 YCbCr (or RGB), 4 CMYK or YCCK. */
  readonly components: number;
  /** Bits per sample (8; 12 in rare medical and scientific files). */
  readonly precision: number;
}

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

/** A PNG's IHDR (the first chunk, right after the signature), or null. */
export function pngHeader(bytes: Uint8Array): PngHeader | null {
  if (bytes.length < 29 || u32be(bytes, 8) !== 13 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return null;
  return { width: u32be(bytes, 16), height: u32be(bytes, 20), bitDepth: bytes[24]!, colourType: bytes[25]!, interlaced: bytes[28] === 1 };
}

/** SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC): the frame header. */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** A JPEG's frame header, found by walking the marker segments before the first scan; null if not within `bytes`. */
export function jpegHeader(bytes: Uint8Array): JpegHeader | null {
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const m = bytes[i + 1]!;
    if (m === 0xff) {
      i++; // fill byte
      continue;
    }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      i += 2; // markers without a length
      continue;
    }
    if (m === 0xda || m === 0xd9) return null; // a scan or the end before any frame header
    const len = u16be(bytes, i + 2);
    if (isSof(m)) {
      if (i + 10 > bytes.length) return null;
      return { precision: bytes[i + 4]!, height: u16be(bytes, i + 5), width: u16be(bytes, i + 7), components: bytes[i + 9]! };
    }
    i += 2 + len;
  }
  return null;
}

/** Width and height from IFD0 of a TIFF (tags 256, 257), or null (outside `bytes`, or IFD0 is a reduced-resolution preview). */
export function tiffHeader(bytes: Uint8Array): ImageHeader | null {
  if (bytes.length < 8) return null;
  const le = bytes[0] === 0x49;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ifd = dv.getUint32(4, le);
  if (ifd + 2 > bytes.length) return null;
  const n = dv.getUint16(ifd, le);
  let width = 0;
  let height = 0;
  for (let k = 0; k < n; k++) {
    const e = ifd + 2 + k * 12;
    if (e + 12 > bytes.length) return null;
    const tag = dv.getUint16(e, le);
    const type = dv.getUint16(e + 2, le);
    const value = type === 3 ? dv.getUint16(e + 8, le) : dv.getUint32(e + 8, le);
    if (tag === 254 && (value & 1) === 1) return null; // NewSubfileType: a preview (DNG's IFD0); the full image is elsewhere
    if (tag === 256) width = value;
    if (tag === 257) height = value;
  }
  return width > 0 && height > 0 ? { width, height } : null;
}

/** The size an image file's header states (PNG, JPEG, TIFF), or null when the header is not within `bytes` or the kind is another. */
export function headerSize(bytes: Uint8Array, kind: string | null): ImageHeader | null {
  if (kind === 'png') return pngHeader(bytes);
  if (kind === 'jpeg') return jpegHeader(bytes);
  if (kind === 'tiff') return tiffHeader(bytes);
  return null;
}
