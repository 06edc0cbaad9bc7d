// The pipeline's outputs: full-size exports (8 and 16 bits), the radiance
// map, the fused image, the statistics, the displayed preview and the
// instrumentation (graph/debug.ts), over the render core (render-core.ts).
import { isIdentity } from '../local-detail/reference/local-detail';
import { PresentPass } from '../present/passes/present';
import { readTexture } from '../gpu/readback';
import { passChanged, type Params } from '../params';
import { type FloatImage, type LuminanceStats } from '../types';
import { profileFusion, type PipelineDebug } from './debug';
import { toUnorm16, type ExportFormat, type Finished } from './export';
import { EngineInputError } from './upload';
import { LargeSet } from './large-set';
import { RenderCore } from './render-core';

export abstract class PipelineOutputs extends RenderCore {
  /** The canvas as last presented (re-presented and copied back), with what present read: for tests. */
  protected async readPresentedNow(): ReturnType<PresentPass['readPresented']> {
    await this.render();
    if (!this.view.present) throw new EngineInputError('Nothing is presented headless.');
    return this.view.present.readPresented();
  }

  /** The instrumentation: run counters and test-only reads, apart from the engine's face. */
  get debug(): PipelineDebug {
    return this.debugView;
  }

  protected readonly debugView: PipelineDebug = (() => {
    const runs = this.graph.runs;
    return {
      runs,
      get draftRuns() {
        return { brackets: runs.draftBrackets, merge: runs.draftMerge, fusion: runs.draftFusion };
      },
      readPresented: () => this.readPresentedNow(),
      profileFusion: async () => {
        await this.render();
        if (!this.full.brackets) throw new EngineInputError('Nothing to fuse yet.');
        return profileFusion(this.device, this.full.fusion, this.full.brackets);
      },
      plan: (opts?: { draft?: boolean }) => this.plan(opts),
      tiles: () => this.large?.tiled.lastTiles ?? null,
    };
  })();

  /** Finish the full-size result of the current mode with the current params: sRGB RGBA8 bytes. */
  async exportRgba8(params: Params = this.params): Promise<{ width: number; height: number; data: Uint8Array<ArrayBuffer> }> {
    if (this.large) return (await this.finishLarge(params, 'rgba8unorm')) as { width: number; height: number; data: Uint8Array<ArrayBuffer> };
    const { width, height, data } = await this.exportFinished(params, 'rgba8unorm');
    return { width, height, data: new Uint8Array(data) };
  }

  /**
   * The same finish at 16 bits per channel: sRGB-encoded RGBA, 0..65535, from
   * the float result of the curve (no 8-bit step anywhere on the way).
   */
  async exportRgba16(params: Params = this.params): Promise<{ width: number; height: number; data: Uint16Array<ArrayBuffer> }> {
    if (this.large) return (await this.finishLarge(params, 'rgba32float')) as { width: number; height: number; data: Uint16Array<ArrayBuffer> };
    const { width, height, data } = await this.exportFinished(params, 'rgba32float');
    return { width, height, data: toUnorm16(data) };
  }

  /** A big set's finish, tile by tile at full size (graph/large-set.ts). */
  protected finishLarge(params: Params, format: ExportFormat): ReturnType<LargeSet['finish']> {
    const detail = this.detailParams(params);
    return this.large!.finish(this.exporter, this.mode, params, isIdentity(detail) ? null : detail, format, this.full.luminance.stats);
  }

  protected async exportFinished(params: Params, format: ExportFormat): Promise<Finished> {
    if (!this.full.brackets && !this.pending && !this.radianceInput && !this.pendingRadiance) throw new EngineInputError('Nothing to export yet.');
    await this.render();
    return this.exporter.finish(this.mode, await this.finishedSource(params), this.full.luminance.stats, params, format);
  }

