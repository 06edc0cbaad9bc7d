import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { CALL_FIELDS, LEVEL_FIELDS as LK_LEVEL_FIELDS } from '../passes/align-lk';
import { LEVEL_FIELDS as MTB_LEVEL_FIELDS, STEP_FIELDS } from '../passes/align-mtb';
import {
  COUNT_STRIDE,
  EDGE,
  GREY_WEIGHTS,
  IDENTITY,
  IDENTITY_CANDIDATE,
  IDENTITY_LUT,
  SEARCH_SUMS,
  SUMS,
  alignBrackets,
  alignTargets,
  bitmapWords,
  candidateOffset,
  commonCrop,
  greyCodes,
  invert,
  levelWarp,
  lkLevels,
  lkPyramid,
  lkSums,
  matchLut,
  matrixSimilarity,
  medianCode,
  mtb,
  mtbBitmaps,
  mtbCounts,
  mtbLevelCount,
  mtbShifts,
  multiply,
  pickCandidate,
  popcount,
  similarityMatrix,
  solveStep,
  warpRgba8,
  type Matrix3,
  type Rgba8,
  type Similarity,
} from './align';
import { rng } from '../../reference/random';

const FIXTURES = fileURLToPath(new URL('../../../../e2e/fixtures/', import.meta.url));
const manifest = JSON.parse(readFileSync(`${FIXTURES}manifest.json`, 'utf8')) as Record<string, { files: string[] }>;

function fixture(set: 'goldengate-3' | 'stilllife-5'): Rgba8[] {
  return manifest[set]!.files.map((f) => {
    const png = PNG.sync.read(readFileSync(`${FIXTURES}${set}/${f}`));
    return { width: png.width, height: png.height, pixels: new Uint8Array(png.data) };
  });
}

/** A similarity from a translation of the centre (px) and a rotation (degrees). */
const motion = (tx: number, ty: number, degrees: number): Similarity => {
  const r = (degrees * Math.PI) / 180;
  return { a: Math.cos(r) - 1, b: Math.sin(r), tx, ty };
};

/** The largest distance between where two matrices send the image corners. */
function cornerError(m: Matrix3, n: Matrix3, w: number, h: number): number {
  let e = 0;
  for (const [x, y] of [
    [0, 0],
    [w - 1, 0],
    [0, h - 1],
    [w - 1, h - 1],
  ] as const)
    e = Math.max(e, Math.hypot(m[0] * x + m[1] * y + m[2] - (n[0] * x + n[1] * y + n[2]), m[3] * x + m[4] * y + m[5] - (n[3] * x + n[4] * y + n[5])));
  return e;
}

/** Brackets moved by `motions` (null: left alone): bracket k shows the scene at M_k x where the reference shows it at x. */
function moved(brackets: readonly Rgba8[], motions: readonly (Similarity | null)[]): { images: Rgba8[]; truth: Matrix3[] } {
  const { width: w, height: h } = brackets[0]!;
  const truth = motions.map((p) => (p ? similarityMatrix(p, w, h) : ([1, 0, 0, 0, 1, 0, 0, 0, 1] as Matrix3)));
  const images = brackets.map((b, k) => (motions[k] ? { width: w, height: h, pixels: warpRgba8(b, invert(truth[k]!)) } : b));
  return { images, truth };
}

/** A w × h RGBA image from a grey function. */
function greyImage(w: number, h: number, f: (x: number, y: number) => number): Rgba8 {
  const pixels = new Uint8Array(4 * w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = Math.max(0, Math.min(255, Math.round(f(x, y))));
      pixels.set([v, v, v, 255], 4 * (y * w + x));
    }
  return { width: w, height: h, pixels };
}

