import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from '../engine/reference/random';
import { crc32, encodePng16, PNG_EXTENSION, PNG_MIME } from './png16';

/** Chunks of a PNG file, CRCs checked. */
function chunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: { type: string; data: Uint8Array }[] = [];
  for (let o = 8; o < png.length;) {
    const n = dv.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    expect(dv.getUint32(o + 8 + n)).toBe(crc32(png.subarray(o + 4, o + 8 + n)));
    out.push({ type, data: png.subarray(o + 8, o + 8 + n) });
    o += 12 + n;
  }
  return out;
}

/** A gradient with noise, so every filter type gets picked somewhere. */
function testPixels(width: number, height: number, channels: 3 | 4, seed: number): Uint16Array {
  const r = rng(seed);
  const px = new Uint16Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      const smooth = y < height / 2;
      for (let c = 0; c < channels; c++) {
        px[i + c] = smooth ? Math.round((x * 977 + y * 131 + c * 5000) % 65536) : Math.floor(r() * 65536);
      }
    }
  }
  px[0] = 0;
  px[1] = 65535;
  return px;
}

const dir = mkdtempSync(join(tmpdir(), 'hdr-png16-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('encodePng16', () => {
  it('names its format', () => {
    expect(PNG_EXTENSION).toBe('png');
    expect(PNG_MIME).toBe('image/png');
  });

  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('RGBA input → 16-bit RGB PNG that pngjs decodes to the exact values', async () => {
    const width = 53;
    const height = 29;
    const px = testPixels(width, height, 4, 1);
    const png = await encodePng16(px, width, height);
    const list = chunks(png);
    expect(list.map((c) => c.type)).toEqual(['IHDR', 'sRGB', 'gAMA', 'IDAT', 'IEND']);
    const ihdr = list[0]!.data;
    expect(ihdr[8]).toBe(16); // bit depth
    expect(ihdr[9]).toBe(2); // RGB
    const decoded = PNG.sync.read(Buffer.from(png), { skipRescale: true });
    expect([decoded.width, decoded.height, decoded.depth, decoded.colorType]).toEqual([width, height, 16, 2]);
    const data = decoded.data as unknown as Uint16Array; // 16-bit, RGBA-expanded by pngjs
    expect(data).toBeInstanceOf(Uint16Array);
    for (let i = 0; i < width * height; i++) {
      for (let c = 0; c < 3; c++) {
        if (data[i * 4 + c] !== px[i * 4 + c]) throw new Error(`pixel ${i} channel ${c}: ${data[i * 4 + c]} ≠ ${px[i * 4 + c]}`);
      }
      expect(data[i * 4 + 3]).toBe(65535);
    }
  });

  it('keeps alpha when asked (colour type 6) and takes RGB input', async () => {
    const width = 17;
    const height = 9;
    const rgba = testPixels(width, height, 4, 2);
    const withAlpha = PNG.sync.read(Buffer.from(await encodePng16(rgba, width, height, { alpha: true })), { skipRescale: true });
    expect(withAlpha.colorType).toBe(6);
    expect(Array.from(withAlpha.data as unknown as Uint16Array)).toEqual(Array.from(rgba));

    const rgb = testPixels(width, height, 3, 3);
    const fromRgb = PNG.sync.read(Buffer.from(await encodePng16(rgb, width, height, { channels: 3, srgb: false })), { skipRescale: true });
    expect(fromRgb.colorType).toBe(2);
    const data = fromRgb.data as unknown as Uint16Array;
    for (let i = 0; i < width * height; i++) {
      expect([data[i * 4], data[i * 4 + 1], data[i * 4 + 2]]).toEqual([rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]]);
    }
  });

  it('adaptive filtering picks several filter types and compresses smooth images', async () => {
    const width = 256;
    const height = 64;
    const px = testPixels(width, height, 4, 4);
    const png = await encodePng16(px, width, height, { filter: 'adaptive' });
    const idat = chunks(png).filter((c) => c.type === 'IDAT');
    const { inflateSync } = await import('node:zlib');
    const raw = inflateSync(Buffer.concat(idat.map((c) => c.data)));
    const rowBytes = 1 + width * 6;
    expect(raw.length).toBe(rowBytes * height);
    const filters = new Set<number>();
    for (let y = 0; y < height; y++) filters.add(raw[y * rowBytes]!);
    expect(filters.size).toBeGreaterThan(1);
    // Half the rows are a gradient: well under the raw size.
    expect(png.length).toBeLessThan(0.75 * width * height * 6);
  });

  it('each fixed filter type round-trips exactly', async () => {
    const width = 40;
    const height = 12;
    const px = testPixels(width, height, 4, 6);
    for (const filter of [0, 1, 2, 3, 4] as const) {
      const decoded = PNG.sync.read(Buffer.from(await encodePng16(px, width, height, { filter, alpha: true })), { skipRescale: true });
      expect(Array.from(decoded.data as unknown as Uint16Array), `filter ${filter}`).toEqual(Array.from(px));
    }
  });

  it('rejects a buffer too small for its size', async () => {
    await expect(encodePng16(new Uint16Array(10), 4, 4)).rejects.toThrow();
  });

  it.skipIf(spawnSync('which', ['identify']).status !== 0)('libpng (ImageMagick) reads it as 16-bit', async () => {
    const path = join(dir, 'deep.png');
    writeFileSync(path, await encodePng16(testPixels(31, 7, 4, 5), 31, 7));
    expect(execFileSync('identify', ['-format', '%w %h %z', path], { encoding: 'utf8' })).toBe('31 7 16');
  });
});
