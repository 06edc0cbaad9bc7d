// Step 2 of the alignment reference (align.ts): the translation search and the
// Levenberg–Marquardt refinement on exposure-matched pyramids (its step in ./lk-step.ts).
import { PYRAMID_KERNEL, pyramidSizes, reflect101 } from '../../pyramid/reference/pyramid';
import { DEFAULT_MODEL, LK_CLIP_HI, LK_CLIP_LO, LK_COARSE_SIDE, LK_FULL_WEIGHT, LK_MAX_ITER, LK_MAX_SIDE, LK_STEP_EPS, SUM_INDEX, SUMS, type Rgba8 } from './constants';
import { greyCodes } from './mtb';
import { modelStep, stepSize, type MotionModel } from './lk-step';

/** Levels of the refinement: finest (longer side ≤ LK_MAX_SIDE) to coarsest (longer side ≥ LK_COARSE_SIDE), Burt–Adelson sizes. */
export function lkLevels(width: number, height: number): { finest: number; coarsest: number; sizes: [number, number][] } {
  const all = pyramidSizes(width, height, 16);
  let finest = 0;
  while (finest < 15 && Math.max(...all[finest]!) > LK_MAX_SIDE) finest++;
  let coarsest = finest;
  while (coarsest < 15 && Math.max(...all[coarsest + 1]!) >= LK_COARSE_SIDE && Math.min(...all[coarsest + 1]!) >= 8) coarsest++;
  return { finest, coarsest, sizes: all.slice(0, coarsest + 1) };
}

/**
 * Histogram matching: the moving bracket's code v goes to the target code of the
 * same mid-rank quantile, the target's codes spread uniformly over [u − ½, u + ½].
 */
export function matchLut(moving: ArrayLike<number>, target: ArrayLike<number>): Float32Array {
  const cdf = (h: ArrayLike<number>) => {
    const c = new Float64Array(257);
    for (let v = 0; v < 256; v++) c[v + 1] = c[v]! + h[v]!;
    const n = c[256]! || 1;
    return c.map((x) => x / n);
  };
  const fm = cdf(moving);
  const ft = cdf(target);
  const lut = new Float32Array(256);
  let u = 0;
  for (let v = 0; v < 256; v++) {
    const q = (fm[v]! + fm[v + 1]!) / 2;
    while (u < 255 && ft[u + 1]! < q) u++;
    const lo = ft[u]!;
    const hi = ft[u + 1]!;
    const f = hi > lo ? (q - lo) / (hi - lo) : 0.5;
    lut[v] = Math.min(255, Math.max(0, u - 0.5 + f));
  }
  return lut;
}

export const IDENTITY_LUT = Float32Array.from({ length: 256 }, (_, v) => v);

