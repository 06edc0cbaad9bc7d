// RadianceCache (graph/radiance-cache.ts) over a texture source, in Node on
// Dawn: a recorded sweep keeps exactly what its tiles produced (in CPU
// memory, or on the GPU where the budget leaves room), serves it afterwards
// without asking the source again, and keeps nothing where the sweep saw a
// change, missed a tile or the keep would exceed its limits. An adopted
// image-sized buffer (BufferRegion) is served alike, with rows of either
// copy path (a multiple of 256 bytes or not), and released on a change.
import { describe, expect, vi } from 'vitest';
import { gpuTest, type GpuContext } from '../../../test/support/gpu';
import { RadianceCache } from './radiance-cache';
import { BufferRegion, TextureRegion, type RegionSource } from './region-source';
import type { Rect } from './region';

const [W, H] = [37, 23];

function source(gpu: GpuContext): { region: TextureRegion; data: Float32Array } {
  const data = Float32Array.from({ length: W * H * 4 }, (_, i) => Math.sin(i * 0.37) * 100 + (i % 7));
  const texture = gpu.res.texture({ label: 'test.src', size: [W, H], format: 'rgba32float', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST });
  gpu.device.queue.writeTexture({ texture }, data, { bytesPerRow: W * 16 }, [W, H]);
  return { region: new TextureRegion(gpu.device, gpu.res, texture), data };
}

/** Four tiles of unequal size that partition the image. */
const TILES: Rect[] = [
  { x: 0, y: 0, width: 20, height: 9 },
  { x: 20, y: 0, width: 17, height: 9 },
  { x: 0, y: 9, width: 11, height: 14 },
  { x: 11, y: 9, width: 26, height: 14 },
];

/** A sweep as TiledStats makes one: every tile produced and released in turn. */
async function sweep(gpu: GpuContext, src: RegionSource, tiles: readonly Rect[], between?: (i: number) => void): Promise<void> {
  for (const [i, rect] of tiles.entries()) {
    gpu.res.release(await src.produce(rect));
    between?.(i);
  }
}

async function read(gpu: GpuContext, src: RegionSource, rect: Rect): Promise<Float32Array> {
  const texture = await src.produce(rect);
  const out = new Float32Array(await gpu.readTexture(texture, 16));
  gpu.res.release(texture);
  return out;
}

