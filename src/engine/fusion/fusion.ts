// Exposure fusion on the GPU (Mertens, Kautz & Van Reeth 2007): weights, one
// Gaussian pyramid per bracket (colour and weight together), weighted
// Laplacian bands accumulated over brackets, then a collapse. Only one
// bracket's pyramid is alive at a time, so memory does not grow with the
// bracket count: the work pyramid (rgba32float), the result bands (vec4f
// storage buffers) and one f32 weight sum per pixel. The fused, display-referred
// image (sRGB-encoded values, unclamped) ends up in level 0 of the work pyramid.
import { FusionBlendPass } from './passes/fusion-blend';
import { FusionWeightsPass } from './passes/fusion-weights';
import { PyramidExpandPass } from '../pyramid/passes/pyramid-expand';
import { PyramidReducePass } from '../pyramid/passes/pyramid-reduce';
import type { Resources } from '../gpu/resources';
import type { Params } from '../params';
import { pyramidSizes } from '../pyramid/pyramid';

/** Sub-steps, for profiling: encoded one by one they give per-stage times. */
export type FusionPhase = 'weights' | 'pyramid' | 'blend' | 'collapse';

export class Fusion {
  private readonly weights: FusionWeightsPass;
  private readonly reduce: PyramidReducePass;
  private readonly blend: FusionBlendPass;
  private readonly collapse: PyramidExpandPass;
  private levels: GPUTexture[] = [];
  private bands: GPUBuffer[] = [];
  private weightSum: GPUBuffer | null = null;
  private count = 0;

  constructor(
    device: GPUDevice,
    private readonly res: Resources,
  ) {
    this.weights = new FusionWeightsPass(device, res);
    this.reduce = new PyramidReducePass(device, 'fusion.reduce');
    this.blend = new FusionBlendPass(device);
    this.collapse = new PyramidExpandPass(device, res, 'fusion.collapse');
  }

  /** The fused image: valid after encode() has run. */
  get result(): GPUTexture | null {
    return this.levels[0] ?? null;
  }

  /**
   * (Re)allocate for these brackets (rgba8unorm or rgba16float 2d-array) when
   * their size changed, and bind; filled: the brackets are the ghost fill
   * (deghost.ts encodeFill(): with deghosting on), whose alpha weighs each sample.
   */
  bind(brackets: GPUTexture, filled = false): void {
    const { width, height } = brackets;
    if (!this.weightSum || this.levels[0]?.width !== width || this.levels[0]?.height !== height) {
      this.release();
      const sizes = pyramidSizes(width, height);
      this.levels = sizes.map(([w, h], l) => this.level(l, w, h));
      this.bands = sizes.map(([w, h], l) => this.res.buffer({ label: `fusion.band${l}`, size: w * h * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST }));
      this.weightSum = this.res.buffer({ label: 'fusion.weightSum', size: width * height * 4, usage: GPUBufferUsage.STORAGE });
      this.reduce.bind(this.levels);
      this.blend.bind(this.levels, this.bands);
      this.collapse.bind(this.levels, this.bands);
    }
    this.count = brackets.depthOrArrayLayers;
    this.weights.bind(brackets, this.weightSum!, this.levels[0]!, filled);
  }

  private level(l: number, w: number, h: number): GPUTexture {
    return this.res.texture({
      label: `fusion.level${l}`,
      size: [w, h],
      format: 'rgba32float',
      usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
    });
  }

  /**
   * The result texture alone, at this size, for a result written from
   * outside (a big set's full-size fusion box-averaged into it:
   * graph/large-set.ts): the other levels, the bands and the weight sum go
   * (a later bind() makes them again).
   */
  resultOnly(width: number, height: number): GPUTexture {
    const result = this.levels[0];
    if (result?.width === width && result.height === height) {
      for (const t of this.levels.slice(1)) this.res.release(t);
      for (const b of this.bands) this.res.release(b);
      this.res.release(this.weightSum);
      this.levels = [result];
      this.bands = [];
      this.weightSum = null;
      return result;
    }
    this.release();
    this.levels = [this.level(0, width, height)];
    return this.levels[0]!;
  }

  setParams(params: Params): void {
    this.weights.setParams(params);
  }

  /** Every step of one fusion, in order, each a separately encodable unit. */
  steps(): { phase: FusionPhase; encode: (encoder: GPUCommandEncoder) => void }[] {
    const steps: ReturnType<Fusion['steps']> = [
      {
        phase: 'weights',
        encode: (e) => {
          for (const b of this.bands) e.clearBuffer(b);
          this.weights.encodeSum(e);
        },
      },
    ];
    for (let k = 0; k < this.count; k++) {
      steps.push({ phase: 'weights', encode: (e) => this.weights.encodeBracket(e, k) });
      steps.push({ phase: 'pyramid', encode: (e) => this.reduce.encode(e) });
      steps.push({ phase: 'blend', encode: (e) => this.blend.encode(e) });
    }
    steps.push({ phase: 'collapse', encode: (e) => this.collapse.encode(e) });
    return steps;
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.weightSum) throw new Error('fusion: not bound');
    for (const s of this.steps()) s.encode(encoder);
  }

  release(): void {
    for (const t of this.levels) this.res.release(t);
    for (const b of this.bands) this.res.release(b);
    this.res.release(this.weightSum);
    this.levels = [];
    this.bands = [];
    this.weightSum = null;
  }
}
