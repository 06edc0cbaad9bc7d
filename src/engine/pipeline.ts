// The processing graph: owns the GPU resources, caches every intermediate and
// re-runs only the stages a change invalidates.
//
//   brackets ─upload─┬→ merge → radiance ─┬→ luminance → stats ──────────┐
//                    │                      └→ downsample → preview ─→ tonemap → toned → curve → display ─┬→ present
//                    └→ fusion → fused ─────→ downsample ┘   (mode 'fusion': no stats)                     └→ histogram
//                  (export) radiance + stats or fused → tonemap → curve → rgba8 → readback
//
// What each kind of change dirties is the table INVALIDATES below; a tone-map
// slider re-runs tonemap and present only. A render runs only the dirty stages
// the current mode needs (MODE_STAGES); the others stay dirty, so switching
// back to a mode whose result is still valid costs a downsample, not a merge.
import { bakeCurves, CURVE_CHANNELS, identityCurves, type Curves } from './curve';
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
import { defaultParams, passChanged, type Params } from './params';
import { MAX_BRACKETS, type Bracket, type FloatImage, type LuminanceStats, type Mode } from './types';

export { MAX_BRACKETS };

export const STAGES = ['upload', 'merge', 'luminance', 'fusion', 'downsample', 'tonemap', 'curve', 'histogram', 'present'] as const;
export type Stage = (typeof STAGES)[number];
export type Change = 'brackets' | 'exposures' | 'weights' | 'mode' | 'params' | 'viewport' | 'curves' | 'view';

const FINISH: readonly Stage[] = ['tonemap', 'curve', 'histogram', 'present'];
export const INVALIDATES: Record<Change, readonly Stage[]> = {
  brackets: STAGES,
  exposures: ['merge', 'luminance', 'downsample', ...FINISH],
  weights: ['fusion', 'downsample', ...FINISH],
  mode: ['downsample', ...FINISH],
  viewport: ['downsample', ...FINISH],
  params: FINISH,
  curves: ['curve', 'histogram', 'present'],
  view: ['present'],
};

