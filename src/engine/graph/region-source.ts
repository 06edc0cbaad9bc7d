// Evaluation by region (issue 15): what a tiled run asks of each operator.
// An operator that tiles is a RegionSource: after prepare() (its whole-image
// work: statistics, the coarse levels of a pyramid, each made by sweeping its
// own inputs tile by tile), produce(rect) computes its output over any
// rectangle of the image, reading its inputs over that rectangle grown by its
// footprint. Only one tile's intermediates are alive at a time, so GPU memory
// follows the tile size, not the image size.
//
// The brackets are the graph's input: they stay in CPU memory (the decoded
// files) and BracketSource uploads the rectangle a tile reads, with the same
// conversion the whole-image upload makes (graph/upload.ts), so a tile sees
// exactly the texels the untiled run would.
import { unorm16HalfTable } from '../half';
import { rectRowCopies } from '../gpu/image-rows';
import type { Resources } from '../gpu/resources';
import { isWide, type Bracket, type FloatImage } from '../types';
import { isEmpty, type Rect } from './region';

/** An operator's output over any region of the image (see the file header). */
export interface RegionSource {
  readonly width: number;
  readonly height: number;
  /** The whole-image work produce() needs; a no-op until something it depends on changed. */
  prepare(): Promise<void>;
  /**
   * The output over `rect` (inside the image) as a new rgba32float texture of
   * rect's size (TEXTURE_BINDING | STORAGE_BINDING | COPY_SRC), allocated from
   * the Resources the source was made with; the caller releases it. The work
   * is submitted; the caller need not wait for it.
   */
  produce(rect: Rect): Promise<GPUTexture>;
}

/** Usage of every texture a RegionSource hands out. */
export const regionUsage = (): number => GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST;

/** The brackets in CPU memory, uploaded a rectangle at a time. */
export class BracketSource {
  readonly width: number;
  readonly height: number;
  readonly count: number;
  readonly wide: boolean;
  readonly exposures: readonly number[];

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    readonly brackets: readonly Bracket[],
  ) {
    const first = brackets[0];
    if (!first) throw new Error('BracketSource: no brackets');
    this.width = first.width;
    this.height = first.height;
    this.count = brackets.length;
    this.wide = isWide(first.pixels);
    this.exposures = brackets.map((b) => b.exposure);
  }

  /** Texture format of an upload: as graph/upload.ts writes the whole set. */
  get format(): GPUTextureFormat {
    return this.wide ? 'rgba16float' : 'rgba8unorm';
  }

  /** Bytes per pixel per bracket on the GPU. */
  get bytesPerPixel(): number {
    return this.wide ? 8 : 4;
  }

  /**
   * The brackets over `rect` as a rect-sized 2d-array texture (one layer per
   * bracket, darkest first), TEXTURE_BINDING | COPY_DST | COPY_SRC; the caller
   * releases it (res.release).
   */
  upload(rect: Rect, label = 'tile.brackets'): GPUTexture {
    const { x, y, width, height } = rect;
    if (isEmpty(rect) || x < 0 || y < 0 || x + width > this.width || y + height > this.height) {
      throw new Error(`BracketSource: rect ${x},${y} ${width}×${height} is outside the ${this.width}×${this.height} image`);
    }
    const texture = this.res.texture({
      label,
      size: [width, height, this.count],
      format: this.format,
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST | GPUTextureUsage.COPY_SRC,
    });
    const queue = this.device.queue;
    this.brackets.forEach((b, layer) => {
      if (isWide(b.pixels)) {
        writeHalfRect(queue, texture, layer, b.pixels, this.width, rect);
        return;
      }
      // 8-bit: straight from the decoded file, the rows of the rectangle only (writeTexture needs no row alignment).
      const bytes = new Uint8Array(b.pixels.buffer, b.pixels.byteOffset, b.pixels.byteLength);
      queue.writeTexture({ texture, origin: [0, 0, layer] }, bytes, { offset: (y * this.width + x) * 4, bytesPerRow: this.width * 4, rowsPerImage: height }, [width, height, 1]);
    });
    return texture;
  }

  /** The exposures as a storage buffer (the merge's binding); the caller releases it. */
  exposureBuffer(): GPUBuffer {
    const buffer = this.res.buffer({ label: 'tile.exposures', size: this.count * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(buffer, 0, new Float32Array(this.exposures));
    return buffer;
  }
}

/** A rectangle of 16-bit samples into one layer as half floats (upload.ts's conversion), ≤ 4 MiB a band. */
function writeHalfRect(queue: GPUQueue, texture: GPUTexture, layer: number, pixels: Uint16Array, imageWidth: number, r: Rect): void {
  const table = unorm16HalfTable();
  const rows = Math.max(1, Math.min(r.height, Math.floor((4 << 20) / (r.width * 8))));
  const half = new Uint16Array(rows * r.width * 4);
  for (let y = 0; y < r.height; y += rows) {
    const n = Math.min(rows, r.height - y);
    for (let j = 0; j < n; j++) {
      const src = ((r.y + y + j) * imageWidth + r.x) * 4;
      const dst = j * r.width * 4;
      for (let i = 0; i < r.width * 4; i++) half[dst + i] = table[pixels[src + i]!]!;
    }
    queue.writeTexture({ texture, origin: [0, y, layer] }, half, { bytesPerRow: r.width * 8, rowsPerImage: n }, [r.width, n, 1]);
  }
}

/** A whole rgba32float texture as a RegionSource: produce() copies the rectangle out (tests, and sources already whole). */
export class TextureRegion implements RegionSource {
  readonly width: number;
  readonly height: number;

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    private readonly texture: GPUTexture,
  ) {
    this.width = texture.width;
    this.height = texture.height;
  }

  prepare(): Promise<void> {
    return Promise.resolve();
  }

  produce(rect: Rect): Promise<GPUTexture> {
    const out = this.res.texture({ label: 'region.copy', size: [rect.width, rect.height], format: 'rgba32float', usage: regionUsage() });
    const encoder = this.device.createCommandEncoder({ label: 'region.copy' });
    encoder.copyTextureToTexture({ texture: this.texture, origin: [rect.x, rect.y, 0] }, { texture: out }, [rect.width, rect.height, 1]);
    this.device.queue.submit([encoder.finish()]);
    return Promise.resolve(out);
  }
}

