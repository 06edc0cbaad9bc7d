// Radiance merge pass (shaders/merge.wgsl).
import wgsl from '../../../shaders/merge.wgsl?raw';
import { computePipeline, createShader, groups8 } from '../gpu/shader';
import { dispatch, type Resources } from '../gpu/resources';
import { mergeWeights, packResponse, responseLuts, type ResponseLuts } from '../response';

export class MergePass {
  private readonly pipeline: GPUComputePipeline;
  private bindGroup: GPUBindGroup | null = null;
  private size: [number, number] = [0, 0];
  private readonly response: GPUBuffer;
  private readonly weights: GPUBuffer;

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
  ) {
    this.pipeline = computePipeline(device, 'merge.pipeline', createShader(device, 'merge.shader', wgsl), 'main');
    const packed = packResponse(responseLuts('srgb'));
    this.response = res.buffer({ label: 'merge.response', size: packed.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(this.response, 0, packed);
    this.weights = res.buffer({ label: 'merge.weights', size: 256 * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    this.setBlackLevel(0);
  }

  /** Weights start above this code (response.ts mergeWeights); 0 for a true black. */
  setBlackLevel(black: number): void {
    this.device.queue.writeBuffer(this.weights, 0, mergeWeights(black));
  }

  /**
   * The inverse camera response per channel (sRGB until set). Only the buffer
   * changes, not the bind group: the caller re-runs the merge to see it.
   */
  setResponse(luts: ResponseLuts): void {
    this.device.queue.writeBuffer(this.response, 0, packResponse(luts));
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
        { binding: 4, resource: { buffer: this.weights } },
        { binding: 3, resource: radiance.createView() },
      ],
    });
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.bindGroup) throw new Error('merge: not bound');
    dispatch(encoder, 'merge.pass', this.pipeline, this.bindGroup, ...groups8(...this.size));
  }
}
