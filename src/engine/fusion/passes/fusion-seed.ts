// Tiled exposure fusion's seed (shaders/fusion/fusion-seed.wgsl): the top band
// of a tile's collapse, cropped from the whole-image result at level F, so the
// tile's fine bands collapse onto the coarse levels the whole image gave.
import wgsl from '../../../../shaders/fusion/fusion-seed.wgsl?raw';
import { computePipeline, createShader, groups8 } from '../../gpu/shader';
import { dispatch, type Resources } from '../../gpu/resources';
import { UniformBlock } from '../../gpu/uniforms';
import type { Rect } from '../../graph/region';

export class FusionSeedPass {
  private readonly pipeline: GPUComputePipeline;
  private readonly uniforms: UniformBlock;
  private bindGroup: GPUBindGroup | null = null;
  private size: [number, number] = [0, 0];

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
  ) {
    this.pipeline = computePipeline(device, 'fusion-seed.pipeline', createShader(device, 'fusion-seed.shader', wgsl), 'main');
    this.uniforms = new UniformBlock(device, res, 'fusion-seed.uniforms', wgsl, 'crop');
  }

  /** band (one vec4f per pixel of crop, row-major) := src over `crop`, which must lie inside src. */
  bind(src: GPUTexture, crop: Rect, band: GPUBuffer): void {
    if (crop.x < 0 || crop.y < 0 || crop.x + crop.width > src.width || crop.y + crop.height > src.height) {
      throw new Error(`fusion-seed: crop ${crop.x},${crop.y} ${crop.width}×${crop.height} is outside the ${src.width}×${src.height} source`);
    }
    if (band.size < crop.width * crop.height * 16) throw new Error(`fusion-seed: band of ${band.size} bytes is too small for ${crop.width}×${crop.height}`);
    this.size = [crop.width, crop.height];
    this.uniforms.set({ x: crop.x, y: crop.y, width: crop.width, height: crop.height });
    this.uniforms.write();
    this.bindGroup = this.device.createBindGroup({
      label: 'fusion-seed.bindGroup',
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: src.createView() },
        { binding: 1, resource: { buffer: this.uniforms.buffer } },
        { binding: 2, resource: { buffer: band } },
      ],
    });
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.bindGroup) throw new Error('fusion-seed: not bound');
    dispatch(encoder, 'fusion-seed.pass', this.pipeline, this.bindGroup, ...groups8(...this.size));
  }
}
