// Large sets tile by tile (issue 15): peak GPU memory per set and the cost of
// tiling, on synthetic 8-bit sets of 5 brackets 1 EV apart made in the page
// (a deterministic scene: sky gradient, a sun, a dark interior with a barred
// window, fine texture and per-pixel noise), at 12, 24, 61 and 100 MP (3:2),
// in merge and fusion mode, with the GPU budget set to 1 GiB and unset.
//
//   E2E_PORT=4302 npm run bench -- tiling.bench.ts
//   BENCH_TILING_LIMIT_MIN=20   wall-time limit of this file (default 20; see below)
//   BENCH_TILING_FULL=1         no limit: every case, every run
//   BENCH_TILING_RUNS=3         runs per case where time allows (median)
//   BENCH_TILING_SIZES=12MP,100MP | 2400x1600   some sizes only, and
//   BENCH_TILING_CASES=fusion,unset   only the cases whose mode or budget label is
//                               listed (then the results go to test-results/, not
//                               bench/results/)
//   BENCH_TILING_BUDGET_MIB=1024  the explicit budget (another for a trial on small sizes)
//
// Per run, on a fresh headless Pipeline on the page's one WebGPU device (so
// Dawn's pipeline cache is warm after the warm-up), viewport 1280×800,
// default params:
//   load     setBrackets + render(): the settled first picture (the
//            whole-image graph; for a tiled set the CPU proxy, the proxy
//            graph and the full-size sweep that gives it its result: in merge
//            mode the statistics sweep, in fusion mode, for a set within the
//            texture limit, the full-size fusion; beyond it the proxy fuses
//            its own brackets)
//   export   exportRgba8(): the full-size 8-bit export (whole image: the
//            finish and read-back of what the render made; tiled: each tile
//            copied from what the sweep kept, on the GPU or in CPU memory
//            (graph/radiance-cache.ts); a fusion beyond the texture limit
//            runs pass 1 (which keeps the blended fine bands) and each tile's
//            collapse; then finished and read back)
//   peak     Resources.peakBytes over load + export (resetPeak() before
//            setBrackets): the most bytes of textures and buffers the engine
//            held at once. Read-back staging buffers are not counted (they
//            are made outside Resources), nor is CPU memory.
// Budget unset: a set within the adapter's texture limit runs on the
// whole-image graph; one beyond it is tiled with the default budget
// (graph/budget.ts). Time per MP: (load + export) ÷ MP, tiled (1 GiB) ÷
// untiled (unset), on the sizes that fit untiled; verdict against +15 %.
// The verdict takes the median of paired ratios: run i tiled ÷ run i
// untiled, the two run back to back, the order reversed at every further
// run. This VM's speed drifts by 20–40 % over minutes (the same tile of
// work took 2.6 s in one run and 3.4 s in the next, with no steal time
// reported), so a ratio of medians over runs minutes apart says more about
// when each ran than about tiling.
//
// Time limit: on a software adapter the full grid takes well over an hour
// (fusion tiled runs ~15 s per MP on 2 cores). The smallest size's four
// cases always run; the others run in priority order (merge before fusion;
// merge from the largest size down, fusion from the smallest up; extra runs
// for the median last) while the elapsed time, the case's estimate (its
// mode's and path's ms per MP measured so far, +10 %, plus making the set)
// and the estimates of every higher-priority case still to come fit the
// limit. A case left out is in the results with its estimate and the reason.
// Writes bench/results/<date>-tiling.json and .md and prints the tables.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { test, type Page } from '@playwright/test';
import { appUrl } from '../e2e/helpers';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const BRACKETS = 5;
const MODES = ['merge', 'fusion'] as const;
type Mode = (typeof MODES)[number];
const BUDGET_MIB = Number(process.env.BENCH_TILING_BUDGET_MIB ?? 1024);
const BUDGET_LABEL = BUDGET_MIB === 1024 ? '1 GiB' : `${BUDGET_MIB} MiB`;
const BUDGETS: { label: string; bytes: number | null }[] = [
  { label: 'unset', bytes: null },
  { label: BUDGET_LABEL, bytes: BUDGET_MIB * MIB },
];

