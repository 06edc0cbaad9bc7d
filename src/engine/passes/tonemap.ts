// Tone mapping pass (shaders/tonemap.wgsl). One instance per target: the
// canvas-sized preview and the full-size export share the pipelines but keep
// their own bind groups, so neither rebinds when the other runs. Two variants
// (the FUSED override): radiance from the merge, or exposure fusion output.
// They share one explicit bind-group layout, so a bind group serves both.
import wgsl from '../../../shaders/tonemap.wgsl?raw';
import { createShader, groups8 } from '../gpu/shader';
import { dispatch, type Resources } from '../gpu/resources';
import { packUniforms, type Params } from '../params';
import type { Mode } from '../types';

interface Shared {
  layout: GPUBindGroupLayout;
  /** By variant key ('fusion', or 'merge' + operator index), made on first use. */
  pipeline(mode: Mode, operator: number): GPUComputePipeline;
}

function createShared(device: GPUDevice): Shared {
  const layout = device.createBindGroupLayout({
    label: 'tonemap.bindGroupLayout',
    entries: [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, texture: { sampleType: 'unfilterable-float' } },
      { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } },
      { binding: 2, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
      { binding: 3, visibility: GPUShaderStage.COMPUTE, storageTexture: { access: 'write-only', format: 'rgba32float' } },
    ],
  });
  const module = createShader(device, 'tonemap.shader', wgsl, ['color', 'stats', 'operators']);
  const pipelineLayout = device.createPipelineLayout({ label: 'tonemap.pipelineLayout', bindGroupLayouts: [layout] });
  const cache = new Map<string, GPUComputePipeline>();
  const pipeline = (mode: Mode, operator: number) => {
    const op = mode === 'fusion' ? 0 : Math.round(operator);
    const key = `${mode}.${op}`;
    let p = cache.get(key);
    if (!p) {
      p = device.createComputePipeline({
        label: `tonemap.pipeline.${key}`,
        layout: pipelineLayout,
        compute: { module, entryPoint: 'main', constants: { FUSED: mode === 'fusion' ? 1 : 0, OPERATOR: op } },
      });
      cache.set(key, p);
    }
    return p;
  };
  pipeline('fusion', 0);
  pipeline('merge', 0);
  return { layout, pipeline };
}

export class TonemapPass {
  private readonly shared: Shared;
  private readonly uniforms: GPUBuffer;
  private bindGroup: GPUBindGroup | null = null;
  private size: [number, number] = [0, 0];
  /** What the bound source holds. */
  private mode: Mode = 'merge';
  private operator = 0;

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
    readonly label: string,
    shared?: TonemapPass,
  ) {
    this.shared = shared?.shared ?? createShared(device);
    const size = packUniforms('tonemap', {} as Params).byteLength;
    this.uniforms = res.buffer({ label: `${label}.uniforms`, size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  }

  /** source: radiance (mode 'merge') or fused image (mode 'fusion'); stats: the merge's luminance statistics. */
  bind(mode: Mode, source: GPUTexture, stats: GPUBuffer, result: GPUTexture): void {
    this.mode = mode;
    this.size = [result.width, result.height];
    this.bindGroup = this.device.createBindGroup({
      label: `${this.label}.bindGroup`,
      layout: this.shared.layout,
      entries: [
        { binding: 0, resource: source.createView() },
        { binding: 1, resource: { buffer: stats } },
        { binding: 2, resource: { buffer: this.uniforms } },
        { binding: 3, resource: result.createView() },
      ],
    });
  }

  setParams(params: Params): void {
    this.operator = params.toneOperator;
    this.device.queue.writeBuffer(this.uniforms, 0, packUniforms('tonemap', params));
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.bindGroup) throw new Error(`${this.label}: not bound`);
    dispatch(encoder, `${this.label}.pass`, this.shared.pipeline(this.mode, this.operator), this.bindGroup, ...groups8(...this.size));
  }
}
