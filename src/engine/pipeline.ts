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
import { bakeCurves, CURVE_CHANNELS, identityCurves, type Curves } from './curve/curve';
import { cornerMotion, MIN_MOTION_PX, type AlignResult, type CropRect } from './align/align';
import { Emitter, type PipelineEvents } from './events';
import { DISPLAY_LOG_FLOOR, isIdentity, LOG_FLOOR, type LocalDetailParams } from './local-detail/reference/local-detail';
import { PresentPass } from './present/passes/present';
import { readTexture } from './gpu/readback';
import { Resources } from './gpu/resources';
import { defaultParams, deghostParams, localDetailParams, passChanged, type ParamPass, type Params } from './params';
import type { ResponseLuts } from './merge/response';
import { FIT_VIEW, viewGeometry, type ViewGeometry, type ViewState } from './view/view';
import { isWide, MAX_BRACKETS, type Bracket, type FloatImage, type LuminanceStats, type Mode } from './types';
import { createScheduler, PARAM_CHANGE, sinks, STAGES, type Change, type GraphConfig, type Stage } from './graph/operators';

const PARAM_PASSES = Object.keys(PARAM_CHANGE) as ParamPass[];
import { VIEW_STAGES, ViewChain, type ViewStage } from './graph/view-chain';
import { FullSize, type FullSizeContext } from './graph/full-size';
import { profileFusion, type PipelineDebug } from './graph/debug';
import { Exporter, toUnorm16, type ExportFormat, type Finished } from './graph/export';
import { checkBrackets, checkRadiance, EngineInputError } from './graph/upload';
import { LargeSet } from './graph/large-set';
import { proxyBrackets, proxyFactor, proxyRadiance, wholeImageFits } from './graph/proxy';
import { gpuBudget } from './graph/budget';
import { setFits } from './graph/fits';
import type { TiledInput } from './graph/tiled-image';

const isViewStage = (s: Stage): s is ViewStage => (VIEW_STAGES as readonly Stage[]).includes(s);

export type { PipelineDebug };
export { cornerMotion, EngineInputError, MAX_BRACKETS, MIN_MOTION_PX, STAGES, type Stage };

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

export class Pipeline {
  readonly device: GPUDevice;
  readonly res: Resources;
  /** Decides what each change re-runs and what each render needs (graph/). */
  private readonly graph = createScheduler();
  /** 'stats' and 'histogram' once a render() that ran the luminance reduction or the histogram is done. */
  readonly events = new Emitter<PipelineEvents>();

  /** The full-size operators and their results. */
  private readonly full: FullSize;
  /** Paint the ghost mask over the canvas. */
  private ghostMask = false;
  /** What the canvas shows: downsample → detail → tone map → curve → histogram, present. */
  private readonly view: ViewChain;
  private readonly exporter: Exporter;
  /** The baked tone curves (4 × CURVE_LUT_SIZE f32), shared by preview and export. */
  private readonly luts: GPUBuffer;
  /** The last render showed a draft: the full-size result is still to come (the bridge's settle). */
  private draftShown = false;

  private pending: Bracket[] | null = null;
  /** A radiance map from a file (setRadiance), uploaded on the next render. */
  private pendingRadiance: FloatImage | null = null;
  /** The radiance texture holds a map from a file: there are no brackets and nothing to merge. */
  private radianceInput = false;
  private viewport: [number, number] = [0, 0];
  private params: Params = defaultParams();
  private mode: Mode = 'merge';
  private viewState: ViewState = FIT_VIEW;
  /** At fit, local detail comes from the full-size filter (settleDetail()). */
  private settledDetail = false;
  /** The compare split as a fraction of the canvas width, or null. */
  private split: number | null = null;

  private curves: Curves = identityCurves();
  /** The GPU memory budget set with setGpuBudget (null: the default from the adapter's limits). */
  private budgetOverride: number | null = null;
  /** A set too big for the whole-image graph: the graph runs on its proxy (graph/large-set.ts). */
  private large: LargeSet | null = null;
  /** The big set's statistics have been swept: the tone mapper reads them, not the proxy's. */
  private largeStats = false;

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

