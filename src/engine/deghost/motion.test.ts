import { describe, expect, it } from 'vitest';
import * as camera from '../reference/camera';
import { enlarge, filmCurve, loadRadianceMap, meter, shootBrackets, shootBrackets16, type RadianceMap } from '../reference/camera';
import { linearToSrgb } from '../reference/color';
import { rng } from '../reference/random';
import { recoverResponse, responseLuts } from '../merge/response';
import { mergeWeights } from '../merge/weights';
import { layerMotion } from '../align/reference/align';
import { invert, similarityMatrix } from '../align/reference/transforms';
import type { Bracket, FloatImage } from '../types';
import { autoReference, ghostMask, rawDeghostWeights } from './reference/deghost';
import { smoothDeghost } from './reference/smooth';
import { addNoise, BRIGHT_OBJECT_CASE, cropMap, ghostScene, movingObjectScene, GHOST_EXPOSURES, type GhostScene } from './reference/ghost-scene';
import { estimateMotion, estimateMotionAndReference, majority, motionMask, motionProxySize, motionStrength, transformMatrix, MOTION_IMPLAUSIBLE, MOTION_MASK, MOTION_THRESHOLD, type BracketTransform } from './motion';

const MAPS: RadianceMap[] = ['goldengate', 'stilllife'];
const SRGB = [linearToSrgb, linearToSrgb, linearToSrgb] as const;
const FILM = [filmCurve(2.2, 0.4), filmCurve(2.6, 0.4), filmCurve(3, 0.4)] as const;
const srgb = responseLuts('srgb');
const pct = (f: number) => `${(100 * f).toFixed(2)} %`;

/** A committed radiance map, each pixel repeated factor × factor times. */
function sceneMap(name: RadianceMap, factor: number): FloatImage {
  const map = loadRadianceMap(name);
  return factor > 1 ? enlarge(map, factor) : map;
}

const widen = (b: Bracket): Bracket => ({ ...b, pixels: Uint16Array.from(b.pixels, (v) => v * 257) });

describe('a still set reads as still', () => {
  it.each(MAPS)('%s: sRGB with 0–3 codes of noise, and film curves with their recovered response, at 1× and 4× (proxy 256 px): no motion', { timeout: 60_000 }, (name) => {
    for (const factor of [1, 4]) {
      const map = sceneMap(name, factor);
      const gain = meter(map, 0.18);
      const clean = shootBrackets(map, SRGB, gain, GHOST_EXPOSURES);
      for (const sigma of [0, 1, 2, 3]) {
        const e = estimateMotion(addNoise(clean, sigma, 5 + sigma), { response: srgb });
        expect(e.fraction, `${name} ×${factor}, noise ${sigma}`).toBeLessThan(MOTION_THRESHOLD / 10);
        expect(e.strength).toBe(0);
      }
      const film = addNoise(shootBrackets(map, FILM, gain, GHOST_EXPOSURES), 2, 9);
      const recovered = estimateMotion(film, { response: recoverResponse(film).luts });
      // The same brackets against the wrong response disagree everywhere, as the deghosting does (reference/deghost.test.ts).
      const assumed = estimateMotion(film, { response: srgb });
      console.log(`${name} ×${factor}, film curves: ${pct(recovered.fraction)} moving with the recovered response, ${pct(assumed.fraction)} with sRGB assumed`);
      expect(recovered.fraction).toBeLessThan(MOTION_THRESHOLD / 10);
      expect(recovered.strength).toBe(0);
      expect(assumed.fraction).toBeGreaterThan(0.3);
    }
  });

  it('boxes that mix clipped and weighed pixels are bounds, not values: stilllife in boxes of ~4 and ~2.6 px (proxy 32, 48) still reads as still', () => {
    // Counting a clipped pixel at the clip level, or averaging codes, reads 15–44 % of this still set as moving.
    const map = loadRadianceMap('stilllife');
    const brackets = addNoise(shootBrackets(map, SRGB, meter(map, 0.18), GHOST_EXPOSURES), 2, 5);
    for (const proxy of [32, 48]) expect(estimateMotion(brackets, { response: srgb, proxy }).fraction).toBe(0);
  });
});

