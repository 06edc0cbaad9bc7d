// Interactive timings of the editor: drop to the first picture (a draft at
// canvas size, src/engine/draft/draft.ts) and to the full-size one, one exposure-slider
// frame, one tone-curve drag frame (at fit and at 100 %), one operator change
// (merge mode), one fusion-weight drag frame (a draft; fusion mode) and the
// full-size fusion once the drag ends, and the full-size finish after a curve or operator change (the
// export path: tone map + curve at full resolution, read back); in fusion and
// in merge mode, for 3 brackets at 2 MP and 12 MP made in the page
// from the bundled sample (so it runs anywhere, no ../shared needed).
// Wall times, median of the runs; prints a table and writes bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { test } from '@playwright/test';
import { appUrl } from '../e2e/helpers';

const SIZES = [
  { label: '2 MP', width: 1732, height: 1155 },
  { label: '12 MP', width: 4240, height: 2832 },
].filter((s) => !process.env.BENCH_SIZE || s.label === process.env.BENCH_SIZE);
/** Steps of each scripted drag (p50 and p95 are over these). */
const SLIDER_STEPS = 60;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

/** 12 MP takes minutes per run on a software adapter: one run there unless BENCH_RUNS says otherwise. */
const runsFor = (label: string) => (process.env.BENCH_RUNS || label === '2 MP' ? RUNS : 1);
const rows: Record<string, unknown>[] = [];
let meta: Record<string, unknown> = {};

test.describe.configure({ mode: 'serial' });

