// EXIF orientation applied to decoded RGBA, for the decoders the browser does
// not run (the app's own PNG decoder, and jpeg-js / libjpeg-turbo / pngjs in
// the batch command): the browser turns JPEGs and PNGs by their EXIF
// orientation (imageOrientation: 'from-image'), so must they.

/** EXIF Orientation in words, for messages. */
export const ORIENTATION_WORDS: Readonly<Record<number, string>> = {
  1: 'upright',
  2: 'mirrored',
  3: 'turned 180°',
  4: 'mirrored upside down',
  5: 'mirrored across its diagonal',
  6: 'turned 90° clockwise',
  7: 'mirrored across its other diagonal',
  8: 'turned 90° anticlockwise',
};

/** Whether an orientation swaps width and height (5 to 8). */
export const swapsAxes = (orientation: number) => orientation >= 5 && orientation <= 8;

/**
 * The picture as displayed: `pixels` (RGBA, width × height as stored) turned
 * or mirrored by EXIF `orientation` (1..8; 1 and anything else: as stored,
 * the same array back).
 */
export function orient<T extends Uint8ClampedArray | Uint16Array>(pixels: T, width: number, height: number, orientation: number): { pixels: T; width: number; height: number } {
  // Not an EXIF value (0, 9, 2.5, NaN): as stored.
  if (!(Number.isInteger(orientation) && orientation >= 2 && orientation <= 8)) return { pixels, width, height };
  const W = width;
  const H = height;
  const swap = swapsAxes(orientation);
  const ow = swap ? H : W;
  const oh = swap ? W : H;
  // Source pixel of output (x, y), stored coordinates.
  const source: (x: number, y: number) => number = {
    2: (x: number, y: number) => y * W + (W - 1 - x),
    3: (x: number, y: number) => (H - 1 - y) * W + (W - 1 - x),
    4: (x: number, y: number) => (H - 1 - y) * W + x,
    5: (x: number, y: number) => x * W + y,
    6: (x: number, y: number) => (H - 1 - x) * W + y,
    7: (x: number, y: number) => (H - 1 - x) * W + (W - 1 - y),
    8: (x: number, y: number) => x * W + (W - 1 - y),
  }[orientation]!;
  const out = new (pixels.constructor as new (n: number) => T)(pixels.length);
  for (let y = 0, d = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++, d += 4) {
      const s = source(x, y) * 4;
      out[d] = pixels[s]!;
      out[d + 1] = pixels[s + 1]!;
      out[d + 2] = pixels[s + 2]!;
      out[d + 3] = pixels[s + 3]!;
    }
  }
  return { pixels: out, width: ow, height: oh };
}
