// Per-stage timings on the real bracket sets of ../shared/data/brackets/ (and
// synthetic 12 MP and 24 MP sets upscaled from one of them), beside the peers
// timed on the same sets in the same run (issue 7).
//
//   E2E_PORT=4181 npx playwright test -c bench/playwright.config.ts scenes.bench.ts
//   BENCH_SCENES=memorial,stlouis_arch@12MP …   some sets only (then the results go to
//                                              test-results/, not bench/results/)
//   BENCH_RUNS=3          measured runs per scene (after one warm-up run)
//   BENCH_SYNTH=0         no synthetic sets; BENCH_SYNTH_FROM=stlouis_arch (the source scene)
//   BENCH_SYNTH_RUNS=1    measured runs of each synthetic set (minutes each on a software adapter)
//   BENCH_PEERS=0         no peers
//   BENCH_BRACKETS=dir    other bracket sets (default ../shared/data/brackets)
//   BENCH_RESUME=1        keep the sets already in today's results file (a run that was
//                         stopped part way) and run only the others
//
// Per set and run, in one page of the production build:
//   decode   the app's own path: the files dropped on the app, decoded by
//            src/io/decode.ts (its worker pool) until the last file is done.
//            The app's engine is kept idle meanwhile (its render is stubbed),
//            so only the bench's engines use the GPU.
//   merge    a headless-style engine on a canvas (1280×800) in merge mode:
//            setBrackets + render (upload, merge, luminance, preview finish,
//            present), exportRgba8 (tone map + curve at full size, read back),
//            encode (PNG and JPEG with the app's encoder, src/io/encode.ts),
//            a present-only render (the clip-warning switch: 'paint' re-runs
//            present alone).
//   fusion   a second engine in fusion mode: the same.
//   align    a third (headless) engine: the set uploaded and merged, then
//            pipeline.alignBrackets() and, when it warps, the render through
//            the warp; 'no motion' when it applies none. Its warm-up runs on
//            256×256 crops (it makes the passes); BENCH_ALIGN_RUNS (default 1)
//            measured runs, since each takes tens of seconds here.
// Every render is split into one submission per stage by bench/scenes-profiler.ts
// (wall: each submission's onSubmittedWorkDone; GPU: timestamp queries when the
// adapter has 'timestamp-query'). Median of the measured runs after a warm-up.
// Peers: ../shared/peers/run-peers.sh <set> <out> --only … --runs 1, run
// 1 + N times (the first is the warm-up), median of timings.tsv's wall_s.
// Peak GPU memory: Resources.peakBytes of each engine (the bytes of the
// textures and buffers it keeps), per megapixel per bracket.
// Writes bench/results/<date>-scenes.json and .md and prints the tables.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, type Browser, type Page } from '@playwright/test';
import { bundleForPage } from '../e2e/bundle';
import { appUrl } from '../e2e/helpers';
import { installProfiler, type Profile, type ProfilerHandle, type StageTime } from './scenes-profiler';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHARED = resolve(ROOT, '../shared');
const BRACKETS = resolve(ROOT, process.env.BENCH_BRACKETS ?? join(SHARED, 'data/brackets'));
const PEERS = join(SHARED, 'peers');
const PY = '/usr/bin/python3';
const ONLY =
  process.env.BENCH_SCENES?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) ?? null;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SYNTH_RUNS = Number(process.env.BENCH_SYNTH_RUNS ?? 1);
/** Measured alignment runs per set (after the warm-up): the estimate takes tens of seconds per set on a software adapter. */
const ALIGN_RUNS = Number(process.env.BENCH_ALIGN_RUNS ?? 1);
const SYNTH_FROM = process.env.BENCH_SYNTH_FROM ?? 'stlouis_arch';
const SYNTH =
  process.env.BENCH_SYNTH === '0'
    ? []
    : [
        { label: '12MP', width: 4000, height: 3000 },
        { label: '24MP', width: 5664, height: 4248 },
      ];
const WITH_PEERS = process.env.BENCH_PEERS !== '0';
const VIEWPORT = [1280, 800] as const;
const WORK = join(tmpdir(), 'hdr-bench-scenes');
/** Filtered runs are for development: they never replace the full run's files. */
const RESULTS = ONLY ? join(ROOT, 'test-results/bench-scenes') : join(ROOT, 'bench/results');

/** The peers, as run-peers.sh names their steps; what each is compared with; what provides it. */
const PEER_STEPS = [
  { key: 'enfuse', step: 'enfuse/w111', label: 'enfuse (Mertens, weights 1,1,1)', ours: 'fusionExport', cmd: 'enfuse', pkg: 'enfuse' },
  { key: 'opencvMertens', step: 'opencv/mertens', label: 'OpenCV MergeMertens', ours: 'fusionExport', cmd: null, pkg: 'python3-opencv' },
  { key: 'opencvDebevec', step: 'opencv/debevec', label: 'OpenCV Debevec (CRF + merge → EXR)', ours: 'mergeExport', cmd: null, pkg: 'python3-opencv' },
  { key: 'luminance', step: 'luminance/debevec_srgb', label: 'luminance-hdr-cli merge (debevec, sRGB → EXR)', ours: 'mergeExport', cmd: 'luminance-hdr-cli', pkg: 'luminance-hdr' },
  { key: 'opencvMtb', step: 'opencv/align_mtb', label: 'OpenCV AlignMTB', ours: 'alignment', cmd: null, pkg: 'python3-opencv' },
] as const;
type PeerKey = (typeof PEER_STEPS)[number]['key'];
type Ours = (typeof PEER_STEPS)[number]['ours'];

const median = (xs: readonly number[]) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const onPath = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

interface FileSpec {
  name: string;
  path: string;
  seconds: number;
}

/** times.txt: "file seconds" (1/250 allowed), '#' comments; shortest exposure first. */
function readTimes(dir: string): FileSpec[] {
  const lines = readFileSync(join(dir, 'times.txt'), 'utf8').split('\n');
  const files: FileSpec[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [name, t] = line.split(/\s+/);
    const [n, d] = t!.split('/');
    const seconds = d === undefined ? Number(n) : Number(n) / Number(d);
    if (!(seconds > 0)) throw new Error(`${dir}/times.txt: bad time in "${line}"`);
    files.push({ name: name!, path: join(dir, name!), seconds });
  }
  return files.sort((a, b) => a.seconds - b.seconds);
}

function scenes(): string[] {
  if (!existsSync(BRACKETS)) return [];
  return readdirSync(BRACKETS)
    .filter((d) => statSync(join(BRACKETS, d)).isDirectory() && existsSync(join(BRACKETS, d, 'times.txt')))
    .sort();
}

