// Radiance merge pass (shaders/merge.wgsl).
import wgsl from '../../../shaders/merge.wgsl?raw';
import { computePipeline, createShader, groups8 } from '../gpu/shader';
import { dispatch, type Resources } from '../gpu/resources';

/** Linear value of each 8-bit sRGB code (IEC 61966-2-1), the merge's inverse response. */
export function srgbResponse(): Float32Array<ArrayBuffer> {
  return Float32Array.from({ length: 256 }, (_, z) => {
    const c = z / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
}

export class MergePass {
  private readonly pipeline: GPUComputePipeline;
  private bindGroup: GPUBindGroup | null = null;
  private size: [number, number] = [0, 0];
  private readonly response: GPUBuffer;

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
  ) {
    this.pipeline = computePipeline(device, 'merge.pipeline', createShader(device, 'merge.shader', wgsl), 'main');
    const lut = srgbResponse();
    this.response = res.buffer({ label: 'merge.response', size: lut.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(this.response, 0, lut);
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
        { binding: 2, resource: { buffer: this.response } },
        { binding: 3, resource: radiance.createView() },
      ],
    });
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.bindGroup) throw new Error('merge: not bound');
    dispatch(encoder, 'merge.pass', this.pipeline, this.bindGroup, ...groups8(...this.size));
  }
}