describe('step 1: median threshold bitmaps (Ward 2003)', () => {
  it('grey codes are (54 R + 183 G + 19 B) >> 8 of the bytes', () => {
    expect(GREY_WEIGHTS.reduce((a, b) => a + b, 0)).toBe(256);
    const img: Rgba8 = { width: 3, height: 1, pixels: Uint8Array.of(255, 255, 255, 255, 10, 20, 30, 255, 0, 0, 1, 0) };
    expect([...greyCodes(img)]).toEqual([255, (54 * 10 + 183 * 20 + 19 * 30) >> 8, 0]);
  });

  it('levels: enough for ±maxShift, the coarsest side at least 8 pixels', () => {
    expect(mtbLevelCount(320, 256)).toBe(6); // ±63 px, coarsest 10 × 8
    expect(mtbLevelCount(2048, 1536)).toBe(8); // ±255 px
    expect(mtbLevelCount(2048, 1536, 60)).toBe(6);
    expect(mtbLevelCount(16, 7)).toBe(1);
  });

  it('median: the smallest code with half the pixels at or below it', () => {
    const h = new Uint32Array(256);
    h[3] = 2;
    h[9] = 2;
    expect(medianCode(h)).toBe(3);
    h[9] = 3;
    expect(medianCode(h)).toBe(9);
  });

  it('bitmaps: threshold g > m, exclusion |g − m| > 4, 32 pixels per word, padding bits 0', () => {
    const g = Uint8Array.from({ length: 40 }, (_, x) => 100 + x - 20); // 80 .. 119, median code 100 at x = 20
    const bm = mtbBitmaps(g, 40, 1, 100);
    expect(bm.length).toBe(2 * bitmapWords(40));
    const bit = (plane: number, x: number) => (bm[2 * (x >> 5) + plane]! >>> (x & 31)) & 1;
    for (let x = 0; x < 40; x++) {
      expect(bit(0, x), `tb ${x}`).toBe(g[x]! > 100 ? 1 : 0);
      expect(bit(1, x), `eb ${x}`).toBe(Math.abs(g[x]! - 100) > 4 ? 1 : 0);
    }
    expect(bm[2]! >>> 8).toBe(0);
    expect(bm[3]! >>> 8).toBe(0);
  });

  it('popcount', () => {
    const r = rng(7);
    for (let i = 0; i < 200; i++) {
      const v = Math.floor(r() * 2 ** 32) >>> 0;
      expect(popcount(v)).toBe([...v.toString(2)].filter((c) => c === '1').length);
    }
  });

  it('counts find an integer shift of a random texture exactly, at any offset across words; the identity is candidate 9', () => {
    const r = rng(11);
    const [w, h] = [77, 23];
    const big = Array.from({ length: (w + 20) * (h + 20) }, () => Math.floor(r() * 256));
    const at = (x: number, y: number) => big[(y + 10) * (w + 20) + x + 10]!;
    const target = Uint8Array.from({ length: w * h }, (_, i) => at(i % w, Math.floor(i / w)));
    for (const [sx, sy] of [
      [3, -2],
      [-7, 5],
      [0, 0],
      [1, 1],
    ] as const) {
      // Moving pixel x + s shows what the target shows at x.
      const moving = Uint8Array.from({ length: w * h }, (_, i) => at((i % w) - sx, Math.floor(i / w) - sy));
      const tb = mtbBitmaps(target, w, h, 128);
      const mb = mtbBitmaps(moving, w, h, 128);
      const c = mtbCounts(tb, mb, w, h, [sx, sy]);
      expect(c.length).toBe(COUNT_STRIDE);
      expect(c[2 * 4], `no error at the true shift (${sx}, ${sy})`).toBe(0);
      expect(c[2 * 4 + 1]).toBeGreaterThan(0.8 * (w - Math.abs(sx)) * (h - Math.abs(sy)));
      expect(pickCandidate(c)).toBe(4);
      for (let i = 0; i < 9; i++) if (i !== 4) expect(c[2 * i]!).toBeGreaterThan(0);
      const id = mtbCounts(tb, mb, w, h, [0, 0]);
      expect([c[2 * IDENTITY_CANDIDATE], c[2 * IDENTITY_CANDIDATE + 1]]).toEqual([id[8], id[9]]);
    }
  });

  it('ties pick the smaller move, then the lower index; the replay doubles each level', () => {
    const c = new Uint32Array(COUNT_STRIDE);
    expect(pickCandidate(c)).toBe(4);
    c[2 * 4] = 5;
    expect(candidateOffset(pickCandidate(c))).toEqual([0, -1]); // index 1: the first of the four one-step moves
    // Two levels of one layer: level 1 picks (+1, 0), level 0 picks (0, −1) → 2·(1, 0) + (0, −1).
    const counts = new Uint32Array(2 * COUNT_STRIDE).fill(9);
    counts[COUNT_STRIDE + 2 * 5] = 0;
    counts[2 * 1] = 0;
    expect(mtbShifts(counts, 1, 0, 2)).toEqual([
      [2, -1],
      [1, 0],
    ]);
  });

  it('plain MTB finds integer shifts of a fixture bracket pair (darker bracket against the reference)', { timeout: 30_000 }, () => {
    const b = fixture('stilllife-5');
    for (const [tx, ty] of [
      [13, -9],
      [-40, 22],
    ] as const) {
      const { images } = moved(b, [null, motion(tx, ty, 0), null, null, null]);
      const m = mtb(images, alignTargets(5, 2, 'direct'));
      expect(m.shifts[1]).toEqual([tx, ty]);
      expect(m.shifts[2]).toEqual([0, 0]);
    }
  });
});

