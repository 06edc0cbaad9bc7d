import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from '../engine/reference/random';
import type { FloatImage } from '../engine/types';
import { encodeRadiance, RADIANCE_EXTENSION, RADIANCE_MIME, toRgbe } from './radiance';
import { readRadiance } from '../../test/support/readers';

// The reader (test/support/readers.ts) follows Radiance's color.c and
// Walter's rgbe.c, not this writer.

/** Error in units of the RGBE step bound: max(r, g, b) / 256. */
function rgbeError(decoded: number, v: number, max: number): number {
  return Math.abs(decoded - Math.max(0, v)) / (max / 256);
}

/**
 * ImageMagick's command-line tool: `magick` (ImageMagick 7) or `convert` (6),
 * the first whose `-version` exits 0 and starts "Version: ImageMagick". A
 * `convert` on the PATH need not be ImageMagick's (GraphicsMagick's, or a
 * stand-in that only converts PNG), so being found is not enough. Otherwise
 * null, and why: what each candidate answered.
 */
function findImageMagick(): { command: string | null; why: string } {
  const answers: string[] = [];
  for (const command of ['magick', 'convert']) {
    const r = spawnSync(command, ['-version'], { encoding: 'utf8', timeout: 10_000 });
    if (r.status === 0 && /^Version: ImageMagick \d/.test(r.stdout)) return { command, why: '' };
    const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
    const said = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0]!.slice(0, 100);
    answers.push(code === 'ENOENT' ? `no ${command}` : `\`${command} -version\` ${r.error ? `failed (${r.error.message})` : `exited ${r.status}`}${said ? `: "${said}"` : ''}`);
  }
  return { command: null, why: `ImageMagick is not installed (${answers.join('; ')})` };
}

function testImage(width: number, height: number, seed: number): FloatImage {
  const r = rng(seed);
  const data = new Float32Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    // Per pixel a brightness over 2^-30..2^30 and a colour; some flat runs for the RLE.
    const run = Math.floor(p / 9) % 3 === 0;
    const L = run ? 0.75 : 2 ** (r() * 60 - 30);
    for (let c = 0; c < 3; c++) data[p * 4 + c] = run ? L : L * (0.05 + r());
    data[p * 4 + 3] = 1;
  }
  return { width, height, data };
}

const dir = mkdtempSync(join(tmpdir(), 'hdr-rgbe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('encodeRadiance', () => {
  it('names its format', () => {
    expect(RADIANCE_EXTENSION).toBe('hdr');
    expect(RADIANCE_MIME).toBe('image/vnd.radiance');
  });

  it('reads back within RGBE precision (max channel / 256) through the RLE path', () => {
    const img = testImage(97, 31, 1);
    const before = img.data.slice();
    const bytes = encodeRadiance(img);
    expect(Array.from(img.data)).toEqual(Array.from(before));
    const file = readRadiance(bytes);
    expect(file.header[0]).toBe('#?RADIANCE');
    expect(file.header).toContain('FORMAT=32-bit_rle_rgbe');
    expect([file.width, file.height]).toEqual([97, 31]);
    let worst = 0;
    for (let p = 0; p < img.width * img.height; p++) {
      const v = [0, 1, 2].map((c) => img.data[p * 4 + c]!);
      const max = Math.max(...v);
      for (let c = 0; c < 3; c++) worst = Math.max(worst, rgbeError(file.rgb[p * 3 + c]!, v[c]!, max));
    }
    expect(worst).toBeLessThanOrEqual(1);
    // Flat runs: 0.75 is exact in RGBE.
    expect(file.rgb[0]).toBe(0.75);
  });

  it('compresses flat areas (new-style RLE)', () => {
    const width = 256;
    const height = 8;
    const data = new Float32Array(width * height * 4).fill(0.5);
    const bytes = encodeRadiance({ width, height, data });
    expect(bytes.length).toBeLessThan(width * height); // a quarter of flat RGBE or less
    const file = readRadiance(bytes);
    expect(file.rgb.every((v) => v === 0.5)).toBe(true);
  });

  it('writes flat scan lines below 8 pixels wide', () => {
    const img = testImage(5, 4, 2);
    const bytes = encodeRadiance(img);
    const file = readRadiance(bytes);
    for (let p = 0; p < 20; p++) {
      const v = [0, 1, 2].map((c) => img.data[p * 4 + c]!);
      const max = Math.max(...v);
      for (let c = 0; c < 3; c++) expect(rgbeError(file.rgb[p * 3 + c]!, v[c]!, max)).toBeLessThanOrEqual(1);
    }
  });

  it('maps black, negative, NaN and infinity to valid RGBE', () => {
    const px = new Uint8Array(4);
    toRgbe(0, 0, 0, px, 0);
    expect(Array.from(px)).toEqual([0, 0, 0, 0]);
    toRgbe(-1, NaN, 1, px, 0);
    expect(px[0]).toBe(0);
    expect(px[1]).toBe(0);
    expect(px[2]! * 2 ** (px[3]! - 136)).toBe(1);
    toRgbe(Infinity, 1, 1, px, 0);
    expect(px[3]).toBe(255);
    // Rounding up to 256 moves to the next exponent: 255.9/256 → 1.0.
    toRgbe(0.9998, 0.5, 0.25, px, 0);
    expect(px[0]! * 2 ** (px[3]! - 136)).toBe(1);
    // Small values keep their precision (hdrify's writer returns 0.002 for 0.001).
    toRgbe(0.001, 0.001, 0.001, px, 0);
    expect(Math.abs(px[0]! * 2 ** (px[3]! - 136) - 0.001)).toBeLessThanOrEqual(0.001 / 256);
  });

  // ImageMagick's own RGBE reader; its Q16 build clamps to [0, 1], so values stay below 1.
  it('decodes to the same pixels with ImageMagick', ({ skip }) => {
    const magick = findImageMagick();
    if (!magick.command) return skip(magick.why);
    const r = rng(3);
    const width = 23;
    const height = 11;
    const data = new Float32Array(width * height * 4);
    for (let i = 0; i < data.length; i++) data[i] = (i & 3) === 3 ? 1 : 0.01 + 0.98 * r();
    const path = join(dir, 'pixels.hdr');
    writeFileSync(path, encodeRadiance({ width, height, data }));
    const raw = execFileSync(magick.command, [path, '-set', 'colorspace', 'sRGB', '-depth', '16', '-endian', 'LSB', 'rgb:-']);
    const got = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
    expect(got.length).toBe(width * height * 3);
    let worst = 0;
    for (let p = 0; p < width * height; p++) {
      const max = Math.max(data[p * 4]!, data[p * 4 + 1]!, data[p * 4 + 2]!);
      for (let c = 0; c < 3; c++) {
        worst = Math.max(worst, Math.abs(got[p * 3 + c]! / 65535 - data[p * 4 + c]!) / (max / 256 + 1 / 65535));
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });
});
