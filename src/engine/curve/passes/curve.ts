// Tone curve pass (shaders/curve/curve.wgsl). One instance per target, as with the
// tone mapper: the canvas-sized display and the full-size export share the
// pipeline and the curve tables but keep their own bind groups. The 16-bit
// export writes rgba32float instead of rgba8unorm (its own pipeline: a storage
// texture's format is part of the shader).
import wgsl from '../../../../shaders/curve/curve.wgsl?raw';
import { CURVE_LUT_SIZE } from '../curve';
import { computePipeline, createShader, groups8 } from '../../gpu/shader';
import { dispatch } from '../../gpu/resources';

export class CurvePass {
  private readonly pipeline: GPUComputePipeline;
  private bindGroup: GPUBindGroup | null = null;
  private size: [number, number] = [0, 0];

  constructor(
    private readonly device: GPUDevice,
    readonly label: string,
    shared?: CurvePass,
    readonly format: 'rgba8unorm' | 'rgba32float' = shared?.format ?? 'rgba8unorm',
  ) {
    if (shared && shared.format === format) {
      this.pipeline = shared.pipeline;
    } else {
      const code = format === 'rgba8unorm' ? wgsl : wgsl.replace('texture_storage_2d<rgba8unorm, write>', `texture_storage_2d<${format}, write>`);
      this.pipeline = computePipeline(device, `curve.pipeline.${format}`, createShader(device, `curve.shader.${format}`, code, ['color']), 'main', { LUT_SIZE: CURVE_LUT_SIZE });
    }
  }

  /** toned: rgba32float display-encoded values; luts: 4 × CURVE_LUT_SIZE f32; result: of this pass's format. */
  bind(toned: GPUTexture, luts: GPUBuffer, result: GPUTexture): void {
    this.size = [result.width, result.height];
    this.bindGroup = this.device.createBindGroup({
      label: `${this.label}.bindGroup`,
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: toned.createView() },
        { binding: 1, resource: { buffer: luts } },
        { binding: 2, resource: result.createView() },
      ],
    });
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.bindGroup) throw new Error(`${this.label}: not bound`);
    dispatch(encoder, `${this.label}.pass`, this.pipeline, this.bindGroup, ...groups8(...this.size));
  }
}
