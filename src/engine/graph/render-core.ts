// The processing graph's owner: the GPU resources, every intermediate, and
// the operators' passes. What a change re-runs and what a render needs is not
// decided here: the operators are declared in graph/operators.ts (diagram
// there) and graph/scheduler.ts derives both from those declarations.
//
// Alignment (align.ts) is estimated apart from render(), after the first
// picture is up (alignBrackets(): seconds on a software adapter); once it
// finds motion, the 'align' operator warps the uploaded brackets into the
// reference frame, cropped to the area every bracket covers, and everything
// downstream reads the warped set at the crop's size, export included.
//
// Drafts (render({ draft: true }), draft.ts): while the full-size merge or
// fusion is stale and the whole image is in view, the view chain reads a
// draft instead, the same operator run on the brackets box-downsampled to
// the preview's size; the full-size operators stay dirty until a full render
// (the bridge renders in full once edits pause; exports always do).
//
// The view (src/engine/view/view.ts) picks the region: at fit the whole image at
// canvas size, zoomed in the visible part, from full-resolution pixels. Local
// detail is scale-dependent, so zoomed in it runs once on the full-size image
// (kept until its settings or the source change) and the view crops that, as
// the export does; at fit it runs on the preview.
//
// A set too big for one texture or the budget (graph/large-set.ts): the
// graph runs on its proxy, box-averaged by k; statistics, exports, radiance
// reads and the view zoomed beyond 1/k come from the full-size set, tile by
// tile (graph/tiled-image.ts), and so do the proxy graph's merge and (where
// the set is within the texture limit) its settled fusion: updateLarge().
import { bakeCurves, identityCurves, type Curves } from '../curve/curve';
import { Emitter, type PipelineEvents } from '../events';
import { DISPLAY_LOG_FLOOR, isIdentity, LOG_FLOOR, type LocalDetailParams } from '../local-detail/reference/local-detail';
import { Resources } from '../gpu/resources';
import { defaultParams, localDetailParams, type Params } from '../params';
import { FIT_VIEW, viewGeometry, type ViewGeometry, type ViewState } from '../view/view';
import { type Bracket, type FloatImage, type Mode } from '../types';
import { createScheduler, sinks, type Change, type GraphConfig, type Stage } from './operators';
import { VIEW_STAGES, ViewChain, type ViewStage } from './view-chain';
import { FullSize, type FullSizeContext } from './full-size';
import { Exporter } from './export';
import { EngineInputError } from './upload';
import { LargeSet } from './large-set';

const isViewStage = (s: Stage): s is ViewStage => (VIEW_STAGES as readonly Stage[]).includes(s);

/**
 * Drafts (render({ draft: true })) only where the image has at least this
 * many times the preview's pixels: below that the full-size work is about
 * the same as the draft's, and the draft would only add a second render.
 */
export const DRAFT_MIN_RATIO = 2;

export interface PipelineOptions {
  device: GPUDevice;
  /** Omit for headless use (tests, batch): nothing is presented. */
  context?: GPUCanvasContext;
  format?: GPUTextureFormat;
}

export abstract class RenderCore {
  readonly device: GPUDevice;
  readonly res: Resources;
  /** Decides what each change re-runs and what each render needs (graph/). */
  protected readonly graph = createScheduler();
  /** 'stats', 'fusedStats' and 'histogram' once a render() that ran the luminance reduction, the fused statistics or the histogram is done. */
  readonly events = new Emitter<PipelineEvents>();

  /** The full-size operators and their results. */
  protected readonly full: FullSize;
  /** Paint the ghost mask over the canvas. */
  protected ghostMask = false;
  /** What the canvas shows: downsample → detail → tone map → curve → histogram, present. */
  protected readonly view: ViewChain;
  protected readonly exporter: Exporter;
  /** The baked tone curves (4 × CURVE_LUT_SIZE f32), shared by preview and export. */
  protected readonly luts: GPUBuffer;
  /** The last render showed a draft: the full-size result is still to come (the bridge's settle). */
  protected draftShown = false;

  protected pending: Bracket[] | null = null;
  /** A radiance map from a file (setRadiance), uploaded on the next render. */
  protected pendingRadiance: FloatImage | null = null;
  /** The radiance texture holds a map from a file: there are no brackets and nothing to merge. */
  protected radianceInput = false;
  protected viewport: [number, number] = [0, 0];
  protected params: Params = defaultParams();
  protected mode: Mode = 'merge';
  protected viewState: ViewState = FIT_VIEW;
  /** At fit, local detail comes from the full-size filter (settleDetail()). */
  protected settledDetail = false;
  /** The compare split as a fraction of the canvas width, or null. */
  protected split: number | null = null;