interface Size {
  label: string;
  width: number;
  height: number;
}
const ALL_SIZES: Size[] = [
  { label: '12MP', width: 4240, height: 2832 },
  { label: '24MP', width: 6000, height: 4000 },
  { label: '61MP', width: 9504, height: 6336 },
  { label: '100MP', width: 12288, height: 8192 },
];
const ONLY =
  process.env.BENCH_TILING_SIZES?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) ?? null;
const SIZES: Size[] = ONLY
  ? ONLY.map((s) => {
      const known = ALL_SIZES.find((k) => k.label === s);
      if (known) return known;
      const [w, h] = s.split('x').map(Number);
      return { label: s, width: w!, height: h! };
    })
  : ALL_SIZES;
const RUNS = Number(process.env.BENCH_TILING_RUNS ?? 3);
const FULL = process.env.BENCH_TILING_FULL === '1';
const LIMIT_S = FULL ? Infinity : Number(process.env.BENCH_TILING_LIMIT_MIN ?? 20) * 60;
/** Estimates are measured rates plus this margin. */
const MARGIN = 1.1;
/** Filtered runs are for development: they never replace the full run's files. */
const RESULTS = ONLY || process.env.BENCH_TILING_CASES ? `${ROOT}test-results/bench-tiling/` : `${ROOT}bench/results/`;

interface RunResult {
  tiled: boolean;
  k: number;
  budgetBytes: number | null;
  tiles: number;
  tileCore: [number, number];
  loadMs: number;
  exportMs: number;
  peakBytes: number;
}

interface Row {
  size: string;
  width: number;
  height: number;
  mp: number;
  mode: Mode;
  budget: string;
  /** Why the case did not run. */
  skipped?: string;
  skippedShort?: string;
  /** Whether the whole-image graph can hold the set on this adapter (its texture-size limit). */
  wholeImage: string;
  path?: 'whole image' | 'tiled';
  /** Why a set with the budget unset is tiled anyway. */
  tiledBecause?: string;
  /** The proxy's factor (1: no proxy). */
  k?: number;
  /** The budget the tiled path planned with (the default one where unset). */
  effectiveBudgetBytes?: number | null;
  tiles?: number;
  tileCore?: [number, number];
  runs?: number;
  loadMs?: number;
  exportMs?: number;
  msPerMp?: number;
  peakBytes?: number;
  /** The whole-image estimate the pipeline decides with (graph/proxy.ts untiledBytesPerPixel × pixels). */
  estimateBytes: number;
  runList?: RunResult[];
}

const mpOf = (s: Size) => (s.width * s.height) / 1e6;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
/** graph/proxy.ts untiledBytesPerPixel for 8-bit brackets. */
const untiledBytesPerPixel = (count: number) => count * 4 + 96;

/**
 * In the page: make the set (kept on window between cases of one size), then
 * run one case once, on a fresh Pipeline.
 */
