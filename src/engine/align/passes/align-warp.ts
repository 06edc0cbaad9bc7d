// Resample every bracket into the reference frame (shaders/align/align-warp.wgsl):
// one dispatch over the output's width × height × layers. CPU reference:
// warpRgba8() in src/engine/align/reference/align.ts. The output may be a crop of
// the reference frame (its top-left at `origin`), folded into the matrices;
// 16-bit brackets (rgba16float) warp into rgba16float, so nothing is lost.
import wgsl from '../../../../shaders/align/align-warp.wgsl?raw';
import { computePipeline, createShader } from '../../gpu/shader';
import type { Resources } from '../../gpu/resources';
import type { Matrix3 } from '../reference/align';

/** The formats the warp reads and writes (the output has the input's format). */
export type WarpFormat = 'rgba8unorm' | 'rgba16float';

export class AlignWarpPass {
  private readonly pipelines = new Map<WarpFormat, GPUComputePipeline>();
  private pipeline: GPUComputePipeline | null = null;
  private matrices: GPUBuffer | null = null;
  private group: GPUBindGroup | null = null;
  /** The output's size and layers. */
  private size: [number, number, number] = [0, 0, 0];
  /** The output's top-left pixel in the reference frame. */
  private origin: [number, number] = [0, 0];

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    private readonly label = 'align-warp',
  ) {
    this.pipeline = this.pipelineFor('rgba8unorm');
  }

  private pipelineFor(format: WarpFormat): GPUComputePipeline {
    let p = this.pipelines.get(format);
    if (!p) {
      // WGSL names a storage texture's format in its type: one module per format.
      const code = wgsl.replace('texture_storage_2d_array<rgba8unorm, write>', `texture_storage_2d_array<${format}, write>`);
      p = computePipeline(this.device, `${this.label}.${format}.pipeline`, createShader(this.device, `${this.label}.${format}.shader`, code), 'main');
      this.pipelines.set(format, p);
    }
    return p;
  }

  /**
   * src: the brackets (rgba8unorm or rgba16float 2d-array); dst: the same
   * format and layers, STORAGE_BINDING, the brackets' size or a crop of it
   * whose top-left is `origin` in the reference frame.
   */
  bind(src: GPUTexture, dst: GPUTexture, origin: readonly [number, number] = [0, 0]): void {
    const layers = src.depthOrArrayLayers;
    if (src.format !== 'rgba8unorm' && src.format !== 'rgba16float') throw new Error(`${this.label}: cannot warp ${src.format}`);
    if (dst.format !== src.format || dst.depthOrArrayLayers !== layers) throw new Error(`${this.label}: dst does not match the brackets`);
    if (origin[0] < 0 || origin[1] < 0 || origin[0] + dst.width > src.width || origin[1] + dst.height > src.height) throw new Error(`${this.label}: dst is not inside the brackets`);
    if (this.size[2] !== layers) {
      this.res.release(this.matrices);
      this.matrices = this.res.buffer({ label: `${this.label}.matrices`, size: layers * 48, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    }
    this.size = [dst.width, dst.height, layers];
    this.origin = [origin[0], origin[1]];
    this.pipeline = this.pipelineFor(src.format);
    this.group = this.device.createBindGroup({
      label: `${this.label}.bindGroup`,
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: src.createView({ dimension: '2d-array' }) },
        { binding: 1, resource: { buffer: this.matrices! } },
        { binding: 2, resource: dst.createView({ dimension: '2d-array' }) },
      ],
    });
  }

  /** One matrix per layer: bracket coordinates = M · reference coordinates (of the whole frame, not the crop). */
  setMatrices(matrices: readonly Matrix3[]): void {
    if (!this.matrices || matrices.length !== this.size[2]) throw new Error(`${this.label}: ${matrices.length} matrices for ${this.size[2]} layers`);
    const data = new Float32Array(12 * matrices.length);
    const [ox, oy] = this.origin;
    matrices.forEach((m, k) => {
      // Output pixel x sits at x + origin in the reference frame: M · T(origin).
      for (let r = 0; r < 3; r++) data.set([m[3 * r]!, m[3 * r + 1]!, m[3 * r]! * ox + m[3 * r + 1]! * oy + m[3 * r + 2]!, 0], 12 * k + 4 * r);
    });
    this.device.queue.writeBuffer(this.matrices, 0, data);
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.group) throw new Error(`${this.label}: not bound`);
    const [w, h, layers] = this.size;
    const pass = encoder.beginComputePass({ label: `${this.label}.main` });
    pass.setPipeline(this.pipeline!);
    pass.setBindGroup(0, this.group);
    pass.dispatchWorkgroups(Math.ceil(w / 8), Math.ceil(h / 8), layers);
    pass.end();
  }

  release(): void {
    this.res.release(this.matrices);
    this.matrices = null;
    this.group = null;
    this.size = [0, 0, 0];
  }
}
