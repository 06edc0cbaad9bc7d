// Radiance RGBE (.hdr) export of the radiance map, the format most HDR tools
// and 3D packages read. Each pixel is three 8-bit mantissas sharing one 8-bit
// exponent (Ward, Graphics Gems II), so precision is relative to the pixel's
// brightest channel: |error| <= max(r, g, b) / 256 with the usual decoder
// value = mantissa · 2^(e − 136). Scan lines use the "new" run-length
// encoding (each of R, G, B, E run-length coded separately) when the width
// allows it (8..32767), flat otherwise.
//
// Written here rather than with hdrify's writeHdr: that one stores no RLE,
// pins the exponent at 2^0 for every value below 1 (so 0.001 comes back as
// 0.002) and assumes a /255 decoder that no reader uses.

import type { FloatImage } from '../engine/types';

export const RADIANCE_EXTENSION = 'hdr';
export const RADIANCE_MIME = 'image/vnd.radiance';

/** Below this the pixel is stored as black (Ward's threshold). */
const RGBE_MIN = 1e-32;
const MIN_RUN = 4;

/**
 * Encodes a linear RGBA float image as an RLE Radiance HDR file (alpha is
 * dropped). Negative and NaN channels are written as 0, infinities as the
 * largest RGBE value. The input is not modified.
 */
export function encodeRadiance(image: FloatImage): Uint8Array {
  const { width, height, data } = image;
  if (!(width > 0 && height > 0) || data.length < width * height * 4) {
    throw new Error(`encodeRadiance: ${width}×${height} needs ${width * height * 4} floats, got ${data.length}.`);
  }
  const header = new TextEncoder().encode(`#?RADIANCE\n# hdr-studio\nFORMAT=32-bit_rle_rgbe\n\n-Y ${height} +X ${width}\n`);
  const rle = width >= 8 && width <= 0x7fff;
  // Worst case per scan line: 4 bytes of line header, and per component one
  // count byte for each 128 literals.
  const lineMax = rle ? 4 + 4 * (width + Math.ceil(width / 128)) : 4 * width;
  const out = new Uint8Array(header.length + lineMax * height);
  out.set(header, 0);
  let o = header.length;
  const line = new Uint8Array(width * 4);
  const comp = new Uint8Array(width);
  for (let y = 0; y < height; y++) {
    for (let x = 0, p = y * width * 4; x < width; x++, p += 4) {
      toRgbe(data[p]!, data[p + 1]!, data[p + 2]!, line, x * 4);
    }
    if (!rle) {
      out.set(line, o);
      o += line.length;
      continue;
    }
    out[o++] = 2;
    out[o++] = 2;
    out[o++] = width >> 8;
    out[o++] = width & 0xff;
    for (let c = 0; c < 4; c++) {
      for (let x = 0; x < width; x++) comp[x] = line[x * 4 + c]!;
      o = writeRle(comp, out, o);
    }
  }
  return out.slice(0, o);
}

/**
 * Shared-exponent encoding, rounded so that decoders using
 * mantissa · 2^(e − 136) (Walter's rgbe.c, stb_image, three.js, OpenCV) are
 * off by at most half a mantissa step. Exported for the tests.
 */
export function toRgbe(r: number, g: number, b: number, out: Uint8Array, o: number): void {
  r = clean(r);
  g = clean(g);
  b = clean(b);
  const max = r > g ? (r > b ? r : b) : g > b ? g : b;
  if (max < RGBE_MIN) {
    out[o] = out[o + 1] = out[o + 2] = out[o + 3] = 0;
    return;
  }
  // max = m · 2^e with m in [0.5, 1), read off the float32 exponent bits
  // (values come from a Float32Array); mantissas are value · 256 / 2^e.
  F32[0] = max;
  let e = ((U32[0]! >>> 23) & 0xff) - 126;
  if (e > 128) e = 128; // float32 overflow (infinity)
  let scale = SCALE[e + SCALE_BIAS]!;
  if (Math.round(max * scale) >= 256) {
    e += 1;
    scale *= 0.5;
  }
  if (e > 127) {
    out[o] = out[o + 1] = out[o + 2] = out[o + 3] = 255;
    return;
  }
  if (e < -127) {
    // An exponent byte of 0 means black to every reader.
    out[o] = out[o + 1] = out[o + 2] = out[o + 3] = 0;
    return;
  }
  out[o] = Math.round(r * scale);
  out[o + 1] = Math.round(g * scale);
  out[o + 2] = Math.round(b * scale);
  out[o + 3] = e + 128;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
/** 2^(8 − e) for e in −130..130. */
const SCALE_BIAS = 130;
const SCALE = Float64Array.from({ length: 2 * SCALE_BIAS + 1 }, (_, i) => 2 ** (8 - (i - SCALE_BIAS)));

const clean = (v: number): number => (v > 0 ? Math.min(v, Number.MAX_VALUE) : 0);

/**
 * Run-length codes one component of a scan line: a byte n > 128 is followed
 * by one value repeated n − 128 times; n <= 128 is followed by n literals.
 */
function writeRle(src: Uint8Array, out: Uint8Array, o: number): number {
  const n = src.length;
  let i = 0;
  while (i < n) {
    // Find the next run of at least MIN_RUN equal bytes.
    let runStart = i;
    let runLen = 0;
    while (runStart < n) {
      runLen = 1;
      while (runStart + runLen < n && runLen < 127 && src[runStart + runLen] === src[runStart]) runLen++;
      if (runLen >= MIN_RUN) break;
      runStart += runLen;
    }
    if (runStart >= n) {
      runStart = n;
      runLen = 0;
    }
    // Literals up to the run.
    while (i < runStart) {
      const count = Math.min(128, runStart - i);
      out[o++] = count;
      out.set(src.subarray(i, i + count), o);
      o += count;
      i += count;
    }
    if (runLen >= MIN_RUN) {
      out[o++] = 128 + runLen;
      out[o++] = src[runStart]!;
      i = runStart + runLen;
    }
  }
  return o;
}
