// Gaussian pyramid construction (shaders/pyramid/pyramid-reduce.wgsl): level l+1 =
// reduce(level l), for every level of a pyramid, in one encoder. General: used
// by exposure fusion and by local tone mapping.
import wgsl from '../../../../shaders/pyramid/pyramid-reduce.wgsl?raw';
import { computePipeline, createShader, groups8 } from '../../gpu/shader';
import { dispatch } from '../../gpu/resources';

export class PyramidReducePass {
  private readonly pipeline: GPUComputePipeline;
  /** groups[l] reduces level l into level l+1. */
  private groups: { bindGroup: GPUBindGroup; size: [number, number] }[] = [];

  constructor(
    private readonly device: GPUDevice,
    readonly label = 'pyramid-reduce',
  ) {
    this.pipeline = computePipeline(device, `${label}.pipeline`, createShader(device, `${label}.shader`, wgsl, ['pyramid']), 'main');
  }

  /** levels: rgba32float textures, finest first, each ((w+1)/2, (h+1)/2) of the one before. */
  bind(levels: readonly GPUTexture[]): void {
    this.groups = levels.slice(1).map((dst, i) => ({
      size: [dst.width, dst.height],
      bindGroup: this.device.createBindGroup({
        label: `${this.label}.bindGroup${i + 1}`,
        layout: this.pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: levels[i]!.createView() },
          { binding: 1, resource: dst.createView() },
        ],
      }),
    }));
  }

  /** Rebuild every level above the finest. */
  encode(encoder: GPUCommandEncoder): void {
    this.groups.forEach((g, i) => dispatch(encoder, `${this.label}.pass${i + 1}`, this.pipeline, g.bindGroup, ...groups8(...g.size)));
  }
}
