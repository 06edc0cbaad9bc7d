// Deghosting: a consistency weight in [0, 1] per bracket and pixel, relative
// to a reference bracket, that the radiance merge multiplies its own weights
// by (shaders/merge/merge.wgsl with `override DEGHOST = true`); exposure fusion
// reads the ghost fill instead (encodeFill(): each bracket's rejected share replaced
// by the consistent scene re-exposed for it where a wide neighbourhood
// confirms the rejection as motion, else weighed down; merge.wgsl fill8_main,
// merge/reference/ghost-fill.ts). After Grosch, "Fast and Robust High Dynamic
// Range Image Generation with Camera and Object Movement" (VMV 2006): predict
// each bracket from a reference through the exposure ratio and the camera
// response, and reject what disagrees; in a form a GPU does in a few passes:
//
//   brackets ─raw─→ level 0 (r32float, one layer per bracket)
//            ─mean reduce, ×MAJORITY─→ level 1 ─min reduce─→ level 2 … level L
//            ─expand─→ level L−1 … level 1 ─finish (expand)─→ level 0 = result, mask
//
// raw (shaders/deghost/deghost.wgsl). Each code z of channel c stands for an interval
// of ln E (E = linear value / exposure, the merge's own quantity): the point
// ln lin(z) where the merge weighs z, [ln lin(zmax), +∞) where it is clipped
// high and (−∞, ln lin(zmin)] where it is clipped low (zmin, zmax: the first
// and last code the merge weighs, so the black level counts as clipping), with
// a noise σ in ln units: NOISE_CODES codes through the response's slope, and
// SIGMA_FLOOR (EXIF rounding of exposure times) in quadrature (deghostTables).
// A bracket is judged per channel against a value x: the reference's point
// where the reference's code is weighed; where it is clipped, a consensus: of
// the brackets' points (a value, or a clipped code's bound) that agree with
// the reference's interval, the one the most brackets agree with (the nearest
// bracket to the reference on a tie) — so the bracket that sees the scene
// decides there, unless the others' bounds contradict it. Agreement: distance
// from the interval to x over sqrt(σ² + σx²) at most TOLERANCE. Then
//   u = max over channels of that distance,
//   w = exp(−strength · (max(0, u − TOLERANCE) / FALLOFF)²), 0 below MIN_WEIGHT,
// and w = 1 for the reference. Strength 0 gives exactly 1 everywhere (and the
// merge and fusion exactly what they give without deghosting).
//
// smoothing (shaders/deghost/deghost-smooth.wgsl): one binomial reduce scaled by
// MAJORITY = 2 and capped at 1 (a neighbourhood counts as a ghost only where
// more than half of it disagrees: scattered noise does nothing), L − 1 min
// reduces over the same 5 × 5 footprint (a rejection spreads over the
// object's surroundings and holes in a textured object close up: ~2^(L+1) px),
// then L expands back to full size (soft edges, no seams). L = deghostLevels.
// A rejected region's interior is exactly 0, so where every other bracket is
// clipped the merge falls back to the darkest / brightest bracket it keeps
// (merge.wgsl), as it would without the ghost. The finish (the last expand)
// keeps the merge fed: in a channel where the merge weighs some bracket's code
// but the smoothed weights of all such brackets are 0 (a rejection spread over
// a region only a consistent bracket sees), every weight becomes
// max(smoothed, raw). It also writes the mask, 1 − min over brackets.
//
// The default reference is autoReference's (the best exposed bracket, chosen
// on the CPU from the decoded brackets and handed to bind); the user may name
// any. The comparison needs the right response: with sRGB assumed for
// brackets that have another tone curve, consistent pixels disagree and are
// rejected like motion (deghost.test.ts measures it), so deghosting belongs
// with the recovered response (response.ts). 16-bit brackets are compared at
// their nearest 8-bit code. Memory: the result and the mask are full size
// (4 B per pixel per bracket, as the brackets themselves, and 4 B per pixel);
// levels 1..L add a third of the result; in fusion mode the fill is as big as
// the brackets (their own format). Cost: 2L + 1 dispatches (one
// without smoothing); ~0.5 s per encode at 320 × 256 × 5 on SwiftShader
// (e2e/deghost.spec.ts; the raw pass is half of it). The CPU reference is
// src/engine/deghost/reference/deghost.ts.
import { DeghostPass } from './passes/deghost';
import { DeghostSmoothPass } from './passes/deghost-smooth';
import type { Resources } from '../gpu/resources';
import { pyramidSizes } from '../pyramid/pyramid';
import { clampStrength, deghostLevels, deghostTables, resolveReference, DEGHOST_FALLOFF, DEGHOST_MAJORITY, DEGHOST_MIN_WEIGHT, DEGHOST_TOLERANCE, type DeghostParams } from './reference/deghost';
import { responseLuts, type ResponseLuts } from '../merge/response';
import { mergeWeights } from '../merge/weights';
import { MergePass } from '../merge/passes/merge';
import { fillTrustLevels } from '../merge/reference/ghost-fill';

