// 16-bit brackets in the CPU references: the merge reads fractional codes and
// interpolates its tables; 8-bit brackets give exactly what they always gave.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recoverResponse, responseLuts } from '../response';
import { estimateBlackLevel, mergeWeights } from '../weights';
import type { Bracket, FloatImage } from '../../types';
import { loadRadianceMap, meter, shootBrackets, shootBrackets16, type CameraCurve } from '../../reference/camera';
import { linearToSrgb } from '../../reference/color';
import { fuse } from '../../fusion/reference/fusion';
import { CLIP_HIGH, CLIP_LOW, CODE_SNAP, codeWeight, lookupCode, mergeRadiance, sampleCode } from './merge';

const srgb: CameraCurve = linearToSrgb;
const linear: CameraCurve = (x) => x;
const EXPOSURES = [0.25, 1, 4];

/** The merge as it was before fractional codes: one table entry per byte. */
function mergeBytes(brackets: readonly Bracket[], lin: Float32Array, weights: Float32Array): FloatImage {
  const first = brackets[0]!;
  const last = brackets[brackets.length - 1]!;
  const data = new Float32Array(first.width * first.height * 4);
  for (let k = 0; k < data.length; k++) {
    if (k % 4 === 3) {
      data[k] = 1;
      continue;
    }
    let num = 0;
    let den = 0;
    for (const b of brackets) {
      const z = b.pixels[k]!;
      const w = weights[z]!;
      if (!(w > 0)) continue;
      num += w * Math.log(lin[z]! / b.exposure);
      den += w;
    }
    const src = first.pixels[k]! >= 128 ? first : last;
    data[k] = den > 0 ? Math.exp(num / den) : lin[src.pixels[k]!]! / src.exposure;
  }
  return { width: first.width, height: first.height, data };
}

/** RMS of log2(a / b) over RGB where the truth is inside what the brackets can see. */
function rmsStops(a: FloatImage, truth: FloatImage, lo: number, hi: number): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.data.length; i++) {
    if (i % 4 === 3) continue;
    const t = truth.data[i]!;
    if (!(t > lo && t < hi)) continue;
    s += Math.log2(a.data[i]! / t) ** 2;
    n++;
  }
  return Math.sqrt(s / n);
}

