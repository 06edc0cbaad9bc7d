// 16-bit PNG export of the tone-mapped result: the browser's canvas encoder
// only writes 8 bits per channel, which bands in skies once the picture is
// edited further. Writes IHDR (bit depth 16, RGB or RGBA), sRGB + gAMA, the
// scan lines filtered (Paeth by default; optionally chosen per row by the
// libpng heuristic, least sum of absolute differences, which costs ~40% more
// time for ~0.5% smaller photos), deflated as one zlib stream by the
// platform's CompressionStream (Node 18+, every current browser), and split
// into IDAT chunks. pngjs is Node-only (zlib, streams, Buffer), hence this
// encoder.

import { concatBytes } from './bytes';

export const PNG_EXTENSION = 'png';
export const PNG_MIME = 'image/png';

export interface Png16Options {
  /** Channels per pixel in `pixels`: 4 (RGBA, the default) or 3 (RGB). */
  readonly channels?: 3 | 4;
  /** Keep alpha (colour type 6) when the input has it; default false (opaque RGB, colour type 2). */
  readonly alpha?: boolean;
  /** Write the sRGB and gAMA chunks (default true): the values are sRGB-encoded. */
  readonly srgb?: boolean;
  /** Row filter: one PNG filter type for every row (0 None … 4 Paeth, the default) or 'adaptive' (chosen per row). */
  readonly filter?: 'adaptive' | 0 | 1 | 2 | 3 | 4;
}

const SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const IDAT_CHUNK = 1 << 20;

/**
 * Encodes 16-bit samples (0..65535, row-major, `channels` per pixel) as a
 * 16-bit PNG.
 */
export async function encodePng16(pixels: Uint16Array, width: number, height: number, options: Png16Options = {}): Promise<Uint8Array> {
  const inChannels = options.channels ?? 4;
  if (!(width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height))) {
    throw new Error(`encodePng16: bad size ${width}×${height}.`);
  }
  if (pixels.length < width * height * inChannels) {
    throw new Error(`encodePng16: ${width}×${height}×${inChannels} needs ${width * height * inChannels} samples, got ${pixels.length}.`);
  }
  const outChannels = inChannels === 4 && options.alpha ? 4 : 3;
  const raw = filterScanlines(pixels, width, height, inChannels, outChannels, options.filter ?? 4);
  const compressed = await deflate(raw);

  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 16; // bit depth
  ihdr[9] = outChannels === 4 ? 6 : 2; // colour type: RGBA or RGB
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace

  const chunks: Uint8Array[] = [SIGNATURE, chunk('IHDR', ihdr)];
  if (options.srgb ?? true) {
    chunks.push(chunk('sRGB', new Uint8Array([0]))); // perceptual intent
    const gama = new Uint8Array(4);
    new DataView(gama.buffer).setUint32(0, 45455); // 1/2.2 × 100000, as the PNG spec pairs with sRGB
    chunks.push(chunk('gAMA', gama));
  }
  for (let o = 0; o < compressed.length; o += IDAT_CHUNK) {
    chunks.push(chunk('IDAT', compressed.subarray(o, Math.min(o + IDAT_CHUNK, compressed.length))));
  }
  if (compressed.length === 0) chunks.push(chunk('IDAT', compressed));
  chunks.push(chunk('IEND', new Uint8Array(0)));
  return concatBytes(chunks);
}

