// Exposure fusion (fusion.ts) evaluated by tile, equal to the whole-image
// fusion, for images larger than a texture may be (up to 200 MP; the GPU's
// side limit is 8192). The footprint maths and its CPU proof are in
// graph/tiled-pyramid.ts: levels 0..F−1 of the pyramids run per tile, level F
// and coarser once on the whole image at 1/2^F size.
//  prepare(): pass 1 sweeps a tile grid; each tile uploads the brackets it
//    reads (needsForLevel and needsForBlend), computes the weights, reduces
//    every bracket's (rgb, weight) to level F, copies the level-F pixels
//    under its core into whole-image level-F images G^k_F (one layer per
//    bracket), and blends the fine bands 0..F−1 over brackets; the bands
//    under its core are copied into whole-image bands (≈ 21 B/px) kept on
//    the GPU where the budget leaves room beside pass 1 (options.gpuRoom),
//    else read back into CPU memory (up to MAX_KEPT_BYTES). The coarse fusion (Gaussian levels
//    F..top of each G^k_F, blended, collapsed down to F) gives R_F, the only
//    whole-image texture kept.
//  produce(rect): pass 2; over the rect's read rectangle (needsForBlend) the
//    kept fine bands are uploaded, band F seeded from the R_F crop
//    (fusion-seed), collapsed to level 0, and the rect copied out. Where no
//    bands are kept (too big, or the host would not give the memory), the
//    rectangle's brackets are uploaded and the weights, levels 0..F and fine
//    bands made again, as pass 1 made them. After collapseInPlace() (bands on
//    the GPU), each rect's result also overwrites band 0 under it, and once
//    rects covering the image are made, band 0 is the whole result
//    (takeResult: a keep with no second full-size image, graph/tiled-image.ts).
// Blending in pass 1 is what keeps the tiled fusion near the whole-image
// one's cost (issue 15: tiling within +15 %): pass 2 only collapses.
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
import { clampTo, contains, grow, intersect, isEmpty, levelSize, toLevel, union, type Rect, type Size } from '../graph/region';
import { regionUsage, type BracketSource, type RegionSource } from '../graph/region-source';
import { needsForBlend, needsForLevel, pyramidGranularity } from '../graph/tiled-pyramid';
import { tileGrid } from '../graph/tiles';
import { DEFAULT_TILE_CORE, defaultFineLevels, FUSION_WEIGHT_HALO, tiledFusionPassOneBytes } from './tiled-fusion-size';
import type { Resources } from '../gpu/resources';
import { defaultParams, uniformValues, type Params } from '../params';
import { MAX_KEPT_BYTES } from '../graph/radiance-cache';
import { FineBands, fineBandBytes, type BandTile } from './fine-bands';

export interface TiledFusionOptions {
  /** F, the levels run per tile (levels 0..F−1); default defaultFineLevels(W, H). */
  readonly fineLevels?: number;
  /**
   * prepare()'s tile core side in pixels, rounded up to a multiple of 2^F;
   * default DEFAULT_TILE_CORE. A function is asked at each prepare() (the
   * room it has depends on what is alive then).
   */
  readonly tileCore?: number | (() => number);
  /** The most bytes of CPU memory the fine bands may be kept in (default MAX_KEPT_BYTES; 0: never kept). */
  readonly keptBytes?: number;
  /**
   * The GPU memory the budget leaves now (asked at each prepare()): where the
   * fine bands fit in it beside what pass 1 needs (tiledFusionPassOneBytes) and one
   * buffer each, they are kept on the GPU instead (no read-back, no upload).
   * Default: never.
   */
  readonly gpuRoom?: () => number;
  /**
   * Tests only: prepare()'s read rectangles (pass 1) and produce()'s (pass 2)
   * are the core or rect grown by this many pixels instead of what the
   * footprints need; too small, the result differs.
   */
  readonly halo?: { readonly prepare?: number; readonly produce?: number };
}

/** One tile's textures and buffers: brackets over `read`, the weight sum, levels 0..F and (pass 2) bands 0..F. */
interface TileWork extends BandTile {
  /** The brackets and the weight sum (null in a tile that only collapses kept bands). */
  readonly brackets: GPUTexture | null;
  readonly weightSum: GPUBuffer | null;
  readonly levels: GPUTexture[];
}

