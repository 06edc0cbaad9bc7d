// The full-size operators: upload, align (the warp), deghost, merge,
// luminance, fusion and the full-size local detail, with the draft's three
// parts beside them. This holds their passes and image-sized results; the
// scheduler (graph/operators.ts) decides when each runs, the pipeline what
// configuration it runs in.
import { Align, cornerMotion, MIN_MOTION_PX, type AlignResult } from '../align/align';
import { Deghost } from '../deghost/deghost';
import { Draft } from '../draft/draft';
import { Fusion } from '../fusion/fusion';
import { LocalDetail } from '../local-detail/local-detail';
import { LuminancePass } from '../luminance/passes/luminance';
import { MergePass } from '../merge/passes/merge';
import { autoReference } from '../deghost/reference/deghost';
import type { ResponseLuts } from '../merge/response';
import { estimateBlackLevel, mergeWeights } from '../merge/weights';
import type { Resources } from '../gpu/resources';
import type { Params } from '../params';
import type { Bracket, FloatImage, Mode } from '../types';
import type { Stage } from './operators';
import { uploadBrackets } from './upload';

/** The operators this module runs. */
export type FullSizeStage = Extract<Stage, 'upload' | 'align' | 'deghost' | 'ghostFill' | 'merge' | 'luminance' | 'fusion' | 'fusedStats' | 'detailFull' | 'draftBrackets' | 'draftMerge' | 'draftFusion'>;

/** What an encode reads from the pipeline's state. */
export interface FullSizeContext {
  readonly mode: Mode;
  /** Deghosting is on: merge and fusion read its weights. */
  readonly ghosts: boolean;
  /** The preview's size (the draft is made at it). */
  readonly preview: readonly [number, number];
}

// A function: the WebGPU globals exist only once a device module has loaded (Node).
const resultUsage = () => GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST;

