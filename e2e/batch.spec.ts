// The batch command against the editor: the CLI (src/cli/, built by Vite as
// `npm run build:cli` builds it, run in Node on Dawn) processes the two
// fixture sets with a preset, and the browser, given the same files and the
// same settings through the store, downloads the same PNGs. Two presets, one
// per mode, neither at the defaults: an HDR merge with the recovered camera
// response, Drago, local detail and two curves; a fusion with changed weights,
// range compression and a curve. A third set is the still life as 4:2:0 JPEGs
// from Chromium's own encoder, without EXIF (so both sides assume 2 EV steps):
// the batch decodes JPEG with libjpeg-turbo, as Chromium does, and must match
// there too. A damaged set in the same folder fails alone (reported, exit
// status 1) and the others are still written.
//
// Tolerance: every RGB sample within 1/255 (max |difference| ≤ 1). Both sides
// run the same WGSL on the same SwiftShader driver (Chromium's Dawn and the
// npm `webgpu` package's Dawn, different builds), and PNG decoding is
// lossless on both, so they should agree exactly or up to one rounding of
// the final 8-bit step; the test prints what it measured.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { build } from 'vite';
import type { CurvePoint } from '../src/engine/curve/curve';
import { defaultParams } from '../src/engine/params';
import { presetJson, type PresetEdit } from '../src/io/preset';
import { byteDiffs, decodePng, FIXTURES, fixturePaths, fromBase64, openApp, waitIdle, type FixtureSet, type PageCodec } from './helpers';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PORT = Number(process.env.E2E_PORT ?? 4173);
// Inside the project (so Node finds node_modules/webgpu from the bundle) and per port, as the app's e2e build.
const CLI_DIR = join(ROOT, `node_modules/.cache/e2e-cli-${PORT}`);
const CLI = join(CLI_DIR, 'hdr-batch.mjs');

const SETS: FixtureSet[] = ['goldengate-3', 'stilllife-5'];
/** The still life re-encoded as JPEG by the browser (made in the test). */
const JPEG_SET = 'stilllife-jpeg';
const ALL_SETS = [...SETS, JPEG_SET];
const setFiles = (set: string): string[] => (set === JPEG_SET ? fixturePaths('stilllife-5').map((_, i) => join(work, 'sets', JPEG_SET, `sl-${i + 1}.jpg`)) : fixturePaths(set as FixtureSet));
const identity = (): CurvePoint[] => [
  { x: 0, y: 0 },
  { x: 1, y: 1 },
];

const PRESETS: Record<'merge' | 'fusion', PresetEdit> = {
  merge: {
    mode: 'merge',
    params: { ...defaultParams(), toneOperator: 2, dragoBias: 0.8, exposure: 0.35, saturation: 1.15, gamma: 1.1, detail: 0.3 },
    curves: {
      luma: [
        { x: 0, y: 0 },
        { x: 0.25, y: 0.2 },
        { x: 0.75, y: 0.82 },
        { x: 1, y: 1 },
      ],
      r: [
        { x: 0, y: 0 },
        { x: 0.5, y: 0.55 },
        { x: 1, y: 1 },
      ],
      g: identity(),
      b: identity(),
    },
    response: 'recovered',
    align: true,
    look: 'manual',
  },
  fusion: {
    mode: 'fusion',
    params: { ...defaultParams(), contrastWeight: 1.5, saturationWeight: 0.6, exposureWeight: 1.3, rangeCompression: 0.4, exposure: -0.3, saturation: 0.9 },
    curves: {
      luma: [
        { x: 0, y: 0.03 },
        { x: 0.5, y: 0.55 },
        { x: 1, y: 0.97 },
      ],
      r: identity(),
      g: identity(),
      b: [
        { x: 0, y: 0 },
        { x: 0.5, y: 0.45 },
        { x: 1, y: 1 },
      ],
    },
    response: 'srgb',
    align: true,
    look: 'manual',
  },
};

type Hooks = {
  __hdr: {
    store: {
      getState(): {
        setMode(m: string): void;
        setParam(n: string, v: number): void;
        setCurve(c: string, points: CurvePoint[]): void;
        setResponse(r: string): void;
        setAlign(on: boolean): void;
      };
    };
  };
};

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function runCli(args: string[]): Promise<CliRun> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    // The env as it is: the command itself picks SwiftShader where there is no GPU driver.
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 240_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** The same settings as a preset, through the store's own actions (as the sliders and curve editor set them). */
async function applyEdit(page: Page, edit: PresetEdit): Promise<void> {
  await page.evaluate((e) => {
    const s = (window as unknown as Hooks).__hdr.store.getState();
    s.setMode(e.mode);
    for (const [name, value] of Object.entries(e.params)) s.setParam(name, value);
    for (const [channel, points] of Object.entries(e.curves)) s.setCurve(channel, points);
    s.setResponse(e.response);
    s.setAlign(e.align);
  }, edit);
  await waitIdle(page);
}

