import { describe, expect, it } from 'vitest';
import deghostWgsl from '../../../../shaders/deghost/deghost.wgsl?raw';
import smoothWgsl from '../../../../shaders/deghost/deghost-smooth.wgsl?raw';
import mergeWgsl from '../../../../shaders/merge/merge.wgsl?raw';
import { autoReference, clampStrength, DEGHOST_FALLOFF, DEGHOST_MIN_WEIGHT, DEGHOST_TOLERANCE, DEGHOST_UNBOUNDED, deghostLevels, deghostTables, resolveReference } from '../deghost';
import { recoverResponse, responseLuts } from '../../merge/response';
import { estimateBlackLevel, mergeWeights } from '../../merge/weights';
import { MAX_BRACKETS, type Bracket, type FloatImage } from '../../types';
import * as camera from '../../reference/camera';
import { filmCurve, loadRadianceMap, meter, shootBrackets, shootBrackets16, type RadianceMap } from '../../reference/camera';
import { linearToSrgb } from '../../reference/color';
import { consistency, deghostWeights, ghostMask, rawDeghostWeights, referenceOf } from './deghost';
import { expandMap, reduceMap, smoothDeghost } from './smooth';
import { addNoise, ghostScene, GHOST_EXPOSURES, type GhostCase } from './ghost-scene';
import { fuse, type FusionWeights } from '../../fusion/reference/fusion';
import { fillGhosts } from '../../merge/reference/ghost-fill';
import { mergeRadiance } from '../../merge/reference/merge';
import { expand, reduce } from '../../pyramid/reference/pyramid';
import { rng } from '../../reference/random';

const MAPS: RadianceMap[] = ['goldengate', 'stilllife'];
const FUSION: FusionWeights = { contrastWeight: 1, saturationWeight: 1, exposureWeight: 1 };
const SRGB = [linearToSrgb, linearToSrgb, linearToSrgb] as const;
/** The smallest radiance these brackets resolve (code 1 of the brightest, 16×, frame): differences below it are not measured. */
const RADIANCE_FLOOR = responseLuts('srgb')[0][1]! / 16;
/** Fused values are display-referred: below one 8-bit level they are black. */
const DISPLAY_FLOOR = 1 / 255;

/** Mean |log2(a / b)| over the pixels where mask is set (all without), RGB, both floored. */
function meanLog2(a: FloatImage, b: FloatImage, floor: number, mask?: Uint8Array): number {
  let sum = 0;
  let n = 0;
  for (let p = 0; p < a.width * a.height; p++) {
    if (mask && !mask[p]) continue;
    for (let c = 0; c < 3; c++) {
      sum += Math.abs(Math.log2(Math.max(a.data[p * 4 + c]!, floor) / Math.max(b.data[p * 4 + c]!, floor)));
      n++;
    }
  }
  return sum / n;
}

function shoot(name: RadianceMap): Bracket[] {
  const map = loadRadianceMap(name);
  return shootBrackets(map, SRGB, meter(map, 0.18), GHOST_EXPOSURES);
}

const ones = (brackets: readonly Bracket[]) => brackets.map((b) => new Float32Array(b.width * b.height).fill(1));

describe('deghostTables', () => {
  const table = deghostTables(responseLuts('srgb'), mergeWeights(0));
  const at = (z: number, c = 0) => Array.from(table.subarray(4 * (z + 256 * c), 4 * (z + 256 * c) + 4));

  it('an exposed code is a point at ln lin(z), with σ = hypot(2 codes · d ln lin / dz, 0.03)', () => {
    const lin = responseLuts('srgb')[1];
    const [lo, hi, sigma, exposed] = at(128, 1);
    expect(lo).toBe(hi);
    expect(lo).toBeCloseTo(Math.log(lin[128]!), 6);
    expect(exposed).toBe(1);
    // sRGB near 128: d ln lin / dz ≈ 2.4 / (z + 14) per code.
    expect(sigma).toBeCloseTo(Math.hypot((2 * 2.4) / (128 + 14), 0.03), 3);
    // Deep in the linear toe, d ln lin / dz = 1 / z.
    expect(at(2)[2]).toBeCloseTo(Math.hypot(2 / 2, 0.03), 3);
  });

  it('clipped codes are half-lines bounded by the last / first code the merge weighs', () => {
    const lin = responseLuts('srgb')[0];
    expect(at(255)).toEqual([Math.fround(Math.log(lin[254]!)), DEGHOST_UNBOUNDED, at(254)[2]!, 0].map(Math.fround));
    expect(at(0)).toEqual([-DEGHOST_UNBOUNDED, Math.fround(Math.log(lin[1]!)), at(1)[2]!, 0].map(Math.fround));
  });

  it('the black level counts as clipping: codes at and below black + 4 are bounded by the first weighed code', () => {
    const fog = deghostTables(responseLuts('srgb'), mergeWeights(13));
    const first = 13 + 4 + 1;
    for (const z of [0, 5, first - 1]) expect(fog[4 * z + 1]).toBe(fog[4 * first]);
    expect(fog[4 * first + 3]).toBe(1);
    expect(fog[4 * (first - 1) + 3]).toBe(0);
  });

  it('per channel: a recovered response gives each channel its own table', () => {
    const map = loadRadianceMap('stilllife');
    const curves = [filmCurve(2.2, 0.4), filmCurve(2.6, 0.4), filmCurve(3, 0.4)] as const;
    const t = deghostTables(recoverResponse(shootBrackets(map, curves, meter(map, 0.18), GHOST_EXPOSURES)).luts);
    expect(t[4 * 64]).not.toBe(t[4 * (64 + 512)]);
  });
});

