// The proxy set (shaders/draft/proxy.wgsl): every bracket box-downsampled into a
// smaller array of the same format, for drafts at canvas size.
import wgsl from '../../../../shaders/draft/proxy.wgsl?raw';
import { computePipeline, createShader, groups8 } from '../../gpu/shader';
import { dispatch, type Resources } from '../../gpu/resources';

export type ProxyFormat = 'rgba8unorm' | 'rgba16float';

export class ProxyPass {
  private readonly pipelines = new Map<ProxyFormat, GPUComputePipeline>();
  private group: GPUBindGroup | null = null;
  private pipeline: GPUComputePipeline | null = null;
  /** The proxy brackets (owned; made again when the size, layers or format change). */
  result: GPUTexture | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
  ) {}

  private pipelineFor(format: ProxyFormat): GPUComputePipeline {
    let p = this.pipelines.get(format);
    if (!p) {
      // WGSL names a storage texture's format in its type: one module per format.
      const code = wgsl.replace('texture_storage_2d_array<rgba8unorm, write>', `texture_storage_2d_array<${format}, write>`);
      p = computePipeline(this.device, `proxy.${format}.pipeline`, createShader(this.device, `proxy.${format}.shader`, code), 'main');
      this.pipelines.set(format, p);
    }
    return p;
  }

  /** brackets: rgba8unorm or rgba16float 2d-array; the proxy is width × height with the same layers and format. */
  bind(brackets: GPUTexture, width: number, height: number): void {
    const format = brackets.format;
    if (format !== 'rgba8unorm' && format !== 'rgba16float') throw new Error(`proxy: cannot downsample ${format}`);
    if (!(width >= 1 && height >= 1 && width <= brackets.width && height <= brackets.height)) throw new Error(`proxy: bad size ${width}×${height}`);
    const layers = brackets.depthOrArrayLayers;
    const r = this.result;
    if (!r || r.width !== width || r.height !== height || r.depthOrArrayLayers !== layers || r.format !== format) {
      this.release();
      this.result = this.res.texture({
        label: 'proxy.brackets',
        size: [width, height, layers],
        format,
        usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
      });
    }
    this.pipeline = this.pipelineFor(format);
    this.group = this.device.createBindGroup({
      label: 'proxy.bindGroup',
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: brackets.createView({ dimension: '2d-array' }) },
        { binding: 1, resource: this.result!.createView({ dimension: '2d-array' }) },
      ],
    });
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.group || !this.pipeline || !this.result) throw new Error('proxy: not bound');
    dispatch(encoder, 'proxy.pass', this.pipeline, this.group, ...groups8(this.result.width, this.result.height));
  }

  release(): void {
    this.res.release(this.result);
    this.result = null;
    this.group = null;
  }
}
