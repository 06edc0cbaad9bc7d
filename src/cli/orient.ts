// EXIF Orientation applied to decoded pixels. The browser does it while
// decoding (createImageBitmap's imageOrientation: 'from-image'); jpeg-js and
// pngjs do not, so the batch command turns the pixels itself.

export interface Pixels<T extends Uint8ClampedArray | Uint16Array> {
  readonly width: number;
  readonly height: number;
  /** RGBA, row-major. */
  readonly data: T;
}

/**
 * The upright image for EXIF Orientation 1..8 (2 mirror, 3 rotate 180°,
 * 4 flip, 5 transpose, 6 rotate 90° clockwise, 7 transverse, 8 rotate 90°
 * anticlockwise). 1 and unknown values return the input itself.
 */
export function orient<T extends Uint8ClampedArray | Uint16Array>(image: Pixels<T>, orientation: number): Pixels<T> {
  const { width: w, height: h, data } = image;
  if (!(orientation >= 2 && orientation <= 8 && Number.isInteger(orientation))) return image;
  const swap = orientation >= 5;
  const ow = swap ? h : w;
  const oh = swap ? w : h;
  // Where output pixel (x, y) comes from in the file's pixels.
  const from: (x: number, y: number) => number = {
    2: (x: number, y: number) => y * w + (w - 1 - x),
    3: (x: number, y: number) => (h - 1 - y) * w + (w - 1 - x),
    4: (x: number, y: number) => (h - 1 - y) * w + x,
    5: (x: number, y: number) => x * w + y,
    6: (x: number, y: number) => (h - 1 - x) * w + y,
    7: (x: number, y: number) => (h - 1 - x) * w + (w - 1 - y),
    8: (x: number, y: number) => x * w + (w - 1 - y),
  }[orientation]!;
  const out = new (data.constructor as new (n: number) => T)(data.length);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const s = from(x, y) * 4;
      const d = (y * ow + x) * 4;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
      out[d + 3] = data[s + 3]!;
    }
  }
  return { width: ow, height: oh, data: out };
}
