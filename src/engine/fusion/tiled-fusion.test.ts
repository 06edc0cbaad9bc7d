// Tiled exposure fusion (tiled-fusion.ts) against the whole-image Fusion on
// the real GPU path in Node (test/support/gpu.ts): cores of produce() over a
// tile grid stitched together equal the untiled result, with no seam; a halo
// too small does not; an odd rectangle is right too; nothing is left alive.
// With the fine bands kept from pass 1 (in CPU memory by default, on the GPU
// where gpuRoom allows) produce() only collapses, uploading no bracket;
// without (keptBytes 0) it makes them again: all equal the untiled result.
// The seed pass against its CPU reference (reference/seed.ts).
import { describe, expect, it, vi } from 'vitest';
import { gpuTest, type GpuContext } from '../../../test/support/gpu';
import { compareImages, gridEdges, noSeam, sceneBrackets } from '../../../test/support/scenes';
import { BracketSource } from '../graph/region-source';
import { levelSize, type Rect } from '../graph/region';
import { rng } from '../reference/random';
import { tileGrid } from '../graph/tiles';
import { uploadBrackets } from '../graph/upload';
import { defaultParams } from '../params';
import type { Bracket, FloatImage } from '../types';
import { Fusion } from './fusion';
import { FusionSeedPass } from './passes/fusion-seed';
import { fuse } from './reference/fusion';
import { seedBand } from './reference/seed';
import { TiledFusion } from './tiled-fusion';
import { defaultFineLevels, tiledFusionCoarseBytes, tiledFusionFootprint, tiledFusionPassOneBytes, tiledFusionTileBytes } from './tiled-fusion-size';

const [W, H] = [300, 200];

async function readFloat(gpu: GpuContext, texture: GPUTexture): Promise<FloatImage> {
  return { width: texture.width, height: texture.height, data: new Float32Array(await gpu.readTexture(texture, 16)) };
}

/** The whole-image Fusion's result. */
async function untiled(gpu: GpuContext, set: readonly Bracket[]): Promise<FloatImage> {
  const { texture, exposures } = uploadBrackets(gpu.device, gpu.res, set);
  const fusion = new Fusion(gpu.device, gpu.res);
  fusion.setParams(defaultParams());
  fusion.bind(texture);
  const encoder = gpu.device.createCommandEncoder();
  fusion.encode(encoder);
  gpu.device.queue.submit([encoder.finish()]);
  const out = await readFloat(gpu, fusion.result!);
  fusion.release();
  gpu.res.release(texture);
  gpu.res.release(exposures);
  return out;
}

/** produce() of `rect`, read back and released. */
async function produced(gpu: GpuContext, tiled: TiledFusion, rect: Rect): Promise<FloatImage> {
  const t = await tiled.produce(rect);
  const img = await readFloat(gpu, t);
  gpu.res.release(t);
  return img;
}

/** The cores of a tileGrid, each produce()d, stitched into one image. */
async function stitched(gpu: GpuContext, tiled: TiledFusion, core: number): Promise<FloatImage> {
  const out: FloatImage = { width: W, height: H, data: new Float32Array(W * H * 4) };
  for (const t of tileGrid(W, H, core, core, 0, 1).tiles) {
    const img = await produced(gpu, tiled, t.core);
    for (let y = 0; y < img.height; y++) out.data.set(img.data.subarray(y * img.width * 4, (y + 1) * img.width * 4), ((t.core.y + y) * W + t.core.x) * 4);
  }
  return out;
}

function crop(img: FloatImage, r: Rect): FloatImage {
  const data = new Float32Array(r.width * r.height * 4);
  for (let y = 0; y < r.height; y++) data.set(img.data.subarray(((r.y + y) * img.width + r.x) * 4, ((r.y + y) * img.width + r.x + r.width) * 4), y * r.width * 4);
  return { width: r.width, height: r.height, data };
}