// ---------------------------------------------------------------- page side

type Hooks = {
  __hdr: {
    engine: typeof import('../src/engine');
    store: {
      getState(): {
        brackets: { width: number; height: number; pixels: Uint8ClampedArray | Uint16Array }[];
        progress: { step: string; done?: number; total?: number } | null;
        setAlign(on: boolean): void;
      };
      subscribe(f: () => void): () => void;
    };
    bridge: { engine: import('../src/engine').Engine } | null;
  };
};
type Encode = (rgba: Uint8Array<ArrayBuffer>, width: number, height: number, format: 'png' | 'jpeg', quality?: number) => Promise<Blob>;
type BenchState = { merge: import('../src/engine').Engine; fusion: import('../src/engine').Engine; align: import('../src/engine').Engine; encode: Encode };
type PageGlobals = Hooks & { __scenesProfiler: ProfilerHandle; __scenes?: BenchState };

interface AdapterInfo {
  adapter: string;
  fallback: boolean;
  timestampQuery: boolean;
  maxTextureDimension2D: number;
}

/** Open the app, keep its own engine idle, install the profiler, the encoder and the two bench engines. */
async function openPage(page: Page, encodeCode: string): Promise<AdapterInfo> {
  await page.goto(appUrl());
  await page.waitForFunction(() => {
    const w = window as unknown as Hooks;
    return !!w.__hdr?.bridge && document.querySelector('[data-testid=app]')?.getAttribute('data-busy') === 'false';
  });
  await page.evaluate(installProfiler);
  return page.evaluate(
    async ({ code, vw, vh }) => {
      const w = window as unknown as PageGlobals;
      const { engine, store, bridge } = w.__hdr;
      // The app's engine: no alignment, no uploads, no renders (the drop still decodes and fills the store).
      store.getState().setAlign(false);
      const appPipeline = bridge!.engine.pipeline as unknown as Record<string, unknown>;
      appPipeline.setBrackets = () => {};
      appPipeline.render = async () => {};
      const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
      const mod = (await import(/* @vite-ignore */ url)) as { encodeImage: Encode };
      URL.revokeObjectURL(url);
      w.__scenesProfiler.wantTimestamps = true;
      const make = async (mode: 'merge' | 'fusion') => {
        const canvas = document.createElement('canvas');
        canvas.width = vw;
        canvas.height = vh;
        canvas.style.cssText = 'position:fixed;left:0;top:0;width:64px;height:40px;pointer-events:none;z-index:-1';
        document.body.append(canvas);
        const e = await engine.createEngine({ canvas });
        e.pipeline.setViewport(vw, vh);
        e.pipeline.setMode(mode);
        return e;
      };
      const merge = await make('merge');
      const fusion = await make('fusion');
      // Alignment on an engine of its own (headless): its pyramids would otherwise count in the merge's peak memory.
      const align = await engine.createEngine();
      align.pipeline.setViewport(vw, vh);
      align.pipeline.setMode('merge');
      w.__scenes = { merge, fusion, align, encode: mod.encodeImage };
      const { device } = merge.gpu;
      return {
        adapter: merge.gpu.adapterInfo + (merge.gpu.isFallbackAdapter ? ' (fallback adapter)' : ''),
        fallback: merge.gpu.isFallbackAdapter,
        timestampQuery: device.features.has('timestamp-query'),
        maxTextureDimension2D: device.limits.maxTextureDimension2D,
      };
    },
    { code: encodeCode, vw: VIEWPORT[0], vh: VIEWPORT[1] },
  );
}

/** Serve the set's files at /__scene/<index>. */
async function serve(page: Page, files: () => readonly FileSpec[]): Promise<void> {
  await page.route(/\/__scene\/\d+$/, (route) => {
    const f = files()[Number(new URL(route.request().url()).pathname.split('/').pop())];
    return f ? route.fulfill({ path: f.path, contentType: 'image/jpeg' }) : route.fulfill({ status: 404 });
  });
}

/** Drop the files on the app; the time until decodeFiles() reports the last one done. */
async function decodeInApp(page: Page, names: readonly string[]): Promise<{ decodeMs: number; width: number; height: number }> {
  return page.evaluate(async (names) => {
    const { store } = (window as unknown as Hooks).__hdr;
    const files = await Promise.all(names.map(async (name, i) => new File([await (await fetch(`/__scene/${i}`)).blob()], name, { type: 'image/jpeg' })));
    const before = store.getState().brackets;
    let decodedAt = 0;
    let loaded: () => void = () => {};
    const done = new Promise<void>((r) => (loaded = r));
    const unsub = store.subscribe(() => {
      const s = store.getState();
      const p = s.progress;
      if (!decodedAt && p?.step === 'Decoding' && p.total === files.length && p.done === p.total) decodedAt = performance.now();
      if (s.brackets !== before && s.brackets.length === files.length) loaded();
    });
    const dt = new DataTransfer();
    files.forEach((f) => dt.items.add(f));
    const t0 = performance.now();
    document.querySelector('[data-testid=drop-zone]')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the dropped files never became the brackets')), 600_000));
    await Promise.race([done, timeout]);
    unsub();
    const b = store.getState().brackets[0]!;
    return { decodeMs: (decodedAt || performance.now()) - t0, width: b.width, height: b.height };
  }, names);
}

interface EngineRun {
  /** setBrackets() start → render() resolved (upload … present): the first picture. */
  pictureMs: number;
  uploadMs: number | null;
  uploadBytes: number;
  first: Profile;
  /** exportRgba8(): full-size tone map + curve, read back. */
  exportMs: number;
  exportProfile: Profile;
  pngMs: number;
  jpegMs: number;
  pngBytes: number;
  jpegBytes: number;
  /** A present-only render (clip warnings switched off again). */
  presentRenderMs: number;
  presentProfile: Profile;
  /** Stages that ran in the present-only render (runs counters). */
  presentRan: string[];
  firstRan: string[];
  peakBytes: number;
}

interface AlignRun {
  /** pipeline.alignBrackets() on an uploaded and merged set. */
  estimateMs: number;
  /** Whether it warps (some bracket moved ≥ MIN_MOTION_PX at a corner); else 'no motion'. */
  applied: boolean;
  methods: string[];
  /** The estimate's own phases (AlignResult.timings: mtb, build, search, histograms, evaluate; ms). */
  timings: Record<string, number>;
  /** The render through the warp (warp + merge + finish), when it warps. */
  warpRenderMs: number | null;
  warpProfile: Profile | null;
  /** Peak bytes from the merged set to the end of the warp render. */
  peakBytes: number;
}