async function pageCase(args: { width: number; height: number; mode: Mode; budget: number | null }) {
  type Engine = typeof import('../src/engine');
  type Bracket = import('../src/engine').Bracket;
  type Pipeline = import('../src/engine').Pipeline;
  const w = window as unknown as {
    __hdr: { engine: Engine };
    __tiling?: { key: string; set: Bracket[]; device: GPUDevice; adapter: string };
  };
  const { engine } = w.__hdr;
  const { width, height, mode, budget } = args;

  /** 5 brackets 1 EV apart of a scene defined in image fractions (the same picture at every size). */
  function makeSet(width: number, height: number): Bracket[] {
    const exposures = [0.25, 0.5, 1, 2, 4];
    // Scene values are quantised on a log2 scale, then each bracket's 8-bit code comes from a table.
    const N = 4096;
    const [L0, L1] = [-12, 5];
    const luts = exposures.map((e) => {
      const t = new Uint8Array(N);
      for (let i = 0; i < N; i++) t[i] = Math.round(255 * Math.min(1, (2 ** (L0 + ((L1 - L0) * i) / (N - 1)) * e) ** (1 / 2.2)));
      return t;
    });
    const out = exposures.map(() => new Uint8Array(width * height * 4));
    const row = new Uint16Array(width * 3);
    const tint = [
      [1, 0.85, 0.7],
      [0.75, 0.85, 1],
    ];
    const scale = (N - 1) / (L1 - L0);
    for (let y = 0; y < height; y++) {
      const v = y / height;
      for (let x = 0; x < width; x++) {
        const u = x / width;
        let s: number;
        let t: number[];
        if (v < 0.45) {
          // Sky: a gradient, brighter towards a sun at (0.7, 0.15), clouds from two sines.
          const d2 = (u - 0.7) ** 2 + ((v - 0.15) * 0.667) ** 2;
          s = d2 < 0.0009 ? 24 : 1.5 + 4 * Math.exp(-d2 * 40) + 0.8 * Math.sin(u * 31 + Math.sin(v * 17) * 3) * Math.sin(v * 23);
          t = tint[1]!;
        } else {
          // Interior: dark, a lit window with bars, fine texture.
          const inWindow = u > 0.12 && u < 0.38 && v > 0.55 && v < 0.85;
          const bar = inWindow && (Math.abs(((u - 0.12) * 40) % 1) < 0.12 || Math.abs(((v - 0.55) * 30) % 1) < 0.12);
          s = inWindow ? (bar ? 0.01 : 3 + 2 * v) : 0.004 + 0.05 * u * (1 + 0.5 * Math.sin(x * 0.37) * Math.sin(y * 0.29));
          t = tint[0]!;
        }
        // Per-pixel noise from an integer hash: ±8 %.
        let h = Math.imul(x, 0x9e3779b1) ^ Math.imul(y, 0x85ebca77);
        h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
        const n = 0.92 + 0.16 * (((h ^ (h >>> 13)) >>> 0) / 4294967296);
        for (let c = 0; c < 3; c++) {
          const l = Math.log2(Math.max(2 ** L0, s * n * t[c]!));
          row[x * 3 + c] = Math.min(N - 1, Math.round((l - L0) * scale));
        }
      }
      for (let b = 0; b < exposures.length; b++) {
        const lut = luts[b]!;
        const px = out[b]!;
        let o = y * width * 4;
        for (let i = 0; i < width * 3; i += 3, o += 4) {
          px[o] = lut[row[i]!]!;
          px[o + 1] = lut[row[i + 1]!]!;
          px[o + 2] = lut[row[i + 2]!]!;
          px[o + 3] = 255;
        }
      }
    }
    return out.map((pixels, i) => ({ width, height, pixels, exposure: exposures[i]! }));
  }

  let state = w.__tiling;
  if (!state) {
    const e = await engine.createEngine();
    state = w.__tiling = { key: '', set: [], device: e.gpu.device, adapter: e.gpu.adapterInfo };
  }
  const key = `${width}x${height}`;
  let makeMs = 0;
  if (state.key !== key) {
    state.set = [];
    const t = performance.now();
    state.set = makeSet(width, height);
    state.key = key;
    makeMs = performance.now() - t;
  }
  const device = state.device;
  const p: Pipeline = new engine.Pipeline({ device });
  try {
    p.setGpuBudget(budget);
    p.setParams(engine.defaultParams());
    p.setMode(mode);
    p.setViewport(1280, 800);
    p.res.resetPeak();
    const t0 = performance.now();
    p.setBrackets(state.set);
    await p.render();
    const t1 = performance.now();
    const out = await p.exportRgba8();
    const t2 = performance.now();
    if (out.width !== width || out.height !== height) throw new Error(`export is ${out.width}×${out.height}, not ${width}×${height}`);
    // What the tiled path planned (private: read for the bench only).
    const large = (p as unknown as { large: { k: number; tiled: { budget: number; plan(m: Mode, d: boolean, l: GPUSupportedLimits): { tiles: unknown[]; coreWidth: number; coreHeight: number } } } | null }).large;
    const plan = large?.tiled.plan(mode, false, device.limits);
    const l = device.limits;
    const result: RunResult = {
      tiled: !!large,
      k: large?.k ?? 1,
      budgetBytes: large?.tiled.budget ?? null,
      tiles: plan?.tiles.length ?? 1,
      tileCore: plan ? [plan.coreWidth, plan.coreHeight] : [width, height],
      loadMs: t1 - t0,
      exportMs: t2 - t1,
      peakBytes: p.res.peakBytes,
    };
    return {
      result,
      makeMs,
      adapter: state.adapter,
      limits: { maxTextureDimension2D: l.maxTextureDimension2D, maxBufferSize: l.maxBufferSize, maxStorageBufferBindingSize: l.maxStorageBufferBindingSize },
    };
  } finally {
    p.dispose();
    await device.queue.onSubmittedWorkDone();
  }
}

