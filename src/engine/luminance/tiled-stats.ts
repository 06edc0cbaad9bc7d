// The luminance statistics of an image too big for one texture, reduced
// across tiles (issue 15): each tile runs the whole-image reduction
// (passes/luminance.ts), its sums, extremes and pixel count come back (48
// bytes), and the CPU folds them in float64 into the Stats struct the tone
// mapper reads (shaders/lib/stats.wgsl), as the shader's finish does. The
// histogram needs the whole image's range first: a second sweep bins every
// tile against the folded statistics into one histogram, made only when it
// is read (the tone mapper does not read it).
import { LuminancePass, STATS_BYTES } from './passes/luminance';
import { readBuffer } from '../gpu/readback';
import type { Resources } from '../gpu/resources';
import type { RegionSource } from '../graph/region-source';
import type { Rect } from '../graph/region';
import { LOG_DELTA, type LuminanceStats } from '../types';

/** What one tile's reduction gives: the Stats struct's fields that fold across tiles. */
export interface StatsPart {
  readonly sumLn: number;
  readonly minL: number;
  readonly maxL: number;
  readonly count: number;
  readonly meanR: number;
  readonly meanG: number;
  readonly meanB: number;
}

/** A Stats struct (12 f32, shaders/lib/stats.wgsl) read back from the GPU, as a part. */
export function statsPart(head: Float32Array): StatsPart {
  return { sumLn: head[5]!, minL: head[1]!, maxL: head[2]!, count: head[6]!, meanR: head[7]!, meanG: head[8]!, meanB: head[9]! };
}

/** Fold tiles' parts into the Stats struct of the whole image, as luminance.wgsl's finish computes it. */
export function foldStats(parts: readonly StatsPart[]): Float32Array<ArrayBuffer> {
  if (parts.length === 0) throw new Error('foldStats: no tiles');
  let sumLn = 0;
  let minL = Infinity;
  let maxL = -Infinity;
  let count = 0;
  const sum = [0, 0, 0];
  for (const p of parts) {
    sumLn += p.sumLn;
    minL = Math.min(minL, p.minL);
    maxL = Math.max(maxL, p.maxL);
    count += p.count;
    sum[0]! += p.meanR * p.count;
    sum[1]! += p.meanG * p.count;
    sum[2]! += p.meanB * p.count;
  }
  const lo = Math.log2(Math.max(minL, LOG_DELTA));
  let hi = Math.log2(Math.max(maxL, LOG_DELTA));
  if (hi - lo < 1e-6) hi = lo + 1;
  return new Float32Array([Math.exp(sumLn / count), minL, maxL, lo, hi, sumLn, count, sum[0]! / count, sum[1]! / count, sum[2]! / count, 0, 0]);
}

export class TiledStats {
  private readonly pass: LuminancePass;
  /** The folded statistics, in the layout the tone mapper binds. */
  readonly stats: GPUBuffer;
  private head: Float32Array | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
  ) {
    this.pass = new LuminancePass(device, res);
    this.stats = res.buffer({ label: 'tiled-stats.stats', size: STATS_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  }

  /** Reduce `source` over `tiles` (cores partitioning the image) into `stats`. */
  async sweep(source: RegionSource, tiles: readonly Rect[]): Promise<void> {
    await source.prepare();
    const parts: StatsPart[] = [];
    for (const rect of tiles) {
      const texture = await source.produce(rect);
      try {
        this.pass.bind(texture);
        const encoder = this.device.createCommandEncoder({ label: 'tiled-stats.tile' });
        this.pass.encode(encoder);
        this.device.queue.submit([encoder.finish()]);
        parts.push(statsPart(new Float32Array(await readBuffer(this.device, this.pass.stats, STATS_BYTES, 'tiled-stats.tile'))));
      } finally {
        this.res.release(texture);
      }
    }
    this.head = foldStats(parts);
    this.device.queue.writeBuffer(this.stats, 0, this.head);
  }

  /** The folded statistics with the whole image's histogram (a second sweep over the same tiles). */
  async read(source: RegionSource, tiles: readonly Rect[]): Promise<LuminanceStats> {
    const head = this.head;
    if (!head) throw new Error('TiledStats: no sweep yet');
    const clear = this.device.createCommandEncoder({ label: 'tiled-stats.clear' });
    this.pass.clearHistogram(clear);
    this.device.queue.submit([clear.finish()]);
    for (const rect of tiles) {
      const texture = await source.produce(rect);
      try {
        this.pass.bind(texture, this.stats);
        const encoder = this.device.createCommandEncoder({ label: 'tiled-stats.histogram' });
        this.pass.encodeHistogram(encoder);
        this.device.queue.submit([encoder.finish()]);
        await this.device.queue.onSubmittedWorkDone();
      } finally {
        this.res.release(texture);
      }
    }
    const histogram = await this.pass.readHistogram();
    return { logAvg: head[0]!, minL: head[1]!, maxL: head[2]!, histLo: head[3]!, histHi: head[4]!, meanR: head[7]!, meanG: head[8]!, meanB: head[9]!, histogram };
  }
}
