// Box downsample pass (shaders/view/downsample.wgsl): a region of a full-size image
// into a smaller (or same-size) rgba32float texture.
import wgsl from '../../../../shaders/view/downsample.wgsl?raw';
import { computePipeline, createShader, groups8 } from '../../gpu/shader';
import { dispatch, type Resources } from '../../gpu/resources';

export class DownsamplePass {
  private readonly pipeline: GPUComputePipeline;
  private readonly region: GPUBuffer;
  private bindGroup: GPUBindGroup | null = null;
  private size: [number, number] = [0, 0];

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
    readonly label = 'downsample',
  ) {
    this.pipeline = computePipeline(device, `${label}.pipeline`, createShader(device, 'downsample.shader', wgsl), 'main');
    this.region = res.buffer({ label: `${label}.region`, size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  }

  /**
   * src: a texture, or a view of one layer; region: x0, y0, x1, y1 in source
   * pixels (default, for a texture only: all of it).
   */
  bind(src: GPUTexture | GPUTextureView, dst: GPUTexture, region?: readonly [number, number, number, number]): void {
    this.size = [dst.width, dst.height];
    if (!region && !(src instanceof GPUTexture)) throw new Error(`${this.label}: a view needs its region`);
    const [x0, y0, x1, y1] = region ?? [0, 0, (src as GPUTexture).width, (src as GPUTexture).height];
    if (!(x1 > x0 && y1 > y0)) throw new Error(`downsample: empty region ${x0},${y0},${x1},${y1}`);
    this.device.queue.writeBuffer(this.region, 0, new Uint32Array([x0, y0, x1 - x0, y1 - y0]));
    this.bindGroup = this.device.createBindGroup({
      label: `${this.label}.bindGroup`,
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: src instanceof GPUTexture ? src.createView() : src },
        { binding: 1, resource: dst.createView() },
        { binding: 2, resource: { buffer: this.region } },
      ],
    });
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.bindGroup) throw new Error(`${this.label}: not bound`);
    dispatch(encoder, `${this.label}.pass`, this.pipeline, this.bindGroup, ...groups8(...this.size));
  }
}