export class TiledFusion implements RegionSource {
  readonly width: number;
  readonly height: number;
  /** F: levels 0..F−1 per tile, F and coarser from the whole image. */
  readonly fineLevels: number;
  /** prepare()'s tile core side. */
  private readonly coreSide: () => number;
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
  /** The blended fine bands 0..F−1 of the whole image (rgba f32, level l's size), kept by prepare(); null where not. */
  private bands: FineBands | null = null;
  /** Pass 2 in place (collapseInPlace): the rects whose result band 0 now holds. */
  private inPlace: Rect[] | null = null;

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
    this.coreSide = () => {
      const side = typeof core === 'function' ? core() : core;
      if (!(Number.isInteger(side) && side >= 1)) throw new Error(`TiledFusion: tileCore ${side} must be an integer >= 1`);
      return Math.ceil(side / this.granularity) * this.granularity;
    };
    if (typeof core === 'number') this.coreSide();
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

  /** The fusion weights' exponents (as Fusion.setParams); a change makes the next prepare() redo its work. Returns whether they changed. */
  setParams(params: Params): boolean {
    const values = uniformValues('fusion', params);
    const key = JSON.stringify(values);
    if (key === this.weightKey) return false;
    this.weightKey = key;
    this.weights.setParams(params);
    return true;
  }

  /** The bytes the fine bands take where prepare() keeps them (on the GPU or in CPU memory). */
  get bandBytes(): number {
    return fineBandBytes(this, this.fineLevels);
  }

  /** Let the kept fine bands go (what they made is kept elsewhere): produce() then makes them again from the brackets. */
  dropBands(): void {
    this.bands?.release();
    this.bands = null;
    this.inPlace = null;
  }

  /**
   * Where the bands are kept on the GPU, start pass 2 in place: from now each
   * produce() of a rect that meets none made before also writes its result
   * over band 0 there (a rect that does is made from the brackets). Returns
   * false where the bands are not on the GPU. End with takeResult().
   */
  collapseInPlace(): boolean {
    if (this.bands?.where !== 'gpu') return false;
    this.inPlace = [];
    return true;
  }

  /**
   * End pass 2 in place: band 0's buffer (image-sized, row-major, one vec4f
   * per pixel), handed over, where the rects produced since
   * collapseInPlace() covered the image; else null. The bands go either way.
   */
  takeResult(): GPUBuffer | null {
    const whole = this.inPlace !== null && this.inPlace.reduce((s, r) => s + r.width * r.height, 0) === this.width * this.height;
    const result = whole ? this.bands!.takeLevel0() : null;
    this.dropBands();
    return result;
  }