interface Case {
  size: Size;
  mode: Mode;
  budget: { label: string; bytes: number | null };
  /** Lower runs first when time is short (0: always runs). */
  priority: number;
  runs: RunResult[];
  skipped?: string;
  /** The reason in a few words, for the table. */
  skippedShort?: string;
}

const bySize = [...SIZES].sort((a, b) => mpOf(a) - mpOf(b));
const baseline = bySize[0]!;
const rank = (s: Size) => bySize.indexOf(s);
function priorityOf(size: Size, mode: Mode, budget: { bytes: number | null }): number {
  if (size === baseline) return 0;
  const unset = budget.bytes === null ? 0 : 1;
  // Merge from the largest size down (what tiling is for), then fusion from the smallest up (it costs most).
  return mode === 'merge' ? 1 + 2 * (bySize.length - 1 - rank(size)) + unset : 100 + 2 * rank(size) + unset;
}
const CASES = process.env.BENCH_TILING_CASES?.split(',').map((s) => s.trim()) ?? null;
const wanted = (mode: Mode, budget: string) =>
  !CASES || ((CASES.some((m) => MODES.includes(m as Mode)) ? CASES.includes(mode) : true) && (CASES.some((b) => BUDGETS.some((x) => x.label === b)) ? CASES.includes(budget) : true));
const cases: Case[] = SIZES.flatMap((size) =>
  MODES.flatMap((mode) => BUDGETS.filter((budget) => wanted(mode, budget.label)).map((budget) => ({ size, mode, budget, priority: priorityOf(size, mode, budget), runs: [] }))),
);
/** A further run of a case (for the median): after every case has had one. */
const EXTRA_RUN_PRIORITY = 1000;

const started = Date.now();
const loadStart = loadavg();
let adapter = '';
let limits = { maxTextureDimension2D: 8192, maxBufferSize: 0, maxStorageBufferBindingSize: 0 };
let browserVersion = '';
/** ms per MP measured so far (the latest, so the largest size): `${mode} ${path}` and 'set' (making a set). */
const rates = new Map<string, { msPerMp: number; from: string }>();
const made = new Set<string>();
const log: string[] = [];

const elapsedS = () => (Date.now() - started) / 1000;
const tiledPath = (c: { size: Size; budget: { bytes: number | null } }) =>
  Math.max(c.size.width, c.size.height) > limits.maxTextureDimension2D || (c.budget.bytes !== null && c.size.width * c.size.height * untiledBytesPerPixel(BRACKETS) > c.budget.bytes);
const rateKey = (c: Case) => `${c.mode} ${tiledPath(c) ? 'tiled' : 'whole image'}`;