export class FullSize {
  readonly merge: MergePass;
  readonly luminance: LuminancePass;
  readonly fusion: Fusion;
  readonly deghost: Deghost;
  readonly detail: LocalDetail;
  /** Made on first use: its passes compile only when a set has more than one bracket. */
  aligner: Align | null = null;
  /** Align the brackets (on by default); off, the uploaded brackets are used as they are. */
  alignOn = true;
  /** The estimate for the current upload, once estimateAlignment() has run on it. */
  alignment: AlignResult | null = null;
  /** The fused image's statistics (luminance.wgsl FUSED): made on the first fusion. */
  private fusedStatsPass: LuminancePass | null = null;
  /** The fused image the statistics pass is bound to (bound again only when the fusion's result is another texture). */
  private fusedStatsInput: GPUTexture | null = null;
  /** Canvas-sized merges and fusions for drafts: made on the first draft. */
  private draftParts: Draft | null = null;
  /** The brackets as uploaded. */
  uploaded: GPUTexture | null = null;
  /** What merge, fusion, deghosting and the compare view read: the upload, or its aligned and cropped warp. */
  brackets: GPUTexture | null = null;
  exposures: GPUBuffer | null = null;
  radiance: GPUTexture | null = null;
  detailed: GPUTexture | null = null;
  size: [number, number] = [0, 0];
  /** The brackets' black level in codes (merge/weights.ts estimateBlackLevel): 0 for digital cameras. */
  blackLevel = 0;
  /** The bracket autoReference picked for the current set (deghosting's default reference). */
  autoGhostReference = 0;
  /** The camera response set last (null: sRGB), for a draft made later. */
  private response: ResponseLuts | null = null;
  private params: Params | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
  ) {
    this.merge = new MergePass(device, res);
    this.luminance = new LuminancePass(device, res);
    this.fusion = new Fusion(device, res);
    this.deghost = new Deghost(device, res);
    this.detail = new LocalDetail(device, res);
  }

  /** The fused image's statistics pass (made on first use). */
  get fusedStats(): LuminancePass {
    return (this.fusedStatsPass ??= new LuminancePass(this.device, this.res, true));
  }

  /** The draft's parts (made on first use). */
  get draft(): Draft {
    if (!this.draftParts) {
      this.draftParts = new Draft(this.device, this.res);
      this.draftParts.setBlackLevel(this.blackLevel);
      if (this.response) this.draftParts.setResponse(this.response);
      if (this.params) this.draftParts.setParams(this.params);
    }
    return this.draftParts;
  }

  /** The set's black level and deghosting's automatic reference, before its upload. */
  prepare(brackets: readonly Bracket[]): void {
    // A scan's fog level (0 for a camera's true black) keeps the merge off codes that carry no signal.
    this.blackLevel = estimateBlackLevel(brackets);
    this.merge.setBlackLevel(this.blackLevel);
    this.draftParts?.setBlackLevel(this.blackLevel);
    this.deghost.setBlackLevel(this.blackLevel);
    this.autoGhostReference = autoReference(brackets, mergeWeights(this.blackLevel, this.response ?? undefined));
  }

  setFusionParams(params: Params): void {
    this.params = params;
    this.fusion.setParams(params);
    this.draftParts?.setParams(params);
  }

  setResponse(luts: ResponseLuts): void {
    this.response = luts;
    this.merge.setResponse(luts);
    this.draftParts?.setResponse(luts);
    this.deghost.setResponse(luts);
  }

  /** Write new brackets; the old ones go. Returns whether the image size changed. */
  upload(brackets: readonly Bracket[]): boolean {
    const { width, height } = brackets[0]!;
    this.drop();
    const { texture, exposures } = uploadBrackets(this.device, this.res, brackets);
    this.brackets = this.uploaded = texture;
    this.exposures = exposures;
    return this.resize(width, height);
  }

  /** A map from a file into the radiance texture (rgba32float, as the merge writes it); the brackets go. */
  uploadRadiance(image: FloatImage): boolean {
    const { width, height } = image;
    this.drop();
    const resized = this.resize(width, height);
    this.allocRadiance(false);
    this.device.queue.writeTexture({ texture: this.radiance! }, image.data, { bytesPerRow: width * 16, rowsPerImage: height }, [width, height, 1]);
    return resized;
  }

  /** The uploaded brackets go, with their exposures, alignment warp and draft. */
  private drop(): void {
    // Abandons an estimate in flight; the warp's output goes with it.
    this.aligner?.release();
    this.alignment = null;
    this.draftParts?.release();
    this.res.release(this.uploaded);
    this.res.release(this.exposures);
    this.brackets = this.uploaded = this.exposures = null;
  }

  /** A new image size: results of the old size are of no use any more. Returns whether it changed. */
  resize(width: number, height: number): boolean {
    if (this.size[0] === width && this.size[1] === height) return false;
    this.res.release(this.radiance);
    this.res.release(this.detailed);
    this.radiance = this.detailed = null;
    this.fusion.release();
    this.detail.release();
    this.size = [width, height];
    return true;
  }

  /**
   * Estimate every bracket's motion against the reference bracket
   * (deghosting's automatic pick, the best exposed); the same result again
   * for the same upload. Null for a single bracket or none. Rejects with an
   * AbortError if new brackets arrive meanwhile.
   */
  async estimateAlignment(signal?: AbortSignal): Promise<AlignResult | null> {
    const uploaded = this.uploaded;
    if (!uploaded || uploaded.depthOrArrayLayers < 2) return null;
    if (this.alignment) return this.alignment;
    this.aligner ??= new Align(this.device, this.res);
    this.aligner.bind(uploaded, this.autoGhostReference);
    const result = await this.aligner.estimate(signal);
    if (uploaded !== this.uploaded) throw new DOMException('alignment superseded', 'AbortError');
    this.alignment = result;
    return result;
  }

  /**
   * Read the warped, cropped brackets or the uploaded ones, per the switch and
   * the estimate. Returns false if nothing changed, 'resized' if the image
   * size changed with it, true otherwise.
   */
  applyAlignment(): boolean | 'resized' {
    const uploaded = this.uploaded;
    if (!uploaded) return false;
    const { width, height } = uploaded;
    const result = this.alignment;
    const moved = !!result && result.motions.some((m) => cornerMotion(m.matrix, width, height) >= MIN_MOTION_PX);
    const warp = this.alignOn && moved && !!this.aligner && result.crop.width > 0 && result.crop.height > 0;
    const next = warp ? (this.aligner!.crop(result.crop), this.aligner!.warped!) : uploaded;
    if (next === this.brackets) return false;
    this.brackets = next;
    return this.resize(next.width, next.height) ? 'resized' : true;
  }

  /** The radiance map is made when a merge first runs, not before: fusion alone never needs it. */
  allocRadiance(ghosts: boolean): void {
    if (!this.radiance) {
      this.radiance = this.res.texture({ label: 'merge.radiance', size: this.size, format: 'rgba32float', usage: resultUsage() });
      this.luminance.bind(this.radiance);
    }
    if (this.brackets) this.merge.bind(this.brackets, this.exposures!, this.radiance, ghosts ? this.deghost.result : null);
  }

  /** The full-size image a mode tone-maps: radiance or fused. */
  source(mode: Mode): GPUTexture {
    const src = mode === 'fusion' ? this.fusion.result : this.radiance;
    if (!src) throw new Error(`pipeline: no ${mode} result yet`);
    return src;
  }

  /** Full-size local detail of a mode's source into `detailed` (allocated on first use). */
  bindDetail(mode: Mode): void {
    const [w, h] = this.size;
    if (!this.detailed || this.detailed.width !== w || this.detailed.height !== h) {
      this.res.release(this.detailed);
      this.detailed = this.res.texture({ label: 'local-detail.full', size: [w, h], format: 'rgba32float', usage: resultUsage() });
    }
    this.detail.bind(this.source(mode), this.detailed);
  }

  /** Bind (where its inputs moved) and encode one operator. */
  encode(stage: FullSizeStage, encoder: GPUCommandEncoder, ctx: FullSizeContext): void {
    switch (stage) {
      case 'upload':
        // Uploads are written by upload() before the encoder exists.
        return;
      case 'align':
        return this.aligner!.encodeWarp(encoder);
      case 'deghost':
        this.deghost.bind(this.brackets!, this.exposures!, this.autoGhostReference);
        return this.deghost.encode(encoder);
      case 'ghostFill':
        return this.deghost.encodeFill(encoder);
      case 'merge':
        this.allocRadiance(ctx.ghosts);
        return this.merge.encode(encoder);
      case 'luminance':
        return this.luminance.encode(encoder);
      case 'fusion':
        // With deghosting, fusion reads the brackets with what they rejected filled from the consistent scene (or weighed down).
        if (ctx.ghosts) this.fusion.bind(this.deghost.filled!, true);
        else this.fusion.bind(this.brackets!);
        return this.fusion.encode(encoder);
      case 'fusedStats':
        if (this.fusedStatsInput !== this.fusion.result) this.fusedStats.bind((this.fusedStatsInput = this.fusion.result!));
        return this.fusedStats.encode(encoder);
      case 'detailFull':
        this.bindDetail(ctx.mode);
        return this.detail.encode(encoder);
      case 'draftBrackets':
        return this.draft.encodeBrackets(encoder, this.brackets!, ctx.preview[0], ctx.preview[1]);
      case 'draftMerge':
        return this.draft.encodeMerge(encoder, this.exposures!);
      case 'draftFusion':
        return this.draft.encodeFusion(encoder);
    }
  }

  dispose(): void {
    this.aligner = this.draftParts = this.alignment = this.fusedStatsPass = this.fusedStatsInput = null;
    this.radiance = this.brackets = this.uploaded = this.detailed = null;
    this.exposures = null;
  }
}
