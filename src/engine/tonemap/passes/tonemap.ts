// Tone mapping pass (shaders/tonemap/tonemap.wgsl). One instance per target: the
// canvas-sized preview and the full-size export share the pipelines but keep
// their own bind groups, so neither rebinds when the other runs. Two variants
// (the FUSED override): radiance from the merge, or exposure fusion output.
// They share one explicit bind-group layout, so a bind group serves both.
// The uniform struct ToneParams is filled by field name from the tonemap
// params of the schema (params.ts uniformValues), its layout reflected from
// the WGSL (gpu/uniforms.ts); the operator picks the pipeline (OPERATOR).
import wgsl from '../../../../shaders/tonemap/tonemap.wgsl?raw';
import { createShader, groups8, shaderSource, type ShaderLib } from '../../gpu/shader';
import { dispatch, type Resources } from '../../gpu/resources';
import { UniformBlock } from '../../gpu/uniforms';
import { PARAMS, uniformFields, uniformValues, type ParamSchema } from '../../params';
import type { Mode } from '../../types';

const LIBS: readonly ShaderLib[] = ['color', 'stats', 'operators'];

/**
 * The shader and the schema a TonemapPass is built from: tonemap.wgsl and
 * PARAMS. Another pair (a schema with one more tonemap param and the WGSL
 * reading it) needs no other edit here (params.test.ts shows it).
 */
export interface TonemapSource {
  /** The pass's WGSL, without the libs (prepended as for tonemap.wgsl; libs replaces them where given). */
  readonly wgsl: string;
  readonly schema: ParamSchema;
  /** The library sources in place of color, stats and operators, in that order. */
  readonly libs?: readonly string[];
}

interface Shared {
  source: TonemapSource;
  /** The whole module's text (libs and pass), the one reflected for the uniforms. */
  code: string;
  layout: GPUBindGroupLayout;
  /** By variant key ('fusion', or 'merge' + operator index), made on first use. */
  pipeline(mode: Mode, operator: number): GPUComputePipeline;
}

function createShared(device: GPUDevice, source: TonemapSource): Shared {
  const layout = device.createBindGroupLayout({
    label: 'tonemap.bindGroupLayout',
    entries: [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, texture: { sampleType: 'unfilterable-float' } },
      { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } },
      { binding: 2, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
      { binding: 3, visibility: GPUShaderStage.COMPUTE, storageTexture: { access: 'write-only', format: 'rgba32float' } },
    ],
  });
  const code = source.libs ? [...source.libs, source.wgsl].join('\n') : shaderSource(source.wgsl, LIBS);
  const module = createShader(device, 'tonemap.shader', code);
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
  return { source, code, layout, pipeline };
}

export class TonemapPass {
  private readonly shared: Shared;
  private readonly uniforms: UniformBlock;
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
    source: TonemapSource = { wgsl, schema: PARAMS },
  ) {
    this.shared = shared?.shared ?? createShared(device, source);
    const { code, source: own } = this.shared;
    this.uniforms = new UniformBlock(device, res, `${label}.uniforms`, code, 'params');
    this.uniforms.expectFields(uniformFields('tonemap', own.schema));
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
        { binding: 2, resource: { buffer: this.uniforms.buffer } },
        { binding: 3, resource: result.createView() },
      ],
    });
  }

  /** params: the store's Params (or, with another source, an object with its schema's params). */
  setParams(params: Readonly<Record<string, number>> & { readonly toneOperator: number }): void {
    this.operator = params.toneOperator;
    this.uniforms.set(uniformValues('tonemap', params, this.shared.source.schema));
    this.uniforms.write();
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.bindGroup) throw new Error(`${this.label}: not bound`);
    dispatch(encoder, `${this.label}.pass`, this.shared.pipeline(this.mode, this.operator), this.bindGroup, ...groups8(...this.size));
  }
}
