// Refinement of one bracket pair at a time (shaders/align/align-lk.wgsl): the
// pyramids of both sides, the translation search, the overlap histograms and
// the normal-equation sums, each a small GPU job whose result is read back for
// the TypeScript driver (reference/align.ts, estimatePair). Implements the
// driver's PairOps; the CPU reference is cpuPairOps().
import wgsl from '../../../../shaders/align/align-lk.wgsl?raw';
import { createShader } from '../../gpu/shader';
import type { Resources } from '../../gpu/resources';
import { GREY_WEIGHTS, IDENTITY_LUT, LK_CLIP_HI, LK_CLIP_LO, LK_FULL_WEIGHT, SEARCH_MAX_RADIUS, SEARCH_SUMS, SUMS, levelWarp, lkLevels, type PairOps, type Similarity } from '../reference/align';

/** Threads per workgroup (the shader's WG). */
const WG = 64;
/** Strided passes use at most this many workgroups per side. */
const MAX_GROUPS = 1024;
/** Histogram workgroups. */
const HIST_GROUPS = 16;
/** Uniform buffer offsets must be multiples of this (WebGPU's default minUniformBufferOffsetAlignment). */
const STEP_STRIDE = 256;
/** The fields of struct LkLevel (all u32). */
export const LEVEL_FIELDS = ['width', 'height', 'raw_offset', 'feat_offset'] as const;
/** The fields of struct Call, in order, with their WGSL types (64 bytes). */
export const CALL_FIELDS = [
  'ca: f32',
  'sb: f32',
  'tx: f32',
  'ty: f32',
  'cx: f32',
  'cy: f32',
  'radius: u32',
  'first_side: u32',
  'base: vec2i',
  'shift: vec2i',
  'target_layer: u32',
  'moving_layer: u32',
  'raw_side: u32',
  'feat_side: u32',
] as const;
const CALL_BYTES = 64;

/** Time spent per kind of call (ms, submit to mapped result), and the number of calls. */
export interface LkTimings {
  build: number;
  search: number;
  histograms: number;
  evaluate: number;
  evaluations: number;
}