/** One run of one engine (merge or fusion) on the brackets now in the store. */
async function runEngine(page: Page, mode: 'merge' | 'fusion', exposures: readonly number[]): Promise<EngineRun> {
  return page.evaluate(
    async ({ mode, exposures }) => {
      const w = window as unknown as PageGlobals;
      const { store } = w.__hdr;
      const st = w.__scenes!;
      const e = st[mode];
      const p = e.pipeline;
      const prof = w.__scenesProfiler;
      prof.device = e.gpu.device;
      const ran = (before: Record<string, number>) => Object.keys(p.debug.runs).filter((k) => p.debug.runs[k as keyof typeof p.debug.runs] !== before[k]);
      const brackets = store.getState().brackets.map((b, i) => ({ width: b.width, height: b.height, pixels: b.pixels, exposure: exposures[i]! }));
      // A set of another size would leave the old size's results alive until the render: drop them first.
      p.res.resetPeak();

      let runs0 = { ...p.debug.runs };
      prof.begin();
      const t0 = performance.now();
      p.setBrackets(brackets);
      await p.render();
      const t1 = performance.now();
      const first = await prof.end();
      const firstRan = ran(runs0);

      prof.begin();
      const t2 = performance.now();
      const out = await p.exportRgba8();
      const t3 = performance.now();
      const exportProfile = await prof.end();

      let t = performance.now();
      const png = await st.encode(out.data, out.width, out.height, 'png');
      const pngMs = performance.now() - t;
      t = performance.now();
      const jpeg = await st.encode(out.data, out.width, out.height, 'jpeg', 0.92);
      const jpegMs = performance.now() - t;

      p.setClipWarnings(true);
      await p.render();
      runs0 = { ...p.debug.runs };
      prof.begin();
      p.setClipWarnings(false);
      t = performance.now();
      await p.render();
      const presentRenderMs = performance.now() - t;
      const presentProfile = await prof.end();
      const presentRan = ran(runs0);
      const peakBytes = p.res.peakBytes;

      return {
        pictureMs: t1 - t0,
        uploadMs: first.uploadDoneAt === null ? null : first.uploadDoneAt - t0,
        uploadBytes: first.uploadBytes,
        first,
        exportMs: t3 - t2,
        exportProfile,
        pngMs,
        jpegMs,
        pngBytes: png.size,
        jpegBytes: jpeg.size,
        presentRenderMs,
        presentProfile,
        presentRan,
        firstRan,
        peakBytes,
      };
    },
    { mode, exposures },
  );
}

/**
 * pipeline.alignBrackets() on the brackets now in the store, on the alignment
 * engine; the warp render when it warps. warm: the same on a 256×256 crop of
 * every bracket instead, which makes the alignment passes (compiled on first
 * use) without the full-size estimate's cost.
 */
async function runAlign(page: Page, exposures: readonly number[], warm: boolean): Promise<AlignRun> {
  return page.evaluate(
    async ({ exposures, warm }) => {
      const w = window as unknown as PageGlobals;
      const { store } = w.__hdr;
      const p = w.__scenes!.align.pipeline;
      const prof = w.__scenesProfiler;
      prof.device = w.__scenes!.align.gpu.device;
      const crop = (b: { width: number; height: number; pixels: Uint8ClampedArray | Uint16Array }) => {
        if (!warm) return b;
        const cw = Math.min(256, b.width);
        const ch = Math.min(256, b.height);
        const x0 = Math.floor((b.width - cw) / 2);
        const y0 = Math.floor((b.height - ch) / 2);
        const out = new (b.pixels.constructor as new (n: number) => Uint8ClampedArray | Uint16Array)(cw * ch * 4);
        for (let y = 0; y < ch; y++) out.set(b.pixels.subarray(((y0 + y) * b.width + x0) * 4, ((y0 + y) * b.width + x0 + cw) * 4), y * cw * 4);
        return { width: cw, height: ch, pixels: out };
      };
      p.setBrackets(store.getState().brackets.map((b, i) => ({ ...crop(b), exposure: exposures[i]! })));
      // The upload (and the merge) first: it also frees the last set's alignment.
      await p.render();
      p.res.resetPeak();
      let t = performance.now();
      const result = await p.alignBrackets();
      const estimateMs = performance.now() - t;
      let warpRenderMs: number | null = null;
      let warpProfile: Profile | null = null;
      if (p.aligned) {
        prof.begin();
        t = performance.now();
        await p.render();
        warpRenderMs = performance.now() - t;
        warpProfile = await prof.end();
      }
      return {
        estimateMs,
        applied: p.aligned,
        methods: result ? result.motions.map((m) => m.method) : [],
        timings: result ? { ...result.timings } : {},
        warpRenderMs,
        warpProfile,
        peakBytes: p.res.peakBytes,
      };
    },
    { exposures, warm },
  );
}

