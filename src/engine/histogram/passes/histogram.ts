// Display histogram (shaders/histogram/histogram.wgsl): R, G, B and luma counts of the
// displayed 8-bit image, for the tone curve editor. A separate small pass on the
// display texture (house style §9), never an input of the tone mapper; read back
// on request (4 KiB). Bin layout and luma rounding: src/engine/histogram/reference/histogram.ts.
import wgsl from '../../../../shaders/histogram/histogram.wgsl?raw';
import { computePipeline, createShader } from '../../gpu/shader';
import { dispatch, type Resources } from '../../gpu/resources';
import { readBuffer } from '../../gpu/readback';
import { HISTOGRAM_LENGTH } from '../../types';

/** Threads per workgroup (the shader's WG override). */
const WG = 256;
/** At most this many workgroups stride over the image: few, since barriers are what costs. */
const MAX_GROUPS = 64;
const BYTES = HISTOGRAM_LENGTH * 4;

export class HistogramPass {
  private readonly pipeline: GPUComputePipeline;
  /** HISTOGRAM_LENGTH u32 counts: planes R, G, B, luma of 256 bins each. */
  readonly bins: GPUBuffer;
  private group: GPUBindGroup | null = null;
  private groups = 0;

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
  ) {
    const module = createShader(device, 'histogram.shader', wgsl);
    this.pipeline = computePipeline(device, 'histogram.pipeline', module, 'main', { WG });
    this.bins = res.buffer({
      label: 'histogram.bins',
      size: BYTES,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }

  /** display: an rgba8unorm (sRGB-encoded values) texture with TEXTURE_BINDING usage. */
  bind(display: GPUTexture): void {
    this.group = this.device.createBindGroup({
      label: 'histogram.bindGroup',
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: display.createView() },
        { binding: 1, resource: { buffer: this.bins } },
      ],
    });
    this.groups = Math.max(1, Math.min(MAX_GROUPS, Math.ceil((display.width * display.height) / WG)));
  }

  /** Clears the counts, then counts every pixel of the bound texture. */
  encode(encoder: GPUCommandEncoder): void {
    if (!this.group) throw new Error('histogram: not bound');
    encoder.clearBuffer(this.bins);
    dispatch(encoder, 'histogram.count', this.pipeline, this.group, this.groups);
  }

  /** The counts after the last submitted encode (layout in reference/histogram.ts). */
  async read(): Promise<Uint32Array<ArrayBuffer>> {
    return new Uint32Array(await readBuffer(this.device, this.bins, BYTES, 'histogram.bins'));
  }
}
