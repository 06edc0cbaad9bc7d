// Exposure fusion blend (shaders/fusion/fusion-blend.wgsl): adds one bracket's
// weighted Laplacian bands to the result bands, every level in one encoder.
import wgsl from '../../../../shaders/fusion/fusion-blend.wgsl?raw';
import { computePipeline, createShader, groups8 } from '../../gpu/shader';
import { dispatch } from '../../gpu/resources';

export class FusionBlendPass {
  private readonly band: GPUComputePipeline;
  private readonly top: GPUComputePipeline;
  private steps: { pipeline: GPUComputePipeline; bindGroup: GPUBindGroup; size: [number, number] }[] = [];

  constructor(private readonly device: GPUDevice) {
    const module = createShader(device, 'fusion-blend.shader', wgsl, ['pyramid']);
    this.band = computePipeline(device, 'fusion-blend.pipeline', module, 'main', { TOP: 0 });
    this.top = computePipeline(device, 'fusion-blend.top', module, 'main', { TOP: 1 });
  }

  /**
   * levels: the bracket's Gaussian pyramid (rgb colour, a weight); acc[l]: result band l.
   * bands: how many levels to blend, finest first (default all). Fewer leaves
   * the last level as the coarse one of the band below only, with no top band
   * (a tile of tiled-fusion.ts, whose coarser bands come from the whole image).
   */
  bind(levels: readonly GPUTexture[], acc: readonly GPUBuffer[], bands = levels.length): void {
    this.steps = levels.slice(0, bands).map((fine, l) => {
      const isTop = l === levels.length - 1;
      const pipeline = isTop ? this.top : this.band;
      // The top level has no coarser one; its binding (unread there) gets the level itself.
      const entries: GPUBindGroupEntry[] = [
        { binding: 0, resource: fine.createView() },
        { binding: 1, resource: (levels[l + 1] ?? fine).createView() },
        { binding: 2, resource: { buffer: acc[l]! } },
      ];
      return {
        pipeline,
        size: [fine.width, fine.height],
        bindGroup: this.device.createBindGroup({ label: `fusion-blend.bindGroup${l}`, layout: pipeline.getBindGroupLayout(0), entries }),
      };
    });
  }

  encode(encoder: GPUCommandEncoder): void {
    this.steps.forEach((s, l) => dispatch(encoder, `fusion-blend.pass${l}`, s.pipeline, s.bindGroup, ...groups8(...s.size)));
  }
}