describe('step 2: refinement', () => {
  it('histogram matching maps a bracket onto the target through any monotone curve', () => {
    const r = rng(3);
    const target = Uint8Array.from({ length: 5000 }, () => Math.floor(40 + r() * 150));
    const curve = (v: number) => Math.round(255 * (v / 255) ** 0.5);
    const moving = target.map(curve);
    const hist = (g: Uint8Array) => {
      const h = new Uint32Array(256);
      for (const v of g) h[v]!++;
      return h;
    };
    const lut = matchLut(hist(moving), hist(target));
    let worst = 0;
    for (let v = 40; v < 190; v++) worst = Math.max(worst, Math.abs(lut[curve(v)]! - v));
    expect(worst).toBeLessThan(1.5);
    const same = matchLut(hist(target), hist(target));
    for (let v = 45; v < 185; v++) expect(same[v]).toBeCloseTo(v, 0);
  });

  it('the sums hold the gradient of ½ Σ W e² (finite differences), and a Gauss–Newton step recovers a small motion', { timeout: 30_000 }, () => {
    const b = fixture('goldengate-3');
    const { width: w, height: h } = b[1]!;
    const truth = motion(0.7, -0.4, 0.3);
    const { images } = moved(b, [null, truth, null]);
    const { finest } = lkLevels(w, h);
    const t = lkPyramid(b[1]!, IDENTITY_LUT, finest, finest).features[0]!;
    const m = lkPyramid(images[1]!, IDENTITY_LUT, finest, finest).features[0]!;
    const S = lkSums(t, m, levelWarp(IDENTITY, finest, w, h));
    expect(S.length).toBe(SUMS);
    // d/dp of ½ Σ W e² at fixed W equals Σ W e J; check the translation components numerically.
    const half = (p: Similarity) => {
      const s = lkSums(t, m, levelWarp(p, finest, w, h));
      return s[15]! / 2;
    };
    const d = 1e-3;
    const gx = (half({ ...IDENTITY, tx: d }) - half({ ...IDENTITY, tx: -d })) / (2 * d);
    const gy = (half({ ...IDENTITY, ty: d }) - half({ ...IDENTITY, ty: -d })) / (2 * d);
    expect(gx / S[12]!).toBeGreaterThan(0.8);
    expect(gx / S[12]!).toBeLessThan(1.25);
    expect(gy / S[13]!).toBeGreaterThan(0.8);
    expect(gy / S[13]!).toBeLessThan(1.25);
    // Iterate to the optimum.
    let p = IDENTITY;
    for (let i = 0; i < 8; i++) {
      const step = solveStep(lkSums(t, m, levelWarp(p, finest, w, h)))!;
      p = { a: p.a + step[0]!, b: p.b + step[1]!, tx: p.tx + step[2]!, ty: p.ty + step[3]! };
    }
    expect(cornerError(similarityMatrix(p, w, h), similarityMatrix(truth, w, h), w, h)).toBeLessThan(0.05);
  });

  it('solveStep solves the 4×4 normal equations; a singular system gives null', () => {
    // H = diag(4, 9, 1, 2) with a coupling; g chosen for x = (1, −2, 0.5, 3): g = −H x.
    const H = [
      [4, 1, 0, 0],
      [1, 9, 0, 0],
      [0, 0, 1, 0.5],
      [0, 0, 0.5, 2],
    ];
    const x = [1, -2, 0.5, 3];
    const g = H.map((r) => -r.reduce((s, v, j) => s + v * x[j]!, 0));
    const S = [H[0]![0]!, H[0]![1]!, H[0]![2]!, H[0]![3]!, H[1]![1]!, H[1]![2]!, H[1]![3]!, H[2]![2]!, H[2]![3]!, H[3]![3]!, ...g];
    solveStep(S)!.forEach((v, i) => expect(v).toBeCloseTo(x[i]!, 10));
    expect(solveStep(new Array(20).fill(0))).toBeNull();
  });

  it('the refinement levels: finest long side ≤ 1024, coarsest long side ≥ 64', () => {
    expect(lkLevels(320, 256)).toMatchObject({ finest: 0, coarsest: 2 });
    expect(lkLevels(2048, 1536)).toMatchObject({ finest: 1, coarsest: 5 });
    expect(lkLevels(40, 30)).toMatchObject({ finest: 0, coarsest: 0 });
  });
});