  private invalidate(change: Change): void {
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

  /** Validate and stage new brackets (sorted darkest first); uploaded on the next render. */
  setBrackets(brackets: readonly Bracket[]): void {
    checkBrackets(brackets);
    const k = this.takeLarge({ brackets });
    this.pending = proxyBrackets(brackets, k);
    this.pendingRadiance = null;
    this.full.prepare(this.pending);
    this.large?.setBlackLevel(this.full.blackLevel);
    this.large?.setParams(this.params);
    this.invalidate('brackets');
  }

  /**
   * The GPU memory budget in bytes for the sets given after it (null: the
   * default, graph/budget.ts): a set whose whole-image graph would need more
   * is processed tile by tile, and tiles are sized to it.
   */
  setGpuBudget(bytes: number | null): void {
    this.budgetOverride = bytes === null ? null : gpuBudget(this.device.limits, bytes);
  }

  /**
   * A new input: where it does not fit the whole-image graph, keep it for the
   * tiled work and return the proxy's factor k (else 1). Refuses, with the
   * numbers, a set that even tiled does not fit.
   */
  private takeLarge(input: TiledInput): number {
    const image = 'brackets' in input ? input.brackets[0]! : input.radiance;
    const count = 'brackets' in input ? input.brackets.length : 1;
    const wide = 'brackets' in input && isWide(input.brackets[0]!.pixels);
    const limits = this.device.limits;
    const whole = wholeImageFits(image.width, image.height, count, wide, limits, this.budgetOverride);
    if (!whole) {
      // The decoded set is already in memory and encoding is the caller's: the GPU's tile plan is what is checked here.
      const fit = setFits({ width: image.width, height: image.height, count, bytesPerPixel: wide ? 8 : 4 }, limits, { canvas: false, budget: this.budgetOverride });
      if (!fit.ok) throw new EngineInputError(`This GPU cannot process it: ${fit.message}`);
    }
    // Accepted: the old set goes.
    this.large?.release();
    this.large = null;
    this.largeStats = false;
    if (whole) return 1;
    const large = new LargeSet(this.device, this.res, input, proxyFactor(image.width, image.height, count, wide, limits, this.budgetOverride), gpuBudget(limits, this.budgetOverride ?? undefined));
    this.large = large;
    return large.k;
  }

  /**
   * A finished radiance map (linear RGB, alpha ignored) instead of brackets:
   * uploaded on the next render straight into the radiance texture, then
   * tone-mapped as a merge result. Merge mode only (setMode('fusion') is
   * ignored until brackets come back); no compare view (no bracket to show).
   */
  setRadiance(image: FloatImage): void {
    checkRadiance(image);
    const k = this.takeLarge({ radiance: image });
    this.pending = null;
    this.pendingRadiance = proxyRadiance(image, k);
    this.mode = 'merge';
    this.invalidate('brackets');
  }

  /** New relative exposures for the current brackets (same order): re-merge without re-upload. */
  setExposures(exposures: readonly number[]): void {
    if (this.large && this.pending) {
      if (exposures.length !== this.pending.length) throw new EngineInputError('Exposure count does not match the brackets.');
      this.pending = this.pending.map((b, i) => ({ ...b, exposure: exposures[i]! }));
      this.large.setExposures(exposures);
      this.invalidate('brackets');
      return;
    }
    if (this.pending) {
      // Not uploaded yet: the upload will carry the new exposures.
      if (exposures.length !== this.pending.length) throw new EngineInputError('Exposure count does not match the brackets.');
      this.setBrackets(this.pending.map((b, i) => ({ ...b, exposure: exposures[i]! })));
      return;
    }
    if (!this.full.exposures || exposures.length * 4 !== this.full.exposures.size) throw new EngineInputError('Exposure count does not match the brackets.');
    this.device.queue.writeBuffer(this.full.exposures, 0, new Float32Array(exposures));
    this.large?.setExposures(exposures);
    this.invalidate('exposures');
  }

  setParams(params: Params): void {
    const changed = PARAM_PASSES.filter((pass) => passChanged(pass, params, this.params));
    this.params = { ...params };
    this.large?.setParams(this.params);
    for (const pass of changed) {
      this.applyParams[pass]();
      this.invalidate(PARAM_CHANGE[pass]);
    }
  }

  /** Hands each param group to the operators that read it (the group's WGSL struct, or the module's settings). */
  private readonly applyParams: Record<ParamPass, () => void> = {
    fusion: () => this.full.setFusionParams(this.params),
    deghost: () => this.full.deghost.setParams(deghostParams(this.params)),
    detail: () => {
      this.view.setDetailParams(this.detailParams(this.params));
      this.full.detail.setParams(this.detailParams(this.params));
    },
    tonemap: () => this.view.setParams(this.params),
  };

  setMode(mode: Mode): void {
    if (mode === this.mode || (this.radianceInput && mode === 'fusion')) return;
    this.mode = mode;
    // The fused image is display-referred: local detail floors it higher (reference/local-detail.ts).
    this.view.setDetailParams(this.detailParams(this.params));
    this.full.detail.setParams(this.detailParams(this.params));
    this.invalidate('mode');
  }

  /** Local detail's settings for these params in the current mode. */
  private detailParams(params: Params): LocalDetailParams {
    return { ...localDetailParams(params), floor: this.mode === 'fusion' ? DISPLAY_LOG_FLOOR : LOG_FLOOR };
  }

  /** New tone curves: re-runs the curve, the histogram and present only. */
  setCurves(curves: Readonly<Curves>): void {
    if (CURVE_CHANNELS.every((c) => curves[c] === this.curves[c])) return;
    this.curves = { ...curves };
    this.device.queue.writeBuffer(this.luts, 0, bakeCurves(this.curves));
    this.invalidate('curves');
  }

  /** Paint clipped highlights and shadows on the canvas (never in the export or the histogram). */
  setClipWarnings(on: boolean): void {
    const present = this.view.present;
    if (!present || present.clipWarnings === on) return;
    present.setClipWarnings(on);
    this.invalidate('paint');
  }

  /**
   * Present for an HDR display (rgba16float canvas, extended tone mapping):
   * highlights the tone mapper compressed shown above SDR white (passes/present.ts).
   * Only presents again; nothing upstream changes. No-op headless.
   */
  setHdrDisplay(on: boolean): void {
    const present = this.view.present;
    if (!present || present.hdr === on) return;
    present.setHdr(on);
    this.invalidate('paint');
  }

  /** The canvas as last presented (re-presented and copied back), with what present read: for tests. */
  private async readPresentedNow(): ReturnType<PresentPass['readPresented']> {
    await this.render();
    if (!this.view.present) throw new EngineInputError('Nothing is presented headless.');
    return this.view.present.readPresented();
  }

  /** Paint deghosting's mask (where a bracket was rejected) over the canvas. */
  setGhostMask(on: boolean): void {
    if (on === this.ghostMask) return;
    this.ghostMask = on;
    this.invalidate('compare');
  }

  /** Align the brackets or use them as they are: switching reuses the estimate, it never re-estimates. */
  setAlign(on: boolean): void {
    if (on === this.full.alignOn || this.large) return;
    this.full.alignOn = on;
    this.applyAlignment();
  }

  /** The estimate for the current brackets (null before alignBrackets() has finished on them). */
  get alignmentResult(): AlignResult | null {
    return this.full.alignment;
  }

  /** The brackets' black level in codes (response.ts estimateBlackLevel): 0 for digital cameras. */
  get blackLevel(): number {
    return this.full.blackLevel;
  }

  /** The brackets are being read through the warp (alignment on and motion found). */
  get aligned(): boolean {
    return !!this.full.brackets && this.full.brackets !== this.full.uploaded;
  }

  /**
   * Estimate every bracket's motion against the reference bracket (deghosting's
   * automatic pick, the best exposed) and, where alignment is on and something
   * moved, switch the graph to the warped, cropped brackets; the next render()
   * warps and re-runs what reads them. Separate from render() so the first
   * picture never waits for it. Returns null for a single bracket or a
   * radiance map; the same result again for the same upload. Rejects with an
   * AbortError if new brackets arrive meanwhile.
   */
  async alignBrackets(signal?: AbortSignal): Promise<AlignResult | null> {
    // The upload (and a first picture, a draft where one is due: the estimate takes seconds).
    if (this.pending) await this.render({ draft: true });
    // A set processed tile by tile is not aligned (graph/large-set.ts).
    if (this.large) return null;
    const result = await this.full.estimateAlignment(signal);
    this.applyAlignment();
    return result;
  }

  /** Point the graph at the warped or the uploaded brackets, per the switch and the estimate. */
  private applyAlignment(): void {
    const moved = this.full.applyAlignment();
    if (!moved) return;
    if (moved === 'resized') this.view.releaseDetail();
    this.invalidate('alignment');
  }

  /** The part of the uploaded frame the graph works on (the whole frame unless aligned). */
  get crop(): CropRect {
    const u = this.full.uploaded;
    if (this.aligned && this.full.alignment) return { ...this.full.alignment.crop };
    return { x: 0, y: 0, width: u?.width ?? this.full.size[0], height: u?.height ?? this.full.size[1] };
  }

  /** The bracket deghosting compares the others with (darkest first from 0). */
  get ghostReference(): number {
    return this.full.deghost.reference;
  }

  /** Deghosting is on (strength above 0) and has brackets to compare. */
  private get ghostsActive(): boolean {
    return this.params.deghost > 0 && !this.large && !!this.full.brackets && this.full.brackets.depthOrArrayLayers > 1;
  }

  /** Zoom and pan (src/engine/view/view.ts): renders the visible region only. */
  setView(view: ViewState): void {
    if (view.zoom === this.viewState.zoom && view.center[0] === this.viewState.center[0] && view.center[1] === this.viewState.center[1]) return;
    const before = this.geometry();
    this.viewState = { zoom: view.zoom, center: [view.center[0], view.center[1]] };
    const after = this.geometry();
    if (before.fit && after.fit && this.imageSize[0] > 0) return;
    this.invalidate('viewport');
  }

  /** Before/after split at this fraction of the canvas width (left: the middle bracket), or null for none. */
  setCompare(split: number | null): void {
    const s = split === null ? null : Math.min(1, Math.max(0, split));
    if (s === this.split) return;
    const toggled = (s === null) !== (this.split === null);
    this.split = s;
    this.view.present?.setSplit(s === null ? null : s * this.viewport[0]);
    // Moving the divider only presents again.
    this.invalidate(toggled ? 'compare' : 'paint');
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
  private get detailActive(): boolean {
    return !isIdentity(localDetailParams(this.params));
  }

  /** The graph's configuration now (drafting or not): what decides its edges. */
  private config(draft: boolean): GraphConfig {
    const present = !!this.view.present && this.viewport[0] > 0;
    const ghosts = this.ghostsActive && !this.radianceInput;
    const detail = !this.detailActive ? 'off' : draft || (this.geometry().fit && !this.settledDetail) ? 'preview' : 'full';
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

  /** The canvas size in device pixels; the preview is fitted into it. */
  setViewport(width: number, height: number): void {
    const w = Math.max(1, Math.round(width));
    const h = Math.max(1, Math.round(height));
    if (w === this.viewport[0] && h === this.viewport[1]) return;
    this.viewport = [w, h];
    this.invalidate('viewport');
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
    // A big set's tiled work first (its own submissions): statistics, the zoomed region.
    if (this.large) await this.updateLarge(opts.draft === true);
    // Push, encode, submit and pop in one synchronous run, so overlapping
    // renders never interleave their error scopes.
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    let thrown: unknown = null;
    const { luminance, histogram } = this.graph.runs;
    try {
      this.encodeDirty(opts.draft === true);
    } catch (err) {
      thrown = err;
    }
    const oom = this.device.popErrorScope();
    const invalid = this.device.popErrorScope();
    const [oomError, invalidError] = await Promise.all([oom, invalid]);
    if (thrown) throw thrown;
    if (oomError) throw new EngineInputError(`The GPU ran out of memory for ${this.full.size[0]}×${this.full.size[1]} images (${oomError.message}).`);
    if (invalidError) throw new Error(`WebGPU validation error: ${invalidError.message}`);
    await this.device.queue.onSubmittedWorkDone();
    if (this.graph.runs.luminance !== luminance) this.events.emit('stats');
    if (this.graph.runs.histogram !== histogram) this.events.emit('histogram');
  }

  /**
   * A big set before a render: the full-size statistics (a full render in
   * merge mode, swept across tiles after a change) and the visible region
   * made from the full-size set where zoomed beyond the proxy's scale.
   */
  private async updateLarge(draft: boolean): Promise<void> {
    const large = this.large!;
    let changed = await large.updateView(this.mode, this.detailActive ? this.detailParams(this.params) : null, this.geometry());
    if (!draft && this.mode === 'merge' && large.statsStale) {
      await large.statsBuffer();
      this.largeStats = true;
      changed = true;
    }
    if (changed) this.invalidate('viewport');
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
  private draftable(): boolean {
    if (!this.full.brackets || !this.full.exposures || this.radianceInput || this.ghostsActive || this.viewport[0] === 0 || !this.geometry().fit) return false;
    const full = this.config(false);
    const stale = this.mode === 'fusion' ? this.graph.stale('fusion', full) : this.graph.stale('luminance', full);
    if (!stale) return false;
    const [pw, ph] = this.previewSize();
    return pw * ph * DRAFT_MIN_RATIO <= this.full.size[0] * this.full.size[1];
  }

  /** The instrumentation: run counters and test-only reads, apart from the engine's face. */
  get debug(): PipelineDebug {
    return this.debugView;
  }

  private readonly debugView: PipelineDebug = (() => {
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
    };
  })();

  private encodeDirty(draft: boolean): void {
    if (this.pending) this.upload(this.pending);
    if (this.pendingRadiance) this.uploadRadiance(this.pendingRadiance);
    this.pending = this.pendingRadiance = null;
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

  private upload(brackets: readonly Bracket[]): void {
    if (this.full.upload(brackets)) this.view.releaseDetail();
    this.radianceInput = false;
    this.graph.ran('upload', this.config(false));
  }

  /** A map from a file: the merge's output, written straight into the radiance texture. */
  private uploadRadiance(image: FloatImage): void {
    if (this.full.uploadRadiance(image)) this.view.releaseDetail();
    this.radianceInput = true;
    // The map is the merge's output: what reads the merge runs next.
    const cfg = this.config(false);
    this.graph.ran('upload', cfg);
    this.graph.given('merge', cfg);
  }

  private fullContext(): FullSizeContext {
    return { mode: this.mode, ghosts: this.ghostsActive, preview: this.previewSize() };
  }

  /** Preview size: the whole image fitted into the viewport, never enlarged. */
  previewSize(): [number, number] {
    return viewGeometry(this.imageSize, this.viewport, FIT_VIEW).out;
  }

  /** Bind the view chain to what it reads under cfg. */
  private bindView(cfg: GraphConfig): void {
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
  private finishLarge(params: Params, format: ExportFormat): ReturnType<LargeSet['finish']> {
    const detail = this.detailParams(params);
    return this.large!.finish(this.exporter, this.mode, params, isIdentity(detail) ? null : detail, format, this.full.luminance.stats);
  }

  private async exportFinished(params: Params, format: ExportFormat): Promise<Finished> {
    if (!this.full.brackets && !this.pending && !this.radianceInput && !this.pendingRadiance) throw new EngineInputError('Nothing to export yet.');
    await this.render();
    return this.exporter.finish(this.mode, await this.finishedSource(params), this.full.luminance.stats, params, format);
  }

  /**
   * The full-size image the export tone-maps: the source, or its local-detail
   * result (run now if stale; kept for the next export or zoomed view).
   */
  private async finishedSource(params: Params): Promise<GPUTexture> {
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

  /** The inverse camera response the merge uses (sRGB until set): re-merges, no re-upload. */
  setResponse(luts: ResponseLuts): void {
    this.full.setResponse(luts);
    this.large?.setResponse(luts);
    this.invalidate('exposures');
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

  /** The canvas-sized preview as sRGB RGBA8 bytes (draft: as a draft render leaves it, see render()). */
  async readDisplay(opts: { draft?: boolean } = {}): Promise<{ width: number; height: number; data: Uint8Array<ArrayBuffer> }> {
    await this.render(opts);
    const display = this.view.displayed;
    if (!display) throw new EngineInputError('No preview yet.');
    return { width: display.width, height: display.height, data: new Uint8Array(await readTexture(this.device, display, 4, 'display')) };
  }

  dispose(): void {
    this.large = null;
    this.res.destroyAll();
    this.view.dispose();
    this.full.dispose();
  }
}
