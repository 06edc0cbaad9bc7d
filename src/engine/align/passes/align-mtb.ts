// Ward's median threshold bitmaps for every bracket at once
// (shaders/align/align-mtb.wgsl): grey pyramid with histograms, medians, bitmaps and
// the coarse-to-fine counts, in one encoder and without a readback; read()
// then fetches the counts and the level-0 histograms (a few KiB). Layouts and
// maths: src/engine/align/reference/align.ts.
import wgsl from '../../../../shaders/align/align-mtb.wgsl?raw';
import { createShader } from '../../gpu/shader';
import type { Resources } from '../../gpu/resources';
import { readBuffer } from '../../gpu/readback';
import { COUNT_STRIDE, GREY_WEIGHTS, MTB_EXCLUDE, bitmapWords, mtbSizes } from '../reference/align';

/** Threads per workgroup (the shader's WG). */
const WG = 64;
/** At most this many workgroups per layer stride over a level: few, since barriers are what costs. */
const MAX_GROUPS = 16;
/** Uniform buffer offsets must be multiples of this (WebGPU's default minUniformBufferOffsetAlignment). */
const STEP_STRIDE = 256;
/** The fields of struct Level, in order (all u32). */
export const LEVEL_FIELDS = ['width', 'height', 'grey_words', 'grey_offset', 'bit_words', 'bit_offset', 'pad0', 'pad1'] as const;
/** The fields of struct Step, in order (all u32). */
export const STEP_FIELDS = ['level', 'layers', 'levels', 'pad'] as const;

/** Where each level's data lies in the pass's buffers (layer k at offset + k × size). */
export interface MtbLayout {
  levels: { width: number; height: number; greyWords: number; greyOffset: number; bitWords: number; bitOffset: number }[];
  greyLength: number;
  /** vec2u entries of the bitmaps buffer. */
  bitLength: number;
}

export function mtbLayout(width: number, height: number, levels: number, layers: number): MtbLayout {
  let greyLength = 0;
  let bitLength = 0;
  const out = mtbSizes(width, height, levels).map(([w, h]) => {
    const greyWords = Math.ceil(w / 4);
    const bitWords = bitmapWords(w);
    const l = { width: w, height: h, greyWords, greyOffset: greyLength, bitWords, bitOffset: bitLength };
    greyLength += greyWords * h * layers;
    bitLength += bitWords * h * layers;
    return l;
  });
  return { levels: out, greyLength, bitLength };
}

