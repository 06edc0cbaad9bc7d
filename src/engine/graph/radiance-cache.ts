// The full-size merge kept in CPU memory once a statistics sweep has made it
// (issue 15, "tiling must not cost more than 15 %"). Merge mode needs the
// whole image's statistics before any tile can be tone-mapped, so a tiled
// export merges every tile twice (the sweep, then the export) where the
// whole-image graph merges once. The sweep's tiles partition the image: each
// one is read back as it is made, and afterwards the merge is served from
// this copy (an upload, no merge), for the export, the histogram sweep, the
// zoomed view and readRadiance, until the merge's inputs change.
// Kept as rgba32float, the merge's own format, so what is served is exactly
// what the merge made; 16 bytes per pixel of CPU memory, so only up to
// MAX_KEPT_BYTES, and only where the host gives the memory (beyond, every
// use merges again).
import { readTexture } from '../gpu/readback';
import type { Resources } from '../gpu/resources';
import type { FloatImage } from '../types';
import { FloatImageRegion, type RegionSource } from './region-source';
import type { Rect } from './region';

/**
 * The most CPU memory a tiled pass keeps a full-size intermediate in (this
 * merge, or TiledFusion's fine bands): 3 GiB, a 201 MP merge or a 151 MP
 * fusion; beyond, the host memory the brackets leave is too uncertain.
 */
export const MAX_KEPT_BYTES = 3 * 1024 ** 3;

/** Copy a tile's rows (width × height × 4) into an image `imageWidth` wide at the core's place. */
export function putRows<T extends Uint8Array | Uint16Array | Float32Array>(dst: T, imageWidth: number, core: Rect, src: T): void {
  const row = core.width * 4;
  for (let y = 0; y < core.height; y++) dst.set(src.subarray(y * row, (y + 1) * row), ((core.y + y) * imageWidth + core.x) * 4);
}

const key = (r: Rect): string => `${r.x},${r.y},${r.width},${r.height}`;

export class RadianceCache implements RegionSource {
  readonly width: number;
  readonly height: number;
  /** The copy and the served source, once a recorded sweep covered the image since the last change. */
  private kept: { image: FloatImage; region: FloatImageRegion } | null = null;
  /** Bumped by invalidate(): a sweep that saw a change keeps nothing. */
  private generation = 0;
  /** The sweep being recorded: its copy so far and the tiles it has yet to make. */
  private recording: { data: Float32Array<ArrayBuffer>; left: Set<string> } | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    private readonly inner: RegionSource,
    private readonly maxBytes = MAX_KEPT_BYTES,
  ) {
    this.width = inner.width;
    this.height = inner.height;
  }

  /** The merge's inputs changed: the copy is stale. */
  invalidate(): void {
    this.generation++;
    this.kept = null;
    this.recording = null;
  }

  /** The whole image as kept (read-only), or null where no complete sweep since the last change. */
  get image(): FloatImage | null {
    return this.kept?.image ?? null;
  }

  /**
   * Run a sweep over `tiles` (cores that partition the image), keeping each
   * of them as it is produced; the copy serves produce() afterwards where the
   * sweep made every tile with no change meanwhile. Nothing is kept over
   * maxBytes or where a copy is kept already.
   */
  async record<T>(tiles: readonly Rect[], sweep: () => Promise<T>): Promise<T> {
    const bytes = this.width * this.height * 16;
    if (this.kept || bytes > this.maxBytes) return sweep();
    const area = tiles.reduce((s, t) => s + t.width * t.height, 0);
    if (area !== this.width * this.height) throw new Error(`RadianceCache: the tiles cover ${area} px of a ${this.width}×${this.height} image`);
    const generation = this.generation;
    let data: Float32Array<ArrayBuffer>;
    try {
      data = new Float32Array(this.width * this.height * 4);
    } catch (err) {
      // The host would not give the memory: merge every time instead.
      if (err instanceof RangeError) return sweep();
      throw err;
    }
    const recording = { data, left: new Set(tiles.map(key)) };
    this.recording = recording;
    try {
      const result = await sweep();
      if (this.generation === generation && recording.left.size === 0) {
        const image = { width: this.width, height: this.height, data: recording.data };
        this.kept = { image, region: new FloatImageRegion(this.device, this.res, image) };
      }
      return result;
    } finally {
      if (this.recording === recording) this.recording = null;
    }
  }

  prepare(): Promise<void> {
    return this.kept ? Promise.resolve() : this.inner.prepare();
  }

  async produce(rect: Rect): Promise<GPUTexture> {
    if (this.kept) return this.kept.region.produce(rect);
    const texture = await this.inner.produce(rect);
    const recording = this.recording;
    if (recording?.left.has(key(rect))) {
      try {
        putRows(recording.data, this.width, rect, new Float32Array(await readTexture(this.device, texture, 16, 'radiance-cache.tile')));
        recording.left.delete(key(rect));
      } catch (err) {
        this.res.release(texture);
        throw err;
      }
    }
    return texture;
  }
}
