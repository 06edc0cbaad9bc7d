import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { exifContradictions, pixelEvs, type PixelImage } from './pixel-exposure';

const root = fileURLToPath(new URL('../../', import.meta.url));
const png = (path: string): PixelImage => {
  const p = PNG.sync.read(readFileSync(root + path));
  return { width: p.width, height: p.height, pixels: new Uint8ClampedArray(p.data.buffer, p.data.byteOffset, p.data.byteLength) };
};
const gg = [1, 2, 3].map((i) => png(`e2e/fixtures/goldengate-3/gg-${i}.png`));
const sl = [1, 2, 3, 4, 5].map((i) => png(`e2e/fixtures/stilllife-5/sl-${i}.png`));

describe('pixelEvs', () => {
  it('measures the fixtures’ 2 EV steps (sRGB renders of a radiance map) within 0.1 EV', () => {
    for (const set of [gg, sl]) {
      const evs = pixelEvs(set, false)!;
      evs.forEach((ev, i) => expect(Math.abs(ev - 2 * i)).toBeLessThan(0.1));
    }
  });

  it('follows the pixels, not the order given', () => {
    const evs = pixelEvs([gg[2]!, gg[0]!, gg[1]!], false)!;
    expect(evs.map(Math.round)).toEqual([4, 0, 2]);
  });

  it('reads 16-bit samples', () => {
    const wide = gg.map((b) => ({ ...b, pixels: Uint16Array.from(b.pixels, (v) => v * 257) }));
    expect(pixelEvs(wide, false)!.map(Math.round)).toEqual([0, 2, 4]);
  });

  it('identical frames are 0 EV apart; one frame or no overlap: null', () => {
    expect(pixelEvs([gg[1]!, gg[1]!], false)).toEqual([0, 0]);
    expect(pixelEvs([gg[1]!], false)).toBeNull();
    const black = { ...gg[0]!, pixels: new Uint8ClampedArray(gg[0]!.pixels.length) };
    expect(pixelEvs([black, gg[1]!], false)).toBeNull();
  });
});

describe('exifContradictions', () => {
  it('agreeing exposures, a tone curve’s stretch or a few tenths off: none', () => {
    expect(exifContradictions([0, 2, 4], [0, 2.05, 3.9])).toEqual([]);
    expect(exifContradictions([0, 2, 4], [0, 4.4, 8.8])).toEqual([]); // linear data read as sRGB
    expect(exifContradictions([0, 2, 4], [0, 1.2, 2.6])).toEqual([]); // a flat camera curve
    expect(exifContradictions([0, 2, 2, 4], [0, 2, 2, 4])).toEqual([]); // duplicates that are duplicates
  });

  it('EXIF first: steps of another size in the right order are left to the recovered response', () => {
    expect(exifContradictions([0, 1, 2], [0, 2.6, 5.2])).toEqual([]); // once a contradiction: 1.6 stops off and beyond 2.5×
    expect(exifContradictions([0, 3, 6], [0, 1, 2])).toEqual([]);
    expect(exifContradictions([-3, 0, 3], [0, 2.3, 4.6])).toEqual([]);
  });

  it('a swapped pair is caught, and only the two files are named', () => {
    expect(exifContradictions([4, 2, 0], [0, 2, 4])).toEqual([0, 2]);
  });

  it('equal EXIF for frames stops apart (aperture bracketing with a manual lens), or stops claimed between identical frames', () => {
    expect(exifContradictions([0, 0, 0], [0, 2, 4]).length).toBeGreaterThan(0);
    expect(exifContradictions([0, 2], [0, 0]).length).toBeGreaterThan(0);
  });
});
