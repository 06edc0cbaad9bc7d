// The proxy the motion estimate (./motion.ts) judges: per proxy pixel and
// bracket, the mean over up to MOTION_TAPS² taps (read through the bracket's
// alignment) of the linear interval each tap's code stands for, turned into
// the deghosting's observations (reference/deghost.ts DeghostObservations).
// Split out of motion.ts, which says why intervals and not codes are averaged.

import type { Matrix3 } from '../align/reference/transforms';
import { RESPONSE_CODES } from '../merge/response';
import { sampleCode } from '../merge/reference/merge';
import type { Bracket } from '../types';
import { DEGHOST_UNBOUNDED, type DeghostObservations } from './reference/deghost';

/** DEGHOST_UNBOUNDED as the code table holds it (f32). */
const UNBOUNDED = Math.fround(DEGHOST_UNBOUNDED);

/**
 * Per channel, indexed by sample value + size · c: the linear interval a
 * sample stands for (lo, hi; hi = ∞ clipped high, lo = 0 clipped low) and its σ
 * in ln units.
 */
export interface SampleTables {
  readonly lo: Float32Array;
  readonly hi: Float32Array;
  readonly sig: Float32Array;
  readonly size: number;
}

/** The sample tables from the code table (deghostTables); 16-bit samples at their nearest code, as the deghosting reads them. */
export function sampleTables(table: Float32Array, wide: boolean): SampleTables {
  const size = wide ? 65536 : 256;
  const lo = new Float32Array(3 * size);
  const hi = new Float32Array(3 * size);
  const sig = new Float32Array(3 * size);
  const U = UNBOUNDED;
  // The nearest 8-bit code of each 16-bit sample, as reference/deghost.ts codeOf.
  const all = wide ? Uint16Array.from({ length: size }, (_, v) => v) : null;
  const codes = all ? Uint8Array.from(all, (_, v) => Math.round(Math.min(255, Math.max(0, sampleCode(all, v))))) : null;
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < size; v++) {
      const t = 4 * ((codes ? codes[v]! : v) + RESPONSE_CODES * c);
      const l = table[t]!;
      const h = table[t + 1]!;
      lo[v + size * c] = l <= -U ? 0 : Math.exp(l);
      hi[v + size * c] = h >= U ? Infinity : Math.exp(h);
      sig[v + size * c] = table[t + 2]!;
    }
  }
  return { lo, hi, sig, size };
}

/**
 * One proxy row of one bracket: for each proxy column i, the sums over its
 * box's taps (tap a of column i at reference x = xs[i · kx + a], rows y0 + oy)
 * of each channel's linear lo, hi and σ (index 3i + c), read at the nearest
 * pixel of bracket coordinates m · (x, y); off[i] = 1 where a tap falls outside.
 */
export function accumulate(
  px: Bracket['pixels'],
  W: number,
  H: number,
  m: Matrix3,
  xs: Float64Array,
  kx: number,
  y0: number,
  oy: Float64Array,
  w: number,
  tables: SampleTables,
  sl: Float64Array,
  sh: Float64Array,
  ss: Float64Array,
  off: Uint8Array,
): void {
  const { lo: LO, hi: HI, sig: SIG, size } = tables;
  const [m0, m1, m2, m3, m4, m5] = m;
  for (let b = 0; b < oy.length; b++) {
    const y = y0 + oy[b]!;
    const cu = m1 * y + m2;
    const cv = m4 * y + m5;
    for (let i = 0, t = 0; i < w; i++) {
      let l0 = 0;
      let l1 = 0;
      let l2 = 0;
      let h0 = 0;
      let h1 = 0;
      let h2 = 0;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      for (let a = 0; a < kx; a++, t++) {
        const x = xs[t]!;
        const u = Math.round(m0 * x + cu);
        const v = Math.round(m3 * x + cv);
        if (u < 0 || v < 0 || u >= W || v >= H) {
          off[i] = 1;
          continue;
        }
        const q = (v * W + u) * 4;
        const z0 = px[q]!;
        const z1 = px[q + 1]! + size;
        const z2 = px[q + 2]! + 2 * size;
        l0 += LO[z0]!;
        l1 += LO[z1]!;
        l2 += LO[z2]!;
        h0 += HI[z0]!;
        h1 += HI[z1]!;
        h2 += HI[z2]!;
        s0 += SIG[z0]!;
        s1 += SIG[z1]!;
        s2 += SIG[z2]!;
      }
      const o = 3 * i;
      sl[o]! += l0;
      sl[o + 1]! += l1;
      sl[o + 2]! += l2;
      sh[o]! += h0;
      sh[o + 1]! += h1;
      sh[o + 2]! += h2;
      ss[o]! += s0;
      ss[o + 1]! += s1;
      ss[o + 2]! += s2;
    }
  }
}

/**
 * Proxy column i's observations from its sums (taps per box): the mean
 * interval, in ln E as the code table gives it (f32 ln values less ln
 * exposure, rounded to f32), σ the taps' mean, exposed where every tap is.
 * A bracket with a tap outside is unknown: (−∞, ∞), agreeing with everything.
 * Returns whether every bracket covers the box.
 */
export function observe(
  obs: DeghostObservations,
  i: number,
  taps: number,
  lnE: readonly number[],
  sumLo: readonly Float64Array[],
  sumHi: readonly Float64Array[],
  sumSig: readonly Float64Array[],
  outside: readonly Uint8Array[],
): boolean {
  const { lo, hi, pt, sig, exposed } = obs;
  const U = UNBOUNDED;
  let covered = true;
  for (let k = 0; k < lnE.length; k++) {
    const unknown = outside[k]![i] === 1;
    if (unknown) covered = false;
    const SL = sumLo[k]!;
    const SH = sumHi[k]!;
    const SS = sumSig[k]!;
    const e = lnE[k]!;
    for (let c = 0; c < 3; c++) {
      const o = k * 3 + c;
      const r = i * 3 + c;
      if (unknown) {
        lo[o] = -U;
        hi[o] = U;
        pt[o] = U;
        sig[o] = 1;
        exposed[o] = 0;
        continue;
      }
      const a = SL[r]! / taps;
      const b = SH[r]! / taps;
      const l = a > 0 ? Math.fround(Math.fround(Math.log(a)) - e) : -U;
      const u = a === b ? l : b < Infinity ? Math.fround(Math.fround(Math.log(b)) - e) : U;
      lo[o] = l;
      hi[o] = u;
      pt[o] = Math.abs(l) < Math.abs(u) ? l : u;
      sig[o] = SS[r]! / taps;
      // Every tap weighed: the same values summed in the same order, so lo = hi exactly.
      exposed[o] = a === b ? 1 : 0;
    }
  }
  return covered;
}