describe('reference choice, levels, strength', () => {
  it('autoReference: fewest badly exposed values (bracket 1 of 5 for goldengate, 3 for stilllife, a dark scene)', () => {
    expect(autoReference(shoot('goldengate'))).toBe(1);
    expect(autoReference(shoot('stilllife'))).toBe(3);
  });

  it('autoReference: ties go to the median nearest 128', () => {
    const flat = (v: number, exposure: number): Bracket => ({ width: 4, height: 4, pixels: new Uint8Array(64).fill(v), exposure });
    expect(autoReference([flat(60, 1), flat(120, 2), flat(200, 4)])).toBe(1);
    // 250 is badly exposed (weight < 0.1), 30 is not.
    expect(autoReference([flat(30, 1), flat(250, 2)])).toBe(0);
    // Nor is 236, but 20 is (the noise weights: sRGB codes below 23; the hat's 13).
    expect(autoReference([flat(20, 1), flat(236, 2)])).toBe(1);
  });

  it('resolveReference: a valid index wins, anything else is the automatic choice', () => {
    expect(resolveReference(2, 5, 1)).toBe(2);
    expect(resolveReference(-1, 5, 1)).toBe(1);
    expect(resolveReference(7, 5, 3)).toBe(3);
    expect(resolveReference(Number.NaN, 5, 3)).toBe(3);
  });

  it('deghostLevels: floor(log2(min / 10)) in [2, 5], within what the image can be reduced', () => {
    expect(deghostLevels(124, 84)).toBe(3);
    expect(deghostLevels(320, 256)).toBe(4);
    expect(deghostLevels(6000, 4000)).toBe(5);
    expect(deghostLevels(3, 2)).toBe(1);
    expect(deghostLevels(97, 1)).toBe(0);
  });

  it('consistency: 1 up to the tolerance, then a Gaussian fall-off cut to 0 below MIN_WEIGHT; strength 0 is exactly 1', () => {
    expect(consistency(DEGHOST_TOLERANCE, 1)).toBe(1);
    expect(consistency(DEGHOST_TOLERANCE + DEGHOST_FALLOFF, 1)).toBeCloseTo(Math.exp(-1), 6);
    expect(consistency(DEGHOST_TOLERANCE + 4 * DEGHOST_FALLOFF, 1)).toBe(0);
    expect(consistency(DEGHOST_TOLERANCE + DEGHOST_FALLOFF, 0.5)).toBeGreaterThan(consistency(DEGHOST_TOLERANCE + DEGHOST_FALLOFF, 1));
    for (const u of [0, 5, 100, 1e6]) expect(consistency(u, 0)).toBe(1);
    expect(Math.exp(-4.5 * 4)).toBeLessThan(DEGHOST_MIN_WEIGHT);
    expect([clampStrength(-1), clampStrength(2), clampStrength(Number.NaN), clampStrength(0.25)]).toEqual([0, 1, 0, 0.25]);
  });
});

