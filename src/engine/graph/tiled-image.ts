// Full-size work tile by tile (issue 15, "Evaluation by region and by tile"):
// the operators that tile (merge, fusion, local detail) chained as region
// sources over the brackets kept in CPU memory, a tile plan that fits the GPU
// memory budget, the luminance statistics reduced across tiles, and a
// rectangle of the finished image assembled from tiles. The pipeline uses it
// for what does not fit one texture or the budget: exports, radiance reads
// and the zoomed view of a big image; the interactive graph then runs on a
// proxy of the set (graph/proxy.ts).
//
//   brackets (CPU) ─ MergeRegion ─ RadianceCache ─┐
//   radiance file (CPU) ─ FloatImage ─────────────┼─ [TiledLocalDetail] ─ tile ─ tone map ─ curve (graph/export.ts)
//   brackets (CPU) ─ TiledFusion ─ RadianceCache ─┘
//
// The statistics sweep records the merge into its RadianceCache, and the
// settled fusion's sweep (sweepFusion) the fusion into its own; each then
// serves every later tile until its inputs change. Both sweeps can also
// write the proxy (graph/proxy-writer.ts), so tile cores start on multiples
// of the proxy's k.
//
// Each source reads its tile grown by its own footprint, so the plan's cores
// partition the image and the tiles meet without seams. Alignment and
// deghosting are not applied here (both are whole-image estimates today).
import { MergeRegion } from '../merge/merge-region';
import { TiledFusion } from '../fusion/tiled-fusion';
import { tiledFusionCoarseBytes, tiledFusionFootprint } from '../fusion/tiled-fusion-size';
import { TiledLocalDetail, defaultFineLevels as detailFineLevels } from '../local-detail/tiled-local-detail';
import { isIdentity, type LocalDetailParams } from '../local-detail/reference/local-detail';
import { TiledStats } from '../luminance/tiled-stats';
import type { ResponseLuts } from '../merge/response';
import type { Resources } from '../gpu/resources';
import type { Params } from '../params';
import type { Bracket, FloatImage, LuminanceStats, Mode } from '../types';
import { BracketSource, FloatImageRegion, regionUsage, type RegionSource } from './region-source';
import { intersect, isEmpty, type Rect } from './region';
import { maxBufferBytes, MIN_BUDGET_BYTES, type MemoryLimits } from './budget';
import { planTiles, type TilePlan } from './tiles';
import { MAX_KEPT_BYTES, RadianceCache } from './radiance-cache';
import { ProxyWriter, type ProxyTarget } from './proxy-writer';
import { ProxyDownPass } from '../view/passes/proxy-down';
import { finishFootprint, fusionLevels, type Footprint } from './finish-footprint';

