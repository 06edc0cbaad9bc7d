// Exposure fusion timings per stage: 3, 5 and 9 brackets at 2 MP and 12 MP, on
// the headless engine (no canvas), from brackets made in the page out of the
// bundled sample (so it runs anywhere, no ../shared needed).
//   first     setBrackets → render: upload, fusion, preview downsample and finish
//   stages    the same fusion again, one submission per step, summed per phase
//             (weights, pyramid = Gaussian reduce, blend, collapse)
//   weight    one weight-slider change: re-fuse at full size, then the preview
//   exposure  one final-exposure change: the preview finish only
//   export    full-size finish and read-back
// Wall times, median of the runs; prints a table and writes bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { test } from '@playwright/test';
import { appUrl } from '../e2e/helpers';

const SIZES = [
  { label: '2 MP', width: 1732, height: 1155 },
  { label: '12 MP', width: 4240, height: 2832 },
];
const COUNTS = [3, 5, 9];
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** 12 MP takes minutes per run on a software adapter: one run there unless BENCH_RUNS says otherwise. */
const runsFor = (label: string) => (process.env.BENCH_RUNS || label === '2 MP' ? RUNS : 1);
const rows: Record<string, unknown>[] = [];
let adapter = '';
let browserVersion = '';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

test.describe.configure({ mode: 'serial' });

for (const size of SIZES) {
  for (const count of COUNTS) {
    test(`fusion of ${count} brackets at ${size.label}`, async ({ page, browser }) => {
      test.setTimeout(30 * 60_000);
      browserVersion = browser.version();
      await page.goto(appUrl());
      await page.waitForFunction(() => document.querySelector('[data-testid=app]')?.getAttribute('data-busy') === 'false');
      const r = await page.evaluate(
        async ({ width, height, count, runs }) => {
          const { engine } = (window as unknown as { __hdr: { engine: typeof import('../src/engine') } }).__hdr;
          // count brackets from the three sample exposures, spaced by a brightness ramp.
          const sources = await Promise.all([1, 2, 3].map(async (i) => createImageBitmap(await (await fetch(`sample/goldengate-${i}.jpg`)).blob())));
          const brackets = [];
          for (let k = 0; k < count; k++) {
            const t = count === 1 ? 0 : k / (count - 1);
            const c = new OffscreenCanvas(width, height);
            const g = c.getContext('2d')!;
            g.filter = `brightness(${(0.8 + 0.4 * ((t * 2) % 1)).toFixed(3)})`;
            g.drawImage(sources[Math.min(2, Math.floor(t * 2.999))]!, 0, 0, width, height);
            brackets.push({ width, height, pixels: g.getImageData(0, 0, width, height).data, exposure: 2 ** k });
          }
          const e = await engine.createEngine();
          const samples: Record<string, number[]> = { first: [], weights: [], pyramid: [], blend: [], collapse: [], weight: [], exposure: [], export: [] };
          try {
            const p = e.pipeline;
            p.setMode('fusion');
            p.setViewport(1280, 800);
            let params = engine.defaultParams();
            for (let run = 0; run < runs; run++) {
              let t = performance.now();
              p.setBrackets(brackets);
              await p.render();
              samples.first!.push(performance.now() - t);
              const phases = await p.debug.profileFusion();
              for (const [k, v] of Object.entries(phases)) samples[k]!.push(v);
              params = { ...params, contrastWeight: params.contrastWeight === 1 ? 0.8 : 1 };
              p.setParams(params);
              t = performance.now();
              await p.render();
              samples.weight!.push(performance.now() - t);
              params = { ...params, exposure: params.exposure === 0 ? 0.5 : 0 };
              p.setParams(params);
              t = performance.now();
              await p.render();
              samples.exposure!.push(performance.now() - t);
              t = performance.now();
              await p.exportRgba8();
              samples.export!.push(performance.now() - t);
            }
            return { samples, adapter: e.gpu.adapterInfo };
          } finally {
            e.dispose();
          }
        },
        { width: size.width, height: size.height, count, runs: runsFor(size.label) },
      );
      adapter = r.adapter;
      const m = (k: string) => Math.round(median(r.samples[k]!));
      rows.push({
        size: size.label,
        brackets: count,
        runs: runsFor(size.label),
        firstFrameMs: m('first'),
        weightsMs: m('weights'),
        pyramidMs: m('pyramid'),
        blendMs: m('blend'),
        collapseMs: m('collapse'),
        weightChangeMs: m('weight'),
        exposureChangeMs: m('exposure'),
        exportMs: m('export'),
      });
      console.log(JSON.stringify(rows[rows.length - 1]));
    });
  }
}

test.afterAll(() => {
  if (rows.length === 0) return;
  const result = { date: new Date().toISOString(), browser: `Chromium ${browserVersion}`, adapter, rows };
  console.table(rows);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`./results/${result.date.slice(0, 10)}-fusion.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
});
