// Handheld sets: alignment and deghosting timings for 5 brackets at 2 MP and
// 12 MP, on the headless engine (no canvas), merge mode. The brackets are made
// in the page out of the bundled sample with fusion.bench's exposure ramp; every
// bracket but the reference (the pipeline's automatic pick, the best exposed:
// autoReference, computed here on the same samples it reads) is drawn through
// a known rotation and translation about the image centre with the 2D canvas
// transform, over a scene drawn a little larger than the frame, so a moved
// frame shows more scene at its edges rather than a hole, as a camera's would.
//   first     setBrackets → render: upload, merge, preview and finish
//   align     pipeline.alignBrackets(): the estimate (MTB, then per pair the
//             pyramid builds, translation search, overlap histograms and the
//             refinement's evaluations; AlignResult.timings, summed over pairs)
//   warp      the render after it: warp into the reference frame, crop, re-merge
//   deghost   setParams({ deghost: 1 }) → render: deghosting, then the merge
//   error     the recovered motions against the drawn ones (worst bracket, worst run),
//             and how each was found (refined; translation or identity where a guard refused)
// A fresh setBrackets each run (the estimate is cached per upload). Wall times,
// median of the runs; prints a table and writes bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { appUrl } from '../e2e/helpers';
import { similarityMatrix, type Matrix3 } from '../src/engine/align/reference/align';
import { autoReference } from '../src/engine/deghost/reference/deghost';
import { mergeWeights } from '../src/engine/merge/weights';
import type { Engine } from '../src/engine';

const SIZES = [
  { label: '2 MP', width: 1732, height: 1155, maxShift: 20 },
  { label: '12 MP', width: 4240, height: 2832, maxShift: 40 },
];
const COUNT = 5;
/** Largest rotation drawn, degrees. */
const MAX_ROTATION = 0.8;
/** The moved brackets' motions (in the order of the non-reference brackets): translation in units of the size's maxShift, rotation in units of MAX_ROTATION. */
const MOTIONS: [number, number, number][] = [
  [1, -0.55, 1],
  [-0.6, 1, -1],
  [0.35, 0.75, 0.45],
  [-1, -0.4, -0.3],
];
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** 12 MP takes minutes per run on a software adapter: one run there unless BENCH_RUNS says otherwise. */
const runsFor = (label: string) => (process.env.BENCH_RUNS || label === '2 MP' ? RUNS : 1);
const rows: Record<string, unknown>[] = [];
const details: Record<string, unknown>[] = [];
let adapter = '';
let browserVersion = '';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Truth {
  tx: number;
  ty: number;
  rotation: number;
}

interface Motion extends Truth {
  method: string;
  confidence: number;
  reason: string;
}

type Hdr = { __hdr: { engine: typeof import('../src/engine') } };
type PageGlobals = Hdr & {
  __handheld?: {
    engine: Engine;
    sources: ImageBitmap[];
    brackets: { width: number; height: number; pixels: Uint8ClampedArray; exposure: number }[];
  };
};

test.describe.configure({ mode: 'serial' });

