// Strip thumbnails for inputs the browser cannot decode itself (TIFF, RAW,
// OpenEXR, Radiance): a small sRGB RGBA8 image, nearest-sampled, made in the
// decode worker and turned into an ImageBitmap there.
import type { FloatImage } from '../engine/types';

export const THUMB_HEIGHT = 96;

export interface ThumbPixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray<ArrayBuffer>;
}

/** sRGB encoding of a linear value in [0, 1] (IEC 61966-2-1). */
function encode(v: number): number {
  const x = Math.min(1, Math.max(0, v));
  return x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055;
}

function thumbSize(width: number, height: number): [number, number] {
  const th = Math.max(1, Math.min(height, THUMB_HEIGHT));
  return [Math.max(1, Math.round((width / height) * th)), th];
}

/** Visit the thumbnail grid: output pixel p samples source pixel q (nearest). */
function grid(width: number, height: number, each: (p: number, q: number) => void): void {
  const [tw, th] = thumbSize(width, height);
  for (let y = 0; y < th; y++) {
    const sy = Math.min(height - 1, Math.floor(((y + 0.5) * height) / th));
    for (let x = 0; x < tw; x++) {
      const sx = Math.min(width - 1, Math.floor(((x + 0.5) * width) / tw));
      each(y * tw + x, sy * width + sx);
    }
  }
}

/** A bracket's thumbnail: 8-bit samples as they are, 16-bit ones / 65535, sRGB-encoded first when linear. */
export function bracketThumb(width: number, height: number, pixels: Uint8ClampedArray | Uint16Array, linear: boolean): ThumbPixels {
  const [tw, th] = thumbSize(width, height);
  const data = new Uint8ClampedArray(tw * th * 4);
  const wide = pixels instanceof Uint16Array;
  grid(width, height, (p, q) => {
    for (let c = 0; c < 3; c++) {
      const v = pixels[q * 4 + c]!;
      data[p * 4 + c] = wide ? Math.round(255 * (linear ? encode(v / 65535) : v / 65535)) : v;
    }
    data[p * 4 + 3] = 255;
  });
  return { width: tw, height: th, data };
}

/** A radiance map's thumbnail: scaled to a log-average of 0.18, Reinhard's L / (1 + L), sRGB-encoded. */
export function radianceThumb(image: FloatImage): ThumbPixels {
  const { width, height, data: src } = image;
  const [tw, th] = thumbSize(width, height);
  const samples: number[] = [];
  grid(width, height, (_, q) => samples.push(q));
  let sum = 0;
  for (const q of samples) sum += Math.log(1e-6 + 0.2126 * src[q * 4]! + 0.7152 * src[q * 4 + 1]! + 0.0722 * src[q * 4 + 2]!);
  const scale = 0.18 / Math.exp(sum / samples.length);
  const data = new Uint8ClampedArray(tw * th * 4);
  samples.forEach((q, p) => {
    for (let c = 0; c < 3; c++) {
      const v = Math.max(0, src[q * 4 + c]! * scale);
      data[p * 4 + c] = Math.round(255 * encode(v / (1 + v)));
    }
    data[p * 4 + 3] = 255;
  });
  return { width: tw, height: th, data };
}
