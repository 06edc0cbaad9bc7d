// Peer comparison of the exposure fusion (Mertens et al. 2007) on the real
// bracket sets of ../shared/data/brackets: our GPU fusion (headless engine in
// the page, Chromium's SwiftShader WebGPU) against OpenCV's MergeMertens(1,1,1)
// and, when installed, enfuse with the paper's equal weights.
//
//   npm run compare:peers            (= playwright test -c bench/peers.config.ts)
//   PEERS_SCENES=memorial,stlouis_arch npm run compare:peers   (some scenes only;
//                                     then nothing is written to bench/results/)
//   PEERS_OUT=/some/dir              (images, default $TMPDIR/hdr-peers)
//
// Per scene: the bracket list and exposure times come from
// ../shared/peers/brackets.py (times.txt, shortest first); the JPEGs are decoded
// in the page the way the app decodes a drop (createImageBitmap with no colour
// conversion, OffscreenCanvas, getImageData); the fused export is written as
// PNG next to opencv.png and enfuse.png; ../shared/peers/metrics.py gives PSNR
// and SSIM; PSNR over the outer 8-pixel frame, over rings further in, and over
// an 8x8 grid of tiles shows where the differences sit. Results go to
// bench/results/<date>-peers.json, the attachments and a Markdown table.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, type Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { appUrl } from '../e2e/helpers';
import { defaultParams, type Params } from '../src/engine/params';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHARED = resolve(ROOT, '../shared');
const BRACKETS = resolve(ROOT, process.env.PEERS_BRACKETS ?? join(SHARED, 'data/brackets'));
const PEERS = join(SHARED, 'peers');
const PY = '/usr/bin/python3';
const OUT = resolve(process.env.PEERS_OUT ?? join(tmpdir(), 'hdr-peers'));
const ONLY =
  process.env.PEERS_SCENES?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) ?? null;
/** Per scene; covers 2048x1536 x 12 brackets on the software adapter plus both CPU peers. */
const SCENE_TIMEOUT_MS = 10 * 60_000;
/** Outer frame of the border diagnostic, in pixels. */
const BORDER = 8;
const RINGS = [0, BORDER, 32, 128] as const;
const GRID = 8;

const onPath = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Why the comparison cannot run here, or null. */
function missing(): string | null {
  if (!existsSync(BRACKETS)) return `no bracket sets at ${BRACKETS} (../shared/data/brackets)`;
  if (!existsSync(join(PEERS, 'brackets.py'))) return `no peer scripts at ${PEERS}`;
  if (!existsSync(PY)) return `${PY} is missing (the peer scripts need Debian's python3 with python3-opencv)`;
  if (spawnSync(PY, ['-c', 'import cv2']).status !== 0) return `${PY} has no cv2: apt-get install -y --no-install-recommends python3-opencv`;
  if (!onPath('exiftool')) return 'exiftool is missing (brackets.py reads EXIF even with times.txt): apt-get install -y --no-install-recommends libimage-exiftool-perl';
  return null;
}

function scenes(): string[] {
  if (!existsSync(BRACKETS)) return [];
  const all = readdirSync(BRACKETS)
    .filter((d) => statSync(join(BRACKETS, d)).isDirectory())
    .sort();
  return ONLY ? all.filter((d) => ONLY.includes(d)) : all;
}