/** The fixture's brackets as JPEG (quality 0.9, 4:2:0) from Chromium's canvas encoder, no EXIF. */
async function makeJpegSet(page: Page): Promise<void> {
  mkdirSync(join(work, 'sets', JPEG_SET));
  for (const [i, path] of fixturePaths('stilllife-5').entries()) {
    const b64 = await page.evaluate(async (png) => {
      const { b64, unb64 } = (window as unknown as PageCodec).__codec;
      const bitmap = await createImageBitmap(new Blob([unb64(png) as Uint8Array<ArrayBuffer>]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
      return b64(new Uint8Array(await blob.arrayBuffer()));
    }, readFileSync(path).toString('base64'));
    writeFileSync(join(work, 'sets', JPEG_SET, `sl-${i + 1}.jpg`), fromBase64(b64));
  }
}

async function browserPng(page: Page, set: string) {
  await page.getByTestId('file-input').setInputFiles(setFiles(set));
  await waitIdle(page);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-png').click()]);
  return decodePng(readFileSync((await dl.path())!));
}

let work = '';

test.beforeAll(async () => {
  test.setTimeout(120_000);
  // The same build as `npm run build:cli`, into a folder of this run's own.
  await build({ configFile: join(ROOT, 'vite.cli.config.ts'), root: ROOT, logLevel: 'warn', build: { outDir: CLI_DIR } });
  work = mkdtempSync(join(tmpdir(), 'hdr-batch-e2e-'));
  for (const set of SETS) cpSync(join(FIXTURES, set), join(work, 'sets', set), { recursive: true });
  // A set that cannot be read: fails on its own, the others go on.
  mkdirSync(join(work, 'sets', 'zz-damaged'));
  for (const f of ['not-an-image.jpg', 'truncated.jpg']) cpSync(join(FIXTURES, 'bad', f), join(work, 'sets', 'zz-damaged', f));
  for (const [name, edit] of Object.entries(PRESETS)) writeFileSync(join(work, `${name}.json`), presetJson(edit));
});

test.afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('hdr-batch writes what the editor downloads, for three sets and two presets', async ({ page }) => {
  test.setTimeout(600_000);
  await openApp(page);
  await makeJpegSet(page);
  // Merge: the folder of folders, damaged set included.
  const merge = await runCli([join(work, 'sets'), '--preset', join(work, 'merge.json'), '--out', join(work, 'out-merge'), '--format', 'png,exr']);
  console.log(`merge run (${merge.ms} ms):\n${merge.stderr}`);
  expect(merge.code, 'a failed set makes the exit status 1').toBe(1);
  expect(merge.stderr).toContain('✗ zz-damaged: “not-an-image.jpg” is not a JPEG, PNG or TIFF image.');
  expect(merge.stderr).toContain(`! ${JPEG_SET}: no exposure times in the files’ EXIF: assuming 2 EV between brackets in file-name order`);
  expect(merge.stderr).toContain('hdr-batch: 3 of 4 sets written, 1 failed');
  expect(merge.stdout.trim().split('\n')).toEqual(ALL_SETS.flatMap((s) => [join(work, 'out-merge', `${s}-hdr.png`), join(work, 'out-merge', `${s}-hdr.exr`)]));
  // Fusion: each bracket folder given on its own.
  const fusion = await runCli([...ALL_SETS.map((s) => join(work, 'sets', s)), '-p', join(work, 'fusion.json'), '-o', join(work, 'out-fusion')]);
  console.log(`fusion run (${fusion.ms} ms):\n${fusion.stderr}`);
  expect(fusion.code).toBe(0);
  expect(fusion.stderr).toContain('hdr-batch: 3 of 3 sets written in');

  for (const [name, edit] of Object.entries(PRESETS) as ['merge' | 'fusion', PresetEdit][]) {
    await applyEdit(page, edit);
    for (const set of ALL_SETS) {
      const browser = await browserPng(page, set);
      const cli = decodePng(readFileSync(join(work, `out-${name}`, `${set}-hdr.png`)));
      expect([cli.width, cli.height], `${name} ${set}: size`).toEqual([browser.width, browser.height]);
      const d = byteDiffs(cli.data, browser.data);
      console.log(`${name} ${set}: max |CLI − browser| ${d.max}/255, mean ${d.mean.toFixed(4)}, ${(d.within1 * 100).toFixed(2)} % of pixels within 1`);
      expect(d.max, `${name} ${set}: every RGB sample within 1/255 of the browser's`).toBeLessThanOrEqual(1);
    }
  }
});
