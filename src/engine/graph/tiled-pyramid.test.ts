// CPU proof that a pyramid blend evaluated by tile, with the halo the
// footprint math gives, reproduces the whole-image result: Mertens exposure
// fusion (reference/fusion.ts fuse) with its fine levels computed per tile and
// its coarse levels from the whole image at 1/2^F size, tile cores stitched.

import { describe, expect, it } from 'vitest';
import { fuse, fusionWeights, unit, type FusionWeights } from '../fusion/reference/fusion';
import { collapse, expand, gaussianPyramid, pyramidLevels } from '../pyramid/reference/pyramid';
import { rng } from '../reference/random';
import type { Bracket, FloatImage } from '../types';
import { clampTo, contains, grow, levelSize, toLevel, type Rect } from './region';
import { needsForBlend, needsForLevel, pyramidGranularity, pyramidTileHalo } from './tiled-pyramid';
import { planTiles, tileGrid, type TilePlan } from './tiles';

const WEIGHTS: FusionWeights = { contrastWeight: 1, saturationWeight: 1, exposureWeight: 1 };
/** Mertens' contrast measure reads the 4-neighbours: the per-pixel stage ahead of the pyramid has a halo of 1. */
const WEIGHT_HALO = 1;

/** Three brackets of a smooth scene with texture, 1.5 EV apart. */
function brackets(width: number, height: number, seed: number): Bracket[] {
  const r = rng(seed);
  const scene = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const base = 0.05 + 0.9 * (x / width) * (0.5 + 0.5 * Math.sin(y / 7));
      for (let c = 0; c < 3; c++) scene[(y * width + x) * 3 + c] = base * (0.6 + 0.4 * r()) * [1, 0.8, 0.6][c]!;
    }
  }
  return [0.35, 1, 2.8].map((exposure) => {
    const pixels = new Uint8Array(width * height * 4);
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < 3; c++) pixels[p * 4 + c] = Math.round(255 * Math.min(1, (scene[p * 3 + c]! * exposure) ** (1 / 2.2)));
      pixels[p * 4 + 3] = 255;
    }
    return { width, height, pixels, exposure };
  });
}

function cropBracket(b: Bracket, r: Rect): Bracket {
  const pixels = new Uint8Array(r.width * r.height * 4);
  for (let y = 0; y < r.height; y++) pixels.set(b.pixels.subarray(((r.y + y) * b.width + r.x) * 4, ((r.y + y) * b.width + r.x + r.width) * 4), y * r.width * 4);
  return { width: r.width, height: r.height, pixels, exposure: b.exposure };
}

/** Copy `src`'s rectangle `from` into `dst` at (x, y). */
function paste(dst: FloatImage, x: number, y: number, src: FloatImage, from: Rect): void {
  for (let j = 0; j < from.height; j++) {
    const s = ((from.y + j) * src.width + from.x) * 4;
    dst.data.set(src.data.subarray(s, s + from.width * 4), ((y + j) * dst.width + x) * 4);
  }
}

const image = (width: number, height: number): FloatImage => ({ width, height, data: new Float32Array(width * height * 4) });

/** (r, g, b, w_k) of each bracket over `read`, its weights computed on the crop, and their Gaussian levels 0..F. */
function tileGaussians(set: readonly Bracket[], read: Rect, fineLevels: number): FloatImage[][] {
  const crops = set.map((b) => cropBracket(b, read));
  const w = fusionWeights(crops, WEIGHTS);
  return crops.map((b, k) => {
    const data = new Float32Array(read.width * read.height * 4);
    for (let p = 0; p < read.width * read.height; p++) {
      for (let c = 0; c < 3; c++) data[p * 4 + c] = unit(b.pixels, p * 4 + c);
      data[p * 4 + 3] = w[k]![p]!;
    }
    return gaussianPyramid({ width: read.width, height: read.height, data }, fineLevels + 1);
  });
}

/** A_l.rgb = Σ_k G^k_l.a · (G^k_l.rgb − expand(G^k_{l+1}).rgb) (no expand at the top), alpha 0: the blend of reference/fusion.ts fuse. */
function blendLevel(gaussians: readonly FloatImage[][], l: number, top: boolean): FloatImage {
  const g0 = gaussians[0]![l]!;
  const acc = image(g0.width, g0.height);
  for (const g of gaussians) {
    const gl = g[l]!;
    const up = top ? undefined : expand(g[l + 1]!, gl.width, gl.height).data;
    for (let i = 0; i < acc.data.length; i += 4) {
      const wt = gl.data[i + 3]!;
      for (let c = 0; c < 3; c++) acc.data[i + c] = acc.data[i + c]! + wt * (gl.data[i + c]! - (up ? up[i + c]! : 0));
    }
  }
  return acc;
}

/**
 * fuse(set, WEIGHTS) evaluated by tile: levels 0..F−1 per tile of `plan`
 * (granularity 2^F), level F and coarser from the whole image at level F.
 *  1. per tile: Gaussian levels 0..F of the tile's read rectangle; the level-F
 *     pixels under its core go into whole-image level-F images G^k_F;
 *  2. whole image at 1/2^F: Gaussian levels F..top of each G^k_F, blended and
 *     collapsed down to level F (R_F);
 *  3. per tile: levels 0..F again, blended, collapsed onto R_F's pixels under
 *     the tile; the core is stitched into the output.
 */