describe('smoothing', () => {
  const random = rng(11);
  const W = 37;
  const H = 23;
  const map = Float32Array.from({ length: W * H }, () => random());

  it('reduceMap (mean) and expandMap sample as the RGBA pyramid of reference/pyramid.ts', () => {
    const rgba = { width: W, height: H, data: new Float32Array(W * H * 4) };
    map.forEach((v, i) => (rgba.data[i * 4] = v));
    const r = reduce(rgba);
    const mine = reduceMap(map, W, H, 'mean');
    mine.forEach((v, i) => expect(v).toBeCloseTo(r.data[i * 4]!, 6));
    const e = expand(r, W, H);
    expandMap(mine, r.width, r.height, W, H).forEach((v, i) => expect(v).toBeCloseTo(e.data[i * 4]!, 6));
  });

  it('reduceMap (min) takes the minimum over the 5 × 5 reflect-101 footprint', () => {
    const out = reduceMap(map, W, H, 'min');
    let brute = 1;
    for (let y = 0; y <= 2; y++) for (let x = 0; x <= 2; x++) brute = Math.min(brute, map[y * W + x]!);
    // Output (0, 0) covers rows/columns −2..2, i.e. 2, 1, 0, 1, 2.
    expect(out[0]).toBe(brute);
  });

  it('scattered rejections (under half of a neighbourhood) vanish; a solid block stays rejected, with soft edges', () => {
    const w = 64;
    const h = 48;
    const raw = new Float32Array(w * h).fill(1);
    // Every 7th pixel rejected.
    for (let p = 0; p < raw.length; p += 7) raw[p] = 0;
    expect(Math.min(...smoothDeghost([raw], w, h, 3)[0]!)).toBe(1);
    const block = new Float32Array(w * h).fill(1);
    for (let y = 20; y < 30; y++) for (let x = 20; x < 34; x++) block[y * w + x] = 0;
    const s = smoothDeghost([block], w, h, 3)[0]!;
    expect(s[25 * w + 27]).toBe(0);
    expect(s[47 * w + 63]).toBe(1);
    // The edge ramps: some values strictly between 0 and 1 around the block.
    expect(Array.from(s).filter((v) => v > 0.05 && v < 0.95).length).toBeGreaterThan(50);
  });

  it('ghostMask is 1 − min over brackets', () => {
    expect(Array.from(ghostMask([Float32Array.of(1, 0.25, 1), Float32Array.of(0.5, 1, 1)]))).toEqual([0.5, 0.75, 0]);
  });
});

describe('strength 0, the reference layer, and the optional ghost argument', () => {
  const scene = ghostScene(
    {
      map: 'goldengate',
      kind: 'bright',
      brackets: [0, 3],
      positions: [
        [20, 30],
        [70, 40],
      ],
    },
    camera,
  );
  const weights = mergeWeights(estimateBlackLevel(scene.ghosted));

  it('strength 0: every weight exactly 1, and the merge and fusion exactly as without deghosting', () => {
    const g = deghostWeights(scene.ghosted, { strength: 0, weights });
    for (const m of g) expect(m.every((v) => v === 1)).toBe(true);
    expect(mergeRadiance(scene.ghosted, undefined, weights, g).data).toEqual(mergeRadiance(scene.ghosted, undefined, weights).data);
    expect(fillGhosts(scene.ghosted, g, undefined, weights).map((b) => b.pixels)).toEqual(scene.ghosted.map((b) => b.pixels));
  });

  it('the reference layer is all ones; a rejected object is exactly 0 inside', () => {
    const ref = referenceOf(scene.ghosted, { strength: 1, weights });
    const g = deghostWeights(scene.ghosted, { strength: 1, weights, reference: ref });
    expect(g[ref]!.every((v) => v === 1)).toBe(true);
    const w = scene.ghosted[0]!.width;
    expect(g[0]![(30 + 9) * w + 20 + 12]).toBe(0);
    expect(g[3]![(40 + 9) * w + 70 + 12]).toBe(0);
    // Another reference is honoured.
    const g2 = deghostWeights(scene.ghosted, { strength: 1, weights, reference: 2 });
    expect(g2[2]!.every((v) => v === 1)).toBe(true);
  });

  it('ghost maps of the wrong count or size are refused', () => {
    expect(() => mergeRadiance(scene.ghosted, undefined, weights, ones(scene.ghosted).slice(1))).toThrow(/ghost/);
    expect(() => fillGhosts(scene.ghosted, [new Float32Array(3), ...ones(scene.ghosted).slice(1)])).toThrow(/ghost/);
  });

  it('merge: where every bracket the merge could use is rejected, the fallback takes the darkest / brightest kept one', () => {
    const px = (v: number) => ({ width: 1, height: 1, pixels: Uint8Array.of(v, v, v, 255) });
    const brackets = [
      { ...px(60), exposure: 1 / 4 }, // the ghost: the only unclipped code
      { ...px(255), exposure: 1 },
      { ...px(255), exposure: 4 },
    ];
    const w = mergeWeights(0);
    const lin = responseLuts('srgb')[0];
    // Without deghosting the ghost is the merge.
    expect(mergeRadiance(brackets, undefined, w).data[0]).toBeCloseTo(lin[60]! * 4, 5);
    // Rejected: the darkest kept bracket is clipped high, so it answers (as with all of them clipped).
    const g = [Float32Array.of(0), Float32Array.of(1), Float32Array.of(1)];
    expect(mergeRadiance(brackets, undefined, w, g).data[0]).toBeCloseTo(lin[255]!, 6);
  });
});

