// The view chain: the operators that make what the canvas shows from a
// full-size (or draft) source, at the preview's size: downsample → [local
// detail] → tone map → curve → histogram / present, and the before image and
// ghost mask of the compare view. It owns their passes and preview-sized
// textures; the scheduler (graph/operators.ts) decides when each runs.
import { LocalDetail } from '../local-detail/local-detail';
import { CurvePass } from '../curve/passes/curve';
import { DownsamplePass } from '../view/passes/downsample';
import { HistogramPass } from '../histogram/passes/histogram';
import { PresentPass } from '../present/passes/present';
import { TonemapPass } from '../tonemap/passes/tonemap';
import type { Resources } from '../gpu/resources';
import type { Params } from '../params';
import type { LocalDetailParams } from '../local-detail/reference/local-detail';
import type { ViewGeometry } from '../view/view';
import type { Mode } from '../types';
import type { GraphConfig, Stage } from './operators';

const textureIds = new WeakMap<GPUTexture | GPUBuffer, number>();
let nextTextureId = 0;
/** A stable identity for a texture or buffer object (labels repeat across reallocations). */
export function textureId(t: GPUTexture | GPUBuffer): number {
  let id = textureIds.get(t);
  if (id === undefined) textureIds.set(t, (id = ++nextTextureId));
  return id;
}

/** What the view chain reads from the rest of the graph for one render. */
export interface ViewInputs {
  readonly mode: Mode;
  /** The image downsampled: the source, its full-size local detail, or a draft (already at the preview's size). */
  readonly input: GPUTexture;
  readonly draft: boolean;
  /** The brackets (the before view reads the middle one). */
  readonly brackets: GPUTexture | null;
  /** Deghosting's mask, for the ghost view. */
  readonly ghostMask: GPUTexture | null;
  /** The luminance statistics the tone mapper reads (merge mode). */
  readonly stats: GPUBuffer;
  readonly geometry: ViewGeometry;
  /** The split in canvas pixels, or null. */
  readonly split: number | null;
}

/** The stages the view chain runs. */
export const VIEW_STAGES = ['downsample', 'detail', 'tonemap', 'curve', 'histogram', 'before', 'ghostView', 'present'] as const satisfies readonly Stage[];
export type ViewStage = (typeof VIEW_STAGES)[number];

// A function: the WebGPU globals exist only once a device module has loaded (Node).
const floatUsage = () => GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST;

export class ViewChain {
  readonly tone: TonemapPass;
  readonly curve: CurvePass;
  readonly present: PresentPass | null;
  private readonly downsample: DownsamplePass;
  private readonly beforeDownsample: DownsamplePass;
  private readonly ghostDownsample: DownsamplePass;
  private readonly detailFilter: LocalDetail;
  private readonly histogram: HistogramPass;
  private preview: GPUTexture | null = null;
  private detailed: GPUTexture | null = null;
  private toned: GPUTexture | null = null;
  private display: GPUTexture | null = null;
  private before: GPUTexture | null = null;
  private ghostView: GPUTexture | null = null;
  /** What the chain is bound to; rebinding happens only when it changes. */
  private key = '';

  constructor(
    device: GPUDevice,
    private readonly res: Resources,
    /** The baked tone curves, shared with the export. */
    private readonly luts: GPUBuffer,
    context?: GPUCanvasContext,
    format?: GPUTextureFormat,
  ) {
    this.downsample = new DownsamplePass(device, res);
    this.beforeDownsample = new DownsamplePass(device, res, 'before');
    this.ghostDownsample = new DownsamplePass(device, res, 'ghost-view');
    this.detailFilter = new LocalDetail(device, res);
    this.tone = new TonemapPass(device, res, 'tonemap.preview');
    this.curve = new CurvePass(device, 'curve.preview');
    this.histogram = new HistogramPass(device, res);
    this.present = context ? new PresentPass(device, res, context, format ?? 'rgba8unorm') : null;
  }

  setParams(params: Params): void {
    this.tone.setParams(params);
  }

