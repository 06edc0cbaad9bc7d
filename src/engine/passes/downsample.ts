// Box downsample pass (shaders/downsample.wgsl).
import wgsl from '../../../shaders/downsample.wgsl?raw';
import { computePipeline, createShader, groups8 } from '../gpu/shader';
import { dispatch } from '../gpu/resources';

export class DownsamplePass {
  private readonly pipeline: GPUComputePipeline;
  private bindGroup: GPUBindGroup | null = null;
  private size: [number, number] = [0, 0];

  constructor(private readonly device: GPUDevice) {
    this.pipeline = computePipeline(device, 'downsample.pipeline', createShader(device, 'downsample.shader', wgsl), 'main');
  }

  bind(src: GPUTexture, dst: GPUTexture): void {
    this.size = [dst.width, dst.height];
    this.bindGroup = this.device.createBindGroup({
      label: 'downsample.bindGroup',
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: src.createView() },
        { binding: 1, resource: dst.createView() },
      ],
    });
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.bindGroup) throw new Error('downsample: not bound');
    dispatch(encoder, 'downsample.pass', this.pipeline, this.bindGroup, ...groups8(...this.size));
  }
}