  protected curves: Curves = identityCurves();
  /** The GPU memory budget set with setGpuBudget (null: the default from the adapter's limits). */
  protected budgetOverride: number | null = null;
  /** The host memory budget set with setHostBudget (null: none but MAX_KEPT_BYTES). */
  protected hostBudget: number | null = null;
  /** A set too big for the whole-image graph: the graph runs on its proxy (graph/large-set.ts). */
  protected large: LargeSet | null = null;
  /** The big set's statistics have been swept: the tone mapper reads them, not the proxy's. */
  protected largeStats = false;
  /** The proxy graph's fusion runs when its result last came from the full-size fusion (-1: never). */
  protected largeFusionRuns = -1;

  constructor(opts: PipelineOptions) {
    this.device = opts.device;
    this.res = new Resources(this.device);
    this.full = new FullSize(this.device, this.res);
    const luts = bakeCurves(this.curves);
    this.luts = this.res.buffer({ label: 'curve.luts', size: luts.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(this.luts, 0, luts);
    this.view = new ViewChain(this.device, this.res, this.luts, opts.context, opts.format);
    this.exporter = new Exporter(this.device, this.res, this.luts, this.view.tone, this.view.curve);
    this.view.setParams(this.params);
    this.full.setFusionParams(this.params);
  }

  protected invalidate(change: Change): void {
    this.graph.change(change);
    // A new full-size detail result is seconds away at 12 MP on a software adapter: drags go back to the preview-scale filter.
    if (this.graph.reaches(change, 'detailFull')) this.settledDetail = false;
  }

  /**
   * At fit, show local detail from the full-size filter, downsampled (as the
   * export makes it), instead of the filter run on the preview. The filter
   * is scale-dependent: the preview-scale run is fast and serves drags, and
   * the caller settles on the full-size one once edits pause (src/bridge/),
   * so the picture at rest is the export's. Any change that invalidates the
   * full-size result clears it again. Returns whether the next render will
   * change anything.
   */
  settleDetail(): boolean {
    if (this.settledDetail || !this.detailActive || !this.geometry().fit) return false;
    this.settledDetail = true;
    this.invalidate('viewport');
    return true;
  }

  /** Whether settleDetail() would change what is shown. */
  get detailUnsettled(): boolean {
    return !this.settledDetail && this.detailActive && this.geometry().fit && (!!this.full.brackets || this.radianceInput);
  }

  /** Local detail's settings for these params in the current mode. */
  protected detailParams(params: Params): LocalDetailParams {
    return { ...localDetailParams(params), floor: this.mode === 'fusion' ? DISPLAY_LOG_FLOOR : LOG_FLOOR };
  }

  /** The brackets are being read through the warp (alignment on and motion found). */
  get aligned(): boolean {
    return !!this.full.brackets && this.full.brackets !== this.full.uploaded;
  }

  /** Deghosting is on (strength above 0) and has brackets to compare. */
  protected get ghostsActive(): boolean {
    return this.params.deghost > 0 && !this.large && !!this.full.brackets && this.full.brackets.depthOrArrayLayers > 1;
  }

  /** What the canvas shows of the image at the current view. */
  geometry(): ViewGeometry {
    return viewGeometry(this.imageSize, this.viewport, this.viewState);
  }

  /** The image's size: the set's, not its proxy's. */
  get imageSize(): [number, number] {
    return this.large?.size ?? this.full.size;
  }

  /** Local detail is on (its settings are not the identity). */
  protected get detailActive(): boolean {
    return !isIdentity(localDetailParams(this.params));
  }

  /** The graph's configuration now (drafting or not): what decides its edges. */
  protected config(draft: boolean): GraphConfig {
    const present = !!this.view.present && this.viewport[0] > 0;
    const ghosts = this.ghostsActive && !this.radianceInput;
    // A big set zoomed in beyond its proxy's scale shows a region already finished at full size, local detail included.
    const finished = !!this.large?.showsFullSize(this.geometry());
    const detail = !this.detailActive || finished ? 'off' : draft || (this.geometry().fit && !this.settledDetail) ? 'preview' : 'full';
    return {
      mode: this.mode,
      radianceInput: this.radianceInput,
      aligned: this.aligned,
      ghosts,
      detail,
      draft,
      compare: present && this.split !== null && !this.radianceInput,
      ghostMask: present && ghosts && this.ghostMask,
      present,
      preview: this.previewSize(),
    };
  }

  /** The stages the next render would run, in order (without running anything): for tests and the debug view. */
  plan(opts: { draft?: boolean } = {}): Stage[] {
    if (!this.full.brackets && !this.radianceInput && !this.pending && !this.pendingRadiance) return [];
    const cfg = this.config(opts.draft === true && this.draftable());
    return this.graph.plan(cfg, sinks(cfg));
  }

  /**
   * Encode and submit every dirty stage; resolves when the GPU is done.
   * draft: where the full-size merge or fusion is stale and the whole image
   * is in view, show it made from the canvas-sized proxy set instead
   * (draft.ts), leaving the full-size stages dirty for the next full render.
   * The caller (src/bridge/) drafts while edits move and renders in full
   * once they pause; exports and reads always render in full.
   */
  async render(opts: { draft?: boolean } = {}): Promise<void> {
    const { luminance, fusedStats, histogram } = this.graph.runs;
    let swept = false;
    if (this.large) {
      // A big set's tiled work first (its own submissions): statistics, the zoomed region. It may write the proxy's
      // merge (updateLarge), so the proxy is uploaded before it.
      await this.scoped(() => this.takePending());
      swept = await this.updateLarge(opts.draft === true);
    }
    await this.scoped(() => this.encodeDirty(opts.draft === true));
    await this.device.queue.onSubmittedWorkDone();
    if (swept || this.graph.runs.luminance !== luminance) this.events.emit('stats');
    if (this.graph.runs.fusedStats !== fusedStats) this.events.emit('fusedStats');
    if (this.graph.runs.histogram !== histogram) this.events.emit('histogram');
  }

  /**
   * Run `encode` inside validation and out-of-memory error scopes, pushed,
   * run and popped in one synchronous run so that overlapping renders never
   * interleave their scopes; rethrows what it threw, then the GPU's errors.
   */
  private async scoped(encode: () => void): Promise<void> {
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    let thrown: unknown = null;
    try {
      encode();
    } catch (err) {
      thrown = err;
    }
    const oom = this.device.popErrorScope();
    const invalid = this.device.popErrorScope();
    const [oomError, invalidError] = await Promise.all([oom, invalid]);
    if (thrown) throw thrown;
    if (oomError) throw new EngineInputError(`The GPU ran out of memory for ${this.full.size[0]}×${this.full.size[1]} images (${oomError.message}).`);
    if (invalidError) throw new Error(`WebGPU validation error: ${invalidError.message}`);
  }

  /**
   * A big set before a render: the full-size statistics (a full render in
   * merge mode, swept across tiles after a change, writing the proxy's merge
   * from the full-size one as it goes: the proxy graph's merge and its
   * statistics are then given, not run), in fusion mode the full-size fusion
   * where the set settles at full size (given to the proxy graph likewise),
   * and the visible region made from the full-size set where zoomed beyond
   * the proxy's scale. Returns whether the statistics were swept.
   */
  protected async updateLarge(draft: boolean): Promise<boolean> {
    const large = this.large!;
    let swept = false;
    if (!draft && this.mode === 'merge' && large.statsStale) {
      let proxy: GPUTexture | null = null;
      if (large.tiled.hasBrackets && this.full.brackets) {
        this.full.allocRadiance(false);
        proxy = this.full.radiance;
      }
      if (await large.sweepStats(proxy)) {
        const cfg = this.config(false);
        this.graph.given('merge', cfg);
        // The proxy's statistics are the full-size set's (what its tone mapping reads either way).
        const encoder = this.device.createCommandEncoder({ label: 'large.stats' });
        encoder.copyBufferToBuffer(large.stats, 0, this.full.luminance.stats, 0, large.stats.size);
        this.device.queue.submit([encoder.finish()]);
        this.graph.given('luminance', cfg);
      }
      this.largeStats = swept = true;
    }
    let fused = false;
    // The settled fusion is the full-size one (LargeSet.settlesFullSize), written into the proxy graph's result; made
    // again after a change, or where a render that could not draft ran the proxy's own meanwhile.
    const ownFusion = this.graph.runs.fusion !== this.largeFusionRuns;
    if (!draft && this.mode === 'fusion' && large.settlesFullSize && this.full.brackets && (ownFusion || this.graph.stale('fusion', this.config(false)))) {
      // Its result texture only: the proxy's pyramid would take the room a full-size keep can use.
      const { width, height } = this.full.brackets;
      if (await large.sweepFusion(this.full.fusion.resultOnly(width, height))) {
        this.graph.given('fusion', this.config(false));
        this.largeFusionRuns = this.graph.runs.fusion;
      }
      fused = true;
    }
    // After the sweep: a zoomed region of the merge is then served from what the sweep kept.
    const changed = await large.updateView(this.mode, this.detailActive ? this.detailParams(this.params) : null, this.geometry());
    if (changed || swept || fused) this.invalidate('viewport');
    return swept;
  }

  /**
   * The last render showed a draft: the full-size result is still to come.
   * (A draft is shown only while the full-size one is stale.)
   */
  get drafted(): boolean {
    return this.draftShown;
  }

  /** Whether a full render would change the picture: a draft is shown, or local detail is yet to settle. */
  get unsettled(): boolean {
    return this.draftShown || this.detailUnsettled;
  }

  /**
   * A draft is worth it: the mode's full-size result is stale, the whole
   * image is in view, and it has at least DRAFT_MIN_RATIO times the pixels of
   * the canvas-sized preview. Not for a radiance map (nothing to merge) or
   * with deghosting on (its weights are made at full size).
   */
  protected draftable(): boolean {
    if (!this.full.brackets || !this.full.exposures || this.radianceInput || this.ghostsActive || this.viewport[0] === 0 || !this.geometry().fit) return false;
    const full = this.config(false);
    const stale = this.mode === 'fusion' ? this.graph.stale('fusion', full) : this.graph.stale('luminance', full);
    if (!stale) return false;
    const [pw, ph] = this.previewSize();
    return pw * ph * DRAFT_MIN_RATIO <= this.full.size[0] * this.full.size[1];
  }

  /** Upload what setBrackets or setRadiance staged. */
  private takePending(): void {
    if (this.pending) this.upload(this.pending);
    if (this.pendingRadiance) this.uploadRadiance(this.pendingRadiance);
    this.pending = this.pendingRadiance = null;
  }

  protected encodeDirty(draft: boolean): void {
    this.takePending();
    if (!this.full.brackets && !this.radianceInput) return;
    const drafting = draft && this.draftable();
    this.draftShown = drafting;
    const cfg = this.config(drafting);
    const graph = this.graph;
    graph.begin(cfg);
    const needed = graph.needed(cfg, sinks(cfg));
    const encoder = this.device.createCommandEncoder({ label: 'pipeline.render' });
    const fullRuns = graph.runs.detailFull;
    for (const stage of graph.order) {
      // The view chain is bound once its inputs exist (after the warp, the sources and the draft).
      if (stage === 'downsample') this.bindView(cfg);
      if (!graph.due(stage, cfg, needed)) continue;
      if (isViewStage(stage)) this.view.encode(stage, encoder);
      else this.full.encode(stage, encoder, this.fullContext());
      graph.ran(stage, cfg);
    }
    this.device.queue.submit([encoder.finish()]);
    // The full-size filter's pyramids (≈ 56 B per pixel) go once its work is queued; its result stays.
    if (graph.runs.detailFull !== fullRuns) this.full.detail.release();
  }

  protected upload(brackets: readonly Bracket[]): void {
    if (this.full.upload(brackets)) this.view.releaseDetail();
    this.radianceInput = false;
    this.graph.ran('upload', this.config(false));
  }

  /** A map from a file: the merge's output, written straight into the radiance texture. */
  protected uploadRadiance(image: FloatImage): void {
    if (this.full.uploadRadiance(image)) this.view.releaseDetail();
    this.radianceInput = true;
    // The map is the merge's output: what reads the merge runs next.
    const cfg = this.config(false);
    this.graph.ran('upload', cfg);
    this.graph.given('merge', cfg);
  }

  protected fullContext(): FullSizeContext {
    return { mode: this.mode, ghosts: this.ghostsActive, preview: this.previewSize() };
  }

  /** Preview size: the whole image fitted into the viewport, never enlarged. */
  previewSize(): [number, number] {
    return viewGeometry(this.imageSize, this.viewport, FIT_VIEW).out;
  }

  /** Bind the view chain to what it reads under cfg. */
  protected bindView(cfg: GraphConfig): void {
    const draft = cfg.draft ? this.full.draft.image(this.mode) : null;
    const whole = draft ?? (cfg.detail === 'full' ? this.full.detailed! : this.full.source(this.mode));
    // A big set: the proxy's pixels, or the region made from the full-size set.
    const { input, geometry } = this.large ? this.large.viewInput(this.geometry(), whole, !!draft) : { input: whole, geometry: this.geometry() };
    const stats = draft && this.mode === 'merge' ? this.full.draft.stats : this.large && this.largeStats ? this.large.stats : this.full.luminance.stats;
    this.view.bind(cfg, {
      mode: this.mode,
      input,
      draft: !!draft,
      brackets: this.full.brackets,
      ghostMask: this.full.deghost.mask,
      stats,
      geometry,
      split: this.split === null ? null : this.split * this.viewport[0],
    });
  }
}