/** An image-sized, row-major buffer of one vec4f per pixel (graph/radiance-cache.ts adopt) as a RegionSource: produce() copies the rectangle's rows. */
export class BufferRegion implements RegionSource {
  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    private readonly buffer: GPUBuffer,
    readonly width: number,
    readonly height: number,
  ) {
    if (buffer.size < width * height * 16) throw new Error(`BufferRegion: ${buffer.size} bytes do not hold a ${width}×${height} rgba32float image`);
  }

  prepare(): Promise<void> {
    return Promise.resolve();
  }

  produce(rect: Rect): Promise<GPUTexture> {
    const out = this.res.texture({ label: 'region.buffer', size: [rect.width, rect.height], format: 'rgba32float', usage: regionUsage() });
    const encoder = this.device.createCommandEncoder({ label: 'region.buffer' });
    for (const { offset, bytesPerRow, y, rows } of rectRowCopies(this.width, 16, rect)) {
      encoder.copyBufferToTexture({ buffer: this.buffer, offset, bytesPerRow }, { texture: out, origin: [0, y, 0] }, [rect.width, rows, 1]);
    }
    this.device.queue.submit([encoder.finish()]);
    return Promise.resolve(out);
  }
}

/** A radiance map in CPU memory (a decoded .hdr or .exr) as a RegionSource: produce() uploads the rectangle. */
export class FloatImageRegion implements RegionSource {
  readonly width: number;
  readonly height: number;

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    private readonly image: FloatImage,
  ) {
    this.width = image.width;
    this.height = image.height;
  }

  prepare(): Promise<void> {
    return Promise.resolve();
  }

  produce(rect: Rect): Promise<GPUTexture> {
    const { x, y, width, height } = rect;
    const out = this.res.texture({ label: 'region.radiance', size: [width, height], format: 'rgba32float', usage: regionUsage() });
    const data = this.image.data;
    this.device.queue.writeTexture({ texture: out }, data.buffer, { offset: data.byteOffset + (y * this.width + x) * 16, bytesPerRow: this.width * 16, rowsPerImage: height }, [width, height, 1]);
    return Promise.resolve(out);
  }
}