/** Upscale the set's files in the page (drawImage) and re-encode them as JPEG (q 0.95, as the scenes are stored). */
async function upscaleInPage(page: Page, count: number, width: number, height: number): Promise<string[]> {
  return page.evaluate(
    async ({ count, width, height }) => {
      const out: string[] = [];
      for (let i = 0; i < count; i++) {
        const bmp = await createImageBitmap(await (await fetch(`/__scene/${i}`)).blob(), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
        const c = new OffscreenCanvas(width, height);
        const g = c.getContext('2d')!;
        g.imageSmoothingQuality = 'high';
        g.drawImage(bmp, 0, 0, width, height);
        bmp.close();
        const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/jpeg', quality: 0.95 })).arrayBuffer());
        let s = '';
        for (let k = 0; k < bytes.length; k += 0x8000) s += String.fromCharCode(...bytes.subarray(k, k + 0x8000));
        out.push(btoa(s));
      }
      return out;
    },
    { count, width, height },
  );
}

// ---------------------------------------------------------------- peers

interface PeerTime {
  ms: number | null;
  status: string;
  samples: number[];
}

/** What the peers need that is not installed, by Debian package. */
function peerPrerequisites(): { missingTools: Record<string, string>; blocker: string | null } {
  const missingTools: Record<string, string> = {};
  const hasCv2 = existsSync(PY) && spawnSync(PY, ['-c', 'import cv2']).status === 0;
  for (const p of PEER_STEPS) {
    if (p.cmd ? !onPath(p.cmd) : !hasCv2) missingTools[p.key] = `missing (apt-get install ${p.pkg})`;
  }
  let blocker: string | null = null;
  if (!existsSync(join(PEERS, 'run-peers.sh'))) blocker = `no ${PEERS}/run-peers.sh`;
  else if (!existsSync(PY)) blocker = `${PY} missing (apt-get install python3)`;
  else if (!onPath('identify')) blocker = 'identify missing (apt-get install imagemagick)';
  else if (!existsSync('/usr/bin/time')) blocker = '/usr/bin/time missing (apt-get install time)';
  else if (!onPath('exiftool')) blocker = 'exiftool missing (apt-get install libimage-exiftool-perl)';
  return { missingTools, blocker };
}

/** run-peers.sh on one set, 1 + runs times (the first is the warm-up); the median wall per peer. */
function runPeers(dir: string, name: string, runs: number, warmup: boolean): Record<PeerKey, PeerTime> {
  const { missingTools, blocker } = peerPrerequisites();
  const out = {} as Record<PeerKey, PeerTime>;
  const wanted = PEER_STEPS.filter((p) => !missingTools[p.key]);
  for (const p of PEER_STEPS) out[p.key] = { ms: null, status: missingTools[p.key] ?? blocker ?? 'not run', samples: [] };
  if (blocker || wanted.length === 0) return out;
  const only = `^(${wanted.map((p) => p.step.replace('/', '\\/')).join('|')})$`;
  const statuses: Record<string, string[]> = {};
  for (let r = 0; r < runs + (warmup ? 1 : 0); r++) {
    const dest = join(WORK, `${name}.peers`);
    rmSync(dest, { recursive: true, force: true });
    const res = spawnSync('bash', [join(PEERS, 'run-peers.sh'), dir, dest, '--only', only, '--runs', '1'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const tsv = join(dest, 'timings.tsv');
    if (!existsSync(tsv)) {
      for (const p of wanted) out[p.key].status = `run-peers.sh failed (${res.status}): ${(res.stderr || res.stdout).trim().split('\n').pop()}`;
      break;
    }
    const [head, ...rows] = readFileSync(tsv, 'utf8').trim().split('\n');
    const col = Object.fromEntries(head!.split('\t').map((c, i) => [c, i]));
    for (const row of rows) {
      const f = row.split('\t');
      const step = `${f[col.tool!]}/${f[col.step!]}`;
      const peer = wanted.find((p) => p.step === step);
      if (!peer) continue;
      const status = f[col.status!]!;
      (statuses[peer.key] ??= []).push(status);
      if (status === 'ok' && !(warmup && r === 0)) out[peer.key].samples.push(Number(f[col.wall_s!]) * 1000);
    }
    rmSync(dest, { recursive: true, force: true });
  }
  for (const p of wanted) {
    const s = out[p.key];
    s.ms = median(s.samples);
    const bad = (statuses[p.key] ?? []).filter((x) => x !== 'ok');
    s.status = s.ms !== null ? (bad.length ? `ok (${bad.join(', ')} in other runs)` : 'ok') : (bad[0] ?? s.status);
  }
  return out;
}

// ---------------------------------------------------------------- results

interface Cell {
  wallMs: number | null;
  gpuMs: number | null;
}

interface SetResult {
  set: string;
  source: string;
  synthetic: boolean;
  width?: number;
  height?: number;
  brackets?: number;
  megapixels?: number;
  runs?: number;
  warmup?: string;
  /** Medians over the measured runs. */
  stages?: Record<string, Cell>;
  /** GPU time (timestamps) of the fusion's phases, medians. */
  fusionPhases?: Record<string, number>;
  alignment?: { estimateMs: number | null; result: string; methods: string[]; phases: Record<string, number>; warpMs: Cell | null; warpRenderMs: number | null };
  endToEnd?: Record<'mergePicture' | 'mergeExport' | 'fusionPicture' | 'fusionExport', number | null>;
  memory?: { mergePeakMiB: number; fusionPeakMiB: number; alignPeakMiB: number | null; mergeBytesPerMpBracket: number; fusionBytesPerMpBracket: number; alignBytesPerMpBracket: number | null };
  peers?: Record<PeerKey, PeerTime>;
  /** Our time ÷ the peer's (below 1: we are faster). */
  ratios?: Partial<Record<PeerKey, number | null>>;
  /** Where we are slower than a peer: the stage that dominates our side. */
  slower?: string[];
  checks?: string[];
  samples?: unknown;
  error?: string;
}

const results: SetResult[] = [];
let machine: Record<string, unknown> = {};

// BENCH_RESUME=1: keep the sets already in today's results (a run stopped part way) and run the others.
const RESUME_FILE = join(RESULTS, `${new Date().toISOString().slice(0, 10)}-scenes.json`);
if (process.env.BENCH_RESUME === '1' && existsSync(RESUME_FILE)) {
  const prev = JSON.parse(readFileSync(RESUME_FILE, 'utf8')) as Record<string, unknown> & { results: SetResult[] };
  const { results: kept, runs: _r, synthRuns: _s, filter: _f, ...rest } = prev;
  machine = rest;
  results.push(...kept.filter((r) => !r.error));
}
/** A set has run in this invocation (a resumed run that had nothing left to do changes nothing in the machine notes). */
let ranHere = false;
const done = (set: string) => results.some((r) => r.set === set && !r.error);

/** Wall and GPU time of the submissions of these stages in one profile. */
function cell(profile: Profile | null | undefined, stages: readonly string[]): Cell {
  if (!profile) return { wallMs: null, gpuMs: null };
  const hit = profile.stages.filter((s: StageTime) => stages.includes(s.stage));
  if (hit.length === 0) return { wallMs: null, gpuMs: null };
  const gpu = hit.map((s) => s.gpuMs);
  const wall = hit.map((s) => s.wallMs);
  return { wallMs: wall.some((x) => x === null) ? null : wall.reduce((a, x) => a! + x!, 0), gpuMs: gpu.some((g) => g === null) ? null : gpu.reduce((a, g) => a! + g!, 0) };
}

function medianCell(cells: readonly Cell[]): Cell {
  const w = cells.map((c) => c.wallMs).filter((x): x is number => x !== null);
  const g = cells.map((c) => c.gpuMs).filter((x): x is number => x !== null);
  return { wallMs: median(w), gpuMs: median(g) };
}

const STAGE_ORDER = ['decode', 'upload', 'merge', 'luminance', 'fusion', 'previewFinish', 'present', 'finishFull', 'readback', 'encodePng', 'encodeJpeg'] as const;
const STAGE_LABEL: Record<string, string> = {
  decode: 'decode',
  upload: 'upload',
  merge: 'merge',
  luminance: 'luminance',
  fusion: 'fusion',
  previewFinish: 'preview finish',
  present: 'present',
  finishFull: 'tone map + curve (full)',
  readback: 'read-back',
  encodePng: 'PNG encode',
  encodeJpeg: 'JPEG encode',
};
/** AlignResult.timings' phases, in words. */
const ALIGN_PHASE: Record<string, string> = {
  mtb: 'MTB translation search',
  build: 'pyramid builds',
  search: 'coarse search',
  histograms: 'joint histograms',
  evaluate: 'candidate evaluations',
};
/** What would make each stage faster, for the notes where we are slower than a peer. */
const FIX: Record<string, string> = {
  decode: 'decoding with ImageDecoder (WebCodecs) in more workers instead of createImageBitmap + getImageData',
  upload: 'fewer copies between the decode worker and writeTexture',
  merge:
    'a hardware GPU; on the software adapter, fewer transcendental calls per pixel and bracket: the merge takes log() of every linearised sample (3 per bracket) — a log-response table (log of the inverse response per code, minus log exposure per bracket) leaves one exp() per pixel',
  luminance: 'a hardware GPU',
  fusion:
    'a hardware GPU; on the software adapter, less full-resolution memory traffic: the weights take n + 1 full-size passes and the blend reads and rewrites every band once per bracket — computing the weights inside the first reduce, blending all brackets of a level in one pass and keeping the pyramids in rgba16float would cut it several-fold',
  previewFinish: 'a hardware GPU',
  present: 'a hardware GPU',
  finishFull: 'a hardware GPU; tone map and curve in one full-size pass instead of two',
  readback: 'a hardware GPU',
  encodePng: 'a faster PNG encoder (a wasm encoder at a lower zlib level, in a worker)',
  encodeJpeg: 'a wasm libjpeg-turbo encoder in a worker',
  alignment:
    "build each bracket's pyramid once and reuse it across the search and every refinement step, and stop after the MTB translation when it already explains the pair (a tripod set); OpenCV's MTB is translation-only on 1-bit images",
};

const r0 = (x: number | null | undefined) => (x === null || x === undefined ? null : Math.round(x));
const ms = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)}`);
/** A duration with its unit, for prose. */
const dur = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`);
const ratio = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(2));
const wallGpu = (c: Cell | undefined) => (!c || c.wallMs === null ? '–' : c.gpuMs === null ? ms(c.wallMs) : `${ms(c.wallMs)} (${ms(c.gpuMs)})`);

