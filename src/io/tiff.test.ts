import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gammaIcc, writeDng, writeTiff, type TiffCompression } from '../../test/support/tiff-writer';
import { decodeTiff, iccGamma, isRawTiff, isTiff } from './tiff';

const W = 37;
const H = 23;
/** Deterministic 16-bit samples that use every bit. */
function samples16(n: number): Uint16Array {
  let x = 12345;
  return Uint16Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 8) & 0xffff);
}
const rgb16 = samples16(W * H * 3);
const buf = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

function expectRgb(pixels: Uint16Array | Uint8ClampedArray, src: ArrayLike<number>, spp: number, alpha: number | null) {
  for (let p = 0; p < W * H; p++) {
    for (let c = 0; c < 3; c++) if (pixels[p * 4 + c] !== src[p * spp + (spp >= 3 ? c : 0)]) throw new Error(`pixel ${p} channel ${c}: ${pixels[p * 4 + c]} ≠ ${src[p * spp + c]}`);
    const a = alpha ?? src[p * spp + spp - 1]!;
    if (pixels[p * 4 + 3] !== a) throw new Error(`pixel ${p} alpha ${pixels[p * 4 + 3]} ≠ ${a}`);
  }
}

describe('decodeTiff', () => {
  const cases: [TiffCompression, boolean, boolean][] = [
    ['none', false, true],
    ['lzw', false, true],
    ['lzw', true, true],
    ['deflate', false, true],
    ['deflate', true, false],
    ['none', false, false],
  ];
  it.each(cases)('16-bit RGB, %s, predictor %s, little-endian %s: every sample kept', async (compression, predictor, littleEndian) => {
    const file = writeTiff({ width: W, height: H, samples: rgb16, samplesPerPixel: 3, compression, predictor, littleEndian, rowsPerStrip: 5 });
    expect(isTiff(file)).toBe(true);
    const img = await decodeTiff(buf(file));
    expect([img.width, img.height]).toEqual([W, H]);
    expect(img.pixels).toBeInstanceOf(Uint16Array);
    expectRgb(img.pixels, rgb16, 3, 65535);
  });

  it('grey → R = G = B, RGBA keeps its alpha, 8-bit stays 8-bit with no response opinion', async () => {
    const grey = samples16(W * H);
    const g = await decodeTiff(buf(writeTiff({ width: W, height: H, samples: grey, samplesPerPixel: 1, compression: 'lzw' })));
    expectRgb(g.pixels, grey, 1, 65535);
    const rgba = samples16(W * H * 4);
    const a = await decodeTiff(buf(writeTiff({ width: W, height: H, samples: rgba, samplesPerPixel: 4, compression: 'deflate' })));
    expectRgb(a.pixels, rgba, 4, null);
    const rgb8 = Uint8Array.from(rgb16, (v) => v >> 8);
    const e = await decodeTiff(buf(writeTiff({ width: W, height: H, samples: rgb8, samplesPerPixel: 3, compression: 'lzw', predictor: true })));
    expect(e.pixels).toBeInstanceOf(Uint8ClampedArray);
    expectRgb(e.pixels, rgb8, 3, 255);
    expect(e.response).toBeNull();
  });

  it('response: linear without a profile (assumed), sRGB with a gamma profile, linear with a gamma-1 profile', async () => {
    const none = await decodeTiff(buf(writeTiff({ width: W, height: H, samples: rgb16, samplesPerPixel: 3 })));
    expect([none.response, none.responseAssumed]).toEqual(['linear', true]);
    const g22 = await decodeTiff(buf(writeTiff({ width: W, height: H, samples: rgb16, samplesPerPixel: 3, icc: gammaIcc(2.2) })));
    expect([g22.response, g22.responseAssumed]).toEqual(['srgb', false]);
    expect(g22.responseReason).toContain('2.20');
    const g1 = await decodeTiff(buf(writeTiff({ width: W, height: H, samples: rgb16, samplesPerPixel: 3, icc: gammaIcc(1) })));
    expect([g1.response, g1.responseAssumed]).toEqual(['linear', false]);
    expect(iccGamma(gammaIcc(1.8))).toBeCloseTo(1.8, 2);
  });

  it('a truncated file is reported, not decoded into zeros; a DNG is told from a TIFF', async () => {
    const file = writeTiff({ width: W, height: H, samples: rgb16, samplesPerPixel: 3 });
    await expect(decodeTiff(buf(file.subarray(0, file.length - 100)))).rejects.toThrow(/truncated/);
    expect(isRawTiff(file)).toBe(false);
    const dng = writeDng({ width: 8, height: 6, mosaic: new Uint16Array(48).fill(600), blackLevel: 512, whiteLevel: 4095, asShotNeutral: [0.5, 1, 0.7], exposureTime: 1 / 60, fNumber: 8, iso: 100 });
    expect(isRawTiff(dng)).toBe(true);
  });

  // An independent reader/writer: libtiff's tiffcp (Debian libtiff-tools), where installed.
  const tiffcp = ['/usr/bin/tiffcp', '/usr/local/bin/tiffcp'].find((p) => existsSync(p));
  it.skipIf(!tiffcp)('libtiff reads the test writer’s LZW and Deflate, and utif2 reads libtiff’s (predictor 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiff-'));
    try {
      for (const compression of ['lzw', 'deflate'] as const) {
        writeFileSync(join(dir, 'in.tif'), writeTiff({ width: W, height: H, samples: rgb16, samplesPerPixel: 3, compression, predictor: true }));
        // libtiff decodes ours and writes its own LZW with predictor; we decode that.
        execFileSync(tiffcp!, ['-c', 'lzw:2', join(dir, 'in.tif'), join(dir, 'out.tif')]);
        expectRgb((await decodeTiff(buf(readFileSync(join(dir, 'out.tif'))))).pixels, rgb16, 3, 65535);
        execFileSync(tiffcp!, ['-c', 'zip:2', join(dir, 'in.tif'), join(dir, 'out.tif')]);
        expectRgb((await decodeTiff(buf(readFileSync(join(dir, 'out.tif'))))).pixels, rgb16, 3, 65535);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TIFF EXIF', () => {
  it('exifr reads the exposure the test writer records', async () => {
    const { default: exifr } = await import('exifr');
    const file = writeTiff({ width: W, height: H, samples: rgb16, samplesPerPixel: 3, exif: { exposureTime: 1 / 250, fNumber: 5.6, iso: 400 } });
    const tags = (await exifr.parse(buf(file), { pick: ['ExposureTime', 'FNumber', 'ISO'] })) as Record<string, number>;
    expect(tags).toEqual({ ExposureTime: 1 / 250, FNumber: 5.6, ISO: 400 });
  });
});
