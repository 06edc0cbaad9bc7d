import { describe, expect, it } from 'vitest';
import { orient } from './orient';

// A 3 × 2 picture, one value per pixel (in R; G, B, A follow it):
//   a b c
//   d e f
const W = 3;
const H = 2;
const px = Uint8ClampedArray.from({ length: W * H * 4 }, (_, i) => (i % 4 === 0 ? 10 + (i >> 2) : 100 + i));
const grid = (o: { pixels: Uint8ClampedArray; width: number; height: number }) =>
  Array.from({ length: o.height }, (_, y) => Array.from({ length: o.width }, (_, x) => 'abcdef'[o.pixels[(y * o.width + x) * 4]! - 10]).join(''));

describe('orient (EXIF Orientation, as a browser displays it)', () => {
  it.each([
    [1, ['abc', 'def']],
    [2, ['cba', 'fed']],
    [3, ['fed', 'cba']],
    [4, ['def', 'abc']],
    [5, ['ad', 'be', 'cf']],
    [6, ['da', 'eb', 'fc']],
    [7, ['fc', 'eb', 'da']],
    [8, ['cf', 'be', 'ad']],
  ])('orientation %i', (o, rows) => {
    const out = orient(px, W, H, o);
    expect(grid(out)).toEqual(rows);
    // Whole pixels move: G, B, A go with R.
    const s = out.pixels.indexOf(10);
    expect(Array.from(out.pixels.subarray(s, s + 4))).toEqual([10, 101, 102, 103]);
  });

  it('keeps 16-bit samples', () => {
    const wide = Uint16Array.from(px, (v) => v * 257);
    const out = orient(wide, W, H, 6);
    expect(out.pixels).toBeInstanceOf(Uint16Array);
    expect([out.width, out.height]).toEqual([2, 3]);
  });
});