/** Two of the four brackets that are not the reference, three places each, bright and dark objects. */
function cases(map: RadianceMap, reference: number): GhostCase[] {
  const others = [0, 1, 2, 3, 4].filter((i) => i !== reference);
  const places: GhostCase['positions'][] = [
    [
      [20, 30],
      [70, 40],
    ],
    [
      [60, 10],
      [30, 50],
    ],
    [
      [90, 55],
      [50, 20],
    ],
  ];
  const out: GhostCase[] = [];
  for (const kind of ['bright', 'dark'] as const)
    for (let a = 0; a < others.length; a++) for (let b = a + 1; b < others.length; b++) for (const positions of places) out.push({ map, kind, brackets: [others[a]!, others[b]!], positions });
  return out;
}

describe.each(MAPS)('a moving object in 2 of 5 brackets: %s', (name) => {
  const reference = autoReference(shoot(name));

  it('inside its path, deghosting cuts the difference from the ghost-free result to under a third (merge and fusion, summed over 36 cases)', { timeout: 120_000 }, () => {
    const totals = { mergeOff: 0, mergeOn: 0, fusionOff: 0, fusionOn: 0 };
    const lines: string[] = [];
    let worstMerge = 0;
    for (const c of cases(name, reference)) {
      const scene = ghostScene(c, camera);
      const weights = mergeWeights(estimateBlackLevel(scene.ghosted));
      expect(referenceOf(scene.ghosted, { strength: 1, weights }), 'the object does not move the automatic reference').toBe(reference);
      const g = deghostWeights(scene.ghosted, { strength: 1, weights });
      const clean = mergeRadiance(scene.clean, undefined, weights);
      const m = {
        off: meanLog2(mergeRadiance(scene.ghosted, undefined, weights), clean, RADIANCE_FLOOR, scene.path),
        on: meanLog2(mergeRadiance(scene.ghosted, undefined, weights, g), clean, RADIANCE_FLOOR, scene.path),
      };
      const fClean = fuse(scene.clean, FUSION);
      const f = {
        off: meanLog2(fuse(scene.ghosted, FUSION), fClean, DISPLAY_FLOOR, scene.path),
        on: meanLog2(fuse(fillGhosts(scene.ghosted, g, undefined, weights), FUSION, true), fClean, DISPLAY_FLOOR, scene.path),
      };
      totals.mergeOff += m.off;
      totals.mergeOn += m.on;
      totals.fusionOff += f.off;
      totals.fusionOn += f.on;
      worstMerge = Math.max(worstMerge, m.on / m.off);
      lines.push(`${c.kind} [${c.brackets}] at ${JSON.stringify(c.positions)}: merge ${m.off.toFixed(3)} → ${m.on.toFixed(3)}, fusion ${f.off.toFixed(3)} → ${f.on.toFixed(3)}`);
      // Never worse than without deghosting, in any case.
      expect(m.on, lines[lines.length - 1]).toBeLessThan(m.off);
      expect(f.on, lines[lines.length - 1]).toBeLessThan(f.off);
    }
    const n = lines.length;
    const summary =
      `${name} (reference ${reference}, ${n} cases), mean |log2| inside the path, off → on: ` +
      `merge ${(totals.mergeOff / n).toFixed(3)} → ${(totals.mergeOn / n).toFixed(3)} (${(totals.mergeOn / totals.mergeOff).toFixed(3)}), ` +
      `fusion ${(totals.fusionOff / n).toFixed(3)} → ${(totals.fusionOn / n).toFixed(3)} (${(totals.fusionOn / totals.fusionOff).toFixed(3)}); ` +
      `worst single merge case ${worstMerge.toFixed(3)}`;
    console.log([summary, ...lines].join('\n  '));
    expect(totals.mergeOn / totals.mergeOff).toBeLessThan(1 / 3);
    expect(totals.fusionOn / totals.fusionOff).toBeLessThan(1 / 3);
    // Every single merge case at least halves the error.
    expect(worstMerge).toBeLessThan(1 / 2);
  });
});

