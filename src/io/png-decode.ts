// The app's own PNG decoder, for the PNGs the browser's decoder would change:
// 16-bit ones (createImageBitmap gives 8 bits per sample, so a 16-bit PNG
// would lose the half of its bits a merge gains most from) and those with
// transparency (an alpha channel or a tRNS chunk: drawn to a canvas, the
// colour under a transparent pixel is premultiplied away). Every other PNG
// keeps going through the browser.
//
// All colour types and bit depths, Adam7 interlacing included; inflated by
// the platform's DecompressionStream('deflate') (zlib, as IDAT is), in the
// decode worker. Alpha is read to say whether it is used, then set opaque:
// a bracket's colour is what the camera saw, whatever a mask says.
import { FileProblem } from './problem';
import { pngHeader, type PngHeader } from './header';

export interface PngColour {
  /** An sRGB chunk. */
  readonly srgb: boolean;
  /** The gAMA chunk's encoding exponent (0.45455 for sRGB-like, 1 for linear), or null. */
  readonly gamma: number | null;
  /** An iCCP chunk (an embedded ICC profile). */
  readonly icc: boolean;
}

export interface DecodedPng {
  readonly width: number;
  readonly height: number;
  /** RGBA, alpha set opaque: 8 bits per sample for bit depths up to 8, 16 for 16. */
  readonly pixels: Uint8ClampedArray<ArrayBuffer> | Uint16Array<ArrayBuffer>;
  readonly header: PngHeader;
  /** Some pixel was not fully opaque (alpha below its maximum, or a tRNS match). */
  readonly alphaUsed: boolean;
  readonly colour: PngColour;
}