  /**
   * The full-size image the export tone-maps: the source, or its local-detail
   * result (run now if stale; kept for the next export or zoomed view).
   */
  protected async finishedSource(params: Params): Promise<GPUTexture> {
    const p = this.detailParams(params);
    if (isIdentity(p)) return this.full.source(this.mode);
    // The view's own settings: then the kept full-size result serves, and is kept.
    const own = !passChanged('detail', params, this.params);
    const cfg = this.config(false);
    if (own && this.full.detailed && !this.graph.stale('detailFull', cfg)) return this.full.detailed;
    this.full.detail.setParams(p);
    this.full.bindDetail(this.mode);
    const encoder = this.device.createCommandEncoder({ label: 'pipeline.export-detail' });
    this.full.detail.encode(encoder);
    this.device.queue.submit([encoder.finish()]);
    this.full.detail.release();
    if (own) {
      this.graph.ran('detailFull', cfg);
    } else {
      // Other settings than the view's: the kept result no longer matches the view.
      this.full.detail.setParams(this.detailParams(this.params));
      this.invalidate('detail');
    }
    await this.device.queue.onSubmittedWorkDone();
    return this.full.detailed!;
  }

  /**
   * The merged radiance map at full size, in either mode: fusion mode merges
   * on demand (and keeps the result, so a switch to merge mode is free).
   */
  async readRadiance(): Promise<FloatImage> {
    if (this.large) return this.large.readRadiance();
    await this.render();
    if (!this.full.brackets && !this.radianceInput) throw new EngineInputError('Nothing to merge yet.');
    const cfg = this.config(false);
    if (!this.radianceInput && (!this.full.radiance || this.graph.stale('luminance', cfg))) {
      const encoder = this.device.createCommandEncoder({ label: 'pipeline.merge-on-demand' });
      for (const stage of ['merge', 'luminance'] as const) {
        this.full.encode(stage, encoder, this.fullContext());
        this.graph.ran(stage, cfg);
      }
      this.device.queue.submit([encoder.finish()]);
    }
    return { width: this.full.size[0], height: this.full.size[1], data: new Float32Array(await readTexture(this.device, this.full.radiance!, 16, 'radiance')) };
  }

  /** The fused image before finishing (fusion mode): sRGB-encoded values, unclamped. */
  async readFused(): Promise<FloatImage> {
    await this.render();
    const fused = this.full.fusion.result;
    if (!fused || this.mode !== 'fusion') throw new EngineInputError('No fused image yet: it is made in fusion mode.');
    return { width: fused.width, height: fused.height, data: new Float32Array(await readTexture(this.device, fused, 16, 'fused')) };
  }

  /**
   * R, G, B and luma counts of the displayed preview (layout in reference/histogram.ts)
   * as of the last submitted render, without rendering: no wait on the next frame.
   */
  latestHistogram(): Promise<Uint32Array> {
    return this.view.latestHistogram();
  }

  async readStats(): Promise<LuminanceStats> {
    if (this.large) return this.large.readStats();
    await this.render();
    return this.full.luminance.read();
  }

  /**
   * Statistics of the fused image (fusion mode: each pixel's brightest
   * channel, 1 + its encoded value; luminance.wgsl FUSED), for the automatic
   * look's highlight roll-off and shadow toe. A big set's are its settled
   * fusion's (full size where it settles so, else the proxy's).
   */
  async readFusedStats(): Promise<LuminanceStats> {
    await this.render();
    if (!this.full.fusion.result || this.mode !== 'fusion') throw new EngineInputError('No fused image yet: it is made in fusion mode.');
    return this.full.fusedStats.read();
  }

  /** The canvas-sized preview as sRGB RGBA8 bytes (draft: as a draft render leaves it, see render()). */
  async readDisplay(opts: { draft?: boolean } = {}): Promise<{ width: number; height: number; data: Uint8Array<ArrayBuffer> }> {
    await this.render(opts);
    const display = this.view.displayed;
    if (!display) throw new EngineInputError('No preview yet.');
    return { width: display.width, height: display.height, data: new Uint8Array(await readTexture(this.device, display, 4, 'display')) };
  }
}