function summarize(
  spec: SetSpec,
  size: { width: number; height: number },
  decode: number[],
  merge: EngineRun[],
  fusion: EngineRun[],
  aligns: AlignRun[],
  peers: Record<PeerKey, PeerTime> | undefined,
  checks: string[],
): SetResult {
  const { width, height } = size;
  const n = spec.files.length;
  const mp = (width * height) / 1e6;
  const stages: Record<string, Cell> = {};
  const mc = (f: (run: EngineRun) => Cell, runs: EngineRun[] = merge) => medianCell(runs.map(f));
  stages.decode = { wallMs: median(decode), gpuMs: null };
  stages.upload = { wallMs: median(merge.map((r) => r.uploadMs).filter((x): x is number => x !== null)), gpuMs: null };
  stages.merge = mc((r) => cell(r.first, ['merge']));
  stages.luminance = mc((r) => cell(r.first, ['luminance']));
  stages.fusion = mc((r) => cell(r.first, ['fusion']), fusion);
  stages.previewFinish = mc((r) => cell(r.first, ['downsample', 'tonemap.preview', 'curve.preview', 'histogram']));
  stages.previewFinishFusion = mc((r) => cell(r.first, ['downsample', 'tonemap.preview', 'curve.preview', 'histogram']), fusion);
  stages.present = mc((r) => cell(r.presentProfile, ['present']));
  stages.finishFull = mc((r) => cell(r.exportProfile, ['tonemap.full', 'curve.full']));
  stages.finishFullFusion = mc((r) => cell(r.exportProfile, ['tonemap.full', 'curve.full']), fusion);
  stages.readback = {
    wallMs: median(merge.map((r) => r.exportMs - (cell(r.exportProfile, ['tonemap.full', 'curve.full']).wallMs ?? 0))),
    gpuMs: null,
  };
  stages.encodePng = { wallMs: median(merge.map((r) => r.pngMs)), gpuMs: null };
  stages.encodeJpeg = { wallMs: median(merge.map((r) => r.jpegMs)), gpuMs: null };
  stages.firstPictureMerge = { wallMs: median(merge.map((r) => r.pictureMs)), gpuMs: null };
  stages.firstPictureFusion = { wallMs: median(fusion.map((r) => r.pictureMs)), gpuMs: null };
  stages.exportMerge = { wallMs: median(merge.map((r) => r.exportMs)), gpuMs: null };
  stages.exportFusion = { wallMs: median(fusion.map((r) => r.exportMs)), gpuMs: null };

  const phases: Record<string, number> = {};
  for (const k of ['fusion.weights', 'fusion.pyramid', 'fusion.blend', 'fusion.collapse']) {
    const v = median(fusion.map((r) => r.first.stages.filter((s) => s.stage === 'fusion').reduce((a, s) => a + (s.parts[k] ?? 0), 0)));
    if (v !== null && fusion[0]?.first.timestamps) phases[k.slice(7)] = v;
  }

  const applied = aligns.filter((a) => a.applied).length;
  const warpCells = aligns.filter((a) => a.warpProfile).map((a) => cell(a.warpProfile, ['align.warp']));
  const alignment = {
    estimateMs: median(aligns.map((a) => a.estimateMs)),
    result: applied === 0 ? 'no motion' : applied === aligns.length ? 'warp' : `warp in ${applied} of ${aligns.length} runs`,
    methods: aligns[aligns.length - 1]?.methods ?? [],
    phases: Object.fromEntries(['mtb', 'build', 'search', 'histograms', 'evaluate'].map((k) => [k, Math.round(median(aligns.map((a) => a.timings[k] ?? 0)) ?? 0)])),
    warpMs: warpCells.length ? medianCell(warpCells) : null,
    warpRenderMs: median(aligns.map((a) => a.warpRenderMs).filter((x): x is number => x !== null)),
  };

  const e2e = (runs: EngineRun[], exp: boolean) => median(runs.map((r, i) => decode[i]! + r.pictureMs + (exp ? r.exportMs + r.pngMs : 0)));
  const endToEnd = { mergePicture: e2e(merge, false), mergeExport: e2e(merge, true), fusionPicture: e2e(fusion, false), fusionExport: e2e(fusion, true) };

  const peak = (xs: number[]) => Math.max(...xs);
  const mergePeak = peak(merge.map((r) => r.peakBytes));
  const fusionPeak = peak(fusion.map((r) => r.peakBytes));
  const alignPeak = aligns.length ? peak(aligns.map((a) => a.peakBytes)) : null;
  /** Bytes per pixel per bracket = MB per megapixel per bracket. */
  const perMpB = (b: number) => Number((b / (width * height * n)).toFixed(1));
  const memory = {
    mergePeakMiB: Math.round(mergePeak / 2 ** 20),
    fusionPeakMiB: Math.round(fusionPeak / 2 ** 20),
    alignPeakMiB: alignPeak === null ? null : Math.round(alignPeak / 2 ** 20),
    mergeBytesPerMpBracket: perMpB(mergePeak),
    fusionBytesPerMpBracket: perMpB(fusionPeak),
    alignBytesPerMpBracket: alignPeak === null ? null : perMpB(alignPeak),
  };

  const oursFor: Record<Ours, number | null> = { fusionExport: endToEnd.fusionExport, mergeExport: endToEnd.mergeExport, alignment: alignment.estimateMs };
  const ratios: Partial<Record<PeerKey, number | null>> = {};
  const slower: string[] = [];
  if (peers) {
    for (const p of PEER_STEPS) {
      const ours = oursFor[p.ours];
      const theirs = peers[p.key].ms;
      const q = ours !== null && theirs ? ours / theirs : null;
      ratios[p.key] = q === null ? null : Number(q.toFixed(3));
      if (q !== null && q > 1) slower.push(slowerNote(p.label, p.ours, q, stages, endToEnd, alignment, phases, decode));
    }
  }
  return {
    set: spec.name,
    source: spec.source,
    synthetic: spec.synthetic,
    width,
    height,
    brackets: n,
    megapixels: Number(mp.toFixed(2)),
    runs: merge.length,
    warmup: spec.synthetic ? `${spec.source} at its own size` : 'the set itself',
    stages: Object.fromEntries(Object.entries(stages).map(([k, c]) => [k, { wallMs: r0(c.wallMs), gpuMs: r0(c.gpuMs) }])),
    fusionPhases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v)])),
    alignment: { ...alignment, estimateMs: r0(alignment.estimateMs), warpRenderMs: r0(alignment.warpRenderMs), warpMs: alignment.warpMs && { wallMs: r0(alignment.warpMs.wallMs), gpuMs: r0(alignment.warpMs.gpuMs) } },
    endToEnd: { mergePicture: r0(endToEnd.mergePicture), mergeExport: r0(endToEnd.mergeExport), fusionPicture: r0(endToEnd.fusionPicture), fusionExport: r0(endToEnd.fusionExport) },
    memory,
    peers,
    ratios,
    slower,
    checks,
    samples: {
      decodeMs: decode.map(Math.round),
      merge: merge.map(sampleOf),
      fusion: fusion.map(sampleOf),
      align: aligns.map((a) => ({
        estimateMs: Math.round(a.estimateMs),
        applied: a.applied,
        methods: a.methods,
        timings: a.timings,
        warpRenderMs: r0(a.warpRenderMs),
        warp: profileOf(a.warpProfile),
        peakBytes: a.peakBytes,
      })),
    },
  };
}

