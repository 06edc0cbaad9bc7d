// Bracket alignment on the GPU (src/engine/align/align.ts and its passes) against
// its CPU reference (src/engine/align/reference/align.ts), in Chromium's software
// WebGPU adapter, on the committed fixtures at their full 320×256.
//
// As in local-detail.spec.ts, Vite bundles the real Align class (and
// Resources) here in Node, ?raw shaders included, and the page imports that
// bundle from a blob URL: the code under test is the shipped code.
//
// Tolerances:
// - MTB: grey codes, medians, bitmaps and counts are integer maths on both
//   sides: every bit and every count must be equal.
// - Refinement reductions (search sums, normal equations): f32 on the GPU
//   (row sums, finished in f64) against f64 on the CPU, from f32 pyramids that
//   differ in the last bits: 1e-4 relative to each sum's scale; the overlap
//   histograms are integer counts and must be equal.
// - Transforms: within 0.05 px at the image corners of the CPU's (both run the
//   same driver on sums that differ by f32 rounding).
// - Warp: the same bilinear formula on f32 (GPU) and f64 (CPU) from the same
//   f32 matrices: within 1/255 on 99.9 % of the values, alpha equal.
// Recovery of known motions: every bracket moved by the CPU reference warp
// (transparent where it has no content), then aligned on the GPU: translation
// within 0.5 px and rotation within 0.05° of the truth.
import { expect, test, type Page } from '@playwright/test';
import {
  COUNT_STRIDE,
  IDENTITY_LUT,
  SEARCH_SUMS,
  SUMS,
  alignBrackets,
  alignTargets,
  cpuPairOps,
  greyCodes,
  histogram256,
  invert,
  lkLevels,
  matchLut,
  mtb,
  similarityMatrix,
  warpRgba8,
  type AlignMode,
  type LayerMotion,
  type Matrix3,
  type Rgba8,
  type Similarity,
} from '../src/engine/align/reference/align';
import type { AlignTimings } from '../src/engine/align/align';
import type { MtbLayout } from '../src/engine/align/passes/align-mtb';
import { fromBase64, loadFixture, openApp, toBase64, type FixtureSet, type PageCodec } from './helpers';
import { bundleForPage } from './bundle';

/** ESM source of Align and Resources, bundled by Vite from src/. */
const bundleAlign = () => bundleForPage('align', "export { Align } from '/src/engine/align/align.ts';\nexport { Resources } from '/src/engine/gpu/resources.ts';\n");

interface Probe {
  target: number;
  moving: number;
  lut: number[];
  level: number;
  p: Similarity;
  search: { level: number; base: [number, number]; radius: number };
  shift: [number, number];
}

interface Job {
  width: number;
  height: number;
  /** RGBA8 per layer, base64. */
  layers: string[];
  reference: number;
  mode?: AlignMode;
  /** Run estimate() (else the warp uses `matrices`). */
  estimate?: boolean;
  /** Run estimate() this many times more first (warm-up: pipelines compile on first use). */
  warmup?: number;
  matrices?: Matrix3[];
  readMtb?: boolean;
  probes?: Probe[];
  warp?: boolean;
  /** Timed warps after one warm-up. */
  timeWarp?: number;
}

interface JobResult {
  motions: LayerMotion[];
  crop: { x: number; y: number; width: number; height: number };
  timings: AlignTimings | null;
  mtb: { layout: MtbLayout; counts: string; histograms: string; medians: number[]; bitmaps: string } | null;
  probes: { search: number[]; hist: [number[], number[]]; sums: number[] }[];
  warped: string[];
  warpMs: number[];
}

