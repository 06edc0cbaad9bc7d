// Camera RAW through LibRaw: DNGs rendered from a committed radiance map by a
// synthetic Bayer camera (reference/camera.ts shootMosaic), written by the
// test writer, developed by libraw-wasm (in Node: its wasm module directly)
// and compared with the map they came from.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { enlarge, loadRadianceMap, meter, shootMosaic, shrink } from '../engine/reference/camera';
import { mergeRadiance } from '../engine/merge/reference/merge';
import { responseLuts } from '../engine/merge/response';
import type { FloatImage } from '../engine/types';
import { exposureValue } from './exposure';
import { nodeLibRaw } from '../../test/support/libraw-node';
import { writeDng } from '../../test/support/tiff-writer';
import { decodeRaw, type RawImage } from './raw';
import { decodeTiff } from './tiff';

const NEUTRAL = [0.55, 1, 0.75] as const;
const BLACK = 512;
const WHITE = 16383;
const TIMES = [1 / 240, 1 / 60, 1 / 15];

const source = loadRadianceMap('goldengate');
// The sensor has 2 × 2 photosites per pixel of the map: a Bayer camera resolves about half its
// pixel count, and the fixture (box-filtered from a larger map) has detail up to its pixel size.
const map = enlarge(source, 2);
// The middle exposure puts the log-average at 0.18 of white.
const gain = meter(map, 0.18) / (TIMES[1]! * 60);

function dng(t: number): Uint8Array<ArrayBuffer> {
  const mosaic = shootMosaic(map, gain, t * 60, NEUTRAL, BLACK, WHITE);
  return writeDng({ width: map.width, height: map.height, mosaic, blackLevel: BLACK, whiteLevel: WHITE, asShotNeutral: NEUTRAL, exposureTime: t, fNumber: 8, iso: 200 }) as Uint8Array<ArrayBuffer>;
}

/** Scale-free log2 RMS between a and b over samples where `use` holds: the mean log ratio is taken out. */
function stopsRms(a: ArrayLike<number>, b: ArrayLike<number>, use: (i: number) => boolean): { rms: number; offset: number; n: number } {
  const d: number[] = [];
  for (let i = 0; i < a.length; i++) if (i % 4 !== 3 && use(i) && a[i]! > 0 && b[i]! > 0) d.push(Math.log2(a[i]! / b[i]!));
  const offset = d.reduce((s, v) => s + v, 0) / d.length;
  return { rms: Math.sqrt(d.reduce((s, v) => s + (v - offset) ** 2, 0) / d.length), offset, n: d.length };
}

describe('decodeRaw (libraw-wasm)', () => {
  it('develops a DNG to linear 16-bit RGBA: white balanced as shot, exposure from the metadata', async () => {
    const raw = await decodeRaw(dng(TIMES[1]!), await nodeLibRaw());
    expect([raw.width, raw.height]).toEqual([map.width, map.height]);
    expect(raw.exif).toEqual({ exposureTime: expect.closeTo(1 / 60, 6) as number, fNumber: 8, iso: 200 });
    expect(raw.camera).toBe('HDR Studio Synthetic linear sRGB');
    // Against the map × gain × 65535 where no channel clips: demosaicing is the only error left.
    const expected = map.data.map((v) => v * gain * 65535);
    const e = stopsRms(raw.pixels, expected, (i) => expected[i]! > 200 && expected[i]! < 60000);
    console.log(`DNG developed vs the rendered map: ${e.rms.toFixed(3)} stops RMS, scale ${e.offset.toFixed(4)} stops, ${e.n} samples`);
    expect(Math.abs(e.offset)).toBeLessThan(0.05);
    expect(e.rms).toBeLessThan(0.25);
    // Saturated photosites come out at the top of the 16-bit range (clipped, so the merge gives them no weight).
    let top = 0;
    for (let i = 0; i < raw.pixels.length; i++) if (i % 4 !== 3) top = Math.max(top, raw.pixels[i]!);
    expect(top).toBe(65535);
  });

  it('three DNG brackets merge (linear response) to the source map within 0.25 stops RMS, scale-free', async () => {
    const shots: RawImage[] = [];
    for (const t of TIMES) shots.push(await decodeRaw(dng(t), await nodeLibRaw()));
    const mid = exposureValue(shots[1]!.exif!)!.exposure;
    const brackets = shots.map((s) => ({ width: s.width, height: s.height, pixels: s.pixels, exposure: exposureValue(s.exif!)!.exposure / mid }));
    expect(brackets.map((b) => Math.log2(b.exposure))).toEqual([expect.closeTo(-2, 3), 0, expect.closeTo(2, 3)]);
    const merged: FloatImage = shrink(mergeRadiance(brackets, responseLuts('linear')), 2);
    const e = stopsRms(merged.data, source.data, (i) => source.data[i]! > 0);
    console.log(`3 DNG brackets merged (2 × 2 box) vs the source map: ${e.rms.toFixed(3)} stops RMS (scale-free), ${e.n} samples`);
    expect(e.rms).toBeLessThan(0.25);
  });

  // An independent developer: Debian's libraw-bin (dcraw_emu, LibRaw's own dcraw), where installed.
  const dcraw = ['/usr/bin/dcraw_emu', '/usr/local/bin/dcraw_emu'].find((p) => existsSync(p));
  it.skipIf(!dcraw)('dcraw_emu -4 -T -w -o 1 -H 0 -q 3 develops the same DNG to the same values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dng-'));
    try {
      const file = dng(TIMES[1]!);
      writeFileSync(join(dir, 'shot.dng'), file);
      execFileSync(dcraw!, ['-4', '-T', '-w', '-o', '1', '-H', '0', '-q', '3', join(dir, 'shot.dng')]);
      const ref = await decodeTiff(readFileSync(join(dir, 'shot.dng.tiff')).buffer as ArrayBuffer);
      const ours = await decodeRaw(dng(TIMES[1]!), await nodeLibRaw());
      expect([ref.width, ref.height]).toEqual([ours.width, ours.height]);
      let worst = 0;
      let sum = 0;
      for (let i = 0; i < ours.pixels.length; i++) {
        const d = Math.abs(ours.pixels[i]! - ref.pixels[i]!);
        worst = Math.max(worst, d);
        sum += d;
      }
      console.log(`libraw-wasm vs dcraw_emu: mean |Δ| ${(sum / ours.pixels.length).toFixed(2)}, max ${worst} of 65535`);
      expect(sum / ours.pixels.length).toBeLessThan(64);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