export class AlignMtbPass {
  private readonly layout: GPUBindGroupLayout;
  private readonly pipelines: Record<'grey' | 'shrink' | 'median' | 'bitmap' | 'count', GPUComputePipeline>;
  private buffers: GPUBuffer[] = [];
  private hist: GPUBuffer | null = null;
  private counts: GPUBuffer | null = null;
  private bitmaps: GPUBuffer | null = null;
  private medians: GPUBuffer | null = null;
  /** groups[l]: the bind group of level l. */
  private groups: GPUBindGroup[] = [];
  private geometry: MtbLayout | null = null;
  private layers = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    private readonly label = 'align-mtb',
  ) {
    const storage = (readOnly: boolean): GPUBindGroupLayoutEntry['buffer'] => ({ type: readOnly ? 'read-only-storage' : 'storage' });
    this.layout = device.createBindGroupLayout({
      label: `${label}.layout`,
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
        { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: storage(true) },
        { binding: 2, visibility: GPUShaderStage.COMPUTE, texture: { sampleType: 'float', viewDimension: '2d-array' } },
        ...[3, 4, 5, 6, 7].map((binding) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: storage(false) })),
        { binding: 8, visibility: GPUShaderStage.COMPUTE, buffer: storage(true) },
      ],
    });
    const module = createShader(device, `${label}.shader`, wgsl);
    const layout = device.createPipelineLayout({ label: `${label}.pipelineLayout`, bindGroupLayouts: [this.layout] });
    const constants = { WG, GREY_R: GREY_WEIGHTS[0], GREY_G: GREY_WEIGHTS[1], GREY_B: GREY_WEIGHTS[2], EXCLUDE: MTB_EXCLUDE };
    const pipeline = (entryPoint: string) => device.createComputePipeline({ label: `${label}.${entryPoint}`, layout, compute: { module, entryPoint, constants } });
    this.pipelines = { grey: pipeline('grey_level0'), shrink: pipeline('shrink'), median: pipeline('median'), bitmap: pipeline('bitmap'), count: pipeline('count') };
  }

  /** Where the data lies (after bind). */
  get dataLayout(): MtbLayout | null {
    return this.geometry;
  }

  /**
   * brackets: the rgba8unorm 2d-array; targets[k]: the layer k is aligned to
   * (k itself: not aligned); levels: MTB levels (mtbLevelCount()).
   */
  bind(brackets: GPUTexture, targets: readonly number[], levels: number): void {
    this.release();
    const { width, height } = brackets;
    const layers = brackets.depthOrArrayLayers;
    if (targets.length !== layers) throw new Error(`${this.label}: ${targets.length} targets for ${layers} layers`);
    const g = mtbLayout(width, height, levels, layers);
    const buffer = (name: string, size: number, usage: number) => {
      const b = this.res.buffer({ label: `${this.label}.${name}`, size: Math.max(16, Math.ceil(size / 4) * 4), usage });
      this.buffers.push(b);
      return b;
    };
    const S = GPUBufferUsage.STORAGE;
    const info = buffer('levels', g.levels.length * LEVEL_FIELDS.length * 4, S | GPUBufferUsage.COPY_DST);
    this.device.queue.writeBuffer(info, 0, Uint32Array.from(g.levels.flatMap((l) => [l.width, l.height, l.greyWords, l.greyOffset, l.bitWords, l.bitOffset, 0, 0])));
    const steps = buffer('steps', levels * STEP_STRIDE, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    for (let l = 0; l < levels; l++) this.device.queue.writeBuffer(steps, l * STEP_STRIDE, Uint32Array.of(l, layers, levels, 0));
    const grey = buffer('grey', g.greyLength * 4, S);
    this.hist = buffer('hist', levels * layers * 256 * 4, S | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
    this.medians = buffer('medians', levels * layers * 4, S | GPUBufferUsage.COPY_SRC);
    this.bitmaps = buffer('bitmaps', g.bitLength * 8, S | GPUBufferUsage.COPY_SRC);
    this.counts = buffer('counts', levels * layers * COUNT_STRIDE * 4, S | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
    const targetBuffer = buffer('targets', layers * 4, S | GPUBufferUsage.COPY_DST);
    this.device.queue.writeBuffer(targetBuffer, 0, Uint32Array.from(targets));
    const view = brackets.createView({ dimension: '2d-array' });
    this.groups = g.levels.map((_, l) =>
      this.device.createBindGroup({
        label: `${this.label}.bindGroup${l}`,
        layout: this.layout,
        entries: [
          { binding: 0, resource: { buffer: steps, offset: l * STEP_STRIDE, size: STEP_FIELDS.length * 4 } },
          { binding: 1, resource: { buffer: info } },
          { binding: 2, resource: view },
          { binding: 3, resource: { buffer: grey } },
          { binding: 4, resource: { buffer: this.hist! } },
          { binding: 5, resource: { buffer: this.medians! } },
          { binding: 6, resource: { buffer: this.bitmaps! } },
          { binding: 7, resource: { buffer: this.counts! } },
          { binding: 8, resource: { buffer: targetBuffer } },
        ],
      }),
    );
    this.geometry = g;
    this.layers = layers;
  }

  /** Every step, coarse to fine: 3 L + 1 dispatches for L levels. */
  encode(encoder: GPUCommandEncoder): void {
    const g = this.geometry;
    if (!g || !this.hist || !this.counts) throw new Error(`${this.label}: not bound`);
    encoder.clearBuffer(this.hist);
    encoder.clearBuffer(this.counts);
    const L = g.levels.length;
    const groups = (n: number) => Math.max(1, Math.min(MAX_GROUPS, Math.ceil(n / WG)));
    const run = (name: string, pipeline: GPUComputePipeline, l: number, x: number, y: number) => {
      const pass = encoder.beginComputePass({ label: `${this.label}.${name}${l}` });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, this.groups[l]!);
      pass.dispatchWorkgroups(x, y);
      pass.end();
    };
    g.levels.forEach((lv, l) => run(l === 0 ? 'grey' : 'shrink', l === 0 ? this.pipelines.grey : this.pipelines.shrink, l, groups(lv.greyWords * lv.height), this.layers));
    run('median', this.pipelines.median, 0, Math.ceil((L * this.layers) / WG), 1);
    g.levels.forEach((lv, l) => run('bitmap', this.pipelines.bitmap, l, groups(lv.bitWords * lv.height), this.layers));
    for (let l = L - 1; l >= 0; l--) run('count', this.pipelines.count, l, groups(g.levels[l]!.bitWords * g.levels[l]!.height), this.layers);
  }

  /** Counts ((level × layers + layer) × COUNT_STRIDE) and histograms ((level × layers + layer) × 256) after the last encode. */
  async read(): Promise<{ counts: Uint32Array; histograms: Uint32Array }> {
    if (!this.counts || !this.hist) throw new Error(`${this.label}: not bound`);
    const [counts, histograms] = await Promise.all([readBuffer(this.device, this.counts, this.counts.size, `${this.label}.counts`), readBuffer(this.device, this.hist, this.hist.size, `${this.label}.hist`)]);
    return { counts: new Uint32Array(counts), histograms: new Uint32Array(histograms) };
  }

  /** Medians and bitmaps (vec2u per word, dataLayout's order), for tests. */
  async readBitmaps(): Promise<{ medians: Uint32Array; bitmaps: Uint32Array }> {
    if (!this.medians || !this.bitmaps) throw new Error(`${this.label}: not bound`);
    const [medians, bitmaps] = await Promise.all([readBuffer(this.device, this.medians, this.medians.size, `${this.label}.medians`), readBuffer(this.device, this.bitmaps, this.bitmaps.size, `${this.label}.bitmaps`)]);
    return { medians: new Uint32Array(medians), bitmaps: new Uint32Array(bitmaps) };
  }

  release(): void {
    for (const b of this.buffers) this.res.release(b);
    this.buffers = [];
    this.groups = [];
    this.hist = this.counts = this.bitmaps = this.medians = null;
    this.geometry = null;
  }
}
