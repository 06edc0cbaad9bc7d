// Footprints of a Laplacian-pyramid blend evaluated by tile (issue 15;
// Burt & Adelson 1983, as in reference/pyramid.ts and the Mertens fusion of
// reference/fusion.ts). The fine levels 0..F−1 run per tile; level F and
// coarser come from the whole image at 1/2^F size (small), as the
// house-style notes say: "compute the coarse levels once on a downsampled
// whole image, and the fine levels per tile with a halo". Two tiled passes:
//  1. reduce: each tile builds its Gaussian levels 0..F and hands in the
//     level-F pixels under its core (needsForLevel);
//  2. blend: with the whole-image result at level F (the coarse blend,
//     collapsed down to F), each tile rebuilds its levels 0..F, blends the
//     fine ones and collapses them to level 0 over its core (needsForBlend).
// Walking the footprints back gives the pixels each pass reads, hence the
// halo; tile origins must sit on multiples of 2^F so that every level of a
// tile samples the same grid as the whole image (granularity 2^F).

import { clampTo, inputRegion, levelSize, toLevel, union, type Footprint, type Rect, type Size } from './region';

/** A reduce (5-tap binomial, then every second pixel): output i reads input 2i−2..2i+2. */
export const REDUCE_FOOTPRINT: Footprint = { halo: 2, scale: 2 };
/** An expand: fine x reads coarse floor(x/2)−1..floor(x/2)+1. */
export const EXPAND_FOOTPRINT: Footprint = { halo: 1, scale: 0.5 };

/** Tile origins align on every level 0..F of the tiled part: 2^F. */
export function pyramidGranularity(fineLevels: number): number {
  checkLevels('pyramidGranularity', fineLevels);
  return 2 ** fineLevels;
}

function checkLevels(fn: string, fineLevels: number): void {
  if (!(Number.isInteger(fineLevels) && fineLevels >= 1)) throw new Error(`${fn}: fineLevels ${fineLevels} must be an integer >= 1`);
}

function checkPointHalo(fn: string, pointHalo: number): void {
  if (!(Number.isInteger(pointHalo) && pointHalo >= 0)) throw new Error(`${fn}: pointHalo ${pointHalo} must be an integer >= 0`);
}

/** Clamp to level l of `image` where an image is given (tighter); unclamped regions are supersets. */
function clampLevel(r: Rect, image: Size | undefined, l: number): Rect {
  return image ? clampTo(r, levelSize(image, l)) : r;
}

/** The Gaussian regions (levels 0..F) and the input region behind `need` at level F, through F reduces. */
function reduceBack(gaussian: Rect[], fineLevels: number, pointHalo: number, image: Size | undefined): Rect {
  for (let l = fineLevels; l >= 1; l--) {
    gaussian[l - 1] = clampLevel(union(gaussian[l - 1]!, inputRegion(gaussian[l]!, REDUCE_FOOTPRINT)), image, l - 1);
  }
  return clampLevel(inputRegion(gaussian[0]!, { halo: pointHalo }), image, 0);
}

const EMPTY: Rect = { x: 0, y: 0, width: 0, height: 0 };

/**
 * Pass 1: what a tile reads to produce Gaussian level F over `levelRegion`
 * (a level-F rectangle): gaussian[l] is the level-l region it must compute,
 * input the level-0 input pixels it reads (the per-pixel stage ahead of the
 * pyramid, e.g. fusion weights, reads `pointHalo` beyond). Clamped to `image`
 * where given.
 */
export function needsForLevel(levelRegion: Rect, fineLevels: number, pointHalo: number, image?: Size): { gaussian: Rect[]; input: Rect } {
  checkLevels('needsForLevel', fineLevels);
  checkPointHalo('needsForLevel', pointHalo);
  const gaussian: Rect[] = Array.from({ length: fineLevels + 1 }, () => EMPTY);
  gaussian[fineLevels] = clampLevel(levelRegion, image, fineLevels);
  const input = reduceBack(gaussian, fineLevels, pointHalo, image);
  return { gaussian, input };
}

/**
 * Pass 2: what a tile reads to collapse the blend to level 0 over `core`:
 *   R_l = A_l + expand(R_{l+1}),  A_l = Σ_k G^k_l.a · (G^k_l − expand(G^k_{l+1})),
 * R_F given whole. result[l] is the R_l region needed (result[F] is read from
 * the whole-image level F), gaussian[l] the G_l region, input the level-0
 * input pixels. Clamped to `image` where given.
 */
export function needsForBlend(core: Rect, fineLevels: number, pointHalo: number, image?: Size): { result: Rect[]; gaussian: Rect[]; input: Rect } {
  checkLevels('needsForBlend', fineLevels);
  checkPointHalo('needsForBlend', pointHalo);
  const result: Rect[] = [clampLevel(core, image, 0)];
  const gaussian: Rect[] = Array.from({ length: fineLevels + 1 }, () => EMPTY);
  for (let l = 0; l < fineLevels; l++) {
    const r = result[l]!;
    const up = clampLevel(inputRegion(r, EXPAND_FOOTPRINT), image, l + 1);
    result.push(up); // R_{l+1} under expand(R_{l+1}) over R_l's region
    gaussian[l] = union(gaussian[l]!, r); // A_l reads G_l over the same pixels...
    gaussian[l + 1] = union(gaussian[l + 1]!, up); // ...and G_{l+1} under its expand
  }
  const input = reduceBack(gaussian, fineLevels, pointHalo, image);
  return { result, gaussian, input };
}

/**
 * The halo (pixels per side at level 0) both passes need around a core whose
 * edges sit on multiples of 2^F, away from the image border (at the border
 * the regions are clamped, which only shrinks them). The same for every such
 * core: the footprints move by 2^(F−l) level-l pixels when the core moves by
 * 2^F, and each edge of a region depends on the same edge of the core only.
 */
export function pyramidTileHalo(fineLevels: number, pointHalo: number): number {
  const g = pyramidGranularity(fineLevels);
  checkPointHalo('pyramidTileHalo', pointHalo);
  const core: Rect = { x: 16 * g, y: 16 * g, width: g, height: g };
  const blend = needsForBlend(core, fineLevels, pointHalo).input;
  const level = needsForLevel(toLevel(core, fineLevels), fineLevels, pointHalo).input;
  let halo = 0;
  for (const r of [blend, level]) {
    halo = Math.max(halo, core.x - r.x, core.y - r.y, r.x + r.width - (core.x + core.width), r.y + r.height - (core.y + core.height));
  }
  return halo;
}
