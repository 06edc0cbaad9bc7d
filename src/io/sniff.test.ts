import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { looksComplete, sniffImage } from './sniff';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => new Uint8Array(readFileSync(root + path));

const png = read('e2e/fixtures/goldengate-3/gg-1.png');
const jpeg = read('public/sample/goldengate-1.jpg');
const truncated = read('e2e/fixtures/bad/truncated.jpg'); // first 35 % of a JPEG
const text = read('e2e/fixtures/bad/not-an-image.jpg');

describe('sniffImage', () => {
  it('recognises JPEG and PNG by magic bytes', () => {
    expect(sniffImage(jpeg)).toBe('jpeg');
    expect(sniffImage(truncated)).toBe('jpeg');
    expect(sniffImage(png)).toBe('png');
  });

  it('text, empty and too-short input → null', () => {
    expect(sniffImage(text)).toBeNull();
    expect(sniffImage(read('e2e/fixtures/bad/empty.png'))).toBeNull();
    expect(sniffImage(new Uint8Array(0))).toBeNull();
    expect(sniffImage(png.subarray(0, 7))).toBeNull(); // 7 of 8 PNG signature bytes
    expect(sniffImage(jpeg.subarray(0, 2))).toBeNull();
  });
});

describe('looksComplete', () => {
  it('JPEG: true with the FF D9 end marker, false when cut short', () => {
    expect(looksComplete(jpeg, 'jpeg')).toBe(true);
    expect(looksComplete(jpeg.subarray(0, jpeg.length - 1), 'jpeg')).toBe(false);
    expect(looksComplete(truncated, 'jpeg')).toBe(false);
    expect(looksComplete(Uint8Array.of(0xff, 0xd8, 0xff, 0xd9), 'jpeg')).toBe(true);
  });

  it('PNG: true with IEND near the end, false when cut short', () => {
    expect(looksComplete(png, 'png')).toBe(true);
    expect(looksComplete(png.subarray(0, png.length - 12), 'png')).toBe(false); // IEND chunk is the last 12 bytes
    expect(looksComplete(png.subarray(0, Math.floor(png.length * 0.35)), 'png')).toBe(false);
  });
});

describe('sniffImage: HDR inputs', () => {
  const bytes = (...v: number[]) => Uint8Array.from([...v, 0, 0, 0, 0, 0, 0, 0, 0]);
  it('TIFF in either byte order, OpenEXR, Radiance', () => {
    expect(sniffImage(bytes(0x49, 0x49, 42, 0))).toBe('tiff');
    expect(sniffImage(bytes(0x4d, 0x4d, 0, 42))).toBe('tiff');
    expect(sniffImage(bytes(0x76, 0x2f, 0x31, 0x01))).toBe('exr');
    expect(sniffImage(new TextEncoder().encode('#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n'))).toBe('hdr');
    expect(sniffImage(new TextEncoder().encode('#?RGBE\n'))).toBe('hdr');
    expect(sniffImage(bytes(0x49, 0x49, 0x52, 0x4f))).toBeNull(); // Olympus ORF: not a TIFF magic
    expect(looksComplete(bytes(0x49, 0x49, 42, 0), 'tiff')).toBe(true);
  });
});