// The maths is shared with the CPU reference, which the tests run in Node.
export {
  autoReference,
  clampStrength,
  deghostLevels,
  deghostTables,
  resolveReference,
  DEGHOST_FALLOFF,
  DEGHOST_MAJORITY,
  DEGHOST_MIN_WEIGHT,
  DEGHOST_NOISE_CODES,
  DEGHOST_PARAMS,
  DEGHOST_POOR_WEIGHT,
  DEGHOST_SIGMA_FLOOR,
  DEGHOST_TOLERANCE,
  DEGHOST_UNBOUNDED,
  type DeghostParams,
} from './reference/deghost';

/**
 * Deghosting on the GPU: bind the brackets, set the response and black level
 * the merge uses, set strength and reference, encode; `result` then holds one
 * r32float layer of weights per bracket and `mask` the ghost mask
 * 1 − min over brackets of the weight (r32float, for an overlay).
 */
export class Deghost {
  private readonly raw: DeghostPass;
  private readonly smooth: DeghostSmoothPass;
  private levels: GPUTexture[] = [];
  private maskTexture: GPUTexture | null = null;
  private response: ResponseLuts = responseLuts('srgb');
  private black = 0;
  private weights: Float32Array<ArrayBuffer> = mergeWeights(0, this.response);
  private params: DeghostParams = { strength: 0, reference: -1 };
  private count = 0;
  private auto = 0;
  private resolved = 0;
  /** What bind() was given, for the fill. */
  private input: { brackets: GPUTexture; exposures: GPUBuffer } | null = null;
  /** The ghost fill (merge/passes/merge.ts bindFill): its passes, trust pyramid (levels 1..M) and result, made on the first encodeFill(). */
  private filler: { merge: MergePass; trust: DeghostSmoothPass } | null = null;
  private trustLevels: GPUTexture[] = [];
  private filledTexture: GPUTexture | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
  ) {
    this.raw = new DeghostPass(device, res, { TOLERANCE: DEGHOST_TOLERANCE, FALLOFF: DEGHOST_FALLOFF, MIN_WEIGHT: DEGHOST_MIN_WEIGHT });
    this.smooth = new DeghostSmoothPass(device, DEGHOST_MAJORITY);
    this.raw.setTables(deghostTables(this.response, this.weights));
    this.raw.setParams({ strength: 0, reference: 0 });
  }

  /** The weights, one r32float layer per bracket (darkest first): valid after encode(). */
  get result(): GPUTexture | null {
    return this.levels[0] ?? null;
  }

  /** 1 − min over brackets of the weight (r32float, full size): valid after encode(). */
  get mask(): GPUTexture | null {
    return this.maskTexture;
  }

  /** The reference bracket in use (the automatic choice unless setParams named one). */
  get reference(): number {
    return this.resolved;
  }

  /** The inverse camera response per channel, as the merge's (sRGB until set). */
  setResponse(luts: ResponseLuts): void {
    this.response = luts;
    this.weights = mergeWeights(this.black, luts);
    this.raw.setTables(deghostTables(this.response, this.weights));
    this.filler?.merge.setResponse(luts);
  }

  /** The merge's black level (merge/weights.ts mergeWeights): codes at and below it count as clipped low. */
  setBlackLevel(black: number): void {
    this.black = black;
    this.weights = mergeWeights(black, this.response);
    this.raw.setTables(deghostTables(this.response, this.weights));
    this.filler?.merge.setBlackLevel(black);
  }

  /**
   * brackets: the merge's 2d-array (darkest layer first); exposures: f32 per
   * layer (the merge's buffer); autoReference: the default reference (see
   * autoReference(), from the decoded brackets). Reallocates on a size or
   * count change only.
   */
  bind(brackets: GPUTexture, exposures: GPUBuffer, autoReferenceIndex = Math.floor(brackets.depthOrArrayLayers / 2)): void {
    const { width, height } = brackets;
    const count = brackets.depthOrArrayLayers;
    const top = this.levels[0];
    if (top?.width !== width || top?.height !== height || top?.depthOrArrayLayers !== count) {
      this.release();
      const sizes = pyramidSizes(width, height, deghostLevels(width, height) + 1);
      this.levels = sizes.map(([w, h], l) =>
        this.res.texture({
          label: `deghost.level${l}`,
          size: [w, h, count],
          format: 'r32float',
          usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
        }),
      );
      this.maskTexture = this.res.texture({
        label: 'deghost.mask',
        size: [width, height],
        format: 'r32float',
        usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
      });
      this.smooth.bind(this.levels);
    }
    this.count = count;
    this.input = { brackets, exposures };
    this.auto = autoReferenceIndex;
    this.raw.bind(brackets, exposures, this.levels[0]!, this.levels[1] ?? null, this.maskTexture!);
    this.setParams(this.params);
  }

  /** Uniform-only: no rebind. p: the deghost params (params.ts deghostParams: its fields are struct DeghostParams'). */
  setParams(p: DeghostParams): void {
    this.params = { strength: clampStrength(p.strength), reference: p.reference };
    this.resolved = resolveReference(p.reference, this.count, this.auto);
    this.raw.setParams({ strength: this.params.strength, reference: this.resolved });
  }

  /** Compute dispatches per encode: raw, 2L − 1 smoothing steps, finish (1 without smoothing). */
  get dispatchCount(): number {
    return this.levels.length > 1 ? 2 + this.smooth.dispatchCount : 1;
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.levels[0]) throw new Error('deghost: not bound');
    if (this.levels.length > 1) {
      this.raw.encodeRaw(encoder);
      this.smooth.encode(encoder);
    }
    this.raw.encodeFinish(encoder);
  }

  /**
   * Encode the ghost fill from the weights encode() made (merge.wgsl
   * fill8_main / fill16_main, merge/reference/ghost-fill.ts): the brackets
   * with each rejected share that a wide neighbourhood confirms as motion
   * replaced by the consistent scene re-exposed for that bracket, and alpha
   * the weight fusion gives each sample; what exposure fusion reads with
   * deghosting on (the graph's ghostFill operator). `filled` holds it: a
   * 2d-array of the brackets' size, layers and format, allocated on the first
   * call (as much memory as the brackets; the trust pyramid a third of the
   * weights' level 0).
   */
  encodeFill(encoder: GPUCommandEncoder): void {
    const top = this.levels[0];
    if (!top || !this.input) throw new Error('deghost: not bound');
    const { brackets, exposures } = this.input;
    const { width, height } = brackets;
    const count = brackets.depthOrArrayLayers;
    if (!this.filler) {
      this.filler = { merge: new MergePass(this.device, this.res), trust: new DeghostSmoothPass(this.device, 1) };
      this.filler.merge.setResponse(this.response);
      this.filler.merge.setBlackLevel(this.black);
    }
    const f = this.filledTexture;
    // Reallocated whenever the weights' levels are (their size or count changed, or release()).
    if (f?.width !== width || f.height !== height || f.depthOrArrayLayers !== count || f.format !== brackets.format) {
      this.releaseFill();
      this.filledTexture = this.res.texture({
        label: 'deghost.filled',
        size: [width, height, count],
        format: brackets.format,
        usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
      });
      this.trustLevels = pyramidSizes(width, height, fillTrustLevels(width, height) + 1)
        .slice(1)
        .map(([w, h], l) =>
          this.res.texture({
            label: `deghost.trust${l + 1}`,
            size: [w, h, count],
            format: 'r32float',
            usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
          }),
        );
      this.filler.trust.bind([top, ...this.trustLevels], true);
    }
    this.filler.trust.encode(encoder);
    this.filler.merge.bindFill(brackets, exposures, top, this.trustLevels[0]!, this.filledTexture!);
    this.filler.merge.encodeFill(encoder);
  }

  /** The ghost fill: valid after encodeFill() has run. */
  get filled(): GPUTexture | null {
    return this.filledTexture;
  }

  private releaseFill(): void {
    this.res.release(this.filledTexture);
    for (const t of this.trustLevels) this.res.release(t);
    this.filledTexture = null;
    this.trustLevels = [];
  }

  release(): void {
    for (const t of this.levels) this.res.release(t);
    this.res.release(this.maskTexture);
    this.releaseFill();
    this.levels = [];
    this.maskTexture = null;
  }
}
