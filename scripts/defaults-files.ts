// Files for the defaults quality report (defaults.quality.ts): bracket sets
// written as the batch command reads them (8-bit PNG with an eXIf chunk that
// carries the exposure, so the CLI takes its exposures from EXIF as the app
// does) beside a times.txt for the OpenCV peers, and the readers for what
// comes back (8-bit PNG, the CLI's OpenEXR, the peers' Radiance .hdr). The EXR
// and .hdr readers are the tests' own (test/support/readers.ts), which share no
// code with the app's writers.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';
import type { Bracket, FloatImage } from '../src/engine/types';
import type { ExposureMeta } from '../src/io/exposure';
import { readExr, readRadiance } from '../test/support/readers';

/** 8-bit RGBA, row-major. */
export interface Rgba8 {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** An exposure time in seconds as an EXIF RATIONAL: 1/n where that is exact to 0.1 %, else micro-seconds. */
function timeRational(t: number): [number, number] {
  if (t < 1 && Math.abs(1 / t - Math.round(1 / t)) < 1e-3 / t) return [1, Math.round(1 / t)];
  return t < 4000 ? [Math.round(t * 1e6), 1e6] : [Math.round(t), 1];
}

/** A little-endian TIFF (the payload of a PNG eXIf chunk): IFD0 with Orientation 1 → Exif IFD with ExposureTime, FNumber, ISO where given. */
export function exifTiff(meta: ExposureMeta): Uint8Array {
  const RATIONAL = 5;
  const SHORT = 3;
  const LONG = 4;
  const exif: [number, number, number[]][] = [];
  if (meta.exposureTime) exif.push([0x829a, RATIONAL, timeRational(meta.exposureTime)]);
  if (meta.fNumber) exif.push([0x829d, RATIONAL, [Math.round(meta.fNumber * 100), 100]]);
  if (meta.iso) exif.push([0x8827, SHORT, [Math.round(meta.iso)]]);
  const ifd0Size = 2 + 12 * 2 + 4;
  const exifOff = 8 + ifd0Size;
  const exifSize = 2 + 12 * exif.length + 4;
  let ext = exifOff + exifSize;
  const out = new DataView(new ArrayBuffer(ext + 8 * exif.length));
  out.setUint16(0, 0x4949);
  out.setUint16(2, 42, true);
  out.setUint32(4, 8, true);
  const entry = (at: number, tag: number, type: number, value: number) => {
    out.setUint16(at, tag, true);
    out.setUint16(at + 2, type, true);
    out.setUint32(at + 4, 1, true);
    if (type === SHORT) out.setUint16(at + 8, value, true);
    else out.setUint32(at + 8, value, true);
  };
  out.setUint16(8, 2, true);
  entry(10, 0x0112, SHORT, 1);
  entry(22, 0x8769, LONG, exifOff);
  out.setUint32(34, 0, true);
  out.setUint16(exifOff, exif.length, true);
  for (const [i, [tag, type, v]] of exif.entries()) {
    const at = exifOff + 2 + 12 * i;
    if (type === RATIONAL) {
      entry(at, tag, type, ext);
      out.setUint32(ext, v[0]!, true);
      out.setUint32(ext + 4, v[1]!, true);
      ext += 8;
    } else entry(at, tag, type, v[0]!);
  }
  out.setUint32(exifOff + 2 + 12 * exif.length, 0, true);
  return new Uint8Array(out.buffer, 0, ext);
}

function pngChunk(type: string, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(payload.length, 0);
  head.write(type, 4, 'latin1');
  const body = Buffer.concat([head.subarray(4), payload]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0, 0);
  return Buffer.concat([head.subarray(0, 4), body, crc]);
}

/** An opaque 8-bit RGB PNG of RGBA pixels, with an eXIf chunk right after IHDR when exif is given. */
export function encodePng(image: Rgba8, exif?: Uint8Array): Buffer {
  const png = PNG.sync.write(Object.assign(new PNG({ width: image.width, height: image.height }), { data: Buffer.from(image.data) }), { colorType: 2, inputColorType: 6 });
  if (!exif) return png;
  const ihdrEnd = 8 + 8 + 13 + 4;
  return Buffer.concat([png.subarray(0, ihdrEnd), pngChunk('eXIf', exif), png.subarray(ihdrEnd)]);
}

/** An 8-bit PNG as RGBA. */
export function readPng(path: string): Rgba8 {
  const png = PNG.sync.read(readFileSync(path));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

/** An RGB OpenEXR (the CLI's radiance map) as RGBA float, alpha 1. */
export function readExrImage(path: string): FloatImage {
  const file = readExr(new Uint8Array(readFileSync(path)));
  const [r, g, b] = ['R', 'G', 'B'].map((c) => file.planes.get(c));
  if (!r || !g || !b) throw new Error(`${path}: no R, G, B channels`);
  const data = new Float32Array(file.width * file.height * 4);
  for (let p = 0; p < file.width * file.height; p++) {
    data[p * 4] = r[p]!;
    data[p * 4 + 1] = g[p]!;
    data[p * 4 + 2] = b[p]!;
    data[p * 4 + 3] = 1;
  }
  return { width: file.width, height: file.height, data };
}

/** A Radiance .hdr (the OpenCV peer's merge, Debevec's memorial map) as RGBA float, alpha 1. */
export function readHdrImage(path: string): FloatImage {
  const { width, height, rgb } = readRadiance(new Uint8Array(readFileSync(path)));
  const data = new Float32Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    data.set(rgb.subarray(p * 3, p * 3 + 3), p * 4);
    data[p * 4 + 3] = 1;
  }
  return { width, height, data };
}

/**
 * A bracket set as a folder: one PNG per bracket (b<k>.png, darkest first),
 * each with its EXIF exposure (metas), and times.txt ("file seconds", the
 * times listed) for the peers.
 */
export function writeSet(dir: string, brackets: readonly Bracket[], metas: readonly ExposureMeta[], seconds: readonly number[]): void {
  mkdirSync(dir, { recursive: true });
  const rows = ['# filename exposure_time_seconds (shortest first)'];
  for (const [k, b] of brackets.entries()) {
    const file = `b${String(k + 1).padStart(2, '0')}.png`;
    const meta = metas[k]!;
    writeFileSync(join(dir, file), encodePng({ width: b.width, height: b.height, data: Uint8Array.from(b.pixels as ArrayLike<number>) }, exifTiff(meta)));
    rows.push(`${file} ${seconds[k]}`);
  }
  writeFileSync(join(dir, 'times.txt'), `${rows.join('\n')}\n`);
}
