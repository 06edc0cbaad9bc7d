// The processing graph: owns the GPU resources, caches every intermediate and
// re-runs only the stages a change invalidates.
//
//   brackets ─upload─[align]─┬→ merge → radiance ─┬→ luminance → stats ─────────────────────────────┐
//                            │                     └→ source ─┬→ downsample → preview ─→ detail ─→ tonemap → toned → curve → display ─┬→ present
//                            └→ fusion → fused ────→ source ──┘   (region)           (fit only)   (fusion: no stats)                  └→ histogram
//                                          source → detailFull ─→ downsample  (zoomed in, local detail on: real full-size pixels)
//                            └→ (layer N/2) → before (same region; the compare split) → present
//                  (export) source or detailFull + stats → tonemap → curve → rgba8 → readback
//
// Alignment (align.ts) is estimated apart from render(), after the first
// picture is up (alignBrackets(): seconds on a software adapter); once it
// finds motion, the 'align' stage warps the uploaded brackets into the
// reference frame, cropped to the area every bracket covers, and everything
// downstream reads the warped set at the crop's size, export included.
//
// Drafts (render({ draft: true }), draft.ts): while the full-size merge or
// fusion is stale and the whole image is in view, the view chain can read a
// draft instead, the same operator run on the brackets box-downsampled to
// the preview's size; the full-size stages stay dirty until a full render
// (the bridge renders in full once edits pause; exports always do).
//
// The view (src/engine/view.ts) picks the region: at fit the whole image at
// canvas size, zoomed in the visible part, from full-resolution pixels. Local
// detail is scale-dependent, so zoomed in it runs once on the full-size image
// (kept until its settings or the source change) and the view crops that, as
// the export does; at fit it runs on the preview.
//
// What each kind of change dirties is the table INVALIDATES below; a tone-map
// slider re-runs tonemap and present only. A render runs only the dirty stages
// the current mode needs (MODE_STAGES); the others stay dirty, so switching
// back to a mode whose result is still valid costs a downsample, not a merge.
import { bakeCurves, CURVE_CHANNELS, identityCurves, type Curves } from './curve';
import { Align, type AlignResult, type CropRect } from './align';
import { Deghost } from './deghost';
import { Emitter, type PipelineEvents } from './events';
import { Draft } from './draft';
import { autoReference } from './reference/deghost';
import { LocalDetail } from './local-detail';
import { DISPLAY_LOG_FLOOR, isIdentity, LOG_FLOOR, type LocalDetailParams } from './reference/local-detail';
import { CurvePass } from './passes/curve';
import { DownsamplePass } from './passes/downsample';
import { HistogramPass } from './passes/histogram';
import { Fusion, type FusionPhase } from './fusion';
import { LuminancePass } from './passes/luminance';
import { MergePass } from './passes/merge';
import { PresentPass } from './passes/present';
import { TonemapPass } from './passes/tonemap';
import { readTexture } from './gpu/readback';
import { Resources } from './gpu/resources';
import { defaultParams, localDetailParams, passChanged, type Params } from './params';
import { estimateBlackLevel, mergeWeights, type ResponseLuts } from './response';
import { FIT_VIEW, viewGeometry, type ViewGeometry, type ViewState } from './view';
import { unorm16HalfTable } from './half';
import { isWide, MAX_BRACKETS, type Bracket, type FloatImage, type LuminanceStats, type Mode } from './types';

export { MAX_BRACKETS };

export const STAGES = ['upload', 'align', 'deghost', 'merge', 'luminance', 'fusion', 'detailFull', 'downsample', 'detail', 'tonemap', 'curve', 'histogram', 'before', 'ghostView', 'present'] as const;
export type Stage = (typeof STAGES)[number];
export type Change = 'brackets' | 'alignment' | 'exposures' | 'ghosts' | 'weights' | 'mode' | 'detail' | 'params' | 'viewport' | 'curves' | 'compare' | 'paint';

const FINISH: readonly Stage[] = ['tonemap', 'curve', 'histogram', 'present'];
export const INVALIDATES: Record<Change, readonly Stage[]> = {
  brackets: STAGES,
  /** Alignment found motion, or was switched on or off: the same upload, a new (or no) warp and crop. */
  alignment: STAGES.filter((s) => s !== 'upload'),
  /** New exposures or camera response: a new merge (fusion does not use them; deghosting, when on, adds 'ghosts'). */
  exposures: ['merge', 'luminance', 'detailFull', 'downsample', 'detail', ...FINISH],
  /** Deghosting settings: new weights, a new merge and fusion. */
  ghosts: ['deghost', 'merge', 'luminance', 'fusion', 'detailFull', 'downsample', 'detail', ...FINISH, 'ghostView'],
  weights: ['fusion', 'detailFull', 'downsample', 'detail', ...FINISH],
  mode: ['detailFull', 'downsample', 'detail', ...FINISH],
  /**
   * Local detail settings. Not the downsample: at fit it reads the source,
   * which is unchanged; where it reads the full-size detail result (zoomed in,
   * or settled) encodeDirty() dirties it when that result is made again, and
   * bindView() when its input switches (a 12 MP read saved per slider step).
   */
  detail: ['detailFull', 'detail', ...FINISH],
  /** The canvas size, zoom or pan: a new region. */
  viewport: ['downsample', 'detail', ...FINISH, 'before', 'ghostView'],
  params: FINISH,
  curves: ['curve', 'histogram', 'present'],
  /** The before/after split or the ghost mask turned on, or the split moved. */
  compare: ['before', 'ghostView', 'present'],
  /** Clip warnings on or off. */
  paint: ['present'],
};