/** Seconds one run of the case should take (null: no rate measured yet), without making its set. */
function estimateS(c: Case): number | null {
  const rate = rates.get(rateKey(c));
  return rate ? (rate.msPerMp * MARGIN * mpOf(c.size)) / 1000 : null;
}

/** Seconds to make the sets of these sizes that are not made yet. */
function setsS(sizes: Size[]): number {
  const perMp = rates.get('set')?.msPerMp ?? 0;
  return [...new Set(sizes)].filter((s) => !made.has(s.label)).reduce((sum, s) => sum + (perMp * mpOf(s)) / 1000, 0);
}

/** Whether a run of `c` at `priority` fits the limit with every higher-priority case still to come; else why not. */
function fits(c: Case, priority: number): { reason: string; short: string } | null {
  if (priority === 0 || !Number.isFinite(LIMIT_S)) return null;
  const own = estimateS(c);
  if (own === null) return null;
  const ahead = cases.filter((o) => o !== c && o.runs.length === 0 && !o.skipped && o.priority < priority);
  const reserved = ahead.reduce((s, o) => s + (estimateS(o) ?? 0), 0) + setsS(ahead.map((o) => o.size).filter((s) => s !== c.size));
  const total = own + setsS([c.size]);
  if (elapsedS() + total + reserved <= LIMIT_S) return null;
  const rate = rates.get(rateKey(c))!;
  const reason =
    `for time: estimated ${Math.round(total)} s (${rateKey(c)} at ${Math.round(rate.msPerMp)} ms/MP as measured at ${rate.from}, +10 %${made.has(c.size.label) ? '' : ', and making the set'}), ` +
    `with ${Math.round(elapsedS())} s spent and ${Math.round(reserved)} s kept for ${ahead.length} case${ahead.length === 1 ? '' : 's'} of higher priority: over this bench's ${Math.round(LIMIT_S / 60)}-minute limit (BENCH_TILING_LIMIT_MIN; BENCH_TILING_FULL=1 runs everything)`;
  return { reason, short: `skipped for time (estimate ${Math.round(total)} s)` };
}