describe('merge of 16-bit brackets', () => {
  const map = loadRadianceMap('goldengate');
  const gain = meter(map, 0.18);
  /** The map as the brackets see it (relative to the middle one). */
  const truth: FloatImage = { ...map, data: map.data.map((v, i) => (i % 4 === 3 ? 1 : v * gain)) };

  it('the shader and the reference agree on the snap and clip constants', () => {
    const wgsl = readFileSync(new URL('../../../../shaders/merge/merge.wgsl', import.meta.url), 'utf8');
    expect(wgsl).toContain(`const SNAP = ${CODE_SNAP.toExponential()};`);
    expect(wgsl).toContain(`const CLIP_LOW = ${CLIP_LOW.toFixed(1)};`);
    expect(wgsl).toContain(`const CLIP_HIGH = ${CLIP_HIGH.toFixed(1)};`);
  });

  it('8-bit brackets merge exactly as with one table entry per byte', () => {
    for (const curve of [srgb, linear]) {
      const brackets = shootBrackets(map, [curve, curve, curve], gain, EXPOSURES);
      const lut = responseLuts(curve === srgb ? 'srgb' : 'linear');
      const weights = mergeWeights(estimateBlackLevel(brackets));
      const now = mergeRadiance(brackets, lut, weights);
      const before = mergeBytes(brackets, lut[0], weights);
      expect(Array.from(now.data)).toEqual(Array.from(before.data));
    }
  });

  it('fractional codes: tables interpolated, clipped at 0.5 and 254.5, integers snap', () => {
    const table = Float32Array.from({ length: 256 }, (_, z) => z * z);
    expect(lookupCode(table, 10)).toBe(100);
    expect(lookupCode(table, 10.25)).toBeCloseTo(100 + 0.25 * 21, 12);
    expect(lookupCode(table, 255)).toBe(255 * 255);
    const w = mergeWeights(0);
    expect(codeWeight(w, 0.5)).toBe(0);
    // Interpolated towards the clipped codes' 0 (w[0] = w[255] = 0).
    expect(codeWeight(w, 0.51)).toBeCloseTo(0.51 * w[1]!, 9);
    expect(codeWeight(w, 254.49)).toBeCloseTo(0.51 * w[254]!, 6);
    expect(codeWeight(w, 254.5)).toBe(0);
    // 257 · k is k / 255 exactly; as a half it is off by up to 1/16 code, so only a few k snap.
    const px = Uint16Array.from([0, 257 * 128, 65535, 257 * 255 - 20]);
    expect(sampleCode(px, 0)).toBe(0);
    expect(Math.abs(sampleCode(px, 1) - 128)).toBeLessThan(1 / 16);
    expect(sampleCode(px, 2)).toBe(255);
    expect(sampleCode(px, 3)).toBeGreaterThan(254.5);
    expect(sampleCode(Uint8Array.from([7]), 0)).toBe(7);
  });

  it('beats 8-bit brackets of the same scene, with the sRGB and the linear response', () => {
    const results: string[] = [];
    for (const [name, curve] of [
      ['srgb', srgb],
      ['linear', linear],
    ] as const) {
      const lut = responseLuts(name);
      const eight = mergeRadiance(shootBrackets(map, [curve, curve, curve], gain, EXPOSURES), lut);
      const sixteen = mergeRadiance(shootBrackets16(map, [curve, curve, curve], gain, EXPOSURES), lut);
      // Where some bracket sees the value unclipped: 1/255 of the brightest's range up to the darkest's white.
      const lo = 1 / 255 / EXPOSURES[2]!;
      const hi = 1 / EXPOSURES[0]!;
      const e8 = rmsStops(eight, truth, lo, hi);
      const e16 = rmsStops(sixteen, truth, lo, hi);
      results.push(`${name}: 8-bit ${e8.toFixed(4)}, 16-bit ${e16.toFixed(5)} stops RMS`);
      expect(e16).toBeLessThan(e8 / 4);
    }
    console.log(`merge vs the true map: ${results.join('; ')}`);
  });

  it('16-bit brackets on the 8-bit grid (v = 257 k) merge within half precision of the 8-bit ones', () => {
    const eight = shootBrackets(map, [srgb, srgb, srgb], gain, EXPOSURES);
    const wide = eight.map((b) => ({ ...b, pixels: Uint16Array.from(b.pixels, (v) => v * 257) }));
    const a = mergeRadiance(eight);
    const b = mergeRadiance(wide);
    let worst = 0;
    for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(Math.log2(b.data[i]! / a.data[i]!)));
    // ≤ 1/16 code of error in the code, through the sRGB slope and a weight change: a few hundredths of a stop at most.
    expect(worst).toBeLessThan(0.05);
  });

  it('rejects mixed bit depths; black level 0 and recovery on 8-bit codes for 16-bit sets', () => {
    const eight = shootBrackets(map, [srgb, srgb, srgb], gain, EXPOSURES);
    const wide = shootBrackets16(map, [srgb, srgb, srgb], gain, EXPOSURES);
    expect(() => mergeRadiance([eight[0]!, wide[1]!])).toThrow(/mix 8-bit and 16-bit/);
    expect(estimateBlackLevel(wide)).toBe(0);
    const fromWide = recoverResponse(wide);
    const fromEight = recoverResponse(eight);
    // round(v / 257) of a 16-bit rendering is the 8-bit rendering, up to rounding ties.
    for (let c = 0; c < 3; c++) for (let z = 16; z < 240; z += 16) expect(Math.abs(Math.log(fromWide.luts[c]![z]! / fromEight.luts[c]![z]!))).toBeLessThan(0.02);
  });

  it('fusion reads 16-bit brackets as v / 65535 (rounded to half), as the GPU does', () => {
    const eight = shootBrackets(map, [srgb, srgb, srgb], gain, EXPOSURES);
    const wide = eight.map((b) => ({ ...b, pixels: Uint16Array.from(b.pixels, (v) => v * 257) }));
    const weights = { contrastWeight: 1, saturationWeight: 1, exposureWeight: 1 };
    const a = fuse(eight, weights);
    const b = fuse(wide, weights);
    let worst = 0;
    let sum = 0;
    for (let i = 0; i < a.data.length; i++) {
      worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!));
      sum += Math.abs(a.data[i]! - b.data[i]!);
    }
    // The contrast measure (|Laplacian| to a power) turns the half rounding (≤ 2^-11 relative) into
    // larger weight changes where the Laplacian is near 0; the result still moves by < 1/100.
    expect(worst).toBeLessThan(0.01);
    expect(sum / a.data.length).toBeLessThan(2e-4);
  });
});