describe.each(MAPS)('no motion: %s', (name) => {
  it('with 0–3 codes of noise, deghosting leaves every weight at 1 (so the merge and fusion exactly as they were)', () => {
    for (const sigma of [0, 1, 2, 3]) {
      const brackets = addNoise(shoot(name), sigma, 5 + sigma);
      const weights = mergeWeights(estimateBlackLevel(brackets));
      const g = deghostWeights(brackets, { strength: 1, weights });
      let lowest = 1;
      for (const m of g) for (const v of m) lowest = Math.min(lowest, v);
      const change = meanLog2(mergeRadiance(brackets, undefined, weights, g), mergeRadiance(brackets, undefined, weights), RADIANCE_FLOOR);
      console.log(`${name}, noise ${sigma} codes: lowest weight ${lowest.toFixed(4)}, merge change ${change.toExponential(2)} stops`);
      expect(lowest, `noise ${sigma}`).toBeGreaterThan(0.999);
      expect(change).toBeLessThan(1e-4);
    }
  });

  it('film-curve brackets (not sRGB) with their recovered response: every weight 1; with sRGB assumed, they are not (a wrong response looks like motion)', () => {
    const map = loadRadianceMap(name);
    const curves = [filmCurve(2.2, 0.4), filmCurve(2.6, 0.4), filmCurve(3, 0.4)] as const;
    const brackets = addNoise(shootBrackets(map, curves, meter(map, 0.18), GHOST_EXPOSURES), 2, 9);
    const weights = mergeWeights(estimateBlackLevel(brackets));
    const mean = (g: Float32Array[]) => g.reduce((s, m) => s + m.reduce((a, v) => a + v, 0), 0) / (g.length * g[0]!.length);
    const recovered = deghostWeights(brackets, { strength: 1, weights, response: recoverResponse(brackets).luts });
    const assumed = deghostWeights(brackets, { strength: 1, weights, response: responseLuts('srgb') });
    console.log(`${name}, film curves: mean weight ${mean(recovered).toFixed(4)} with the recovered response, ${mean(assumed).toFixed(4)} with sRGB assumed`);
    expect(mean(recovered)).toBeGreaterThan(0.999);
    expect(mean(assumed)).toBeLessThan(0.9);
  });
});

describe('16-bit brackets', () => {
  it('are read at their nearest 8-bit code: no motion gives all ones, and a ghost is found as in 8 bits', () => {
    const map = loadRadianceMap('goldengate');
    const wide = shootBrackets16(map, SRGB, meter(map, 0.18), GHOST_EXPOSURES);
    expect(deghostWeights(wide, { strength: 1 }).every((m) => m.every((v) => v === 1))).toBe(true);
    const scene = ghostScene(
      {
        map: 'goldengate',
        kind: 'dark',
        brackets: [0, 2],
        positions: [
          [20, 30],
          [70, 40],
        ],
      },
      camera,
    );
    // The 8-bit object, widened: the same codes, so the same weights.
    const widen = (b: Bracket): Bracket => ({ ...b, pixels: Uint16Array.from(b.pixels, (v) => v * 257) });
    const a = rawDeghostWeights(scene.ghosted, { strength: 1, weights: mergeWeights(0) });
    const b = rawDeghostWeights(scene.ghosted.map(widen), { strength: 1, weights: mergeWeights(0) });
    expect(b).toEqual(a);
  });
});

describe('WGSL agreement', () => {
  it('DeghostParams is strength: f32, reference: u32 (passes/deghost.ts setParams)', () => {
    const body = /struct\s+DeghostParams\s*\{([^}]*)\}/.exec(deghostWgsl)?.[1] ?? '';
    expect(body.replace(/\s+/g, '')).toBe('strength:f32,reference:u32,');
  });

  it('the overrides the passes set exist, and MAX_BRACKETS matches types.ts', () => {
    for (const name of ['TOLERANCE', 'FALLOFF', 'MIN_WEIGHT', 'HAS_COARSE']) expect(deghostWgsl).toMatch(new RegExp(`override ${name}\\b`));
    expect(smoothWgsl).toMatch(/override MAJORITY\b/);
    expect(deghostWgsl).toMatch(new RegExp(`const MAX_BRACKETS = ${MAX_BRACKETS}u;`));
  });

  it('the merge takes the ghost texture behind `override DEGHOST: bool = false` at binding 5', () => {
    expect(mergeWgsl).toMatch(/override DEGHOST: bool = false;/);
    expect(mergeWgsl).toMatch(/@group\(0\) @binding\(5\) var ghost: texture_2d_array<f32>;/);
  });
});