async function runCase(page: Page, c: Case): Promise<void> {
  const t = Date.now();
  let r: Awaited<ReturnType<typeof pageCase>>;
  try {
    r = await page.evaluate(pageCase, { width: c.size.width, height: c.size.height, mode: c.mode, budget: c.budget.bytes });
  } catch (err) {
    // Recorded, and the bench goes on with the next case.
    if (c.runs.length === 0) c.skippedShort = 'failed (see below)';
    if (c.runs.length === 0) c.skipped = `failed after ${Math.round((Date.now() - t) / 1000)} s: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
    log.push(`${c.size.label} ${c.mode} budget ${c.budget.label}: ${c.skipped ?? 'a further run failed'}`);
    console.log(log[log.length - 1]);
    return;
  }
  const mp = mpOf(c.size);
  if (r.makeMs) {
    made.add(c.size.label);
    rates.set('set', { msPerMp: r.makeMs / mp, from: c.size.label });
  }
  c.runs.push(r.result);
  rates.set(`${c.mode} ${r.result.tiled ? 'tiled' : 'whole image'}`, { msPerMp: (r.result.loadMs + r.result.exportMs) / mp, from: c.size.label });
  const line = `${c.size.label} ${c.mode} budget ${c.budget.label} run ${c.runs.length} (${Math.round((Date.now() - t) / 1000)} s${r.makeMs ? `, set made in ${Math.round(r.makeMs)} ms` : ''}): ${JSON.stringify(r.result)}`;
  log.push(line);
  console.log(line);
}

function skip(c: Case, why: { reason: string; short: string }): void {
  c.skipped = why.reason;
  c.skippedShort = why.short;
  const reason = why.reason;
  const line = `${c.size.label} ${c.mode} budget ${c.budget.label}: skipped ${reason}`;
  log.push(line);
  console.log(line);
}

/** Drop the page's set (it is GBs at 100 MP). */
async function dropSet(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __tiling?: { key: string; set: unknown[] } };
    if (w.__tiling) w.__tiling = { ...w.__tiling, key: '', set: [] };
  });
  made.clear();
}

let page: Page;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  browserVersion = browser.version();
  page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`[page] ${m.text()}`);
  });
  await page.goto(appUrl());
  await page.waitForFunction(() => document.querySelector('[data-testid=app]')?.getAttribute('data-busy') === 'false');
});

test('warm-up: both paths, both modes, at 0.5 MP', async () => {
  test.setTimeout(10 * 60_000);
  for (const mode of MODES) {
    for (const budget of [null, 40 * MIB]) {
      const r = await page.evaluate(pageCase, { width: 864, height: 576, mode, budget });
      adapter = r.adapter;
      limits = r.limits;
      console.log(`warm-up ${mode} ${budget === null ? 'unset' : '40 MiB'}: ${JSON.stringify(r.result)}`);
    }
  }
  await dropSet(page);
});

for (const size of SIZES) {
  test(`${size.label} (${size.width}×${size.height}) × ${BRACKETS}: both modes, budget ${BUDGET_LABEL} and unset`, async () => {
    test.setTimeout(Number.isFinite(LIMIT_S) ? LIMIT_S * 1000 + 10 * 60_000 : 4 * 3600_000);
    const mine = cases.filter((c) => c.size === size);
    for (const c of mine) {
      const why = fits(c, c.priority);
      if (why) skip(c, why);
      else await runCase(page, c);
    }
    // Further runs for the median, interleaved, in reverse order at every other run (whole image, tiled; then tiled,
    // whole image; …) so that each pair runs back to back and neither path always runs first.
    const timed = mine.filter((c) => c.runs.length > 0 && !tiledPath({ size, budget: { bytes: null } }));
    for (let run = 2; run <= RUNS; run++) {
      for (const c of run % 2 === 0 ? [...timed].reverse() : timed) {
        if (fits(c, EXTRA_RUN_PRIORITY + rank(size))) break;
        await runCase(page, c);
      }
    }
    await dropSet(page);
  });
}

function rowOf(c: Case): Row {
  const side = Math.max(c.size.width, c.size.height);
  const estimateBytes = c.size.width * c.size.height * untiledBytesPerPixel(BRACKETS);
  const wholeImage = side > limits.maxTextureDimension2D ? `impossible: ${side} px > maxTextureDimension2D ${limits.maxTextureDimension2D}` : `possible (estimate ${Math.round(estimateBytes / MIB)} MiB)`;
  const base: Row = { size: c.size.label, width: c.size.width, height: c.size.height, mp: mpOf(c.size), mode: c.mode, budget: c.budget.label, wholeImage, estimateBytes };
  if (c.runs.length === 0) return { ...base, skipped: c.skipped ?? 'not run (the bench stopped before it)', skippedShort: c.skippedShort ?? 'not run' };
  const first = c.runs[0]!;
  return {
    ...base,
    path: first.tiled ? 'tiled' : 'whole image',
    tiledBecause: first.tiled && c.budget.bytes === null ? `${side} px > maxTextureDimension2D ${limits.maxTextureDimension2D}` : undefined,
    k: first.k,
    effectiveBudgetBytes: first.budgetBytes,
    tiles: first.tiles,
    tileCore: first.tileCore,
    runs: c.runs.length,
    loadMs: Math.round(median(c.runs.map((x) => x.loadMs))),
    exportMs: Math.round(median(c.runs.map((x) => x.exportMs))),
    msPerMp: Math.round(median(c.runs.map((x) => (x.loadMs + x.exportMs) / base.mp))),
    peakBytes: Math.max(...c.runs.map((x) => x.peakBytes)),
    runList: c.runs.map((x) => ({ ...x, loadMs: Math.round(x.loadMs), exportMs: Math.round(x.exportMs) })),
  };
}

function ratios(rows: Row[]) {
  const out: { size: string; mode: Mode; untiledMsPerMp: number; tiledMsPerMp: number; tiles: number; runs: string; pairs: number[]; ratio: number; within15: boolean }[] = [];
  for (const r of rows) {
    if (r.budget !== BUDGET_LABEL || r.path !== 'tiled' || r.msPerMp === undefined) continue;
    const u = rows.find((x) => x.size === r.size && x.mode === r.mode && x.budget === 'unset' && x.path === 'whole image' && x.msPerMp !== undefined);
    if (!u) continue;
    // Run i tiled ÷ run i whole image: the two ran back to back.
    const time = (x: RunResult) => x.loadMs + x.exportMs;
    const pairs = r.runList!.flatMap((t, i) => (u.runList![i] ? [time(t) / time(u.runList![i]!)] : []));
    const ratio = median(pairs);
    const round = (v: number) => Math.round(v * 100) / 100;
    out.push({ size: r.size, mode: r.mode, untiledMsPerMp: u.msPerMp!, tiledMsPerMp: r.msPerMp, tiles: r.tiles!, runs: `${u.runs} / ${r.runs}`, pairs: pairs.map(round), ratio: round(ratio), within15: ratio <= 1.15 });
  }
  return out;
}

const mib = (b: number | undefined | null) => (b === undefined || b === null ? '–' : `${Math.round(b / MIB)} MiB`);
const sec = (ms: number | undefined) => (ms === undefined ? '–' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`);

function markdown(result: { date: string; wallS: number; machine: string; rows: Row[]; ratios: ReturnType<typeof ratios> }): string {
  const lines = [
    `# Tiling benchmark, ${result.date.slice(0, 10)}`,
    '',
    result.machine,
    '',
    `Command: \`E2E_PORT=4302 npm run bench -- tiling.bench.ts\` (part of \`npm run bench\`). Wall time of this file: ${(result.wallS / 60).toFixed(1)} min (warm-up and making the sets included; limit ${Number.isFinite(LIMIT_S) ? `${Math.round(LIMIT_S / 60)} min` : 'none'}).`,
    '',
    'Synthetic 8-bit sets made in the page, 5 brackets 1 EV apart (exposures ¼, ½, 1, 2, 4), one scene at every size. Each run: a fresh Pipeline on one device, viewport 1280×800, default params; load = setBrackets + render() (first picture), export = exportRgba8() at full size; peak = Resources.peakBytes over load + export (the textures and buffers the engine holds; read-back staging buffers and CPU memory not counted); peak ÷ budget against the budget the tiled path planned with. Whole-image graph: possible where both sides are within the adapter’s texture limit, with the estimate the pipeline decides with (graph/proxy.ts untiledBytesPerPixel: 5 × 4 + 96 = 116 B/px): with a budget set, a set whose estimate exceeds it is tiled; with the budget unset, only a set beyond the texture limit is, with the default budget (graph/budget.ts: maxBufferSize, at most 2 GiB).',
    '',
    '## Peak GPU memory per set',
    '',
    '| size | mode | budget | whole-image graph | path | proxy k | tiles (core) | peak | peak ÷ budget | load | export | ms per MP | runs |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of result.rows) {
    const size = `${r.size} ${r.width}×${r.height}`;
    if (r.skipped) {
      lines.push(`| ${size} | ${r.mode} | ${r.budget} | ${r.wholeImage} | ${r.skippedShort} | | | | | | | | 0 |`);
      continue;
    }
    const budget = r.budget === 'unset' ? (r.effectiveBudgetBytes ? `unset (default ${mib(r.effectiveBudgetBytes)})` : 'unset') : r.budget;
    const over = r.effectiveBudgetBytes ? (r.peakBytes! / r.effectiveBudgetBytes).toFixed(2) : '–';
    lines.push(
      `| ${size} | ${r.mode} | ${budget} | ${r.wholeImage} | ${r.path} | ${r.k} | ${r.tiles} (${r.tileCore?.join('×')}) | ${mib(r.peakBytes)} | ${over} | ${sec(r.loadMs)} | ${sec(r.exportMs)} | ${r.msPerMp} | ${r.runs} |`,
    );
  }
  const skipped = result.rows.filter((r) => r.skipped);
  if (skipped.length) {
    lines.push('', 'Not run:', '');
    for (const r of skipped) lines.push(`- ${r.size} ${r.mode}, budget ${r.budget}: ${r.skipped}`);
  }
  lines.push(
    '',
    `## Time per megapixel, tiled (${BUDGET_LABEL}) vs untiled (budget unset)`,
    '',
    '(load + export) ÷ MP, median of the runs (runs: untiled / tiled). Pairs: run i tiled ÷ run i untiled, the two back to back, the order reversed at each further run; tiled ÷ untiled is their median.',
    '',
  );
  lines.push('| size | mode | untiled ms/MP | tiled ms/MP | tiles | runs | pairs | tiled ÷ untiled | within +15 % |', '|---|---|---|---|---|---|---|---|---|');
  for (const q of result.ratios)
    lines.push(`| ${q.size} | ${q.mode} | ${q.untiledMsPerMp} | ${q.tiledMsPerMp} | ${q.tiles} | ${q.runs} | ${q.pairs.map((p) => p.toFixed(2)).join(', ')} | ${q.ratio.toFixed(2)} | ${q.within15 ? 'yes' : 'no'} |`);
  const over = result.rows.filter((r) => r.effectiveBudgetBytes && r.peakBytes && r.peakBytes > r.effectiveBudgetBytes);
  if (over.length) {
    lines.push('', '## Over the budget', '');
    for (const r of over) lines.push(`- ${r.size} ${r.mode}, budget ${mib(r.effectiveBudgetBytes)}: peak ${mib(r.peakBytes)} (${(r.peakBytes! / r.effectiveBudgetBytes!).toFixed(2)} ×)`);
  }
  return `${lines.join('\n')}\n`;
}

test.afterAll(async () => {
  await page?.close();
  const rows = cases.map(rowOf);
  if (rows.every((r) => r.skipped)) return;
  const wallS = elapsedS();
  const machine =
    `Machine: ${cpus().length} CPU cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / GIB)} GiB, Linux ${release()}; Chromium ${browserVersion} (headless); ` +
    `WebGPU adapter: ${adapter} (maxTextureDimension2D ${limits.maxTextureDimension2D}, maxBufferSize ${mib(limits.maxBufferSize)}, maxStorageBufferBindingSize ${mib(limits.maxStorageBufferBindingSize)}); ` +
    `load average at start ${loadStart.map((x) => x.toFixed(2)).join(' / ')}, at end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' / ')} (1 / 5 / 15 min).`;
  const result = {
    date: new Date(started).toISOString(),
    wallS: Math.round(wallS),
    limitS: Number.isFinite(LIMIT_S) ? LIMIT_S : null,
    machine,
    browser: `Chromium ${browserVersion}`,
    adapter,
    limits,
    rows,
    ratios: ratios(rows),
    log,
  };
  console.table(rows.map((r) => ({ size: r.size, mode: r.mode, budget: r.budget, path: r.skipped ? 'skipped' : r.path, tiles: r.tiles, peakMiB: r.peakBytes && Math.round(r.peakBytes / MIB), msPerMp: r.msPerMp })));
  console.table(result.ratios);
  mkdirSync(RESULTS, { recursive: true });
  const stem = `${RESULTS}${result.date.slice(0, 10)}-tiling`;
  writeFileSync(`${stem}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${stem}.md`, markdown(result));
  console.log(`wrote ${stem}.json and .md (${Math.round(wallS)} s)`);
});