/** A refinement image level: `data` holds `channels` f32 per pixel. */
export interface Plane {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * Whether pixel i of an RGBA8 image weighs in the refinement (and in its
 * histograms): grey ≥ LK_CLIP_LO, no channel above LK_CLIP_HI (one clipped
 * channel already bends grey away from a monotone function of the scene), and
 * alpha ≥ 128 (a transparent pixel, such as the uncovered border of a warped
 * bracket, shows nothing).
 */
export function lkValid(px: ArrayLike<number>, i: number, grey: number): boolean {
  return grey >= LK_CLIP_LO && Math.max(px[4 * i]!, px[4 * i + 1]!, px[4 * i + 2]!) <= LK_CLIP_HI && px[4 * i + 3]! >= 128;
}

/** Level 0 of the refinement input: (v·w, w) per pixel, v = lut[grey]. */
export function lkRaw(img: Rgba8, lut: ArrayLike<number>): Plane {
  const { width, height, pixels } = img;
  const grey = greyCodes(img);
  const data = new Float32Array(2 * width * height);
  for (let i = 0; i < width * height; i++) {
    const g = grey[i]!;
    const w = lkValid(pixels, i, g) ? 1 : 0;
    data[2 * i] = Math.fround(lut[g]!) * w;
    data[2 * i + 1] = w;
  }
  return { width, height, data };
}

/**
 * Grey histograms of the target and the moving bracket over the pixels valid in
 * both at an integer shift (target x, moving x + shift): the same scene points
 * on both sides, so their quantiles match under any monotone response.
 */
export function overlapHistograms(target: Rgba8, moving: Rgba8, shift: readonly [number, number]): [Uint32Array, Uint32Array] {
  const { width: w, height: h } = target;
  const gt = greyCodes(target);
  const gm = greyCodes(moving);
  const ht = new Uint32Array(256);
  const hm = new Uint32Array(256);
  for (let y = 0; y < h; y++) {
    const v = y + shift[1];
    if (v < 0 || v >= h) continue;
    for (let x = 0; x < w; x++) {
      const u = x + shift[0];
      if (u < 0 || u >= w) continue;
      const i = y * w + x;
      const j = v * w + u;
      if (!lkValid(target.pixels, i, gt[i]!) || !lkValid(moving.pixels, j, gm[j]!)) continue;
      ht[gt[i]!]!++;
      hm[gm[j]!]!++;
    }
  }
  return [ht, hm];
}

/** Burt–Adelson reduce of a 2-channel plane (5×5 binomial, reflect-101), ((w + 1) >> 1) × ((h + 1) >> 1). */
export function reduceRaw(src: Plane): Plane {
  const { width: w, height: h } = src;
  const [ow, oh] = [(w + 1) >> 1, (h + 1) >> 1];
  const data = new Float32Array(2 * ow * oh);
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++) {
      let s0 = 0;
      let s1 = 0;
      for (let j = -2; j <= 2; j++) {
        const yy = reflect101(2 * y + j, h);
        let r0 = 0;
        let r1 = 0;
        for (let i = -2; i <= 2; i++) {
          const o = 2 * (yy * w + reflect101(2 * x + i, w));
          r0 += PYRAMID_KERNEL[i + 2]! * src.data[o]!;
          r1 += PYRAMID_KERNEL[i + 2]! * src.data[o + 1]!;
        }
        s0 += PYRAMID_KERNEL[j + 2]! * r0;
        s1 += PYRAMID_KERNEL[j + 2]! * r1;
      }
      data[2 * (y * ow + x)] = s0;
      data[2 * (y * ow + x) + 1] = s1;
    }
  return { width: ow, height: oh, data };
}

/** 3×3 binomial blur ([1 2 1]/4 each way, edges clamped) of a 2-channel plane. */
export function blurRaw(src: Plane): Plane {
  const { width: w, height: h } = src;
  const data = new Float32Array(2 * w * h);
  const K = [0.25, 0.5, 0.25];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s0 = 0;
      let s1 = 0;
      for (let j = -1; j <= 1; j++) {
        const yy = Math.min(h - 1, Math.max(0, y + j));
        for (let i = -1; i <= 1; i++) {
          const o = 2 * (yy * w + Math.min(w - 1, Math.max(0, x + i)));
          const k = K[j + 1]! * K[i + 1]!;
          s0 += k * src.data[o]!;
          s1 += k * src.data[o + 1]!;
        }
      }
      data[2 * (y * w + x)] = s0;
      data[2 * (y * w + x) + 1] = s1;
    }
  return { width: w, height: h, data };
}

/**
 * (v, w', ∂x v, ∂y v) of a raw level after a 3×3 binomial blur (which keeps
 * resampling and noise differences between brackets from biasing the fit):
 * v = vw / w, w' = 1 where the blurred weight is full (≥ LK_FULL_WEIGHT) at the
 * pixel and its four neighbours (0 on the border), central differences.
 */