  setDetailParams(params: LocalDetailParams): void {
    this.detailFilter.setParams(params);
  }

  /** The displayed preview (sRGB RGBA8), once a render made one. */
  get displayed(): GPUTexture | null {
    return this.display;
  }

  /** R, G, B and luma counts of the preview as of the last submitted render. */
  latestHistogram(): Promise<Uint32Array> {
    return this.histogram.read();
  }

  /** (Re)allocate and bind for this render; a no-op while nothing it depends on changed. */
  bind(cfg: GraphConfig, v: ViewInputs): void {
    const g = v.geometry;
    const fitDetail = cfg.detail === 'preview';
    const { compare, ghostMask: mask } = cfg;
    // Texture identities too: a new set of the same size brings new textures to bind (and a big set's statistics their own buffer).
    const ids = [v.input, v.brackets, mask ? v.ghostMask : null, v.stats].map((t) => (t ? textureId(t) : 0));
    const key = [v.mode, g.region, g.out, g.rect, cfg.detail, v.draft, compare, mask, ids].join('|');
    if (key === this.key) return;
    this.key = key;
    const [pw, ph] = g.out;
    const float = (label: string) => this.res.texture({ label, size: [pw, ph], format: 'rgba32float', usage: floatUsage() });
    if (!this.preview || this.preview.width !== pw || this.preview.height !== ph) {
      for (const t of [this.preview, this.detailed, this.toned, this.display, this.before, this.ghostView]) this.res.release(t);
      this.detailed = this.before = this.ghostView = null;
      this.preview = float('downsample.preview');
      this.toned = float('tonemap.toned');
      this.display = this.res.texture({
        label: 'curve.display',
        size: [pw, ph],
        format: 'rgba8unorm',
        usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
      });
      this.curve.bind(this.toned, this.luts, this.display);
      this.histogram.bind(this.display);
    }
    if (fitDetail) {
      this.detailed ??= float('local-detail.preview');
      this.detailFilter.bind(this.preview, this.detailed);
    }
    if (compare && v.brackets) {
      this.before ??= float('before.preview');
      const mid = Math.floor(v.brackets.depthOrArrayLayers / 2);
      const layer = v.brackets.createView({ dimension: '2d', baseArrayLayer: mid, arrayLayerCount: 1 });
      this.beforeDownsample.bind(layer, this.before, g.region);
    }
    if (mask && v.ghostMask) {
      this.ghostView ??= float('ghost-view.preview');
      this.ghostDownsample.bind(v.ghostMask, this.ghostView, g.region);
    }
    // A draft is the whole image at the preview's size already.
    const region: [number, number, number, number] = v.draft ? [0, 0, v.input.width, v.input.height] : g.region;
    this.downsample.bind(v.input, this.preview, region);
    // The tone mapper's input is also present's: the HDR display lifts what the tone mapper compressed.
    const toneInput = fitDetail ? this.detailed! : this.preview;
    this.tone.bind(v.mode, toneInput, v.stats, this.toned!);
    if (this.present) {
      this.present.bind(this.display!, compare && this.before ? this.before : this.display!, mask && this.ghostView ? this.ghostView : null, toneInput, v.mode === 'fusion');
      this.present.setRect(g.rect);
      this.present.setSplit(v.split);
    }
  }

  encode(stage: ViewStage, encoder: GPUCommandEncoder): void {
    const pass = {
      downsample: this.downsample,
      detail: this.detailFilter,
      tonemap: this.tone,
      curve: this.curve,
      histogram: this.histogram,
      before: this.beforeDownsample,
      ghostView: this.ghostDownsample,
      present: this.present,
    }[stage];
    pass!.encode(encoder);
  }

  /** The image-sized state of the preview-scale filter goes (a new image size). */
  releaseDetail(): void {
    this.detailFilter.release();
  }

  dispose(): void {
    this.preview = this.detailed = this.toned = this.display = this.before = this.ghostView = null;
    this.key = '';
  }
}
