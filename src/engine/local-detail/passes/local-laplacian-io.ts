// Local detail, the input end of the fast local Laplacian filter
// (shaders/local-detail/local-laplacian-io.wgsl): log2 luminance and the intensity grid,
// and a shader copy for the identity settings.
import wgsl from '../../../../shaders/local-detail/local-laplacian-io.wgsl?raw';
import { computePipeline, createShader, groups8 } from '../../gpu/shader';
import { dispatch, type Resources } from '../../gpu/resources';
import { LOCAL_DETAIL_LEVELS, LOG_FLOOR, MAX_SPAN, MIN_STEP, SIGMA_MIN } from '../reference/local-detail';

/** Workgroups striding over the image in log_luminance: few, so few atomics. */
const GROUPS = 64;
/** Bytes of struct Grid. */
const GRID_BYTES = 16;

export class LocalLaplacianIoPass {
  private readonly logPipeline: GPUComputePipeline;
  private readonly gridPipeline: GPUComputePipeline;
  private readonly copyPipeline: GPUComputePipeline;
  /** Extremes of I, two order-preserving u32s. */
  private readonly ext: GPUBuffer;
  /** struct Grid { lo, step, sigma, pad }: read by the filter passes. */
  readonly grid: GPUBuffer;
  /** vec4f, x: the log2 floor of I. */
  private readonly floor: GPUBuffer;
  private floorLog2 = NaN;
  private groups: { log: GPUBindGroup; grid: GPUBindGroup; copy: GPUBindGroup } | null = null;
  private size: [number, number] = [0, 0];

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
    levels: number,
    private readonly label = 'local-laplacian-io',
  ) {
    const module = createShader(device, `${label}.shader`, wgsl, ['color']);
    const constants = { LEVELS: levels, DEFAULT_LEVELS: LOCAL_DETAIL_LEVELS, MAX_SPAN, SIGMA_MIN, MIN_STEP };
    this.logPipeline = computePipeline(device, `${label}.log`, module, 'log_luminance', constants);
    this.gridPipeline = computePipeline(device, `${label}.grid`, module, 'grid', constants);
    this.copyPipeline = computePipeline(device, `${label}.copy`, module, 'copy', constants);
    this.ext = res.buffer({ label: `${label}.ext`, size: 8, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    this.grid = res.buffer({ label: `${label}.grid`, size: GRID_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    this.floor = res.buffer({ label: `${label}.floor`, size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.setFloor(LOG_FLOOR);
  }

  /** log2 of the darkest luminance told apart (LOG_FLOOR for radiance, DISPLAY_LOG_FLOOR for a fused image). */
  setFloor(floorLog2: number): void {
    if (floorLog2 === this.floorLog2) return;
    this.floorLog2 = floorLog2;
    this.device.queue.writeBuffer(this.floor, 0, new Float32Array([floorLog2, 0, 0, 0]));
  }

  /** src, dst: rgba32float of one size (dst for the copy only); guide0: level 0 of the guide pyramid (I). */
  bind(src: GPUTexture, guide0: GPUTexture, dst: GPUTexture): void {
    this.size = [src.width, src.height];
    const srcView = src.createView();
    const group = (pipeline: GPUComputePipeline, name: string, entries: [number, GPUBindingResource][]) =>
      this.device.createBindGroup({
        label: `${this.label}.${name}BindGroup`,
        layout: pipeline.getBindGroupLayout(0),
        entries: entries.map(([binding, resource]) => ({ binding, resource })),
      });
    this.groups = {
      log: group(this.logPipeline, 'log', [
        [0, srcView],
        [1, guide0.createView()],
        [2, { buffer: this.ext }],
        [5, { buffer: this.floor }],
      ]),
      grid: group(this.gridPipeline, 'grid', [
        [2, { buffer: this.ext }],
        [3, { buffer: this.grid }],
      ]),
      copy: group(this.copyPipeline, 'copy', [
        [0, srcView],
        [4, dst.createView()],
      ]),
    };
  }

  /** I into guide level 0, then the grid from its extremes. */
  encodeLog(encoder: GPUCommandEncoder): void {
    this.encodeClearExtremes(encoder);
    this.encodeLuminance(encoder);
    this.encodeGrid(encoder);
  }

  /** Forget the extremes (before the first encodeLuminance of a sweep). */
  encodeClearExtremes(encoder: GPUCommandEncoder): void {
    encoder.clearBuffer(this.ext);
  }

  /**
   * I into guide level 0, its extremes merged into those gathered so far: a
   * tiled run binds each tile in turn and sweeps them all before one
   * encodeGrid, so the grid is the whole image's, computed as encodeLog does.
   */
  encodeLuminance(encoder: GPUCommandEncoder): void {
    dispatch(encoder, `${this.label}.log`, this.logPipeline, this.bound().log, GROUPS);
  }

  /** The grid from the extremes gathered since encodeClearExtremes. */
  encodeGrid(encoder: GPUCommandEncoder): void {
    dispatch(encoder, `${this.label}.grid`, this.gridPipeline, this.bound().grid, 1);
  }

  /** dst = src. */
  encodeCopy(encoder: GPUCommandEncoder): void {
    dispatch(encoder, `${this.label}.copy`, this.copyPipeline, this.bound().copy, ...groups8(...this.size));
  }

  private bound() {
    if (!this.groups) throw new Error(`${this.label}: not bound`);
    return this.groups;
  }
}
