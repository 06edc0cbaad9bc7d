// Local detail (the fast local Laplacian filter of local-detail.ts) evaluated
// by tile, equal to the untiled LocalDetail: images larger than a texture
// (maxTextureDimension2D) or than the memory budget, up to 200 MP. The split is
// that of graph/tiled-pyramid.ts. For levels l ≥ F,
//   band_l = Σ_k w_k(G_l[I]) · (G_l[r_k] − expand(G_{l+1}[r_k]))
// depends only on the level-F Gaussians of I and of the remapped r_k, and r_k is
// pointwise in I once the grid is known, so prepare() makes three sweeps:
//
//   1. statistics  per tile core: I = log2 luminance, its extremes merged on the GPU
//                  (atomics, as the untiled log pass makes them); then the grid, once,
//                  by the untiled grid pass: bit for bit the untiled grid.
//   2. level F     per tile (core + halo): G[I] and, four levels at a time, G[r_k] reduced
//                  to level F; the level-F pixels under the core go into whole-image
//                  textures at 1/2^F size (G_F[I], and the K/4 RGBA G_F[r_k] as layers).
//   3. coarse      on those whole level-F images: the pyramids above F, the bands of
//                  levels F .. top − 1 (accumulate from level 0 of the coarse pyramid),
//                  top band = G_top[I], collapse down to level F: R_F, kept.
//
// produce(rect) then runs the untiled filter on the read rectangle (rect grown by
// the halo, origin aligned down to 2^F) with a pyramid of levels 0..F only: its
// bands 1..F − 1 and level 0 (finish) as LocalDetail makes them, and its top band
// seeded with its crop of R_F instead of G_F[I]. Tile pyramids sample the image's
// grid at every level (aligned origins) and see the image border where it is
// theirs, so the core of every tile gets the untiled arithmetic.
//
// F (fineLevels): by default the smallest F ≥ 1 with max(W, H) / 2^F ≤ 1024, at
// most levels − 1: the whole-image level-F textures stay ≤ 1024² (16 MiB each,
// 2 + K/4 of them plus their pyramids while preparing, R_F alone afterwards)
// whatever the image, and the halo (2^(F+2) − 2 px, pyramidTileHalo) stays
// as small as that allows (126 px at 200 MP). Memory per tile: see
// tiledLocalDetailFootprint; nothing else grows with the image.
import { LocalLaplacianIoPass } from './passes/local-laplacian-io';
import { LocalLaplacianPass } from './passes/local-laplacian';
import { PyramidExpandPass } from '../pyramid/passes/pyramid-expand';
import { PyramidReducePass } from '../pyramid/passes/pyramid-reduce';
import type { Resources } from '../gpu/resources';
import { pyramidLevelCount, pyramidSizes } from '../pyramid/pyramid';
import { regionUsage, type RegionSource } from '../graph/region-source';
import { clampTo, contains, grow, imageRect, isEmpty, toLevel, type Rect } from '../graph/region';
import { pyramidGranularity, pyramidTileHalo } from '../graph/tiled-pyramid';
import { tileGrid } from '../graph/tiles';
import { LOCAL_DETAIL_LEVELS, LOG_FLOOR, isIdentity, remapCoefficients, type LocalDetailParams } from './reference/local-detail';
import { LEVELS_PER_GROUP } from './passes/local-laplacian';

/** The largest side of the whole-image level-F textures the default F allows. */
export const COARSE_MAX_SIDE = 1024;
/** Default tile core of the prepare sweeps (rounded to a multiple of 2^F). */
export const DEFAULT_TILE_CORE = 2048;

export interface TiledLocalDetailOptions {
  /** F: levels 0..F − 1 run per tile (default defaultFineLevels). */
  fineLevels?: number;
  /** Core side of the prepare sweeps' tiles, in pixels (default DEFAULT_TILE_CORE). */
  tileCore?: number;
  /** Pixels read beyond a core per side (default pyramidTileHalo(F, 0)); only tests set less, to see it break. */
  halo?: number;
}

