// Laplacian pyramid collapse (shaders/pyramid/pyramid-expand.wgsl): from the top down,
// level l = band l + expand(level l+1). Bands live in storage buffers, the
// collapsed levels in textures. General: used by exposure fusion and by local
// tone mapping.
import wgsl from '../../../../shaders/pyramid/pyramid-expand.wgsl?raw';
import { computePipeline, createShader, groups8 } from '../../gpu/shader';
import { dispatch, type Resources } from '../../gpu/resources';

export class PyramidExpandPass {
  private readonly expand: GPUComputePipeline;
  private readonly top: GPUComputePipeline;
  /** steps[l] writes level l; run from the last (top) to 0. */
  private steps: { pipeline: GPUComputePipeline; bindGroup: GPUBindGroup; size: [number, number] }[] = [];

  /** Bound as the coarse level of the top step, which reads none (it cannot be the level it writes). */
  private readonly none: GPUTexture;

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
    readonly label = 'pyramid-expand',
  ) {
    this.none = res.texture({ label: `${label}.none`, size: [1, 1], format: 'rgba32float', usage: GPUTextureUsage.TEXTURE_BINDING });
    const module = createShader(device, `${label}.shader`, wgsl, ['pyramid']);
    this.expand = computePipeline(device, `${label}.pipeline`, module, 'main', { HAS_COARSE: 1 });
    this.top = computePipeline(device, `${label}.top`, module, 'main', { HAS_COARSE: 0 });
  }

  /** levels: the textures the collapse writes, finest first; bands[l]: one vec4f per pixel of levels[l]. */
  bind(levels: readonly GPUTexture[], bands: readonly GPUBuffer[]): void {
    this.steps = levels.map((dst, l) => {
      const isTop = l === levels.length - 1;
      const pipeline = isTop ? this.top : this.expand;
      const entries: GPUBindGroupEntry[] = [
        { binding: 0, resource: (isTop ? this.none : levels[l + 1]!).createView() },
        { binding: 1, resource: { buffer: bands[l]! } },
        { binding: 2, resource: dst.createView() },
      ];
      return {
        pipeline,
        size: [dst.width, dst.height],
        bindGroup: this.device.createBindGroup({ label: `${this.label}.bindGroup${l}`, layout: pipeline.getBindGroupLayout(0), entries }),
      };
    });
  }

  encode(encoder: GPUCommandEncoder): void {
    for (let l = this.steps.length - 1; l >= 0; l--) {
      const s = this.steps[l]!;
      dispatch(encoder, `${this.label}.pass${l}`, s.pipeline, s.bindGroup, ...groups8(...s.size));
    }
  }
}
