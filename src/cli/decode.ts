// Bracket files decoded in Node for the batch command: what the app's decode
// worker (src/io/decode.worker.ts) gives, without a browser. JPEG with
// libjpeg-turbo (WebAssembly, @cwasm/jpeg-turbo), the decoder inside Chromium,
// at its settings there (accurate integer IDCT, fancy chroma upsampling): the
// same pixels, bit for bit, where jpeg-js's box upsampling differs by up to 50
// codes at colour edges of 4:2:0 files. jpeg-js only as a fallback for what
// TurboJPEG refuses (CMYK). PNG with pngjs. Both 8-bit RGBA with no colour
// conversion, EXIF orientation applied as the browser does. TIFF with the
// app's own reader (src/io/tiff.ts); EXIF through the same function as the
// worker (src/io/exif-read.ts), so exposures come out the same.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { decode as turboDecode } from '@cwasm/jpeg-turbo';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { ExposureMeta } from '../io/exposure';
import { extractExif } from '../io/exif-copy';
import { readExifTags } from '../io/exif-read';
import { FileProblem } from '../io/problem';
import { looksComplete, sniffImage } from '../io/sniff';
import { decodeTiff, isRawTiff } from '../io/tiff';
import { orient } from '../io/orient';

export interface DecodedFile {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** 8-bit (JPEG, PNG, 8-bit TIFF) or 16-bit (16-bit TIFF) RGBA. */
  readonly pixels: Uint8ClampedArray | Uint16Array;
  readonly exif: ExposureMeta | null;
  /** The EXIF APP1 payload (JPEG only), copied into JPEG outputs. */
  readonly exifSegment: Uint8Array | null;
  /** The camera response the samples call for (16-bit TIFF), as the app's loader reads it; null: no opinion. */
  readonly response: 'srgb' | 'linear' | null;
  /** Why that response ('' when none). */
  readonly note: string;
  /** "JPEG", "PNG", "16-bit TIFF", …: for messages. */
  readonly format: string;
  /** Said to the user when set (a JPEG that only jpeg-js could decode). */
  readonly warning: string;
}

/** Far above jpeg-js's defaults (100 MP, 512 MB), which a 45 MP camera JPEG would trip. */
const JPEG_LIMITS = { maxResolutionInMP: 400, maxMemoryUsageInMB: 8192 };

function decodeJpeg(bytes: Uint8Array): { width: number; height: number; data: Uint8ClampedArray; warning: string } {
  try {
    const img = turboDecode(bytes);
    return { width: img.width, height: img.height, data: img.data, warning: '' };
  } catch {
    // TurboJPEG's messages say nothing here ("Not implemented": its error exit); jpeg-js says more below if it fails too.
  }
  try {
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, ...JPEG_LIMITS });
    const data = new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.byteLength);
    return { width: img.width, height: img.height, data, warning: 'was decoded with jpeg-js, as libjpeg-turbo could not (CMYK or damaged data): its values may differ from the editor’s by a few codes' };
  } catch (err) {
    throw new FileProblem(`could not be decoded: the JPEG data is damaged or unsupported (${err instanceof Error ? err.message : String(err)}).`);
  }
}

function decodePng(bytes: Uint8Array): { width: number; height: number; data: Uint8ClampedArray } {
  try {
    // 16-bit PNGs come down to 8 bits, as the browser's canvas gives them to the app.
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  } catch (err) {
    throw new FileProblem(`could not be decoded: the PNG data is damaged (${err instanceof Error ? err.message : String(err)}).`);
  }
}

/** Decode one bracket file. Throws a FileProblem whose message follows the file name. */
export async function decodeFile(path: string): Promise<DecodedFile> {
  const name = basename(path);
  const buffer = await readFile(path);
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (bytes.length === 0) throw new FileProblem('is empty (0 bytes).');
  const kind = sniffImage(bytes);
  if (!kind) throw new FileProblem('is not a JPEG, PNG or TIFF image.');
  if (kind === 'exr' || kind === 'hdr') throw new FileProblem('is a finished radiance map; the batch command merges brackets (open it in the editor to tone-map it).');
  if (!looksComplete(bytes, kind)) throw new FileProblem(`is truncated: the ${kind.toUpperCase()} data ends early (an incomplete copy or download?).`);
  const tags = await readExifTags(bytes);
  if (kind === 'tiff') {
    if (isRawTiff(bytes)) throw new FileProblem('is a camera RAW (DNG); the batch command reads JPEG, PNG and TIFF brackets. Develop it to 16-bit TIFF, or open it in the editor.');
    // An ArrayBuffer of its own: utif2 reads offsets from the start of the buffer.
    const tiff = await decodeTiff(bytes.slice().buffer);
    const wide = tiff.pixels instanceof Uint16Array;
    // As the app: TIFF pixels are used as stored (its TIFF path applies no orientation).
    const note = tiff.response ? `${tiff.response === 'linear' ? 'linear' : 'gamma-encoded'}: ${tiff.responseReason}${tiff.responseAssumed ? ' (assumed)' : ''}` : '';
    return { name, width: tiff.width, height: tiff.height, pixels: tiff.pixels, exif: tags.exposure, exifSegment: null, response: tiff.response, note, format: `${wide ? 16 : 8}-bit TIFF`, warning: '' };
  }
  const decoded = kind === 'jpeg' ? decodeJpeg(bytes) : { ...decodePng(bytes), warning: '' };
  const upright = orient(decoded.data, decoded.width, decoded.height, tags.orientation);
  let exifSegment: Uint8Array | null = null;
  if (kind === 'jpeg') {
    try {
      exifSegment = extractExif(bytes);
    } catch {
      // A header the copier cannot walk costs the copy, not the file (as in the app).
    }
  }
  return { name, width: upright.width, height: upright.height, pixels: upright.pixels, exif: tags.exposure, exifSegment, response: null, note: '', format: kind.toUpperCase(), warning: decoded.warning };
}
