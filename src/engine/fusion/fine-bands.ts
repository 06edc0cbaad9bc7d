// The whole image's blended fine bands 0..F−1 of a tiled fusion
// (tiled-fusion.ts), kept by its pass 1 so that pass 2 only collapses: in
// GPU buffers where they fit beside what pass 1 needs (each tile's part
// copied in and out row by row, nothing crosses to the CPU), else in CPU
// memory up to a limit (read back, uploaded again), else not at all. About
// 21 B/px (16 B/px at level 0, a quarter of that at each level above).
// On the GPU, pass 2 may collapse in place: a tile's result overwrites band 0
// under its rect (level 0 of the collapse reads band 0 only at the pixel it
// writes), so band 0 ends as the whole result, kept with no second image.
import { pyramidSizes } from '../pyramid/pyramid';
import { clampTo, levelSize, toLevel, type Rect, type Size } from '../graph/region';
import { rectRowCopies } from '../gpu/image-rows';
import { readBuffer } from '../gpu/readback';
import type { Resources } from '../gpu/resources';
import { TEXEL } from './tiled-fusion-size';

/** What a tile holds of the bands: its read rectangle and its band buffers 0..F (level l: read at level l). */
export interface BandTile {
  readonly read: Rect;
  readonly bands: GPUBuffer[];
}

/** The bytes of the fine bands 0..F−1 of an image. */
export function fineBandBytes(image: Size, fineLevels: number): number {
  return pyramidSizes(image.width, image.height, fineLevels).reduce((s, [w, h]) => s + w * h * TEXEL, 0);
}

export class FineBands {
  private constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    private readonly image: Size,
    private readonly fineLevels: number,
    /** Level 0 first; [] once level 0 was handed over (takeLevel0). */
    private gpu: GPUBuffer[] | null,
    private readonly cpu: Float32Array<ArrayBuffer>[] | null,
  ) {}

  /**
   * Bands for `image`: on the GPU where their bytes fit `gpuRoom` (what the
   * budget leaves beside pass 1's own needs) and level 0 fits one buffer,
   * else in CPU memory within `maxCpuBytes`, else null (also where the host
   * will not give the memory).
   */
  static allocate(device: GPUDevice, res: Resources, image: Size, fineLevels: number, maxCpuBytes: number, gpuRoom: number): FineBands | null {
    const sizes = pyramidSizes(image.width, image.height, fineLevels);
    const bytes = fineBandBytes(image, fineLevels);
    if (bytes <= gpuRoom && image.width * image.height * TEXEL <= device.limits.maxBufferSize) {
      const usage = GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
      const gpu = sizes.map(([w, h], l) => res.buffer({ label: `tiled-fusion.kept-band${l}`, size: w * h * TEXEL, usage }));
      return new FineBands(device, res, image, fineLevels, gpu, null);
    }
    if (bytes > maxCpuBytes) return null;
    try {
      return new FineBands(
        device,
        res,
        image,
        fineLevels,
        null,
        sizes.map(([w, h]) => new Float32Array(w * h * 4)),
      );
    } catch (err) {
      if (err instanceof RangeError) return null;
      throw err;
    }
  }

  get where(): 'gpu' | 'cpu' {
    return this.gpu ? 'gpu' : 'cpu';
  }

  /** Each level's core (the core at level l, inside level l) and its offset in the tile's band. */
  private parts(tile: BandTile, core: Rect): { l: number; tw: number; level: Size; c: Rect; ox: number; oy: number }[] {
    const sizes = pyramidSizes(tile.read.width, tile.read.height, this.fineLevels);
    return sizes.map(([tw], l) => {
      const level = levelSize(this.image, l);
      const c = clampTo(toLevel(core, l), level);
      return { l, tw, level, c, ox: c.x - tile.read.x / 2 ** l, oy: c.y - tile.read.y / 2 ** l };
    });
  }

  /** GPU bands: encode the copies of the tile's bands under its core (ahead of the submit that blends them: no-op for CPU bands). */
  encodeKeep(encoder: GPUCommandEncoder, tile: BandTile, core: Rect): void {
    if (!this.gpu) return;
    for (const { l, tw, level, c, ox, oy } of this.parts(tile, core)) {
      for (let y = 0; y < c.height; y++) {
        encoder.copyBufferToBuffer(tile.bands[l]!, ((oy + y) * tw + ox) * TEXEL, this.gpu[l]!, ((c.y + y) * level.width + c.x) * TEXEL, c.width * TEXEL);
      }
    }
  }

  /** CPU bands: read the tile's bands back (after the submit that blends them) and keep the part under its core; no-op for GPU bands. */
  async readKeep(tile: BandTile, core: Rect): Promise<void> {
    if (!this.cpu) return;
    const sizes = pyramidSizes(tile.read.width, tile.read.height, this.fineLevels);
    for (const { l, tw, level, c, ox, oy } of this.parts(tile, core)) {
      const src = new Float32Array(await readBuffer(this.device, tile.bands[l]!, tw * sizes[l]![1] * TEXEL, 'tiled-fusion.band'));
      for (let y = 0; y < c.height; y++) {
        const from = ((oy + y) * tw + ox) * 4;
        this.cpu[l]!.set(src.subarray(from, from + c.width * 4), ((c.y + y) * level.width + c.x) * 4);
      }
    }
  }

  /** Write the kept bands over a tile's read rectangle into its band buffers (GPU bands: copies encoded ahead of the collapse). */
  upload(tile: BandTile, encoder: GPUCommandEncoder): void {
    const sizes = pyramidSizes(tile.read.width, tile.read.height, this.fineLevels);
    for (let l = 0; l < this.fineLevels; l++) {
      const [tw, th] = sizes[l]!;
      const level = levelSize(this.image, l);
      const [x0, y0] = [tile.read.x / 2 ** l, tile.read.y / 2 ** l];
      if (this.gpu) {
        for (let y = 0; y < th; y++) encoder.copyBufferToBuffer(this.gpu[l]!, ((y0 + y) * level.width + x0) * TEXEL, tile.bands[l]!, y * tw * TEXEL, tw * TEXEL);
        continue;
      }
      const crop = new Float32Array(tw * th * 4);
      for (let y = 0; y < th; y++) {
        const from = ((y0 + y) * level.width + x0) * 4;
        crop.set(this.cpu![l]!.subarray(from, from + tw * 4), y * tw * 4);
      }
      this.device.queue.writeBuffer(tile.bands[l]!, 0, crop);
    }
  }

  /**
   * GPU bands, pass 2 in place: encode the copy of a collapsed tile's result
   * under `rect` (its level 0, over `read`) over band 0's pixels there.
   */
  encodeStore(encoder: GPUCommandEncoder, level0: GPUTexture, read: Rect, rect: Rect): void {
    const buffer = this.gpu![0]!;
    for (const { offset, bytesPerRow, y, rows } of rectRowCopies(this.image.width, TEXEL, rect)) {
      encoder.copyTextureToBuffer({ texture: level0, origin: [rect.x - read.x, rect.y - read.y + y, 0] }, { buffer, offset, bytesPerRow }, [rect.width, rows, 1]);
    }
  }

  /** GPU bands: hand band 0's buffer over (the caller releases it; it holds what encodeStore wrote); the other levels go. */
  takeLevel0(): GPUBuffer {
    const [first, ...rest] = this.gpu!;
    for (const b of rest) this.res.release(b);
    this.gpu = [];
    return first!;
  }

  /** GPU bands go back to Resources; CPU bands to the collector. */
  release(): void {
    for (const b of this.gpu ?? []) this.res.release(b);
  }
}
