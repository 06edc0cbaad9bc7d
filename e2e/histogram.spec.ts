// The display histogram pass (src/engine/histogram/passes/histogram.ts + shaders/histogram/histogram.wgsl)
// against its CPU reference (src/engine/histogram/reference/histogram.ts), in Chromium's
// software WebGPU adapter.
//
// The app bundle does not export the pass, so Vite bundles the real class (and
// Resources) here in Node, ?raw shader included, and the page imports that
// bundle from a blob URL: the code under test is the shipped code, not a copy.
//
// Tolerance: none. Channel bins are the bytes (v * 255 is within rounding of an
// integer before round()), and luma is integer maths on the bytes on both sides,
// so every bin must be equal, exact .5 ties included (the synthetic case has some).
import { expect, test, type Page } from '@playwright/test';
import { displayHistogram, HISTOGRAM_BINS, HISTOGRAM_LENGTH, LUMA_WEIGHTS_1E4, type Rgba8Image } from '../src/engine/histogram/reference/histogram';
import { loadFixture, openApp, toBase64, type PageCodec } from './helpers';
import { bundleForPage } from './bundle';

/** ESM source of HistogramPass and Resources, bundled by Vite from src/. */
const bundlePass = () => bundleForPage('histogram', "export { HistogramPass } from '/src/engine/histogram/passes/histogram.ts';\nexport { Resources } from '/src/engine/gpu/resources.ts';\n");

interface GpuHistogram {
  first: number[];
  second: number[];
}

/** Upload each image into an rgba8unorm texture, count it twice (the clear must reset), read back. */
async function histogramsOnGpu(page: Page, code: string, images: Rgba8Image[]): Promise<GpuHistogram[]> {
  const input = images.map((im) => ({ width: im.width, height: im.height, pixels: toBase64(Uint8Array.from(im.data)) }));
  return page.evaluate(
    async ({ code, input }) => {
      const { unb64 } = (window as unknown as PageCodec).__codec;
      type Mod = typeof import('../src/engine/histogram/passes/histogram') & typeof import('../src/engine/gpu/resources');
      const mod = await (window as unknown as PageCodec).__codec.importBundle<Mod>(code);
      const { engine } = (window as unknown as { __hdr: { engine: typeof import('../src/engine') } }).__hdr;
      const e = await engine.createEngine();
      const { device } = e.gpu;
      const res = new mod.Resources(device);
      try {
        device.pushErrorScope('validation');
        const pass = new mod.HistogramPass(device, res);
        const out: GpuHistogram[] = [];
        for (const im of input) {
          const texture = res.texture({
            label: 'e2e.display',
            size: [im.width, im.height],
            format: 'rgba8unorm',
            usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
          });
          device.queue.writeTexture({ texture }, unb64(im.pixels), { bytesPerRow: im.width * 4, rowsPerImage: im.height }, [im.width, im.height]);
          pass.bind(texture);
          const runOnce = async () => {
            const encoder = device.createCommandEncoder({ label: 'e2e.histogram' });
            pass.encode(encoder);
            device.queue.submit([encoder.finish()]);
            return Array.from(await pass.read());
          };
          out.push({ first: await runOnce(), second: await runOnce() });
          res.release(texture);
        }
        const err = await device.popErrorScope();
        if (err) throw new Error(`WebGPU validation: ${err.message}`);
        return out;
      } finally {
        res.destroyAll();
        e.dispose();
      }
    },
    { code, input },
  );
}

/** A w × h crop from the top-left of an image. */
function crop(img: Rgba8Image, w: number, h: number): Rgba8Image {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let i = 0; i < w * 4; i++) data[y * w * 4 + i] = img.data[y * img.width * 4 + i]!;
  return { width: w, height: h, data };
}

/** Every R and G byte, B mixed in; includes luma ties (weighted sum exactly k + 0.5). */
function synthetic(): Rgba8Image {
  const data = new Uint8Array(256 * 256 * 4);
  for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) data.set([x, y, (x * 7 + y * 13) & 255, 255], (y * 256 + x) * 4);
  return { width: 256, height: 256, data };
}

function lumaTies(img: Rgba8Image): number {
  const [wr, wg, wb] = LUMA_WEIGHTS_1E4;
  let ties = 0;
  for (let p = 0; p < img.width * img.height; p++) {
    const num = wr * img.data[p * 4]! + wg * img.data[p * 4 + 1]! + wb * img.data[p * 4 + 2]!;
    if (num % 10000 === 5000) ties++;
  }
  return ties;
}

/** 'plane:bin gpu≠ref' for every differing bin. */
function mismatches(gpu: number[], ref: Uint32Array): string[] {
  const planes = ['R', 'G', 'B', 'L'];
  const out: string[] = [];
  for (let i = 0; i < HISTOGRAM_LENGTH; i++) if (gpu[i] !== ref[i]) out.push(`${planes[Math.floor(i / HISTOGRAM_BINS)]}:${i % HISTOGRAM_BINS} ${gpu[i]}≠${ref[i]}`);
  return out;
}

let code = '';

test.beforeAll(async () => {
  code = await bundlePass();
});

test.beforeEach(async ({ page }) => {
  await openApp(page);
});

test('GPU display histogram equals the CPU reference on real brackets, odd sizes and luma ties', async ({ page }) => {
  const gg = loadFixture('goldengate-3');
  const still = loadFixture('stilllife-5');
  const cases: { name: string; img: Rgba8Image }[] = [
    ...gg.map((b, i) => ({ name: `goldengate-3[${i}] ${b.width}x${b.height}`, img: { width: b.width, height: b.height, data: b.pixels } })),
    { name: 'stilllife-5[2] crop 131x97', img: crop({ width: still[2]!.width, height: still[2]!.height, data: still[2]!.pixels }, 131, 97) },
    { name: 'synthetic 256x256', img: synthetic() },
    { name: '1x1', img: { width: 1, height: 1, data: Uint8Array.from([200, 100, 50, 255]) } },
  ];
  expect(lumaTies(cases.find((c) => c.name.startsWith('synthetic'))!.img), 'the synthetic image has exact luma ties').toBeGreaterThan(0);

  const gpu = await histogramsOnGpu(
    page,
    code,
    cases.map((c) => c.img),
  );
  for (const [i, { name, img }] of cases.entries()) {
    const ref = displayHistogram(img);
    const got = gpu[i]!;
    expect(got.first.length, name).toBe(HISTOGRAM_LENGTH);
    expect(mismatches(got.first, ref), `${name}: bins differing from the reference`).toEqual([]);
    expect(got.second, `${name}: a second run is cleared first, not added`).toEqual(got.first);
    const pixels = img.width * img.height;
    for (let p = 0; p < 4; p++) {
      const total = got.first.slice(p * HISTOGRAM_BINS, (p + 1) * HISTOGRAM_BINS).reduce((a, b) => a + b, 0);
      expect(total, `${name}: plane ${p} counts every pixel once`).toBe(pixels);
    }
  }
});
