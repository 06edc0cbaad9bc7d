// Local detail / range compression on the GPU (src/engine/local-detail/local-detail.ts, the
// fast local Laplacian filter) against its CPU reference
// (src/engine/local-detail/reference/local-detail.ts), on radiance maps merged from the
// committed fixtures, in Chromium's software WebGPU adapter.
//
// As in histogram.spec.ts, Vite bundles the real LocalDetail class (and
// Resources) here in Node, ?raw shaders included, and the page imports that
// bundle from a blob URL: the code under test is the shipped code.
//
// Tolerance: luminance within 1e-3 relative on 99.9 % of pixels, every value
// finite, and chromaticity kept (each channel's ratio to the input within
// 1e-5 of the luminance ratio). Both sides run the same discretisation in the
// same order with f32 storage between steps; what differs is the last bits of
// log2 / exp2 / exp / inverseSqrt and summation order, ~1e-6 stop on log values
// of magnitude ≤ 32, i.e. ~1e-6 relative. The grid comes from the GPU's own
// min/max (equal to a few ulps), and every weight is continuous in its input,
// so no pixel can jump between branches. 1e-3 leaves room for adapters with
// looser transcendental functions; on SwiftShader the worst pixel is ~4e-6, and
// every pixel must be within 1e-4.
// The identity settings must give the input back bit for bit (a texture copy,
// or the shader copy where the textures do not allow one).
import { expect, test, type Page } from '@playwright/test';
import { DISPLAY_LOG_FLOOR, localDetail, type LocalDetailParams } from '../src/engine/local-detail/reference/local-detail';
import { luminance } from '../src/engine/reference/color';
import { mergeRadiance } from '../src/engine/merge/reference/merge';
import type { FloatImage } from '../src/engine/types';
import { floatsFromBase64, loadFixture, openApp, toBase64, type FixtureSet, type PageCodec } from './helpers';
import { bundleForPage } from './bundle';

/** ESM source of LocalDetail and Resources, bundled by Vite from src/. */
const bundleFilter = () => bundleForPage('local-detail', "export { LocalDetail } from '/src/engine/local-detail/local-detail.ts';\nexport { Resources } from '/src/engine/gpu/resources.ts';\n");

interface Job {
  width: number;
  height: number;
  /** rgba32float radiance, base64. */
  pixels: string;
  /** Parameter sets run one after the other on one binding (uniform-only changes). */
  params: LocalDetailParams[];
  /** Leave COPY_DST off dst, so the identity settings take the shader copy. */
  noCopy?: boolean;
  /** Tile the image to this size in the page (timing runs), instead of its own. */
  tileTo?: [number, number];
  /** Timed encodes after one warm-up (0: none, and the outputs are returned). */
  timed?: number;
  /** K, if not the default. */
  levels?: number;
}

interface JobResult {
  outputs: string[];
  dispatches: number[];
  /** ms per encode (submit to onSubmittedWorkDone), sorted. */
  times: number[];
}

async function runOnGpu(page: Page, code: string, jobs: Job[]): Promise<JobResult[]> {
  return page.evaluate(
    async ({ code, jobs }) => {
      const { b64, unb64 } = (window as unknown as PageCodec).__codec;
      type Mod = typeof import('../src/engine/local-detail/local-detail') & typeof import('../src/engine/gpu/resources');
      const mod = await (window as unknown as PageCodec).__codec.importBundle<Mod>(code);
      const { engine } = (window as unknown as { __hdr: { engine: typeof import('../src/engine') } }).__hdr;
      const e = await engine.createEngine();
      const { device } = e.gpu;
      const res = new mod.Resources(device);

      const read = (texture: GPUTexture) => (window as unknown as PageCodec).__codec.readTexture(device, texture, 16);

      try {
        device.pushErrorScope('validation');
        const results: JobResult[] = [];
        for (const job of jobs) {
          const filter = new mod.LocalDetail(device, res, job.levels);
          let data = new Float32Array(unb64(job.pixels).buffer);
          let [width, height] = [job.width, job.height];
          if (job.tileTo) {
            const [tw, th] = job.tileTo;
            const tiled = new Float32Array(tw * th * 4);
            for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) tiled.set(data.subarray(((y % height) * width + (x % width)) * 4, ((y % height) * width + (x % width)) * 4 + 4), (y * tw + x) * 4);
            [data, width, height] = [tiled, tw, th];
          }
          const src = res.texture({
            label: 'e2e.src',
            size: [width, height],
            format: 'rgba32float',
            usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST | GPUTextureUsage.COPY_SRC,
          });
          device.queue.writeTexture({ texture: src }, data, { bytesPerRow: width * 16, rowsPerImage: height }, [width, height]);
          const dst = res.texture({
            label: 'e2e.dst',
            size: [width, height],
            format: 'rgba32float',
            usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.COPY_SRC | (job.noCopy ? 0 : GPUTextureUsage.COPY_DST),
          });
          filter.bind(src, dst);
          const result: JobResult = { outputs: [], dispatches: [], times: [] };
          for (const p of job.params) {
            filter.setParams(p);
            result.dispatches.push(filter.dispatchCount);
            const once = async () => {
              const enc = device.createCommandEncoder({ label: 'e2e.local-detail' });
              filter.encode(enc);
              const t0 = performance.now();
              device.queue.submit([enc.finish()]);
              await device.queue.onSubmittedWorkDone();
              return performance.now() - t0;
            };
            await once();
            if (job.timed) {
              for (let i = 0; i < job.timed; i++) result.times.push(await once());
              result.times.sort((a, b) => a - b);
            } else {
              result.outputs.push(b64(await read(dst)));
            }
          }
          results.push(result);
          filter.release();
          res.release(src);
          res.release(dst);
        }
        const err = await device.popErrorScope();
        if (err) throw new Error(`WebGPU validation: ${err.message}`);
        return results;
      } finally {
        res.destroyAll();
        e.dispose();
      }
    },
    { code, jobs },
  );
}

