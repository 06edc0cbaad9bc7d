// Test-only PNG writer, for the unit tests (Vitest) and the e2e specs
// (Playwright, Node side): any colour type and bit depth, Adam7 interlacing,
// PLTE, tRNS, colour chunks, an eXIf chunk, and a size with a cheap body (one
// grey row repeated, for images too large for the GPU). Written from the PNG
// specification (ISO/IEC 15948); filter type 0 (None) on every row. Node only
// (zlib); never imported by the app. pngjs writes neither interlaced nor
// low-bit-depth files, hence this module.
import { deflateSync } from 'node:zlib';
import { crc32 } from '../../src/io/png16';

export interface PngSpec {
  readonly width: number;
  readonly height: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  readonly colourType: 0 | 2 | 3 | 4 | 6;
  readonly bitDepth: 1 | 2 | 4 | 8 | 16;
  /** Samples, row-major, channels per pixel as the colour type has (palette: indices), at the bit depth. */
  readonly samples: ArrayLike<number>;
  readonly interlace?: boolean;
  /** PLTE: r, g, b per entry. */
  readonly palette?: ArrayLike<number>;
  /** tRNS payload as written. */
  readonly trns?: Uint8Array;
  readonly srgb?: boolean;
  /** gAMA as the encoding exponent (0.45455, or 1 for linear). */
  readonly gamma?: number;
  /** eXIf payload (a TIFF stream, "II*\0" or "MM\0*"). */
  readonly exif?: Uint8Array;
}

const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

export function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ihdr(width: number, height: number, bitDepth: number, colourType: number, interlace: boolean): Buffer {
  const h = Buffer.alloc(13);
  h.writeUInt32BE(width, 0);
  h.writeUInt32BE(height, 4);
  h[8] = bitDepth;
  h[9] = colourType;
  h[12] = interlace ? 1 : 0;
  return pngChunk('IHDR', h);
}

/** One pass's scan lines, each a filter byte 0 then the packed samples. */
function packPass(spec: PngSpec, x0: number, y0: number, dx: number, dy: number): Buffer {
  const ch = CHANNELS[spec.colourType];
  const pw = Math.ceil((spec.width - x0) / dx);
  const ph = Math.ceil((spec.height - y0) / dy);
  if (pw <= 0 || ph <= 0) return Buffer.alloc(0);
  const rowBytes = Math.ceil((pw * ch * spec.bitDepth) / 8);
  const out = Buffer.alloc(ph * (rowBytes + 1));
  for (let py = 0; py < ph; py++) {
    const row = out.subarray(py * (rowBytes + 1) + 1, (py + 1) * (rowBytes + 1));
    const y = y0 + py * dy;
    for (let px = 0; px < pw; px++) {
      const x = x0 + px * dx;
      for (let c = 0; c < ch; c++) {
        const v = spec.samples[(y * spec.width + x) * ch + c]!;
        const k = px * ch + c;
        if (spec.bitDepth === 16) row.writeUInt16BE(v, k * 2);
        else if (spec.bitDepth === 8) row[k] = v;
        else {
          const bit = k * spec.bitDepth;
          row[bit >> 3]! |= v << (8 - spec.bitDepth - (bit & 7));
        }
      }
    }
  }
  return out;
}

export function writePng(spec: PngSpec): Buffer {
  const raw = Buffer.concat((spec.interlace ? ADAM7 : [[0, 0, 1, 1] as const]).map(([x0, y0, dx, dy]) => packPass(spec, x0, y0, dx, dy)));
  const parts = [SIGNATURE, ihdr(spec.width, spec.height, spec.bitDepth, spec.colourType, !!spec.interlace)];
  if (spec.exif) parts.push(pngChunk('eXIf', spec.exif));
  if (spec.srgb) parts.push(pngChunk('sRGB', new Uint8Array([0])));
  if (spec.gamma !== undefined) {
    const g = Buffer.alloc(4);
    g.writeUInt32BE(Math.round(spec.gamma * 100000));
    parts.push(pngChunk('gAMA', g));
  }
  if (spec.palette) parts.push(pngChunk('PLTE', Uint8Array.from(spec.palette)));
  if (spec.trns) parts.push(pngChunk('tRNS', spec.trns));
  parts.push(pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

/**
 * A grey 8-bit PNG of any size whose rows are all `value`: the zlib stream of
 * 8000 rows of 12000 equal bytes is a few hundred kilobytes.
 */
export function writeFlatPng(width: number, height: number, value = 0): Buffer {
  const row = Buffer.alloc(width + 1, value);
  row[0] = 0;
  const raw = Buffer.alloc(row.length * height);
  for (let y = 0; y < height; y++) row.copy(raw, y * row.length);
  return Buffer.concat([SIGNATURE, ihdr(width, height, 8, 0, false), pngChunk('IDAT', deflateSync(raw, { level: 9 })), pngChunk('IEND', new Uint8Array(0))]);
}

/** A PNG file's chunk payload by type (the first), or null. */
export function pngChunkData(png: Uint8Array, type: string): Uint8Array | null {
  let i = 8;
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  while (i + 8 <= png.length) {
    const len = dv.getUint32(i);
    if (String.fromCharCode(...png.subarray(i + 4, i + 8)) === type) return png.subarray(i + 8, i + 8 + len);
    i += 12 + len;
  }
  return null;
}