async function runOnGpu(page: Page, code: string, jobs: Job[]): Promise<JobResult[]> {
  return page.evaluate(
    async ({ code, jobs }) => {
      const { b64, unb64 } = (window as unknown as PageCodec).__codec;
      type Mod = typeof import('../src/engine/align/align') & typeof import('../src/engine/gpu/resources');
      const mod = await (window as unknown as PageCodec).__codec.importBundle<Mod>(code);
      const { engine } = (window as unknown as { __hdr: { engine: typeof import('../src/engine') } }).__hdr;
      const e = await engine.createEngine();
      const { device } = e.gpu;
      const res = new mod.Resources(device);
      const u8 = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      const readLayer = (texture: GPUTexture, layer: number) => (window as unknown as PageCodec).__codec.readTexture(device, texture, 4, layer);
      try {
        device.pushErrorScope('validation');
        const results: JobResult[] = [];
        for (const job of jobs) {
          const n = job.layers.length;
          const brackets = res.texture({
            label: 'e2e.brackets',
            size: [job.width, job.height, n],
            format: 'rgba8unorm',
            usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
          });
          job.layers.forEach((l, k) => device.queue.writeTexture({ texture: brackets, origin: [0, 0, k] }, unb64(l), { bytesPerRow: job.width * 4, rowsPerImage: job.height }, [job.width, job.height, 1]));
          const align = new mod.Align(device, res, { mode: job.mode });
          align.bind(brackets, job.reference);
          const out: JobResult = { motions: [], crop: { x: 0, y: 0, width: 0, height: 0 }, timings: null, mtb: null, probes: [], warped: [], warpMs: [] };
          if (job.estimate) {
            for (let i = 0; i < (job.warmup ?? 0); i++) await align.estimate();
            const r = await align.estimate();
            out.motions = r.motions;
            out.crop = r.crop;
            out.timings = r.timings;
          } else if (job.matrices) {
            align.setMatrices(job.matrices);
          }
          if (job.readMtb) {
            const { mtb } = align.passes;
            const { counts, histograms } = await mtb.read();
            const { medians, bitmaps } = await mtb.readBitmaps();
            out.mtb = { layout: mtb.dataLayout!, counts: b64(u8(counts)), histograms: b64(u8(histograms)), medians: [...medians], bitmaps: b64(u8(bitmaps)) };
          }
          for (const p of job.probes ?? []) {
            const { lk } = align.passes;
            lk.setPair(p.target, p.moving);
            await lk.build(Float32Array.from(p.lut));
            const search = [...(await lk.search(p.search.level, p.search.base, p.search.radius))];
            const hist = (await lk.histograms(p.shift)).map((h) => [...h]) as [number[], number[]];
            const sums = [...(await lk.evaluate(p.level, p.p))];
            out.probes.push({ search, hist, sums });
          }
          if (job.warp || job.timeWarp) {
            const once = async () => {
              const enc = device.createCommandEncoder({ label: 'e2e.warp' });
              align.encodeWarp(enc);
              const t0 = performance.now();
              device.queue.submit([enc.finish()]);
              await device.queue.onSubmittedWorkDone();
              return performance.now() - t0;
            };
            await once();
            for (let i = 0; i < (job.timeWarp ?? 0); i++) out.warpMs.push(await once());
            if (job.warp) for (let k = 0; k < n; k++) out.warped.push(b64(await readLayer(align.warped!, k)));
          }
          results.push(out);
          align.release();
          res.release(brackets);
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

const rgba = (set: FixtureSet): Rgba8[] => loadFixture(set).map((b) => ({ width: b.width, height: b.height, pixels: Uint8Array.from(b.pixels) }));

const motion = (tx: number, ty: number, degrees: number): Similarity => {
  const r = (degrees * Math.PI) / 180;
  return { a: Math.cos(r) - 1, b: Math.sin(r), tx, ty };
};

const IDENTITY3: Matrix3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** A w × h crop at (x0, y0). */
function crop(img: Rgba8, x0: number, y0: number, w: number, h: number): Rgba8 {
  const pixels = new Uint8Array(4 * w * h);
  for (let y = 0; y < h; y++) pixels.set(img.pixels.subarray(4 * ((y0 + y) * img.width + x0), 4 * ((y0 + y) * img.width + x0 + w)), 4 * y * w);
  return { width: w, height: h, pixels };
}

/** Brackets moved by `motions` (null: left alone) with the CPU reference warp. */
function moved(brackets: readonly Rgba8[], motions: readonly (Similarity | null)[]): { images: Rgba8[]; truth: Matrix3[] } {
  const { width: w, height: h } = brackets[0]!;
  const truth = motions.map((p) => (p ? similarityMatrix(p, w, h) : IDENTITY3));
  return { images: brackets.map((b, k) => (motions[k] ? { width: w, height: h, pixels: warpRgba8(b, invert(truth[k]!)) } : b)), truth };
}

function cornerError(m: Matrix3, n: Matrix3, w: number, h: number): number {
  let e = 0;
  for (const [x, y] of [
    [0, 0],
    [w - 1, 0],
    [0, h - 1],
    [w - 1, h - 1],
  ] as const)
    e = Math.max(e, Math.hypot(m[0] * x + m[1] * y + m[2] - (n[0] * x + n[1] * y + n[2]), m[3] * x + m[4] * y + m[5] - (n[3] * x + n[4] * y + n[5])));
  return e;
}

const job = (images: readonly Rgba8[], reference: number, extra: Partial<Job> = {}): Job => ({
  width: images[0]!.width,
  height: images[0]!.height,
  layers: images.map((i) => toBase64(i.pixels)),
  reference,
  ...extra,
});

const u32 = (s: string) => new Uint32Array(fromBase64(s).slice().buffer);

/**
 * Error of the normal-equation sums, each against its natural scale (Cauchy–Schwarz):
 * H_ij against √(H_ii H_jj), g_i against √(H_ii Σ W e²), the moments against themselves.
 */
function sumsErr(gpu: readonly number[], cpu: ArrayLike<number>): number {
  const diag = [0, 4, 7, 9].map((k) => cpu[k]!);
  const scale: number[] = [];
  for (let i = 0; i < 4; i++) for (let j = i; j < 4; j++) scale.push(Math.sqrt(diag[i]! * diag[j]!));
  for (let i = 0; i < 4; i++) scale.push(Math.sqrt(diag[i]! * cpu[15]!));
  for (let k = 14; k < SUMS; k++) scale.push(Math.abs(cpu[k]!));
  return Math.max(...scale.map((s, k) => Math.abs(gpu[k]! - cpu[k]!) / Math.max(s, 1e-12)));
}

/** Relative error of each sum against the largest magnitude of its kind. */
function relErr(gpu: readonly number[], cpu: ArrayLike<number>, stride: number): number {
  let worst = 0;
  for (let k = 0; k < stride; k++) {
    let scale = 0;
    for (let i = k; i < cpu.length; i += stride) scale = Math.max(scale, Math.abs(cpu[i]!));
    for (let i = k; i < cpu.length; i += stride) worst = Math.max(worst, Math.abs(gpu[i]! - cpu[i]!) / Math.max(scale, 1e-12));
  }
  return worst;
}

function note(type: string, line: string): void {
  test.info().annotations.push({ type, description: line });
  console.log(`align ${line}`);
}

let code = '';

test.beforeAll(async () => {
  code = await bundleAlign();
});

test.beforeEach(async ({ page }) => {
  await openApp(page);
});

test('MTB on the GPU: grey medians, bitmaps and counts bit-identical to the CPU reference', async ({ page }) => {
  test.setTimeout(240_000);
  const sl = rgba('stilllife-5');
  const gg = rgba('goldengate-3');
  const cases: { name: string; images: Rgba8[]; reference: number; mode: AlignMode }[] = [
    { name: 'stilllife-5, chain', images: moved(sl, [motion(7, -3, 0), motion(-20, 11, 0.5), null, motion(33, 21, 0), motion(-9, -50, -0.8)]).images, reference: 2, mode: 'chain' },
    { name: 'goldengate-3, direct', images: moved(gg, [motion(-60, 40, 0), null, motion(45, -60, 0.8)]).images, reference: 1, mode: 'direct' },
    // Odd sizes: partial grey and bitmap words at every level.
    {
      name: 'stilllife-5 crop 301×203, direct',
      images: moved(
        sl.map((b) => crop(b, 9, 31, 301, 203)),
        [motion(3, 2, 0), null, null, motion(-11, 7, 0.3), null],
      ).images,
      reference: 2,
      mode: 'direct',
    },
  ];
  const gpu = await runOnGpu(
    page,
    code,
    cases.map((c) => job(c.images, c.reference, { mode: c.mode, estimate: true, readMtb: true })),
  );
  for (const [i, c] of cases.entries()) {
    const N = c.images.length;
    const ref = mtb(c.images, alignTargets(N, c.reference, c.mode));
    const g = gpu[i]!.mtb!;
    const bitmaps = u32(g.bitmaps);
    let bits = 0;
    for (const [l, lv] of ref.levels.entries()) {
      const lay = g.layout.levels[l]!;
      expect([lay.width, lay.height], `${c.name} level ${l} size`).toEqual([lv.width, lv.height]);
      for (let k = 0; k < N; k++) {
        expect(g.medians[l * N + k], `${c.name} level ${l} layer ${k} median`).toBe(lv.medians[k]);
        const words = lay.bitWords * lay.height;
        const mine = bitmaps.subarray(2 * (lay.bitOffset + k * words), 2 * (lay.bitOffset + (k + 1) * words));
        expect(mine.length).toBe(lv.bitmaps[k]!.length);
        if (!mine.every((v, j) => v === lv.bitmaps[k]![j])) throw new Error(`${c.name}: bitmaps of level ${l} layer ${k} differ`);
        bits += mine.length * 16;
      }
    }
    expect([...u32(g.counts)], `${c.name}: counts`).toEqual([...ref.counts]);
    const hist = u32(g.histograms);
    for (const [l, lv] of ref.levels.entries()) for (let k = 0; k < N; k++) expect([...hist.subarray((l * N + k) * 256, (l * N + k + 1) * 256)], `${c.name} histogram ${l}/${k}`).toEqual([...lv.histograms[k]!]);
    note('mtb', `${c.name}: ${ref.levels.length} levels, ${bits} bitmap bits and ${ref.counts.length / COUNT_STRIDE} count records equal; level-0 shifts ${JSON.stringify(ref.shifts)}`);
  }
});

test('refinement reductions on the GPU match the CPU: search sums, overlap histograms, normal equations', async ({ page }) => {
  test.setTimeout(240_000);
  const sl = rgba('stilllife-5');
  const gg = rgba('goldengate-3');
  const { images: slm } = moved(sl, [null, motion(12.4, -7.3, 0.6), null, null, null]);
  const { images: ggm } = moved(gg, [null, null, motion(-31.2, 18.7, -0.9)]);
  const lutOf = (images: Rgba8[], t: number, m: number) => matchLut(histogram256(greyCodes(images[m]!)), histogram256(greyCodes(images[t]!)));
  const { coarsest } = lkLevels(320, 256);
  const probes: { images: Rgba8[]; probe: Probe }[] = [
    { images: slm, probe: { target: 2, moving: 1, lut: [...lutOf(slm, 2, 1)], level: 0, p: motion(12, -7, 0.5), search: { level: coarsest, base: [0, 0], radius: 16 }, shift: [12, -7] } },
    { images: slm, probe: { target: 2, moving: 1, lut: [...lutOf(slm, 2, 1)], level: 1, p: motion(12.5, -7.1, 0.55), search: { level: 0, base: [12, -7], radius: 1 }, shift: [0, 0] } },
    { images: ggm, probe: { target: 1, moving: 2, lut: [...lutOf(ggm, 1, 2)], level: 0, p: motion(-31, 18.5, -0.8), search: { level: coarsest, base: [-8, 5], radius: 3 }, shift: [-31, 19] } },
    { images: ggm, probe: { target: 1, moving: 0, lut: [...IDENTITY_LUT], level: 2, p: motion(0.3, -0.2, 0.1), search: { level: 1, base: [0, 0], radius: 2 }, shift: [2, -1] } },
  ];
  const gpu = await runOnGpu(
    page,
    code,
    probes.map(({ images, probe }) => job(images, probe.target, { probes: [probe] })),
  );
  for (const [i, { images, probe }] of probes.entries()) {
    const g = gpu[i]!.probes[0]!;
    const ops = cpuPairOps(images[probe.target]!, images[probe.moving]!);
    ops.build(Float32Array.from(probe.lut));
    const search = ops.search(probe.search.level, probe.search.base, probe.search.radius) as Float64Array;
    const [ht, hm] = ops.histograms(probe.shift) as [Uint32Array, Uint32Array];
    const sums = ops.evaluate(probe.level, probe.p) as Float64Array;
    const label = `pair ${probe.moving}→${probe.target}`;
    expect(g.hist[0], `${label}: target histogram`).toEqual([...ht]);
    expect(g.hist[1], `${label}: moving histogram`).toEqual([...hm]);
    expect(g.search.length).toBe(search.length);
    const eSearch = relErr(g.search, search, SEARCH_SUMS);
    const eSums = sumsErr(g.sums, sums);
    note('reductions', `${label}: search (${search.length / SEARCH_SUMS} candidates) worst ${eSearch.toExponential(2)}, normal equations at level ${probe.level} worst ${eSums.toExponential(2)}, histograms equal`);
    expect(eSearch, `${label}: search sums`).toBeLessThan(1e-4);
    expect(eSums, `${label}: normal-equation sums`).toBeLessThan(1e-4);
  }
});

test('transforms equal the CPU within 0.05 px; the warp matches the CPU within 1/255 on 99.9 %', async ({ page }) => {
  test.setTimeout(300_000);
  const sl = rgba('stilllife-5');
  const gg = rgba('goldengate-3');
  const cases: { name: string; images: Rgba8[]; reference: number }[] = [
    { name: 'stilllife-5 moved', images: moved(sl, [motion(-20, 30, 0.5), motion(20, -25, -0.4), null, motion(-40, 35, 0), motion(-25, 20, 0.8)]).images, reference: 2 },
    { name: 'goldengate-3 moved', images: moved(gg, [motion(-60, 40, -0.5), null, motion(45, -60, 0.8)]).images, reference: 1 },
    { name: 'goldengate-3 as is', images: gg, reference: 1 },
  ];
  const gpu = await runOnGpu(
    page,
    code,
    cases.map((c) => job(c.images, c.reference, { estimate: true, warp: true })),
  );
  for (const [i, c] of cases.entries()) {
    const { width: w, height: h } = c.images[0]!;
    const cpu = await alignBrackets(c.images, c.reference);
    const g = gpu[i]!;
    for (const [k, m] of g.motions.entries()) {
      const e = cornerError(m.matrix, cpu.motions[k]!.matrix, w, h);
      note('transforms', `${c.name} layer ${k}: GPU ${m.method} (${m.tx.toFixed(3)}, ${m.ty.toFixed(3)}, ${m.rotation.toFixed(4)}°) vs CPU ${cpu.motions[k]!.method}: ${e.toFixed(4)} px at the corners`);
      expect(m.method, `${c.name} layer ${k}`).toBe(cpu.motions[k]!.method);
      expect(e, `${c.name} layer ${k}: ${m.reason}`).toBeLessThan(0.05);
    }
    // A motion that lands a corner within rounding of a pixel edge may move the crop by a pixel.
    for (const key of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(g.crop[key] - cpu.crop[key]), `${c.name}: crop ${key}`).toBeLessThanOrEqual(1);
    // The warp of the GPU's own matrices, f32 as the shader reads them.
    let within = 0;
    let total = 0;
    let alphaOff = 0;
    let worst = 0;
    for (const [k, m] of g.motions.entries()) {
      const want = warpRgba8(c.images[k]!, m.matrix.map((v) => Math.fround(v)) as Matrix3);
      const got = fromBase64(g.warped[k]!);
      expect(got.length).toBe(want.length);
      for (let j = 0; j < want.length; j++) {
        const d = Math.abs(got[j]! - want[j]!);
        if ((j & 3) === 3) {
          if (d !== 0) alphaOff++;
          continue;
        }
        total++;
        worst = Math.max(worst, d);
        if (d <= 1) within++;
      }
      if (m.method === 'reference') expect(got, `${c.name}: the reference layer is copied`).toEqual(Uint8Array.from(c.images[k]!.pixels.map((v, j) => ((j & 3) === 3 ? 255 : v))));
    }
    note('warp', `${c.name}: ${((100 * within) / total).toFixed(3)} % within 1/255, worst ${worst}/255, alpha differs at ${alphaOff}`);
    expect(within / total).toBeGreaterThanOrEqual(0.999);
    expect(alphaOff).toBeLessThanOrEqual(total / 3 / 1000);
  }
});

test('recovers known motions on the GPU: shifts up to ±60 px and rotations up to 1°, within 0.5 px and 0.05°', async ({ page }) => {
  test.setTimeout(300_000);
  const sl = rgba('stilllife-5');
  const gg = rgba('goldengate-3');
  const cases: { name: string; base: Rgba8[]; motions: (Similarity | null)[] }[] = [
    { name: 'goldengate-3, independent ±60 px', base: gg, motions: [motion(-60, 40, -0.5), null, motion(45, -60, 0.8)] },
    { name: 'goldengate-3, all (60, −60), 1°', base: gg, motions: [motion(60, -60, 1), null, motion(60, -60, 1)] },
    { name: 'stilllife-5, all (−60, 45), 0.7°', base: sl, motions: [motion(-60, 45, 0.7), motion(-60, 45, 0.7), null, motion(-60, 45, 0.7), motion(-60, 45, 0.7)] },
    { name: 'stilllife-5, independent ±40 px', base: sl, motions: [motion(-20, 30, 0.5), motion(20, -25, -0.4), null, motion(-40, 35, 0), motion(-25, 20, 0.8)] },
    { name: 'stilllife-5, sub-pixel', base: sl, motions: [motion(2.3, -1.6, -1), motion(0.4, 0.7, 0), null, motion(-0.6, 0.2, 0.25), motion(1.5, 1.5, -0.7)] },
    { name: 'stilllife-5, as is', base: sl, motions: [null, null, null, null, null] },
  ];
  const inputs = cases.map((c) => moved(c.base, c.motions));
  const gpu = await runOnGpu(
    page,
    code,
    cases.map((c, i) => job(inputs[i]!.images, c.motions.every((m) => m === null) ? 2 : c.motions.indexOf(null), { estimate: true })),
  );
  for (const [i, c] of cases.entries()) {
    const { width: w, height: h } = c.base[0]!;
    for (const [k, m] of gpu[i]!.motions.entries()) {
      const p = c.motions[k] ?? { a: 0, b: 0, tx: 0, ty: 0 };
      const dt = Math.hypot(m.tx - p.tx, m.ty - p.ty);
      const dr = Math.abs(m.rotation - (Math.atan2(p.b, 1 + p.a) * 180) / Math.PI);
      const e = cornerError(m.matrix, inputs[i]!.truth[k]!, w, h);
      note('recovery', `${c.name} layer ${k}: ${m.method}, translation error ${dt.toFixed(3)} px, rotation error ${dr.toFixed(4)}°, corners ${e.toFixed(3)} px, confidence ${m.confidence.toFixed(3)} (${m.reason})`);
      expect(dt, `${c.name} layer ${k}: ${m.reason}`).toBeLessThan(0.5);
      expect(dr, `${c.name} layer ${k}: ${m.reason}`).toBeLessThan(0.05);
    }
  }
});

test('GPU time per stage at 320×256 (software adapter)', async ({ page }) => {
  test.setTimeout(300_000);
  const sl = rgba('stilllife-5');
  const { images } = moved(sl, [motion(-20, 30, 0.5), motion(20, -25, -0.4), null, motion(-40, 35, 0), motion(-25, 20, 0.8)]);
  const gg = rgba('goldengate-3');
  const gpu = await runOnGpu(page, code, [job(images, 2, { estimate: true, warmup: 1, timeWarp: 5 }), job(gg, 1, { estimate: true, warmup: 1, timeWarp: 5 })]);
  for (const [i, name] of ['stilllife-5 (5 brackets, moved)', 'goldengate-3 (3 brackets, as is)'].entries()) {
    const t = gpu[i]!.timings!;
    const warp = [...gpu[i]!.warpMs].sort((a, b) => a - b);
    const f = (v: number) => v.toFixed(1);
    note(
      'timing',
      `${name}: estimate ${f(t.total)} ms = MTB ${f(t.mtb)} + pyramids ${f(t.build)} + search ${f(t.search)} + overlap histograms ${f(t.histograms)} + ${t.evaluations} normal-equation evaluations ${f(t.evaluate)} (${f(t.evaluate / t.evaluations)} each); warp median ${f(warp[Math.floor(warp.length / 2)]!)} ms`,
    );
    expect(t.total).toBeGreaterThan(0);
  }
});
