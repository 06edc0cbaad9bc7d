import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJpegGainMap } from 'hdrify';
import { afterAll, describe, expect, it } from 'vitest';
import type { FloatImage } from '../engine/types';
import { extractExif } from './exif-copy';
import { parseUltraHdr, rebuildUltraHdr, stopsError, type ParsedUltraHdr } from '../../test/support/readers';
import { computeGainMap, encodeJpegRgba, encodeUltraHdr, midtoneScale, ULTRAHDR_EXTENSION, ULTRAHDR_MIME } from './ultrahdr';

// The reader (test/support/readers.ts) is written from the Ultra HDR 1.1
// format description, the CIPA DC-007 MPF layout and ISO 21496-1's metadata
// syntax; it shares no code with the writer. Both JPEGs are decoded with jpeg-js.

const linearToSrgb = (v: number): number => (v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055);

/**
 * A radiance map from 2^-7 to 2^7 (smooth, coloured, a bright "sun") and its
 * SDR rendering: global Reinhard on luminance, sRGB, 8 bits.
 */
function scene(width: number, height: number): { hdr: FloatImage; sdr: Uint8Array } {
  const data = new Float32Array(width * height * 4);
  const sdr = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      const u = x / (width - 1);
      const v = y / (height - 1);
      const sun = Math.exp(-((u - 0.7) ** 2 + (v - 0.3) ** 2) * 40) * 120;
      const L = 2 ** (-7 + 10 * u) * (0.6 + 0.4 * Math.cos(6 * v)) + sun;
      const rgb = [L * (0.8 + 0.4 * v), L, L * (1.2 - 0.4 * u)];
      const Y = 0.2126 * rgb[0]! + 0.7152 * rgb[1]! + 0.0722 * rgb[2]!;
      const k = 1 / (1 + Y); // Reinhard: L/(1+L) on luminance
      for (let c = 0; c < 3; c++) {
        data[p + c] = rgb[c]!;
        sdr[p + c] = Math.round(255 * linearToSrgb(Math.min(1, rgb[c]! * k)));
      }
      data[p + 3] = 1;
      sdr[p + 3] = 255;
    }
  }
  return { hdr: { width, height, data }, sdr };
}

/** The file's HDR rendition against radiance·hdrScale, in stops (readers.ts stopsError). */
function reconstruct(file: Uint8Array, hdr: FloatImage, hdrScale: number): { meanStops: number; p95Stops: number; parsed: ParsedUltraHdr } {
  const r = rebuildUltraHdr(file);
  expect([r.width, r.height]).toEqual([hdr.width, hdr.height]);
  return { ...stopsError(r.hdr, hdr.data, hdrScale), parsed: r.parsed };
}