/** F: the smallest F ≥ 1 with max(W, H)/2^F ≤ COARSE_MAX_SIDE, at most levels − 1 (see the header). */
export function defaultFineLevels(width: number, height: number): number {
  const top = pyramidLevelCount(width, height) - 1;
  let f = 1;
  while (Math.max(width, height) / 2 ** f > COARSE_MAX_SIDE) f++;
  return Math.max(1, Math.min(f, top));
}

/**
 * The tile working set, for a memory budget (graph/tiles.ts planTiles): bytes
 * per pixel of a read rectangle (the source's tile, guide and work levels
 * 0..F, bands 1..F, kept, the R_F crop, the tile result and the output), the
 * largest single plane per pixel, the halo per side and the granularity (2^F).
 * The whole-image level-F textures come on top: coarseBytes.
 */
export function tiledLocalDetailFootprint(fineLevels: number, levels = LOCAL_DETAIL_LEVELS): { bytesPerPixel: number; planeBytesPerPixel: number; halo: number; granularity: number } {
  const px = 16;
  let pyramid = 0;
  for (let l = 0; l <= fineLevels; l++) pyramid += 4 ** -l;
  const bands = pyramid - 1;
  const kept = Math.ceil(levels / LEVELS_PER_GROUP) / 4;
  const bytesPerPixel = Math.ceil(px * (1 + 2 * pyramid + bands + kept + 4 ** -fineLevels + 1 + 1));
  return { bytesPerPixel, planeBytesPerPixel: px, halo: pyramidTileHalo(fineLevels, 0), granularity: pyramidGranularity(fineLevels) };
}

/** Peak bytes of the whole-image level-F textures while preparing (R_F alone, a quarter of one group's share, stays). */
export function coarseBytes(width: number, height: number, fineLevels: number, levels = LOCAL_DETAIL_LEVELS): number {
  const w = Math.ceil(width / 2 ** fineLevels);
  const h = Math.ceil(height / 2 ** fineLevels);
  // G_F[I] and G_F[r_k] (K/4 layers), both coarse pyramids (≤ 4/3 each), their bands (≤ 4/3).
  return Math.ceil(w * h * 16 * (Math.ceil(levels / LEVELS_PER_GROUP) + 4));
}

/** The textures and buffers of one read rectangle's size. */
interface TileSet {
  width: number;
  height: number;
  guide: GPUTexture[];
  work: GPUTexture[];
  /** bands[l − 1]: level l = 1..F; the last (F) is the top band, seeded from R_F. */
  bands: GPUBuffer[];
  kept: GPUTexture;
  /** The tile's crop of R_F (level-F size). */
  top: GPUTexture;
  dst: GPUTexture;
}

const LEVEL_USAGE = (): number => GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST;

