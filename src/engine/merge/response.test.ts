import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { filmCurve, loadRadianceMap, meter, shootBrackets, shrinkBrackets, trueLuts, type CameraCurve, type RadianceMap } from '../reference/camera';
import { linearToSrgb, srgbToLinear } from '../reference/color';
import { mergeRadiance } from './reference/merge';
import { packResponse, recoverResponse, RESPONSE_ANCHOR, RESPONSE_CODES, responseLuts, selectSamples, type ResponseLuts } from './response';
import { balanceChannels, makeMonotone, solveResponse } from './response-solve';
import { responseMisfit, srgbFitsAsWell } from './auto-response';
import { addNoise } from '../deghost/reference/ghost-scene';
import { mergeWeights } from './weights';
import type { Bracket, FloatImage } from '../types';

type Curves = readonly [CameraCurve, CameraCurve, CameraCurve];

/** Not sRGB: a different gamma per channel (2.2, 2.6, 3.0), each bent into an S (toe and shoulder). */
const FILM: Curves = [filmCurve(2.2, 0.4), filmCurve(2.6, 0.4), filmCurve(3, 0.4)];
const SRGB: Curves = [linearToSrgb, linearToSrgb, linearToSrgb];
/** Five exposures 2 stops apart, relative to the middle one. */
const EXPOSURES = [1 / 16, 1 / 4, 1, 4, 16];
const MAPS: RadianceMap[] = ['goldengate', 'stilllife'];

/** 8-bit brackets of a committed radiance map through `curves`, metered so the log-average lands at 0.18. */
function shoot(name: RadianceMap, curves: Curves): { map: FloatImage; brackets: Bracket[] } {
  const map = loadRadianceMap(name);
  return { map, brackets: shootBrackets(map, curves, meter(map, 0.18), EXPOSURES) };
}

/**
 * Worst relative error of `lut` against `truth` over some codes, after
 * matching the arbitrary scale (the mean log ratio over those codes). By
 * default the codes whose true linear value lies within 5–95 % of the
 * curve's range (truth[255]); 'codes' takes codes 13–242 (5–95 % of the
 * codes), which weighs the toe far more.
 */
function curveError(lut: ArrayLike<number>, truth: ArrayLike<number>, over: 'range' | 'codes' = 'range'): { worst: number; code: number; codes: number } {
  const top = truth[255]!;
  const codes: number[] = [];
  for (let z = 0; z < 256; z++) {
    if (over === 'range' ? truth[z]! >= 0.05 * top && truth[z]! <= 0.95 * top : z >= 13 && z <= 242) codes.push(z);
  }
  const scale = Math.exp(codes.reduce((s, z) => s + Math.log(truth[z]! / lut[z]!), 0) / codes.length);
  let worst = 0;
  let code = -1;
  for (const z of codes) {
    const e = Math.abs((lut[z]! * scale) / truth[z]! - 1);
    if (e > worst) [worst, code] = [e, z];
  }
  return { worst, code, codes: codes.length };
}

/**
 * RMS in stops of log2(merged / source) per channel, each channel's mean log
 * ratio removed first (the recovered curves fix each channel's scale only up
 * to a factor), over samples that are positive in the source and unclipped in
 * at least one bracket.
 */
function log2Rms(merged: FloatImage, source: FloatImage, brackets: readonly Bracket[]): number {
  let sum = 0;
  let count = 0;
  for (let c = 0; c < 3; c++) {
    const d: number[] = [];
    for (let p = 0; p < source.width * source.height; p++) {
      const k = p * 4 + c;
      if (!(source.data[k]! > 0) || !brackets.some((b) => b.pixels[k]! > 0 && b.pixels[k]! < 255)) continue;
      d.push(Math.log2(merged.data[k]! / source.data[k]!));
    }
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    for (const v of d) sum += (v - mean) ** 2;
    count += d.length;
  }
  return Math.sqrt(sum / count);
}

