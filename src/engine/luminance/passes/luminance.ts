// Luminance reduction (shaders/luminance/luminance.wgsl): log-average, min, max and a
// log2-luminance histogram, kept on the GPU for the tone mapper; read back only
// on request (a few hundred bytes).
import wgsl from '../../../../shaders/luminance/luminance.wgsl?raw';
import { computePipeline, createShader } from '../../gpu/shader';
import { dispatch, type Resources } from '../../gpu/resources';
import { readBuffer } from '../../gpu/readback';
import { FUSED_FLOOR, HIST_BINS, LOG_DELTA, type LuminanceStats } from '../../types';

/** Bytes of the Stats struct in shaders/lib/stats.wgsl. */
export const STATS_BYTES = 48;
/** Workgroups striding over the image: few, since barriers are what costs. */
const GROUPS = 64;

export class LuminancePass {
  private readonly partialSums: GPUComputePipeline;
  private readonly finish: GPUComputePipeline;
  private readonly histogramBins: GPUComputePipeline;
  /** Read by the tone mapper. */
  readonly stats: GPUBuffer;
  private readonly histogram: GPUBuffer;
  private readonly partials: GPUBuffer;
  private groups: GPUBindGroup[] = [];
  /** Its labels' prefix: 'fused-stats' for the FUSED variant, so the two read apart in the GPU's messages and the dispatch log. */
  private readonly label: string;

  /** fused: statistics of a fused image's brightest channel, 1 + its encoded value (luminance.wgsl FUSED), not of a radiance map's luminance. */
  constructor(
    private readonly device: GPUDevice,
    res: Resources,
    fused = false,
  ) {
    const label = (this.label = fused ? 'fused-stats' : 'luminance');
    const module = createShader(device, `${label}.shader`, wgsl, ['color', 'stats']);
    const constants = { LOG_DELTA, BINS: HIST_BINS, FUSED: fused ? 1 : 0, FUSED_FLOOR };
    this.partialSums = computePipeline(device, `${label}.partials`, module, 'partial_sums', constants);
    this.finish = computePipeline(device, `${label}.finish`, module, 'finish', constants);
    this.histogramBins = computePipeline(device, `${label}.histogram`, module, 'histogram_bins', constants);
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    this.stats = res.buffer({ label: `${label}.stats`, size: STATS_BYTES, usage: storage });
    this.histogram = res.buffer({ label: `${label}.histogram`, size: HIST_BINS * 4, usage: storage });
    this.partials = res.buffer({ label: `${label}.partials`, size: GROUPS * 32, usage: storage });
  }

  /**
   * stats: where finish writes and histogram_bins reads the statistics (this
   * pass's own buffer unless given: a tiled sweep bins each tile against the
   * whole image's statistics).
   */
  bind(radiance: GPUTexture, stats: GPUBuffer = this.stats): void {
    const view = radiance.createView();
    const all: Record<number, GPUBindingResource> = {
      0: view,
      1: { buffer: this.partials },
      2: { buffer: stats },
      3: { buffer: this.histogram },
    };
    // 'auto' layouts hold only the bindings each entry point uses.
    const used = [
      [this.partialSums, [0, 1]],
      [this.finish, [0, 1, 2]],
      [this.histogramBins, [0, 2, 3]],
    ] as const;
    this.groups = used.map(([pipeline, bindings], i) =>
      this.device.createBindGroup({
        label: `${this.label}.bindGroup${i}`,
        layout: pipeline.getBindGroupLayout(0),
        entries: bindings.map((b) => ({ binding: b, resource: all[b]! })),
      }),
    );
  }

  encode(encoder: GPUCommandEncoder): void {
    const [g0, g1, g2] = this.groups;
    if (!g0 || !g1 || !g2) throw new Error(`${this.label}: not bound`);
    encoder.clearBuffer(this.histogram);
    dispatch(encoder, `${this.label}.partials`, this.partialSums, g0, GROUPS);
    dispatch(encoder, `${this.label}.finish`, this.finish, g1, 1);
    dispatch(encoder, `${this.label}.histogram`, this.histogramBins, g2, GROUPS);
  }

  /** The histogram alone, added to what the buffer holds (clearHistogram() first): a tiled sweep's second pass. */
  encodeHistogram(encoder: GPUCommandEncoder): void {
    const g2 = this.groups[2];
    if (!g2) throw new Error(`${this.label}: not bound`);
    dispatch(encoder, `${this.label}.histogram`, this.histogramBins, g2, GROUPS);
  }

  clearHistogram(encoder: GPUCommandEncoder): void {
    encoder.clearBuffer(this.histogram);
  }

  /** The histogram (HIST_BINS u32 counts). */
  async readHistogram(): Promise<Uint32Array> {
    return new Uint32Array(await readBuffer(this.device, this.histogram, HIST_BINS * 4, `${this.label}.histogram`));
  }

  async read(): Promise<LuminanceStats> {
    const head = new Float32Array(await readBuffer(this.device, this.stats, STATS_BYTES, `${this.label}.stats`));
    const histogram = new Uint32Array(await readBuffer(this.device, this.histogram, HIST_BINS * 4, `${this.label}.histogram`));
    return { logAvg: head[0]!, minL: head[1]!, maxL: head[2]!, histLo: head[3]!, histHi: head[4]!, meanR: head[7]!, meanG: head[8]!, meanB: head[9]!, histogram };
  }
}