/** A set of brackets or a radiance map, kept in CPU memory. */
export type TiledInput = { readonly brackets: readonly Bracket[] } | { readonly radiance: FloatImage };

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export class TiledImage {
  readonly width: number;
  readonly height: number;
  private readonly brackets: BracketSource | null;
  private readonly merge: MergeRegion | null;
  /** The merge, kept in CPU memory by a statistics sweep (graph/radiance-cache.ts). */
  private readonly merged: RadianceCache | null;
  private readonly radiance: FloatImageRegion | null;
  private fusion: TiledFusion | null = null;
  /** The fusion, kept (on the GPU or in CPU memory) by a sweep of the settled picture (sweepFusion). */
  private fused: RadianceCache | null = null;
  private detail: { mode: Mode; filter: TiledLocalDetail; version: number } | null = null;
  private readonly stats: TiledStats;
  /** Bumped by every change to what the sources produce: a local-detail filter over an older one re-prepares. */
  private changes = 0;
  /** The version the statistics were swept at (-1: never). */
  private statsVersion = -1;
  /** readStats()'s answer (its histogram costs a second sweep) and the statistics version it belongs to. */
  private statsRead: { version: number; stats: Promise<LuminanceStats> } | null = null;
  private params: Params | null = null;
  /** The tile cores of the last eachTile() (instrumentation: graph/debug.ts). */
  lastTiles: readonly Rect[] | null = null;
  /** Box-averages sweeps' tiles into the proxy (made on first use). */
  private proxyDown: ProxyDownPass | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    input: TiledInput,
    /** The GPU memory budget in bytes (graph/budget.ts). */
    public budget: number,
    /** The most CPU memory the merge or the fusion's bands may be kept in (graph/radiance-cache.ts). */
    private readonly keptBytes = MAX_KEPT_BYTES,
    /** Tile cores start on multiples of this (the proxy's k: a sweep can box-average its tiles into the proxy). */
    private readonly grain = 1,
  ) {
    if ('brackets' in input) {
      this.brackets = new BracketSource(device, res, input.brackets);
      this.merge = new MergeRegion(device, res, this.brackets);
      this.merged = new RadianceCache(device, res, this.merge, keptBytes, this.gpuRoom);
      this.radiance = null;
    } else {
      this.brackets = this.merge = this.merged = null;
      this.radiance = new FloatImageRegion(device, res, input.radiance);
    }
    const first = this.brackets ?? this.radiance!;
    this.width = first.width;
    this.height = first.height;
    this.stats = new TiledStats(device, res);
  }

  /** What the GPU memory budget leaves beside what is alive now (a keep takes at most half of it: graph/radiance-cache.ts). */
  private readonly gpuRoom = (): number => this.budget - this.res.counts().bytes;

  private changed(): void {
    this.changes++;
  }

  /** Bumped by every change to what the sources produce (a region made before is stale). */
  get version(): number {
    return this.changes;
  }

  /** A change since the last statistics sweep. */
  get statsStale(): boolean {
    return this.statsVersion !== this.changes;
  }

  setParams(params: Params): void {
    this.params = params;
    if (this.fusion) {
      const before = this.fusion.prepared;
      if (!this.fusion.setParams(params)) return;
      this.fused!.invalidate();
      if (before) this.changed();
    }
  }

  setBlackLevel(black: number): void {
    this.merge?.setBlackLevel(black);
    this.merged?.invalidate();
    this.changed();
  }

  setResponse(luts: ResponseLuts): void {
    this.merge?.setResponse(luts);
    this.merged?.invalidate();
    this.changed();
  }

  setExposures(exposures: readonly number[]): void {
    this.merge?.setExposures(exposures);
    this.merged?.invalidate();
    this.changed();
  }

  /** Merge or fusion, as a region source (fusion made on first use; a radiance map has no fusion). */
  source(mode: Mode): RegionSource {
    if (mode === 'merge' || !this.brackets) return this.merged ?? this.radiance!;
    if (!this.fusion) {
      const { count, wide } = this.brackets;
      const levels = this.fusionLevels();
      // Sized when it prepares: beside what is alive then (a sweep's keep included).
      const core = () => this.coreFor({ ...tiledFusionFootprint(count, wide, levels), fixedBytes: tiledFusionCoarseBytes(this, count, levels) });
      this.fusion = new TiledFusion(this.device, this.res, this.brackets, { fineLevels: levels, tileCore: core, keptBytes: this.keptBytes, gpuRoom: this.gpuRoom });
      if (this.params) this.fusion.setParams(this.params);
      // Recorded while the bands are kept too: both within keptBytes.
      this.fused = new RadianceCache(this.device, this.res, this.fusion, Math.max(0, this.keptBytes - this.fusion.bandBytes), this.gpuRoom);
    }
    return this.fused!;
  }

  /** The source with local detail applied (none for the identity settings). */
  finished(mode: Mode, detail: LocalDetailParams | null): RegionSource {
    const source = this.source(mode);
    if (!detail || isIdentity(detail)) return source;
    if (this.detail?.mode !== mode) {
      this.detail?.filter.release();
      const levels = detailFineLevels(this.width, this.height);
      // Its prepare sweep holds the source's tile beside its own: sized by the chain's footprint.
      const filter = new TiledLocalDetail(this.device, this.res, source, { fineLevels: levels, tileCore: this.coreFor(this.footprint(mode, true)) });
      this.detail = { mode, filter, version: this.changes };
    }
    const d = this.detail;
    if (d.version !== this.changes) {
      d.filter.invalidate();
      d.version = this.changes;
    }
    d.filter.setParams(detail);
    return d.filter;
  }

  private fusionLevels(): number {
    return fusionLevels(this.width, this.height);
  }

  /**
   * A prepare sweep's tile side for this footprint: its tiles within half of
   * what the budget leaves beside what is alive now (the proxy graph's
   * images) and the sweep's whole-image part (at least MIN_BUDGET_BYTES),
   * the other half a margin for what the plan does not count (the tile's
   * result, rounding of level sizes). It runs before the finish's tiles.
   */
  private coreFor(f: Footprint): number {
    const room = Math.max(MIN_BUDGET_BYTES, this.budget - this.res.counts().bytes - f.fixedBytes);
    const side = Math.floor(Math.sqrt(room / 2 / f.bytesPerPixel)) - 2 * f.halo;
    return Math.max(f.granularity, Math.min(2048, Math.floor(side / f.granularity) * f.granularity));
  }

  /** Bytes per read pixel, halo, granularity and whole-image bytes of a finished tile in this mode. */
  footprint(mode: Mode, detail: boolean): Footprint {
    const b = this.brackets;
    return finishFootprint(this.width, this.height, b ? { count: b.count, wide: b.wide } : null, mode, detail);
  }

  /**
   * The tiles of a finished image in this mode within what the budget leaves
   * beside what is alive now (the proxy graph's images; at least
   * MIN_BUDGET_BYTES); throws TilePlanError where none fits.
   */
  plan(mode: Mode, detail: boolean, limits: MemoryLimits): TilePlan {
    const f = this.footprint(mode, detail);
    return planTiles({
      width: this.width,
      height: this.height,
      ...f,
      granularity: (f.granularity * this.grain) / gcd(f.granularity, this.grain),
      budgetBytes: Math.max(MIN_BUDGET_BYTES, this.budget - this.res.counts().bytes),
      maxTextureDimension2D: limits.maxTextureDimension2D,
      planeBytesPerPixel: 16,
      maxBufferBytes: maxBufferBytes(limits),
    });
  }

  /** Tile cores for the statistics sweep (the merge alone). */
  private statsTiles(limits: MemoryLimits): Rect[] {
    return this.plan('merge', false, limits).tiles.map((t) => t.core);
  }

  /** A set of brackets (not a radiance map). */
  get hasBrackets(): boolean {
    return !!this.brackets;
  }

  /** The full-size merge as the last statistics sweep kept it (read-only), or null (none kept, or a radiance map). */
  get mergedImage(): FloatImage | null {
    return this.merged?.image ?? null;
  }

  /** The buffer the statistics sweeps write. */
  get statsOut(): GPUBuffer {
    return this.stats.stats;
  }

  /** The merge's statistics reduced across tiles (swept again after a change), in the tone mapper's layout. */
  async statsBuffer(limits: MemoryLimits): Promise<GPUBuffer> {
    await this.sweepStats(limits, null);
    return this.stats.stats;
  }

  /**
   * Sweep the merge's statistics where stale, box-averaging every merged tile
   * into `proxy` as it goes (graph/proxy-writer.ts). Returns whether the
   * proxy now holds the whole merge (false: nothing was stale, or no proxy).
   */
  async sweepStats(limits: MemoryLimits, proxy: ProxyTarget | null): Promise<boolean> {
    if (!this.statsStale) return false;
    const writer = proxy ? new ProxyWriter(this.source('merge'), (this.proxyDown ??= new ProxyDownPass(this.device, this.res)), proxy) : null;
    const sweep = (tiles: readonly Rect[]) => this.stats.sweep(writer ?? this.source('merge'), tiles);
    const plan = () => this.statsTiles(limits);
    await (this.merged ? this.merged.record(plan, sweep) : sweep(plan()));
    this.statsVersion = this.changes;
    return !!writer?.complete;
  }

  /**
   * Make the whole fusion at full size, tile by tile, box-averaging each tile
   * into `proxy` (graph/proxy-writer.ts) and keeping the tiles where the GPU
   * budget or the host has room (graph/radiance-cache.ts: later tiles, the
   * export's, are then copied, not fused again, and the fine bands go).
   * Returns whether the proxy holds the whole fusion.
   */
  async sweepFusion(limits: MemoryLimits, proxy: ProxyTarget): Promise<boolean> {
    const source = this.source('fusion');
    const down = (this.proxyDown ??= new ProxyDownPass(this.device, this.res));
    const writer = new ProxyWriter(source, down, proxy);
    // Pass 1 first, before any keep takes its room: its bands stay on the GPU where they fit beside it, and its tiles
    // are sized from what the budget leaves (larger tiles make less halo twice: with the bands in CPU memory, at
    // 24 MP and 1 GiB, 12 tiles of 1804 px instead of 35 of 984). Then pass 2's tiles, planned beside all that is kept.
    await writer.prepare();
    const plan = () => this.plan('fusion', false, limits).tiles.map((t) => t.core);
    const fusion = this.fusion!;
    if (fusion.collapseInPlace()) {
      // Bands on the GPU: pass 2 writes each tile's result over band 0, which then is the keep (no read-back, no
      // second full-size image; at 24 MP and 1 GiB the bands' round trip through CPU memory cost about a tenth).
      const direct = new ProxyWriter(fusion, down, proxy);
      await this.fused!.adopt(async () => {
        try {
          for (const rect of plan()) {
            this.res.release(await direct.produce(rect));
            await this.device.queue.onSubmittedWorkDone();
          }
        } catch (err) {
          this.res.release(fusion.takeResult());
          throw err;
        }
        return fusion.takeResult();
      });
      return direct.complete;
    }
    await this.fused!.record(plan, async (tiles) => {
      await writer.prepare();
      for (const rect of tiles) {
        this.res.release(await writer.produce(rect));
        // One tile in flight: what it held is freed before the next allocates.
        await this.device.queue.onSubmittedWorkDone();
      }
    });
    if (this.fused!.keeps) this.fusion!.dropBands();
    return writer.complete;
  }

  /**
   * The statistics with the whole image's histogram (a second sweep, made
   * once per sweep of the statistics: a 96 MP merge is a minute of
   * SwiftShader, and the bridge reads them after every merge).
   */
  async readStats(limits: MemoryLimits): Promise<LuminanceStats> {
    await this.statsBuffer(limits);
    if (this.statsRead?.version !== this.statsVersion) {
      const read = { version: this.statsVersion, stats: this.stats.read(this.source('merge'), this.statsTiles(limits)) };
      this.statsRead = read;
      read.stats.catch(() => {
        if (this.statsRead === read) this.statsRead = null;
      });
    }
    const stats = await this.statsRead!.stats;
    return { ...stats, histogram: stats.histogram.slice() };
  }

  /**
   * Visit `source` over the cores of `plan` inside `within` (default: the
   * whole image), one tile alive at a time: fn gets the core and its
   * texture, released after fn resolves.
   */
  async eachTile(source: RegionSource, plan: TilePlan, fn: (core: Rect, texture: GPUTexture) => Promise<void> | void, within?: Rect): Promise<void> {
    await source.prepare();
    this.lastTiles = plan.tiles.map((t) => t.core);
    for (const tile of plan.tiles) {
      const core = within ? intersect(tile.core, within) : tile.core;
      if (isEmpty(core)) continue;
      const texture = await source.produce(core);
      try {
        await fn(core, texture);
      } finally {
        this.res.release(texture);
      }
      // One tile in flight: what it held is freed before the next allocates.
      await this.device.queue.onSubmittedWorkDone();
    }
  }

  /** `rect` of a finished source as one rect-sized texture (the zoomed view), made tile by tile; the caller releases it. */
  async region(source: RegionSource, plan: TilePlan, rect: Rect): Promise<GPUTexture> {
    const out = this.res.texture({ label: 'tiled.region', size: [rect.width, rect.height], format: 'rgba32float', usage: regionUsage() });
    try {
      await this.eachTile(
        source,
        plan,
        (core, texture) => {
          const encoder = this.device.createCommandEncoder({ label: 'tiled.region' });
          encoder.copyTextureToTexture({ texture }, { texture: out, origin: [core.x - rect.x, core.y - rect.y, 0] }, [core.width, core.height, 1]);
          this.device.queue.submit([encoder.finish()]);
        },
        rect,
      );
    } catch (err) {
      this.res.release(out);
      throw err;
    }
    return out;
  }

  release(): void {
    // Their keeps may be GPU textures.
    this.merged?.invalidate();
    this.fused?.invalidate();
    this.fusion?.release();
    this.detail?.filter.release();
    this.merge?.release();
    this.fusion = this.fused = this.detail = null;
  }
}
