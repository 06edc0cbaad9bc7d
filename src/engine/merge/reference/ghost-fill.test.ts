// The ghost fill's CPU reference (ghost-fill.ts): the inverse response it
// turns radiance back into codes with, what it keeps, and how close its
// prediction of a bracket comes to what the bracket recorded of a still scene.
import { describe, expect, it } from 'vitest';
import { filmCurve, loadRadianceMap, meter, shootBrackets, shootBrackets16 } from '../../reference/camera';
import { linearToSrgb } from '../../reference/color';
import { unorm16AsHalf } from '../../half';
import { recoverResponse, responseLuts, RESPONSE_CODES } from '../response';
import { estimateBlackLevel, mergeWeights } from '../weights';
import { codeOfLinear, fillGhosts, fillTrustLevels } from './ghost-fill';

const EXPOSURES = [1 / 16, 1 / 4, 1, 4, 16];
const REFERENCE = 2;

describe('ghost fill (reference)', () => {
  it('codeOfLinear inverts a response table: each entry gives its code, halfway gives half a code, and it clamps', () => {
    for (const lut of [responseLuts('srgb')[0], responseLuts('linear')[1]]) {
      for (let z = 0; z < RESPONSE_CODES; z++) expect(codeOfLinear(lut, lut[z]!)).toBeCloseTo(z, 9);
      expect(codeOfLinear(lut, (lut[100]! + lut[101]!) / 2)).toBeCloseTo(100.5, 9);
      expect(codeOfLinear(lut, -1)).toBe(0);
      expect(codeOfLinear(lut, 10 * lut[255]!)).toBe(255);
    }
  });

  const map = loadRadianceMap('stilllife');
  const gain = meter(map, 0.18);
  const film = [filmCurve(2.2, 0.4), filmCurve(2.6, 0.4), filmCurve(3, 0.4)] as const;
  const srgb = [linearToSrgb, linearToSrgb, linearToSrgb] as const;

  it('keeps every sample whose weight is 1, and fills alpha opaque', () => {
    const brackets = shootBrackets(map, srgb, gain, EXPOSURES);
    const n = brackets[0]!.width * brackets[0]!.height;
    const ones = brackets.map(() => new Float32Array(n).fill(1));
    expect(fillGhosts(brackets, ones).map((b) => b.pixels)).toEqual(brackets.map((b) => b.pixels));
  });

  it('of a still scene, a block a bracket is rejected in is filled within 2 codes of what it recorded where it recorded 8–247 (sRGB and a film curve with its recovered response, 8 and 16 bits)', () => {
    for (const [name, curves] of [
      ['sRGB', srgb],
      ['film', film],
    ] as const) {
      for (const wide of [false, true]) {
        const brackets = (wide ? shootBrackets16 : shootBrackets)(map, curves, gain, EXPOSURES);
        const luts = name === 'sRGB' ? responseLuts('srgb') : responseLuts(recoverResponse(brackets));
        const weights = mergeWeights(estimateBlackLevel(brackets), luts);
        const { width, height } = brackets[0]!;
        // Every bracket but the reference rejected in the middle ninth of the picture: predicted there from the reference alone.
        const inBlock = (p: number) => Math.abs((p % width) / width - 0.5) < 1 / 6 && Math.abs(Math.floor(p / width) / height - 0.5) < 1 / 6;
        const ghost = brackets.map((_, k) => Float32Array.from({ length: width * height }, (_, p) => (k !== REFERENCE && inBlock(p) ? 0 : 1)));
        const filled = fillGhosts(brackets, ghost, luts, weights);
        const code = (v: number) => (wide ? unorm16AsHalf(v) * 255 : v);
        for (const k of [1, 3]) {
          let worst = 0;
          let count = 0;
          const src = brackets[k]!.pixels;
          const ref = brackets[REFERENCE]!.pixels;
          for (let i = 0; i < src.length; i++) {
            if (i % 4 === 3 || !inBlock(i >> 2)) continue;
            const z = code(src[i]!);
            // Where both the bracket and the reference hold the value (neither clipped nor in the dark codes).
            if (z < 8 || z > 247 || code(ref[i]!) < 8 || code(ref[i]!) > 247) continue;
            worst = Math.max(worst, Math.abs(code(filled[k]!.pixels[i]!) - z));
            count++;
          }
          expect(count, `${name} ${wide ? 16 : 8}-bit bracket ${k}: samples compared`).toBeGreaterThan(src.length / 200);
          expect(worst, `${name} ${wide ? 16 : 8}-bit bracket ${k}`).toBeLessThanOrEqual(2);
        }
      }
    }
  });

  it('a bracket rejected over most of the picture is not filled but weighed down (alpha = its weight); one rejected in a block is filled with alpha 1', () => {
    const brackets = shootBrackets(map, srgb, gain, EXPOSURES);
    const { width, height } = brackets[0]!;
    const n = width * height;
    const block = (p: number) => Math.abs((p % width) / width - 0.45) < 0.05 && Math.abs(Math.floor(p / width) / height - 0.45) < 0.05;
    const ghost = brackets.map((_, k) => Float32Array.from({ length: n }, (_, p) => (k === 1 ? 0.25 : k === 3 && block(p) ? 0 : 1)));
    const filled = fillGhosts(brackets, ghost);
    for (let p = 0; p < n; p++) {
      // Bracket 1: rejected everywhere, so kept as recorded at a quarter of its weight.
      for (let c = 0; c < 3; c++) expect(filled[1]!.pixels[p * 4 + c]).toBe(brackets[1]!.pixels[p * 4 + c]);
      expect(filled[1]!.pixels[p * 4 + 3]).toBe(Math.round(0.25 * 255));
    }
    // Bracket 3's block, well inside the consistent rest: filled (the prediction is not the sample's exact byte), at full weight.
    const centre = Math.round(0.45 * height) * width + Math.round(0.45 * width);
    expect(filled[3]!.pixels[centre * 4 + 3]).toBe(255);
    let differ = 0;
    for (let i = 0; i < n * 4; i++) if (i % 4 !== 3 && block(i >> 2) && filled[3]!.pixels[i] !== brackets[3]!.pixels[i]) differ++;
    expect(differ).toBeGreaterThan(0);
    expect(fillTrustLevels(width, height)).toBeGreaterThan(1);
  });
});
