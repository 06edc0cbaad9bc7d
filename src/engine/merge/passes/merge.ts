// Radiance merge pass (shaders/merge/merge.wgsl).
import wgsl from '../../../../shaders/merge/merge.wgsl?raw';
import { computePipeline, createShader, groups8 } from '../../gpu/shader';
import { dispatch, type Resources } from '../../gpu/resources';
import { packResponse, responseLuts, type ResponseLuts } from '../response';
import { mergeWeights } from '../weights';

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

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
  ) {
    this.module = createShader(device, 'merge.shader', wgsl);
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
}
