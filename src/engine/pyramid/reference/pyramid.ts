// Gaussian and Laplacian image pyramids of Burt & Adelson, "The Laplacian
// Pyramid as a Compact Image Code", IEEE Trans. Commun. 31(4), 1983, with the
// 5-tap binomial kernel [1 4 6 4 1]/16 and OpenCV's BORDER_REFLECT_101 border.
// Used by exposure fusion (Mertens et al. 2007) and local Laplacian filtering.
// CPU reference: the WGSL passes must match these numerically. All four
// channels of an RGBA FloatImage are filtered alike.

import type { FloatImage } from '../../types';

/** 5-tap binomial kernel [1, 4, 6, 4, 1] / 16, taps at offsets −2..2. */
export const PYRAMID_KERNEL = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16] as const;

/** Border index (OpenCV BORDER_REFLECT_101): n = 1 → 0; i < 0 → −i; i >= n → 2n−2−i; then clamp to [0, n−1]. */
export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  let j = i < 0 ? -i : i;
  if (j >= n) j = 2 * n - 2 - j;
  return Math.min(n - 1, Math.max(0, j));
}

/** Number of levels for a w x h image: floor(log2(min(w, h))) + 1, at least 1 (counted by integer halving). */
export function pyramidLevels(w: number, h: number): number {
  let m = Math.floor(Math.min(w, h));
  let levels = 1;
  while (m >= 2) {
    m = Math.floor(m / 2);
    levels++;
  }
  return levels;
}

/** Size of each level: level 0 is (w, h), level l+1 is ((w_l + 1) >> 1, (h_l + 1) >> 1). */
export function pyramidSizes(w: number, h: number, levels: number): [number, number][] {
  const sizes: [number, number][] = [];
  let lw = w;
  let lh = h;
  for (let l = 0; l < levels; l++) {
    sizes.push([lw, lh]);
    lw = (lw + 1) >> 1;
    lh = (lh + 1) >> 1;
  }
  return sizes;
}

function checkImage(fn: string, img: FloatImage): void {
  const { width, height } = img;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1)) {
    throw new Error(`${fn}: bad image size ${width}x${height}`);
  }
  if (img.data.length !== width * height * 4) {
    throw new Error(`${fn}: image has ${img.data.length} floats, expected ${width * height * 4}`);
  }
}

function checkLevels(fn: string, levels: number): void {
  if (!Number.isInteger(levels) || levels < 1) throw new Error(`${fn}: levels ${levels} must be an integer >= 1`);
}

/**
 * Blur and decimate: output ((w+1)>>1) x ((h+1)>>1),
 *   out(x,y) = Σ_{i,j ∈ −2..2} k[i] k[j] img(reflect101(2x+i, w), reflect101(2y+j, h)),  k = PYRAMID_KERNEL.
 */
export function reduce(img: FloatImage): FloatImage {
  checkImage('reduce', img);
  const { width: w, height: h, data: src } = img;
  const ow = (w + 1) >> 1;
  const oh = (h + 1) >> 1;
  // Source column / row of tap t (0..4) for output x / y.
  const cols = new Int32Array(ow * 5);
  for (let x = 0; x < ow; x++) for (let t = 0; t < 5; t++) cols[x * 5 + t] = reflect101(2 * x + t - 2, w);
  const rows = new Int32Array(oh * 5);
  for (let y = 0; y < oh; y++) for (let t = 0; t < 5; t++) rows[y * 5 + t] = reflect101(2 * y + t - 2, h);

  const out = new Float32Array(ow * oh * 4);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let tj = 0; tj < 5; tj++) {
        const row = (rows[y * 5 + tj] ?? 0) * w;
        const kj = PYRAMID_KERNEL[tj] ?? 0;
        for (let ti = 0; ti < 5; ti++) {
          const wt = kj * (PYRAMID_KERNEL[ti] ?? 0);
          const s = (row + (cols[x * 5 + ti] ?? 0)) * 4;
          r += wt * (src[s] ?? 0);
          g += wt * (src[s + 1] ?? 0);
          b += wt * (src[s + 2] ?? 0);
          a += wt * (src[s + 3] ?? 0);
        }
      }
      const o = (y * ow + x) * 4;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = a;
    }
  }
  return { width: ow, height: oh, data: out };
}

/**
 * The coarse sample that stands in for coarse index j of an n-sample axis under
 * a fine axis of `fine` samples. Coarse j sits at fine position 2j; outside the
 * image that position is mirrored about the fine axis's own edge samples
 * (reflect-101 at the fine level, as reduce reads it): 2j → −2j on the left, and
 * 2j → 2(fine−1) − 2j on the right, i.e. coarse (fine − 1 − j). For an odd fine
 * size this is reflect-101 of the coarse axis; for an even one the last coarse
 * sample repeats (as OpenCV's pyrUp does there), because the fine edge then lies
 * half a coarse step beyond it. Clamped for tiny axes.
 */
export function expandIndex(j: number, n: number, fine: number): number {
  const k = j < 0 ? -j : j >= n ? fine - 1 - j : j;
  return Math.min(n - 1, Math.max(0, k));
}