function radiance(set: FixtureSet): FloatImage {
  return mergeRadiance(loadFixture(set));
}

/** A w × h crop at (x0, y0). */
function crop(img: FloatImage, x0: number, y0: number, w: number, h: number): FloatImage {
  const data = new Float32Array(w * h * 4);
  for (let y = 0; y < h; y++) data.set(img.data.subarray(((y0 + y) * img.width + x0) * 4, ((y0 + y) * img.width + x0 + w) * 4), y * w * 4);
  return { width: w, height: h, data };
}

const job = (img: FloatImage, params: LocalDetailParams[], extra: Partial<Job> = {}): Job => ({
  width: img.width,
  height: img.height,
  pixels: toBase64(img.data),
  params,
  ...extra,
});

interface Comparison {
  within: number;
  worst: number;
  chroma: number;
  nonFinite: number;
}

/** Relative luminance error per pixel, and the worst chromaticity drift. */
function compare(gpu: Float32Array, ref: FloatImage, input: FloatImage): Comparison {
  const n = ref.width * ref.height;
  let within = 0;
  let worst = 0;
  let chroma = 0;
  let nonFinite = 0;
  for (let p = 0; p < n; p++) {
    const o = p * 4;
    if (![0, 1, 2, 3].every((c) => Number.isFinite(gpu[o + c]!))) nonFinite++;
    const lg = luminance(gpu[o]!, gpu[o + 1]!, gpu[o + 2]!);
    const lr = luminance(ref.data[o]!, ref.data[o + 1]!, ref.data[o + 2]!);
    // |lr|: clipped (negative) pixels of a display-referred input stay negative on both sides.
    const rel = Math.abs(lg - lr) / Math.max(Math.abs(lr), 1e-30);
    worst = Math.max(worst, rel);
    if (rel <= 1e-3) within++;
    const li = luminance(input.data[o]!, input.data[o + 1]!, input.data[o + 2]!);
    if (li > 1e-6) {
      const k = lg / li;
      for (let c = 0; c < 3; c++) if (input.data[o + c]! > 1e-6 * li) chroma = Math.max(chroma, Math.abs(gpu[o + c]! / input.data[o + c]! / k - 1));
    }
  }
  return { within: within / n, worst, chroma, nonFinite };
}

let code = '';

test.beforeAll(async () => {
  code = await bundleFilter();
});

test.beforeEach(async ({ page }) => {
  await openApp(page);
});