for (const size of SIZES) {
  test(`alignment and deghosting of ${COUNT} brackets at ${size.label}`, async ({ page, browser }) => {
    test.setTimeout(45 * 60_000);
    browserVersion = browser.version();
    await page.goto(appUrl());
    await page.waitForFunction(() => document.querySelector('[data-testid=app]')?.getAttribute('data-busy') === 'false');
    const { width, height } = size;

    // 1. The brackets as shot on a tripod, and the points autoReference samples of them.
    const still = await page.evaluate(
      async ({ width, height, count, margin }) => {
        const w = window as unknown as PageGlobals;
        const { engine } = w.__hdr;
        const sources = await Promise.all([1, 2, 3].map(async (i) => createImageBitmap(await (await fetch(`sample/goldengate-${i}.jpg`)).blob())));
        const brackets = [];
        for (let k = 0; k < count; k++) {
          const t = count === 1 ? 0 : k / (count - 1);
          const c = new OffscreenCanvas(width, height);
          const g = c.getContext('2d')!;
          g.filter = `brightness(${(0.8 + 0.4 * ((t * 2) % 1)).toFixed(3)})`;
          g.drawImage(sources[Math.min(2, Math.floor(t * 2.999))]!, -margin, -margin, width + 2 * margin, height + 2 * margin);
          brackets.push({ width, height, pixels: g.getImageData(0, 0, width, height).data, exposure: 2 ** k });
        }
        const e = await engine.createEngine();
        w.__handheld = { engine: e, sources, brackets };
        // setBrackets only validates and stages; it estimates the black level autoReference's weights use.
        e.pipeline.setBrackets(brackets);
        // autoReference's grid (every floor(size / 64)th pixel), packed: its own grid on the packed images is every pixel.
        const sx = Math.max(1, Math.floor(width / 64));
        const sy = Math.max(1, Math.floor(height / 64));
        const gw = Math.ceil(width / sx);
        const gh = Math.ceil(height / sy);
        const grids = brackets.map((b) => {
          const out: number[] = [];
          for (let y = 0; y < height; y += sy) for (let x = 0; x < width; x += sx) for (let c = 0; c < 4; c++) out.push(b.pixels[(y * width + x) * 4 + c]!);
          return out;
        });
        return { blackLevel: e.pipeline.blackLevel, gw, gh, grids, adapter: e.gpu.adapterInfo };
      },
      { width, height, count: COUNT, margin: sceneMargin(size) },
    );
    const reference = autoReference(
      still.grids.map((g, k) => ({ width: still.gw, height: still.gh, pixels: Uint8Array.from(g), exposure: 2 ** k })),
      mergeWeights(still.blackLevel),
    );

    // 2. Every other bracket moved by a known similarity; the runs.
    const truths: (Truth | null)[] = [];
    const matrices: (Matrix3 | null)[] = [];
    for (let k = 0, j = 0; k < COUNT; k++) {
      if (k === reference) {
        truths.push(null);
        matrices.push(null);
        continue;
      }
      const [u, v, r] = MOTIONS[j++]!;
      const truth = { tx: u * size.maxShift, ty: v * size.maxShift, rotation: r * MAX_ROTATION };
      const rad = (truth.rotation * Math.PI) / 180;
      truths.push(truth);
      // Bracket coordinates = M · reference coordinates (pixel centres at integers), as LayerMotion.matrix.
      matrices.push(similarityMatrix({ a: Math.cos(rad) - 1, b: Math.sin(rad), tx: truth.tx, ty: truth.ty }, width, height));
    }
    const r = await page.evaluate(
      async ({ width, height, count, margin, matrices, runs }) => {
        const w = window as unknown as PageGlobals;
        const { engine } = w.__hdr;
        const { engine: e, sources, brackets } = w.__handheld!;
        delete w.__handheld;
        for (let k = 0; k < count; k++) {
          const m = matrices[k];
          if (!m) continue;
          const t = count === 1 ? 0 : k / (count - 1);
          const c = new OffscreenCanvas(width, height);
          const g = c.getContext('2d')!;
          g.filter = `brightness(${(0.8 + 0.4 * ((t * 2) % 1)).toFixed(3)})`;
          // The canvas puts pixel centres at +0.5: M conjugated by that half-pixel shift.
          g.setTransform(m[0], m[3], m[1], m[4], m[2] + 0.5 - 0.5 * (m[0] + m[1]), m[5] + 0.5 - 0.5 * (m[3] + m[4]));
          g.drawImage(sources[Math.min(2, Math.floor(t * 2.999))]!, -margin, -margin, width + 2 * margin, height + 2 * margin);
          brackets[k] = { width, height, pixels: g.getImageData(0, 0, width, height).data, exposure: 2 ** k };
        }
        const keys = ['first', 'align', 'warp', 'deghost', 'mtb', 'build', 'search', 'histograms', 'evaluate', 'evaluations', 'total'] as const;
        const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<(typeof keys)[number], number[]>;
        const estimates: { motions: { tx: number; ty: number; rotation: number; method: string; confidence: number; reason: string }[]; crop: { x: number; y: number; width: number; height: number } }[] = [];
        const checks: string[] = [];
        try {
          const p = e.pipeline;
          p.setMode('merge');
          p.setViewport(1280, 800);
          const params = engine.defaultParams();
          for (let run = 0; run < runs; run++) {
            p.setParams({ ...params, deghost: 0 });
            let t = performance.now();
            p.setBrackets(brackets);
            await p.render();
            samples.first.push(performance.now() - t);

            t = performance.now();
            const result = await p.alignBrackets();
            samples.align.push(performance.now() - t);
            if (!result) throw new Error('alignBrackets() returned null');
            for (const [k, v] of Object.entries(result.timings)) samples[k as keyof typeof samples].push(v);
            estimates.push({
              motions: result.motions.map((m) => ({ tx: m.tx, ty: m.ty, rotation: m.rotation, method: m.method, confidence: m.confidence, reason: m.reason })),
              crop: { ...result.crop },
            });
            if (!p.aligned) checks.push(`run ${run}: not aligned after the estimate`);

            const aligns = p.debug.runs.align;
            t = performance.now();
            await p.render();
            samples.warp.push(performance.now() - t);
            if (p.debug.runs.align !== aligns + 1) checks.push(`run ${run}: the render after alignment ran align ${p.debug.runs.align - aligns} times`);

            const deghosts = p.debug.runs.deghost;
            p.setParams({ ...params, deghost: 1 });
            t = performance.now();
            await p.render();
            samples.deghost.push(performance.now() - t);
            if (p.debug.runs.deghost !== deghosts + 1) checks.push(`run ${run}: the deghost render ran deghost ${p.debug.runs.deghost - deghosts} times`);
          }
          return { samples, estimates, checks };
        } finally {
          e.dispose();
        }
      },
      { width, height, count: COUNT, margin: sceneMargin(size), matrices, runs: runsFor(size.label) },
    );
    adapter = still.adapter;
    expect(r.checks, 'stage runs').toEqual([]);

    // The recovered motions against the drawn ones: the worst bracket of the worst run.
    let translationError = 0;
    let rotationError = 0;
    for (const est of r.estimates) {
      est.motions.forEach((m: Motion, k) => {
        const truth = truths[k];
        if (!truth) {
          expect(m.method, `bracket ${k} is the pipeline's reference`).toBe('reference');
          return;
        }
        translationError = Math.max(translationError, Math.hypot(m.tx - truth.tx, m.ty - truth.ty));
        rotationError = Math.max(rotationError, Math.abs(m.rotation - truth.rotation));
      });
    }
    const m = (k: keyof typeof r.samples) => Math.round(median(r.samples[k]));
    const last = r.estimates[r.estimates.length - 1]!;
    rows.push({
      size: size.label,
      brackets: COUNT,
      runs: runsFor(size.label),
      reference,
      firstFrameMs: m('first'),
      alignMs: m('align'),
      mtbMs: m('mtb'),
      buildMs: m('build'),
      searchMs: m('search'),
      histogramsMs: m('histograms'),
      evaluateMs: m('evaluate'),
      evaluations: m('evaluations'),
      alignTotalMs: m('total'),
      warpRenderMs: m('warp'),
      deghostRenderMs: m('deghost'),
      maxTranslationErrorPx: Number(translationError.toFixed(3)),
      maxRotationErrorDeg: Number(rotationError.toFixed(4)),
      methods: methodCounts(last.motions),
      crop: `${last.crop.width}×${last.crop.height}`,
    });
    details.push({
      size: size.label,
      samples: r.samples,
      motions: last.motions.map((mo: Motion, k) => ({ ...mo, truth: truths[k] })),
      crop: last.crop,
    });
    console.log(JSON.stringify(rows[rows.length - 1]));
  });
}

