// Carries the camera's EXIF (APP1 "Exif\0\0" segment: make, model, lens,
// date, exposure) from a source JPEG into an encoded JPEG, so exports keep it.
// The copy is adjusted to the new pixels: Orientation is set to 1 (decoding
// already applied it), the embedded thumbnail (IFD1, the old picture) is
// unlinked, and PixelX/YDimension are rewritten when the size is given.
// Everything else is copied byte for byte.

import { concatBytes } from './bytes';

const SOI = 0xd8;
const SOS = 0xda;
const EOI = 0xd9;
const APP0 = 0xe0;
const APP1 = 0xe1;
const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"
/** Largest payload one marker segment holds (length field counts itself). */
const MAX_SEGMENT_PAYLOAD = 0xffff - 2;

export interface JpegSegment {
  /** Marker byte after 0xFF (0xE1 for APP1...). */
  readonly marker: number;
  /** Offset of the 0xFF of the marker in the file. */
  readonly offset: number;
  /** Payload, without marker and length. */
  readonly payload: Uint8Array;
}

/** The marker segments between SOI and SOS (the header part of a JPEG). */
export function jpegHeaderSegments(jpeg: Uint8Array): JpegSegment[] {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== SOI) throw new Error('Not a JPEG (no SOI marker).');
  const segments: JpegSegment[] = [];
  let o = 2;
  while (o + 4 <= jpeg.length) {
    if (jpeg[o] !== 0xff) throw new Error(`Bad JPEG marker at byte ${o}.`);
    const marker = jpeg[o + 1]!;
    if (marker === 0xff) {
      o++;
      continue;
    } // fill byte
    if (marker === SOS || marker === EOI) break;
    const length = (jpeg[o + 2]! << 8) | jpeg[o + 3]!;
    if (length < 2 || o + 2 + length > jpeg.length) throw new Error(`Truncated JPEG segment at byte ${o}.`);
    segments.push({ marker, offset: o, payload: jpeg.subarray(o + 4, o + 2 + length) });
    o += 2 + length;
  }
  return segments;
}

const isExif = (s: JpegSegment): boolean => s.marker === APP1 && startsWith(s.payload, EXIF_HEADER);

/** The first EXIF APP1 payload ("Exif\0\0" + TIFF data) of a JPEG, or null. */
export function extractExif(jpeg: Uint8Array): Uint8Array | null {
  const seg = jpegHeaderSegments(jpeg).find(isExif);
  return seg ? seg.payload.slice() : null;
}

/**
 * A JPEG with `exif` (an APP1 payload starting "Exif\0\0") as its EXIF: any
 * EXIF segment it had is removed, the new one goes right after SOI, or after
 * APP0 (JFIF/JFXX) when the file starts with one. Not for Ultra HDR files
 * (the MPF sizes would go stale): give encodeUltraHdr the EXIF instead.
 */
export function insertExif(jpeg: Uint8Array, exif: Uint8Array): Uint8Array {
  if (!startsWith(exif, EXIF_HEADER)) throw new Error('EXIF payload must start with "Exif\\0\\0".');
  if (exif.length > MAX_SEGMENT_PAYLOAD) throw new Error(`EXIF payload of ${exif.length} bytes does not fit one APP1 segment.`);
  const segments = jpegHeaderSegments(jpeg);
  const drop = segments.filter(isExif);
  let insertAt = 2;
  for (const s of segments) {
    if (s.marker !== APP0) break;
    insertAt = s.offset + 4 + s.payload.length;
  }
  // Old EXIF segments all lie after the leading APP0 run, so after insertAt.
  const parts: Uint8Array[] = [jpeg.subarray(0, insertAt), segment(APP1, exif)];
  let from = insertAt;
  for (const s of drop) {
    parts.push(jpeg.subarray(from, s.offset));
    from = s.offset + 4 + s.payload.length;
  }
  parts.push(jpeg.subarray(from));
  return concatBytes(parts);
}

export interface ExifCopyOptions {
  /** Set Orientation to 1 (default true): the exported pixels are already upright. */
  readonly resetOrientation?: boolean;
  /** Unlink IFD1, the thumbnail of the source picture (default true). */
  readonly dropThumbnail?: boolean;
  /** New pixel size, written to PixelXDimension / PixelYDimension when present. */
  readonly width?: number;
  readonly height?: number;
}

/**
 * `target` with the EXIF of `source` (both JPEG files), adjusted as described
 * in ExifCopyOptions. Returns `target` itself when the source has no EXIF.
 */
export function copyExif(source: Uint8Array, target: Uint8Array, options: ExifCopyOptions = {}): Uint8Array {
  const exif = extractExif(source);
  if (!exif) return target;
  return insertExif(target, adjustExif(exif, options));
}

/**
 * A copy of an EXIF payload with Orientation, the IFD1 link and the pixel
 * dimensions adjusted. Tags the payload lacks are not added; a payload whose
 * TIFF structure cannot be walked is returned unchanged.
 */
export function adjustExif(exif: Uint8Array, options: ExifCopyOptions = {}): Uint8Array {
  const out = exif.slice();
  const tiff = 6;
  if (out.length < tiff + 8) return out;
  const dv = new DataView(out.buffer, out.byteOffset + tiff, out.length - tiff);
  const order = dv.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return out;
  const le = order === 0x4949;
  if (dv.getUint16(2, le) !== 42) return out;
  const ifd0 = dv.getUint32(4, le);
  const entries = (ifd: number): number => (ifd + 2 <= dv.byteLength ? dv.getUint16(ifd, le) : 0);
  /** Byte offset of the entry with `tag` in the IFD at `ifd`, or -1. */
  const find = (ifd: number, tag: number): number => {
    const n = entries(ifd);
    for (let i = 0; i < n; i++) {
      const e = ifd + 2 + i * 12;
      if (e + 12 > dv.byteLength) return -1;
      if (dv.getUint16(e, le) === tag) return e;
    }
    return -1;
  };
  /** Writes a SHORT or LONG value held inline in an entry. */
  const setInline = (e: number, value: number): void => {
    if (e < 0 || dv.getUint32(e + 4, le) !== 1) return;
    const type = dv.getUint16(e + 2, le);
    if (type === 3) dv.setUint16(e + 8, value, le);
    else if (type === 4) dv.setUint32(e + 8, value, le);
  };
  if (ifd0 + 2 > dv.byteLength) return out;
  if (options.resetOrientation ?? true) setInline(find(ifd0, 0x0112), 1);
  if (options.dropThumbnail ?? true) {
    const next = ifd0 + 2 + entries(ifd0) * 12;
    if (next + 4 <= dv.byteLength) dv.setUint32(next, 0, le);
  }
  const exifPointer = find(ifd0, 0x8769);
  if (exifPointer >= 0 && (options.width !== undefined || options.height !== undefined)) {
    const exifIfd = dv.getUint32(exifPointer + 8, le);
    if (exifIfd + 2 <= dv.byteLength) {
      if (options.width !== undefined) setInline(find(exifIfd, 0xa002), options.width);
      if (options.height !== undefined) setInline(find(exifIfd, 0xa003), options.height);
    }
  }
  return out;
}

/** One marker segment: 0xFF, marker, big-endian length (payload + 2), payload. */
export function segment(marker: number, payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_SEGMENT_PAYLOAD) throw new Error(`Segment payload of ${payload.length} bytes is too long.`);
  const out = new Uint8Array(4 + payload.length);
  out[0] = 0xff;
  out[1] = marker;
  out[2] = (payload.length + 2) >> 8;
  out[3] = (payload.length + 2) & 0xff;
  out.set(payload, 4);
  return out;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}