const u32 = (b: Uint8Array, i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Walk the chunks: IHDR first, then each (type, data) until IEND. */
function* chunks(bytes: Uint8Array): Generator<[string, Uint8Array]> {
  let i = 8;
  while (i + 8 <= bytes.length) {
    const len = u32(bytes, i);
    const type = String.fromCharCode(bytes[i + 4]!, bytes[i + 5]!, bytes[i + 6]!, bytes[i + 7]!);
    if (i + 12 + len > bytes.length) throw new FileProblem(`is truncated: its PNG ${type} chunk ends early (an incomplete copy or download?).`);
    yield [type, bytes.subarray(i + 8, i + 8 + len)];
    if (type === 'IEND') return;
    i += 12 + len;
  }
}

/**
 * Whether the browser's decoder would change this PNG (16 bits per sample,
 * an alpha channel or a tRNS chunk), so the app decodes it itself.
 */
export function needsOwnPngDecoder(bytes: Uint8Array): boolean {
  const h = pngHeader(bytes);
  if (!h) return false;
  if (h.bitDepth === 16 || h.colourType === 4 || h.colourType === 6) return true;
  try {
    for (const [type] of chunks(bytes)) {
      if (type === 'tRNS') return true;
      if (type === 'IDAT') return false;
    }
  } catch {
    return false; // the browser's decoder says what is wrong with it
  }
  return false;
}

async function inflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate'));
  try {
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch {
    throw new FileProblem('could not be decoded: the PNG data is damaged.');
  }
}

/** Undo one scan line's filter in place; `prev` is the line above, unfiltered (zeros for the first). */
function unfilter(type: number, line: Uint8Array, prev: Uint8Array, bpp: number): void {
  const n = line.length;
  switch (type) {
    case 0:
      return;
    case 1:
      for (let i = bpp; i < n; i++) line[i] = (line[i]! + line[i - bpp]!) & 0xff;
      return;
    case 2:
      for (let i = 0; i < n; i++) line[i] = (line[i]! + prev[i]!) & 0xff;
      return;
    case 3:
      for (let i = 0; i < bpp; i++) line[i] = (line[i]! + (prev[i]! >>> 1)) & 0xff;
      for (let i = bpp; i < n; i++) line[i] = (line[i]! + ((line[i - bpp]! + prev[i]!) >>> 1)) & 0xff;
      return;
    case 4:
      for (let i = 0; i < bpp; i++) line[i] = (line[i]! + prev[i]!) & 0xff;
      for (let i = bpp; i < n; i++) {
        const a = line[i - bpp]!;
        const b = prev[i]!;
        const c = prev[i - bpp]!;
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - c - c);
        line[i] = (line[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      }
      return;
    default:
      throw new FileProblem(`could not be decoded: the PNG data is damaged (unknown row filter ${type}).`);
  }
}

/** Adam7's seven passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** Decode a PNG to RGBA (alpha opaque), keeping 16 bits where it has them. */
export async function decodePng(bytes: Uint8Array): Promise<DecodedPng> {
  const header = pngHeader(bytes);
  if (!header) throw new FileProblem('could not be decoded: the PNG header is damaged.');
  const { width, height, bitDepth: depth, colourType: ct } = header;
  const channels = CHANNELS[ct];
  const depthOk = ct === 0 ? [1, 2, 4, 8, 16].includes(depth) : ct === 3 ? [1, 2, 4, 8].includes(depth) : depth === 8 || depth === 16;
  if (!channels || !depthOk || !(width > 0 && height > 0)) throw new FileProblem(`could not be decoded: the PNG header is damaged (colour type ${ct}, ${depth} bits).`);

  let palette: Uint8Array | null = null;
  let trns: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let colour: PngColour = { srgb: false, gamma: null, icc: false };
  for (const [type, data] of chunks(bytes)) {
    if (type === 'PLTE') palette = data;
    else if (type === 'tRNS') trns = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'sRGB') colour = { ...colour, srgb: true };
    else if (type === 'gAMA' && data.length === 4) colour = { ...colour, gamma: u32(data, 0) / 100000 };
    else if (type === 'iCCP') colour = { ...colour, icc: true };
  }
  if (ct === 3 && !palette) throw new FileProblem('could not be decoded: the PNG has no palette.');
  let size = 0;
  for (const d of idat) size += d.length;
  const zdata = new Uint8Array(size);
  for (let o = 0, k = 0; k < idat.length; o += idat[k]!.length, k++) zdata.set(idat[k]!, o);
  const raw = await inflate(zdata);

  const wide = depth === 16;
  const n = width * height;
  const out = wide ? new Uint16Array(n * 4) : new Uint8ClampedArray(n * 4);
  const max = wide ? 65535 : 255;
  const bitsPerPixel = channels * depth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const mask = (1 << depth) - 1;
  const scale = depth < 8 && ct === 0 ? 255 / mask : 1;
  // tRNS: one colour (grey, RGB: samples at the file's bit depth) or an alpha per palette entry.
  const key = trns && ct === 0 && trns.length >= 2 ? [(trns[0]! << 8) | trns[1]!] : trns && ct === 2 && trns.length >= 6 ? [(trns[0]! << 8) | trns[1]!, (trns[2]! << 8) | trns[3]!, (trns[4]! << 8) | trns[5]!] : null;
  let alphaUsed = false;
  const sample = (line: Uint8Array, x: number, c: number): number => {
    if (depth === 8) return line[x * channels + c]!;
    if (depth === 16) {
      const o = (x * channels + c) * 2;
      return (line[o]! << 8) | line[o + 1]!;
    }
    const bit = x * depth; // one channel (grey or palette index)
    return (line[bit >> 3]! >> (8 - depth - (bit & 7))) & mask;
  };

  let offset = 0;
  const passes = header.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const rowBytes = Math.ceil((pw * bitsPerPixel) / 8);
    let prev: Uint8Array = new Uint8Array(rowBytes);
    for (let py = 0; py < ph; py++) {
      if (offset + 1 + rowBytes > raw.length) throw new FileProblem('is truncated: its PNG image data ends early (an incomplete copy or download?).');
      const line = raw.subarray(offset + 1, offset + 1 + rowBytes);
      unfilter(raw[offset]!, line, prev, bpp);
      offset += 1 + rowBytes;
      prev = line;
      const y = y0 + py * dy;
      for (let px = 0; px < pw; px++) {
        const d = (y * width + x0 + px * dx) * 4;
        if (ct === 3) {
          const i = sample(line, px, 0);
          out[d] = palette![i * 3] ?? 0;
          out[d + 1] = palette![i * 3 + 1] ?? 0;
          out[d + 2] = palette![i * 3 + 2] ?? 0;
          if (trns && i < trns.length && trns[i]! < 255) alphaUsed = true;
        } else if (ct === 0 || ct === 4) {
          const v = sample(line, px, 0);
          const g = scale === 1 ? v : Math.round(v * scale);
          out[d] = out[d + 1] = out[d + 2] = g;
          if (ct === 4 ? sample(line, px, 1) < max : key?.[0] === v) alphaUsed = true;
        } else {
          const r = sample(line, px, 0);
          const g = sample(line, px, 1);
          const b = sample(line, px, 2);
          out[d] = r;
          out[d + 1] = g;
          out[d + 2] = b;
          if (ct === 6 ? sample(line, px, 3) < max : key !== null && key[0] === r && key[1] === g && key[2] === b) alphaUsed = true;
        }
        out[d + 3] = max;
      }
    }
  }
  return { width, height, pixels: out, header, alphaUsed, colour };
}

/** How a 16-bit PNG's values are encoded, from its colour chunks (TIFF's tiffResponse, for PNG). */
export function pngResponse(colour: PngColour): { response: 'srgb' | 'linear'; reason: string } {
  if (colour.srgb) return { response: 'srgb', reason: 'an sRGB chunk' };
  if (colour.gamma !== null && Math.abs(colour.gamma - 1) < 0.05) return { response: 'linear', reason: 'a gAMA chunk of 1.0 (linear)' };
  if (colour.gamma !== null) return { response: 'srgb', reason: `a gAMA chunk of ${(1 / colour.gamma).toFixed(2)}` };
  if (colour.icc) return { response: 'srgb', reason: 'an ICC profile (read as sRGB)' };
  return { response: 'srgb', reason: 'no colour chunk (PNG’s default, sRGB)' };
}
