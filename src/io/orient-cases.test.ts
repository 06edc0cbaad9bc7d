// The batch command's orientation cases (it had an orient() of its own; it now uses this one).
import { describe, expect, it } from 'vitest';
import { orient as orientPixels } from './orient';

type Image<T extends Uint8ClampedArray | Uint16Array> = { width: number; height: number; data: T };
const orient = <T extends Uint8ClampedArray | Uint16Array>(img: Image<T>, o: number): Image<T> => {
  const r = orientPixels(img.data, img.width, img.height, o);
  return { width: r.width, height: r.height, data: r.pixels };
};

/** A 3×2 image whose red channel numbers the pixels 1..6 row by row (green 16-bit-safe, blue 0, alpha 255). */
const image = () => {
  const data = new Uint8ClampedArray(3 * 2 * 4);
  for (let i = 0; i < 6; i++) data.set([i + 1, 10 * (i + 1), 0, 255], i * 4);
  return { width: 3, height: 2, data };
};
const reds = (img: { width: number; height: number; data: ArrayLike<number> }) => Array.from({ length: img.height }, (_, y) => Array.from({ length: img.width }, (_, x) => img.data[(y * img.width + x) * 4]!));

// The file's pixels:  1 2 3
//                     4 5 6
describe('orient (batch cases)', () => {
  it('turns the pixels upright for each EXIF orientation', () => {
    const want: Record<number, number[][]> = {
      1: [
        [1, 2, 3],
        [4, 5, 6],
      ],
      2: [
        [3, 2, 1],
        [6, 5, 4],
      ],
      3: [
        [6, 5, 4],
        [3, 2, 1],
      ],
      4: [
        [4, 5, 6],
        [1, 2, 3],
      ],
      5: [
        [1, 4],
        [2, 5],
        [3, 6],
      ],
      6: [
        [4, 1],
        [5, 2],
        [6, 3],
      ],
      7: [
        [6, 3],
        [5, 2],
        [4, 1],
      ],
      8: [
        [3, 6],
        [2, 5],
        [1, 4],
      ],
    };
    for (const [o, rows] of Object.entries(want)) expect(reds(orient(image(), Number(o))), `orientation ${o}`).toEqual(rows);
  });

  it('moves whole pixels, keeps the sample type and swaps the size for 5 to 8', () => {
    const img = image();
    const wide = { ...img, data: Uint16Array.from(img.data, (v) => v * 257) };
    const r = orient(wide, 6);
    expect(r.data).toBeInstanceOf(Uint16Array);
    expect([r.width, r.height]).toEqual([2, 3]);
    // Top-left is the file's bottom-left pixel (4): all four samples with it.
    expect(Array.from(r.data.subarray(0, 4))).toEqual([4 * 257, 40 * 257, 0, 255 * 257]);
  });

  it('returns the input itself for 1 and for values EXIF does not define', () => {
    const img = image();
    for (const o of [1, 0, 9, 2.5, NaN]) expect(orient(img, o).data).toBe(img.data);
  });
});