for (const size of SIZES)
  for (const mode of ['fusion', 'merge'] as const)
    test(`interactive timings: ${mode} at ${size.label}`, async ({ page, browser }) => {
      test.setTimeout(40 * 60_000);
      await page.goto(appUrl());
      await page.waitForFunction(() => document.querySelector('[data-testid=app]')?.getAttribute('data-busy') === 'false');
      const adapter = await page.evaluate(() => {
        const s = (window as unknown as { __hdr: { store: { getState(): { gpu: { state: string; adapter?: string } } } } }).__hdr.store.getState();
        return s.gpu.adapter ?? s.gpu.state;
      });
      {
        const samples: Record<'picture' | 'fullPicture' | 'first' | 'decode' | 'slider' | 'weight' | 'weightSettle' | 'exportMs' | 'curve' | 'curve100' | 'operator' | 'curveFull' | 'operatorFull', number[]> = {
          picture: [],
          fullPicture: [],
          weight: [],
          weightSettle: [],
          first: [],
          decode: [],
          slider: [],
          exportMs: [],
          curve: [],
          curve100: [],
          operator: [],
          curveFull: [],
          operatorFull: [],
        };
        for (let run = 0; run < runsFor(size.label); run++) {
          const r = await page.evaluate(
            async ({ width, height, steps, mode }) => {
              type H = {
                __hdr: {
                  store: {
                    getState(): {
                      setMode(m: string): void;
                      setParam(n: string, v: number): void;
                      setCurve(c: string, p: { x: number; y: number }[]): void;
                      resetCurves(): void;
                      setView(v: { zoom: number | 'fit'; center: [number, number] }): void;
                      progress: { step: string } | null;
                    };
                    subscribe(f: (s: { progress: { step: string } | null }) => void): () => void;
                  };
                  bridge: {
                    settled(): Promise<void>;
                    engine: {
                      pipeline: {
                        exportRgba8(): Promise<{ data: Uint8Array }>;
                        render(opts?: { draft?: boolean }): Promise<void>;
                        debug: { runs: { present: number; merge: number; fusion: number } };
                        readonly drafted: boolean;
                      };
                    };
                  };
                };
              };
              const { store, bridge } = (window as unknown as H).__hdr;
              store.getState().setMode(mode);
              // Brackets: the bundled sample scaled to size, re-encoded as JPEG.
              const files: File[] = [];
              for (let i = 1; i <= 3; i++) {
                const bmp = await createImageBitmap(await (await fetch(`sample/goldengate-${i}.jpg`)).blob());
                const c = new OffscreenCanvas(width, height);
                c.getContext('2d')!.drawImage(bmp, 0, 0, width, height);
                files.push(new File([await c.convertToBlob({ type: 'image/jpeg', quality: 0.92 })], `bench-${i}.jpg`, { type: 'image/jpeg' }));
              }
              const app = document.querySelector('[data-testid=app]')!;
              const idle = () =>
                new Promise<void>((resolve) => {
                  const check = () => app.getAttribute('data-busy') === 'false' && (obs.disconnect(), resolve());
                  const obs = new MutationObserver(check);
                  obs.observe(app, { attributes: true });
                  setTimeout(check, 0);
                });
              let decodeEnd = 0;
              const unsub = store.subscribe((s) => {
                if (!decodeEnd && s.progress?.step.endsWith('on the GPU')) decodeEnd = performance.now();
              });
              const dt = new DataTransfer();
              files.forEach((f) => dt.items.add(f));
              const pipeline = bridge.engine.pipeline;
              /** Resolves at the first animation frame after the next present (a frame on the canvas, draft or full). */
              // The counters move when a pass is encoded, not when the GPU is done with it: a frame is on the canvas
              // when the render() that presented it resolves (it waits for the queue).
              const waiting: { full: boolean; m0: number; resolve: () => void }[] = [];
              const render = pipeline.render.bind(pipeline);
              pipeline.render = async (opts) => {
                const n0 = pipeline.debug.runs.present;
                await render(opts);
                if (pipeline.debug.runs.present === n0) return;
                for (const w of waiting.splice(0)) {
                  if (!w.full || (!pipeline.drafted && pipeline.debug.runs[mode] > w.m0)) w.resolve();
                  else waiting.push(w);
                }
              };
              /** The next frame on the canvas; full: the first one with the full-size merge or fusion (not a draft). */
              const presented = (full = false) => new Promise<void>((resolve) => waiting.push({ full, m0: pipeline.debug.runs[mode], resolve }));
              const firstFrame = presented();
              const fullFrame = presented(true);
              const t0 = performance.now();
              document.querySelector('[data-testid=drop-zone]')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
              await firstFrame;
              const picture = performance.now() - t0;
              await fullFrame;
              const fullPicture = performance.now() - t0;
              await new Promise((r) => setTimeout(r, 0));
              await idle();
              const first = performance.now() - t0;
              unsub();
              const slider: number[] = [];
              for (let i = 0; i < steps; i++) {
                const t = performance.now();
                store.getState().setParam('exposure', Math.sin(i / 4) * 2);
                await bridge.settled();
                slider.push(performance.now() - t);
              }
              const te = performance.now();
              await bridge.engine.pipeline.exportRgba8();
              const exportMs = performance.now() - te;
              // A curve point dragged up and down: one frame per store write.
              const drag = async (n: number) => {
                const out: number[] = [];
                for (let i = 0; i < n; i++) {
                  const t = performance.now();
                  store.getState().setCurve('luma', [
                    { x: 0, y: 0 },
                    { x: 0.4, y: 0.4 + 0.2 * Math.sin(i / 3) },
                    { x: 1, y: 1 },
                  ]);
                  await bridge.settled();
                  out.push(performance.now() - t);
                }
                return out;
              };
              const curve = await drag(steps);
              const timed = async (f: () => Promise<unknown>) => {
                const t = performance.now();
                await f();
                return performance.now() - t;
              };
              // Full size after a curve change: the export's finish (tone map + curve + read back).
              store.getState().setCurve('luma', [
                { x: 0, y: 0 },
                { x: 0.5, y: 0.6 },
                { x: 1, y: 1 },
              ]);
              const curveFull = await timed(() => bridge.engine.pipeline.exportRgba8());
              // At 100 %, the visible region of the full-resolution result.
              store.getState().setView({ zoom: 1, center: [0.5, 0.5] });
              await bridge.settled();
              const curve100 = await drag(steps);
              store.getState().setView({ zoom: 'fit', center: [0.5, 0.5] });
              store.getState().resetCurves();
              await bridge.settled();
              // A fusion weight dragged: the time from each store write to the frame on the canvas (a draft), then the
              // full-size fusion once the drag stops (the settle).
              const weight: number[] = [];
              let weightSettle = 0;
              if (mode === 'fusion') {
                for (let i = 0; i < steps; i++) {
                  const t = performance.now();
                  const frame = presented();
                  store.getState().setParam('contrastWeight', 0.6 + 0.4 * Math.sin(i / 4));
                  await frame;
                  weight.push(performance.now() - t);
                }
                weightSettle = await timed(() => bridge.settled());
              }
              const operator: number[] = [];
              let operatorFull = 0;
              if (mode === 'merge') {
                // Each of the six operators in turn, twice.
                for (let i = 1; i <= 12; i++) operator.push(await timed(() => (store.getState().setParam('toneOperator', i % 6), bridge.settled())));
                store.getState().setParam('toneOperator', 3);
                operatorFull = await timed(() => bridge.engine.pipeline.exportRgba8());
                store.getState().setParam('toneOperator', 0);
                await bridge.settled();
              }
              return { picture, fullPicture, first, decode: decodeEnd - t0, slider, weight, weightSettle, exportMs, curve, curve100, operator, curveFull, operatorFull };
            },
            { width: size.width, height: size.height, steps: SLIDER_STEPS, mode },
          );
          samples.picture.push(r.picture);
          samples.fullPicture.push(r.fullPicture);
          samples.weight.push(...r.weight);
          if (mode === 'fusion') samples.weightSettle.push(r.weightSettle);
          samples.first.push(r.first);
          samples.decode.push(r.decode);
          samples.slider.push(...r.slider);
          samples.exportMs.push(r.exportMs);
          samples.curve.push(...r.curve);
          samples.curve100.push(...r.curve100);
          samples.operator.push(...r.operator);
          samples.curveFull.push(r.curveFull);
          if (mode === 'merge') samples.operatorFull.push(r.operatorFull);
        }
        rows.push({
          size: size.label,
          mode,
          dropToFirstPictureMs: Math.round(median(samples.picture)),
          dropToFullPictureMs: Math.round(median(samples.fullPicture)),
          /** Until the app is idle: the full-size picture, and the alignment estimate that follows it. */
          dropToIdleMs: Math.round(median(samples.first)),
          decodeMs: Math.round(median(samples.decode)),
          sliderFrameP50Ms: Math.round(pct(samples.slider, 0.5)),
          sliderFrameP95Ms: Math.round(pct(samples.slider, 0.95)),
          weightFrameP50Ms: samples.weight.length ? Math.round(pct(samples.weight, 0.5)) : null,
          weightFrameP95Ms: samples.weight.length ? Math.round(pct(samples.weight, 0.95)) : null,
          weightSettleMs: samples.weightSettle.length ? Math.round(median(samples.weightSettle)) : null,
          exportTonemapMs: Math.round(median(samples.exportMs)),
          curveFrameP50Ms: Math.round(pct(samples.curve, 0.5)),
          curveFrameP95Ms: Math.round(pct(samples.curve, 0.95)),
          curveFrame100pcP50Ms: Math.round(pct(samples.curve100, 0.5)),
          curveFullSizeMs: Math.round(median(samples.curveFull)),
          operatorFrameP50Ms: samples.operator.length ? Math.round(pct(samples.operator, 0.5)) : null,
          operatorFrameP95Ms: samples.operator.length ? Math.round(pct(samples.operator, 0.95)) : null,
          operatorFullSizeMs: samples.operatorFull.length ? Math.round(median(samples.operatorFull)) : null,
        });
      }
      meta = { browser: `Chromium ${browser.version()}`, adapter, viewport: page.viewportSize(), runs: { '2 MP': runsFor('2 MP'), '12 MP': runsFor('12 MP') } };
    });

test.afterAll(() => {
  if (!rows.length) return;
  const result = { date: new Date().toISOString(), ...meta, rows };
  console.table(rows);
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`./results/${result.date.slice(0, 10)}-interactive.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
});