export function lkFeatures(level: Plane): Plane {
  const raw = blurRaw(level);
  const { width: w, height: h } = raw;
  const data = new Float32Array(4 * w * h);
  const wt = (x: number, y: number) => raw.data[2 * (y * w + x) + 1]!;
  const val = (x: number, y: number) => {
    const ww = wt(x, y);
    return ww > 0 ? Math.fround(raw.data[2 * (y * w + x)]! / ww) : 0;
  };
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = 4 * (y * w + x);
      data[o] = val(x, y);
      if (x === 0 || y === 0 || x === w - 1 || y === h - 1) continue;
      const least = Math.min(wt(x, y), wt(x - 1, y), wt(x + 1, y), wt(x, y - 1), wt(x, y + 1));
      data[o + 1] = least >= LK_FULL_WEIGHT ? 1 : 0;
      data[o + 2] = 0.5 * (val(x + 1, y) - val(x - 1, y));
      data[o + 3] = 0.5 * (val(x, y + 1) - val(x, y - 1));
    }
  return { width: w, height: h, data };
}

/** One bracket through a LUT: raw levels 0..coarsest, and feature levels finest..coarsest (index l − finest). */
export function lkPyramid(img: Rgba8, lut: ArrayLike<number>, finest: number, coarsest: number): { raw: Plane[]; features: Plane[] } {
  const raw = [lkRaw(img, lut)];
  for (let l = 1; l <= coarsest; l++) raw.push(reduceRaw(raw[l - 1]!));
  return { raw, features: raw.slice(finest).map(lkFeatures) };
}

/** Similarity parameters about the image centre, translation in full-resolution pixels. */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

export const IDENTITY: Similarity = { a: 0, b: 0, tx: 0, ty: 0 };

/** Centre of a w × h image in pixel coordinates. */
export const centre = (width: number, height: number): [number, number] => [(width - 1) / 2, (height - 1) / 2];

/** The warp of level l as f32 uniforms: [1 + a, b, tx_l, ty_l, cx_l, cy_l] (u = c + A (x − c) + t). */
export function levelWarp(p: Similarity, level: number, width: number, height: number): Float32Array {
  const s = 2 ** -level;
  const [cx, cy] = centre(width, height);
  return Float32Array.of(1 + p.a, p.b, p.tx * s, p.ty * s, cx * s, cy * s);
}

/** The normal-equation sums (SUM_INDEX) of target level T and moving level I under the warp of levelWarp(). */
export function lkSums(target: Plane, moving: Plane, warp: Float32Array): Float64Array {
  const [ca, sb, tx, ty, cx, cy] = warp as unknown as [number, number, number, number, number, number];
  const { width: w, height: h } = target;
  const S = new Float64Array(SUMS);
  const md = moving.data;
  const mw = moving.width;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = 4 * (y * w + x);
      const wt = target.data[o + 1]!;
      if (wt <= 0) continue;
      const xc = x - cx;
      const yc = y - cy;
      const ux = cx + ca * xc - sb * yc + tx;
      const uy = cy + sb * xc + ca * yc + ty;
      if (!(ux >= 0 && uy >= 0 && ux <= mw - 1 && uy <= moving.height - 1)) continue;
      const x0 = Math.min(Math.floor(ux), mw - 2 < 0 ? 0 : mw - 2);
      const y0 = Math.min(Math.floor(uy), moving.height - 2 < 0 ? 0 : moving.height - 2);
      const fx = ux - x0;
      const fy = uy - y0;
      const x1 = Math.min(x0 + 1, mw - 1);
      const y1 = Math.min(y0 + 1, moving.height - 1);
      const f = [0, 0, 0, 0];
      const taps: [number, number, number][] = [
        [x0, y0, (1 - fx) * (1 - fy)],
        [x1, y0, fx * (1 - fy)],
        [x0, y1, (1 - fx) * fy],
        [x1, y1, fx * fy],
      ];
      for (const [xx, yy, k] of taps) for (let c = 0; c < 4; c++) f[c]! += k * md[4 * (yy * mw + xx) + c]!;
      const W = wt * f[1]!;
      if (W <= 0) continue;
      const T = target.data[o]!;
      const I = f[0]!;
      const e = I - T;
      // ESM (Benhimane & Malis 2004): the mean of both images' gradients.
      const gx = 0.5 * (f[2]! + target.data[o + 2]!);
      const gy = 0.5 * (f[3]! + target.data[o + 3]!);
      const J = [gx * xc + gy * yc, gy * xc - gx * yc, gx, gy];
      let k = 0;
      for (let i = 0; i < 4; i++) for (let j = i; j < 4; j++) S[k++]! += W * J[i]! * J[j]!;
      for (let i = 0; i < 4; i++) S[10 + i]! += W * J[i]! * e;
      S[14]! += W;
      S[15]! += W * e * e;
      S[16]! += W * T;
      S[17]! += W * T * T;
      S[18]! += W * I;
      S[19]! += W * I * I;
    }
  return S;
}

