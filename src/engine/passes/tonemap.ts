// Tone mapping pass (shaders/tonemap.wgsl). One instance per target: the
// canvas-sized preview and the full-size export share the pipeline but keep
// their own bind groups, so neither rebinds when the other runs.
import wgsl from '../../../shaders/tonemap.wgsl?raw';
import { computePipeline, createShader, groups8 } from '../gpu/shader';
import { dispatch, type Resources } from '../gpu/resources';
import { packUniforms, type Params } from '../params';

export class TonemapPass {
  private readonly pipeline: GPUComputePipeline;
  private readonly uniforms: GPUBuffer;
  private bindGroup: GPUBindGroup | null = null;
  private size: [number, number] = [0, 0];

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
    readonly label: string,
    shared?: TonemapPass,
  ) {
    this.pipeline = shared?.pipeline ?? computePipeline(device, 'tonemap.pipeline', createShader(device, 'tonemap.shader', wgsl, ['color', 'stats']), 'main');
    const size = packUniforms('tonemap', {} as Params).byteLength;
    this.uniforms = res.buffer({ label: `${label}.uniforms`, size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  }

  bind(radiance: GPUTexture, stats: GPUBuffer, result: GPUTexture): void {
    this.size = [result.width, result.height];
    this.bindGroup = this.device.createBindGroup({
      label: `${this.label}.bindGroup`,
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: radiance.createView() },
        { binding: 1, resource: { buffer: stats } },
        { binding: 2, resource: { buffer: this.uniforms } },
        { binding: 3, resource: result.createView() },
      ],
    });
  }

  setParams(params: Params): void {
    this.device.queue.writeBuffer(this.uniforms, 0, packUniforms('tonemap', params));
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.bindGroup) throw new Error(`${this.label}: not bound`);
    dispatch(encoder, `${this.label}.pass`, this.pipeline, this.bindGroup, ...groups8(...this.size));
  }
}
