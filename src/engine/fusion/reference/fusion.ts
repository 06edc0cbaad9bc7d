// Exposure fusion of Mertens, Kautz & Van Reeth, "Exposure Fusion", Pacific
// Graphics 2007: per-pixel quality weights (contrast, saturation,
// well-exposedness; §3.1) blended across brackets with Laplacian pyramids
// (§3.2). Works on the display-referred bracket bytes directly; no radiance.
// CPU reference: the WGSL passes must match these numerically.

import { unorm16AsHalf } from '../../half';
import { isWide, type Bracket, type BracketPixels, type FloatImage } from '../../types';
import { collapse, expand, gaussianPyramid, pyramidLevels, pyramidSizes } from '../../pyramid/reference/pyramid';

/** Exponents ω_C, ω_S, ω_E of the three quality measures (0 switches a measure off). */
export interface FusionWeights {
  contrastWeight: number;
  saturationWeight: number;
  exposureWeight: number;
}

/** Grey used for the contrast measure (Rec. 601 luma of the encoded values). */
export const FUSION_GREY = [0.299, 0.587, 0.114] as const;
/** Added to every raw weight before normalising, so all-zero weights give 1/N each. */
export const FUSION_EPSILON = 1e-12;
/** 2σ² of the well-exposedness Gaussian, σ = 0.2. */
const EXPOSEDNESS_2SIGMA2 = 0.08;

/** x^y with the measures' zero case: x <= 0 → (y == 0 ? 1 : 0), else x ** y. */
export function pow0(x: number, y: number): number {
  if (x <= 0) return y === 0 ? 1 : 0;
  return x ** y;
}

/** Sample k in [0, 1] as the GPU reads it: byte / 255, or a 16-bit value / 65535 rounded to half (../half.ts). */
export function unit(pixels: BracketPixels, k: number): number {
  const v = pixels[k] ?? 0;
  return isWide(pixels) ? unorm16AsHalf(v) : v / 255;
}

function checkBrackets(fn: string, brackets: readonly Bracket[]): { width: number; height: number } {
  const first = brackets[0];
  if (!first) throw new Error(`${fn}: need at least one bracket`);
  const { width, height } = first;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1)) {
    throw new Error(`${fn}: bad bracket size ${width}x${height}`);
  }
  for (const [i, b] of brackets.entries()) {
    if (b.width !== width || b.height !== height) {
      throw new Error(`${fn}: bracket ${i} is ${b.width}x${b.height}, expected ${width}x${height}`);
    }
    if (b.pixels.length !== width * height * 4) {
      throw new Error(`${fn}: bracket ${i} has ${b.pixels.length} bytes, expected ${width * height * 4}`);
    }
  }
  return { width, height };
}

/**
 * Raw weight W = pow0(C, ω_C) · pow0(S, ω_S) · pow0(E, ω_E) of every pixel of one bracket, c = unit(sample):
 *   grey = FUSION_GREY · (r, g, b)
 *   C = |grey(x−1,y) + grey(x+1,y) + grey(x,y−1) + grey(x,y+1) − 4 grey(x,y)|   (BORDER_REFLECT_101)
 *   S = sqrt(((r−μ)² + (g−μ)² + (b−μ)²) / 3), μ = (r+g+b)/3
 *   E = exp(−((r−½)² + (g−½)² + (b−½)²) / 0.08)
 * times the sample's alpha for `filled` brackets (the ghost fill's weight).
 */
function rawWeights(b: Bracket, weights: FusionWeights, filled: boolean): Float64Array {
  const { width: w, height: h, pixels: px } = b;
  const n = w * h;
  const grey = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const r = unit(px, p * 4);
    const g = unit(px, p * 4 + 1);
    const bl = unit(px, p * 4 + 2);
    grey[p] = FUSION_GREY[0] * r + FUSION_GREY[1] * g + FUSION_GREY[2] * bl;
  }
  const out = new Float64Array(n);
  for (let y = 0; y < h; y++) {
    // reflect101 inlined for neighbours at distance 1 (n = 1 → 0).
    const yu = h === 1 ? 0 : y === 0 ? 1 : y - 1;
    const yd = h === 1 ? 0 : y === h - 1 ? h - 2 : y + 1;
    for (let x = 0; x < w; x++) {
      const xl = w === 1 ? 0 : x === 0 ? 1 : x - 1;
      const xr = w === 1 ? 0 : x === w - 1 ? w - 2 : x + 1;
      const p = y * w + x;
      const lap = (grey[y * w + xl] ?? 0) + (grey[y * w + xr] ?? 0) + (grey[yu * w + x] ?? 0) + (grey[yd * w + x] ?? 0) - 4 * (grey[p] ?? 0);
      const C = Math.abs(lap);

      const r = unit(px, p * 4);
      const g = unit(px, p * 4 + 1);
      const bl = unit(px, p * 4 + 2);
      const mu = (r + g + bl) / 3;
      const S = Math.sqrt(((r - mu) ** 2 + (g - mu) ** 2 + (bl - mu) ** 2) / 3);
      const E = Math.exp(-((r - 0.5) ** 2 + (g - 0.5) ** 2 + (bl - 0.5) ** 2) / EXPOSEDNESS_2SIGMA2);

      out[p] = pow0(C, weights.contrastWeight) * pow0(S, weights.saturationWeight) * pow0(E, weights.exposureWeight) * (filled ? unit(px, p * 4 + 3) : 1);
    }
  }
  return out;
}

