// The sizes of tiled exposure fusion (tiled-fusion.ts): F, the footprint a
// tile plan is made from, and the bytes each part holds (graph/tiles.ts plans
// within a budget from these; tiled-fusion.test.ts checks them against what
// the GPU holds).
import { levelSize, type Size } from '../graph/region';
import { pyramidGranularity, pyramidTileHalo } from '../graph/tiled-pyramid';
import { pyramidLevelCount, pyramidSizes } from '../pyramid/pyramid';

/** The weights read each pixel's 4-neighbours (the contrast measure): the per-pixel stage ahead of the pyramid has a halo of 1. */
export const FUSION_WEIGHT_HALO = 1;
/** The default F keeps the whole-image level-F images at most this many pixels on a side (see defaultFineLevels). */
export const COARSE_SIDE = 2048;
/** prepare()'s default tile core side (rounded up to 2^F). */
export const DEFAULT_TILE_CORE = 1024;

/**
 * The default fine-level count F: the smallest F >= 1 with max(W, H) / 2^F <=
 * COARSE_SIDE, at most pyramidLevelCount − 1 (the coarse part keeps at least
 * the top level). Why the smallest: the halo grows as 2^(F+1) (15 px at F = 2,
 * 127 at F = 5), so each tile re-reads less (at 24 MP, F = 3 gave 1.30 × the
 * whole image's time in one grid; with F = 2 and the bands kept on the GPU,
 * six paired runs gave 1.04–1.07, median 1.05: bench/results/
 * 2026-12-07-tiling-pairs.md); why <= 2048 a side: the
 * whole-image part (count level-F images of 16 B/px while prepare() runs, R_F
 * after) stays at most count × 64 MiB, far below the 8192 side limit, for any
 * image up to 2048·2^F on a side (a 200 MP 17320×11547 frame gets F = 4:
 * 1083×722 at level 4).
 */
export function defaultFineLevels(width: number, height: number): number {
  const top = pyramidLevelCount(width, height) - 1;
  let f = 1;
  while (f < top && Math.max(width, height) / 2 ** f > COARSE_SIDE) f++;
  return f;
}

/** Bytes per pixel of a rgba32float level, and the sum over levels 0..F of 4^−l (each level a quarter of the one below). */
export const TEXEL = 16;
const levelsFactor = (fineLevels: number): number => (4 - 4 ** -fineLevels) / 3;

/**
 * What a tile of TiledFusion costs, for a memory budget (graph/tiles.ts
 * planTiles): bytesPerPixel of its read rectangle (produce()'s working set,
 * the larger pass: the uploaded brackets, the weight sum, the levels 0..F
 * and bands 0..F (rgba32float each, a geometric sum over the levels; level
 * sizes round up, so add tileBytes' rounding where tiles are tiny), and the
 * rect-sized result, which is at most the read), the halo per side around a
 * core on multiples of 2^F, and that granularity.
 */
export function tiledFusionFootprint(count: number, wide: boolean, fineLevels: number): { bytesPerPixel: number; halo: number; granularity: number } {
  return {
    bytesPerPixel: count * (wide ? 8 : 4) + 4 + 2 * TEXEL * levelsFactor(fineLevels) + TEXEL,
    halo: pyramidTileHalo(fineLevels, FUSION_WEIGHT_HALO),
    granularity: pyramidGranularity(fineLevels),
  };
}

/** The exact bytes produce() holds for a read rectangle of `read` (result at most read-sized). */
export function tiledFusionTileBytes(read: Size, count: number, wide: boolean, fineLevels: number): number {
  const levels = pyramidSizes(read.width, read.height, fineLevels + 1).reduce((s, [w, h]) => s + w * h, 0);
  const px = read.width * read.height;
  return px * (count * (wide ? 8 : 4) + 4 + TEXEL) + 2 * TEXEL * levels;
}

/** The whole-image bytes prepare() holds at its peak: count level-F images, the coarse pyramid and its bands (R_F alone after). */
export function tiledFusionCoarseBytes(image: Size, count: number, fineLevels: number): number {
  const { width, height } = levelSize(image, fineLevels);
  const coarse = pyramidSizes(width, height, pyramidLevelCount(image.width, image.height) - fineLevels).reduce((s, [w, h]) => s + w * h, 0);
  return TEXEL * (count * width * height + 2 * coarse);
}

/**
 * What pass 1 needs beside fine bands kept on the GPU (fine-bands.ts): the
 * whole-image part and twice a tile of DEFAULT_TILE_CORE px or, smaller,
 * the image (the tile plan's margin). Smaller tiles would make more halo
 * twice than the bands' round trip through CPU memory costs.
 */
export function tiledFusionPassOneBytes(image: Size, count: number, wide: boolean, fineLevels: number): number {
  const side = DEFAULT_TILE_CORE + 2 * tiledFusionFootprint(count, wide, fineLevels).halo;
  const read = { width: Math.min(side, image.width), height: Math.min(side, image.height) };
  return tiledFusionCoarseBytes(image, count, fineLevels) + 2 * tiledFusionTileBytes(read, count, wide, fineLevels);
}