describe('response tables', () => {
  it('sRGB is the IEC 61966-2-1 EOTF per code, linear is z / 255, both equal in R, G, B', () => {
    const srgb = responseLuts('srgb');
    const linear = responseLuts('linear');
    for (let c = 0; c < 3; c++) {
      expect(srgb[c as 0].length).toBe(RESPONSE_CODES);
      for (let z = 0; z < 256; z++) {
        expect(srgb[c as 0][z]).toBe(Math.fround(srgbToLinear(z / 255)));
        expect(linear[c as 0][z]).toBe(Math.fround(z / 255));
      }
    }
  });

  it('packs as code + 256 · channel, the layout shaders/merge/merge.wgsl reads', () => {
    const luts: ResponseLuts = [0, 1, 2].map((c) => Float32Array.from({ length: 256 }, (_, z) => c * 1000 + z)) as unknown as ResponseLuts;
    const packed = packResponse(luts);
    expect(packed.length).toBe(768);
    expect([packed[0], packed[255], packed[256], packed[256 + 7], packed[512 + 255]]).toEqual([0, 255, 1000, 1007, 2255]);
    expect(() => packResponse([new Float32Array(255), luts[1], luts[2]])).toThrow(/256/);
  });

  it('the shader declares the same table size', () => {
    const wgsl = readFileSync(new URL('../../../shaders/merge/merge.wgsl', import.meta.url), 'utf8');
    expect(wgsl).toContain(`array<f32, ${3 * RESPONSE_CODES}>`);
    expect(wgsl).toContain(`const CODES = ${RESPONSE_CODES}u;`);
  });

  it('a recovered response is copied, not shared', () => {
    const { brackets } = shoot('stilllife', SRGB);
    const rec = recoverResponse(brackets);
    const luts = responseLuts(rec);
    luts[0][10] = -1;
    expect(rec.luts[0][10]).not.toBe(-1);
  });
});

describe('makeMonotone', () => {
  it('leaves an increasing curve alone', () => {
    const g = Float64Array.from({ length: 256 }, (_, z) => Math.log((z + 1) / 129));
    expect(makeMonotone(g, new Float64Array(256).fill(1))).toBe(0);
  });

  it('pools a dip into its weighted mean and leaves the rest alone', () => {
    const g = Float64Array.from({ length: 256 }, (_, z) => z / 100);
    g[250] = 2.485; // below g[249] = 2.49
    const w = new Float64Array(256).fill(1);
    expect(makeMonotone(g, w)).toBe(2);
    expect(g[249]).toBeCloseTo((2.49 + 2.485) / 2, 3);
    expect(g[250]!).toBeGreaterThan(g[249]!);
    expect(g[248]).toBe(2.48);
    for (let z = 1; z < 256; z++) expect(g[z]!).toBeGreaterThan(g[z - 1]!);
  });
});

describe('selectSamples', () => {
  it('spreads over the range, skips pixels clipped everywhere, is deterministic', () => {
    const { brackets } = shoot('stilllife', FILM);
    const a = selectSamples(brackets, 200);
    expect(a.length).toBe(200);
    expect(new Set(a).size).toBe(200);
    expect(Array.from(selectSamples(brackets, 200))).toEqual(Array.from(a));
    const middle = brackets[2]!;
    const codes = Array.from(a, (p) => middle.pixels[p * 4 + 1]!);
    // Samples in the middle bracket's shadows, mid-tones and highlights, and beyond.
    for (const [lo, hi] of [
      [0, 15],
      [16, 63],
      [64, 191],
      [192, 254],
      [255, 255],
    ])
      expect(
        codes.some((z) => z >= lo! && z <= hi!),
        `${lo}..${hi}`,
      ).toBe(true);
    for (const p of a) expect(brackets.some((b) => [0, 1, 2].some((c) => b.pixels[p * 4 + c]! > 0 && b.pixels[p * 4 + c]! < 255))).toBe(true);
  });

  it('has nothing to pick when every pixel is clipped', () => {
    const px = new Uint8Array(16).fill(255);
    const b = (exposure: number): Bracket => ({ width: 2, height: 2, pixels: px, exposure });
    expect(selectSamples([b(1), b(2)], 10).length).toBe(0);
    expect(() => recoverResponse([b(1), b(2)])).toThrow(/clipped/);
  });

  it('rejects unusable brackets', () => {
    const b = (exposure: number, width = 2): Bracket => ({ width, height: 1, pixels: new Uint8Array(width * 4).fill(100), exposure });
    expect(() => recoverResponse([b(1)])).toThrow(/two/);
    expect(() => recoverResponse([b(2), b(1)])).toThrow(/sorted/);
    expect(() => recoverResponse([b(1), b(1)])).toThrow(/distinct/);
    expect(() => recoverResponse([b(1), b(2, 3)])).toThrow(/2x1/);
  });
});

