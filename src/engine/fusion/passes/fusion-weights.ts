// Exposure fusion weights (shaders/fusion/fusion-weights.wgsl): one pass sums the raw
// weights of all brackets, then one pass per bracket writes its colour and
// normalised weight as level 0 of the fusion pyramid. Both uniforms (the
// weight exponents, struct FusionParams; the bracket index of each
// per-bracket dispatch, struct Layer) are filled by field name, their layout
// reflected from the WGSL (gpu/uniforms.ts).
import wgsl from '../../../../shaders/fusion/fusion-weights.wgsl?raw';
import { computePipeline, createShader, groups8, shaderSource, type ShaderLib } from '../../gpu/shader';
import { dispatch, type Resources } from '../../gpu/resources';
import { UniformBlock } from '../../gpu/uniforms';
import { uniformFields, uniformValues, type Params } from '../../params';
import { MAX_BRACKETS } from '../../types';

/** Uniform buffer offsets must be multiples of this (WebGPU's default minUniformBufferOffsetAlignment). */
const LAYER_STRIDE = 256;
const LIBS: readonly ShaderLib[] = ['pyramid'];

export class FusionWeightsPass {
  private readonly module: GPUShaderModule;
  private readonly plain: { sum: GPUComputePipeline; weights: GPUComputePipeline };
  /** FILLED = true (the ghost fill's brackets), made on the first bind with them. */
  private filledPipelines: { sum: GPUComputePipeline; weights: GPUComputePipeline } | null = null;
  private sumPipeline: GPUComputePipeline;
  private weightPipeline: GPUComputePipeline;
  private readonly uniforms: UniformBlock;
  /** The bracket index of each per-bracket dispatch, one struct Layer every LAYER_STRIDE bytes. */
  private readonly layers: UniformBlock;
  private sumGroup: GPUBindGroup | null = null;
  private weightGroups: GPUBindGroup[] = [];
  private size: [number, number] = [0, 0];

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
  ) {
    this.module = createShader(device, 'fusion-weights.shader', wgsl, LIBS);
    this.plain = {
      sum: computePipeline(device, 'fusion-weights.sum', this.module, 'weight_sum_main'),
      weights: computePipeline(device, 'fusion-weights.weights', this.module, 'weights_main'),
    };
    this.sumPipeline = this.plain.sum;
    this.weightPipeline = this.plain.weights;
    const code = shaderSource(wgsl, LIBS);
    this.uniforms = new UniformBlock(device, res, 'fusion-weights.uniforms', code, 'params');
    this.uniforms.expectFields(uniformFields('fusion'));
    this.layers = new UniformBlock(device, res, 'fusion-weights.layers', code, 'layer', MAX_BRACKETS, LAYER_STRIDE);
    for (let k = 0; k < MAX_BRACKETS; k++) this.layers.set({ index: k }, k);
    this.layers.write();
  }

  /**
   * brackets: rgba8unorm or rgba16float 2d-array of `count` layers; weightSum: one f32 per pixel; level0: rgba32float;
   * filled: the brackets are the ghost fill's (deghost.ts encodeFill()), whose alpha multiplies each weight.
   */
  bind(brackets: GPUTexture, weightSum: GPUBuffer, level0: GPUTexture, filled = false): void {
    this.size = [level0.width, level0.height];
    if (filled && !this.filledPipelines) {
      this.filledPipelines = {
        sum: computePipeline(this.device, 'fusion-weights.filledSum', this.module, 'weight_sum_main', { FILLED: 1 }),
        weights: computePipeline(this.device, 'fusion-weights.filledWeights', this.module, 'weights_main', { FILLED: 1 }),
      };
    }
    const pipelines = filled ? this.filledPipelines! : this.plain;
    this.sumPipeline = pipelines.sum;
    this.weightPipeline = pipelines.weights;
    const view = brackets.createView({ dimension: '2d-array' });
    this.sumGroup = this.device.createBindGroup({
      label: 'fusion-weights.sumBindGroup',
      layout: this.sumPipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: view },
        { binding: 1, resource: { buffer: this.uniforms.buffer } },
        { binding: 2, resource: { buffer: weightSum } },
      ],
    });
    const level0View = level0.createView();
    this.weightGroups = Array.from({ length: brackets.depthOrArrayLayers }, (_, k) =>
      this.device.createBindGroup({
        label: `fusion-weights.bindGroup${k}`,
        layout: this.weightPipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: view },
          { binding: 1, resource: { buffer: this.uniforms.buffer } },
          { binding: 2, resource: { buffer: weightSum } },
          { binding: 3, resource: { buffer: this.layers.buffer, offset: k * LAYER_STRIDE, size: this.layers.size } },
          { binding: 4, resource: level0View },
        ],
      }),
    );
  }

  setParams(params: Params): void {
    this.uniforms.set(uniformValues('fusion', params));
    this.uniforms.write();
  }

  encodeSum(encoder: GPUCommandEncoder): void {
    if (!this.sumGroup) throw new Error('fusion-weights: not bound');
    dispatch(encoder, 'fusion-weights.sum', this.sumPipeline, this.sumGroup, ...groups8(...this.size));
  }

  /** Level 0 of bracket k's pyramid. */
  encodeBracket(encoder: GPUCommandEncoder, k: number): void {
    const group = this.weightGroups[k];
    if (!group) throw new Error(`fusion-weights: no bracket ${k}`);
    dispatch(encoder, `fusion-weights.bracket${k}`, this.weightPipeline, group, ...groups8(...this.size));
  }
}
