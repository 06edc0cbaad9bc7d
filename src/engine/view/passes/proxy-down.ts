// Box average by k of one tile into a set's proxy, at the tile's place
// (shaders/view/proxy-down.wgsl): the proxy graph's merge or fusion given by
// the full-size one as a tiled sweep makes it (graph/proxy-writer.ts).
import wgsl from '../../../../shaders/view/proxy-down.wgsl?raw';
import { computePipeline, createShader, groups8 } from '../../gpu/shader';
import { dispatch, type Resources } from '../../gpu/resources';
import { UniformBlock } from '../../gpu/uniforms';
import type { Rect } from '../../graph/region';

export class ProxyDownPass {
  private readonly pipeline: GPUComputePipeline;
  private readonly uniforms: UniformBlock;

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
  ) {
    this.pipeline = computePipeline(device, 'proxy-down.pipeline', createShader(device, 'proxy-down.shader', wgsl), 'main');
    this.uniforms = new UniformBlock(device, res, 'proxy-down.uniforms', wgsl, 'tile');
  }

  /**
   * Encode and submit: `tile` (core's size) box-averaged by k into `proxy`
   * (the image's size divided by k, rounded up) at core / k. The core must
   * start on multiples of k and end on them or at the image's edge.
   */
  run(tile: GPUTexture, core: Rect, proxy: GPUTexture, k: number): void {
    if (core.x % k !== 0 || core.y % k !== 0) throw new Error(`proxy-down: core ${core.x},${core.y} is not on a multiple of ${k}`);
    const [w, h] = [Math.ceil(core.width / k), Math.ceil(core.height / k)];
    if (core.x / k + w > proxy.width || core.y / k + h > proxy.height) throw new Error(`proxy-down: core ${core.x},${core.y} ${core.width}×${core.height} ÷ ${k} is outside the ${proxy.width}×${proxy.height} proxy`);
    this.uniforms.set({ x: core.x, y: core.y, width: core.width, height: core.height, k });
    this.uniforms.write();
    const bindGroup = this.device.createBindGroup({
      label: 'proxy-down.bindGroup',
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: tile.createView() },
        { binding: 1, resource: proxy.createView() },
        { binding: 2, resource: { buffer: this.uniforms.buffer } },
      ],
    });
    const encoder = this.device.createCommandEncoder({ label: 'proxy-down' });
    dispatch(encoder, 'proxy-down.pass', this.pipeline, bindGroup, ...groups8(w, h));
    this.device.queue.submit([encoder.finish()]);
  }
}
