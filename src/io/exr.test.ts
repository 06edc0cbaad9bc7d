import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from '../engine/reference/random';
import type { FloatImage } from '../engine/types';
import { encodeExr, EXR_EXTENSION, EXR_MIME, HALF_MAX } from './exr';
import { readExr } from '../../test/support/readers';

// The reader (test/support/readers.ts) is written from the OpenEXR file
// layout document, independent of the writer (hdrify).

/** Log-uniform values over 2^-20..2^15, and the awkward ones in the first pixels. */
function testImage(width: number, height: number, seed: number): FloatImage {
  const r = rng(seed);
  const data = new Float32Array(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i & 3) === 3 ? 1 : 2 ** (r() * 35 - 20);
  const special = [0, 1, HALF_MAX, 70000, NaN, -2, Infinity, -Infinity, 3e-6, 6e-8, 1e-9, 2 ** -14, 0.1, 1 / 3];
  // Three to a pixel, in R, G, B.
  for (let k = 0; k < special.length; k++) data[Math.floor(k / 3) * 4 + (k % 3)] = special[k]!;
  return { width, height, data };
}

/** What the file should hold for input v: clamped to the half range, NaN as 0. */
function expected(v: number): number {
  return Number.isNaN(v) ? 0 : Math.max(-HALF_MAX, Math.min(HALF_MAX, v));
}

/** |decoded − expected| ≤ max(|expected|·2^-11, 2^-24): half rounding, subnormal step, flush below 2^-24. */
function halfError(decoded: number, v: number): number {
  const e = expected(v);
  return Math.abs(decoded - e) / Math.max(Math.abs(e) * 2 ** -11, 2 ** -24);
}