/** The stages each mode runs. */
export const MODE_STAGES: Record<Mode, readonly Stage[]> = {
  merge: ['upload', 'merge', 'luminance', 'downsample', ...FINISH],
  fusion: ['upload', 'fusion', 'downsample', ...FINISH],
};

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

  private readonly merge: MergePass;
  private readonly luminance: LuminancePass;
  private readonly fusion: Fusion;
  private readonly downsample: DownsamplePass;
  private readonly previewTone: TonemapPass;
  private readonly exportTone: TonemapPass;
  private readonly previewCurve: CurvePass;
  private readonly exportCurve: CurvePass;
  private readonly histogram: HistogramPass;
  /** The baked tone curves (4 × CURVE_LUT_SIZE f32), shared by preview and export. */
  private readonly luts: GPUBuffer;
  private readonly present: PresentPass | null;

  private dirty = new Set<Stage>();
  private pending: Bracket[] | null = null;
  private size: [number, number] = [0, 0];
  private viewport: [number, number] = [0, 0];
  private params: Params = defaultParams();
  private mode: Mode = 'merge';

  private brackets: GPUTexture | null = null;
  private exposures: GPUBuffer | null = null;
  private radiance: GPUTexture | null = null;
  private preview: GPUTexture | null = null;
  private toned: GPUTexture | null = null;
  private display: GPUTexture | null = null;
  private curves: Curves = identityCurves();

  constructor(opts: PipelineOptions) {
    this.device = opts.device;
    this.res = new Resources(this.device);
    this.merge = new MergePass(this.device, this.res);
    this.luminance = new LuminancePass(this.device, this.res);
    this.fusion = new Fusion(this.device, this.res);
    this.downsample = new DownsamplePass(this.device);
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
    for (const s of INVALIDATES[change]) this.dirty.add(s);
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
      if (!(b.exposure > 0)) throw new EngineInputError('Every bracket needs a positive exposure.');
    }
    for (let i = 1; i < brackets.length; i++) {
      if (brackets[i]!.exposure < brackets[i - 1]!.exposure) throw new EngineInputError('Brackets must be sorted darkest first.');
    }
    this.pending = [...brackets];
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
  }

  setParams(params: Params): void {
    const weights = passChanged('fusion', params, this.params);
    const tone = passChanged('tonemap', params, this.params);
    this.params = { ...params };
    if (weights) {
      this.fusion.setParams(this.params);
      this.invalidate('weights');
    }
    if (tone) {
      this.previewTone.setParams(this.params);
      this.invalidate('params');
    }
  }

  setMode(mode: Mode): void {
    if (mode === this.mode) return;
    this.mode = mode;
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
    if (!this.present || this.present.clipWarnings === on) return;
    this.present.setClipWarnings(on);
    this.invalidate('view');
  }

  /** The canvas size in device pixels; the preview is fitted into it. */
  setViewport(width: number, height: number): void {
    const w = Math.max(1, Math.round(width));
    const h = Math.max(1, Math.round(height));
    if (w === this.viewport[0] && h === this.viewport[1]) return;
    this.viewport = [w, h];
    this.invalidate('viewport');
  }

  /** Encode and submit every dirty stage; resolves when the GPU is done. */
  async render(): Promise<void> {
    // Push, encode, submit and pop in one synchronous run, so overlapping
    // renders never interleave their error scopes.
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    let thrown: unknown = null;
    try {
      this.encodeDirty();
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
  }

  private encodeDirty(): void {
    if (this.pending) this.upload(this.pending);
    this.pending = null;
    if (!this.brackets) {
      this.dirty.clear();
      return;
    }
    const needed = MODE_STAGES[this.mode];
    const due = (stage: Stage) => this.dirty.has(stage) && needed.includes(stage);
    if (due('merge')) this.allocRadiance();
    if (due('fusion')) this.fusion.bind(this.brackets);
    if (due('downsample')) this.allocPreview();
    const encoder = this.device.createCommandEncoder({ label: 'pipeline.render' });
    const run = (stage: Stage, encode: () => void) => {
      if (!due(stage)) return;
      encode();
      this.dirty.delete(stage);
      this.runs[stage]++;
    };
    run('merge', () => this.merge.encode(encoder));
    run('luminance', () => this.luminance.encode(encoder));
    run('fusion', () => this.fusion.encode(encoder));
    run('downsample', () => this.downsample.encode(encoder));
    run('tonemap', () => this.previewTone.encode(encoder));
    run('curve', () => this.previewCurve.encode(encoder));
    run('histogram', () => this.histogram.encode(encoder));
    if (this.present && this.viewport[0] > 0) run('present', () => this.present!.encode(encoder));
    this.device.queue.submit([encoder.finish()]);
  }

  private upload(brackets: readonly Bracket[]): void {
    const first = brackets[0]!;
    const { width, height } = first;
    this.res.release(this.brackets);
    this.res.release(this.exposures);
    this.brackets = this.res.texture({
      label: 'upload.brackets',
      size: [width, height, brackets.length],
      format: 'rgba8unorm',
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
    });
    brackets.forEach((b, layer) => {
      const bytes = new Uint8Array(b.pixels.buffer, b.pixels.byteOffset, b.pixels.byteLength);
      this.device.queue.writeTexture({ texture: this.brackets!, origin: [0, 0, layer] }, bytes, { bytesPerRow: width * 4, rowsPerImage: height }, [width, height, 1]);
    });
    this.exposures = this.res.buffer({ label: 'upload.exposures', size: brackets.length * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(this.exposures, 0, new Float32Array(brackets.map((b) => b.exposure)));
    this.runs.upload++;
    this.dirty.delete('upload');
    if (this.size[0] !== width || this.size[1] !== height) {
      // Results of the old size are of no use any more.
      this.res.release(this.radiance);
      this.radiance = null;
      this.fusion.release();
      this.size = [width, height];
    }
  }

  /** The radiance map is made when a merge first runs, not before: fusion alone never needs it. */
  private allocRadiance(): void {
    if (!this.radiance) {
      this.radiance = this.res.texture({
        label: 'merge.radiance',
        size: this.size,
        format: 'rgba32float',
        usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
      });
      this.luminance.bind(this.radiance);
    }
    this.merge.bind(this.brackets!, this.exposures!, this.radiance);
  }

  /** The full-size image the current mode tone-maps: radiance or fused. */
  private source(): GPUTexture {
    const src = this.mode === 'fusion' ? this.fusion.result : this.radiance;
    if (!src) throw new Error(`pipeline: no ${this.mode} result yet`);
    return src;
  }

  /** Preview size: the image fitted into the viewport, never enlarged. */
  previewSize(): [number, number] {
    const [W, H] = this.size;
    const [vw, vh] = this.viewport[0] > 0 ? this.viewport : this.size;
    const scale = Math.min(vw / W, vh / H, 1);
    return [Math.max(1, Math.round(W * scale)), Math.max(1, Math.round(H * scale))];
  }

  private allocPreview(): void {
    const [pw, ph] = this.previewSize();
    if (!this.preview || this.preview.width !== pw || this.preview.height !== ph) {
      this.res.release(this.preview);
      this.res.release(this.toned);
      this.res.release(this.display);
      const float: Omit<GPUTextureDescriptor, 'label'> = { size: [pw, ph], format: 'rgba32float', usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC };
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
      this.present?.bind(this.display);
    }
    this.previewTone.bind(this.mode, this.preview, this.luminance.stats, this.toned!);
    this.downsample.bind(this.source(), this.preview);
    if (this.present) {
      const [vw, vh] = this.viewport;
      const x0 = Math.round((vw - pw) / 2);
      const y0 = Math.round((vh - ph) / 2);
      this.present.setRect([x0, y0, x0 + pw, y0 + ph]);
    }
  }

  /** Finish the full-size result of the current mode with the current params: sRGB RGBA8 bytes. */
  async exportRgba8(params: Params = this.params): Promise<{ width: number; height: number; data: Uint8Array<ArrayBuffer> }> {
    if (!this.brackets && !this.pending) throw new EngineInputError('Nothing to export yet.');
    await this.render();
    const [width, height] = this.size;
    const toned = this.res.texture({ label: 'tonemap.export', size: [width, height], format: 'rgba32float', usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING });
    const out = this.res.texture({ label: 'curve.export', size: [width, height], format: 'rgba8unorm', usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.COPY_SRC });
    try {
      this.exportTone.setParams(params);
      this.exportTone.bind(this.mode, this.source(), this.luminance.stats, toned);
      this.exportCurve.bind(toned, this.luts, out);
      const encoder = this.device.createCommandEncoder({ label: 'pipeline.export' });
      this.exportTone.encode(encoder);
      this.exportCurve.encode(encoder);
      this.device.queue.submit([encoder.finish()]);
      return { width, height, data: new Uint8Array(await readTexture(this.device, out, 4, 'export')) };
    } finally {
      this.res.release(toned);
      this.res.release(out);
    }
  }

  /** The merged radiance map (merge mode). */
  async readRadiance(): Promise<FloatImage> {
    await this.render();
    if (!this.radiance || this.mode !== 'merge') throw new EngineInputError('No radiance yet: the radiance map is made in merge mode.');
    return { width: this.size[0], height: this.size[1], data: new Float32Array(await readTexture(this.device, this.radiance, 16, 'radiance')) };
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

  /** The canvas-sized preview as sRGB RGBA8 bytes. */
  async readDisplay(): Promise<{ width: number; height: number; data: Uint8Array<ArrayBuffer> }> {
    await this.render();
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
    this.radiance = this.preview = this.toned = this.display = this.brackets = null;
    this.exposures = null;
  }
}