/** A profile's stage list, rounded, for the JSON. */
const profileOf = (p: Profile | null) => p && p.stages.filter((s) => s.passes > 0 || (s.wallMs ?? 0) >= 1).map((s) => ({ stage: s.stage, wallMs: r0(s.wallMs), gpuMs: r0(s.gpuMs), passes: s.passes }));

/** The per-run figures kept in the JSON. */
function sampleOf(r: EngineRun) {
  const prof = profileOf;
  return {
    pictureMs: Math.round(r.pictureMs),
    uploadMs: r0(r.uploadMs),
    exportMs: Math.round(r.exportMs),
    pngMs: Math.round(r.pngMs),
    jpegMs: Math.round(r.jpegMs),
    presentRenderMs: Math.round(r.presentRenderMs),
    peakBytes: r.peakBytes,
    first: prof(r.first),
    export: prof(r.exportProfile),
    present: prof(r.presentProfile),
  };
}

function slowerNote(
  peer: string,
  ours: Ours,
  q: number,
  stages: Record<string, Cell>,
  e2e: Record<string, number | null>,
  alignment: { estimateMs: number | null; phases: Record<string, number> },
  fusionPhases: Record<string, number>,
  decode: number[],
): string {
  let parts: [string, number | null][];
  if (ours === 'alignment') {
    const [top, v] = Object.entries(alignment.phases).sort((a, b) => b[1] - a[1])[0] ?? ['?', 0];
    const share = alignment.estimateMs ? Math.round((100 * v) / alignment.estimateMs) : 0;
    return `${peer}: ×${q.toFixed(2)} — the estimate takes ${dur(alignment.estimateMs)}, its ${ALIGN_PHASE[top] ?? top} ${dur(v)} (${share} %); fix: ${FIX.alignment}`;
  }
  if (ours === 'fusionExport') {
    parts = [
      ['decode', median(decode)],
      ['upload', stages.upload!.wallMs],
      ['fusion', stages.fusion!.wallMs],
      ['previewFinish', stages.previewFinishFusion!.wallMs],
      ['finishFull', stages.finishFullFusion!.wallMs],
      ['encodePng', stages.encodePng!.wallMs],
    ];
  } else {
    parts = [
      ['decode', median(decode)],
      ['upload', stages.upload!.wallMs],
      ['merge', stages.merge!.wallMs],
      ['luminance', stages.luminance!.wallMs],
      ['previewFinish', stages.previewFinish!.wallMs],
      ['finishFull', stages.finishFull!.wallMs],
      ['readback', stages.readback!.wallMs],
      ['encodePng', stages.encodePng!.wallMs],
    ];
  }
  const total = ours === 'fusionExport' ? e2e.fusionExport : e2e.mergeExport;
  const [top, v] = parts.filter((p): p is [string, number] => p[1] !== null).sort((a, b) => b[1] - a[1])[0] ?? ['?', 0];
  const share = total ? Math.round((100 * v) / total) : 0;
  const within =
    top === 'fusion' && Object.keys(fusionPhases).length
      ? ` (GPU: ${Object.entries(fusionPhases)
          .sort((a, b) => b[1] - a[1])
          .map(([k, t]) => `${k} ${dur(t)}`)
          .join(', ')})`
      : '';
  return `${peer}: ×${q.toFixed(2)} — ${STAGE_LABEL[top] ?? top} dominates (${dur(v)}, ${share} % of decode → export${within}); fix: ${FIX[top] ?? 'a hardware GPU'}`;
}

