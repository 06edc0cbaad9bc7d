// Deghosting raw weights and finish (shaders/deghost/deghost.wgsl): raw_main writes
// every bracket's layer of level 0; finish_main expands the smoothed level 1
// into the result (the raw weights restored where the merge would be left
// with nothing) and writes the ghost mask. The code table and the params are
// buffers, so a response, black level, strength or reference change needs no
// rebind. struct DeghostParams is filled by field name, its layout reflected
// from the WGSL (gpu/uniforms.ts).
import wgsl from '../../../../shaders/deghost/deghost.wgsl?raw';
import { computePipeline, createShader, groups8, shaderSource, type ShaderLib } from '../../gpu/shader';
import { dispatch, type Resources } from '../../gpu/resources';
import { UniformBlock } from '../../gpu/uniforms';
import { uniformFields } from '../../params';
import { RESPONSE_CODES } from '../../merge/response';

const LIBS: readonly ShaderLib[] = ['pyramid'];

/** Entries of the code table: one vec4f per code and channel. */
const ENTRIES = 3 * RESPONSE_CODES;

/** The shader's override constants (deghost.ts DEGHOST_TOLERANCE, DEGHOST_FALLOFF, DEGHOST_MIN_WEIGHT). */
export interface DeghostConstants {
  TOLERANCE: number;
  FALLOFF: number;
  MIN_WEIGHT: number;
}

export class DeghostPass {
  private readonly rawPipeline: GPUComputePipeline;
  private readonly finishPipeline: GPUComputePipeline;
  /** finish_main without a level 1: the raw weights are the result. */
  private readonly finishTop: GPUComputePipeline;
  private readonly table: GPUBuffer;
  private readonly uniforms: UniformBlock;
  /** Bound as level 1 where there is none (the top finish never reads it). */
  private readonly none: GPUTexture;
  private rawGroup: GPUBindGroup | null = null;
  private finishGroup: GPUBindGroup | null = null;
  private finish: GPUComputePipeline | null = null;
  private size: [number, number] = [0, 0];

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
    constants: DeghostConstants,
  ) {
    const module = createShader(device, 'deghost.shader', wgsl, LIBS);
    this.rawPipeline = computePipeline(device, 'deghost.raw', module, 'raw_main', { ...constants });
    this.finishPipeline = computePipeline(device, 'deghost.finish', module, 'finish_main', { ...constants, HAS_COARSE: 1 });
    this.finishTop = computePipeline(device, 'deghost.finishTop', module, 'finish_main', { ...constants, HAS_COARSE: 0 });
    this.table = res.buffer({ label: 'deghost.table', size: ENTRIES * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    this.uniforms = new UniformBlock(device, res, 'deghost.uniforms', shaderSource(wgsl, LIBS), 'params');
    this.uniforms.expectFields(uniformFields('deghost'));
    this.none = res.texture({ label: 'deghost.none', size: [1, 1, 1], format: 'r32float', usage: GPUTextureUsage.TEXTURE_BINDING });
  }

  /** deghost.ts deghostTables: 4 f32 per code and channel. */
  setTables(table: Float32Array<ArrayBuffer>): void {
    if (table.length !== ENTRIES * 4) throw new Error(`deghost: table has ${table.length} values, expected ${ENTRIES * 4}`);
    this.device.queue.writeBuffer(this.table, 0, table);
  }

  /** struct DeghostParams by field name: strength (clamped), reference (the resolved bracket index). */
  setParams(fields: { strength: number; reference: number }): void {
    this.uniforms.set(fields);
    this.uniforms.write();
  }

  /**
   * brackets: the merge's 2d-array; exposures: f32 per layer; result: r32float
   * 2d-array, one layer per bracket, the brackets' size (level 0: raw weights,
   * then the result); level1: the smoothed level 1, or null for no smoothing;
   * mask: r32float, the brackets' size.
   */
  bind(brackets: GPUTexture, exposures: GPUBuffer, result: GPUTexture, level1: GPUTexture | null, mask: GPUTexture): void {
    this.size = [result.width, result.height];
    const array = (t: GPUTexture) => t.createView({ dimension: '2d-array' });
    const common: GPUBindGroupEntry[] = [
      { binding: 0, resource: array(brackets) },
      { binding: 1, resource: { buffer: exposures } },
      { binding: 2, resource: { buffer: this.table } },
      { binding: 3, resource: { buffer: this.uniforms.buffer } },
    ];
    this.rawGroup = this.device.createBindGroup({
      label: 'deghost.rawBindGroup',
      layout: this.rawPipeline.getBindGroupLayout(0),
      entries: [...common, { binding: 4, resource: array(result) }],
    });
    this.finish = level1 ? this.finishPipeline : this.finishTop;
    this.finishGroup = this.device.createBindGroup({
      label: 'deghost.finishBindGroup',
      layout: this.finish.getBindGroupLayout(0),
      entries: [...common, { binding: 5, resource: array(level1 ?? this.none) }, { binding: 6, resource: array(result) }, { binding: 7, resource: mask.createView() }],
    });
  }

  /** The raw weights into level 0 (only needed before smoothing). */
  encodeRaw(encoder: GPUCommandEncoder): void {
    if (!this.rawGroup) throw new Error('deghost: not bound');
    dispatch(encoder, 'deghost.raw', this.rawPipeline, this.rawGroup, ...groups8(...this.size));
  }

  /** Level 1 expanded into the result (or the raw weights, unsmoothed), and the mask. */
  encodeFinish(encoder: GPUCommandEncoder): void {
    if (!this.finishGroup || !this.finish) throw new Error('deghost: not bound');
    dispatch(encoder, 'deghost.finish', this.finish, this.finishGroup, ...groups8(...this.size));
  }
}
