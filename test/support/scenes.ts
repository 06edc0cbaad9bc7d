// Test scenes and image comparisons shared by the tiled-evaluation tests.
import { rng } from '../../src/engine/reference/random';
import type { Bracket, FloatImage } from '../../src/engine/types';

/** Three brackets 1.5 EV apart of a scene with gradients, hard edges (a disc, bars) and noise; 8-bit or 16-bit. */
export function sceneBrackets(width: number, height: number, wide: boolean, seed: number): Bracket[] {
  const r = rng(seed);
  const scene = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0.03 + 0.8 * (x / width) * (0.6 + 0.4 * Math.sin(y / 9));
      if ((x - 0.6 * width) ** 2 + (y - 0.4 * height) ** 2 < (0.2 * height) ** 2) v = 1.6;
      if (x % 50 < 6 && y > height / 2) v *= 0.15;
      for (let c = 0; c < 3; c++) scene[(y * width + x) * 3 + c] = v * (0.85 + 0.3 * r()) * [1, 0.8, 0.6][c]!;
    }
  }
  const max = wide ? 65535 : 255;
  return [0.35, 1, 2.8].map((exposure) => {
    const pixels = wide ? new Uint16Array(width * height * 4) : new Uint8Array(width * height * 4);
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < 3; c++) pixels[p * 4 + c] = Math.round(max * Math.min(1, (scene[p * 3 + c]! * exposure) ** (1 / 2.2)));
      pixels[p * 4 + 3] = max;
    }
    return { width, height, pixels, exposure };
  });
}

/** Inner tile edges at every multiple of `core` below `n` (a regular grid). */
export const gridEdges = (core: number, n: number): number[] => {
  const edges: number[] = [];
  for (let e = core; core > 0 && e < n; e += core) edges.push(e);
  return edges;
};

/**
 * PSNR of rgb clamped to [0, 1] (peak 1); the largest |a − b| unclamped over
 * all four channels, on pixels next to an inner tile edge (`seam`: either
 * side of x = xs[i] or y = ys[j]) and elsewhere (`rest`); and the largest by
 * distance to the nearest inner edge, in steps of 8 px (byDistance[0]: 0..7 px).
 */
export function compareImages(a: FloatImage, b: FloatImage, xs: readonly number[] = [], ys: readonly number[] = []): { psnr: number; maxDiff: number; seam: number; rest: number; byDistance: number[] } {
  let se = 0;
  let seam = 0;
  let rest = 0;
  const byDistance: number[] = [];
  const edge = (v: number, edges: readonly number[]) => {
    let d = Infinity;
    for (const e of edges) d = Math.min(d, v < e ? e - 1 - v : v - e);
    return d;
  };
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const i = (y * a.width + x) * 4;
      let d = 0;
      for (let c = 0; c < 4; c++) {
        d = Math.max(d, Math.abs(a.data[i + c]! - b.data[i + c]!));
        if (c < 3) se += (Math.min(1, Math.max(0, a.data[i + c]!)) - Math.min(1, Math.max(0, b.data[i + c]!))) ** 2;
      }
      const e = Math.min(edge(x, xs), edge(y, ys));
      if (e === 0) seam = Math.max(seam, d);
      else rest = Math.max(rest, d);
      if (Number.isFinite(e)) byDistance[Math.floor(e / 8)] = Math.max(byDistance[Math.floor(e / 8)] ?? 0, d);
    }
  }
  const mse = se / (a.width * a.height * 3);
  return { psnr: mse === 0 ? Infinity : 10 * Math.log10(1 / mse), maxDiff: Math.max(seam, rest), seam, rest, byDistance };
}

/** No seam: both differences nil, or the largest along tile edges no larger than 1.5 × the largest elsewhere. */
export const noSeam = (r: { seam: number; rest: number }): boolean => (r.seam < 1e-5 && r.rest < 1e-5) || r.seam <= 1.5 * r.rest;