/** compareImages on a regular grid of `core` px cores. */
const compare = (a: FloatImage, b: FloatImage, core = 0) => compareImages(a, b, gridEdges(core, a.width), gridEdges(core, a.height));
const brackets = sceneBrackets;

describe('tiled exposure fusion (Dawn in Node) equals the whole-image Fusion', { timeout: 120_000 }, () => {
  gpuTest.for([
    { bits: 8, wide: false, F: 1, core: 70, kept: 'cpu' },
    { bits: 8, wide: false, F: 2, core: 64, kept: 'cpu' },
    { bits: 8, wide: false, F: 2, core: 64, kept: 'gpu' },
    { bits: 8, wide: false, F: 2, core: 64, kept: null },
    { bits: 8, wide: false, F: 3, core: 96, kept: 'cpu' },
    { bits: 16, wide: true, F: 3, core: 80, kept: 'gpu' },
    { bits: 16, wide: true, F: 3, core: 80, kept: null },
  ] as const)('300×200, 3 brackets, $bits-bit, F = $F, $core px cores, bands kept: $kept', async ({ wide, F, core, kept }, { gpu }) => {
    const set = brackets(W, H, wide, 7);
    const whole = await untiled(gpu, set);
    // The untiled result is the fusion of reference/fusion.ts (so equality below is not that of two wrong pictures).
    const cpu = compare(whole, fuse(set, { contrastWeight: 1, saturationWeight: 1, exposureWeight: 1 }));
    console.info(`untiled GPU vs CPU reference: PSNR ${cpu.psnr.toFixed(1)} dB, max |diff| ${cpu.maxDiff.toExponential(2)}`);
    expect(cpu.maxDiff).toBeLessThan(1e-3);
    const before = gpu.counts();
    const source = new BracketSource(gpu.device, gpu.res, set);
    const tiled = new TiledFusion(gpu.device, gpu.res, source, { fineLevels: F, tileCore: core, keptBytes: kept ? undefined : 0, gpuRoom: () => (kept === 'gpu' ? Infinity : 0) });
    const passes = gpu.counts();
    await tiled.prepare();
    expect(tiled.bandsKept).toBe(kept);
    // After prepare() the whole-image part is R_F (level F's pixels × 16 B), and the fine bands where kept on the GPU.
    const { width: wF, height: hF } = levelSize({ width: W, height: H }, F);
    const onGpu = kept === 'gpu' ? tiled.bandBytes : 0;
    expect(gpu.counts().bytes - passes.bytes).toBe(wF * hF * 16 + onGpu);
    const uploads = vi.spyOn(source, 'upload');
    const got = await stitched(gpu, tiled, core);
    // Kept bands: pass 2 reads no bracket.
    if (kept) expect(uploads).not.toHaveBeenCalled();
    else expect(uploads).toHaveBeenCalled();
    uploads.mockRestore();
    const r = compare(got, whole, core);
    console.info(
      `tiled fusion ${wide ? '16' : '8'}-bit F=${F} core=${core}: PSNR ${r.psnr.toFixed(1)} dB, max |diff| ${r.maxDiff.toExponential(2)} (seams ${r.seam.toExponential(2)}, elsewhere ${r.rest.toExponential(2)})`,
    );
    expect(r.psnr).toBeGreaterThanOrEqual(50);
    expect(noSeam(r), `seam ${r.seam} vs ${r.rest}`).toBe(true);
    // In fact the same: every pixel is computed from the same texels by the same shaders, in the same order.
    expect(r.maxDiff).toBeLessThanOrEqual(1e-5);

    // Rects off the 2^F grid, odd origin and size, inside and at the bottom-right corner.
    for (const odd of [
      { x: 37, y: 51, width: 101, height: 67 },
      { x: 251, y: 163, width: 49, height: 37 },
    ]) {
      const o = compare(await produced(gpu, tiled, odd), crop(whole, odd));
      console.info(`  odd rect ${odd.x},${odd.y} ${odd.width}×${odd.height}: PSNR ${o.psnr.toFixed(1)} dB, max |diff| ${o.maxDiff.toExponential(2)}`);
      expect(o.psnr).toBeGreaterThanOrEqual(50);
      expect(o.maxDiff).toBeLessThanOrEqual(1e-5);
    }

    // prepare() again with nothing changed is a no-op: R_F stays the same texture's bytes.
    await tiled.prepare();
    expect(gpu.counts().bytes - passes.bytes).toBe(wF * hF * 16 + onGpu);
    tiled.release();
    const after = gpu.counts();
    expect(after).toEqual(passes);
    // What is left beyond the untiled run's: the passes' own uniforms and stand-ins, nothing image-sized.
    expect(after.bytes - before.bytes).toBeLessThan(16 * 1024);
  });

  gpuTest('too small a halo breaks equality: in pass 1 everywhere (R_F is off), in pass 2 near the core edges, bands kept or not', async ({ gpu }) => {
    const set = brackets(W, H, false, 7);
    const whole = await untiled(gpu, set);
    const source = new BracketSource(gpu.device, gpu.res, set);
    const core = 96;
    // The footprint maths asks for 31 px at F = 3 (pyramidTileHalo(3, 1)). With the bands kept, pass 2
    // only collapses (4 px is short of the collapse's reach); made again, 12 px is short of the pyramid's.
    for (const [halo, keptBytes] of [
      [{ prepare: 4 }, undefined],
      [{ produce: 4 }, undefined],
      [{ produce: 12 }, 0],
    ] as const) {
      const tiled = new TiledFusion(gpu.device, gpu.res, source, { fineLevels: 3, tileCore: core, halo, keptBytes });
      await tiled.prepare();
      const r = compare(await stitched(gpu, tiled, core), whole, core);
      const profile = r.byDistance.map((d) => d.toExponential(1)).join(' ');
      console.info(
        `halo ${JSON.stringify(halo)}: PSNR ${r.psnr.toFixed(1)} dB, max |diff| ${r.maxDiff.toExponential(2)} (seams ${r.seam.toExponential(2)}, elsewhere ${r.rest.toExponential(2)}); by distance to a core edge, per 8 px: ${profile}`,
      );
      expect(r.maxDiff, JSON.stringify(halo)).toBeGreaterThan(1e-3);
      expect(r.byDistance[0], JSON.stringify(halo)).toBeGreaterThan(1e-3);
      // Pass 2's error stays near the core edges: the middle of each core (32 px and more from an edge) is exact.
      if (halo.produce !== undefined) expect(Math.max(...r.byDistance.slice(4)), JSON.stringify(halo)).toBe(0);
      tiled.release();
    }
  });

  gpuTest('pass 2 in place: band 0 becomes the whole result; a rect met before is made from the brackets; partial cover gives none', async ({ gpu }) => {
    const set = brackets(W, H, false, 5);
    const whole = await untiled(gpu, set);
    const source = new BracketSource(gpu.device, gpu.res, set);
    const passes = gpu.counts();
    const tiled = new TiledFusion(gpu.device, gpu.res, source, { fineLevels: 2, tileCore: 64, gpuRoom: () => Infinity });
    await tiled.prepare();
    const prepared = gpu.counts();
    expect(tiled.collapseInPlace()).toBe(true);
    const uploads = vi.spyOn(source, 'upload');
    const stitchedInPlace = await stitched(gpu, tiled, 72);
    expect(uploads).not.toHaveBeenCalled();
    // A rect across cores made before: band 0 holds results there, so it is fused from the brackets, and still right.
    const across = { x: 60, y: 50, width: 40, height: 30 };
    const o = compare(await produced(gpu, tiled, across), crop(whole, across));
    expect(uploads).toHaveBeenCalled();
    expect(o.maxDiff).toBeLessThanOrEqual(1e-5);
    uploads.mockRestore();
    expect(compare(stitchedInPlace, whole, 72).maxDiff).toBeLessThanOrEqual(1e-5);
    const result = tiled.takeResult()!;
    expect(tiled.bandsKept).toBe(null);
    // Band 0 alone stays: image-sized, the other band levels gone.
    expect(result.size).toBe(W * H * 16);
    expect(gpu.counts().bytes).toBe(prepared.bytes - tiled.bandBytes + W * H * 16);
    const kept = compare({ width: W, height: H, data: new Float32Array(await gpu.readBuffer(result)) }, whole);
    console.info(`in place: PSNR ${kept.psnr.toFixed(1)} dB, max |diff| ${kept.maxDiff.toExponential(2)}`);
    expect(kept.maxDiff).toBeLessThanOrEqual(1e-5);
    gpu.res.release(result);
    // Without the bands, produce() makes the rect again from the brackets (R_F stays).
    expect(compare(await produced(gpu, tiled, across), crop(whole, across)).maxDiff).toBeLessThanOrEqual(1e-5);

    // Rects that leave pixels out: no result, and the bands (band 0 partly overwritten) go.
    tiled.setParams({ ...defaultParams(), saturationWeight: 0.5 });
    await tiled.prepare();
    expect(tiled.collapseInPlace()).toBe(true);
    gpu.res.release(await tiled.produce({ x: 0, y: 0, width: W, height: 100 }));
    expect(tiled.takeResult()).toBe(null);
    expect(tiled.bandsKept).toBe(null);
    // CPU bands do not collapse in place.
    const onCpu = new TiledFusion(gpu.device, gpu.res, source, { fineLevels: 2, tileCore: 64 });
    await onCpu.prepare();
    expect(onCpu.bandsKept).toBe('cpu');
    expect(onCpu.collapseInPlace()).toBe(false);
    onCpu.release();
    tiled.release();
    // What is left: the two fusions' passes' own uniforms and stand-ins, nothing image-sized.
    expect(gpu.counts().bytes - passes.bytes).toBeLessThan(16 * 1024);
  });

  gpuTest('GPU bands where they fit beside what pass 1 needs, else CPU', async ({ gpu }) => {
    const set = brackets(W, H, false, 3);
    const source = new BracketSource(gpu.device, gpu.res, set);
    let room = 0;
    const tiled = new TiledFusion(gpu.device, gpu.res, source, { fineLevels: 2, tileCore: 64, gpuRoom: () => room });
    // Pass 1's own: the whole-image part and twice a tile of 1024 px (DEFAULT_TILE_CORE) or, smaller, the image.
    const passOne = tiledFusionCoarseBytes({ width: W, height: H }, 3, 2) + 2 * tiledFusionTileBytes({ width: W, height: H }, 3, false, 2);
    for (const [r, where] of [
      [passOne + tiled.bandBytes, 'gpu'],
      [passOne + tiled.bandBytes - 1, 'cpu'],
    ] as const) {
      room = r;
      tiled.setParams({ ...defaultParams(), exposureWeight: r % 7 });
      await tiled.prepare();
      expect(tiled.bandsKept).toBe(where);
    }
    tiled.release();
  });

  gpuTest('changed params: prepare() redoes R_F; produce() before it refuses', async ({ gpu }) => {
    const set = brackets(W, H, false, 3);
    const tiled = new TiledFusion(gpu.device, gpu.res, new BracketSource(gpu.device, gpu.res, set), { fineLevels: 2, tileCore: 128 });
    await tiled.prepare();
    const params = { ...defaultParams(), saturationWeight: 0.5 };
    tiled.setParams(params);
    const rect = { x: 0, y: 0, width: W, height: H };
    await expect(tiled.produce(rect)).rejects.toThrow(/prepare/);
    await tiled.prepare();
    const got = await produced(gpu, tiled, rect);
    const { texture, exposures } = uploadBrackets(gpu.device, gpu.res, set);
    const fusion = new Fusion(gpu.device, gpu.res);
    fusion.setParams(params);
    fusion.bind(texture);
    const encoder = gpu.device.createCommandEncoder();
    fusion.encode(encoder);
    gpu.device.queue.submit([encoder.finish()]);
    const r = compare(got, await readFloat(gpu, fusion.result!));
    expect(r.psnr).toBeGreaterThanOrEqual(50);
    fusion.release();
    gpu.res.release(texture);
    gpu.res.release(exposures);
    tiled.release();
  });
});