const dir = mkdtempSync(join(tmpdir(), 'hdr-uhdr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Ultra HDR', () => {
  const { hdr, sdr } = scene(128, 80);

  it('names its format', () => {
    expect(ULTRAHDR_EXTENSION).toBe('jpg');
    expect(ULTRAHDR_MIME).toBe('image/jpeg');
  });

  it('lays out primary + gain map with XMP, ISO 21496-1 and MPF that agree', async () => {
    const result = await encodeUltraHdr(sdr, hdr, { hdrScale: 1 });
    const p = parseUltraHdr(result.bytes);
    // Primary: XMP directory naming the gain map and its length; ISO version block.
    expect(p.primaryXmp).toContain('hdrgm:Version="1.0"');
    expect(p.primaryXmp).toContain('Item:Semantic="Primary"');
    expect(p.primaryXmp).toContain('Item:Semantic="GainMap"');
    expect(p.primaryXmp).toContain(`Item:Length="${p.gainMap.length}"`);
    expect(Array.from(p.primaryIso)).toEqual([0, 0, 0, 0]);
    // Order of the primary's segments: APP0, XMP, ISO, MPF.
    expect(p.primarySegments.slice(0, 4).map((s) => s.marker)).toEqual([0xe0, 0xe1, 0xe2, 0xe2]);
    // Gain map: hdrgm parameters equal the returned metadata and the ISO block.
    expect(p.gainMapXmp).toContain('hdrgm:BaseRenditionIsHDR="False"');
    const m = result.metadata;
    expect(p.hdrgm.GainMapMin).toBeCloseTo(m.gainMapMin, 6);
    expect(p.hdrgm.GainMapMax).toBeCloseTo(m.gainMapMax, 6);
    expect(p.hdrgm.Gamma).toBe(1);
    expect(p.hdrgm.OffsetSDR).toBe(1 / 64);
    expect(p.hdrgm.OffsetHDR).toBe(1 / 64);
    expect(p.hdrgm.HDRCapacityMin).toBe(0);
    expect(p.hdrgm.HDRCapacityMax).toBeCloseTo(m.hdrCapacityMax, 6);
    for (const k of ['GainMapMin', 'GainMapMax', 'Gamma', 'OffsetSDR', 'OffsetHDR', 'HDRCapacityMin', 'HDRCapacityMax'] as const) {
      expect(p.iso[k]).toBeCloseTo(p.hdrgm[k], 6);
    }
    expect(p.iso.flags & 0x40).toBe(0x40); // gain applied in the base image's colour space
    // The scene spans about 2^-7..2^7 against an SDR that tops out at 1: real headroom.
    expect(m.gainMapMax).toBeGreaterThan(5);
    expect(m.gainMapMin).toBeLessThan(0.5);
  });

  it('rebuilds the radiance within 0.1 stop on average (full-size, per-channel map)', async () => {
    const result = await encodeUltraHdr(sdr, hdr, { hdrScale: 1, quality: 95, gainMapQuality: 95 });
    const r = reconstruct(result.bytes, hdr, 1);
    expect(r.meanStops).toBeLessThan(0.1);
    expect(r.p95Stops).toBeLessThan(0.25);
  });

  it("a third-party reader (hdrify's readJpegGainMap, MPF + XMP) rebuilds the same radiance", async () => {
    const result = await encodeUltraHdr(sdr, hdr, { hdrScale: 1, quality: 95, gainMapQuality: 95 });
    const decoded = readJpegGainMap(result.bytes);
    expect([decoded.width, decoded.height]).toEqual([hdr.width, hdr.height]);
    let sum = 0;
    for (let p = 0; p < hdr.width * hdr.height; p++) {
      for (let c = 0; c < 3; c++) sum += Math.abs(Math.log2((decoded.data[p * 4 + c]! + 1 / 64) / (hdr.data[p * 4 + c]! + 1 / 64)));
    }
    expect(sum / (hdr.width * hdr.height * 3)).toBeLessThan(0.1);
  });

  it('rebuilds within 0.15 stop with a half-size, luminance-only map and the default mid-tone scale', async () => {
    const result = await encodeUltraHdr(sdr, hdr, { scale: 2, multichannel: false });
    expect([result.gainMapWidth, result.gainMapHeight]).toEqual([64, 40]);
    const r = reconstruct(result.bytes, hdr, result.hdrScale);
    expect(r.meanStops).toBeLessThan(0.15);
  });

  it('the default scale keeps mid-tones where the SDR has them', () => {
    // SDR = radiance × 0.25, unclipped in the mid-tones: the scale should come back as 0.25.
    const { width, height, data } = hdr;
    const plain = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height * 4; i++) plain[i] = (i & 3) === 3 ? 255 : Math.round(255 * linearToSrgb(Math.min(1, data[i]! * 0.25)));
    expect(Math.log2(midtoneScale(plain, hdr) / 0.25)).toBeCloseTo(0, 1);
    const map = computeGainMap(plain, hdr);
    expect(Math.abs(Math.log2(map.hdrScale / 0.25))).toBeLessThan(0.05);
    // Mid-tones then need no gain; only the clipped highlights do.
    expect(map.metadata.gainMapMax).toBeGreaterThan(3);
  });

  it('a flat map still gets a valid range', () => {
    const flat: FloatImage = { width: 8, height: 8, data: new Float32Array(256).fill(0.5) };
    const s = new Uint8Array(256).fill(Math.round(255 * linearToSrgb(0.5)));
    const map = computeGainMap(s, flat, { hdrScale: 1 });
    expect(map.metadata.gainMapMax).toBeGreaterThan(map.metadata.gainMapMin);
    expect(map.metadata.hdrCapacityMax).toBeGreaterThan(map.metadata.hdrCapacityMin);
  });

  it('clamps gains to ±maxStops, so an infinite or hot pixel leaves the range alone', () => {
    const data = hdr.data.slice();
    data[0] = Infinity;
    data[5] = 1e30;
    const map = computeGainMap(sdr, { ...hdr, data }, { hdrScale: 1 });
    expect(map.metadata.gainMapMax).toBe(12);
    const capped = computeGainMap(sdr, { ...hdr, data }, { hdrScale: 1, maxStops: 8 });
    expect(capped.metadata.gainMapMax).toBe(8);
    expect(computeGainMap(sdr, hdr, { hdrScale: 1 }).metadata.gainMapMax).toBeLessThan(8); // the clean scene is not clamped
  });

  it('carries EXIF into the primary image and keeps the inputs intact', async () => {
    const exif = new Uint8Array([0x45, 0x78, 0x69, 0x66, 0, 0, 0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0]);
    const before = hdr.data.slice();
    const result = await encodeUltraHdr(sdr, hdr, { hdrScale: 1, exif });
    expect(Array.from(hdr.data)).toEqual(Array.from(before));
    expect(Array.from(extractExif(result.bytes)!)).toEqual(Array.from(exif));
    const p = parseUltraHdr(result.bytes);
    expect(p.primarySegments.slice(0, 5).map((s) => s.marker)).toEqual([0xe0, 0xe1, 0xe1, 0xe2, 0xe2]);
  });

  it('takes an outside JPEG encoder (the browser canvas, say)', async () => {
    let calls = 0;
    const result = await encodeUltraHdr(sdr, hdr, {
      hdrScale: 1,
      encodeJpeg: (rgba, w, h, q) => {
        calls++;
        return Promise.resolve(encodeJpegRgba(rgba, w, h, q));
      },
    });
    expect(calls).toBe(2);
    expect(reconstruct(result.bytes, hdr, 1).meanStops).toBeLessThan(0.1);
  });

  it.skipIf(spawnSync('which', ['exiftool']).status !== 0)('exiftool sees the gain map (MPF, hdrgm XMP, container directory)', async () => {
    const path = join(dir, 'ultrahdr.jpg');
    const result = await encodeUltraHdr(sdr, hdr, { hdrScale: 1 });
    writeFileSync(path, result.bytes);
    // -args keeps repeated tags (both images' XMP, both directory items) as separate lines.
    const lines = execFileSync('exiftool', ['-args', '-n', '-G1', '-a', '-ee', path], { encoding: 'utf8' }).trim().split('\n');
    const all = (tag: string): string[] => lines.filter((l) => l.startsWith(`-${tag}=`)).map((l) => l.slice(tag.length + 2));
    const primaryLength = parseUltraHdr(result.bytes).primary.length;
    expect(all('MPF0:NumberOfImages')).toEqual(['2']);
    expect(all('MPImage1:MPImageLength')).toEqual([String(primaryLength)]);
    expect(all('MPImage2:MPImageStart')).toEqual([String(primaryLength)]);
    expect(all('MPImage2:MPImageLength')).toEqual([String(result.bytes.length - primaryLength)]);
    expect(all('XMP-Container:DirectoryItemSemantic')).toEqual(['Primary', 'GainMap']);
    expect(all('XMP-Container:DirectoryItemLength')).toEqual([String(result.bytes.length - primaryLength)]);
    expect(all('XMP-hdrgm:Version')).toEqual(['1.0', '1.0']); // primary and gain map
    // The gain map image's hdrgm parameters (ExifTool follows the MPF entry with -ee).
    expect(Number(all('XMP-hdrgm:GainMapMax')[0])).toBeCloseTo(result.metadata.gainMapMax, 6);
    expect(Number(all('XMP-hdrgm:GainMapMin')[0])).toBeCloseTo(result.metadata.gainMapMin, 6);
    expect(Number(all('XMP-hdrgm:HDRCapacityMax')[0])).toBeCloseTo(result.metadata.hdrCapacityMax, 6);
    expect(all('XMP-hdrgm:BaseRenditionIsHDR')).toEqual(['False']);
  });
});