function tables(): { console: string; markdown: string } {
  const ok = results.filter((r) => !r.error);
  const stageHead = ['set', 'size × n', ...STAGE_ORDER.map((s) => STAGE_LABEL[s]!), 'alignment'];
  const stageRows = ok.map((r) => [
    r.set,
    `${r.width}×${r.height} × ${r.brackets}`,
    ...STAGE_ORDER.map((s) => wallGpu(r.stages![s])),
    r.alignment!.result === 'no motion' ? `${ms(r.alignment!.estimateMs)}, no motion` : `${ms(r.alignment!.estimateMs)} + warp ${wallGpu(r.alignment!.warpMs ?? undefined)}`,
  ]);
  const peerHead = [
    'set',
    'runs',
    'merge: decode → picture',
    'merge: decode → PNG',
    'fusion: decode → picture',
    'fusion: decode → PNG',
    ...PEER_STEPS.map((p) => `${p.key} ms (ours ÷ peer)`),
    'peak GPU MB per MP per bracket: merge / fusion / align',
  ];
  const peerRows = ok.map((r) => [
    r.set,
    `${r.runs}${r.warmup ? ` + warm-up` : ''}`,
    ms(r.endToEnd!.mergePicture),
    ms(r.endToEnd!.mergeExport),
    ms(r.endToEnd!.fusionPicture),
    ms(r.endToEnd!.fusionExport),
    ...PEER_STEPS.map((p) => {
      const t = r.peers?.[p.key];
      if (!t) return '–';
      if (t.ms === null) return t.status;
      return `${ms(t.ms)} (${ratio(r.ratios?.[p.key])})`;
    }),
    `${fmtMB(r.memory!.mergeBytesPerMpBracket)} / ${fmtMB(r.memory!.fusionBytesPerMpBracket)} / ${fmtMB(r.memory!.alignBytesPerMpBracket)}`,
  ]);
  const md = (head: string[], rows: string[][]) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
  const failed = results.filter((r) => r.error).map((r) => `- ${r.set}: failed: ${r.error}`);
  const notes = ok.flatMap((r) => (r.slower ?? []).map((s) => `- ${r.set}: ${s}`));
  const m = machine as {
    cpus?: number;
    cpuModel?: string;
    memGiB?: number;
    adapter?: string;
    timestampQuery?: boolean;
    browser?: string;
    loadStart?: number[];
    loadEnd?: number[];
    date?: string;
    os?: string;
    resumed?: { date: string; loadavg: number[] }[];
  };
  const resumed = m.resumed?.length
    ? ` The run was stopped from outside and resumed (BENCH_RESUME=1) at ${m.resumed.map((r) => `${r.date.slice(11, 16)} UTC (load ${r.loadavg.map((x) => x.toFixed(2)).join(' / ')})`).join(', ')}; it began at ${m.date?.slice(11, 16)} UTC.`
    : '';
  const markdown = [
    `# Scenes benchmark, ${m.date?.slice(0, 10) ?? ''}`,
    '',
    `Machine: ${m.cpus} CPU cores (${m.cpuModel}), ${m.memGiB} GiB, ${m.os}; ${m.browser}; WebGPU adapter: ${m.adapter}; timestamp queries: ${m.timestampQuery ? 'yes (GPU times in parentheses)' : 'no (wall times only)'}; load average at start ${m.loadStart?.map((x) => x.toFixed(2)).join(' / ')}, at end ${m.loadEnd?.map((x) => x.toFixed(2)).join(' / ') ?? '–'} (1 / 5 / 15 min).${resumed}`,
    '',
    `Command: \`E2E_PORT=4181 npx playwright test -c bench/playwright.config.ts scenes.bench.ts\` (or \`npm run bench\`). Median of ${RUNS} runs after a warm-up run on the scenes (alignment: ${ALIGN_RUNS} after the warm-up); synthetic sets: ${SYNTH_RUNS} run after a warm-up on their source scene at its own size. Peers: run-peers.sh, a warm-up and ${RUNS} runs on the scenes, median.`,
    '',
    '## Stage times (ms; wall, GPU timestamps in parentheses; one submission per stage)',
    '',
    md(stageHead, stageRows),
    '',
    '## End to end and peers (ms; our time ÷ peer time in parentheses, below 1 = we are faster)',
    '',
    md(peerHead, peerRows),
    '',
    'End to end: decode (the app\'s decode path) + setBrackets → first picture presented (upload, merge or fusion, preview finish, present), and for "→ PNG" also the full-size finish, read-back and PNG encode. Peers are whole processes (start, read JPEGs, compute, write PNG / EXR), timed by run-peers.sh. The Debevec and Luminance peers stop at a radiance map (EXR); ours goes on to a tone-mapped PNG. Alignment is compared with OpenCV AlignMTB (which also writes the aligned images). Peak GPU memory: the most bytes of textures and buffers each engine kept at once (Resources.peakBytes) during a run (merge: upload to export; fusion: the same; align: the estimate and the warp render), ÷ (pixels × brackets), i.e. MB per megapixel per bracket.',
    '',
    ...(notes.length ? ['## Where we are slower than a peer', '', ...notes, ''] : []),
    ...(failed.length ? ['## Failed', '', ...failed, ''] : []),
  ].join('\n');
  const plain = [md(stageHead, stageRows), '', md(peerHead, peerRows), ...(notes.length ? ['', ...notes] : []), ...(failed.length ? ['', ...failed] : [])].join('\n');
  return { console: plain, markdown };
}

const fmtMB = (x: number | null) => (x === null ? '–' : x.toFixed(1));

function write(final: boolean): void {
  if (results.length === 0) return;
  const date = (machine.date as string).slice(0, 10);
  const { console: plain, markdown } = tables();
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, `${date}-scenes.json`), `${JSON.stringify({ ...machine, runs: RUNS, synthRuns: SYNTH_RUNS, filter: ONLY, results }, null, 2)}\n`);
  writeFileSync(join(RESULTS, `${date}-scenes.md`), `${markdown}\n`);
  if (final) console.log(`\n${plain}\n\n(${join(RESULTS, `${date}-scenes.json`)} and .md)`);
}

// ---------------------------------------------------------------- the tests

interface SetSpec {
  name: string;
  source: string;
  dir: string;
  files: FileSpec[];
  runs: number;
  /** The files of the warm-up run (the set's own, or its source scene at its own size). */
  warmup: FileSpec[];
  synthetic: boolean;
}