/**
 * Below this many pixels of displacement at every image corner, an estimated
 * motion is treated as none and the brackets are used as shot: a bilinear
 * warp softens a bracket about as much as half a pixel of misregistration
 * does, and tripod sets come out of the estimate with a few tenths of a pixel
 * (0.1–0.3 px on the fixtures with pasted ghosts or linear 16-bit data), which
 * would otherwise cost them a resampling and a crop for nothing.
 */
export const MIN_MOTION_PX = 0.5;

/**
 * Drafts (render({ draft: true })) only where the image has at least this
 * many times the preview's pixels: below that the full-size work is about
 * the same as the draft's, and the draft would only add a second render.
 */
export const DRAFT_MIN_RATIO = 2;

/** The largest displacement of the image corners under a layer's matrix (bracket = M · reference), in pixels. */
export function cornerMotion(m: readonly number[], width: number, height: number): number {
  let worst = 0;
  for (const [x, y] of [[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]] as const) {
    const d = m[6]! * x + m[7]! * y + m[8]!;
    const u = (m[0]! * x + m[1]! * y + m[2]!) / d;
    const v = (m[3]! * x + m[4]! * y + m[5]!) / d;
    worst = Math.max(worst, Math.hypot(u - x, v - y));
  }
  return worst;
}

/** The stages each mode runs at fit with no local detail and no compare; see needed(). */
export const MODE_STAGES: Record<Mode, readonly Stage[]> = {
  merge: ['upload', 'merge', 'luminance', 'downsample', ...FINISH],
  fusion: ['upload', 'fusion', 'downsample', ...FINISH],
};

const textureIds = new WeakMap<GPUTexture, number>();
let nextTextureId = 0;
/** A stable identity for a texture object (labels repeat across reallocations). */
function textureId(t: GPUTexture): number {
  let id = textureIds.get(t);
  if (id === undefined) textureIds.set(t, (id = ++nextTextureId));
  return id;
}

/** 16-bit samples into one layer of an rgba16float texture, as half floats, a band of rows (≤ 4 MiB) at a time. */
function writeHalfRows(queue: GPUQueue, texture: GPUTexture, layer: number, pixels: Uint16Array, width: number, height: number): void {
  const table = unorm16HalfTable();
  const rows = Math.max(1, Math.min(height, Math.floor((4 << 20) / (width * 8))));
  const half = new Uint16Array(rows * width * 4);
  for (let y = 0; y < height; y += rows) {
    const n = Math.min(rows, height - y);
    const src = pixels.subarray(y * width * 4, (y + n) * width * 4);
    for (let i = 0; i < src.length; i++) half[i] = table[src[i]!]!;
    queue.writeTexture({ texture, origin: [0, y, layer] }, half, { bytesPerRow: width * 8, rowsPerImage: n }, [width, n, 1]);
  }
}

export class EngineInputError extends Error {
  override name = 'EngineInputError';
}

export interface PipelineOptions {
  device: GPUDevice;
  /** Omit for headless use (tests, batch): nothing is presented. */
  context?: GPUCanvasContext;
  format?: GPUTextureFormat;
}

export class Pipeline {
  readonly device: GPUDevice;
  readonly res: Resources;
  /** How many times each stage has run: tests check what a change re-runs. */
  readonly runs = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  /** 'stats' and 'histogram' once a render() that ran the luminance reduction or the histogram is done. */
  readonly events = new Emitter<PipelineEvents>();

  private readonly merge: MergePass;
  private readonly luminance: LuminancePass;
  private readonly fusion: Fusion;
  private readonly downsample: DownsamplePass;
  private readonly beforeDownsample: DownsamplePass;
  private readonly ghostDownsample: DownsamplePass;
  private readonly deghost: Deghost;
  /** Made on first use: its passes compile only when a set has more than one bracket. */
  private aligner: Align | null = null;
  /** Align the brackets (on by default); off, the uploaded brackets are used as they are. */
  private alignOn = true;
  /** The estimate for the current upload, once alignBrackets() has run on it. */
  private alignment: AlignResult | null = null;
  /** The bracket autoReference picked for the current set (deghosting's default reference). */
  private autoGhostReference = 0;
  private ghostView: GPUTexture | null = null;
  /** Paint the ghost mask over the canvas. */
  private ghostMask = false;
  private readonly previewDetail: LocalDetail;
  private readonly fullDetail: LocalDetail;
  private readonly previewTone: TonemapPass;
  private readonly exportTone: TonemapPass;
  private readonly previewCurve: CurvePass;
  private readonly exportCurve: CurvePass;
  /** The 16-bit export: the same curve, kept in float (made on first use). */
  private export16Curve: CurvePass | null = null;
  private readonly histogram: HistogramPass;
  /** The baked tone curves (4 × CURVE_LUT_SIZE f32), shared by preview and export. */
  private readonly luts: GPUBuffer;
  private readonly present: PresentPass | null;
  /** Canvas-sized merges and fusions for render({ draft: true }): made on the first draft. */
  private draft: Draft | null = null;
  /** The last render showed a draft: the full-size result is still to come (the bridge's settle). */
  private draftShown = false;
  /** The camera response set last (null: sRGB), for a draft made later. */
  private response: ResponseLuts | null = null;

  /** The brackets' black level in codes (response.ts estimateBlackLevel): 0 for digital cameras. */
  blackLevel = 0;
  private dirty = new Set<Stage>();
  private pending: Bracket[] | null = null;
  /** A radiance map from a file (setRadiance), uploaded on the next render. */
  private pendingRadiance: FloatImage | null = null;
  /** The radiance texture holds a map from a file: there are no brackets and nothing to merge. */
  private radianceInput = false;
  private size: [number, number] = [0, 0];
  private viewport: [number, number] = [0, 0];
  private params: Params = defaultParams();
  private mode: Mode = 'merge';
  private view: ViewState = FIT_VIEW;
  /** At fit, local detail comes from the full-size filter (settleDetail()). */
  private settledDetail = false;
  /** The compare split as a fraction of the canvas width, or null. */
  private split: number | null = null;
  /** What the view chain is bound to; rebinding happens only when it changes. */
  private viewKey = '';
  /** The downsample's input texture and region as last bound. */
  private downsampleKey = '';

