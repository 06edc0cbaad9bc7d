// The proxy of a set too big for the whole-image graph (issue 15): the
// brackets (or the radiance map) box-averaged by a whole factor k on the CPU,
// small enough for one texture and the budget. The interactive graph runs on
// it (the fitted preview, zoom down to 1/k, drafts, alignment's estimate is
// not run); exports, the statistics and the view beyond 1/k come from the
// full-size set tile by tile (graph/tiled-image.ts).
import { isWide, type Bracket, type FloatImage } from '../types';
import type { MemoryLimits } from './budget';

/** The proxy's longest side at most: a 16 MP proxy keeps the preview's work near what a 12–16 MP camera set costs. */
export const PROXY_MAX_SIDE = 4096;

/**
 * Bytes per pixel the whole-image graph holds for a set, an upper bound:
 * each bracket's upload, the radiance map, the fused or detailed result and
 * the pyramids' accumulators. For 5 8-bit brackets that is 116 B/px; the
 * bench measured peaks of 57–59 B/px for merge and 90 B/px for fusion
 * (bench/results/2026-12-06-tiling.md).
 */
export function untiledBytesPerPixel(count: number, wide: boolean): number {
  return count * (wide ? 8 : 4) + 96;
}

/**
 * Whether the whole-image graph can hold the set: both sides within the
 * texture limit and, where a budget was set explicitly, its bytes within it.
 * (WebGPU does not tell how much memory a GPU has, so the default budget,
 * a guess from the limits, never sends a set that fits the texture limit to
 * the tiled path: sets that open today are processed as before.)
 */
export function wholeImageFits(width: number, height: number, count: number, wide: boolean, limits: MemoryLimits, budget: number | null): boolean {
  const side = limits.maxTextureDimension2D;
  if (width > side || height > side) return false;
  return budget === null || width * height * untiledBytesPerPixel(count, wide) <= budget;
}

/** The smallest whole factor k that brings the set within wholeImageFits and PROXY_MAX_SIDE. */
export function proxyFactor(width: number, height: number, count: number, wide: boolean, limits: MemoryLimits, budget: number | null): number {
  const side = Math.min(limits.maxTextureDimension2D, PROXY_MAX_SIDE);
  let k = Math.max(1, Math.ceil(Math.max(width, height) / side));
  while (!wholeImageFits(Math.ceil(width / k), Math.ceil(height / k), count, wide, limits, budget) && k < Math.max(width, height)) k++;
  return k;
}

/** Box-average RGBA samples by k (the last row and column of blocks average what they cover). */
function boxDown<T extends Uint8Array | Uint8ClampedArray | Uint16Array | Float32Array>(src: T, width: number, height: number, k: number, make: (n: number) => T, round: boolean): T {
  const w = Math.ceil(width / k);
  const h = Math.ceil(height / k);
  const out = make(w * h * 4);
  const sums = new Float64Array(w * 4);
  for (let by = 0; by < h; by++) {
    sums.fill(0);
    const y1 = Math.min(height, (by + 1) * k);
    for (let y = by * k; y < y1; y++) {
      const row = y * width * 4;
      for (let x = 0; x < width; x++) {
        const s = ((x / k) | 0) * 4;
        const i = row + x * 4;
        sums[s]! += src[i]!;
        sums[s + 1]! += src[i + 1]!;
        sums[s + 2]! += src[i + 2]!;
        sums[s + 3]! += src[i + 3]!;
      }
    }
    const rows = y1 - by * k;
    for (let bx = 0; bx < w; bx++) {
      const n = rows * (Math.min(width, (bx + 1) * k) - bx * k);
      for (let c = 0; c < 4; c++) {
        const v = sums[bx * 4 + c]! / n;
        out[(by * w + bx) * 4 + c] = round ? Math.round(v) : v;
      }
    }
  }
  return out;
}

/** Whether a Uint32Array over RGBA bytes holds R in its low byte (every platform a browser runs on). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * boxDown of 8-bit RGBA by 2, exactly (the common proxy: a set tiled only
 * for its budget), about 3.5× its speed: it is on the first picture's path
 * (24 MP × 5 brackets in ~0.4 s instead of ~1.3 s on a 2.8 GHz core). Each
 * pixel is read as one u32 and its R, B and G, A bytes summed in 16-bit
 * lanes (4 × 255 fits); Math.round of the mean as ⌊(2·sum + n) / 2n⌋.
 */
function boxDown2(src: Uint8Array | Uint8ClampedArray, width: number, height: number): Uint8Array {
  const px = new Uint32Array(src.buffer, src.byteOffset, width * height);
  const w = Math.ceil(width / 2);
  const h = Math.ceil(height / 2);
  const out = new Uint8Array(w * h * 4);
  const mean = (sum: number, n: number) => Math.floor((2 * sum + n) / (2 * n));
  for (let by = 0; by < h; by++) {
    const r0 = 2 * by * width;
    const tall = 2 * by + 1 < height;
    const r1 = tall ? r0 + width : r0;
    let o = by * w * 4;
    for (let x = 0; x < width; x += 2) {
      const wide = x + 1 < width;
      let v = px[r0 + x]!;
      let rb = v & 0x00ff00ff;
      let ga = (v >>> 8) & 0x00ff00ff;
      if (wide) {
        v = px[r0 + x + 1]!;
        rb += v & 0x00ff00ff;
        ga += (v >>> 8) & 0x00ff00ff;
      }
      if (tall) {
        v = px[r1 + x]!;
        rb += v & 0x00ff00ff;
        ga += (v >>> 8) & 0x00ff00ff;
        if (wide) {
          v = px[r1 + x + 1]!;
          rb += v & 0x00ff00ff;
          ga += (v >>> 8) & 0x00ff00ff;
        }
      }
      const n = (tall ? 2 : 1) * (wide ? 2 : 1);
      out[o++] = mean(rb & 0xffff, n);
      out[o++] = mean(ga & 0xffff, n);
      out[o++] = mean(rb >>> 16, n);
      out[o++] = mean(ga >>> 16, n);
    }
  }
  return out;
}

/** The brackets box-averaged by k, exposures kept. */
export function proxyBrackets(brackets: readonly Bracket[], k: number): Bracket[] {
  if (k === 1) return [...brackets];
  return brackets.map((b) => {
    const width = Math.ceil(b.width / k);
    const height = Math.ceil(b.height / k);
    const p = b.pixels;
    let pixels: Bracket['pixels'];
    if (isWide(p)) pixels = boxDown(p, b.width, b.height, k, (n) => new Uint16Array(n), true);
    else if (k === 2 && LITTLE_ENDIAN && p.byteOffset % 4 === 0) pixels = boxDown2(p, b.width, b.height);
    else pixels = boxDown(p, b.width, b.height, k, (n) => new Uint8Array(n), true);
    return { ...b, width, height, pixels };
  });
}

/** A radiance map box-averaged by k. */
export function proxyRadiance(image: FloatImage, k: number): FloatImage {
  if (k === 1) return image;
  return { width: Math.ceil(image.width / k), height: Math.ceil(image.height / k), data: boxDown(image.data, image.width, image.height, k, (n) => new Float32Array(n), false) };
}