/** A 16 × 12 object (1.8 % of the frame) from the other map, shown by two brackets at two places (~3.5 % together), the map enlarged `factor` times. */
function movingScene(name: RadianceMap, factor: number, kind: 'bright' | 'dark', shown: readonly [number, number]): GhostScene {
  const map = sceneMap(name, factor);
  const other = loadRadianceMap(name === 'goldengate' ? 'stilllife' : 'goldengate');
  const gain = meter(map, 0.18);
  const [w, h] = [16, 12];
  const crop = cropMap(other, (other.width - w) >> 1, (other.height - h) >> 1, w, h);
  // Bright: the object's log-average 2 stops above the scene's key; dark: 3 stops below (as ghost-scene.ts).
  const patch = cropMap(crop, 0, 0, w, h, meter(crop, 0.18 * (kind === 'bright' ? 4 : 1 / 8)) / gain);
  const positions: ([number, number] | null)[] = GHOST_EXPOSURES.map(() => null);
  positions[shown[0]] = [30 * factor, 20 * factor];
  positions[shown[1]] = [75 * factor, 50 * factor];
  return movingObjectScene(camera, map, { patch: factor > 1 ? enlarge(patch, factor) : patch, positions }, SRGB, gain, GHOST_EXPOSURES);
}

/** Moving proxy pixels with no path pixel within `d` proxy pixels of their box. */
function strays(path: Uint8Array, width: number, height: number, m: ReturnType<typeof motionMask>, d: number): number {
  const { width: w, height: h } = m;
  let out = 0;
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      if (!(m.mask[j * w + i]! > MOTION_MASK)) continue;
      const x0 = Math.max(0, Math.floor(((i - d) * width) / w));
      const x1 = Math.min(width, Math.ceil(((i + 1 + d) * width) / w));
      const y0 = Math.max(0, Math.floor(((j - d) * height) / h));
      const y1 = Math.min(height, Math.ceil(((j + 1 + d) * height) / h));
      let near = false;
      for (let y = y0; y < y1 && !near; y++) for (let x = x0; x < x1 && !near; x++) near = path[y * width + x] === 1;
      if (!near) out++;
    }
  }
  return out;
}

describe('a moving object reads as motion', () => {
  const cases = [
    ['dark', [0, 3]],
    ['dark', [1, 4]],
    ['bright', [0, 2]],
  ] as const;

  it.each(MAPS)('%s: through 2 of 5 brackets, ~3.5 % of the frame: 0.5–1× its path is found, all of it on the path, strength > 0 (1× and 4×, 2 codes of noise)', { timeout: 60_000 }, (name) => {
    for (const factor of [1, 4]) {
      for (const [kind, shown] of cases) {
        const scene = movingScene(name, factor, kind, shown);
        const brackets = addNoise(scene.ghosted, 2, 3);
        const { width, height } = brackets[0]!;
        const path = scene.path.reduce((a, v) => a + v, 0) / scene.path.length;
        expect(path).toBeGreaterThan(0.02);
        expect(path).toBeLessThan(0.05);
        const e = estimateMotion(brackets, { response: srgb });
        const label = `${name} ×${factor}, ${kind} object in brackets ${shown}: ${pct(e.fraction)} moving, path ${pct(path)} (${(e.fraction / path).toFixed(2)})`;
        console.log(label);
        // Less than the path: the majority step takes about a proxy pixel off each edge.
        expect(e.fraction, label).toBeGreaterThan(0.5 * path);
        expect(e.fraction, label).toBeLessThan(path);
        expect(e.strength, label).toBeGreaterThanOrEqual(0.8);
        expect(strays(scene.path, width, height, motionMask(brackets, { response: srgb }), 1), label).toBe(0);
      }
    }
  });

  it('an object a bracket shows clipped where the background is clipped too is found only where it can be seen (bright object in brackets 1 and 4: ~half its path)', { timeout: 60_000 }, () => {
    for (const name of MAPS) {
      const scene = movingScene(name, 4, 'bright', [1, 4]);
      const e = estimateMotion(addNoise(scene.ghosted, 2, 3), { response: srgb });
      const path = scene.path.reduce((a, v) => a + v, 0) / scene.path.length;
      console.log(`${name} ×4, bright object in brackets 1, 4: ${pct(e.fraction)} moving, path ${pct(path)}`);
      expect(e.fraction).toBeGreaterThan(0.4 * path);
      expect(e.strength).toBeGreaterThan(0);
    }
  });
});

