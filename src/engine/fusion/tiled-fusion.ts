// Exposure fusion (fusion.ts) evaluated by tile, equal to the whole-image
// fusion, for images larger than a texture may be (up to 200 MP; the GPU's
// side limit is 8192). The footprint maths and its CPU proof are in
// graph/tiled-pyramid.ts: levels 0..F−1 of the pyramids run per tile, level F
// and coarser once on the whole image at 1/2^F size.
//  prepare(): pass 1 sweeps a tile grid; each tile uploads the brackets it
//    reads (needsForLevel), computes the weights, reduces every bracket's
//    (rgb, weight) to level F and copies the level-F pixels under its core
//    into whole-image level-F images G^k_F (one layer per bracket). The
//    coarse fusion (Gaussian levels F..top of each G^k_F, blended, collapsed
//    down to F) gives R_F, the only whole-image texture kept.
//  produce(rect): pass 2; the rect's read rectangle (needsForBlend) is
//    uploaded, weights and levels 0..F rebuilt, the fine bands 0..F−1 blended
//    over brackets, band F seeded from the R_F crop (fusion-seed), collapsed
//    to level 0, and the rect copied out.
// Read origins sit on multiples of 2^F, so every level of a tile samples the
// grid of the whole image's level and, the halo given, every pixel a core
// uses is computed from the same texels in the same order: the result equals
// the untiled one. No deghosting weights here (ghost = null).
import { FusionBlendPass } from './passes/fusion-blend';
import { FusionSeedPass } from './passes/fusion-seed';
import { FusionWeightsPass } from './passes/fusion-weights';
import { PyramidExpandPass } from '../pyramid/passes/pyramid-expand';
import { PyramidReducePass } from '../pyramid/passes/pyramid-reduce';
import { pyramidLevelCount, pyramidSizes } from '../pyramid/pyramid';
import { clampTo, contains, grow, isEmpty, levelSize, toLevel, type Rect, type Size } from '../graph/region';
import { regionUsage, type BracketSource, type RegionSource } from '../graph/region-source';
import { needsForBlend, needsForLevel, pyramidGranularity, pyramidTileHalo } from '../graph/tiled-pyramid';
import { tileGrid } from '../graph/tiles';
import type { Resources } from '../gpu/resources';
import { defaultParams, uniformValues, type Params } from '../params';

/** The weights read each pixel's 4-neighbours (the contrast measure): the per-pixel stage ahead of the pyramid has a halo of 1. */
export const FUSION_WEIGHT_HALO = 1;
/** The default F keeps the whole-image level-F images at most this many pixels on a side. */
export const COARSE_SIDE = 1024;
/** prepare()'s default tile core side (rounded up to 2^F). */
export const DEFAULT_TILE_CORE = 1024;

/**
 * The default fine-level count F: the smallest F >= 1 with max(W, H) / 2^F <=
 * COARSE_SIDE, at most pyramidLevelCount − 1 (the coarse part keeps at least
 * the top level). Why the smallest: the halo grows as 2^(F+1) (15 px at F = 2,
 * 127 at F = 5), so each tile re-reads less; why <= 1024 a side: the
 * whole-image part (count level-F images of 16 B/px while prepare() runs, R_F
 * after) stays at most count × 16 MiB, far below the 8192 side limit, for any
 * image up to 1024·2^F on a side (a 200 MP 17320×11547 frame gets F = 5:
 * 542×361 at level 5).
 */
export function defaultFineLevels(width: number, height: number): number {
  const top = pyramidLevelCount(width, height) - 1;
  let f = 1;
  while (f < top && Math.max(width, height) / 2 ** f > COARSE_SIDE) f++;
  return f;
}

/** Bytes per pixel of a rgba32float level, and the sum over levels 0..F of 4^−l (each level a quarter of the one below). */
const TEXEL = 16;
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

