import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJpegGainMap } from 'hdrify';
import { decode as jpegDecode } from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import type { FloatImage } from '../engine/types';
import { extractExif } from './exif-copy';
import { computeGainMap, encodeJpegRgba, encodeUltraHdr, midtoneScale, ULTRAHDR_EXTENSION, ULTRAHDR_MIME } from './ultrahdr';

// The reader below is written from the Ultra HDR 1.1 format description, the
// CIPA DC-007 MPF layout and ISO 21496-1's metadata syntax; it shares no code
// with the writer. Both JPEGs are decoded with jpeg-js.

interface Seg { marker: number; offset: number; payload: Uint8Array }
function segments(jpeg: Uint8Array): Seg[] {
  expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
  const out: Seg[] = [];
  for (let o = 2; ;) {
    expect(jpeg[o]).toBe(0xff);
    const marker = jpeg[o + 1]!;
    if (marker === 0xda) return out;
    const len = (jpeg[o + 2]! << 8) | jpeg[o + 3]!;
    out.push({ marker, offset: o, payload: jpeg.subarray(o + 4, o + 2 + len) });
    o += 2 + len;
  }
}
const text = (b: Uint8Array): string => String.fromCharCode(...b);
const startsWith = (b: Uint8Array, s: string): boolean => text(b.subarray(0, s.length)) === s;
const XMP_NS = 'http://ns.adobe.com/xap/1.0/\0';
const ISO_NS = 'urn:iso:std:iso:ts:21496:-1\0';

interface Hdrgm { GainMapMin: number; GainMapMax: number; Gamma: number; OffsetSDR: number; OffsetHDR: number; HDRCapacityMin: number; HDRCapacityMax: number }

interface Parsed {
  primary: Uint8Array;
  gainMap: Uint8Array;
  primaryXmp: string;
  gainMapXmp: string;
  hdrgm: Hdrgm;
  iso: Hdrgm & { flags: number };
  primaryIso: Uint8Array;
  primarySegments: Seg[];
}

function parseIso(p: Uint8Array): Hdrgm & { flags: number } {
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  expect(dv.getUint16(0)).toBe(0); // minimum_version
  const flags = p[4]!;
  expect(flags & 0x80).toBe(0); // one channel of parameters
  let o = 5;
  const frac = (signed: boolean): number => {
    const n = signed ? dv.getInt32(o) : dv.getUint32(o);
    const d = dv.getUint32(o + 4);
    o += 8;
    expect(d).toBeGreaterThan(0);
    return n / d;
  };
  const HDRCapacityMin = frac(false);
  const HDRCapacityMax = frac(false);
  const GainMapMin = frac(true);
  const GainMapMax = frac(true);
  const Gamma = frac(false);
  const OffsetSDR = frac(true);
  const OffsetHDR = frac(true);
  expect(o).toBe(p.length);
  return { flags, HDRCapacityMin, HDRCapacityMax, GainMapMin, GainMapMax, Gamma, OffsetSDR, OffsetHDR };
}

