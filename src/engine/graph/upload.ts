// The upload operator: brackets checked, then written into one array texture
// (8-bit as rgba8unorm, 16-bit as half floats), with their exposures.
import { unorm16HalfTable } from '../half';
import type { Resources } from '../gpu/resources';
import { isWide, MAX_BRACKETS, type Bracket, type FloatImage } from '../types';

export class EngineInputError extends Error {
  override name = 'EngineInputError';
}

/** Refuse a set the engine cannot take, saying why (any size: what does not fit one texture is tiled, graph/tiled-image.ts). */
export function checkBrackets(brackets: readonly Bracket[]): void {
  const first = brackets[0];
  if (!first) throw new EngineInputError('No images to merge.');
  if (brackets.length > MAX_BRACKETS) throw new EngineInputError(`At most ${MAX_BRACKETS} brackets can be merged; got ${brackets.length}.`);
  for (const b of brackets) {
    if (b.width !== first.width || b.height !== first.height) throw new EngineInputError('All brackets must have the same size.');
    if (b.pixels.length !== b.width * b.height * 4) throw new EngineInputError('Bracket pixel data does not match its size.');
    if (isWide(b.pixels) !== isWide(first.pixels)) throw new EngineInputError('All brackets must have the same bit depth (8 or 16 bits per sample).');
    if (!(b.exposure > 0)) throw new EngineInputError('Every bracket needs a positive exposure.');
  }
  for (let i = 1; i < brackets.length; i++) {
    if (brackets[i]!.exposure < brackets[i - 1]!.exposure) throw new EngineInputError('Brackets must be sorted darkest first.');
  }
}

/** Refuse a radiance map the engine cannot take, saying why. */
export function checkRadiance(image: FloatImage): void {
  const { width, height } = image;
  if (!(width > 0 && height > 0)) throw new EngineInputError('The radiance map is empty.');
  if (image.data.length !== width * height * 4) throw new EngineInputError('Radiance data does not match its size.');
}

/** 16-bit samples into one layer of an rgba16float texture, as half floats, a band of rows (≤ 4 MiB) at a time. */
function writeHalfRows(queue: GPUQueue, texture: GPUTexture, layer: number, pixels: Uint16Array, width: number, height: number): void {
  const table = unorm16HalfTable();
  const rows = Math.max(1, Math.min(height, Math.floor((4 << 20) / (width * 8))));
  const half = new Uint16Array(rows * width * 4);
  for (let y = 0; y < height; y += rows) {
    const n = Math.min(rows, height - y);
    const src = pixels.subarray(y * width * 4, (y + n) * width * 4);
    for (let i = 0; i < src.length; i++) half[i] = table[src[i]!]!;
    queue.writeTexture({ texture, origin: [0, y, layer] }, half, { bytesPerRow: width * 8, rowsPerImage: n }, [width, n, 1]);
  }
}

/** Write checked brackets to the GPU: one layer each, darkest first, and their exposures. */
export function uploadBrackets(device: GPUDevice, res: Resources, brackets: readonly Bracket[]): { texture: GPUTexture; exposures: GPUBuffer } {
  const first = brackets[0]!;
  const { width, height } = first;
  // 16-bit brackets as half floats (half.ts: 11 significant bits), read as f32 like rgba8unorm.
  const texture = res.texture({
    label: 'upload.brackets',
    size: [width, height, brackets.length],
    format: isWide(first.pixels) ? 'rgba16float' : 'rgba8unorm',
    usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
  });
  brackets.forEach((b, layer) => {
    if (isWide(b.pixels)) {
      writeHalfRows(device.queue, texture, layer, b.pixels, width, height);
      return;
    }
    const bytes = new Uint8Array(b.pixels.buffer, b.pixels.byteOffset, b.pixels.byteLength);
    device.queue.writeTexture({ texture, origin: [0, 0, layer] }, bytes, { bytesPerRow: width * 4, rowsPerImage: height }, [width, height, 1]);
  });
  const exposures = res.buffer({ label: 'upload.exposures', size: brackets.length * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(exposures, 0, new Float32Array(brackets.map((b) => b.exposure)));
  return { texture, exposures };
}