const dir = mkdtempSync(join(tmpdir(), 'hdr-exr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const has = (tool: string): boolean => spawnSync('which', [tool]).status === 0;

describe('encodeExr', () => {
  it('names its format', () => {
    expect(EXR_EXTENSION).toBe('exr');
    expect(EXR_MIME).toBe('image/x-exr');
  });

  it('writes half B, G, R with ZIP compression and the image size', () => {
    const img = testImage(37, 23, 1);
    const file = readExr(encodeExr(img));
    expect(file.channels).toEqual([
      { name: 'B', pixelType: 1 },
      { name: 'G', pixelType: 1 },
      { name: 'R', pixelType: 1 },
    ]);
    expect(file.compression).toBe(3);
    expect(file.attributes.get('compression')!.type).toBe('compression');
    expect([file.width, file.height]).toEqual([37, 23]);
    expect(file.attributes.get('chromaticities')!.type).toBe('chromaticities');
    expect(file.attributes.get('lineOrder')!.value[0]).toBe(0);
  });

  it('reads back within half precision (relative 2^-11, 2^-24 absolute near zero)', () => {
    const img = testImage(61, 40, 2);
    const before = img.data.slice();
    const bytes = encodeExr(img);
    // The caller's pixels are left alone.
    expect(Array.from(img.data)).toEqual(Array.from(before));
    const file = readExr(bytes);
    let worst = 0;
    let worstRel = 0;
    for (let i = 0; i < img.width * img.height; i++) {
      for (const [c, name] of ['R', 'G', 'B'].entries()) {
        const v = img.data[i * 4 + c]!;
        const d = file.planes.get(name)![i]!;
        worst = Math.max(worst, halfError(d, v));
        const e = expected(v);
        if (Math.abs(e) >= 2 ** -14) worstRel = Math.max(worstRel, Math.abs(d - e) / Math.abs(e));
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(worstRel).toBeLessThanOrEqual(2 ** -11);
    // The special values, one by one.
    const r = file.planes.get('R')!;
    const g = file.planes.get('G')!;
    const b = file.planes.get('B')!;
    expect([r[0], g[0], b[0]]).toEqual([0, 1, HALF_MAX]); // 0, 1, 65504
    expect([r[1], g[1], b[1]]).toEqual([HALF_MAX, 0, -2]); // 70000 clamped, NaN → 0, negative kept
    expect([r[2], g[2]]).toEqual([HALF_MAX, -HALF_MAX]); // ±Infinity clamped
    expect(Math.abs(b[2]! - 3e-6)).toBeLessThanOrEqual(2 ** -25); // subnormal half
    expect(r[3]).toBeLessThanOrEqual(2 ** -24); // 6e-8 → 0 or 2^-24
    expect(g[3]).toBe(0); // 1e-9 flushes to 0
    expect(b[3]).toBe(2 ** -14); // smallest normal half, exact
  });

  it('the test reader decodes some rows alone as the whole file has them', () => {
    const img = testImage(29, 53, 4);
    const bytes = encodeExr(img);
    const whole = readExr(bytes);
    // Rows across a block edge (16 lines a block), and the last partial block.
    for (const [y0, y1] of [
      [13, 35],
      [48, 53],
    ] as const) {
      const part = readExr(bytes, [y0, y1]);
      expect([part.width, part.height, part.firstRow]).toEqual([29, 53, y0]);
      for (const name of ['R', 'G', 'B']) expect(Array.from(part.planes.get(name)!)).toEqual(Array.from(whole.planes.get(name)!.subarray(y0 * 29, y1 * 29)));
    }
    expect(() => readExr(bytes, [50, 60])).toThrow(/rows/);
  });

  it('handles one pixel and a single partial block', () => {
    const img: FloatImage = { width: 1, height: 1, data: new Float32Array([0.5, 2, 1024, 1]) };
    const file = readExr(encodeExr(img));
    expect([file.planes.get('R')![0], file.planes.get('G')![0], file.planes.get('B')![0]]).toEqual([0.5, 2, 1024]);
  });

  it('rejects a buffer too small for its size', () => {
    expect(() => encodeExr({ width: 4, height: 4, data: new Float32Array(10) })).toThrow();
  });

  it.skipIf(!has('exrheader'))('is accepted by OpenEXR (exrheader)', () => {
    const path = join(dir, 'header.exr');
    writeFileSync(path, encodeExr(testImage(64, 33, 3)));
    const out = execFileSync('exrheader', [path], { encoding: 'utf8' });
    expect(out).toMatch(/compression \(type compression\): zip/);
    expect(out).toMatch(/B, 16-bit floating-point/);
    expect(out).toMatch(/G, 16-bit floating-point/);
    expect(out).toMatch(/R, 16-bit floating-point/);
    expect(out).toMatch(/dataWindow \(type box2i\): \(0 0\) - \(63 32\)/);
  });

  // ImageMagick reads EXR through the OpenEXR library: an independent decode
  // of the pixels. Its Q16 build clamps to [0, 1] and keeps 16 bits, so the
  // check uses values below 1 and a tolerance of 2^-11 relative + 1/65535.
  it.skipIf(!has('convert') || !has('exrheader'))('decodes to the same pixels with OpenEXR (ImageMagick)', () => {
    const r = rng(4);
    const width = 19;
    const height = 17;
    const data = new Float32Array(width * height * 4);
    for (let i = 0; i < data.length; i++) data[i] = (i & 3) === 3 ? 1 : 0.02 + 0.97 * r();
    const path = join(dir, 'pixels.exr');
    writeFileSync(path, encodeExr({ width, height, data }));
    const raw = execFileSync('convert', [path, '-set', 'colorspace', 'sRGB', '-depth', '16', '-endian', 'LSB', 'rgb:-']);
    const got = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
    expect(got.length).toBe(width * height * 3);
    let worst = 0;
    for (let i = 0; i < width * height; i++) {
      for (let c = 0; c < 3; c++) {
        const v = data[i * 4 + c]!;
        worst = Math.max(worst, Math.abs(got[i * 3 + c]! / 65535 - v) / (v * 2 ** -11 + 1 / 65535));
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });
});