/** How the moved brackets' motions were found (the last run), e.g. "3 refined, 1 translation". */
function methodCounts(motions: readonly Motion[]): string {
  const n = new Map<string, number>();
  for (const m of motions) if (m.method !== 'reference') n.set(m.method, (n.get(m.method) ?? 0) + 1);
  return [...n].map(([k, v]) => `${v} ${k}`).join(', ');
}

/** How much larger than the frame the scene is drawn on each side: the largest translation plus the largest rotation's travel at the corners. */
function sceneMargin(size: { width: number; height: number; maxShift: number }): number {
  return Math.ceil(size.maxShift + Math.sin((MAX_ROTATION * Math.PI) / 180) * Math.hypot(size.width, size.height) * 0.5) + 4;
}

test.afterAll(() => {
  if (rows.length === 0) return;
  const result = { date: new Date().toISOString(), browser: `Chromium ${browserVersion}`, adapter, rows, details };
  const cols = Object.keys(rows[0]!);
  console.log(['', ...cols, ''].join(' | ').trim());
  console.log(['', ...cols.map(() => '---'), ''].join(' | ').trim());
  for (const row of rows) console.log(['', ...cols.map((c) => String(row[c])), ''].join(' | ').trim());
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`./results/${result.date.slice(0, 10)}-handheld.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
});
