// A set too big for the whole-image graph (wider or taller than the GPU's
// texture limit, or over a budget set explicitly): what the pipeline does
// differently for it (issue 15, "Any size").
// - The interactive graph runs on the proxy (graph/proxy.ts, the set
//   box-averaged by k): the fitted preview, drafts, zoom down to 1/k.
// - Zoomed in beyond 1/k, the visible region is made from the full-size set,
//   tile by tile (graph/tiled-image.ts), local detail included, and the view
//   chain reads that instead of the proxy.
// - Merge mode's statistics are the full-size set's, reduced across tiles,
//   for the preview (once a full render sweeps them) and the export alike.
//   The sweep box-averages each merged tile into the proxy as it goes
//   (graph/proxy-writer.ts): the proxy graph's merge and statistics are
//   given, never run on the proxy's brackets.
// - Fusion settles at full size where the set is within the texture limit
//   (tiled only for its budget): a full render fuses every tile and gives the
//   proxy graph the result box-averaged, as the whole-image graph would show
//   it; beyond the limit the proxy fuses its own brackets.
// - Exports and radiance reads are made tile by tile at full size, from what
//   a sweep kept (the merge or the settled fusion, on the GPU where the
//   budget leaves room, else in CPU memory where the host gives it:
//   graph/radiance-cache.ts), else from the fusion's kept bands, else made
//   again.
// Alignment and deghosting are off for such a set (both are whole-image
// estimates today).
import type { Exporter, ExportFormat } from './export';
import { toUnorm16 } from './export';
import { TiledImage, type TiledInput } from './tiled-image';
import { MAX_KEPT_BYTES, putRows } from './radiance-cache';
import { readTexture } from '../gpu/readback';
import type { Resources } from '../gpu/resources';
import type { LocalDetailParams } from '../local-detail/reference/local-detail';
import type { ResponseLuts } from '../merge/response';
import type { Params } from '../params';
import type { ViewGeometry } from '../view/view';
import type { FloatImage, LuminanceStats, Mode } from '../types';
import type { Rect } from './region';

