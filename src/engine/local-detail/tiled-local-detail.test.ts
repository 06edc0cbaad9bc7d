// TiledLocalDetail against the untiled LocalDetail on the GPU: a tiled output,
// assembled from produce() over a tile grid, must equal the whole-image filter
// (PSNR on v/(1+v), log2 error, no seam at the tile core edges), and must stop
// equalling it when the halo is too small.
import { describe, expect, it } from 'vitest';
import { gpuTest, type GpuContext } from '../../../test/support/gpu';
import { TextureRegion } from '../graph/region-source';
import { tileGrid } from '../graph/tiles';
import { rng } from '../reference/random';
import type { FloatImage } from '../types';
import { LocalDetail } from './local-detail';
import { DISPLAY_LOG_FLOOR, localDetail, type LocalDetailParams } from './reference/local-detail';
import { TiledLocalDetail, coarseBytes, defaultFineLevels, tiledLocalDetailFootprint, type TiledLocalDetailOptions } from './tiled-local-detail';

const W = 300;
const H = 200;

/** A radiance map over ~12 stops: a ramp, a bright window with a hard edge, texture and noise (deterministic). */
function radiance(width: number, height: number, seed: number): FloatImage {
  const r = rng(seed);
  const data = new Float32Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const window = x >= 180 && x < 241 && y >= 37 && y < 111 ? 2 ** 7 : 1;
      const l = 2 ** ((x / width) * 5 - 4 + 0.6 * Math.sin(y / 9) + 0.4 * Math.cos((x + 2 * y) / 13)) * window * (0.8 + 0.4 * r());
      data.set([l * (0.9 + 0.2 * r()), l, l * (0.7 + 0.3 * r()), 1], (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

/** Display-referred 0..1 (as fusion gives): the radiance compressed and clipped, with some black pixels. */
function display(img: FloatImage, seed: number): FloatImage {
  const r = rng(seed);
  const data = img.data.map((v, i) => (i % 4 === 3 ? 1 : Math.min(1, (0.05 * v) ** (1 / 2.2))));
  for (let n = 0; n < 200; n++) {
    const p = Math.floor(r() * img.width * img.height) * 4;
    data.set([0, 0, 0], p);
  }
  return { width: img.width, height: img.height, data };
}

function upload(gpu: GpuContext, img: FloatImage): GPUTexture {
  const t = gpu.res.texture({ label: 'test.src', size: [img.width, img.height], format: 'rgba32float', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST });
  gpu.device.queue.writeTexture({ texture: t }, img.data, { bytesPerRow: img.width * 16 }, [img.width, img.height]);
  return t;
}

async function untiled(gpu: GpuContext, src: GPUTexture, p: LocalDetailParams): Promise<Float32Array> {
  const ld = new LocalDetail(gpu.device, gpu.res);
  const dst = gpu.res.texture({ label: 'test.dst', size: [src.width, src.height], format: 'rgba32float', usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST });
  ld.bind(src, dst);
  ld.setParams(p);
  const encoder = gpu.device.createCommandEncoder();
  ld.encode(encoder);
  gpu.device.queue.submit([encoder.finish()]);
  const out = new Float32Array(await gpu.readTexture(dst, 16));
  ld.release();
  gpu.res.release(dst);
  return out;
}

/** The tiled output assembled from produce() over a grid of `core`-sized tiles. */
async function tiled(gpu: GpuContext, src: GPUTexture, p: LocalDetailParams, options: TiledLocalDetailOptions, core: number): Promise<Float32Array> {
  const op = new TiledLocalDetail(gpu.device, gpu.res, new TextureRegion(gpu.device, gpu.res, src), options);
  op.setParams(p);
  await op.prepare();
  const out = new Float32Array(src.width * src.height * 4);
  for (const { core: c } of tileGrid(src.width, src.height, core, core, 0).tiles) {
    const t = await op.produce(c);
    const px = new Float32Array(await gpu.readTexture(t, 16));
    gpu.res.release(t);
    for (let j = 0; j < c.height; j++) out.set(px.subarray(j * c.width * 4, (j + 1) * c.width * 4), ((c.y + j) * src.width + c.x) * 4);
  }
  op.release();
  return out;
}

interface Comparison {
  psnr: number;
  maxLog2: number;
  /** Largest |difference| of v/(1+v) next to a tile core edge, and elsewhere. */
  seam: number;
  elsewhere: number;
}

function compare(a: Float32Array, b: Float32Array, width: number, height: number, core: number): Comparison {
  const tone = (v: number) => v / (1 + v);
  let se = 0;
  let maxLog2 = 0;
  let seam = 0;
  let elsewhere = 0;
  const edge = (i: number, n: number) => (i % core === 0 && i > 0) || (i % core === core - 1 && i < n - 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const atSeam = edge(x, width) || edge(y, height);
      for (let c = 0; c < 3; c++) {
        const i = (y * width + x) * 4 + c;
        const d = Math.abs(tone(a[i]!) - tone(b[i]!));
        se += d * d;
        if (a[i]! > 0 && b[i]! > 0) maxLog2 = Math.max(maxLog2, Math.abs(Math.log2(a[i]!) - Math.log2(b[i]!)));
        else if (a[i] !== b[i]) maxLog2 = Infinity;
        if (atSeam) seam = Math.max(seam, d);
        else elsewhere = Math.max(elsewhere, d);
      }
    }
  }
  const mse = se / (width * height * 3);
  return { psnr: mse === 0 ? Infinity : 10 * Math.log10(1 / mse), maxLog2, seam, elsewhere };
}

const noSeam = (c: Comparison) => (c.seam < 1e-5 && c.elsewhere < 1e-5) || c.seam <= 1.5 * c.elsewhere;
/** What the tests call equal: PSNR ≥ 50 dB on v/(1+v), log2 within 1e-3, no seam. */
const equal = (c: Comparison) => c.psnr >= 50 && c.maxLog2 < 1e-3 && noSeam(c);
const describeComparison = (c: Comparison) => `PSNR ${c.psnr.toFixed(1)} dB, max |Δlog2| ${c.maxLog2.toExponential(2)}, seam ${c.seam.toExponential(2)}, elsewhere ${c.elsewhere.toExponential(2)}`;

const STRONG: LocalDetailParams = { detail: 0.6, range: 0.7 };

describe('TiledLocalDetail equals the untiled LocalDetail', { timeout: 120_000 }, () => {
  const cases: [string, number, number, LocalDetailParams, boolean][] = [
    ['radiance, F = 2, core 64', 2, 64, STRONG, false],
    ['radiance, F = 3, core 96', 3, 96, { detail: -0.5, range: 1 }, false],
    ['display-referred (DISPLAY_LOG_FLOOR), F = 2, core 80', 2, 80, { ...STRONG, floor: DISPLAY_LOG_FLOOR }, true],
  ];
  gpuTest.for(cases)('%s', async ([name, fineLevels, core, p, displayReferred], { gpu }) => {
    const hdr = radiance(W, H, 7);
    const src = upload(gpu, displayReferred ? display(hdr, 11) : hdr);
    const want = await untiled(gpu, src, p);
    const got = await tiled(gpu, src, p, { fineLevels, tileCore: core }, core);
    const c = compare(got, want, W, H, core);
    console.log(`${name}: ${describeComparison(c)}`);
    expect(c.psnr).toBeGreaterThanOrEqual(50);
    expect(c.maxLog2).toBeLessThan(1e-3);
    expect(noSeam(c), JSON.stringify(c)).toBe(true);
    expect(equal(c)).toBe(true);
    // The filter did something: the result is not the input.
    expect(compare(got, displayReferred ? display(hdr, 11).data : hdr.data, W, H, core).psnr).toBeLessThan(40);
    gpu.res.release(src);
  });

  gpuTest('the untiled LocalDetail still follows the CPU reference (so the tiled one does too)', async ({ gpu }) => {
    const img = radiance(W, H, 7);
    const src = upload(gpu, img);
    const got = await untiled(gpu, src, STRONG);
    const want = localDetail(img, STRONG).data;
    let worst = 0;
    for (let i = 0; i < want.length; i++) if (i % 4 !== 3) worst = Math.max(worst, Math.abs(got[i]! / want[i]! - 1));
    expect(worst).toBeLessThan(1e-4);
    gpu.res.release(src);
  });

  gpuTest('a halo too small breaks equality (the test can fail)', async ({ gpu }) => {
    const src = upload(gpu, radiance(W, H, 7));
    const want = await untiled(gpu, src, STRONG);
    const needed = tiledLocalDetailFootprint(2).halo;
    for (const halo of [2, 6, 10, needed]) {
      const got = await tiled(gpu, src, STRONG, { fineLevels: 2, tileCore: 64, halo }, 64);
      const c = compare(got, want, W, H, 64);
      console.log(`halo ${halo} (needed ${needed}): ${describeComparison(c)}`);
      expect(equal(c), `halo ${halo}`).toBe(halo === needed);
    }
    gpu.res.release(src);
  });

  gpuTest('produce() of a rect with an odd origin', async ({ gpu }) => {
    const src = upload(gpu, radiance(W, H, 7));
    const want = await untiled(gpu, src, STRONG);
    const op = new TiledLocalDetail(gpu.device, gpu.res, new TextureRegion(gpu.device, gpu.res, src), { fineLevels: 3, tileCore: 64 });
    op.setParams(STRONG);
    await op.prepare();
    for (const r of [
      { x: 37, y: 23, width: 101, height: 77 },
      { x: 251, y: 161, width: 49, height: 39 },
      { x: 1, y: 0, width: 1, height: 1 },
    ]) {
      const t = await op.produce(r);
      const got = new Float32Array(await gpu.readTexture(t, 16));
      gpu.res.release(t);
      const crop = new Float32Array(r.width * r.height * 4);
      for (let j = 0; j < r.height; j++) crop.set(want.subarray(((r.y + j) * W + r.x) * 4, ((r.y + j) * W + r.x + r.width) * 4), j * r.width * 4);
      const c = compare(got, crop, r.width, r.height, 1 << 20);
      expect(c.psnr, JSON.stringify(r)).toBeGreaterThanOrEqual(50);
      expect(c.maxLog2).toBeLessThan(1e-3);
    }
    op.release();
    gpu.res.release(src);
  });

  gpuTest('identity settings pass the source through; memory follows the tile; release() leaves nothing size-dependent', async ({ gpu }) => {
    const img = radiance(W, H, 3);
    const src = upload(gpu, img);
    const op = new TiledLocalDetail(gpu.device, gpu.res, new TextureRegion(gpu.device, gpu.res, src), { fineLevels: 2, tileCore: 64 });
    const before = gpu.counts();
    await op.prepare();
    const id = await op.produce({ x: 5, y: 7, width: 20, height: 10 });
    const px = new Float32Array(await gpu.readTexture(id, 16));
    gpu.res.release(id);
    for (let j = 0; j < 10; j++) expect(px.subarray(j * 80, (j + 1) * 80)).toEqual(img.data.subarray(((7 + j) * W + 5) * 4, ((7 + j) * W + 25) * 4));
    gpu.res.resetPeak();
    op.setParams(STRONG);
    await op.prepare();
    const cores = tileGrid(W, H, 64, 64, 0).tiles.map((t) => t.core);
    for (const c of cores) gpu.res.release(await op.produce(c));
    expect(gpu.counts().bytes).toBeGreaterThan(before.bytes);
    // The peak above what was alive before: one tile's working set (per read pixel) and the whole-image level-F textures.
    const maxRead = Math.max(...cores.map((c) => op.readRect(c)).map((r) => r.width * r.height));
    const bound = tiledLocalDetailFootprint(2).bytesPerPixel * maxRead + coarseBytes(W, H, 2);
    console.log(`peak ${gpu.res.peakBytes - before.bytes} B above the start, bound ${bound} B (largest read ${maxRead} px)`);
    expect(gpu.res.peakBytes - before.bytes).toBeLessThanOrEqual(bound);
    op.release();
    expect(gpu.counts()).toEqual(before);
    gpu.res.release(src);
  });

  it('defaults: F keeps level F within 1024 px; the footprint', () => {
    expect(defaultFineLevels(300, 200)).toBe(1);
    expect(defaultFineLevels(8192, 6144)).toBe(3);
    expect(defaultFineLevels(17320, 11547)).toBe(5);
    const f = tiledLocalDetailFootprint(2);
    expect(f).toMatchObject({ halo: 14, granularity: 4, planeBytesPerPixel: 16 });
    expect(f.bytesPerPixel).toBeGreaterThan(16 * 4);
    expect(f.bytesPerPixel).toBeLessThan(16 * 8);
  });
});