function parseUltraHdr(file: Uint8Array): Parsed {
  const primarySegments = segments(file);
  const mpfSeg = primarySegments.find((s) => s.marker === 0xe2 && startsWith(s.payload, 'MPF\0'));
  if (!mpfSeg) throw new Error('no MPF');
  const tiff = mpfSeg.payload.subarray(4);
  const dv = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const le = dv.getUint16(0) === 0x4949;
  expect(dv.getUint16(2, le)).toBe(42);
  const ifd = dv.getUint32(4, le);
  const n = dv.getUint16(ifd, le);
  const tags = new Map<number, { type: number; count: number; at: number }>();
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    tags.set(dv.getUint16(e, le), { type: dv.getUint16(e + 2, le), count: dv.getUint32(e + 4, le), at: e + 8 });
  }
  expect(text(tiff.subarray(tags.get(0xb000)!.at, tags.get(0xb000)!.at + 4))).toBe('0100');
  expect(dv.getUint32(tags.get(0xb001)!.at, le)).toBe(2);
  const entry = tags.get(0xb002)!;
  expect(entry.count).toBe(32);
  const entries = dv.getUint32(entry.at, le);
  const mp = [0, 1].map((k) => ({
    attr: dv.getUint32(entries + k * 16, le),
    size: dv.getUint32(entries + k * 16 + 4, le),
    offset: dv.getUint32(entries + k * 16 + 8, le),
  }));
  expect(mp[0]!.attr & 0x00ffffff).toBe(0x030000); // baseline primary image
  expect(mp[0]!.offset).toBe(0);
  // Offsets count from the MPF TIFF header (after "MPF\0").
  const gainMapStart = mpfSeg.offset + 8 + mp[1]!.offset;
  expect(gainMapStart).toBe(mp[0]!.size);
  expect(gainMapStart + mp[1]!.size).toBe(file.length);
  const primary = file.subarray(0, mp[0]!.size);
  const gainMap = file.subarray(gainMapStart, gainMapStart + mp[1]!.size);
  expect([primary[primary.length - 2], primary[primary.length - 1]]).toEqual([0xff, 0xd9]);

  const xmpOf = (segs: Seg[]): string => {
    const s = segs.find((x) => x.marker === 0xe1 && startsWith(x.payload, XMP_NS));
    if (!s) throw new Error('no XMP');
    return new TextDecoder().decode(s.payload.subarray(XMP_NS.length));
  };
  const isoOf = (segs: Seg[]): Uint8Array => {
    const s = segs.find((x) => x.marker === 0xe2 && startsWith(x.payload, ISO_NS));
    if (!s) throw new Error('no ISO 21496-1 segment');
    return s.payload.subarray(ISO_NS.length);
  };
  const gainMapSegments = segments(gainMap);
  const gainMapXmp = xmpOf(gainMapSegments);
  const attr = (name: string): number => {
    const m = new RegExp(`hdrgm:${name}="([^"]+)"`).exec(gainMapXmp);
    if (!m) throw new Error(`no hdrgm:${name}`);
    return Number(m[1]);
  };
  const hdrgm: Hdrgm = {
    GainMapMin: attr('GainMapMin'),
    GainMapMax: attr('GainMapMax'),
    Gamma: attr('Gamma'),
    OffsetSDR: attr('OffsetSDR'),
    OffsetHDR: attr('OffsetHDR'),
    HDRCapacityMin: attr('HDRCapacityMin'),
    HDRCapacityMax: attr('HDRCapacityMax'),
  };
  return {
    primary,
    gainMap,
    primaryXmp: xmpOf(primarySegments),
    gainMapXmp,
    hdrgm,
    iso: parseIso(isoOf(gainMapSegments)),
    primaryIso: isoOf(primarySegments),
    primarySegments,
  };
}

const srgbToLinear = (v: number): number => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
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

interface Reconstruction { meanStops: number; p95Stops: number }

/**
 * HDR = (sdrLinear + OffsetSDR) · 2^(GainMapMin + v^(1/Gamma)·(GainMapMax − GainMapMin)) − OffsetHDR,
 * v from the gain map (nearest sample when smaller), compared with
 * radiance·hdrScale in stops, |log2((a + δ)/(b + δ))| with δ = 1/64 (the offsets).
 */
function reconstruct(file: Uint8Array, hdr: FloatImage, hdrScale: number): Reconstruction & { parsed: Parsed } {
  const parsed = parseUltraHdr(file);
  const base = jpegDecode(parsed.primary, { useTArray: true, formatAsRGBA: true });
  const map = jpegDecode(parsed.gainMap, { useTArray: true, formatAsRGBA: true });
  expect([base.width, base.height]).toEqual([hdr.width, hdr.height]);
  const m = parsed.hdrgm;
  const errors: number[] = [];
  const sx = map.width / hdr.width;
  const sy = map.height / hdr.height;
  for (let y = 0; y < hdr.height; y++) {
    for (let x = 0; x < hdr.width; x++) {
      const p = (y * hdr.width + x) * 4;
      const q = (Math.min(map.height - 1, Math.floor(y * sy)) * map.width + Math.min(map.width - 1, Math.floor(x * sx))) * 4;
      for (let c = 0; c < 3; c++) {
        const v = (map.data[q + c]! / 255) ** (1 / m.Gamma);
        const gain = 2 ** (m.GainMapMin + v * (m.GainMapMax - m.GainMapMin));
        const rec = (srgbToLinear(base.data[p + c]! / 255) + m.OffsetSDR) * gain - m.OffsetHDR;
        const ref = hdr.data[p + c]! * hdrScale;
        errors.push(Math.abs(Math.log2((Math.max(0, rec) + 1 / 64) / (ref + 1 / 64))));
      }
    }
  }
  const meanStops = errors.reduce((a, b) => a + b, 0) / errors.length;
  errors.sort((a, b) => a - b);
  return { meanStops, p95Stops: errors[Math.floor(errors.length * 0.95)]!, parsed };
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

  it('a third-party reader (hdrify\'s readJpegGainMap, MPF + XMP) rebuilds the same radiance', async () => {
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
      encodeJpeg: (rgba, w, h, q) => { calls++; return Promise.resolve(encodeJpegRgba(rgba, w, h, q)); },
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