export class AlignLkPass implements PairOps {
  private readonly layout: GPUBindGroupLayout;
  private readonly pipelines: Record<'prepare' | 'reduce' | 'blur' | 'features' | 'search' | 'hist' | 'accumulate', GPUComputePipeline>;
  private buffers: GPUBuffer[] = [];
  private groups: GPUBindGroup[] = [];
  private call: GPUBuffer | null = null;
  private lut: GPUBuffer | null = null;
  private sums: GPUBuffer | null = null;
  private hist: GPUBuffer | null = null;
  private staging: GPUBuffer | null = null;
  private sizes: [number, number][] = [];
  private finest = 0;
  private coarsest = 0;
  private width = 0;
  private height = 0;
  private readonly callData = new DataView(new ArrayBuffer(CALL_BYTES));
  /** The layer whose target-side pyramid is built (−1: none). */
  private builtTarget = -1;
  readonly timings: LkTimings = { build: 0, search: 0, histograms: 0, evaluate: 0, evaluations: 0 };

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    private readonly label = 'align-lk',
  ) {
    const buffer = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type } });
    this.layout = device.createBindGroupLayout({
      label: `${label}.layout`,
      entries: [
        buffer(0, 'uniform'),
        buffer(1, 'uniform'),
        buffer(2, 'read-only-storage'),
        { binding: 3, visibility: GPUShaderStage.COMPUTE, texture: { sampleType: 'float', viewDimension: '2d-array' } },
        buffer(4, 'read-only-storage'),
        buffer(5, 'storage'),
        buffer(6, 'storage'),
        buffer(7, 'storage'),
        buffer(8, 'storage'),
        buffer(9, 'storage'),
      ],
    });
    const module = createShader(device, `${label}.shader`, wgsl, ['pyramid']);
    const layout = device.createPipelineLayout({ label: `${label}.pipelineLayout`, bindGroupLayouts: [this.layout] });
    const constants = {
      WG,
      GREY_R: GREY_WEIGHTS[0],
      GREY_G: GREY_WEIGHTS[1],
      GREY_B: GREY_WEIGHTS[2],
      CLIP_LO: LK_CLIP_LO,
      CLIP_HI: LK_CLIP_HI,
      FULL_WEIGHT: LK_FULL_WEIGHT,
    };
    const pipeline = (entryPoint: string) => device.createComputePipeline({ label: `${label}.${entryPoint}`, layout, compute: { module, entryPoint, constants } });
    this.pipelines = {
      prepare: pipeline('prepare'),
      reduce: pipeline('reduce'),
      blur: pipeline('blur'),
      features: pipeline('features_of'),
      search: pipeline('search'),
      hist: pipeline('overlap_hist'),
      accumulate: pipeline('accumulate'),
    };
  }

  /** Allocate for these brackets (rgba8unorm 2d-array) and bind them. */
  bind(brackets: GPUTexture): void {
    const { width, height } = brackets;
    this.release();
    const { finest, coarsest, sizes } = lkLevels(width, height);
    this.sizes = sizes;
    this.finest = finest;
    this.coarsest = coarsest;
    this.width = width;
    this.height = height;
    let rawSide = 0;
    let featSide = 0;
    const info = sizes.map(([w, h], l) => {
      const r = [w, h, rawSide, featSide] as const;
      rawSide += w * h;
      if (l >= finest) featSide += w * h;
      return r;
    });
    // Features below the finest level do not exist: their offsets are never used.
    const infoData = Uint32Array.from(info.flatMap(([w, h, r, f], l) => [w, h, r, l >= finest ? f : 0]));
    const buffer = (name: string, size: number, usage: number) => {
      const b = this.res.buffer({ label: `${this.label}.${name}`, size: Math.max(16, Math.ceil(size / 4) * 4), usage });
      this.buffers.push(b);
      return b;
    };
    const S = GPUBufferUsage.STORAGE;
    const levels = buffer('levels', infoData.byteLength, S | GPUBufferUsage.COPY_DST);
    this.device.queue.writeBuffer(levels, 0, infoData);
    const steps = buffer('steps', sizes.length * STEP_STRIDE, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    sizes.forEach((_, l) => this.device.queue.writeBuffer(steps, l * STEP_STRIDE, Uint32Array.of(l, 0, 0, 0)));
    this.call = buffer('call', CALL_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.lut = buffer('lut', 512 * 4, S | GPUBufferUsage.COPY_DST);
    const raw = buffer('raw', 2 * rawSide * 8, S);
    const features = buffer('features', 2 * featSide * 16, S);
    const blurred = buffer('blurred', 2 * featSide * 8, S);
    const side = 2 * SEARCH_MAX_RADIUS + 1;
    const sumsBytes = Math.max(side * side * SEARCH_SUMS, Math.max(...sizes.map(([, h]) => h)) * SUMS) * 4;
    this.sums = buffer('sums', sumsBytes, S | GPUBufferUsage.COPY_SRC);
    this.hist = buffer('hist', 512 * 4, S | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST);
    this.staging = buffer('staging', sumsBytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    const view = brackets.createView({ dimension: '2d-array' });
    this.groups = sizes.map((_, l) =>
      this.device.createBindGroup({
        label: `${this.label}.bindGroup${l}`,
        layout: this.layout,
        entries: [
          { binding: 0, resource: { buffer: steps, offset: l * STEP_STRIDE, size: 16 } },
          { binding: 1, resource: { buffer: this.call! } },
          { binding: 2, resource: { buffer: levels } },
          { binding: 3, resource: view },
          { binding: 4, resource: { buffer: this.lut! } },
          { binding: 5, resource: { buffer: raw } },
          { binding: 6, resource: { buffer: features } },
          { binding: 7, resource: { buffer: this.sums! } },
          { binding: 8, resource: { buffer: this.hist! } },
          { binding: 9, resource: { buffer: blurred } },
        ],
      }),
    );
    this.callData.setUint32(56, rawSide, true);
    this.callData.setUint32(60, featSide, true);
    this.builtTarget = -1;
  }

  /** The pair the next calls work on: the target layer and the moving layer. */
  setPair(target: number, moving: number): void {
    this.callData.setUint32(48, target, true);
    this.callData.setUint32(52, moving, true);
  }

  private writeCall(): void {
    this.device.queue.writeBuffer(this.call!, 0, this.callData.buffer);
  }

  private dispatch(encoder: GPUCommandEncoder, name: string, pipeline: GPUComputePipeline, level: number, x: number, y = 1): void {
    const pass = encoder.beginComputePass({ label: `${this.label}.${name}${level}` });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, this.groups[level]!);
    pass.dispatchWorkgroups(x, y);
    pass.end();
  }

  /** Submit `encode`, copy `bytes` of `src` back, and time it under `kind`. */
  private async submitAndRead(kind: keyof Omit<LkTimings, 'evaluations'>, src: GPUBuffer | null, bytes: number, encode: (e: GPUCommandEncoder) => void): Promise<ArrayBuffer> {
    const t0 = performance.now();
    this.writeCall();
    const encoder = this.device.createCommandEncoder({ label: `${this.label}.${kind}` });
    encode(encoder);
    if (src) encoder.copyBufferToBuffer(src, 0, this.staging!, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    let out = new ArrayBuffer(0);
    if (src) {
      await this.staging!.mapAsync(GPUMapMode.READ, 0, bytes);
      out = this.staging!.getMappedRange(0, bytes).slice(0);
      this.staging!.unmap();
    } else {
      await this.device.queue.onSubmittedWorkDone();
    }
    this.timings[kind] += performance.now() - t0;
    return out;
  }

  private groups1d(n: number): number {
    return Math.max(1, Math.min(MAX_GROUPS, Math.ceil(n / WG)));
  }

  /**
   * Both sides' pyramids, the moving one through `lut` (grey code → target
   * code), the target's through the identity; the target side is kept when it
   * was last built for the same layer.
   */
  async build(lut: Float32Array): Promise<void> {
    if (!this.lut) throw new Error(`${this.label}: not bound`);
    const target = this.callData.getUint32(48, true);
    const both = new Float32Array(512);
    both.set(IDENTITY_LUT, 0);
    both.set(lut, 256);
    this.device.queue.writeBuffer(this.lut, 0, both);
    const first = this.builtTarget === target ? 1 : 0;
    this.callData.setUint32(28, first, true);
    const sides = 2 - first;
    await this.submitAndRead('build', null, 0, (e) => {
      const [w0, h0] = this.sizes[0]!;
      this.dispatch(e, 'prepare', this.pipelines.prepare, 0, this.groups1d(w0 * h0), sides);
      for (let l = 1; l <= this.coarsest; l++) {
        const [w, h] = this.sizes[l]!;
        this.dispatch(e, 'reduce', this.pipelines.reduce, l, this.groups1d(w * h), sides);
      }
      for (let l = this.finest; l <= this.coarsest; l++) {
        const [w, h] = this.sizes[l]!;
        this.dispatch(e, 'blur', this.pipelines.blur, l, this.groups1d(w * h), sides);
        this.dispatch(e, 'features', this.pipelines.features, l, this.groups1d(w * h), sides);
      }
    });
    this.builtTarget = target;
  }

  /** searchSums() at `level`: candidates base + [−radius, radius]², SEARCH_SUMS each. */
  async search(level: number, base: [number, number], radius: number): Promise<Float64Array> {
    if (radius > SEARCH_MAX_RADIUS) throw new Error(`${this.label}: search radius ${radius} > ${SEARCH_MAX_RADIUS}`);
    const n = (2 * radius + 1) ** 2;
    this.callData.setUint32(24, radius, true);
    this.callData.setInt32(32, base[0], true);
    this.callData.setInt32(36, base[1], true);
    const bytes = n * SEARCH_SUMS * 4;
    const out = await this.submitAndRead('search', this.sums, bytes, (e) => this.dispatch(e, 'search', this.pipelines.search, level, Math.ceil(n / WG)));
    return Float64Array.from(new Float32Array(out));
  }

  /** overlapHistograms() at an integer full-resolution shift: [target, moving]. */
  async histograms(shift: [number, number]): Promise<[Uint32Array, Uint32Array]> {
    this.callData.setInt32(40, shift[0], true);
    this.callData.setInt32(44, shift[1], true);
    const out = await this.submitAndRead('histograms', this.hist, 512 * 4, (e) => {
      e.clearBuffer(this.hist!);
      this.dispatch(e, 'hist', this.pipelines.hist, 0, HIST_GROUPS);
    });
    const h = new Uint32Array(out);
    return [h.slice(0, 256), h.slice(256)];
  }

  /** lkSums() of `level` at p: per-row sums on the GPU, added up here in f64. */
  evaluate = async (level: number, p: Similarity): Promise<Float64Array> => {
    const warp = levelWarp(p, level, this.width, this.height);
    warp.forEach((v, i) => this.callData.setFloat32(4 * i, v, true));
    const rows = this.sizes[level]![1];
    const out = await this.submitAndRead('evaluate', this.sums, rows * SUMS * 4, (e) => this.dispatch(e, 'accumulate', this.pipelines.accumulate, level, Math.ceil(rows / WG)));
    this.timings.evaluations++;
    const f = new Float32Array(out);
    const S = new Float64Array(SUMS);
    for (let r = 0; r < rows; r++) for (let k = 0; k < SUMS; k++) S[k]! += f[r * SUMS + k]!;
    return S;
  };

  /** Zero the timings and forget the built target side (the brackets' contents may have changed). */
  reset(): void {
    Object.assign(this.timings, { build: 0, search: 0, histograms: 0, evaluate: 0, evaluations: 0 });
    this.builtTarget = -1;
  }

  release(): void {
    for (const b of this.buffers) this.res.release(b);
    this.buffers = [];
    this.groups = [];
    this.call = this.lut = this.sums = this.hist = this.staging = null;
  }
}