describe('transforms and crop', () => {
  it('matrices: similarity ↔ matrix, inverse, composition', () => {
    const [w, h] = [320, 256];
    const p = motion(12.5, -3, 0.8);
    const m = similarityMatrix(p, w, h);
    const q = matrixSimilarity(m, w, h);
    for (const k of ['a', 'b', 'tx', 'ty'] as const) expect(q[k]).toBeCloseTo(p[k], 12);
    // The centre goes to the centre plus t.
    expect(m[0] * 159.5 + m[1] * 127.5 + m[2]).toBeCloseTo(159.5 + 12.5, 10);
    const id = multiply(m, invert(m));
    id.forEach((v, i) => expect(v).toBeCloseTo([1, 0, 0, 0, 1, 0, 0, 0, 1][i]!, 12));
  });

  it('the common crop of translations is their intersection; of rotations a rectangle every matrix keeps inside', () => {
    const [w, h] = [100, 80];
    const t = [similarityMatrix(motion(7, -3, 0), w, h), similarityMatrix(motion(-2, 5, 0), w, h)];
    expect(commonCrop(t, w, h)).toEqual({ x: 2, y: 3, width: 100 - 7 - 2, height: 80 - 3 - 5 });
    // A rotation of 1e-9° (edges all but parallel to the axes) is a translation.
    expect(commonCrop([similarityMatrix(motion(7, -3, 1e-9), w, h)], w, h)).toEqual({ x: 0, y: 3, width: 100 - 7, height: 80 - 3 });
    const r = [similarityMatrix(motion(3, 1, 1), w, h), similarityMatrix(motion(-1, 0, -0.7), w, h)];
    const c = commonCrop(r, w, h);
    expect(c.width * c.height).toBeGreaterThan(0.8 * w * h);
    for (const m of r)
      for (const [x, y] of [
        [c.x, c.y],
        [c.x + c.width - 1, c.y],
        [c.x, c.y + c.height - 1],
        [c.x + c.width - 1, c.y + c.height - 1],
      ] as const) {
        const u = m[0] * x + m[1] * y + m[2];
        const v = m[3] * x + m[4] * y + m[5];
        expect(u).toBeGreaterThanOrEqual(-1e-6);
        expect(v).toBeGreaterThanOrEqual(-1e-6);
        expect(u).toBeLessThanOrEqual(w - 1 + 1e-6);
        expect(v).toBeLessThanOrEqual(h - 1 + 1e-6);
      }
    // One row or column more would leave some matrix's bracket.
    const grown = [
      { ...c, x: c.x - 1, width: c.width + 1 },
      { ...c, width: c.width + 1 },
      { ...c, y: c.y - 1, height: c.height + 1 },
      { ...c, height: c.height + 1 },
    ];
    for (const g of grown) {
      const corners = [
        [g.x, g.y],
        [g.x + g.width - 1, g.y],
        [g.x, g.y + g.height - 1],
        [g.x + g.width - 1, g.y + g.height - 1],
      ];
      const outside = r.some((m) =>
        corners.some(([x, y]) => {
          const u = m[0] * x! + m[1] * y! + m[2];
          const v = m[3] * x! + m[4] * y! + m[5];
          return g.x < 0 || g.y < 0 || g.x + g.width > w || g.y + g.height > h || u < -1e-6 || v < -1e-6 || u > w - 1 + 1e-6 || v > h - 1 + 1e-6;
        }),
      );
      expect(outside).toBe(true);
    }
  });

  it('the warp: the identity copies (alpha 255), an integer shift moves pixels, alpha 0 where the bracket does not reach', () => {
    const img = greyImage(9, 7, (x, y) => 10 * x + 3 * y);
    expect(warpRgba8(img, [1, 0, 0, 0, 1, 0, 0, 0, 1])).toEqual(img.pixels);
    const out = warpRgba8(img, [1, 0, 2, 0, 1, -1, 0, 0, 1]);
    for (let y = 0; y < 7; y++)
      for (let x = 0; x < 9; x++) {
        const inside = x + 2 <= 8 && y - 1 >= 0;
        expect(out[4 * (y * 9 + x) + 3]).toBe(inside ? 255 : 0);
        if (inside) expect(out[4 * (y * 9 + x)]).toBe(img.pixels[4 * ((y - 1) * 9 + x + 2)]);
      }
    // Half a pixel: the mean of neighbours.
    const half = warpRgba8(img, [1, 0, 0.5, 0, 1, 0, 0, 0, 1]);
    expect(half[0]).toBe(Math.round((img.pixels[0]! + img.pixels[4]!) / 2));
  });
});