async function benchSet(page: Page, browser: Browser, spec: SetSpec, encodeCode: string): Promise<void> {
  let current: readonly FileSpec[] = spec.files;
  await serve(page, () => current);
  const info = await openPage(page, encodeCode);
  if (machine.date && !ranHere) machine.resumed = [...((machine.resumed as unknown[]) ?? []), { date: new Date().toISOString(), loadavg: loadavg() }];
  ranHere = true;
  if (!machine.date) {
    machine = {
      date: new Date().toISOString(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim(),
      memGiB: Math.round(totalmem() / 2 ** 30),
      os: `Linux ${release()}`,
      node: process.version,
      browser: `Chromium ${browser.version()} (headless)`,
      adapter: info.adapter,
      timestampQuery: info.timestampQuery,
      maxTextureDimension2D: info.maxTextureDimension2D,
      canvas: `${VIEWPORT[0]}×${VIEWPORT[1]}`,
      loadStart: loadavg(),
    };
  }
  const decode: number[] = [];
  const merge: EngineRun[] = [];
  const fusion: EngineRun[] = [];
  const aligns: AlignRun[] = [];
  const checks: string[] = [];
  let size = { width: 0, height: 0 };
  for (let run = -1; run < spec.runs; run++) {
    const files = run < 0 ? spec.warmup : spec.files;
    current = files;
    const mid = files[Math.floor(files.length / 2)]!.seconds;
    const exposures = files.map((f) => f.seconds / mid);
    const d = await decodeInApp(
      page,
      files.map((f) => f.name),
    );
    const m = await runEngine(page, 'merge', exposures);
    const f = await runEngine(page, 'fusion', exposures);
    // Alignment takes the longest on a software adapter: a warm-up on crops, then ALIGN_RUNS measured runs.
    const a = run < ALIGN_RUNS ? await runAlign(page, exposures, run < 0) : null;
    const tag = run < 0 ? 'warm-up' : `run ${run + 1}`;
    console.log(
      `${spec.name} ${tag}: ${d.width}×${d.height}×${files.length} decode ${ms(d.decodeMs)} | merge picture ${ms(m.pictureMs)} export ${ms(m.exportMs)} png ${ms(m.pngMs)} | fusion picture ${ms(f.pictureMs)} export ${ms(f.exportMs)}${a ? ` | align ${ms(a.estimateMs)}${a.applied ? ` warp render ${ms(a.warpRenderMs)}` : ' no motion'}` : ''}`,
    );
    if (run < 0) continue;
    size = { width: d.width, height: d.height };
    decode.push(d.decodeMs);
    merge.push(m);
    fusion.push(f);
    if (a) aligns.push(a);
    const want = (ran: string[], exp: string[], what: string) => {
      if (ran.join() !== exp.join()) checks.push(`${tag} ${what}: ran ${ran.join(', ')}; expected ${exp.join(', ')}`);
    };
    want(m.presentRan, ['present'], 'merge present-only render');
    want(f.presentRan, ['present'], 'fusion present-only render');
    want(m.firstRan, ['upload', 'merge', 'luminance', 'downsample', 'tonemap', 'curve', 'histogram', 'present'], 'merge first render');
    want(f.firstRan, ['upload', 'fusion', 'downsample', 'tonemap', 'curve', 'histogram', 'present'], 'fusion first render');
  }
  let peers: Record<PeerKey, PeerTime> | undefined;
  if (WITH_PEERS) {
    const t = performance.now();
    peers = runPeers(spec.dir, spec.name, spec.runs, true);
    console.log(`${spec.name} peers (${Math.round((performance.now() - t) / 1000)} s): ${PEER_STEPS.map((p) => `${p.key} ${peers![p.key].ms === null ? peers![p.key].status : ms(peers![p.key].ms)}`).join(', ')}`);
  }
  results.push(summarize(spec, size, decode, merge, fusion, aligns, peers, checks));
  results.sort((a, b) => (a.synthetic === b.synthetic ? 0 : a.synthetic ? 1 : -1) || a.set.localeCompare(b.set));
  machine.loadEnd = loadavg();
  write(false);
}

test.describe.configure({ mode: 'serial' });
test.use({ serviceWorkers: 'block' });

const ALL = scenes();
let encodeCode = '';
const encode = async () => (encodeCode ||= await bundleForPage('encode', "export { encodeImage } from '/src/io/encode.ts';"));

if (ALL.length === 0) {
  test('scenes benchmark', () => {
    const why = `no bracket sets at ${BRACKETS} (../shared/data/brackets is absent): the scenes benchmark is skipped`;
    console.log(why);
    test.skip(true, why);
  });
}

for (const scene of ALL) {
  if (ONLY && !ONLY.includes(scene)) continue;
  test(`scene ${scene}`, async ({ page, browser }) => {
    test.skip(done(scene), 'in the results already (BENCH_RESUME=1)');
    test.setTimeout(40 * 60_000);
    const dir = join(BRACKETS, scene);
    const files = readTimes(dir);
    try {
      await benchSet(page, browser, { name: scene, source: scene, dir, files, runs: RUNS, warmup: files, synthetic: false }, await encode());
    } catch (err) {
      // Recorded, not thrown: a failed test would skip the remaining sets (serial) and restart the worker (losing the results so far).
      console.error(`${scene} failed: ${String(err)}`);
      results.push({ set: scene, source: scene, synthetic: false, error: String(err).split('\n')[0] });
      write(false);
    }
  });
}

for (const size of ALL.includes(SYNTH_FROM) ? SYNTH : []) {
  const name = `${SYNTH_FROM}@${size.label}`;
  if (ONLY && !ONLY.includes(name)) continue;
  test(`synthetic ${name}`, async ({ page, browser }) => {
    test.skip(done(name), 'in the results already (BENCH_RESUME=1)');
    test.setTimeout(60 * 60_000);
    const srcDir = join(BRACKETS, SYNTH_FROM);
    const source = readTimes(srcDir);
    const dir = join(WORK, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    try {
      await serve(page, () => source);
      await page.goto(appUrl());
      const jpegs = await upscaleInPage(page, source.length, size.width, size.height);
      const files = source.map((f, i) => {
        const path = join(dir, basename(f.name));
        writeFileSync(path, Buffer.from(jpegs[i]!, 'base64'));
        return { ...f, path };
      });
      writeFileSync(join(dir, 'times.txt'), `# filename exposure_time_seconds (shortest first)\n${files.map((f) => `${f.name} ${f.seconds}`).join('\n')}\n`);
      await page.unrouteAll();
      await benchSet(page, browser, { name, source: SYNTH_FROM, dir, files, runs: SYNTH_RUNS, warmup: source, synthetic: true }, await encode());
    } catch (err) {
      console.error(`${name} failed: ${String(err)}`);
      results.push({ set: name, source: SYNTH_FROM, synthetic: true, error: String(err).split('\n')[0] });
      write(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.afterAll(() => {
  if (ranHere) machine.loadEnd = loadavg();
  write(true);
});