/** The map seen by a bracket through transform t (bracket coordinates = M · reference coordinates): bilinear at M⁻¹ u, the frame w × h at (x0, y0) of the map. */
function view(map: FloatImage, t: BracketTransform, x0: number, y0: number, w: number, h: number): FloatImage {
  const mi = invert(transformMatrix(t, w, h));
  const data = new Float32Array(w * h * 4);
  for (let v = 0; v < h; v++) {
    for (let u = 0; u < w; u++) {
      const x = Math.min(map.width - 1, Math.max(0, mi[0] * u + mi[1] * v + mi[2] + x0));
      const y = Math.min(map.height - 1, Math.max(0, mi[3] * u + mi[4] * v + mi[5] + y0));
      const xa = Math.floor(x);
      const ya = Math.floor(y);
      const xb = Math.min(xa + 1, map.width - 1);
      const yb = Math.min(ya + 1, map.height - 1);
      const fx = x - xa;
      const fy = y - ya;
      for (let c = 0; c < 4; c++) {
        const at = (xx: number, yy: number) => map.data[(yy * map.width + xx) * 4 + c]!;
        data[(v * w + u) * 4 + c] = (1 - fy) * ((1 - fx) * at(xa, ya) + fx * at(xb, ya)) + fy * ((1 - fx) * at(xa, yb) + fx * at(xb, yb));
      }
    }
  }
  return { width: w, height: h, data };
}

describe('alignment transforms', () => {
  it('transformMatrix inverts the alignment report: the matrix layerMotion describes as (tx, ty, rotation, scale) comes back', () => {
    const [w, h] = [640, 480];
    for (const p of [
      { a: 0, b: 0, tx: 3.5, ty: -2.25 },
      { a: 0.0012, b: -0.009, tx: -7, ty: 1.5 },
      { a: -0.003, b: 0.02, tx: 0, ty: 0 },
    ]) {
      const m = similarityMatrix(p, w, h);
      const row = layerMotion(m, w, h, { target: 0, method: 'refined', confidence: 1, reason: '', mtb: null, iterations: [] });
      transformMatrix(row, w, h).forEach((v, i) => expect(v).toBeCloseTo(m[i]!, 9));
    }
  });

  const shifted: [string, number[][]][] = [
    [
      'shifted',
      [
        [3, -2, 0, 1],
        [-1, 2, 0, 1],
        [0, 0, 0, 1],
        [2, 1, 0, 1],
        [-3, -1, 0, 1],
      ],
    ],
    [
      'shifted by fractions and rotated',
      [
        [2.5, -1.5, 0.6, 1],
        [-0.5, 1.25, -0.4, 1],
        [0, 0, 0, 1],
        [1.75, 0.5, 0.3, 1.002],
        [-2.25, -0.75, -0.7, 0.998],
      ],
    ],
  ];

  it.each(shifted)('a still set %s a few pixels (stilllife ×4): still with its transforms, moving without them or with them negated', { timeout: 60_000 }, (label, rows) => {
    const map = sceneMap('stilllife', 4);
    const m = 24;
    const [w, h] = [map.width - 2 * m, map.height - 2 * m];
    const gain = meter(map, 0.18);
    const transforms = rows.map(([tx, ty, rotation, scale]) => ({ tx: tx!, ty: ty!, rotation: rotation!, scale: scale! }));
    const brackets = addNoise(
      GHOST_EXPOSURES.map((e, k) => shootBrackets(view(map, transforms[k]!, m, m, w, h), SRGB, gain, [e])[0]!),
      2,
      4,
    );
    const aligned = estimateMotion(brackets, { response: srgb, transforms });
    const unaligned = estimateMotion(brackets, { response: srgb });
    const negated = estimateMotion(brackets, { response: srgb, transforms: transforms.map((t) => ({ tx: -t.tx, ty: -t.ty, rotation: -t.rotation, scale: 1 / t.scale })) });
    console.log(`stilllife ×4 ${label}: ${pct(aligned.fraction)} moving with its transforms, ${pct(unaligned.fraction)} without, ${pct(negated.fraction)} with them negated`);
    expect(aligned.fraction).toBe(0);
    expect(aligned.strength).toBe(0);
    expect(unaligned.fraction).toBeGreaterThan(MOTION_THRESHOLD);
    expect(negated.fraction).toBeGreaterThan(MOTION_THRESHOLD);
    // Boxes a transform takes outside its bracket are not counted.
    const covered = motionMask(brackets, { response: srgb, transforms }).covered;
    expect(covered.includes(0)).toBe(true);
    expect(covered.includes(1)).toBe(true);
  });

  it('refuses transforms that do not match the brackets', () => {
    const brackets = shootBrackets(loadRadianceMap('goldengate'), SRGB, 1, [1, 2]);
    expect(() => estimateMotion(brackets, { response: srgb, transforms: [{ tx: 0, ty: 0, rotation: 0, scale: 1 }] })).toThrow(/transforms/);
  });
});