// Whole alignments take a second or two each (longer on a loaded machine).
describe('alignment of the fixtures (CPU reference)', { timeout: 60_000 }, () => {
  it('untouched sets stay within 0.1 px of the identity', async () => {
    for (const set of ['goldengate-3', 'stilllife-5'] as const) {
      const b = fixture(set);
      const { width: w, height: h } = b[0]!;
      const r = await alignBrackets(b, Math.floor(b.length / 2));
      for (const [k, m] of r.motions.entries()) {
        expect(cornerError(m.matrix, [1, 0, 0, 0, 1, 0, 0, 0, 1], w, h), `${set} layer ${k}: ${m.reason}`).toBeLessThan(0.1);
        expect(m.confidence).toBeGreaterThan(0.8);
      }
      expect(r.crop.width * r.crop.height).toBeGreaterThan(0.98 * w * h);
    }
  });

  // Each bracket moves on its own (neighbours within the ±64 px search range of one another), or all move alike.
  const cases: { name: string; set: 'goldengate-3' | 'stilllife-5'; motions: (Similarity | null)[] }[] = [
    { name: 'independent, ±60 px', set: 'goldengate-3', motions: [motion(-60, 40, -0.5), null, motion(45, -60, 0.8)] },
    { name: 'all alike, 60 px', set: 'stilllife-5', motions: [motion(60, -45, 0.7), motion(60, -45, 0.7), null, motion(60, -45, 0.7), motion(60, -45, 0.7)] },
    { name: 'independent, ±40 px', set: 'stilllife-5', motions: [motion(-20, 30, 0.5), motion(20, -25, -0.4), null, motion(-40, 35, 0), motion(-25, 20, 0.8)] },
    { name: 'independent, sub-pixel', set: 'stilllife-5', motions: [motion(2.3, -1.6, -1), motion(0.4, 0.7, 0), null, motion(-0.6, 0.2, 0.25), motion(1.5, 1.5, -0.7)] },
  ];
  it.each(cases)('recovers motions of the $set brackets ($name, ≤ 1°) within 0.5 px and 0.05°', async ({ set, motions }) => {
    const b = fixture(set);
    const { width: w, height: h } = b[0]!;
    const { images, truth } = moved(b, motions);
    const r = await alignBrackets(images, motions.indexOf(null));
    for (const [k, m] of r.motions.entries()) {
      const p = motions[k] ?? IDENTITY;
      const why = `${set} layer ${k}: ${m.method}, ${m.reason}`;
      expect(Math.hypot(m.tx - p.tx, m.ty - p.ty), why).toBeLessThan(0.5);
      expect(Math.abs(m.rotation - (Math.atan2(p.b, 1 + p.a) * 180) / Math.PI), why).toBeLessThan(0.05);
      expect(Math.abs(m.scale - 1)).toBeLessThan(1e-12); // rigid by default
      expect(cornerError(m.matrix, truth[k]!, w, h), why).toBeLessThan(0.5);
      expect(m.method).toBe(motions[k] ? 'refined' : 'reference');
    }
    // The crop is the true motions' crop, give or take a pixel of estimation error.
    const c = commonCrop(truth, w, h);
    for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(r.crop[k] - c[k]), k).toBeLessThanOrEqual(2);
  });

  it('guards: a bracket of another scene, or a flat one, keeps the identity and says why', async () => {
    const gg = fixture('goldengate-3');
    const sl = fixture('stilllife-5');
    const flat = greyImage(320, 256, () => 128);
    const r = await alignBrackets([sl[1]!, gg[1]!, flat], 1);
    for (const k of [0, 2]) {
      const m = r.motions[k]!;
      expect(m.method, m.reason).toBe('identity');
      expect(m.reason.length).toBeGreaterThan(0);
      expect(m.confidence).toBeLessThan(0.5);
    }
    expect(r.motions[2]!.mtb!.trusted).toBe(false);
  });
});