export class TiledLocalDetail implements RegionSource {
  readonly width: number;
  readonly height: number;
  /** F: levels 0..F − 1 per tile, F and coarser from the whole image at 1/2^F size. */
  readonly fineLevels: number;
  readonly tileCore: number;
  readonly halo: number;
  private readonly granularity: number;
  /** Levels of the untiled pyramid. */
  private readonly depth: number;
  private readonly io: LocalLaplacianIoPass;
  private readonly filter: LocalLaplacianPass;
  private readonly guideReduce: PyramidReducePass;
  private readonly workReduce: PyramidReducePass;
  private readonly collapse: PyramidExpandPass;
  private readonly coarseFilter: LocalLaplacianPass;
  private readonly coarseReduce: PyramidReducePass;
  private readonly coarseWorkReduce: PyramidReducePass;
  private readonly coarseCollapse: PyramidExpandPass;
  private tile: TileSet | null = null;
  /** The collapsed coarse result at level F (value in r), the whole image at 1/2^F size. */
  private rF: GPUTexture | null = null;
  private identity = true;
  private key = '';
  private dirty = true;
  private preparing: Promise<void> | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    private readonly source: RegionSource,
    options: TiledLocalDetailOptions = {},
    readonly levels = LOCAL_DETAIL_LEVELS,
  ) {
    this.width = source.width;
    this.height = source.height;
    this.depth = pyramidLevelCount(this.width, this.height);
    const f = options.fineLevels ?? defaultFineLevels(this.width, this.height);
    if (!Number.isInteger(f) || f < 1 || (this.depth > 1 && f > this.depth - 1)) throw new Error(`tiled-local-detail: fineLevels ${f} must be an integer in 1..${this.depth - 1}`);
    this.fineLevels = f;
    this.granularity = pyramidGranularity(f);
    const core = options.tileCore ?? DEFAULT_TILE_CORE;
    this.tileCore = Math.max(this.granularity, Math.round(core / this.granularity) * this.granularity);
    this.halo = options.halo ?? pyramidTileHalo(f, 0);
    const label = 'tiled-local-detail';
    this.io = new LocalLaplacianIoPass(device, res, levels, `${label}.io`);
    this.filter = new LocalLaplacianPass(device, res, levels, `${label}.filter`);
    this.guideReduce = new PyramidReducePass(device, `${label}.guide-reduce`);
    this.workReduce = new PyramidReducePass(device, `${label}.work-reduce`);
    this.collapse = new PyramidExpandPass(device, res, `${label}.collapse`);
    this.coarseFilter = new LocalLaplacianPass(device, res, levels, `${label}.coarse-filter`);
    this.coarseReduce = new PyramidReducePass(device, `${label}.coarse-reduce`);
    this.coarseWorkReduce = new PyramidReducePass(device, `${label}.coarse-work-reduce`);
    this.coarseCollapse = new PyramidExpandPass(device, res, `${label}.coarse-collapse`);
    this.setParams({ detail: 0, range: 0 });
  }

  /** As LocalDetail.setParams; a change makes the next prepare() redo its sweeps. */
  setParams(p: LocalDetailParams): void {
    const { alpha, beta } = remapCoefficients(p);
    const floor = p.floor ?? LOG_FLOOR;
    const key = `${alpha} ${beta} ${floor}`;
    if (key === this.key) return;
    this.key = key;
    this.identity = isIdentity(p);
    this.filter.setParams(alpha, beta);
    this.coarseFilter.setParams(alpha, beta);
    this.io.setFloor(floor);
    this.dirty = true;
  }

  /** The source changed: the next prepare() redoes its sweeps. */
  invalidate(): void {
    this.dirty = true;
  }

  /** The identity settings, or an image one pixel wide or high (as LocalDetail). */
  private get passThrough(): boolean {
    return this.identity || this.depth < 2;
  }

  /** Concurrent calls share one run; a change made while it runs (setParams, invalidate) makes it run again. */
  prepare(): Promise<void> {
    this.preparing ??= this.prepareOnce().finally(() => {
      this.preparing = null;
    });
    return this.preparing;
  }

  private async prepareOnce(): Promise<void> {
    await this.source.prepare();
    while (this.dirty) {
      this.dirty = false;
      this.releaseCoarse();
      if (this.passThrough) continue;
      await this.sweepStatistics();
      this.rF = await this.sweepCoarse();
    }
  }

  async produce(rect: Rect): Promise<GPUTexture> {
    if (isEmpty(rect) || !contains(imageRect(this), rect)) throw new Error(`tiled-local-detail: rect ${rect.x},${rect.y} ${rect.width}×${rect.height} is outside the ${this.width}×${this.height} image`);
    await this.prepare();
    if (this.passThrough) return this.source.produce(rect);
    const rF = this.rF!;
    const read = this.readRect(rect);
    const src = await this.source.produce(read);
    const t = this.bindTile(src);
    const g = this.granularity;
    const out = this.res.texture({ label: 'tiled-local-detail.out', size: [rect.width, rect.height], format: 'rgba32float', usage: regionUsage() });
    const encoder = this.device.createCommandEncoder({ label: 'tiled-local-detail.produce' });
    this.io.encodeLuminance(encoder);
    this.guideReduce.encode(encoder);
    for (const b of t.bands.slice(0, -1)) encoder.clearBuffer(b);
    encoder.copyTextureToTexture({ texture: rF, origin: [read.x / g, read.y / g, 0] }, { texture: t.top }, [t.top.width, t.top.height, 1]);
    const [w1, h1] = [t.work[1]!.width, t.work[1]!.height];
    for (let k = 0; k < this.filter.groupCount; k++) {
      this.filter.encodeRemap(encoder, k);
      this.workReduce.encode(encoder);
      encoder.copyTextureToTexture({ texture: t.work[1]! }, { texture: t.kept, origin: [0, 0, k] }, [w1, h1, 1]);
      this.filter.encodeAccumulate(encoder, k);
    }
    this.filter.encodeTop(encoder);
    this.collapse.encode(encoder);
    this.filter.encodeFinish(encoder);
    encoder.copyTextureToTexture({ texture: t.dst, origin: [rect.x - read.x, rect.y - read.y, 0] }, { texture: out }, [rect.width, rect.height, 1]);
    this.device.queue.submit([encoder.finish()]);
    this.res.release(src);
    return out;
  }

  /** Frees every size-dependent texture and buffer (the passes' small buffers go with Resources.destroyAll()). */
  release(): void {
    this.releaseTile();
    this.releaseCoarse();
    this.dirty = true;
  }

  /** What a tile reads for `rect`: its edges moved out to multiples of 2^F, grown by the halo, clamped; the origin a multiple of 2^F. */
  readRect(rect: Rect): Rect {
    const g = this.granularity;
    const x0 = Math.floor(rect.x / g) * g;
    const y0 = Math.floor(rect.y / g) * g;
    const aligned = { x: x0, y: y0, width: Math.ceil((rect.x + rect.width) / g) * g - x0, height: Math.ceil((rect.y + rect.height) / g) * g - y0 };
    const r = clampTo(grow(aligned, this.halo), this);
    const x = Math.floor(r.x / g) * g;
    const y = Math.floor(r.y / g) * g;
    return { x, y, width: r.x + r.width - x, height: r.y + r.height - y };
  }

  /** The prepare sweeps' tiles (cores partition the image, multiples of 2^F). */
  private cores(): Rect[] {
    return tileGrid(this.width, this.height, this.tileCore, this.tileCore, this.halo, this.granularity).tiles.map((t) => t.core);
  }

  /** Sweep 1: the extremes of I over every core, then the grid, into io.grid. */
  private async sweepStatistics(): Promise<void> {
    const scratch = this.res.texture({ label: 'tiled-local-detail.stats', size: [Math.min(this.tileCore, this.width), Math.min(this.tileCore, this.height)], format: 'rgba32float', usage: LEVEL_USAGE() });
    let first = true;
    try {
      for (const core of this.cores()) {
        const src = await this.source.produce(core);
        this.io.bind(src, scratch, scratch);
        const encoder = this.device.createCommandEncoder({ label: 'tiled-local-detail.stats' });
        if (first) this.io.encodeClearExtremes(encoder);
        first = false;
        this.io.encodeLuminance(encoder);
        this.device.queue.submit([encoder.finish()]);
        this.res.release(src);
      }
      const encoder = this.device.createCommandEncoder({ label: 'tiled-local-detail.grid' });
      this.io.encodeGrid(encoder);
      this.device.queue.submit([encoder.finish()]);
    } finally {
      this.res.release(scratch);
    }
  }

  /** Sweeps 2 and 3: the whole-image level-F Gaussians from the tiles, then the coarse filter; returns R_F. */
  private async sweepCoarse(): Promise<GPUTexture> {
    const F = this.fineLevels;
    const g = this.granularity;
    const groups = this.filter.groupCount;
    const sizes = pyramidSizes(this.width, this.height, this.depth).slice(F);
    const [wF, hF] = sizes[0]!;
    const level = (name: string) => (s: [number, number], l: number) => this.res.texture({ label: `tiled-local-detail.coarse-${name}${l}`, size: s, format: 'rgba32float', usage: LEVEL_USAGE() });
    const guide = sizes.map(level('guide'));
    const work = sizes.map(level('work'));
    const bands = sizes.map(([w, h], l) => this.res.buffer({ label: `tiled-local-detail.coarse-band${l}`, size: w * h * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST }));
    const remapped = this.res.texture({ label: 'tiled-local-detail.coarse-remapped', size: [wF, hF, groups], format: 'rgba32float', usage: GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST });
    try {
      for (const core of this.cores()) {
        const read = this.readRect(core);
        const src = await this.source.produce(read);
        const t = this.bindTile(src);
        const c = toLevel(core, F);
        const from = { x: c.x - read.x / g, y: c.y - read.y / g };
        const encoder = this.device.createCommandEncoder({ label: 'tiled-local-detail.level' });
        this.io.encodeLuminance(encoder);
        this.guideReduce.encode(encoder);
        encoder.copyTextureToTexture({ texture: t.guide[F]!, origin: [from.x, from.y, 0] }, { texture: guide[0]!, origin: [c.x, c.y, 0] }, [c.width, c.height, 1]);
        for (let k = 0; k < groups; k++) {
          this.filter.encodeRemap(encoder, k);
          this.workReduce.encode(encoder);
          encoder.copyTextureToTexture({ texture: t.work[F]!, origin: [from.x, from.y, 0] }, { texture: remapped, origin: [c.x, c.y, k] }, [c.width, c.height, 1]);
        }
        this.device.queue.submit([encoder.finish()]);
        this.res.release(src);
      }
      this.releaseTile();
      // A one-level coarse pyramid is its own top band: R_F = G_F[I].
      if (sizes.length < 2) return guide.shift()!;
      this.coarseReduce.bind(guide);
      this.coarseFilter.bind({ grid: this.io.grid, guide, work, bands, from: 0 });
      this.coarseCollapse.bind(work, bands);
      this.coarseWorkReduce.bind(work);
      const encoder = this.device.createCommandEncoder({ label: 'tiled-local-detail.coarse' });
      this.coarseReduce.encode(encoder);
      for (const b of bands.slice(0, -1)) encoder.clearBuffer(b);
      for (let k = 0; k < groups; k++) {
        encoder.copyTextureToTexture({ texture: remapped, origin: [0, 0, k] }, { texture: work[0]! }, [wF, hF, 1]);
        this.coarseWorkReduce.encode(encoder);
        this.coarseFilter.encodeAccumulate(encoder, k);
      }
      this.coarseFilter.encodeTop(encoder);
      this.coarseCollapse.encode(encoder);
      this.device.queue.submit([encoder.finish()]);
      return work.shift()!;
    } finally {
      for (const t of [...guide, ...work, remapped]) this.res.release(t);
      for (const b of bands) this.res.release(b);
    }
  }

  /** The tile's levels for src's size (reallocated only on a size change), every pass bound to them and src. */
  private bindTile(src: GPUTexture): TileSet {
    const { width, height } = src;
    let t = this.tile;
    if (!t || t.width !== width || t.height !== height) {
      this.releaseTile();
      const sizes = pyramidSizes(width, height, this.fineLevels + 1);
      const level = (name: string) => (s: [number, number], l: number) => this.res.texture({ label: `tiled-local-detail.${name}${l}`, size: s, format: 'rgba32float', usage: LEVEL_USAGE() });
      const [w1, h1] = sizes[1]!;
      const [wF, hF] = sizes[this.fineLevels]!;
      t = {
        width,
        height,
        guide: sizes.map(level('guide')),
        work: sizes.map(level('work')),
        bands: sizes.slice(1).map(([w, h], i) => this.res.buffer({ label: `tiled-local-detail.band${i + 1}`, size: w * h * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST })),
        kept: this.res.texture({ label: 'tiled-local-detail.kept', size: [w1, h1, this.filter.groupCount], format: 'rgba32float', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST }),
        top: this.res.texture({ label: 'tiled-local-detail.top', size: [wF, hF], format: 'rgba32float', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST }),
        dst: this.res.texture({ label: 'tiled-local-detail.dst', size: [width, height], format: 'rgba32float', usage: LEVEL_USAGE() }),
      };
      this.tile = t;
      this.guideReduce.bind(t.guide);
      this.workReduce.bind(t.work);
      this.collapse.bind(t.work.slice(1), t.bands);
    }
    this.io.bind(src, t.guide[0]!, t.dst);
    this.filter.bind({ grid: this.io.grid, guide: t.guide, work: t.work, bands: t.bands, top: t.top, kept: t.kept, src, dst: t.dst });
    return t;
  }

  private releaseTile(): void {
    const t = this.tile;
    if (!t) return;
    for (const x of [...t.guide, ...t.work, t.kept, t.top, t.dst]) this.res.release(x);
    for (const b of t.bands) this.res.release(b);
    this.tile = null;
  }

  private releaseCoarse(): void {
    this.res.release(this.rF);
    this.rF = null;
  }
}