  /** Where the fine bands are kept: 'gpu', 'cpu', or null (not kept, or not prepared). */
  get bandsKept(): 'gpu' | 'cpu' | null {
    return this.bands?.where ?? null;
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
    this.dropBands();
    const { count } = this.brackets;
    const g = this.granularity;
    const F = this.fineLevels;
    const gpuRoom = (this.options.gpuRoom?.() ?? 0) - tiledFusionPassOneBytes(this, count, this.brackets.wide, F);
    const bands = FineBands.allocate(this.device, this.res, this, this.fineLevels, this.options.keptBytes ?? MAX_KEPT_BYTES, gpuRoom);
    let held: GPUTexture | null = null;
    try {
      // Sized beside the bands, before the level-F images: the tile room counts those as its whole-image part.
      const side = this.coreSide();
      const levelF = (held = this.res.texture({
        label: 'tiled-fusion.levelF',
        size: [this.sizeF.width, this.sizeF.height, count],
        format: 'rgba32float',
        usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST | GPUTextureUsage.COPY_SRC,
      }));
      for (const { core } of tileGrid(this.width, this.height, side, side, 0, g).tiles) {
        const coreF = clampTo(toLevel(core, F), this.sizeF);
        const need = needsForLevel(coreF, F, FUSION_WEIGHT_HALO, this).input;
        const work = this.tile(this.readRect(bands ? union(need, needsForBlend(core, F, FUSION_WEIGHT_HALO, this).input) : need, core, this.options.halo?.prepare), !!bands);
        try {
          const encoder = this.device.createCommandEncoder({ label: 'tiled-fusion.reduce' });
          if (bands) {
            this.blend.bind(work.levels, work.bands, F);
            for (const b of work.bands.slice(0, F)) encoder.clearBuffer(b);
          }
          this.weights.encodeSum(encoder);
          const from = { x: coreF.x - work.read.x / g, y: coreF.y - work.read.y / g };
          for (let k = 0; k < count; k++) {
            this.weights.encodeBracket(encoder, k);
            this.reduce.encode(encoder);
            encoder.copyTextureToTexture({ texture: work.levels[F]!, origin: [from.x, from.y, 0] }, { texture: levelF, origin: [coreF.x, coreF.y, k] }, [coreF.width, coreF.height, 1]);
            if (bands) this.blend.encode(encoder);
          }
          bands?.encodeKeep(encoder, work, core);
          this.device.queue.submit([encoder.finish()]);
          await bands?.readKeep(work, core);
        } finally {
          this.releaseTile(work);
        }
        // One tile in flight: what a tile held is freed before the next allocates.
        await this.device.queue.onSubmittedWorkDone();
      }
      this.coarse = this.coarseFusion(levelF);
      this.bands = bands;
      this.preparedKey = this.weightKey;
    } catch (err) {
      bands?.release();
      throw err;
    } finally {
      this.res.release(held);
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
    // In place, a rect meeting one made before finds band 0 overwritten there: made from the brackets, not stored.
    const store = this.inPlace !== null && this.inPlace.every((d) => isEmpty(intersect(d, rect)));
    const kept = this.inPlace && !store ? null : this.bands;
    const read = this.readRect(needsForBlend(rect, F, FUSION_WEIGHT_HALO, this).input, rect, this.options.halo?.produce);
    const work = kept ? this.collapseTile(read) : this.tile(read, true);
    const out = this.res.texture({ label: 'tiled-fusion.out', size: [rect.width, rect.height], format: 'rgba32float', usage: regionUsage() });
    try {
      const top = work.levels[F]!;
      this.seed.bind(this.coarse!, { x: work.read.x / g, y: work.read.y / g, width: top.width, height: top.height }, work.bands[F]!);
      this.collapse.bind(work.levels, work.bands);
      const encoder = this.device.createCommandEncoder({ label: 'tiled-fusion.blend' });
      if (kept) kept.upload(work, encoder);
      else {
        this.blend.bind(work.levels, work.bands, F);
        for (const b of work.bands.slice(0, F)) encoder.clearBuffer(b);
        this.weights.encodeSum(encoder);
        for (let k = 0; k < this.brackets.count; k++) {
          this.weights.encodeBracket(encoder, k);
          this.reduce.encode(encoder);
          this.blend.encode(encoder);
        }
      }
      this.seed.encode(encoder);
      this.collapse.encode(encoder);
      encoder.copyTextureToTexture({ texture: work.levels[0]!, origin: [rect.x - work.read.x, rect.y - work.read.y, 0] }, { texture: out }, [rect.width, rect.height, 1]);
      if (store) kept!.encodeStore(encoder, work.levels[0]!, work.read, rect);
      this.device.queue.submit([encoder.finish()]);
      if (store) this.inPlace!.push(rect);
    } catch (err) {
      this.res.release(out);
      throw err;
    } finally {
      // Destroyed textures and buffers live on until the work submitted with them is done.
      this.releaseTile(work);
    }
    return Promise.resolve(out);
  }

  /** R_F and the kept bands go; the passes' own small resources (uniforms, stand-ins) stay with Resources. */
  release(): void {
    this.res.release(this.coarse);
    this.coarse = null;
    this.dropBands();
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
    const brackets = this.brackets.upload(read, 'tiled-fusion.brackets');
    const weightSum = this.res.buffer({ label: 'tiled-fusion.weightSum', size: read.width * read.height * 4, usage: GPUBufferUsage.STORAGE });
    const work = { ...this.levelsOf(read, bands), brackets, weightSum };
    this.weights.bind(brackets, weightSum, work.levels[0]!);
    this.reduce.bind(work.levels);
    return work;
  }

  /** A tile that only collapses kept bands: its levels 0..F and bands, no brackets. */
  private collapseTile(read: Rect): TileWork {
    return { ...this.levelsOf(read, true), brackets: null, weightSum: null };
  }

  /** Levels 0..F over `read` (and with `bands`, bands 0..F). */
  private levelsOf(read: Rect, bands: boolean): Pick<TileWork, 'read' | 'levels' | 'bands'> {
    const sizes = pyramidSizes(read.width, read.height, this.fineLevels + 1);
    return {
      read,
      levels: sizes.map(([w, h], l) =>
        this.res.texture({
          label: `tiled-fusion.level${l}`,
          size: [w, h],
          format: 'rgba32float',
          usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
        }),
      ),
      bands: bands ? sizes.map(([w, h], l) => this.res.buffer({ label: `tiled-fusion.band${l}`, size: w * h * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC })) : [],
    };
  }

  private releaseTile(work: TileWork): void {
    this.res.release(work.brackets);
    this.res.release(work.weightSum);
    for (const t of work.levels) this.res.release(t);
    for (const b of work.bands) this.res.release(b);
  }
}
