// A synthetic camera for tests: renders 8-bit brackets from a linear radiance
// map through a chosen response curve, with clipping and rounding, so the
// response recovery (../response.ts) can be checked against a known curve.
// Also reads the committed radiance maps (fixtures/, see fixtures/NOTICE.md).

import { readFileSync } from 'node:fs';
import type { Bracket, FloatImage } from '../types';
import { LUMA } from '../types';
import { halfToFloat } from '../half';

/** A camera response: linear exposure x in [0, 1] → encoded value in [0, 1], increasing. */
export type CameraCurve = (x: number) => number;

/**
 * A film-like curve, not sRGB: a power law y = x^(1/gamma) bent into an S,
 * (1 − s) y + s · y²(3 − 2y), which flattens the toe and the shoulder (slope
 * 1 − s at both ends, 1 + s/2 in the middle) and stays increasing for s < 1.
 */
export function filmCurve(gamma: number, s: number): CameraCurve {
  return (x) => {
    const y = Math.pow(Math.min(1, Math.max(0, x)), 1 / gamma);
    return (1 - s) * y + s * y * y * (3 - 2 * y);
  };
}

/** x with curve(x) = v, by bisection on [0, 1] (curve increasing). */
export function invertCurve(curve: CameraCurve, v: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (curve(mid) < v) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The exact inverse response of per-channel curves at each code: curve⁻¹(z / 255). */
export function trueLuts(curves: readonly [CameraCurve, CameraCurve, CameraCurve]): [Float64Array, Float64Array, Float64Array] {
  const lut = (f: CameraCurve) => Float64Array.from({ length: 256 }, (_, z) => invertCurve(f, z / 255));
  return [lut(curves[0]), lut(curves[1]), lut(curves[2])];
}

/**
 * One bracket per exposure: per pixel and channel c,
 *   byte = round(255 · curves[c](clamp(radiance · gain · exposure, 0, 1))).
 */
export function shootBrackets(radiance: FloatImage, curves: readonly [CameraCurve, CameraCurve, CameraCurve], gain: number, exposures: readonly number[]): Bracket[] {
  const { width, height, data } = radiance;
  return exposures.map((exposure) => {
    const pixels = new Uint8Array(width * height * 4);
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < 3; c++) {
        const x = Math.min(1, Math.max(0, data[p * 4 + c]! * gain * exposure));
        pixels[p * 4 + c] = Math.round(255 * curves[c as 0 | 1 | 2](x));
      }
      pixels[p * 4 + 3] = 255;
    }
    return { width, height, pixels, exposure };
  });
}

/**
 * The same camera with a 16-bit output: per pixel and channel c,
 *   value = round(65535 · curves[c](clamp(radiance · gain · exposure, 0, 1))).
 */
export function shootBrackets16(radiance: FloatImage, curves: readonly [CameraCurve, CameraCurve, CameraCurve], gain: number, exposures: readonly number[]): Bracket[] {
  const { width, height, data } = radiance;
  return exposures.map((exposure) => {
    const pixels = new Uint16Array(width * height * 4);
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < 3; c++) {
        const x = Math.min(1, Math.max(0, data[p * 4 + c]! * gain * exposure));
        pixels[p * 4 + c] = Math.round(65535 * curves[c as 0 | 1 | 2](x));
      }
      pixels[p * 4 + 3] = 65535;
    }
    return { width, height, pixels, exposure };
  });
}

/**
 * A raw sensor behind an RGGB Bayer filter (R at (0, 0)) whose channels are
 * linear sRGB with sensitivities `neutral` (G = 1): photosite (x, y) of
 * channel c reads
 *   black + round((white − black) · clamp(radiance_c · gain · exposure · neutral_c, 0, 1)).
 * A raw developer that balances white with 1 / neutral gets radiance · gain ·
 * exposure back, clipped where green would clip.
 */