describe('balanceChannels', () => {
  it('puts curves that differ by a constant and by noise at one code on one white balance, their mean at 128 at 0', () => {
    const base = Float64Array.from({ length: RESPONSE_CODES }, (_, z) => Math.log(srgbToLinear(z / 255) + 1e-4));
    const log = [0.3, -0.2, 0.05].map((k, c) => Float64Array.from(base, (v, z) => v + k + (z === RESPONSE_ANCHOR ? 0.1 * (c - 1) : 0)));
    const seen = [0, 1, 2].map(() => Float64Array.from({ length: RESPONSE_CODES }, (_, z) => Math.min(z, 255 - z)));
    balanceChannels(log, seen);
    for (const z of [10, 64, 200, 250]) {
      expect(log[0]![z]).toBeCloseTo(log[1]![z]!, 2);
      expect(log[2]![z]).toBeCloseTo(log[1]![z]!, 2);
    }
    expect((log[0]![RESPONSE_ANCHOR]! + log[1]![RESPONSE_ANCHOR]! + log[2]![RESPONSE_ANCHOR]!) / 3).toBeCloseTo(0, 12);
  });
});

describe('recoverResponse (Debevec & Malik) on synthetic brackets', () => {
  for (const name of MAPS) {
    it(`${name}: recovers a film-like curve within 2 % over 5–95 % of its range; the sRGB table does not`, () => {
      const { brackets } = shoot(name, FILM);
      const rec = recoverResponse(brackets);
      const truth = trueLuts(FILM);
      const srgb = responseLuts('srgb');
      for (let c = 0; c < 3; c++) {
        const e = curveError(rec.luts[c as 0], truth[c]!);
        expect(e.codes, 'codes compared').toBeGreaterThan(100);
        expect(e.worst, `channel ${c}: ${(100 * e.worst).toFixed(2)} % at code ${e.code}`).toBeLessThan(0.02);
        expect(curveError(srgb[c as 0], truth[c]!).worst, `sRGB against channel ${c}`).toBeGreaterThan(0.1);
        // Strictly increasing.
        for (let z = 1; z < 256; z++) expect(rec.luts[c as 0][z]!).toBeGreaterThan(rec.luts[c as 0][z - 1]!);
      }
      // Normalised where sRGB is at code 128, on average over the channels (balanceChannels).
      const meanLog = rec.luts.reduce((a, l) => a + Math.log(l[RESPONSE_ANCHOR]!), 0) / 3;
      expect(meanLog).toBeCloseTo(Math.log(srgb[0][RESPONSE_ANCHOR]!), 6);
      expect(rec.adjusted).toEqual([0, 0, 0]);
    });

    it(`${name}: merging with the recovered curves is within 0.25 stops RMS of the source map`, () => {
      const { map, brackets } = shoot(name, FILM);
      const rec = recoverResponse(brackets);
      const recovered = log2Rms(mergeRadiance(brackets, rec.luts), map, brackets);
      const srgb = log2Rms(mergeRadiance(brackets), map, brackets);
      expect(recovered).toBeLessThan(0.25);
      // The sRGB table is several times worse on the same brackets.
      expect(srgb).toBeGreaterThan(3 * recovered);
    });

    it(`${name}: sRGB-encoded brackets recover sRGB`, () => {
      const { map, brackets } = shoot(name, SRGB);
      const rec = recoverResponse(brackets);
      const srgb = responseLuts('srgb');
      for (let c = 0; c < 3; c++) {
        const e = curveError(rec.luts[c as 0], srgb[c as 0]);
        expect(e.worst, `channel ${c}: ${(100 * e.worst).toFixed(2)} % at code ${e.code}`).toBeLessThan(0.02);
      }
      expect(log2Rms(mergeRadiance(brackets, rec.luts), map, brackets)).toBeLessThan(0.25);
    });
  }

  it('stilllife (20 stops: every code is seen) recovers the toe too: within 4 % over codes 13–242 (3.6 % measured at code 13, λ 6: RecoverOptions.lambda)', () => {
    // goldengate's 12 stops leave blue codes below 14 unseen, so its toe is extrapolated and not checked here.
    const { brackets } = shoot('stilllife', FILM);
    const rec = recoverResponse(brackets);
    const truth = trueLuts(FILM);
    for (let c = 0; c < 3; c++) {
      const e = curveError(rec.luts[c as 0], truth[c]!, 'codes');
      expect(e.worst, `channel ${c}: ${(100 * e.worst).toFixed(2)} % at code ${e.code}`).toBeLessThan(0.04);
    }
  });

  it('sets aside what is not one radiance in every bracket: box-filtered copies mislead one plain solve by over 6 %, the reweighted recovery stays within 2 %', () => {
    // Averaging codes mixes clipped and unclipped pixels and non-linear codes
    // across edges, which no single radiance produces: outliers, as moving
    // things are in a real set.
    const { brackets } = shoot('goldengate', FILM);
    const truth = trueLuts(FILM);
    const small = shrinkBrackets(brackets, 64);
    const samples = selectSamples(small, 1000);
    const P = small.length;
    const z = new Uint8Array(samples.length * P);
    samples.forEach((p, i) => small.forEach((b, j) => (z[i * P + j] = b.pixels[p * 4]!)));
    const plain = solveResponse(
      z,
      small.map((b) => Math.log(b.exposure)),
      4 * Math.sqrt((samples.length * P) / RESPONSE_CODES),
    );
    // Measured: 9.5 % and 1.3 %.
    expect(curveError(Float64Array.from(plain, Math.exp), truth[0]).worst).toBeGreaterThan(0.06);
    expect(curveError(recoverResponse(small).luts[0], truth[0]).worst).toBeLessThan(0.02);
  });

  it('refuses a set whose brackets cannot pin the curve down, naming the channel, rather than return steps', () => {
    // Every bracket a shuffle of the same codes: no pixel is one radiance across them.
    const { brackets } = shoot('goldengate', FILM);
    const shuffled = brackets.map((b, j) => {
      const pixels = new Uint8ClampedArray(b.pixels.length);
      const n = b.width * b.height;
      for (let i = 0; i < n; i++) pixels.set(b.pixels.subarray(i * 4, i * 4 + 4), ((i * (7919 + 104 * j)) % n) * 4);
      return { ...b, pixels };
    });
    expect(() => recoverResponse(shuffled)).toThrow(/disagree too much .* of 256 codes of the (red|green|blue) channel/);
  });

  it('the film-like brackets are far from sRGB: its merge is off by over 0.1 stop, ten times the recovered (stilllife)', () => {
    // The mean over ln E forgives a wrong curve more than a mean over E did
    // (0.44 stops here then): the bound the issue sets (0.25) no longer tells the two apart, this one does.
    const { map, brackets } = shoot('stilllife', FILM);
    const srgb = log2Rms(mergeRadiance(brackets), map, brackets);
    expect(srgb).toBeGreaterThan(0.1);
    expect(srgb).toBeGreaterThan(10 * log2Rms(mergeRadiance(brackets, recoverResponse(brackets).luts), map, brackets));
  });
});