export interface TiledFusionOptions {
  /** F, the levels run per tile (levels 0..F−1); default defaultFineLevels(W, H). */
  readonly fineLevels?: number;
  /** prepare()'s tile core side in pixels, rounded up to a multiple of 2^F; default DEFAULT_TILE_CORE. */
  readonly tileCore?: number;
  /**
   * Tests only: prepare()'s read rectangles (pass 1) and produce()'s (pass 2)
   * are the core or rect grown by this many pixels instead of what the
   * footprints need; too small, the result differs.
   */
  readonly halo?: { readonly prepare?: number; readonly produce?: number };
}

/** One tile's textures and buffers: brackets over `read`, the weight sum, levels 0..F and (pass 2) bands 0..F. */
interface TileWork {
  readonly read: Rect;
  readonly brackets: GPUTexture;
  readonly weightSum: GPUBuffer;
  readonly levels: GPUTexture[];
  readonly bands: GPUBuffer[];
}

export class TiledFusion implements RegionSource {
  readonly width: number;
  readonly height: number;
  /** F: levels 0..F−1 per tile, F and coarser from the whole image. */
  readonly fineLevels: number;
  /** prepare()'s tile core side. */
  readonly tileCore: number;
  private readonly granularity: number;
  private readonly sizeF: Size;
  private readonly weights: FusionWeightsPass;
  private readonly reduce: PyramidReducePass;
  private readonly blend: FusionBlendPass;
  private readonly collapse: PyramidExpandPass;
  private readonly seed: FusionSeedPass;
  /** R_F: the whole-image fusion collapsed down to level F (null until prepare()). */
  private coarse: GPUTexture | null = null;
  /** The fusion uniforms R_F was made with (JSON), to tell a change. */
  private weightKey = '';
  private preparedKey: string | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    private readonly brackets: BracketSource,
    private readonly options: TiledFusionOptions = {},
  ) {
    this.width = brackets.width;
    this.height = brackets.height;
    const top = pyramidLevelCount(this.width, this.height) - 1;
    if (top < 1) throw new Error(`TiledFusion: a ${this.width}×${this.height} image has a one-level pyramid; nothing to tile`);
    this.fineLevels = options.fineLevels ?? defaultFineLevels(this.width, this.height);
    if (!(Number.isInteger(this.fineLevels) && this.fineLevels >= 1 && this.fineLevels <= top)) {
      throw new Error(`TiledFusion: fineLevels ${this.fineLevels} must be an integer in 1..${top} for ${this.width}×${this.height}`);
    }
    this.granularity = pyramidGranularity(this.fineLevels);
    this.sizeF = levelSize(this, this.fineLevels);
    const limit = device.limits.maxTextureDimension2D;
    if (this.sizeF.width > limit || this.sizeF.height > limit) {
      throw new Error(`TiledFusion: level ${this.fineLevels} is ${this.sizeF.width}×${this.sizeF.height}, more than the GPU's ${limit} px a side; use more fine levels`);
    }
    const core = options.tileCore ?? DEFAULT_TILE_CORE;
    if (!(Number.isInteger(core) && core >= 1)) throw new Error(`TiledFusion: tileCore ${core} must be an integer >= 1`);
    this.tileCore = Math.ceil(core / this.granularity) * this.granularity;
    for (const h of [options.halo?.prepare, options.halo?.produce]) {
      if (h !== undefined && !(Number.isInteger(h) && h >= 0)) throw new Error(`TiledFusion: halo ${h} must be an integer >= 0`);
    }
    this.weights = new FusionWeightsPass(device, res);
    this.reduce = new PyramidReducePass(device, 'tiled-fusion.reduce');
    this.blend = new FusionBlendPass(device);
    this.collapse = new PyramidExpandPass(device, res, 'tiled-fusion.collapse');
    this.seed = new FusionSeedPass(device, res);
    this.setParams(defaultParams());
  }

  /** The fusion weights' exponents (as Fusion.setParams); a change makes the next prepare() redo its work. */
  setParams(params: Params): void {
    const values = uniformValues('fusion', params);
    const key = JSON.stringify(values);
    if (key === this.weightKey) return;
    this.weightKey = key;
    this.weights.setParams(params);
  }

  /** Whether produce() may run: prepare() has run with the current params. */
  get prepared(): boolean {
    return this.coarse !== null && this.preparedKey === this.weightKey;
  }

  /** Pass 1 over the tile grid, then the coarse fusion of the level-F images into R_F; a no-op when nothing changed. */
  async prepare(): Promise<void> {
    if (this.prepared) return;
    this.res.release(this.coarse);
    this.coarse = null;
    const { count } = this.brackets;
    const g = this.granularity;
    const levelF = this.res.texture({
      label: 'tiled-fusion.levelF',
      size: [this.sizeF.width, this.sizeF.height, count],
      format: 'rgba32float',
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST | GPUTextureUsage.COPY_SRC,
    });
    try {
      for (const { core } of tileGrid(this.width, this.height, this.tileCore, this.tileCore, 0, g).tiles) {
        const coreF = clampTo(toLevel(core, this.fineLevels), this.sizeF);
        const work = this.tile(this.readRect(needsForLevel(coreF, this.fineLevels, FUSION_WEIGHT_HALO, this).input, core, this.options.halo?.prepare), false);
        const encoder = this.device.createCommandEncoder({ label: 'tiled-fusion.reduce' });
        this.weights.encodeSum(encoder);
        const from = { x: coreF.x - work.read.x / g, y: coreF.y - work.read.y / g };
        for (let k = 0; k < count; k++) {
          this.weights.encodeBracket(encoder, k);
          this.reduce.encode(encoder);
          encoder.copyTextureToTexture({ texture: work.levels[this.fineLevels]!, origin: [from.x, from.y, 0] }, { texture: levelF, origin: [coreF.x, coreF.y, k] }, [coreF.width, coreF.height, 1]);
        }
        this.device.queue.submit([encoder.finish()]);
        this.releaseTile(work);
        // One tile in flight: what a tile held is freed before the next allocates.
        await this.device.queue.onSubmittedWorkDone();
      }
      this.coarse = this.coarseFusion(levelF);
      this.preparedKey = this.weightKey;
    } finally {
      this.res.release(levelF);
    }
    await this.device.queue.onSubmittedWorkDone();
  }

  /** Levels F..top of each bracket's G^k_F, blended and collapsed down to F: R_F (rgba32float, level F's size). */
  private coarseFusion(levelF: GPUTexture): GPUTexture {
    const sizes = pyramidSizes(this.sizeF.width, this.sizeF.height, pyramidLevelCount(this.width, this.height) - this.fineLevels);
    const levels = sizes.map(([w, h], l) =>
      this.res.texture({
        label: `tiled-fusion.coarse${l}`,
        size: [w, h],
        format: 'rgba32float',
        usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
      }),
    );
    const bands = sizes.map(([w, h], l) => this.res.buffer({ label: `tiled-fusion.coarseBand${l}`, size: w * h * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST }));
    this.reduce.bind(levels);
    this.blend.bind(levels, bands);
    this.collapse.bind(levels, bands);
    const encoder = this.device.createCommandEncoder({ label: 'tiled-fusion.coarse' });
    for (const b of bands) encoder.clearBuffer(b);
    for (let k = 0; k < this.brackets.count; k++) {
      encoder.copyTextureToTexture({ texture: levelF, origin: [0, 0, k] }, { texture: levels[0]! }, [this.sizeF.width, this.sizeF.height, 1]);
      this.reduce.encode(encoder);
      this.blend.encode(encoder);
    }
    this.collapse.encode(encoder);
    this.device.queue.submit([encoder.finish()]);
    for (const t of levels.slice(1)) this.res.release(t);
    for (const b of bands) this.res.release(b);
    return levels[0]!;
  }

  /**
   * Pass 2: the fused image over `rect` (inside the image, any origin), a new
   * rect-sized rgba32float texture (regionUsage()); the caller releases it.
   * The work reads rect grown by up to tiledFusionFootprint's halo (its origin
   * aligned down to 2^F): keep rects small enough for that to fit the budget.
   */
  produce(rect: Rect): Promise<GPUTexture> {
    if (isEmpty(rect) || !contains({ x: 0, y: 0, width: this.width, height: this.height }, rect)) {
      return Promise.reject(new Error(`TiledFusion: rect ${rect.x},${rect.y} ${rect.width}×${rect.height} is outside the ${this.width}×${this.height} image`));
    }
    if (!this.prepared) return Promise.reject(new Error('TiledFusion: prepare() has not run since the params changed'));
    const F = this.fineLevels;
    const g = this.granularity;
    const work = this.tile(this.readRect(needsForBlend(rect, F, FUSION_WEIGHT_HALO, this).input, rect, this.options.halo?.produce), true);
    const out = this.res.texture({ label: 'tiled-fusion.out', size: [rect.width, rect.height], format: 'rgba32float', usage: regionUsage() });
    try {
      const top = work.levels[F]!;
      this.blend.bind(work.levels, work.bands, F);
      this.seed.bind(this.coarse!, { x: work.read.x / g, y: work.read.y / g, width: top.width, height: top.height }, work.bands[F]!);
      this.collapse.bind(work.levels, work.bands);
      const encoder = this.device.createCommandEncoder({ label: 'tiled-fusion.blend' });
      for (const b of work.bands.slice(0, F)) encoder.clearBuffer(b);
      this.weights.encodeSum(encoder);
      for (let k = 0; k < this.brackets.count; k++) {
        this.weights.encodeBracket(encoder, k);
        this.reduce.encode(encoder);
        this.blend.encode(encoder);
      }
      this.seed.encode(encoder);
      this.collapse.encode(encoder);
      encoder.copyTextureToTexture({ texture: work.levels[0]!, origin: [rect.x - work.read.x, rect.y - work.read.y, 0] }, { texture: out }, [rect.width, rect.height, 1]);
      this.device.queue.submit([encoder.finish()]);
    } catch (err) {
      this.res.release(out);
      throw err;
    } finally {
      // Destroyed textures and buffers live on until the work submitted with them is done.
      this.releaseTile(work);
    }
    return Promise.resolve(out);
  }

  /** R_F goes; the passes' own small resources (uniforms, stand-ins) stay with Resources. */
  release(): void {
    this.res.release(this.coarse);
    this.coarse = null;
    this.preparedKey = null;
  }

  /** What a tile reads for `need` around `core`: need (or core grown by a test's halo), origin aligned down to 2^F. */
  private readRect(need: Rect, core: Rect, halo: number | undefined): Rect {
    const r = halo === undefined ? need : clampTo(grow(core, halo), this);
    const g = this.granularity;
    const x = Math.floor(r.x / g) * g;
    const y = Math.floor(r.y / g) * g;
    return { x, y, width: r.x + r.width - x, height: r.y + r.height - y };
  }

  /** Upload the brackets over `read`, allocate its levels 0..F (and bands with `bands`), bind the weights and the reduce. */
  private tile(read: Rect, bands: boolean): TileWork {
    const sizes = pyramidSizes(read.width, read.height, this.fineLevels + 1);
    const work: TileWork = {
      read,
      brackets: this.brackets.upload(read, 'tiled-fusion.brackets'),
      weightSum: this.res.buffer({ label: 'tiled-fusion.weightSum', size: read.width * read.height * 4, usage: GPUBufferUsage.STORAGE }),
      levels: sizes.map(([w, h], l) =>
        this.res.texture({
          label: `tiled-fusion.level${l}`,
          size: [w, h],
          format: 'rgba32float',
          usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
        }),
      ),
      bands: bands ? sizes.map(([w, h], l) => this.res.buffer({ label: `tiled-fusion.band${l}`, size: w * h * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST })) : [],
    };
    this.weights.bind(work.brackets, work.weightSum, work.levels[0]!, null);
    this.reduce.bind(work.levels);
    return work;
  }

  private releaseTile(work: TileWork): void {
    this.res.release(work.brackets);
    this.res.release(work.weightSum);
    for (const t of work.levels) this.res.release(t);
    for (const b of work.bands) this.res.release(b);
  }
}