export function shootMosaic(radiance: FloatImage, gain: number, exposure: number, neutral: readonly [number, number, number], black: number, white: number): Uint16Array {
  const { width, height, data } = radiance;
  const out = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = (y & 1) + (x & 1);
      const v = Math.min(1, Math.max(0, data[(y * width + x) * 4 + c]! * gain * exposure * neutral[c]!));
      out[y * width + x] = black + Math.round((white - black) * v);
    }
  }
  return out;
}

/**
 * A map `factor` times larger, each pixel repeated factor × factor times: a
 * sensor with finer photosites than the scene has detail (a Bayer camera
 * resolves about half its pixel count), for tests of demosaiced RAWs.
 */
export function enlarge(radiance: FloatImage, factor: number): FloatImage {
  const width = radiance.width * factor;
  const height = radiance.height * factor;
  const data = new Float32Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (Math.floor(y / factor) * radiance.width + Math.floor(x / factor)) * 4;
      data.set(radiance.data.subarray(s, s + 4), (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

/** The box average of factor × factor blocks: the inverse of enlarge for maps it made. */
export function shrink(image: FloatImage, factor: number): FloatImage {
  const width = Math.floor(image.width / factor);
  const height = Math.floor(image.height / factor);
  const data = new Float32Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) sum += image.data[((y * factor + dy) * image.width + x * factor + dx) * 4 + c]!;
        data[(y * width + x) * 4 + c] = sum / (factor * factor);
      }
    }
  }
  return { width, height, data };
}

/** The gain that puts the map's log-average luminance at `key` (as scripts/make-brackets.mjs meters). */
export function meter(radiance: FloatImage, key: number): number {
  let sum = 0;
  const n = radiance.width * radiance.height;
  for (let p = 0; p < n; p++) {
    const d = radiance.data;
    sum += Math.log(1e-6 + LUMA[0] * d[p * 4]! + LUMA[1] * d[p * 4 + 1]! + LUMA[2] * d[p * 4 + 2]!);
  }
  return key / Math.exp(sum / n);
}

/**
 * Box-average the codes of each bracket down to fit `max` × `max`, as a GPU
 * downsample before a readback would (what recoverResponse must not be given):
 * output (x, y) is the rounded mean of source columns floor(x W / w) ..
 * floor((x + 1) W / w) − 1 and the same for rows.
 */
export function shrinkBrackets(brackets: readonly Bracket[], max: number): Bracket[] {
  return brackets.map((b) => {
    const scale = Math.min(1, max / Math.max(b.width, b.height));
    const w = Math.max(1, Math.floor(b.width * scale));
    const h = Math.max(1, Math.floor(b.height * scale));
    const pixels = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      const y0 = Math.floor((y * b.height) / h);
      const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * b.height) / h));
      for (let x = 0; x < w; x++) {
        const x0 = Math.floor((x * b.width) / w);
        const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * b.width) / w));
        for (let c = 0; c < 4; c++) {
          let sum = 0;
          for (let sy = y0; sy < y1; sy++) for (let sx = x0; sx < x1; sx++) sum += b.pixels[(sy * b.width + sx) * 4 + c]!;
          pixels[(y * w + x) * 4 + c] = Math.round(sum / ((x1 - x0) * (y1 - y0)));
        }
      }
    }
    return { width: w, height: h, pixels, exposure: b.exposure };
  });
}

export type RadianceMap = 'goldengate' | 'stilllife';

const FIXTURES = new URL('./fixtures/', import.meta.url);

/** A committed radiance map (fixtures/<name>.f16, RGB half floats) as RGBA float, alpha 1. */
export function loadRadianceMap(name: RadianceMap): FloatImage {
  const manifest = JSON.parse(readFileSync(new URL('radiance.json', FIXTURES), 'utf8')) as Record<RadianceMap, { file: string; width: number; height: number }>;
  const { file, width, height } = manifest[name];
  const bytes = readFileSync(new URL(file, FIXTURES));
  if (bytes.length !== width * height * 6) throw new Error(`${file}: ${bytes.length} bytes, expected ${width * height * 6}`);
  const data = new Float32Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) data[p * 4 + c] = halfToFloat(bytes.readUInt16LE((p * 3 + c) * 2));
    data[p * 4 + 3] = 1;
  }
  return { width, height, data };
}