describe('16-bit brackets', () => {
  it('read at their nearest 8-bit code, as the deghosting: still gives nothing, the widened moving object exactly what 8 bits give', { timeout: 60_000 }, () => {
    const map = loadRadianceMap('goldengate');
    expect(estimateMotion(shootBrackets16(map, SRGB, meter(map, 0.18), GHOST_EXPOSURES), { response: srgb }).fraction).toBe(0);
    for (const factor of [1, 4]) {
      const scene = movingScene('goldengate', factor, 'dark', [0, 3]);
      const narrow = estimateMotion(scene.ghosted, { response: srgb });
      expect(narrow.strength).toBeGreaterThan(0);
      expect(estimateMotion(scene.ghosted.map(widen), { response: srgb })).toEqual(narrow);
    }
  });
});

describe('the deghosting measure and its smoothing', () => {
  it('with one tap per pixel (an image within the proxy), no transforms and no smoothing, the mask is ghostMask(rawDeghostWeights) exactly', { timeout: 60_000 }, () => {
    for (const response of [srgb, responseLuts('linear')]) {
      const scene = movingScene('stilllife', 1, 'bright', [0, 3]);
      const brackets = addNoise(scene.ghosted, 2, 7);
      const weights = mergeWeights(9);
      const m = motionMask(brackets, { response, weights, levels: 0 });
      expect([m.width, m.height]).toEqual([brackets[0]!.width, brackets[0]!.height]);
      expect(m.mask).toEqual(ghostMask(rawDeghostWeights(brackets, { strength: 1, response, weights })));
      expect(m.covered.every((v) => v === 1)).toBe(true);
    }
  });

  it('majority is smoothDeghost at one level, bit for bit', () => {
    const random = rng(3);
    for (const [w, h] of [
      [37, 23],
      [64, 48],
      [5, 1],
      [2, 3],
    ] as const) {
      const maps = [0, 1].map(() => Float32Array.from({ length: w * h }, () => (random() < 0.4 ? 0 : random())));
      expect(majority(maps, w, h)).toEqual(smoothDeghost(maps, w, h, 1));
    }
  });

  it('the proxy: at most 256 px on the long side, never enlarged', () => {
    expect(motionProxySize(6000, 4000)).toEqual([256, 171]);
    expect(motionProxySize(4000, 6000)).toEqual([171, 256]);
    expect(motionProxySize(126, 86)).toEqual([126, 86]);
    expect(motionProxySize(10000, 10)).toEqual([256, 1]);
  });
});

describe('the decision', () => {
  it(`strength 0 below ${MOTION_THRESHOLD * 100} % moving, then min(1, 0.6 + 20 · fraction)`, () => {
    expect(motionStrength(0)).toBe(0);
    expect(motionStrength(MOTION_THRESHOLD * 0.99)).toBe(0);
    expect(motionStrength(MOTION_THRESHOLD)).toBeCloseTo(0.6 + 20 * MOTION_THRESHOLD, 12);
    expect(motionStrength(0.015)).toBeCloseTo(0.9, 12);
    expect(motionStrength(0.02)).toBe(1);
    expect(motionStrength(MOTION_IMPLAUSIBLE)).toBe(1);
    // Most of the frame disagreeing is not motion (wrong exposures or response): off.
    expect(motionStrength(0.5)).toBe(0);
    expect(motionStrength(Number.NaN)).toBe(0);
  });

  it('a single bracket moves nothing; brackets of different sizes are refused', () => {
    const map = loadRadianceMap('goldengate');
    const [one] = shootBrackets(map, SRGB, 1, [1]);
    expect(estimateMotion([one!], { response: srgb })).toEqual({ fraction: 0, strength: 0 });
    const small = { ...one!, width: 1, height: 1, pixels: new Uint8Array(4) };
    expect(() => estimateMotion([one!, small], { response: srgb })).toThrow(/bracket 1/);
  });
});

describe('estimateMotionAndReference', () => {
  it('deghosts against a bracket without the moving object where the automatic reference holds it', () => {
    const scene = ghostScene(BRIGHT_OBJECT_CASE, camera);
    const response = responseLuts('srgb');
    const weights = mergeWeights(0, response);
    const auto = autoReference(scene.ghosted, weights);
    const atAuto = estimateMotion(scene.ghosted, { response, reference: auto });
    const chosen = estimateMotionAndReference(scene.ghosted, { response });
    console.log(`object in brackets 1 and 3: automatic reference ${auto} sees ${(100 * atAuto.fraction).toFixed(2)} % moving; chosen ${chosen.reference}, ${(100 * chosen.fraction).toFixed(2)} %`);
    expect([1, 3]).toContain(auto);
    expect([0, 2, 4]).toContain(chosen.reference);
    expect(chosen.fraction).toBeLessThan(atAuto.fraction);
    expect(chosen.strength).toBeGreaterThan(0);
    // A still set keeps the automatic reference.
    expect(estimateMotionAndReference(scene.clean, { response })).toEqual({ fraction: 0, strength: 0, reference: auto });
  });
});
