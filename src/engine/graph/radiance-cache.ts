// The full-size merge (or fusion) kept once a sweep has made it (issue 15,
// "tiling must not cost more than 15 %"). Merge mode needs the whole image's
// statistics before any tile can be tone-mapped, so a tiled export merges
// every tile twice (the sweep, then the export) where the whole-image graph
// merges once. The sweep's tiles partition the image: each one is copied
// into the keep as it is made, and afterwards the result is served from it
// (a copy, no merge), for the export, the histogram sweep, the zoomed view
// and readRadiance, until the inputs change.
// Kept as rgba32float, the merge's own format, so what is served is exactly
// what the merge made (16 bytes per pixel):
// - on the GPU, where the image fits one texture and the keep takes at most
//   half of what the GPU memory budget leaves (a set tiled only for its
//   budget: no read-back, no upload);
// - else in CPU memory, up to MAX_KEPT_BYTES and where the host gives it;
// - else not at all: every use merges again.
// A sweep that leaves the whole result in one image-sized buffer (TiledFusion
// collapsing in place over its kept bands) hands that buffer over (adopt)
// instead of being copied.
import { readTexture } from '../gpu/readback';
import type { Resources } from '../gpu/resources';
import type { FloatImage } from '../types';
import { BufferRegion, FloatImageRegion, TextureRegion, type RegionSource } from './region-source';
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

/** Where a sweep keeps its tiles: a full-size texture, or CPU memory. */
type Swept = { readonly texture: GPUTexture; readonly data: null } | { readonly texture: null; readonly data: Float32Array<ArrayBuffer> };
/** A sweep's keep, or an adopted full-size buffer. */
type Keep = Swept | { readonly texture: null; readonly data: null; readonly buffer: GPUBuffer };

export class RadianceCache implements RegionSource {
  readonly width: number;
  readonly height: number;
  /** The keep and the source it serves, once a recorded sweep covered the image since the last change. */
  private kept: { keep: Keep; region: RegionSource } | null = null;
  /** Bumped by invalidate(): a sweep that saw a change keeps nothing. */
  private generation = 0;
  /** The sweep being recorded: its keep so far and the tiles it has yet to make. */
  private recording: { keep: Swept; left: Set<string> } | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    private readonly inner: RegionSource,
    /** The most CPU memory the keep may take. */
    private readonly maxBytes = MAX_KEPT_BYTES,
    /** The GPU memory the budget leaves now (null: never keep on the GPU). */
    private readonly gpuRoom: (() => number) | null = null,
  ) {
    this.width = inner.width;
    this.height = inner.height;
  }

  /** The inputs changed: the keep is stale. */
  invalidate(): void {
    this.generation++;
    this.res.release(this.kept?.keep.texture);
    if (this.kept && 'buffer' in this.kept.keep) this.res.release(this.kept.keep.buffer);
    this.kept = null;
    this.recording = null;
  }

  /** Whether a complete sweep since the last change is kept (on the GPU or in CPU memory). */
  get keeps(): boolean {
    return this.kept !== null;
  }

  /** The whole image as kept in CPU memory (read-only), or null where nothing is kept there. */
  get image(): FloatImage | null {
    const data = this.kept?.keep.data;
    return data ? { width: this.width, height: this.height, data } : null;
  }

  /** A keep for a sweep: on the GPU where the room allows, else in CPU memory where the host gives it, else none. */
  private allocate(): Swept | null {
    const bytes = this.width * this.height * 16;
    const side = this.device.limits.maxTextureDimension2D;
    if (this.gpuRoom && this.width <= side && this.height <= side && 2 * bytes <= this.gpuRoom()) {
      const texture = this.res.texture({
        label: 'radiance-cache.kept',
        size: [this.width, this.height],
        format: 'rgba32float',
        usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST,
      });
      return { texture, data: null };
    }
    if (bytes > this.maxBytes) return null;
    try {
      return { texture: null, data: new Float32Array(this.width * this.height * 4) };
    } catch (err) {
      // The host would not give the memory: make it every time instead.
      if (err instanceof RangeError) return null;
      throw err;
    }
  }

  /**
   * Run a sweep over the tiles `plan` gives (cores that partition the image;
   * asked once the keep is allocated, so they fit beside it), keeping each
   * of them as it is produced; the keep serves produce() afterwards where the
   * sweep made every tile with no change meanwhile.
   */
  async record<T>(plan: () => readonly Rect[] | Promise<readonly Rect[]>, sweep: (tiles: readonly Rect[]) => Promise<T>): Promise<T> {
    const keep = this.kept ? null : this.allocate();
    if (!keep) return sweep(await plan());
    const generation = this.generation;
    const recording = { keep, left: new Set<string>() };
    let adopted = false;
    try {
      const tiles = await plan();
      const area = tiles.reduce((s, t) => s + t.width * t.height, 0);
      if (area !== this.width * this.height) throw new Error(`RadianceCache: the tiles cover ${area} px of a ${this.width}×${this.height} image`);
      for (const t of tiles) recording.left.add(key(t));
      this.recording = recording;
      const result = await sweep(tiles);
      if (this.generation === generation && recording.left.size === 0) {
        const region = keep.texture ? new TextureRegion(this.device, this.res, keep.texture) : new FloatImageRegion(this.device, this.res, { width: this.width, height: this.height, data: keep.data });
        this.kept = { keep, region };
        adopted = true;
      }
      return result;
    } finally {
      if (this.recording === recording) this.recording = null;
      if (!adopted) this.res.release(keep.texture);
    }
  }

  /**
   * Keep the whole image that `make` leaves in one image-sized buffer
   * (row-major, one vec4f per pixel; handed over), served like a GPU keep
   * until the inputs change; nothing where it resolves to null, where a
   * change came meanwhile, or where a keep exists already (the buffer is
   * then released).
   */
  async adopt(make: () => Promise<GPUBuffer | null>): Promise<void> {
    const generation = this.generation;
    const buffer = await make();
    if (!buffer) return;
    if (this.generation !== generation || this.kept) {
      this.res.release(buffer);
      return;
    }
    this.kept = { keep: { texture: null, data: null, buffer }, region: new BufferRegion(this.device, this.res, buffer, this.width, this.height) };
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
        const { keep } = recording;
        if (keep.texture) {
          const encoder = this.device.createCommandEncoder({ label: 'radiance-cache.tile' });
          encoder.copyTextureToTexture({ texture }, { texture: keep.texture, origin: [rect.x, rect.y, 0] }, [rect.width, rect.height, 1]);
          this.device.queue.submit([encoder.finish()]);
        } else putRows(keep.data, this.width, rect, new Float32Array(await readTexture(this.device, texture, 16, 'radiance-cache.tile')));
        recording.left.delete(key(rect));
      } catch (err) {
        this.res.release(texture);
        throw err;
      }
    }
    return texture;
  }
}