  /** The brackets as uploaded. */
  private uploaded: GPUTexture | null = null;
  /** What merge, fusion, deghosting and the compare view read: the upload, or its aligned and cropped warp. */
  private brackets: GPUTexture | null = null;
  private exposures: GPUBuffer | null = null;
  private radiance: GPUTexture | null = null;
  private preview: GPUTexture | null = null;
  private detailed: GPUTexture | null = null;
  private detailedFull: GPUTexture | null = null;
  private before: GPUTexture | null = null;
  private toned: GPUTexture | null = null;
  private display: GPUTexture | null = null;
  private curves: Curves = identityCurves();

  constructor(opts: PipelineOptions) {
    this.device = opts.device;
    this.res = new Resources(this.device);
    this.merge = new MergePass(this.device, this.res);
    this.luminance = new LuminancePass(this.device, this.res);
    this.fusion = new Fusion(this.device, this.res);
    this.downsample = new DownsamplePass(this.device, this.res);
    this.beforeDownsample = new DownsamplePass(this.device, this.res, 'before');
    this.ghostDownsample = new DownsamplePass(this.device, this.res, 'ghost-view');
    this.deghost = new Deghost(this.device, this.res);
    this.previewDetail = new LocalDetail(this.device, this.res);
    this.fullDetail = new LocalDetail(this.device, this.res);
    this.previewTone = new TonemapPass(this.device, this.res, 'tonemap.preview');
    this.exportTone = new TonemapPass(this.device, this.res, 'tonemap.export', this.previewTone);
    this.previewCurve = new CurvePass(this.device, 'curve.preview');
    this.exportCurve = new CurvePass(this.device, 'curve.export', this.previewCurve);
    this.histogram = new HistogramPass(this.device, this.res);
    const luts = bakeCurves(this.curves);
    this.luts = this.res.buffer({ label: 'curve.luts', size: luts.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(this.luts, 0, luts);
    this.present = opts.context ? new PresentPass(this.device, this.res, opts.context, opts.format ?? 'rgba8unorm') : null;
    this.previewTone.setParams(this.params);
    this.fusion.setParams(this.params);
  }

  private invalidate(change: Change): void {
    const stages = INVALIDATES[change];
    for (const s of stages) this.dirty.add(s);
    if (this.draft) {
      if (stages.includes('align')) this.draft.dirty.add('brackets');
      if (stages.includes('merge')) this.draft.dirty.add('merge');
      if (stages.includes('fusion')) this.draft.dirty.add('fusion');
    }
    // A new full-size detail result is seconds away at 12 MP on a software adapter: drags go back to the preview-scale filter.
    if (INVALIDATES[change].includes('detailFull')) this.settledDetail = false;
  }

  /**
   * At fit, show local detail from the full-size filter, downsampled (as the
   * export makes it), instead of the filter run on the preview. The filter
   * is scale-dependent: the preview-scale run is fast and serves drags, and
   * the caller settles on the full-size one once edits pause (src/bridge.ts),
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
    return !this.settledDetail && this.detailActive && this.geometry().fit && (!!this.brackets || this.radianceInput);
  }

  /** Validate and stage new brackets (sorted darkest first); uploaded on the next render. */
  setBrackets(brackets: readonly Bracket[]): void {
    const first = brackets[0];
    if (!first) throw new EngineInputError('No images to merge.');
    if (brackets.length > MAX_BRACKETS) throw new EngineInputError(`At most ${MAX_BRACKETS} brackets can be merged; got ${brackets.length}.`);
    const limit = this.device.limits.maxTextureDimension2D;
    if (first.width > limit || first.height > limit) {
      throw new EngineInputError(`The images are ${first.width}×${first.height} pixels; this GPU handles at most ${limit} pixels on a side.`);
    }
    for (const b of brackets) {
      if (b.width !== first.width || b.height !== first.height) throw new EngineInputError('All brackets must have the same size.');
      if (b.pixels.length !== b.width * b.height * 4) throw new EngineInputError('Bracket pixel data does not match its size.');
      if (isWide(b.pixels) !== isWide(first.pixels)) throw new EngineInputError('All brackets must have the same bit depth (8 or 16 bits per sample).');
      if (!(b.exposure > 0)) throw new EngineInputError('Every bracket needs a positive exposure.');
    }
    for (let i = 1; i < brackets.length; i++) {
      if (brackets[i]!.exposure < brackets[i - 1]!.exposure) throw new EngineInputError('Brackets must be sorted darkest first.');
    }
    this.pending = [...brackets];
    this.pendingRadiance = null;
    // A scan's fog level (0 for a camera's true black) keeps the merge off codes that carry no signal.
    this.blackLevel = estimateBlackLevel(brackets);
    this.merge.setBlackLevel(this.blackLevel);
    this.draft?.setBlackLevel(this.blackLevel);
    this.deghost.setBlackLevel(this.blackLevel);
    this.autoGhostReference = autoReference(brackets, mergeWeights(this.blackLevel));
    this.invalidate('brackets');
  }

  /**
   * A finished radiance map (linear RGB, alpha ignored) instead of brackets:
   * uploaded on the next render straight into the radiance texture, then
   * tone-mapped as a merge result. Merge mode only (setMode('fusion') is
   * ignored until brackets come back); no compare view (no bracket to show).
   */
  setRadiance(image: FloatImage): void {
    const { width, height } = image;
    if (!(width > 0 && height > 0)) throw new EngineInputError('The radiance map is empty.');
    const limit = this.device.limits.maxTextureDimension2D;
    if (width > limit || height > limit) throw new EngineInputError(`The image is ${width}×${height} pixels; this GPU handles at most ${limit} pixels on a side.`);
    if (image.data.length !== width * height * 4) throw new EngineInputError('Radiance data does not match its size.');
    this.pending = null;
    this.pendingRadiance = image;
    this.mode = 'merge';
    this.invalidate('brackets');
  }

  /** New relative exposures for the current brackets (same order): re-merge without re-upload. */
  setExposures(exposures: readonly number[]): void {
    if (this.pending) {
      // Not uploaded yet: the upload will carry the new exposures.
      if (exposures.length !== this.pending.length) throw new EngineInputError('Exposure count does not match the brackets.');
      this.setBrackets(this.pending.map((b, i) => ({ ...b, exposure: exposures[i]! })));
      return;
    }
    if (!this.exposures || exposures.length * 4 !== this.exposures.size) throw new EngineInputError('Exposure count does not match the brackets.');
    this.device.queue.writeBuffer(this.exposures, 0, new Float32Array(exposures));
    this.invalidate('exposures');
    // Deghosting predicts brackets through the exposures: new weights, and so a new fusion too.
    if (this.ghostsActive) this.invalidate('ghosts');
  }

  setParams(params: Params): void {
    const weights = passChanged('fusion', params, this.params);
    const detail = passChanged('detail', params, this.params);
    const ghosts = passChanged('deghost', params, this.params);
    const tone = passChanged('tonemap', params, this.params);
    this.params = { ...params };
    if (weights) {
      this.fusion.setParams(this.params);
      this.draft?.setParams(this.params);
      this.invalidate('weights');
    }
    if (ghosts) {
      this.deghost.setParams({ strength: params.deghost, reference: params.deghostReference });
      this.invalidate('ghosts');
    }
    if (detail) {
      this.previewDetail.setParams(this.detailParams(this.params));
      this.fullDetail.setParams(this.detailParams(this.params));
      this.invalidate('detail');
    }
    if (tone) {
      this.previewTone.setParams(this.params);
      this.invalidate('params');
    }
  }

  setMode(mode: Mode): void {
    if (mode === this.mode || (this.radianceInput && mode === 'fusion')) return;
    this.mode = mode;
    // The fused image is display-referred: local detail floors it higher (reference/local-detail.ts).
    this.previewDetail.setParams(this.detailParams(this.params));
    this.fullDetail.setParams(this.detailParams(this.params));
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
    if (!this.present || this.present.clipWarnings === on) return;
    this.present.setClipWarnings(on);
    this.invalidate('paint');
  }

  /**
   * Present for an HDR display (rgba16float canvas, extended tone mapping):
   * highlights the tone mapper compressed shown above SDR white (passes/present.ts).
   * Only presents again; nothing upstream changes. No-op headless.
   */
  setHdrDisplay(on: boolean): void {
    if (!this.present || this.present.hdr === on) return;
    this.present.setHdr(on);
    this.invalidate('paint');
  }

  /** The canvas as last presented (re-presented and copied back), with what present read: for tests. */
  async readPresented(): ReturnType<PresentPass['readPresented']> {
    await this.render();
    if (!this.present) throw new EngineInputError('Nothing is presented headless.');
    return this.present.readPresented();
  }

  /** Paint deghosting's mask (where a bracket was rejected) over the canvas. */
  setGhostMask(on: boolean): void {
    if (on === this.ghostMask) return;
    this.ghostMask = on;
    this.invalidate('compare');
  }

  /** Align the brackets or use them as they are: switching reuses the estimate, it never re-estimates. */
  setAlign(on: boolean): void {
    if (on === this.alignOn) return;
    this.alignOn = on;
    this.applyAlignment();
  }

  /** The estimate for the current brackets (null before alignBrackets() has finished on them). */
  get alignmentResult(): AlignResult | null {
    return this.alignment;
  }

  /** The brackets are being read through the warp (alignment on and motion found). */
  get aligned(): boolean {
    return !!this.brackets && this.brackets !== this.uploaded;
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
    const uploaded = this.uploaded;
    if (!uploaded || uploaded.depthOrArrayLayers < 2) return null;
    if (this.alignment) return this.alignment;
    this.aligner ??= new Align(this.device, this.res);
    this.aligner.bind(uploaded, this.autoGhostReference);
    const result = await this.aligner.estimate(signal);
    if (uploaded !== this.uploaded) throw new DOMException('alignment superseded', 'AbortError');
    this.alignment = result;
    this.applyAlignment();
    return result;
  }

  /** Point the graph at the warped or the uploaded brackets, per the switch and the estimate. */
  private applyAlignment(): void {
    const uploaded = this.uploaded;
    if (!uploaded) return;
    const { width, height } = uploaded;
    const result = this.alignment;
    const moved = !!result && result.motions.some((m) => cornerMotion(m.matrix, width, height) >= MIN_MOTION_PX);
    const warp = this.alignOn && moved && !!this.aligner && result.crop.width > 0 && result.crop.height > 0;
    let next = uploaded;
    if (warp) {
      this.aligner!.crop(result.crop);
      next = this.aligner!.warped!;
    }
    if (next === this.brackets) return;
    this.brackets = next;
    this.resize(next.width, next.height);
    this.invalidate('alignment');
  }

  /** The part of the uploaded frame the graph works on (the whole frame unless aligned). */
  get crop(): CropRect {
    const u = this.uploaded;
    if (this.aligned && this.alignment) return { ...this.alignment.crop };
    return { x: 0, y: 0, width: u?.width ?? this.size[0], height: u?.height ?? this.size[1] };
  }

  /** The bracket deghosting compares the others with (darkest first from 0). */
  get ghostReference(): number {
    return this.deghost.reference;
  }

  /** Deghosting is on (strength above 0) and has brackets to compare. */
  private get ghostsActive(): boolean {
    return this.params.deghost > 0 && !!this.brackets && this.brackets.depthOrArrayLayers > 1;
  }

  /** Zoom and pan (src/engine/view.ts): renders the visible region only. */
  setView(view: ViewState): void {
    if (view.zoom === this.view.zoom && view.center[0] === this.view.center[0] && view.center[1] === this.view.center[1]) return;
    const before = this.geometry();
    this.view = { zoom: view.zoom, center: [view.center[0], view.center[1]] };
    const after = this.geometry();
    if (before.fit && after.fit && this.size[0] > 0) return;
    this.invalidate('viewport');
  }

  /** Before/after split at this fraction of the canvas width (left: the middle bracket), or null for none. */
  setCompare(split: number | null): void {
    const s = split === null ? null : Math.min(1, Math.max(0, split));
    if (s === this.split) return;
    const toggled = (s === null) !== (this.split === null);
    this.split = s;
    this.present?.setSplit(s === null ? null : s * this.viewport[0]);
    // Moving the divider only presents again.
    this.invalidate(toggled ? 'compare' : 'paint');
  }

  /** What the canvas shows of the image at the current view. */
  geometry(): ViewGeometry {
    return viewGeometry(this.size, this.viewport, this.view);
  }

  /** Local detail is on (its settings are not the identity). */
  private get detailActive(): boolean {
    return !isIdentity(localDetailParams(this.params));
  }

  /** The stages the next render runs where dirty: the mode's, and those the view and local detail add. */
  private needed(): Set<Stage> {
    const out = new Set<Stage>(MODE_STAGES[this.mode]);
    const fit = this.geometry().fit;
    if (this.detailActive) out.add(fit && !this.settledDetail ? 'detail' : 'detailFull');
    if (this.split !== null && this.present && !this.radianceInput) out.add('before');
    if (this.ghostsActive && !this.radianceInput) {
      out.add('deghost');
      if (this.ghostMask && this.present) out.add('ghostView');
    }
    if (!this.present || this.viewport[0] === 0) out.delete('present');
    return out;
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
   * The caller (src/bridge.ts) drafts while edits move and renders in full
   * once they pause; exports and reads always render in full.
   */
  async render(opts: { draft?: boolean } = {}): Promise<void> {
    // Push, encode, submit and pop in one synchronous run, so overlapping
    // renders never interleave their error scopes.
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    let thrown: unknown = null;
    const { luminance, histogram } = this.runs;
    try {
      this.encodeDirty(opts.draft === true);
    } catch (err) {
      thrown = err;
    }
    const oom = this.device.popErrorScope();
    const invalid = this.device.popErrorScope();
    const [oomError, invalidError] = await Promise.all([oom, invalid]);
    if (thrown) throw thrown;
    if (oomError) throw new EngineInputError(`The GPU ran out of memory for ${this.size[0]}×${this.size[1]} images (${oomError.message}).`);
    if (invalidError) throw new Error(`WebGPU validation error: ${invalidError.message}`);
    await this.device.queue.onSubmittedWorkDone();
    if (this.runs.luminance !== luminance) this.events.emit('stats');
    if (this.runs.histogram !== histogram) this.events.emit('histogram');
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
    if (!this.brackets || !this.exposures || this.radianceInput || this.ghostsActive || this.viewport[0] === 0 || !this.geometry().fit) return false;
    const stale = this.mode === 'fusion' ? this.dirty.has('fusion') : this.dirty.has('merge') || this.dirty.has('luminance');
    if (!stale) return false;
    const [pw, ph] = this.previewSize();
    return pw * ph * DRAFT_MIN_RATIO <= this.size[0] * this.size[1];
  }

  /** Encode the draft's stale parts; returns the draft image (the preview's size). */
  private encodeDraft(encoder: GPUCommandEncoder): GPUTexture {
    if (!this.draft) {
      this.draft = new Draft(this.device, this.res);
      this.draft.setBlackLevel(this.blackLevel);
      if (this.response) this.draft.setResponse(this.response);
      this.draft.setParams(this.params);
    }
    const [pw, ph] = this.previewSize();
    return this.draft.encode(encoder, this.mode, this.brackets!, this.exposures!, String(textureId(this.brackets!)), pw, ph);
  }

  /** Draft parts run so far (proxy brackets, merges, fusions): tests check what a drag re-runs. */
  get draftRuns(): Readonly<Record<'brackets' | 'merge' | 'fusion', number>> {
    return this.draft?.runs ?? { brackets: 0, merge: 0, fusion: 0 };
  }

  private encodeDirty(draft: boolean): void {
    if (this.pending) this.upload(this.pending);
    if (this.pendingRadiance) this.uploadRadiance(this.pendingRadiance);
    this.pending = this.pendingRadiance = null;
    // A map from a file is the merge's result already.
    if (this.radianceInput) this.dirty.delete('merge');
    if (!this.brackets && !this.radianceInput) {
      this.dirty.clear();
      return;
    }
    const needed = this.needed();
    if (this.aligned) needed.add('align');
    const drafting = draft && this.draftable();
    if (drafting) {
      // The full-size stages stay dirty; local detail runs on the preview.
      for (const s of ['deghost', 'merge', 'luminance', 'fusion', 'detailFull'] as const) needed.delete(s);
      if (this.detailActive) needed.add('detail');
    }
    // From draft to full or back: the view chain reads another source (and other stats).
    if (drafting !== this.draftShown) this.invalidate('viewport');
    this.draftShown = drafting;
    const due = (stage: Stage) => this.dirty.has(stage) && needed.has(stage);
    if (due('deghost')) this.deghost.bind(this.brackets!, this.exposures!, this.autoGhostReference);
    if (due('merge')) this.allocRadiance();
    if (due('fusion') && this.brackets) this.fusion.bind(this.brackets, this.ghosts());
    if (due('detailFull')) this.bindFullDetail();
    const encoder = this.device.createCommandEncoder({ label: 'pipeline.render' });
    const fullRuns = this.runs.detailFull;
    const run = (stage: Stage, encode: () => void) => {
      if (!due(stage)) return;
      encode();
      this.dirty.delete(stage);
      this.runs[stage]++;
    };
    run('align', () => this.aligner!.encodeWarp(encoder));
    // After the warp: the proxy set reads the warped brackets.
    this.bindView(needed, drafting ? this.encodeDraft(encoder) : null);
    run('deghost', () => this.deghost.encode(encoder));
    run('merge', () => this.merge.encode(encoder));
    run('luminance', () => this.luminance.encode(encoder));
    run('fusion', () => this.fusion.encode(encoder));
    run('detailFull', () => this.fullDetail.encode(encoder));
    // A new full-size detail result: the view reads it through the downsample.
    if (this.runs.detailFull !== fullRuns && needed.has('detailFull')) this.dirty.add('downsample');
    run('downsample', () => this.downsample.encode(encoder));
    run('detail', () => this.previewDetail.encode(encoder));
    run('tonemap', () => this.previewTone.encode(encoder));
    run('curve', () => this.previewCurve.encode(encoder));
    run('histogram', () => this.histogram.encode(encoder));
    run('before', () => this.beforeDownsample.encode(encoder));
    run('ghostView', () => this.ghostDownsample.encode(encoder));
    run('present', () => this.present!.encode(encoder));
    this.device.queue.submit([encoder.finish()]);
    // The full-size filter's pyramids (≈ 56 B per pixel) go once its work is queued; its result stays.
    if (this.runs.detailFull !== fullRuns) this.fullDetail.release();
  }

  private upload(brackets: readonly Bracket[]): void {
    const first = brackets[0]!;
    const { width, height } = first;
    this.dropBrackets();
    // 16-bit brackets as half floats (half.ts: 11 significant bits), read as f32 like rgba8unorm.
    const wide = isWide(first.pixels);
    this.brackets = this.uploaded = this.res.texture({
      label: 'upload.brackets',
      size: [width, height, brackets.length],
      format: wide ? 'rgba16float' : 'rgba8unorm',
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
    });
    brackets.forEach((b, layer) => {
      if (isWide(b.pixels)) {
        writeHalfRows(this.device.queue, this.brackets!, layer, b.pixels, width, height);
        return;
      }
      const bytes = new Uint8Array(b.pixels.buffer, b.pixels.byteOffset, b.pixels.byteLength);
      this.device.queue.writeTexture({ texture: this.brackets!, origin: [0, 0, layer] }, bytes, { bytesPerRow: width * 4, rowsPerImage: height }, [width, height, 1]);
    });
    this.exposures = this.res.buffer({ label: 'upload.exposures', size: brackets.length * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(this.exposures, 0, new Float32Array(brackets.map((b) => b.exposure)));
    this.runs.upload++;
    this.dirty.delete('upload');
    this.radianceInput = false;
    this.resize(width, height);
  }

  /** A map from a file into the radiance texture (rgba32float, as the merge writes it); the brackets go. */
  private uploadRadiance(image: FloatImage): void {
    const { width, height } = image;
    this.dropBrackets();
    this.resize(width, height);
    this.allocRadiance();
    this.device.queue.writeTexture({ texture: this.radiance! }, image.data, { bytesPerRow: width * 16, rowsPerImage: height }, [width, height, 1]);
    this.runs.upload++;
    this.dirty.delete('upload');
    this.radianceInput = true;
  }

  /** The uploaded brackets go, with their exposures, alignment and warp. */
  private dropBrackets(): void {
    // Abandons an estimate in flight; the warp's output goes with it.
    this.aligner?.release();
    this.draft?.release();
    this.alignment = null;
    this.res.release(this.uploaded);
    this.res.release(this.exposures);
    this.brackets = this.uploaded = this.exposures = null;
  }

  /** A new image size: results of the old size are of no use any more. */
  private resize(width: number, height: number): void {
    if (this.size[0] === width && this.size[1] === height) return;
    this.res.release(this.radiance);
    this.res.release(this.detailedFull);
    this.radiance = this.detailedFull = null;
    this.fusion.release();
    this.fullDetail.release();
    this.previewDetail.release();
    this.size = [width, height];
  }

  /** The radiance map is made when a merge first runs, not before: fusion alone never needs it. */
  private allocRadiance(): void {
    if (!this.radiance) {
      this.radiance = this.res.texture({
        label: 'merge.radiance',
        size: this.size,
        format: 'rgba32float',
        // COPY_DST: a radiance map from a file is written straight in (setRadiance).
        usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST,
      });
      this.luminance.bind(this.radiance);
    }
    if (this.brackets) this.merge.bind(this.brackets, this.exposures!, this.radiance, this.ghosts());
  }

  /** Deghosting's weights for the merge and the fusion, or null while it is off. */
  private ghosts(): GPUTexture | null {
    return this.ghostsActive ? this.deghost.result : null;
  }

  /** The full-size image the current mode tone-maps: radiance or fused. */
  private source(): GPUTexture {
    const src = this.mode === 'fusion' ? this.fusion.result : this.radiance;
    if (!src) throw new Error(`pipeline: no ${this.mode} result yet`);
    return src;
  }

  /** Preview size: the whole image fitted into the viewport, never enlarged. */
  previewSize(): [number, number] {
    return viewGeometry(this.size, this.viewport, FIT_VIEW).out;
  }

  /** Full-size local detail of the source into detailedFull (allocated on first use). */
  private bindFullDetail(): void {
    const [w, h] = this.size;
    if (!this.detailedFull || this.detailedFull.width !== w || this.detailedFull.height !== h) {
      this.res.release(this.detailedFull);
      this.detailedFull = this.res.texture({
        label: 'local-detail.full',
        size: [w, h],
        format: 'rgba32float',
        usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
      });
    }
    this.fullDetail.bind(this.source(), this.detailedFull);
  }

  /**
   * (Re)allocate and bind the region chain for the current view: downsample →
   * [detail] → tonemap → curve → histogram / present, and the before image.
   * A no-op while nothing it depends on changed.
   */
  private bindView(needed: ReadonlySet<Stage>, draft: GPUTexture | null): void {
    const g = this.geometry();
    const zoomedDetail = needed.has('detailFull');
    const fitDetail = needed.has('detail');
    const compare = needed.has('before');
    const mask = needed.has('ghostView');
    // Texture identities too: a new set of the same size brings new textures to bind.
    const source = draft ?? this.source();
    const ids = [source, this.brackets, zoomedDetail ? this.detailedFull : null, mask ? this.deghost.mask : null].map((t) => (t ? textureId(t) : 0));
    const key = [this.mode, this.size, this.viewport, g.region, g.out, g.rect, zoomedDetail, fitDetail, compare, mask, ids].join('|');
    if (key === this.viewKey) return;
    this.viewKey = key;
    const [pw, ph] = g.out;
    if (!this.preview || this.preview.width !== pw || this.preview.height !== ph) {
      for (const t of [this.preview, this.detailed, this.toned, this.display, this.before, this.ghostView]) this.res.release(t);
      this.detailed = this.before = this.ghostView = null;
      const float: Omit<GPUTextureDescriptor, 'label'> = {
        size: [pw, ph],
        format: 'rgba32float',
        usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST,
      };
      this.preview = this.res.texture({ label: 'downsample.preview', ...float });
      this.toned = this.res.texture({ label: 'tonemap.toned', ...float });
      this.display = this.res.texture({
        label: 'curve.display',
        size: [pw, ph],
        format: 'rgba8unorm',
        usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
      });
      this.previewCurve.bind(this.toned, this.luts, this.display);
      this.histogram.bind(this.display);
    }
    const float = (label: string) =>
      this.res.texture({
        label,
        size: [pw, ph],
        format: 'rgba32float',
        usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST,
      });
    if (fitDetail) {
      this.detailed ??= float('local-detail.preview');
      this.previewDetail.bind(this.preview, this.detailed);
    }
    if (compare) {
      this.before ??= float('before.preview');
      const mid = Math.floor(this.brackets!.depthOrArrayLayers / 2);
      const layer = this.brackets!.createView({ dimension: '2d', baseArrayLayer: mid, arrayLayerCount: 1 });
      this.beforeDownsample.bind(layer, this.before, g.region);
    }
    if (mask && this.deghost.mask) {
      this.ghostView ??= float('ghost-view.preview');
      this.ghostDownsample.bind(this.deghost.mask, this.ghostView, g.region);
    }
    const input = zoomedDetail ? this.detailedFull! : source;
    // A draft is the whole image at the preview's size already.
    const region: [number, number, number, number] = draft ? [0, 0, draft.width, draft.height] : g.region;
    const downsampleKey = [textureId(input), region, g.out].join('|');
    // Another input or region: the preview is stale (a 'detail' change does not dirty it by itself).
    if (downsampleKey !== this.downsampleKey) this.dirty.add('downsample');
    this.downsampleKey = downsampleKey;
    this.downsample.bind(input, this.preview, region);
    const stats = draft && this.mode === 'merge' ? this.draft!.stats : this.luminance.stats;
    this.previewTone.bind(this.mode, fitDetail ? this.detailed! : this.preview, stats, this.toned!);
    if (this.present) {
      // The tone mapper's input too: the HDR display lifts what the tone mapper compressed.
      const toneInput = fitDetail ? this.detailed! : this.preview;
      this.present.bind(this.display!, compare ? this.before! : this.display!, mask && this.ghostView ? this.ghostView : null, toneInput, this.mode === 'fusion');
      this.present.setRect(g.rect);
      this.present.setSplit(this.split === null ? null : this.split * this.viewport[0]);
    }
  }

  /** Finish the full-size result of the current mode with the current params: sRGB RGBA8 bytes. */
  async exportRgba8(params: Params = this.params): Promise<{ width: number; height: number; data: Uint8Array<ArrayBuffer> }> {
    const { width, height, data } = await this.exportFinished(params, 'rgba8unorm');
    return { width, height, data: new Uint8Array(data) };
  }

  /**
   * The same finish at 16 bits per channel: sRGB-encoded RGBA, 0..65535, from
   * the float result of the curve (no 8-bit step anywhere on the way).
   */
  async exportRgba16(params: Params = this.params): Promise<{ width: number; height: number; data: Uint16Array<ArrayBuffer> }> {
    const { width, height, data } = await this.exportFinished(params, 'rgba32float');
    const f = new Float32Array(data);
    const out = new Uint16Array(f.length);
    for (let i = 0; i < f.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, f[i]!)) * 65535);
    return { width, height, data: out };
  }

  private async exportFinished(params: Params, format: 'rgba8unorm' | 'rgba32float'): Promise<{ width: number; height: number; data: ArrayBuffer }> {
    if (!this.brackets && !this.pending && !this.radianceInput && !this.pendingRadiance) throw new EngineInputError('Nothing to export yet.');
    await this.render();
    const [width, height] = this.size;
    const curve = format === 'rgba8unorm' ? this.exportCurve : (this.export16Curve ??= new CurvePass(this.device, 'curve.export16', this.exportCurve, 'rgba32float'));
    const toned = this.res.texture({ label: 'tonemap.export', size: [width, height], format: 'rgba32float', usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING });
    const out = this.res.texture({ label: 'curve.export', size: [width, height], format, usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.COPY_SRC });
    try {
      this.exportTone.setParams(params);
      this.exportTone.bind(this.mode, await this.finishedSource(params), this.luminance.stats, toned);
      curve.bind(toned, this.luts, out);
      const encoder = this.device.createCommandEncoder({ label: 'pipeline.export' });
      this.exportTone.encode(encoder);
      curve.encode(encoder);
      this.device.queue.submit([encoder.finish()]);
      return { width, height, data: await readTexture(this.device, out, format === 'rgba8unorm' ? 4 : 16, 'export') };
    } finally {
      this.res.release(toned);
      this.res.release(out);
    }
  }

  /**
   * The full-size image the export tone-maps: the source, or its local-detail
   * result (run now if stale; kept for the next export or zoomed view).
   */
  private async finishedSource(params: Params): Promise<GPUTexture> {
    const p = this.detailParams(params);
    if (isIdentity(p)) return this.source();
    const own = p.detail === this.params.detail && p.range === this.params.rangeCompression;
    if (own && this.detailedFull && !this.dirty.has('detailFull')) return this.detailedFull;
    this.fullDetail.setParams(p);
    this.bindFullDetail();
    const encoder = this.device.createCommandEncoder({ label: 'pipeline.export-detail' });
    this.fullDetail.encode(encoder);
    this.device.queue.submit([encoder.finish()]);
    this.fullDetail.release();
    if (own) {
      this.dirty.delete('detailFull');
      this.runs.detailFull++;
    } else {
      // Other settings than the view's: the kept result no longer matches the view.
      this.fullDetail.setParams(this.detailParams(this.params));
      this.invalidate('detail');
    }
    await this.device.queue.onSubmittedWorkDone();
    return this.detailedFull!;
  }

  /**
   * The merged radiance map at full size, in either mode: fusion mode merges
   * on demand (and keeps the result, so a switch to merge mode is free).
   */
  async readRadiance(): Promise<FloatImage> {
    await this.render();
    if (!this.brackets && !this.radianceInput) throw new EngineInputError('Nothing to merge yet.');
    if (!this.radianceInput && (!this.radiance || this.dirty.has('merge') || this.dirty.has('luminance'))) {
      this.allocRadiance();
      const encoder = this.device.createCommandEncoder({ label: 'pipeline.merge-on-demand' });
      for (const stage of ['merge', 'luminance'] as const) {
        if (stage === 'merge') this.merge.encode(encoder);
        else this.luminance.encode(encoder);
        this.dirty.delete(stage);
        this.runs[stage]++;
      }
      this.device.queue.submit([encoder.finish()]);
    }
    return { width: this.size[0], height: this.size[1], data: new Float32Array(await readTexture(this.device, this.radiance!, 16, 'radiance')) };
  }

  /** The inverse camera response the merge uses (sRGB until set): re-merges, no re-upload. */
  setResponse(luts: ResponseLuts): void {
    this.response = luts;
    this.merge.setResponse(luts);
    this.draft?.setResponse(luts);
    this.deghost.setResponse(luts);
    this.invalidate('exposures');
    if (this.ghostsActive) this.invalidate('ghosts');
  }

  /** The fused image before finishing (fusion mode): sRGB-encoded values, unclamped. */
  async readFused(): Promise<FloatImage> {
    await this.render();
    const fused = this.fusion.result;
    if (!fused || this.mode !== 'fusion') throw new EngineInputError('No fused image yet: it is made in fusion mode.');
    return { width: fused.width, height: fused.height, data: new Float32Array(await readTexture(this.device, fused, 16, 'fused')) };
  }

  /**
   * R, G, B and luma counts of the displayed preview (layout in reference/histogram.ts)
   * as of the last submitted render, without rendering: no wait on the next frame.
   */
  latestHistogram(): Promise<Uint32Array> {
    return this.histogram.read();
  }

  async readStats(): Promise<LuminanceStats> {
    await this.render();
    return this.luminance.read();
  }

  /** The canvas-sized preview as sRGB RGBA8 bytes (draft: as a draft render leaves it, see render()). */
  async readDisplay(opts: { draft?: boolean } = {}): Promise<{ width: number; height: number; data: Uint8Array<ArrayBuffer> }> {
    await this.render(opts);
    if (!this.display) throw new EngineInputError('No preview yet.');
    return { width: this.display.width, height: this.display.height, data: new Uint8Array(await readTexture(this.device, this.display, 4, 'display')) };
  }

  /**
   * Fuse the current brackets again step by step, one submission per step, and
   * return the GPU wall time of each phase (ms). For benchmarks only.
   */
  async profileFusion(): Promise<Record<FusionPhase, number>> {
    await this.render();
    if (!this.brackets) throw new EngineInputError('Nothing to fuse yet.');
    this.fusion.bind(this.brackets);
    const times: Record<FusionPhase, number> = { weights: 0, pyramid: 0, blend: 0, collapse: 0 };
    for (const step of this.fusion.steps()) {
      const t0 = performance.now();
      const encoder = this.device.createCommandEncoder({ label: `profile.${step.phase}` });
      step.encode(encoder);
      this.device.queue.submit([encoder.finish()]);
      await this.device.queue.onSubmittedWorkDone();
      times[step.phase] += performance.now() - t0;
    }
    return times;
  }

  dispose(): void {
    this.res.destroyAll();
    this.radiance = this.preview = this.toned = this.display = this.brackets = this.uploaded = null;
    this.aligner = null;
    this.draft = null;
    this.alignment = null;
    this.detailed = this.detailedFull = this.before = this.ghostView = null;
    this.exposures = null;
  }
}
