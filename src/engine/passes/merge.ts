// Radiance merge pass (shaders/merge.wgsl).
import wgsl from '../../../shaders/merge.wgsl?raw';
import { computePipeline, createShader, groups8 } from '../gpu/shader';
import { dispatch } from '../gpu/resources';

export class MergePass {
  private readonly pipeline: GPUComputePipeline;
  private bindGroup: GPUBindGroup | null = null;
  private size: [number, number] = [0, 0];

  constructor(private readonly device: GPUDevice) {
    const module = createShader(device, 'merge.shader', wgsl, ['color']);
    this.pipeline = computePipeline(device, 'merge.pipeline', module, 'main');
  }

  /** brackets: rgba8unorm 2d-array, darkest layer first; exposures: f32 per layer. */
  bind(brackets: GPUTexture, exposures: GPUBuffer, radiance: GPUTexture): void {
    this.size = [radiance.width, radiance.height];
    this.bindGroup = this.device.createBindGroup({
      label: 'merge.bindGroup',
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: brackets.createView({ dimension: '2d-array' }) },
        { binding: 1, resource: { buffer: exposures } },
        { binding: 2, resource: radiance.createView() },
      ],
    });
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.bindGroup) throw new Error('merge: not bound');
    dispatch(encoder, 'merge.pass', this.pipeline, this.bindGroup, ...groups8(...this.size));
  }
}