/**
 * 1-D expand taps for fine indices 0..fine−1 from a coarse axis of length n:
 * x even, j = x/2: {j−1: 1/8, j: 6/8, j+1: 1/8}; x odd, j = (x−1)/2: {j: 1/2, j+1: 1/2};
 * coarse indices through expandIndex(·, n, fine). Three slots per x (odd x has a zero third weight).
 */
function expandTaps(fine: number, n: number): { idx: Int32Array; wt: Float64Array } {
  const at = (j: number) => expandIndex(j, n, fine);
  const idx = new Int32Array(fine * 3);
  const wt = new Float64Array(fine * 3);
  for (let x = 0; x < fine; x++) {
    const o = x * 3;
    if (x % 2 === 0) {
      const j = x / 2;
      idx[o] = at(j - 1);
      idx[o + 1] = at(j);
      idx[o + 2] = at(j + 1);
      wt[o] = 1 / 8;
      wt[o + 1] = 6 / 8;
      wt[o + 2] = 1 / 8;
    } else {
      const j = (x - 1) / 2;
      idx[o] = at(j);
      idx[o + 1] = at(j + 1);
      idx[o + 2] = 0;
      wt[o] = 1 / 2;
      wt[o + 1] = 1 / 2;
      wt[o + 2] = 0;
    }
  }
  return { idx, wt };
}

/**
 * Upsample a w x h image to W x H (W ∈ {2w, 2w−1}, H ∈ {2h, 2h−1}) with the
 * separable product of the 1-D taps of expandTaps:
 *   out(x,y) = Σ_a Σ_b wa wb coarse(ja, jb).
 * Throws when W x H is not an expansion of w x h.
 */
export function expand(coarse: FloatImage, W: number, H: number): FloatImage {
  checkImage('expand', coarse);
  const { width: w, height: h, data: src } = coarse;
  if (!((W === 2 * w || W === 2 * w - 1) && (H === 2 * h || H === 2 * h - 1))) {
    throw new Error(`expand: ${W}x${H} is not an expansion of ${w}x${h}`);
  }
  const cx = expandTaps(W, w);
  const cy = expandTaps(H, h);
  const out = new Float32Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let tb = 0; tb < 3; tb++) {
        const wb = cy.wt[y * 3 + tb] ?? 0;
        if (wb === 0) continue;
        const row = (cy.idx[y * 3 + tb] ?? 0) * w;
        for (let ta = 0; ta < 3; ta++) {
          const wa = cx.wt[x * 3 + ta] ?? 0;
          if (wa === 0) continue;
          const wt = wa * wb;
          const s = (row + (cx.idx[x * 3 + ta] ?? 0)) * 4;
          r += wt * (src[s] ?? 0);
          g += wt * (src[s + 1] ?? 0);
          b += wt * (src[s + 2] ?? 0);
          a += wt * (src[s + 3] ?? 0);
        }
      }
      const o = (y * W + x) * 4;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = a;
    }
  }
  return { width: W, height: H, data: out };
}

/** Gaussian pyramid G_0 = copy of img, G_{l+1} = reduce(G_l); `levels` images, finest first. */
export function gaussianPyramid(img: FloatImage, levels: number = pyramidLevels(img.width, img.height)): FloatImage[] {
  checkImage('gaussianPyramid', img);
  checkLevels('gaussianPyramid', levels);
  let cur: FloatImage = { width: img.width, height: img.height, data: new Float32Array(img.data) };
  const pyr = [cur];
  for (let l = 1; l < levels; l++) {
    cur = reduce(cur);
    pyr.push(cur);
  }
  return pyr;
}

/** Elementwise a − b (same size) into a new image. */
function subtract(a: FloatImage, b: FloatImage): FloatImage {
  const data = new Float32Array(a.data.length);
  for (let i = 0; i < data.length; i++) data[i] = (a.data[i] ?? 0) - (b.data[i] ?? 0);
  return { width: a.width, height: a.height, data };
}

/** Laplacian pyramid: L_l = G_l − expand(G_{l+1}, size of l) for l < levels−1, L_top = G_top. */
export function laplacianPyramid(img: FloatImage, levels: number = pyramidLevels(img.width, img.height)): FloatImage[] {
  const g = gaussianPyramid(img, levels);
  return g.map((gl, l) => {
    const next = g[l + 1];
    return next ? subtract(gl, expand(next, gl.width, gl.height)) : gl;
  });
}

/** Collapse a Laplacian pyramid (finest first): R_top = L_top, R_l = L_l + expand(R_{l+1}, size of l); returns R_0 (new image). */
export function collapse(laplacian: readonly FloatImage[]): FloatImage {
  const top = laplacian[laplacian.length - 1];
  if (!top) throw new Error('collapse: empty pyramid');
  let r: FloatImage = { width: top.width, height: top.height, data: new Float32Array(top.data) };
  for (let l = laplacian.length - 2; l >= 0; l--) {
    const ll = laplacian[l];
    if (!ll) throw new Error(`collapse: missing level ${l}`);
    const up = expand(r, ll.width, ll.height);
    if (ll.data.length !== up.data.length) throw new Error(`collapse: level ${l} has ${ll.data.length} floats, expected ${up.data.length}`);
    const d = up.data;
    for (let i = 0; i < d.length; i++) d[i] = (d[i] ?? 0) + (ll.data[i] ?? 0);
    r = up;
  }
  return r;
}