/** Sums of the pair at level l for parameters p (CPU or GPU). */
export type Evaluate = (level: number, p: Similarity) => Promise<Float64Array> | Float64Array;

export interface RefineResult {
  p: Similarity;
  /** Gauss–Newton evaluations, per level (finest first). */
  iterations: number[];
  converged: boolean;
}

/**
 * Levenberg–Marquardt from p0, coarse to fine over [finest, coarsest]: a step
 * that raises the normalised residual Σ W e² / Σ W is undone and the damping
 * raised tenfold; an accepted one lowers it tenfold (to 0 below 1e-3). A level
 * is done when a step moves no corner by LK_STEP_EPS level pixels. Each finer
 * level starts from p0 instead where p0 fits it better than the coarser
 * level's result (a coarse level, blurred and with few valid pixels, can pull
 * a good start away).
 */
export async function refine(evaluate: Evaluate, width: number, height: number, p0: Similarity, model: MotionModel = DEFAULT_MODEL): Promise<RefineResult> {
  const { finest, coarsest, sizes } = lkLevels(width, height);
  let p = { ...p0 };
  const iterations: number[] = new Array(coarsest - finest + 1).fill(0);
  let converged = false;
  const residual = (S: ArrayLike<number>) => (S[SUM_INDEX.w]! > 0 ? S[SUM_INDEX.we2]! / S[SUM_INDEX.w]! : Infinity);
  for (let l = coarsest; l >= finest; l--) {
    const [lw, lh] = sizes[l]!;
    const s = 2 ** l;
    converged = false;
    let S = await evaluate(l, p);
    iterations[l - finest]!++;
    // A coarser level may only help: restart from p0 where it fits this level better.
    if (l < coarsest && (p.a !== p0.a || p.b !== p0.b || p.tx !== p0.tx || p.ty !== p0.ty)) {
      const S0 = await evaluate(l, p0);
      iterations[l - finest]!++;
      if (residual(S0) < residual(S)) {
        p = { ...p0 };
        S = S0;
      }
    }
    let lambda = 0;
    while (iterations[l - finest]! < LK_MAX_ITER) {
      // Converged when the undamped step is negligible, whatever the damping.
      const free = modelStep(S, 0, p, l, model);
      if (!free) break;
      if (stepSize([free.a - p.a, free.b - p.b, (free.tx - p.tx) / s, (free.ty - p.ty) / s], lw, lh) < LK_STEP_EPS) {
        p = free;
        converged = true;
        break;
      }
      const next = lambda === 0 ? free : modelStep(S, lambda, p, l, model);
      if (!next) break;
      const S2 = await evaluate(l, next);
      iterations[l - finest]!++;
      if (residual(S2) <= residual(S)) {
        p = next;
        S = S2;
        lambda = lambda < 1e-3 ? 0 : lambda / 10;
      } else {
        lambda = lambda === 0 ? 1e-3 : lambda * 10;
        if (lambda > 1e4) break;
      }
    }
  }
  return { p, iterations, converged };
}