function run(cmd: string, args: string[]): { stdout: string; ms: number } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim().slice(-2000)}`);
  return { stdout: r.stdout, ms };
}

interface Metrics {
  PSNR: number;
  PSNR_Y: number;
  SSIM_RGB: number;
  SSIM_Y: number;
}
// Python's json writes Infinity for identical images; 1e999 parses as Infinity.
const metrics = (ref: string, testImg: string) => JSON.parse(run(PY, [join(PEERS, 'metrics.py'), ref, testImg, '--json']).stdout.replace(/\bInfinity\b/g, '1e999')) as Metrics;
/** JSON with infinite PSNRs (identical images) kept as the string "Infinity". */
const toJson = (x: unknown) => `${JSON.stringify(x, (_k, v: unknown) => (v === Infinity ? 'Infinity' : v), 2)}\n`;

interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

function readPng(path: string): Rgba {
  const png = PNG.sync.read(readFileSync(path));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

/** RGBA8 bytes to an 8-bit RGB PNG (alpha dropped; the peers write RGB). */
function writePng(path: string, img: Rgba): void {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  writeFileSync(path, PNG.sync.write(png, { colorType: 2, inputColorType: 6, inputHasAlpha: true }));
}

const psnrOf = (se: number, n: number) => (n === 0 ? null : se === 0 ? Infinity : 10 * Math.log10((255 * 255) / (se / n)));
const round = (x: number | null, d = 2) => (x === null ? null : Number.isFinite(x) ? Number(x.toFixed(d)) : x);

interface Where {
  /** PSNR (RGB) over the outer BORDER-pixel frame and over the rest. */
  border8Psnr: number | null;
  interiorPsnr: number | null;
  /** PSNR by distance to the nearest edge: [0,8), [8,32), [32,128), [128,...). */
  rings: { from: number; to: number | null; psnr: number | null }[];
  /** PSNR of each tile of a GRID x GRID split: the worst (row, col) and the median. */
  worstTile: { row: number; col: number; psnr: number | null };
  medianTilePsnr: number | null;
  /** Mean signed difference test - ref per channel (levels): a global shift shows here. */
  meanDiffRgb: number[];
  maxAbsDiff: number;
}

/** Where two same-size images differ; also writes |test - ref| x 8 as a PNG. */
function where(ref: Rgba, tst: Rgba, diffPath: string): Where {
  const { width: w, height: h } = ref;
  if (tst.width !== w || tst.height !== h) throw new Error(`size mismatch ${w}x${h} vs ${tst.width}x${tst.height}`);
  const ringSe = RINGS.map(() => 0);
  const ringN = RINGS.map(() => 0);
  const tileSe = new Float64Array(GRID * GRID);
  const tileN = new Float64Array(GRID * GRID);
  const sum = [0, 0, 0];
  let maxAbs = 0;
  const diff = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const ty = Math.min(GRID - 1, Math.floor((y * GRID) / h));
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      let se = 0;
      for (let c = 0; c < 3; c++) {
        const d = tst.data[i + c]! - ref.data[i + c]!;
        se += d * d;
        sum[c]! += d;
        maxAbs = Math.max(maxAbs, Math.abs(d));
        diff[i + c] = Math.min(255, Math.abs(d) * 8);
      }
      diff[i + 3] = 255;
      const edge = Math.min(x, y, w - 1 - x, h - 1 - y);
      let r = RINGS.length - 1;
      while (edge < RINGS[r]!) r--;
      ringSe[r]! += se;
      ringN[r]! += 3;
      const t = ty * GRID + Math.min(GRID - 1, Math.floor((x * GRID) / w));
      tileSe[t]! += se;
      tileN[t]! += 3;
    }
  }
  writePng(diffPath, { width: w, height: h, data: diff });
  const tiles = Array.from(tileSe, (se, t) => ({ row: Math.floor(t / GRID), col: t % GRID, psnr: psnrOf(se, tileN[t]!) }));
  const sorted = tiles.filter((t) => t.psnr !== null).sort((a, b) => a.psnr! - b.psnr!);
  const border = ringSe[0]!;
  const interiorSe = ringSe.slice(1).reduce((a, b) => a + b, 0);
  const interiorN = ringN.slice(1).reduce((a, b) => a + b, 0);
  const worst = sorted[0] ?? { row: 0, col: 0, psnr: null };
  return {
    border8Psnr: round(psnrOf(border, ringN[0]!)),
    interiorPsnr: round(psnrOf(interiorSe, interiorN)),
    rings: RINGS.map((from, r) => ({ from, to: RINGS[r + 1] ?? null, psnr: round(psnrOf(ringSe[r]!, ringN[r]!)) })),
    worstTile: { ...worst, psnr: round(worst.psnr) },
    medianTilePsnr: round(sorted[Math.floor(sorted.length / 2)]?.psnr ?? null),
    meanDiffRgb: sum.map((s) => round(s / (w * h), 3)!),
    maxAbsDiff: maxAbs,
  };
}

interface GpuRun {
  width: number;
  height: number;
  adapter: string;
  decodeMs: number;
  renderMs: number;
  exportMs: number;
  rgba8: string;
  mid: string;
}

/** Decode the brackets in the page and fuse them with a headless engine. */
async function fuseInPage(page: Page, count: number, exposures: number[], params: Params): Promise<GpuRun> {
  return page.evaluate(
    async ({ count, exposures, params }) => {
      const b64 = (bytes: Uint8Array) => {
        let s = '';
        for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        return btoa(s);
      };
      const { engine } = (window as unknown as { __hdr: { engine: typeof import('../src/engine') } }).__hdr;
      const t0 = performance.now();
      const brackets: { width: number; height: number; pixels: Uint8Array; exposure: number }[] = [];
      for (let i = 0; i < count; i++) {
        const blob = await (await fetch(`/__peers/${i}`)).blob();
        const bmp = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'from-image' });
        const canvas = new OffscreenCanvas(bmp.width, bmp.height);
        const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
        ctx.drawImage(bmp, 0, 0);
        const img = ctx.getImageData(0, 0, bmp.width, bmp.height);
        bmp.close();
        brackets.push({ width: img.width, height: img.height, pixels: new Uint8Array(img.data.buffer), exposure: exposures[i]! });
      }
      const decodeMs = performance.now() - t0;
      const e = await engine.createEngine();
      try {
        const { pipeline, gpu } = e;
        gpu.device.pushErrorScope('validation');
        const t1 = performance.now();
        pipeline.setMode('fusion');
        pipeline.setBrackets(brackets);
        pipeline.setParams(params);
        await pipeline.render();
        const t2 = performance.now();
        const out = await pipeline.exportRgba8(params);
        const t3 = performance.now();
        const err = await gpu.device.popErrorScope();
        if (err) throw new Error(`WebGPU validation: ${err.message}`);
        return {
          width: out.width,
          height: out.height,
          adapter: gpu.adapterInfo,
          decodeMs,
          renderMs: t2 - t1,
          exportMs: t3 - t2,
          rgba8: b64(out.data),
          mid: b64(brackets[Math.floor(count / 2)]!.pixels),
        };
      } finally {
        e.dispose();
      }
    },
    { count, exposures, params },
  );
}

interface SceneResult {
  scene: string;
  width?: number;
  height?: number;
  brackets?: number;
  exposureTimes?: number[];
  /** Wall times in the page (ms): JPEG decode, upload + fusion, finishing + readback. */
  gpu?: { decodeMs: number; renderMs: number; exportMs: number; fusionMs: number };
  /** Wall times of the CPU peers (ms, whole process: read JPEGs, fuse, write PNG). */
  cpu?: { opencvMs: number; enfuseMs: number | null };
  /** The browser's decode of the middle bracket vs OpenCV's (libjpeg) decode of the same JPEG. */
  decodeVsOpencv?: Metrics;
  oursVsOpencv?: Metrics & Where;
  oursVsEnfuse?: (Metrics & Where) | null;
  opencvVsEnfuse?: Metrics | null;
  outDir?: string;
  error?: string;
}

const fmt = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? '–' : Number.isFinite(x) ? x.toFixed(d) : '∞');

function table(rows: SceneResult[]): string {
  const head = [
    'scene',
    'size',
    'n',
    'ours vs OpenCV PSNR / SSIM',
    'border 8 px / interior PSNR',
    'worst tile PSNR',
    'ours vs enfuse PSNR / SSIM',
    'OpenCV vs enfuse PSNR / SSIM',
    'GPU fusion ms (render + export)',
    'OpenCV ms',
    'enfuse ms',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    if (r.error) {
      lines.push(`| ${r.scene} | ${r.width ?? '?'}x${r.height ?? '?'} | ${r.brackets ?? '?'} | failed: ${r.error.split('\n')[0]!.slice(0, 120)} |${' |'.repeat(head.length - 4)}`);
      continue;
    }
    const o = r.oursVsOpencv!;
    const e = r.oursVsEnfuse;
    const oe = r.opencvVsEnfuse;
    lines.push(
      `| ${[
        r.scene,
        `${r.width}x${r.height}`,
        r.brackets,
        `${fmt(o.PSNR)} / ${fmt(o.SSIM_RGB, 4)}`,
        `${fmt(o.border8Psnr)} / ${fmt(o.interiorPsnr)}`,
        `${fmt(o.worstTile.psnr)} (r${o.worstTile.row} c${o.worstTile.col})`,
        e ? `${fmt(e.PSNR)} / ${fmt(e.SSIM_RGB, 4)}` : '–',
        oe ? `${fmt(oe.PSNR)} / ${fmt(oe.SSIM_RGB, 4)}` : '–',
        `${Math.round(r.gpu!.fusionMs)} (${Math.round(r.gpu!.renderMs)} + ${Math.round(r.gpu!.exportMs)})`,
        Math.round(r.cpu!.opencvMs),
        r.cpu!.enfuseMs === null ? '–' : Math.round(r.cpu!.enfuseMs),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

async function compareScene(page: Page, scene: string, params: Params, hasEnfuse: boolean): Promise<SceneResult> {
  const dir = join(BRACKETS, scene);
  const out = join(OUT, scene);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const result: SceneResult = { scene, outDir: out };

  // 1. The exposures, shortest first, with their times ("path seconds" lines;
  //    the same list and order as `brackets.py DIR --files`).
  const rows = run(PY, [join(PEERS, 'brackets.py'), dir])
    .stdout.trim()
    .split('\n')
    .map((line) => {
      const at = line.lastIndexOf(' ');
      return { path: resolve(line.slice(0, at)), seconds: Number(line.slice(at + 1)) };
    });
  const times = rows.map((r) => r.seconds);
  if (times.some((t) => !(t > 0)) || times.some((t, i) => i > 0 && t < times[i - 1]!)) throw new Error(`bad exposure times ${times.join(', ')}`);
  const mid = times[Math.floor(times.length / 2)]!;
  result.brackets = rows.length;
  result.exposureTimes = times;

  // 2. Our fusion, in the page. The JPEG bytes are served to the page as they are.
  await page.route(/\/__peers\/\d+$/, (route) => route.fulfill({ path: rows[Number(new URL(route.request().url()).pathname.split('/').pop())]!.path, contentType: 'image/jpeg' }));
  const gpu = await fuseInPage(
    page,
    rows.length,
    times.map((t) => t / mid),
    params,
  );
  await page.unroute(/\/__peers\/\d+$/);
  result.width = gpu.width;
  result.height = gpu.height;
  result.gpu = { decodeMs: Math.round(gpu.decodeMs), renderMs: Math.round(gpu.renderMs), exportMs: Math.round(gpu.exportMs), fusionMs: Math.round(gpu.renderMs + gpu.exportMs) };
  const fromB64 = (s: string) => {
    const b = Buffer.from(s, 'base64');
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  };
  const ours = join(out, 'ours.png');
  writePng(ours, { width: gpu.width, height: gpu.height, data: fromB64(gpu.rgba8) });
  const midPng = join(out, `decoded-${basename(rows[Math.floor(rows.length / 2)]!.path)}.png`);
  writePng(midPng, { width: gpu.width, height: gpu.height, data: fromB64(gpu.mid) });
  result.decodeVsOpencv = metrics(rows[Math.floor(rows.length / 2)]!.path, midPng);

  // 3. The peers.
  const opencv = join(out, 'opencv.png');
  const cv = run(PY, [join(PEERS, 'opencv_hdr.py'), 'mertens', dir, opencv]);
  let enfuseMs: number | null = null;
  const enfuse = join(out, 'enfuse.png');
  if (hasEnfuse) {
    enfuseMs = run('enfuse', ['--exposure-weight=1', '--saturation-weight=1', '--contrast-weight=1', '-o', enfuse, ...rows.map((r) => r.path)]).ms;
  }
  result.cpu = { opencvMs: Math.round(cv.ms), enfuseMs: enfuseMs === null ? null : Math.round(enfuseMs) };

  // 4. Metrics, and where the differences sit.
  const oursImg = readPng(ours);
  result.oursVsOpencv = { ...metrics(opencv, ours), ...where(readPng(opencv), oursImg, join(out, 'diff-opencv-x8.png')) };
  if (hasEnfuse) {
    result.oursVsEnfuse = { ...metrics(enfuse, ours), ...where(readPng(enfuse), oursImg, join(out, 'diff-enfuse-x8.png')) };
    result.opencvVsEnfuse = metrics(enfuse, opencv);
  } else {
    result.oursVsEnfuse = result.opencvVsEnfuse = null;
  }
  return result;
}

const SCENES = scenes();
const localDate = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

test('exposure fusion vs OpenCV and enfuse on real bracket sets', async ({ browser, context }, testInfo) => {
  test.skip(!testInfo.config.metadata.peers, 'runs only with npm run compare:peers (bench/peers.config.ts)');
  const why = missing();
  test.skip(why !== null, why ?? '');
  test.skip(SCENES.length === 0, ONLY ? `no scene matches PEERS_SCENES=${ONLY.join(',')}` : `no scene folders in ${BRACKETS}`);
  test.setTimeout(SCENES.length * SCENE_TIMEOUT_MS);

  const hasEnfuse = onPath('enfuse');
  const params = defaultParams();
  // Wall times depend on what else the machine runs: record the load.
  const loadBefore = loadavg().map((x) => round(x)!);
  const started = performance.now();
  const results: SceneResult[] = [];
  let adapter = '';
  for (const scene of SCENES) {
    await test.step(scene, async () => {
      // A fresh page per scene: a crash or a lost device stays with its scene.
      const page = await context.newPage();
      const t0 = performance.now();
      let r: SceneResult;
      try {
        await page.goto(appUrl());
        await page.waitForFunction(() => document.querySelector('[data-testid=app]')?.getAttribute('data-busy') === 'false');
        adapter ||= await page.evaluate(() => {
          const s = (window as unknown as { __hdr: { store: { getState(): { gpu: { state: string; adapter?: string } } } } }).__hdr.store.getState();
          return s.gpu.adapter ?? s.gpu.state;
        });
        r = await compareScene(page, scene, params, hasEnfuse);
      } catch (err) {
        r = { scene, error: err instanceof Error ? err.message : String(err) };
      } finally {
        await page.close();
      }
      const wallS = Math.round((performance.now() - t0) / 100) / 10;
      results.push(r);
      await testInfo.attach(`${scene}.json`, { body: toJson(r), contentType: 'application/json' });
      console.log(`${scene}: ${r.error ? `FAILED ${r.error}` : `PSNR ${fmt(r.oursVsOpencv!.PSNR)} dB, SSIM ${fmt(r.oursVsOpencv!.SSIM_RGB, 4)} vs OpenCV`} (${wallS} s)`);
    });
  }

  const versions = {
    browser: `Chromium ${browser.version()}`,
    adapter,
    opencv: run(PY, ['-c', 'import cv2; print(cv2.__version__)']).stdout.trim(),
    enfuse: hasEnfuse ? (spawnSync('enfuse', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '').trim() : null,
  };
  const summary = {
    date: new Date().toISOString(),
    ...versions,
    decode: 'in the page: createImageBitmap(colorSpaceConversion none, premultiplyAlpha none, imageOrientation from-image) -> OffscreenCanvas -> getImageData',
    peers: {
      opencv: 'python3 ../shared/peers/opencv_hdr.py mertens DIR opencv.png (cv2.createMergeMertens(1,1,1), x255, clipped)',
      enfuse: hasEnfuse ? 'enfuse --exposure-weight=1 --saturation-weight=1 --contrast-weight=1 -o enfuse.png IMGS' : 'not installed',
      metrics: 'python3 ../shared/peers/metrics.py REF TEST --json (PSNR over RGB, SSIM Gaussian 11x11 sigma 1.5); border/rings/tiles: PSNR over RGB computed here',
    },
    params,
    machine: { cpus: cpus().length, loadAvg1_5_15Before: loadBefore, loadAvg1_5_15After: loadavg().map((x) => round(x)!) },
    outputs: OUT,
    wallSeconds: Math.round((performance.now() - started) / 1000),
    scenes: results,
  };
  const md = table(results);
  await testInfo.attach('peers.json', { body: toJson(summary), contentType: 'application/json' });
  await testInfo.attach('peers.md', { body: md, contentType: 'text/markdown' });
  writeFileSync(join(OUT, 'peers.json'), toJson(summary));
  if (!ONLY) {
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(new URL(`./results/${localDate()}-peers.json`, import.meta.url), toJson(summary));
  }
  console.log(`\n${md}\n\n${versions.browser}, adapter ${adapter}, OpenCV ${versions.opencv}, ${versions.enfuse ?? 'no enfuse'}; images in ${OUT}; ${summary.wallSeconds} s`);

  const failed = results.filter((r) => r.error);
  if (failed.length) throw new Error(`fusion failed on ${failed.map((r) => r.scene).join(', ')}: ${failed.map((r) => r.error).join('; ')}`);
});