describe('shaders ↔ TS', () => {
  const shader = (name: string) => readFileSync(fileURLToPath(new URL(`../../../../shaders/align/${name}.wgsl`, import.meta.url)), 'utf8');
  const fields = (wgsl: string, struct: string) => [...(new RegExp(`struct\\s+${struct}\\s*\\{([^}]*)\\}`).exec(wgsl)?.[1] ?? '').replace(/\/\/[^\n]*/g, '').matchAll(/(\w+)\s*:\s*(\w+)/g)].map((m) => `${m[1]}: ${m[2]}`);

  it('struct layouts are the ones the passes write', () => {
    expect(fields(shader('align-mtb'), 'Level')).toEqual(MTB_LEVEL_FIELDS.map((f) => `${f}: u32`));
    expect(fields(shader('align-mtb'), 'Step')).toEqual(STEP_FIELDS.map((f) => `${f}: u32`));
    expect(fields(shader('align-lk'), 'LkLevel')).toEqual(LK_LEVEL_FIELDS.map((f) => `${f}: u32`));
    expect(fields(shader('align-lk'), 'Call')).toEqual([...CALL_FIELDS]);
  });

  it('layout constants agree', () => {
    expect(shader('align-warp')).toContain(`const EDGE = ${EDGE};`);
    expect(shader('align-mtb')).toContain(`const COUNT_STRIDE = ${COUNT_STRIDE}u;`);
    expect(shader('align-lk')).toContain(`const SUMS = ${SUMS}u;`);
    expect(shader('align-lk')).toContain(`const SEARCH_SUMS = ${SEARCH_SUMS}u;`);
  });
});