describe('RadianceCache', () => {
  gpuTest('a recorded sweep keeps the image as its tiles made it, and serves it without the source', async ({ gpu }) => {
    const { region, data } = source(gpu);
    const cache = new RadianceCache(gpu.device, gpu.res, region);
    expect(cache.image).toBeNull();
    await cache.record(
      () => TILES,
      (tiles) => sweep(gpu, cache, tiles),
    );
    expect(cache.image?.data).toEqual(data);
    const asked = vi.spyOn(region, 'produce');
    const rect = { x: 5, y: 3, width: 30, height: 17 };
    const got = await read(gpu, cache, rect);
    expect(asked).not.toHaveBeenCalled();
    for (let y = 0; y < rect.height; y++) {
      const row = ((rect.y + y) * W + rect.x) * 4;
      expect(got.subarray(y * rect.width * 4, (y + 1) * rect.width * 4)).toEqual(data.subarray(row, row + rect.width * 4));
    }
    // A change drops the copy: the source is asked again.
    cache.invalidate();
    expect(cache.image).toBeNull();
    await read(gpu, cache, rect);
    expect(asked).toHaveBeenCalledTimes(1);
  });

  gpuTest('nothing is kept from a sweep that saw a change, missed a tile or would exceed the limit', async ({ gpu }) => {
    const { region } = source(gpu);
    const changed = new RadianceCache(gpu.device, gpu.res, region);
    await changed.record(
      () => TILES,
      (tiles) => sweep(gpu, changed, tiles, (i) => i === 1 && changed.invalidate()),
    );
    expect(changed.image).toBeNull();
    // Other rectangles made during the sweep (a zoomed view) are not counted for the missing tile.
    const missed = new RadianceCache(gpu.device, gpu.res, region);
    await missed.record(
      () => TILES,
      () => sweep(gpu, missed, [...TILES.slice(0, 3), { x: 11, y: 9, width: 26, height: 13 }]),
    );
    expect(missed.image).toBeNull();
    const small = new RadianceCache(gpu.device, gpu.res, region, W * H * 16 - 1);
    await small.record(
      () => TILES,
      (tiles) => sweep(gpu, small, tiles),
    );
    expect(small.image).toBeNull();
    // Tiles that do not cover the image are refused before the sweep.
    await expect(
      changed.record(
        () => TILES.slice(1),
        () => sweep(gpu, changed, TILES),
      ),
    ).rejects.toThrow(/cover/);
  });

  gpuTest('where the GPU budget leaves twice its bytes, the keep is a texture: the same pixels, planned with it alive, freed on a change', async ({ gpu }) => {
    const { region, data } = source(gpu);
    const bytes = W * H * 16;
    const tight = new RadianceCache(gpu.device, gpu.res, region, 0, () => 2 * bytes - 1);
    await tight.record(
      () => TILES,
      (tiles) => sweep(gpu, tight, tiles),
    );
    expect(tight.keeps).toBe(false);
    const before = gpu.counts().bytes;
    let alive = 0;
    const cache = new RadianceCache(gpu.device, gpu.res, region, 0, () => 2 * bytes);
    await cache.record(
      () => ((alive = gpu.counts().bytes - before), TILES),
      (tiles) => sweep(gpu, cache, tiles),
    );
    expect(alive).toBe(bytes);
    expect(cache.keeps).toBe(true);
    // Not in CPU memory (its limit is 0 here).
    expect(cache.image).toBeNull();
    const asked = vi.spyOn(region, 'produce');
    const all = await read(gpu, cache, { x: 0, y: 0, width: W, height: H });
    expect(asked).not.toHaveBeenCalled();
    expect(all).toEqual(data);
    cache.invalidate();
    expect(cache.keeps).toBe(false);
    expect(gpu.counts().bytes).toBe(before);
  });

  gpuTest.for([
    [37, 23],
    [48, 5],
  ] as const)('an adopted %i×%i buffer: served rect by rect, released on a change or where a change came meanwhile', async ([w, h], { gpu }) => {
    const data = Float32Array.from({ length: w * h * 4 }, (_, i) => Math.cos(i * 0.21) * 50 + (i % 5));
    const make = () => {
      const buffer = gpu.res.buffer({ label: 'test.kept', size: w * h * 16, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      gpu.device.queue.writeBuffer(buffer, 0, data);
      return buffer;
    };
    const inner = new BufferRegion(gpu.device, gpu.res, make(), w, h);
    const before = gpu.counts().bytes;
    const cache = new RadianceCache(gpu.device, gpu.res, inner);
    await cache.adopt(() => Promise.resolve(make()));
    expect(cache.keeps).toBe(true);
    expect(gpu.counts().bytes).toBe(before + w * h * 16);
    const asked = vi.spyOn(inner, 'produce');
    for (const rect of [
      { x: 0, y: 0, width: w, height: h },
      { x: 3, y: 1, width: w - 7, height: h - 2 },
    ]) {
      const got = await read(gpu, cache, rect);
      for (let y = 0; y < rect.height; y++) {
        const row = ((rect.y + y) * w + rect.x) * 4;
        expect(got.subarray(y * rect.width * 4, (y + 1) * rect.width * 4)).toEqual(data.subarray(row, row + rect.width * 4));
      }
    }
    expect(asked).not.toHaveBeenCalled();
    cache.invalidate();
    expect(gpu.counts().bytes).toBe(before);
    // A change while the buffer was being made: not kept, released.
    await cache.adopt(() => {
      cache.invalidate();
      return Promise.resolve(make());
    });
    expect(cache.keeps).toBe(false);
    expect(gpu.counts().bytes).toBe(before);
    expect(() => new BufferRegion(gpu.device, gpu.res, make(), w + 1, h)).toThrow(/do not hold/);
  });
});
