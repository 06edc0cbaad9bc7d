// The engine's face: a set (brackets or a radiance map) and every setting
// in, the picture and the files out. The work is split in three layers:
// graph/render-core.ts (state, what a render runs, the view's binding; the
// design notes are there), graph/outputs.ts (exports and reads) and this file
// (inputs and settings: what each change invalidates).
import { bakeCurves, CURVE_CHANNELS, type Curves } from './curve/curve';
import { cornerMotion, MIN_MOTION_PX, type AlignResult, type CropRect } from './align/align';
import { deghostParams, passChanged, type ParamPass, type Params } from './params';
import type { ResponseLuts } from './merge/response';
import { type ViewState } from './view/view';
import { isWide, MAX_BRACKETS, type Bracket, type FloatImage, type Mode } from './types';
import { PARAM_CHANGE, STAGES, type Stage } from './graph/operators';
import { type PipelineDebug } from './graph/debug';
import { checkBrackets, checkRadiance, EngineInputError } from './graph/upload';
import { LargeSet } from './graph/large-set';
import { proxyBrackets, proxyFactor, proxyRadiance, wholeImageFits } from './graph/proxy';
import { MAX_KEPT_BYTES } from './graph/radiance-cache';
import { gpuBudget } from './graph/budget';
import { setFits } from './graph/fits';
import type { TiledInput } from './graph/tiled-image';
import { PipelineOutputs } from './graph/outputs';

const PARAM_PASSES = Object.keys(PARAM_CHANGE) as ParamPass[];

export type { PipelineDebug };
export { DRAFT_MIN_RATIO, type PipelineOptions } from './graph/render-core';
export { cornerMotion, EngineInputError, MAX_BRACKETS, MIN_MOTION_PX, STAGES, type Stage };

export class Pipeline extends PipelineOutputs {
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
   * The CPU memory a set's images may take (the decoded set and what the
   * tiled path keeps: graph/radiance-cache.ts), for the sets that come after;
   * null: no limit but MAX_KEPT_BYTES.
   */
  setHostBudget(bytes: number | null): void {
    this.hostBudget = bytes;
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
    this.largeFusionRuns = -1;
    if (whole) return 1;
    const decoded = image.width * image.height * ('brackets' in input ? count * (wide ? 8 : 4) : 16);
    const kept = Math.max(0, Math.min(MAX_KEPT_BYTES, (this.hostBudget ?? Infinity) - decoded));
    // The proxy is held beside the tiles: it fits the budget the tiles are planned with, the default one included
    // (the bench saw 100 MP fusion with the budget unset peak at 1.05–1.26 × the default budget with k = 3).
    const budget = gpuBudget(limits, this.budgetOverride ?? undefined);
    const k = proxyFactor(image.width, image.height, count, wide, limits, budget);
    const settles = 'brackets' in input && wholeImageFits(image.width, image.height, count, wide, limits, null);
    const large = new LargeSet(this.device, this.res, input, k, budget, kept, settles);
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

  /** The brackets' black level in codes (merge/weights.ts estimateBlackLevel): 0 for digital cameras. */
  get blackLevel(): number {
    return this.full.blackLevel;
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

  /** The canvas size in device pixels; the preview is fitted into it. */
  setViewport(width: number, height: number): void {
    const w = Math.max(1, Math.round(width));
    const h = Math.max(1, Math.round(height));
    if (w === this.viewport[0] && h === this.viewport[1]) return;
    this.viewport = [w, h];
    this.invalidate('viewport');
  }

  /** The inverse camera response the merge uses (sRGB until set): re-merges, no re-upload. */
  setResponse(luts: ResponseLuts): void {
    this.full.setResponse(luts);
    this.large?.setResponse(luts);
    this.invalidate('exposures');
  }

  dispose(): void {
    this.large = null;
    this.res.destroyAll();
    this.view.dispose();
    this.full.dispose();
  }
}