describe('mergeRadiance with per-channel responses', () => {
  it('looks each channel up in its own table, fallbacks included', () => {
    const luts: ResponseLuts = [responseLuts('srgb')[0], responseLuts('linear')[1], Float32Array.from({ length: 256 }, (_, z) => 2 * z)];
    const px = (rgb: readonly number[]) => Uint8Array.from([...rgb, 255]);
    const dark: Bracket = { width: 1, height: 1, pixels: px([100, 100, 255]), exposure: 0.5 };
    const bright: Bracket = { width: 1, height: 1, pixels: px([200, 200, 255]), exposure: 2 };
    const out = mergeRadiance([dark, bright], luts);
    // R, G: the weights of codes 100 and 200 (by default made from these tables, merge/weights.ts), a weighted mean
    // over ln E; B: clipped in both, z_0 = 255 ≥ 128 → the darkest bracket, 2·255/0.5.
    const w = mergeWeights(0, luts);
    const avg = (lut: Float32Array) => Math.exp((w[100]! * Math.log(lut[100]! / 0.5) + w[200]! * Math.log(lut[200]! / 2)) / (w[100]! + w[200]!));
    expect(out.data[0]).toBeCloseTo(avg(luts[0]), 6);
    expect(out.data[1]).toBeCloseTo(avg(luts[1]), 6);
    expect(out.data[2]).toBe(1020);
    expect(Array.from(mergeRadiance([dark, bright]).data)).toEqual(Array.from(mergeRadiance([dark, bright], responseLuts('srgb')).data));
    expect(() => mergeRadiance([dark], [luts[0], luts[1], new Float32Array(3)])).toThrow(/256/);
  });
});

describe('srgbFitsAsWell', () => {
  it('keeps sRGB for brackets shot through sRGB (with noise), not for a film-like curve', () => {
    for (const name of MAPS) {
      const srgb = addNoise(shoot(name, SRGB).brackets, 2, 11);
      const film = addNoise(shoot(name, FILM).brackets, 2, 11);
      const srgbMisfit = responseMisfit(srgb, responseLuts('srgb'));
      const srgbRecovered = recoverResponse(srgb).luts;
      console.log(
        `${name}: sRGB misfit ÷ recovered misfit, sRGB camera ${(srgbMisfit / responseMisfit(srgb, srgbRecovered)).toFixed(2)}, film camera ${(responseMisfit(film, responseLuts('srgb')) / responseMisfit(film, recoverResponse(film).luts)).toFixed(2)}`,
      );
      expect(srgbFitsAsWell(srgb, srgbRecovered)).toBe(true);
      expect(srgbFitsAsWell(film, recoverResponse(film).luts)).toBe(false);
    }
  });
});