/**
 * Normalised weight maps, one per bracket (width·height floats each):
 *   w_k = (W_k + FUSION_EPSILON) / Σ_j (W_j + FUSION_EPSILON), W_k as in rawWeights.
 * filled: the brackets are the ghost fill's (merge/reference/ghost-fill.ts),
 * whose alpha multiplies W (shaders/fusion/fusion-weights.wgsl FILLED).
 * Throws on no brackets or a size mismatch.
 */
export function fusionWeights(brackets: readonly Bracket[], weights: FusionWeights, filled = false): Float32Array[] {
  const { width, height } = checkBrackets('fusionWeights', brackets);
  const n = width * height;
  const raw = brackets.map((b) => rawWeights(b, weights, filled));
  const sum = new Float64Array(n);
  for (const r of raw) for (let p = 0; p < n; p++) sum[p] = (sum[p] ?? 0) + (r[p] ?? 0) + FUSION_EPSILON;
  return raw.map((r) => {
    const w = new Float32Array(n);
    for (let p = 0; p < n; p++) w[p] = ((r[p] ?? 0) + FUSION_EPSILON) / (sum[p] ?? 1);
    return w;
  });
}

/**
 * Fuse brackets (any order) into one display-referred image (encoded values,
 * RGBA float, alpha 1, rgb unclamped). levels = pyramidLevels(W, H). Per
 * bracket k, G^k = gaussianPyramid of (r, g, b, w_k) with w_k from
 * fusionWeights; per level l
 *   A_l.rgb = Σ_k G^k_l.a · (G^k_l.rgb − (l < top ? expand(G^k_{l+1}, size l).rgb : 0))
 * then R_top = A_top, R_l = A_l + expand(R_{l+1}, size l); returns R_0.
 * With deghosting, the brackets are the ghost fill's (merge/reference/ghost-fill.ts)
 * and `filled` is set.
 */
export function fuse(brackets: readonly Bracket[], weights: FusionWeights, filled = false): FloatImage {
  const { width, height } = checkBrackets('fuse', brackets);
  const n = width * height;
  const levels = pyramidLevels(width, height);
  const wmaps = fusionWeights(brackets, weights, filled);

  const acc: FloatImage[] = pyramidSizes(width, height, levels).map(([lw, lh]) => ({
    width: lw,
    height: lh,
    data: new Float32Array(lw * lh * 4),
  }));
  brackets.forEach((b, k) => {
    const wk = wmaps[k];
    if (!wk) throw new Error(`fuse: missing weights for bracket ${k}`);
    const data = new Float32Array(n * 4);
    for (let p = 0; p < n; p++) {
      data[p * 4] = unit(b.pixels, p * 4);
      data[p * 4 + 1] = unit(b.pixels, p * 4 + 1);
      data[p * 4 + 2] = unit(b.pixels, p * 4 + 2);
      data[p * 4 + 3] = wk[p] ?? 0;
    }
    const g = gaussianPyramid({ width, height, data }, levels);
    g.forEach((gl, l) => {
      const a = acc[l];
      if (!a) throw new Error(`fuse: missing level ${l}`);
      const next = g[l + 1];
      const up = next ? expand(next, gl.width, gl.height).data : undefined;
      const s = gl.data;
      const d = a.data;
      for (let i = 0; i < d.length; i += 4) {
        const wt = s[i + 3] ?? 0;
        for (let c = 0; c < 3; c++) {
          const lap = (s[i + c] ?? 0) - (up ? (up[i + c] ?? 0) : 0);
          d[i + c] = (d[i + c] ?? 0) + wt * lap;
        }
      }
    });
  });

  // The blended Laplacian pyramid (alpha 0 throughout) collapses to the result.
  const out = collapse(acc).data;
  for (let p = 0; p < n; p++) out[p * 4 + 3] = 1;
  return { width, height, data: out };
}