describe('fusion-seed pass against reference/seed.ts', () => {
  gpuTest('a 13×9 crop at (5, 3) of a 29×17 texture, exactly', async ({ gpu }) => {
    const { device, res } = gpu;
    const r = rng(11);
    const src: FloatImage = { width: 29, height: 17, data: Float32Array.from({ length: 29 * 17 * 4 }, () => r() * 4 - 2) };
    const texture = res.texture({ size: [src.width, src.height], format: 'rgba32float', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
    device.queue.writeTexture({ texture }, src.data, { bytesPerRow: src.width * 16 }, [src.width, src.height]);
    const rect = { x: 5, y: 3, width: 13, height: 9 };
    const band = res.buffer({ size: rect.width * rect.height * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const pass = new FusionSeedPass(device, res);
    pass.bind(texture, rect, band);
    const encoder = device.createCommandEncoder();
    pass.encode(encoder);
    device.queue.submit([encoder.finish()]);
    expect(new Float32Array(await gpu.readBuffer(band))).toEqual(seedBand(src, rect).data);
    expect(() => pass.bind(texture, { ...rect, x: 20 }, band)).toThrow(/outside/);
  });
});

describe('tiled fusion sizing', () => {
  it('default F: level F at most 2048 a side', () => {
    expect(defaultFineLevels(300, 200)).toBe(1);
    expect(defaultFineLevels(4096, 2000)).toBe(1);
    expect(defaultFineLevels(6000, 4000)).toBe(2);
    expect(defaultFineLevels(17320, 11547)).toBe(4);
    // Capped so the coarse part keeps the top level.
    expect(defaultFineLevels(40000, 3)).toBe(1);
  });

  it('footprint: bytes per read pixel, halo, granularity', () => {
    expect(tiledFusionFootprint(3, false, 5)).toEqual({ bytesPerPixel: 12 + 4 + 32 * ((4 - 4 ** -5) / 3) + 16, halo: 127, granularity: 32 });
    expect(tiledFusionFootprint(3, true, 2).halo).toBe(15);
    // The exact bytes of a tile approach the per-pixel figure.
    const f = tiledFusionFootprint(3, false, 3);
    expect(tiledFusionTileBytes({ width: 2048, height: 2048 }, 3, false, 3) / 2048 ** 2).toBeCloseTo(f.bytesPerPixel, 1);
    // 200 MP at F = 5: 3 level-F images of 542×361 (9 MiB) and the coarse pyramid with its bands (8 MiB).
    expect(tiledFusionCoarseBytes({ width: 17320, height: 11547 }, 3, 5) / 2 ** 20).toBeCloseTo(16.9, 1);
  });

  it("pass 1's room beside GPU bands: the whole-image part and twice a 1024 px tile (or the image)", () => {
    // 24 MP × 5 at F = 2: 5 level-F images of 1500×1000 and the coarse pyramid (175 MiB), tiles of 1054 px read (2 × 87 MiB).
    const big = { width: 6000, height: 4000 };
    const side = 1024 + 2 * 15;
    expect(tiledFusionPassOneBytes(big, 5, false, 2)).toBe(tiledFusionCoarseBytes(big, 5, 2) + 2 * tiledFusionTileBytes({ width: side, height: side }, 5, false, 2));
    expect(tiledFusionPassOneBytes(big, 5, false, 2) / 2 ** 20).toBeCloseTo(349, 0);
    expect(tiledFusionPassOneBytes({ width: W, height: H }, 3, true, 2)).toBe(tiledFusionCoarseBytes({ width: W, height: H }, 3, 2) + 2 * tiledFusionTileBytes({ width: W, height: H }, 3, true, 2));
  });
});