/** Big-endian samples, one filter byte per row, the filter chosen per row. */
function filterScanlines(pixels: Uint16Array, width: number, height: number, inCh: number, outCh: number, filter: Png16Options['filter'] & {}): Uint8Array {
  const bpp = outCh * 2;
  const rowBytes = width * bpp;
  const out = new Uint8Array(height * (rowBytes + 1));
  let prev = new Uint8Array(rowBytes);
  let cur = new Uint8Array(rowBytes);
  const trial = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    // Unfiltered row, big-endian.
    for (let x = 0, s = y * width * inCh, d = 0; x < width; x++, s += inCh) {
      for (let c = 0; c < outCh; c++, d += 2) {
        const v = pixels[s + c]!;
        cur[d] = v >>> 8;
        cur[d + 1] = v & 0xff;
      }
    }
    const base = y * (rowBytes + 1);
    const dst = out.subarray(base + 1, base + 1 + rowBytes);
    if (filter !== 'adaptive') {
      out[base] = filter;
      if (filter === 0) dst.set(cur);
      else FILTERS[filter - 1]!(cur, prev, bpp, dst, Infinity);
    } else {
      // None is the fallback, written in place; each other filter replaces it when cheaper.
      dst.set(cur);
      let best = signedSum(cur);
      out[base] = 0;
      for (let f = 1; f <= 4; f++) {
        const cost = FILTERS[f - 1]!(cur, prev, bpp, trial, best);
        if (cost < best) {
          best = cost;
          out[base] = f;
          dst.set(trial);
        }
      }
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return out;
}

/** Sum of bytes read as signed values: the libpng "minimum sum of absolute differences" cost. */
function signedSum(row: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    sum += v < 128 ? v : 256 - v;
  }
  return sum;
}

type Filter = (cur: Uint8Array, prev: Uint8Array, bpp: number, out: Uint8Array, limit: number) => number;

/**
 * Sub, Up, Average, Paeth: each writes `cur` filtered into `out` and returns
 * its cost, or Infinity as soon as the cost reaches `limit` (checked per
 * pixel, the row is then abandoned).
 */
const FILTERS: readonly Filter[] = [
  (cur, _prev, bpp, out, limit) => {
    let sum = 0;
    for (let i = 0; i < bpp; i++) {
      const v = cur[i]!;
      out[i] = v;
      sum += v < 128 ? v : 256 - v;
    }
    for (let i = bpp; i < cur.length;) {
      for (const end = i + bpp; i < end; i++) {
        const v = (cur[i]! - cur[i - bpp]!) & 0xff;
        out[i] = v;
        sum += v < 128 ? v : 256 - v;
      }
      if (sum >= limit) return Infinity;
    }
    return sum;
  },
  (cur, prev, bpp, out, limit) => {
    let sum = 0;
    for (let i = 0; i < cur.length;) {
      for (const end = i + bpp; i < end; i++) {
        const v = (cur[i]! - prev[i]!) & 0xff;
        out[i] = v;
        sum += v < 128 ? v : 256 - v;
      }
      if (sum >= limit) return Infinity;
    }
    return sum;
  },
  (cur, prev, bpp, out, limit) => {
    let sum = 0;
    for (let i = 0; i < bpp; i++) {
      const v = (cur[i]! - (prev[i]! >>> 1)) & 0xff;
      out[i] = v;
      sum += v < 128 ? v : 256 - v;
    }
    for (let i = bpp; i < cur.length;) {
      for (const end = i + bpp; i < end; i++) {
        const v = (cur[i]! - ((cur[i - bpp]! + prev[i]!) >>> 1)) & 0xff;
        out[i] = v;
        sum += v < 128 ? v : 256 - v;
      }
      if (sum >= limit) return Infinity;
    }
    return sum;
  },
  (cur, prev, bpp, out, limit) => {
    let sum = 0;
    // First pixel: a = c = 0, so the predictor is b.
    for (let i = 0; i < bpp; i++) {
      const v = (cur[i]! - prev[i]!) & 0xff;
      out[i] = v;
      sum += v < 128 ? v : 256 - v;
    }
    for (let i = bpp; i < cur.length;) {
      for (const end = i + bpp; i < end; i++) {
        const a = cur[i - bpp]!;
        const b = prev[i]!;
        const c = prev[i - bpp]!;
        const pa = Math.abs(b - c); // |p − a| with p = a + b − c
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - c - c);
        const v = (cur[i]! - (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
        out[i] = v;
        sum += v < 128 ? v : 256 - v;
      }
      if (sum >= limit) return Infinity;
    }
    return sum;
  },
];

/** zlib (RFC 1950) stream of `data`, as PNG's IDAT wants. */
async function deflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (ISO 3309, as PNG uses). Exported for the tests. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
