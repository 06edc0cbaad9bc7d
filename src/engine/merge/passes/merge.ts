// Radiance merge pass (shaders/merge/merge.wgsl), and the ghost fill that exposure
// fusion reads with deghosting on (the same merge, re-exposed per bracket).
import wgsl from '../../../../shaders/merge/merge.wgsl?raw';
import { computePipeline, createShader, groups8 } from '../../gpu/shader';
import { dispatch, type Resources } from '../../gpu/resources';
import { packResponse, responseLuts, type ResponseLuts } from '../response';
import { mergeWeights } from '../weights';
import { FILL_TRUST_HI, FILL_TRUST_LO } from '../reference/ghost-fill';

export class MergePass {
  private readonly pipeline: GPUComputePipeline;
  private readonly module: GPUShaderModule;
  /** DEGHOST = true, made on the first bind with a ghost texture. */
  private deghostPipeline: GPUComputePipeline | null = null;
  /** Bound as the ghost texture when there is none (DEGHOST = false never reads it). */
  private readonly noGhost: GPUTexture;
  private bound: GPUComputePipeline | null = null;
  private bindGroup: GPUBindGroup | null = null;
  private size: [number, number] = [0, 0];
  private readonly response: GPUBuffer;
  private readonly weights: GPUBuffer;
  /** What the weights are made from (weights.ts mergeWeights): the black level and the response. */
  private black = 0;
  private luts: ResponseLuts = responseLuts('srgb');
  /** The ghost fill's pipelines (made on first use) and binding. */
  private readonly fillPipelines: Partial<Record<'fill8_main' | 'fill16_main', GPUComputePipeline>> = {};
  private fill: { pipeline: GPUComputePipeline; group: GPUBindGroup; size: [number, number] } | null = null;

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
  ) {
    this.module = createShader(device, 'merge.shader', wgsl, ['pyramid']);
    this.pipeline = computePipeline(device, 'merge.pipeline', this.module, 'main');
    this.noGhost = res.texture({ label: 'merge.noGhost', size: [1, 1, 1], format: 'r32float', usage: GPUTextureUsage.TEXTURE_BINDING });
    const packed = packResponse(this.luts);
    this.response = res.buffer({ label: 'merge.response', size: packed.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(this.response, 0, packed);
    this.weights = res.buffer({ label: 'merge.weights', size: 256 * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    this.setBlackLevel(0);
  }

  /** Weights start above this code (weights.ts mergeWeights); 0 for a true black. */
  setBlackLevel(black: number): void {
    this.black = black;
    this.device.queue.writeBuffer(this.weights, 0, mergeWeights(black, this.luts));
  }

  /**
   * The inverse camera response per channel (sRGB until set), and the weights
   * made from it (the noise of a code depends on the response's slope). Only
   * the buffers change, not the bind group: the caller re-runs the merge to see it.
   */
  setResponse(luts: ResponseLuts): void {
    this.luts = luts;
    this.device.queue.writeBuffer(this.response, 0, packResponse(luts));
    this.device.queue.writeBuffer(this.weights, 0, mergeWeights(this.black, luts));
  }

  /**
   * brackets: rgba8unorm or rgba16float 2d-array, darkest layer first; exposures: f32 per layer;
   * ghost: deghosting weights (src/engine/deghost/deghost.ts result: r32float 2d-array,
   * one layer per bracket, the radiance's size) that multiply each bracket's
   * weight; none (the default): the merge as without deghosting.
   */
  bind(brackets: GPUTexture, exposures: GPUBuffer, radiance: GPUTexture, ghost: GPUTexture | null = null): void {
    this.size = [radiance.width, radiance.height];
    if (ghost && !this.deghostPipeline) this.deghostPipeline = computePipeline(this.device, 'merge.deghostPipeline', this.module, 'main', { DEGHOST: 1 });
    this.bound = ghost ? this.deghostPipeline : this.pipeline;
    this.bindGroup = this.device.createBindGroup({
      label: 'merge.bindGroup',
      layout: this.bound!.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: brackets.createView({ dimension: '2d-array' }) },
        { binding: 1, resource: { buffer: exposures } },
        { binding: 2, resource: { buffer: this.response } },
        { binding: 4, resource: { buffer: this.weights } },
        { binding: 3, resource: radiance.createView() },
        { binding: 5, resource: (ghost ?? this.noGhost).createView({ dimension: '2d-array' }) },
      ],
    });
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.bindGroup || !this.bound) throw new Error('merge: not bound');
    dispatch(encoder, 'merge.pass', this.bound, this.bindGroup, ...groups8(...this.size));
  }

  /**
   * The ghost fill (merge.wgsl fill8_main, fill16_main; reference/ghost-fill.ts):
   * brackets and exposures as bind's, ghost the deghosting weights, trust
   * level 1 of their mean pyramid (reference/ghost-fill.ts fillTrust), filled
   * a 2d-array of the brackets' size, layer count and format (rgba8unorm or
   * rgba16float) with STORAGE_BINDING. Uses this pass's response and weights.
   */
  bindFill(brackets: GPUTexture, exposures: GPUBuffer, ghost: GPUTexture, trust: GPUTexture, filled: GPUTexture): void {
    const wide = filled.format === 'rgba16float';
    const entry = wide ? 'fill16_main' : 'fill8_main';
    const constants = { DEGHOST: 1, TRUST_LO: FILL_TRUST_LO, TRUST_HI: FILL_TRUST_HI };
    const pipeline = (this.fillPipelines[entry] ??= computePipeline(this.device, `merge.${entry}`, this.module, entry, constants));
    const group = this.device.createBindGroup({
      label: 'merge.fillBindGroup',
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: brackets.createView({ dimension: '2d-array' }) },
        { binding: 1, resource: { buffer: exposures } },
        { binding: 2, resource: { buffer: this.response } },
        { binding: 4, resource: { buffer: this.weights } },
        { binding: 5, resource: ghost.createView({ dimension: '2d-array' }) },
        { binding: wide ? 7 : 6, resource: filled.createView({ dimension: '2d-array' }) },
        { binding: 8, resource: trust.createView({ dimension: '2d-array' }) },
      ],
    });
    this.fill = { pipeline, group, size: [filled.width, filled.height] };
  }

  encodeFill(encoder: GPUCommandEncoder): void {
    if (!this.fill) throw new Error('merge: fill not bound');
    dispatch(encoder, 'merge.fill', this.fill.pipeline, this.fill.group, ...groups8(...this.fill.size));
  }
}