test('GPU local detail matches the CPU reference on merged fixtures, odd sizes and successive settings', async ({ page }) => {
  test.setTimeout(240_000);
  const gg = radiance('goldengate-3');
  const sl = radiance('stilllife-5');
  const odd = crop(gg, 37, 21, 131, 97);
  // Display-referred (the fused kind): x / (1 + x), with a block clipped to zero and one below zero, as fusion leaves in deep shadow.
  const shown = { ...gg, data: gg.data.map((v, i) => (i % 4 === 3 ? v : v / (1 + v))) };
  for (let y = 40; y < 70; y++) for (let x = 30; x < 70; x++) for (let c = 0; c < 3; c++) shown.data[4 * (y * gg.width + x) + c] = y < 60 ? 0 : -0.01;
  const cases: { name: string; img: FloatImage; params: LocalDetailParams[]; levels?: number }[] = [
    {
      name: 'goldengate-3 320x256',
      img: gg,
      params: [
        { detail: 0.6, range: 0.5 },
        { detail: 1, range: 1 },
      ],
    },
    {
      name: 'stilllife-5 320x256',
      img: sl,
      params: [
        { detail: 1, range: 1 },
        { detail: -0.7, range: 0.3 },
        { detail: 0.3, range: 0 },
      ],
    },
    { name: 'goldengate-3 crop 131x97', img: odd, params: [{ detail: 0.8, range: 0.8 }] },
    { name: 'goldengate-3 display-referred, clipped shadows', img: shown, params: [{ detail: 0.6, range: 0.8, floor: DISPLAY_LOG_FLOOR }] },
    // K = 6: the second group's last two channels carry no weight; K = 12: three groups.
    { name: 'stilllife-5 crop 131x97, K = 6', img: crop(sl, 150, 100, 131, 97), params: [{ detail: 0.5, range: 1 }], levels: 6 },
    { name: 'stilllife-5 320x256, K = 12', img: sl, params: [{ detail: 1, range: 0.6 }], levels: 12 },
    // A two-level pyramid: no band is accumulated, finish reads the top directly.
    { name: 'goldengate-3 crop 7x3', img: crop(gg, 150, 120, 7, 3), params: [{ detail: 1, range: 1 }] },
  ];
  const gpu = await runOnGpu(
    page,
    code,
    cases.map((c) => job(c.img, c.params, { levels: c.levels })),
  );
  for (const [i, { name, img, params, levels }] of cases.entries()) {
    for (const [j, p] of params.entries()) {
      const label = `${name} ${JSON.stringify(p)}`;
      const out = floatsFromBase64(gpu[i]!.outputs[j]!);
      expect(out.length, label).toBe(img.data.length);
      const ref = localDetail(img, p, levels);
      const c = compare(out, ref, img);
      const line = `${label}: ${(100 * c.within).toFixed(3)} % within 1e-3, worst ${c.worst.toExponential(2)}, chroma drift ${c.chroma.toExponential(2)}, ${gpu[i]!.dispatches[j]} dispatches`;
      test.info().annotations.push({ type: 'local-detail', description: line });
      console.log(`local-detail ${line}`);
      expect(c.nonFinite, `${label}: NaN or infinite values`).toBe(0);
      expect(c.within, `${label}: luminance within 1e-3 (worst ${c.worst.toExponential(2)})`).toBeGreaterThanOrEqual(0.999);
      // What the maths allows on this adapter (~4e-6 seen), with a margin: catches a real divergence long before 1e-3 would.
      expect(c.worst, `${label}: worst relative luminance error`).toBeLessThan(1e-4);
      expect(c.chroma, `${label}: chromaticity kept`).toBeLessThan(1e-5);
      // Alpha is copied.
      for (let q = 3; q < out.length; q += 4) if (out[q] !== img.data[q]) throw new Error(`${label}: alpha changed at ${q >> 2}`);
    }
  }
});

test('identity settings (and a one-pixel-high image) give the input back bit for bit, by texture copy or shader copy', async ({ page }) => {
  const sl = radiance('stilllife-5');
  const odd = crop(sl, 5, 3, 131, 97);
  const ident = { detail: 0, range: 0 };
  // One pixel high: a one-level pyramid, which the filter leaves as it is (as the reference does).
  const row = crop(sl, 0, 128, 97, 1);
  const gpu = await runOnGpu(page, code, [job(sl, [{ detail: 0.5, range: 0.5 }, ident]), job(odd, [ident], { noCopy: true }), job(row, [{ detail: 1, range: 1 }])]);
  expect(gpu[0]!.dispatches, 'filter, then a texture copy').toEqual([expect.any(Number), 0]);
  expect(gpu[1]!.dispatches, 'a shader copy').toEqual([1]);
  expect(gpu[2]!.dispatches, 'a texture copy').toEqual([0]);
  expect(floatsFromBase64(gpu[0]!.outputs[1]!)).toEqual(sl.data);
  expect(floatsFromBase64(gpu[1]!.outputs[0]!)).toEqual(odd.data);
  expect(floatsFromBase64(gpu[2]!.outputs[0]!)).toEqual(row.data);
  expect(localDetail(row, { detail: 1, range: 1 }).data).toEqual(row.data);
});

test('GPU time per encode at 320x256 and about 1 MP (software adapter)', async ({ page }) => {
  test.setTimeout(300_000);
  const sl = radiance('stilllife-5');
  const p = { detail: 0.5, range: 0.7 };
  const sizes: [number, number][] = [
    [320, 256],
    [1152, 896],
  ];
  const gpu = await runOnGpu(
    page,
    code,
    sizes.map((s) => job(sl, [p], { tileTo: s, timed: 3 })),
  );
  for (const [i, [w, h]] of sizes.entries()) {
    const { times, dispatches } = gpu[i]!;
    const median = times[Math.floor(times.length / 2)]!;
    const line = `${w}x${h}: median ${median.toFixed(1)} ms per encode (${times.map((t) => t.toFixed(0)).join(', ')} ms), ${dispatches[0]} dispatches, ${((w * h) / median / 1000).toFixed(2)} Mpixel/s`;
    test.info().annotations.push({ type: 'timing', description: line });
    console.log(`local-detail ${line}`);
    expect(median).toBeGreaterThan(0);
  }
});
