// Resample every bracket into the reference frame (shaders/align-warp.wgsl):
// one dispatch over width × height × layers. CPU reference: warpRgba8() in
// src/engine/reference/align.ts.
import wgsl from '../../../shaders/align-warp.wgsl?raw';
import { computePipeline, createShader } from '../gpu/shader';
import type { Resources } from '../gpu/resources';
import type { Matrix3 } from '../reference/align';

export class AlignWarpPass {
  private readonly pipeline: GPUComputePipeline;
  private matrices: GPUBuffer | null = null;
  private group: GPUBindGroup | null = null;
  private size: [number, number, number] = [0, 0, 0];

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    private readonly label = 'align-warp',
  ) {
    this.pipeline = computePipeline(device, `${label}.pipeline`, createShader(device, `${label}.shader`, wgsl), 'main');
  }

  /** src: the brackets (rgba8unorm 2d-array); dst: the same size and format, STORAGE_BINDING. */
  bind(src: GPUTexture, dst: GPUTexture): void {
    const layers = src.depthOrArrayLayers;
    if (dst.width !== src.width || dst.height !== src.height || dst.depthOrArrayLayers !== layers) throw new Error(`${this.label}: dst does not match the brackets`);
    if (this.size[2] !== layers) {
      this.res.release(this.matrices);
      this.matrices = this.res.buffer({ label: `${this.label}.matrices`, size: layers * 48, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    }
    this.size = [src.width, src.height, layers];
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

  /** One matrix per layer: bracket coordinates = M · reference coordinates. */
  setMatrices(matrices: readonly Matrix3[]): void {
    if (!this.matrices || matrices.length !== this.size[2]) throw new Error(`${this.label}: ${matrices.length} matrices for ${this.size[2]} layers`);
    const data = new Float32Array(12 * matrices.length);
    matrices.forEach((m, k) => {
      for (let r = 0; r < 3; r++) data.set([m[3 * r]!, m[3 * r + 1]!, m[3 * r + 2]!, 0], 12 * k + 4 * r);
    });
    this.device.queue.writeBuffer(this.matrices, 0, data);
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.group) throw new Error(`${this.label}: not bound`);
    const [w, h, layers] = this.size;
    const pass = encoder.beginComputePass({ label: `${this.label}.main` });
    pass.setPipeline(this.pipeline);
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