function tiledFuse(set: readonly Bracket[], plan: TilePlan, fineLevels: number): FloatImage {
  const { width: W, height: H } = plan;
  const F = fineLevels;
  const f = 2 ** F;
  if (plan.granularity % f !== 0) throw new Error(`tiledFuse: granularity ${plan.granularity} does not align level ${F}`);
  const levels = pyramidLevels(W, H);
  const sizeF = levelSize({ width: W, height: H }, F);

  const gF = set.map(() => image(sizeF.width, sizeF.height));
  for (const { core, read } of plan.tiles) {
    const local = tileGaussians(set, read, F);
    const coreF = clampTo(toLevel(core, F), sizeF);
    local.forEach((g, k) => paste(gF[k]!, coreF.x, coreF.y, g[F]!, { ...coreF, x: coreF.x - read.x / f, y: coreF.y - read.y / f }));
  }

  const coarse = gF.map((g) => gaussianPyramid(g, levels - F));
  const rF = collapse(coarse[0]!.map((_, l) => blendLevel(coarse, l, l === levels - F - 1)));

  const out = image(W, H);
  for (const { core, read, offset } of plan.tiles) {
    const local = tileGaussians(set, read, F);
    const bands = Array.from({ length: F }, (_, l) => blendLevel(local, l, false));
    const top = local[0]![F]!;
    const rLocal = image(top.width, top.height);
    paste(rLocal, 0, 0, rF, { x: read.x / f, y: read.y / f, width: top.width, height: top.height });
    const r0 = collapse([...bands, rLocal]);
    paste(out, core.x, core.y, r0, { x: offset.x, y: offset.y, width: core.width, height: core.height });
  }
  for (let p = 0; p < W * H; p++) out.data[p * 4 + 3] = 1;
  return out;
}

function maxDiff(a: FloatImage, b: FloatImage): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

describe('pyramid footprints', () => {
  it('the halo a tile needs, per fine-level count (weights with a 1-pixel halo ahead)', () => {
    expect([1, 2, 3, 4, 5].map((F) => pyramidTileHalo(F, WEIGHT_HALO))).toMatchInlineSnapshot(`
      [
        5,
        15,
        31,
        63,
        127,
      ]
    `);
  });

  it('needed regions nest: each pass reads its core, and the blend pass covers the level pass', () => {
    const img = { width: 1000, height: 700 };
    const core = { x: 256, y: 128, width: 64, height: 64 };
    for (const F of [1, 3, 5]) {
      const blend = needsForBlend(core, F, WEIGHT_HALO, img);
      const level = needsForLevel(toLevel(core, F), F, WEIGHT_HALO, img);
      expect(contains(blend.input, core)).toBe(true);
      expect(contains(blend.input, grow(core, 2 ** (F + 1) - 2))).toBe(true);
      for (let l = 0; l <= F; l++) {
        expect(contains(clampTo(toLevel(blend.input, l), levelSize(img, l)), blend.gaussian[l]!)).toBe(true);
        expect(contains(blend.gaussian[l]!, blend.result[l]!)).toBe(true);
      }
      expect(contains(grow(core, pyramidTileHalo(F, WEIGHT_HALO)), level.input)).toBe(true);
      expect(contains(grow(core, pyramidTileHalo(F, WEIGHT_HALO)), blend.input)).toBe(true);
    }
    // At the image corner the regions are clamped.
    expect(needsForBlend({ x: 0, y: 0, width: 8, height: 8 }, 3, 1, img).input).toMatchObject({ x: 0, y: 0 });
  });
});

describe('tiled exposure fusion equals whole-image fusion', () => {
  const W = 96;
  const H = 80;
  const F = 2; // levels 0..1 per tile, 2..6 (of 7) from the whole image at 24×20
  const set = brackets(W, H, 15);
  const whole = fuse(set, WEIGHTS);
  const halo = pyramidTileHalo(F, WEIGHT_HALO);

  it(`96×80, 3 brackets, 32 px tiles with the footprint halo (${halo} px): the stitched cores match`, () => {
    const plan = tileGrid(W, H, 32, 32, halo, pyramidGranularity(F));
    expect(plan.tiles).toHaveLength(9);
    // The tiles read less than the image: the middle one reads [16, 79) × [16, 79).
    expect(plan.tiles[4]!.read).toEqual({ x: 16, y: 16, width: 63, height: 63 });
    const d = maxDiff(tiledFuse(set, plan, F), whole);
    expect(d).toBeLessThanOrEqual(1e-6);
  });

  it.each([
    [101, 77, 1, 24 * 24],
    [131, 97, 3, 90 * 90],
  ])('%i×%i, %i fine levels, tiles chosen by the planner under a budget of %i px', (w, h, fine, pixels) => {
    const odd = brackets(w, h, w);
    const planHalo = pyramidTileHalo(fine, WEIGHT_HALO);
    const plan = planTiles({ width: w, height: h, bytesPerPixel: 16, halo: planHalo, budgetBytes: pixels * 16, maxTextureDimension2D: 8192, granularity: pyramidGranularity(fine) });
    expect(plan.tiles.length).toBeGreaterThan(3);
    expect(maxDiff(tiledFuse(odd, plan, fine), fuse(odd, WEIGHTS))).toBeLessThanOrEqual(1e-6);
  });

  it('too small a halo gives a different picture', () => {
    // On this image halos of 11 px and more reproduce it exactly; the footprint
    // math asks for 15 (conservative: a reduce's 5 taps round up to 6 on the far
    // side, and the weights' halo is counted for the colour channels too).
    for (const small of [0, Math.floor(halo / 2), 10]) {
      const plan = tileGrid(W, H, 32, 32, small, pyramidGranularity(F));
      expect(maxDiff(tiledFuse(set, plan, F), whole), `halo ${small}`).toBeGreaterThan(1e-5);
    }
  });
});
