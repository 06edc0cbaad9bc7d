// The smoothing of the deghosting weights, CPU reference of
// shaders/deghost/deghost-smooth.wgsl: a mean then min reduce over a pyramid
// of scalar maps and the expand back, sampled as shaders/lib/pyramid.wgsl
// (reflect-101 borders). Split out of ./deghost.ts, which uses it.

import { expandIndex, PYRAMID_KERNEL, reflect101 } from '../../pyramid/reference/pyramid';

/** Level 1 is min(1, MAJORITY · the binomial mean of the raw weights). */
export const DEGHOST_MAJORITY = 2;

/** A w × h scalar map reduced to ((w+1)>>1) × ((h+1)>>1): the 5 × 5 binomial (op 'mean') or the minimum over the same footprint. */
export function reduceMap(src: Float32Array, w: number, h: number, op: 'mean' | 'min'): Float32Array {
  const ow = (w + 1) >> 1;
  const oh = (h + 1) >> 1;
  const out = new Float32Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let acc = op === 'min' ? Infinity : 0;
      for (let j = -2; j <= 2; j++) {
        const row = reflect101(2 * y + j, h) * w;
        let r = op === 'min' ? Infinity : 0;
        for (let i = -2; i <= 2; i++) {
          const v = src[row + reflect101(2 * x + i, w)]!;
          r = op === 'min' ? Math.min(r, v) : r + PYRAMID_KERNEL[i + 2]! * v;
        }
        acc = op === 'min' ? Math.min(acc, r) : acc + PYRAMID_KERNEL[j + 2]! * r;
      }
      out[y * ow + x] = acc;
    }
  }
  return out;
}

/** Expand taps of fine index x: first coarse index and weights (shaders/lib/pyramid.wgsl expand_taps). */
function taps(x: number): [number, number[]] {
  return x % 2 === 0 ? [x / 2 - 1, [0.125, 0.75, 0.125]] : [(x - 1) / 2, [0.5, 0.5, 0]];
}

/** A w × h scalar map expanded to W × H (W ∈ {2w, 2w − 1}, the same for H), as shaders/lib/pyramid.wgsl pyr_expand. */
export function expandMap(src: Float32Array, w: number, h: number, W: number, H: number): Float32Array {
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const [fy, wy] = taps(y);
    for (let x = 0; x < W; x++) {
      const [fx, wx] = taps(x);
      let sum = 0;
      for (let j = 0; j < 3; j++) {
        if (wy[j] === 0) continue;
        const row = expandIndex(fy + j, h, H) * w;
        let r = 0;
        for (let i = 0; i < 3; i++) {
          if (wx[i] === 0) continue;
          r += wx[i]! * src[row + expandIndex(fx + i, w, W)]!;
        }
        sum += wy[j]! * r;
      }
      out[y * W + x] = sum;
    }
  }
  return out;
}

/**
 * Level 1 = min(1, MAJORITY · mean reduce of level 0) (a neighbourhood counts as
 * a ghost only where more than half of it disagrees), levels 2..L = min reduce,
 * then expand back to level 0 (L = 0: unchanged).
 */
export function smoothDeghost(raw: readonly Float32Array[], width: number, height: number, levels: number): Float32Array[] {
  return raw.map((map) => {
    if (levels === 0) return new Float32Array(map);
    const sizes: [number, number][] = [[width, height]];
    const pyr = [map];
    for (let l = 1; l <= levels; l++) {
      const [w, h] = sizes[l - 1]!;
      const r = reduceMap(pyr[l - 1]!, w, h, l === 1 ? 'mean' : 'min');
      if (l === 1) for (let q = 0; q < r.length; q++) r[q] = Math.min(1, DEGHOST_MAJORITY * r[q]!);
      pyr.push(r);
      sizes.push([(w + 1) >> 1, (h + 1) >> 1]);
    }
    let cur = pyr[levels]!;
    for (let l = levels - 1; l >= 0; l--) {
      const [w, h] = sizes[l + 1]!;
      const [W, H] = sizes[l]!;
      cur = expandMap(cur, w, h, W, H);
    }
    return cur;
  });
}