export class LargeSet {
  readonly tiled: TiledImage;
  /** The region the view shows zoomed beyond 1/k, made from the full-size set. */
  private zoom: { key: string; texture: GPUTexture; region: [number, number, number, number] } | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    input: TiledInput,
    /** The proxy's factor: the interactive graph runs on the set box-averaged by k. */
    readonly k: number,
    budget: number,
    /** The most CPU memory the tiled work may keep (graph/radiance-cache.ts). */
    keptBytes = MAX_KEPT_BYTES,
    /**
     * The settled fusion is the full-size one, box-averaged into the proxy
     * (sweepFusion), as the whole-image graph shows it; else the proxy's own.
     * For a set the whole-image graph could hold but for the budget: there it
     * costs what the whole-image graph's fusion does. Beyond the texture
     * limit, a full-size fusion at each settled change of its weights would
     * take minutes on a software adapter (100 MP: 7 min).
     */
    readonly settlesFullSize = false,
  ) {
    this.tiled = new TiledImage(device, res, input, budget, keptBytes, k);
  }

  get size(): [number, number] {
    return [this.tiled.width, this.tiled.height];
  }

  setParams(params: Params): void {
    this.tiled.setParams(params);
  }

  setBlackLevel(black: number): void {
    this.tiled.setBlackLevel(black);
  }

  setResponse(luts: ResponseLuts): void {
    this.tiled.setResponse(luts);
  }

  setExposures(exposures: readonly number[]): void {
    this.tiled.setExposures(exposures);
  }

  /** The view shows the full-size set, not the proxy: zoomed in beyond 1/k. */
  showsFullSize(g: ViewGeometry): boolean {
    return !g.fit && g.scale * this.k > 1;
  }

  /**
   * Before a render: the visible region from the full-size set where zoomed
   * beyond 1/k (made again when the region, the mode, local detail or the
   * sources changed). Returns whether what the view reads changed.
   */
  async updateView(mode: Mode, detail: LocalDetailParams | null, g: ViewGeometry): Promise<boolean> {
    if (!this.showsFullSize(g)) {
      if (!this.zoom) return false;
      this.res.release(this.zoom.texture);
      this.zoom = null;
      return true;
    }
    const [x0, y0, x1, y1] = g.region;
    const key = [g.region, mode, detail ? `${detail.detail} ${detail.range} ${detail.floor}` : '-', this.tiled.version].join('|');
    if (this.zoom?.key === key) return false;
    const rect: Rect = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
    const source = this.tiled.finished(mode, detail);
    const texture = await this.tiled.region(source, this.tiled.plan(mode, !!detail, this.device.limits), rect);
    this.res.release(this.zoom?.texture);
    this.zoom = { key, texture, region: [0, 0, rect.width, rect.height] };
    return true;
  }

  /** The merge's statistics of the full-size set (swept across tiles where stale). */
  statsBuffer(): Promise<GPUBuffer> {
    return this.tiled.statsBuffer(this.device.limits);
  }

  /**
   * Sweep the merge's statistics where stale, writing the proxy's radiance
   * (`proxy`, the set's size ÷ k) from the full-size merge as it goes.
   * Returns whether it did (the proxy graph's merge is then given).
   */
  sweepStats(proxy: GPUTexture | null): Promise<boolean> {
    return this.tiled.sweepStats(this.device.limits, proxy ? { texture: proxy, k: this.k } : null);
  }

  /**
   * The fusion at full size, tile by tile, box-averaged into `proxy` (the
   * proxy graph's fusion result) as it goes and kept for the export where
   * there is room (graph/radiance-cache.ts). Returns whether the proxy holds
   * all of it.
   */
  sweepFusion(proxy: GPUTexture): Promise<boolean> {
    return this.tiled.sweepFusion(this.device.limits, { texture: proxy, k: this.k });
  }

  /** The statistics buffer the sweeps write (the tone mapper's layout). */
  get stats(): GPUBuffer {
    return this.tiled.statsOut;
  }

  /** Whether the statistics would be swept again (a change since the last sweep). */
  get statsStale(): boolean {
    return this.tiled.statsStale;
  }

  readStats(): Promise<LuminanceStats> {
    return this.tiled.readStats(this.device.limits);
  }

  /** What the view chain reads: the zoomed region, or the proxy with the geometry's region in the proxy's pixels. */
  viewInput(g: ViewGeometry, proxy: GPUTexture, draft: boolean): { input: GPUTexture; geometry: ViewGeometry } {
    if (this.zoom && this.showsFullSize(g) && !draft) return { input: this.zoom.texture, geometry: { ...g, region: this.zoom.region } };
    const k = this.k;
    const [x0, y0, x1, y1] = g.region;
    const [pw, ph] = [Math.ceil(this.tiled.width / k), Math.ceil(this.tiled.height / k)];
    const region: [number, number, number, number] = [Math.floor(x0 / k), Math.floor(y0 / k), Math.min(pw, Math.ceil(x1 / k)), Math.min(ph, Math.ceil(y1 / k))];
    return { input: proxy, geometry: { ...g, region } };
  }

  /** The finished image at full size, tile by tile: sRGB RGBA8, or 16-bit from the float curve. */
  async finish(
    exporter: Exporter,
    mode: Mode,
    params: Params,
    detail: LocalDetailParams | null,
    format: ExportFormat,
    fallbackStats: GPUBuffer,
  ): Promise<{ width: number; height: number; data: Uint8Array<ArrayBuffer> | Uint16Array<ArrayBuffer> }> {
    const { width, height } = this.tiled;
    const stats = mode === 'merge' ? await this.statsBuffer() : fallbackStats;
    const eight = format === 'rgba8unorm';
    const data = eight ? new Uint8Array(width * height * 4) : new Uint16Array(width * height * 4);
    const source = this.tiled.finished(mode, detail);
    await this.tiled.eachTile(source, this.tiled.plan(mode, !!detail, this.device.limits), async (core, texture) => {
      const tile = await exporter.finish(mode, texture, stats, params, format);
      if (eight) putRows(data as Uint8Array, width, core, new Uint8Array(tile.data));
      else putRows(data as Uint16Array, width, core, toUnorm16(tile.data));
    });
    return { width, height, data };
  }

  /** The radiance map at full size (merged tile by tile, or the file's): a copy of the one the statistics sweep keeps where it does. */
  async readRadiance(): Promise<FloatImage> {
    const { width, height } = this.tiled;
    if (this.tiled.hasBrackets) {
      await this.statsBuffer();
      const kept = this.tiled.mergedImage;
      if (kept) return { width, height, data: kept.data.slice() };
    }
    const data = new Float32Array(width * height * 4);
    await this.tiled.eachTile(this.tiled.source('merge'), this.tiled.plan('merge', false, this.device.limits), async (core, texture) => {
      putRows(data, width, core, new Float32Array(await readTexture(this.device, texture, 16, 'large-set.radiance')));
    });
    return { width, height, data };
  }

  release(): void {
    this.res.release(this.zoom?.texture);
    this.zoom = null;
    this.tiled.release();
  }
}
