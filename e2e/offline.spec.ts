// Works offline after the first visit: the build's service worker (sw.js,
// build/offline.ts) keeps every file of the build; with the network gone, a
// reload opens the app, the bundled sample and the same picture from that
// cache, an edit and a download work, and nothing was asked of another origin.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { CONTENT_SECURITY_POLICY } from '../vite.config';
import { OUT_DIR } from './playwright.config';
import { byteDiffs, decodePng, openApp, waitIdle } from './helpers';

// The config blocks service workers for the other specs; this one is about it, under the app's real policy.
test.use({ serviceWorkers: 'allow', bypassCSP: false });

const DIST = fileURLToPath(new URL(`../${OUT_DIR}/`, import.meta.url));
const SAMPLE = ['goldengate-1.jpg', 'goldengate-2.jpg', 'goldengate-3.jpg'];

interface Hooks {
  __hdr: { store: { getState(): { brackets: { name: string }[]; params: Record<string, number>; setParam(name: string, value: number): void } } };
}

const bracketNames = (page: Page) => page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().brackets.map((b) => b.name));

async function downloadPng(page: Page) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-png').click()]);
  return decodePng(readFileSync((await dl.path())!));
}

const meanRgb = (px: Uint8Array) => {
  let sum = 0;
  for (let i = 0; i < px.length; i += 4) sum += px[i]! + px[i + 1]! + px[i + 2]!;
  return sum / ((px.length / 4) * 3);
};

/** The service worker's caches as the page sees them: names, URLs and the bytes kept. */
const caches = (page: Page) =>
  page.evaluate(async () =>
    Promise.all(
      (await window.caches.keys()).map(async (name) => {
        const cache = await window.caches.open(name);
        const keys = await cache.keys();
        let bytes = 0;
        for (const k of keys) bytes += (await (await cache.match(k))!.blob()).size;
        return { name, urls: keys.map((k) => k.url), bytes };
      }),
    ),
  );

/** What the build wrote, as the worker should keep it: all but source maps and sw.js itself. */
function builtFiles(): string[] {
  return readdirSync(DIST, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(DIST, join(d.parentPath, d.name)).split(sep).join('/'))
    .filter((f) => !f.endsWith('.map') && f !== 'sw.js')
    .sort();
}

test('after the first visit it works offline: the page, the sample, the picture and an edit, all from the service worker’s cache', async ({ page, baseURL }) => {
  // Three starts of the app (first visit, controlled reload, offline reload), each a decode and a render on SwiftShader.
  test.setTimeout(300_000);
  const origin = new URL(baseURL!).origin;
  const requests: string[] = [];
  const byWorker: string[] = [];
  const failedInWorker: string[] = [];
  // The context sees the page's, its workers' and the service worker's requests.
  page.context().on('request', (r) => {
    requests.push(r.url());
    if (r.serviceWorker()) byWorker.push(r.url());
  });
  page.context().on('requestfailed', (r) => {
    if (r.serviceWorker()) failedInWorker.push(r.url());
  });
  let offline = false;
  const answeredOffline: { url: string; fromWorker: boolean }[] = [];
  page.context().on('response', (r) => {
    if (offline && !r.request().serviceWorker()) answeredOffline.push({ url: r.url(), fromWorker: r.fromServiceWorker() });
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });

  // First visit, online: the sample opens, and the worker installs and takes the page over.
  await openApp(page, '');
  expect(await bracketNames(page)).toEqual(SAMPLE);
  const online = await downloadPng(page);
  const script = `${origin}/sw.js`;
  expect(await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL)).toBe(script);
  await page.reload();
  await waitIdle(page);
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL), 'the reloaded page is controlled').toBe(script);

  // One cache, named as sw.js says, holding exactly the files of the build.
  const built = builtFiles();
  for (const f of ['index.html', 'favicon.svg', 'sample/manifest.json', ...SAMPLE.map((s) => `sample/${s}`)]) expect(built).toContain(f);
  for (const pattern of [/^assets\/index-.*\.js$/, /^assets\/index-.*\.css$/, /^assets\/.*\.wasm$/, /^assets\/decode\.worker-.*\.js$/, /^assets\/raw\.worker-.*\.js$/]) {
    expect(
      built.some((f) => pattern.test(f)),
      String(pattern),
    ).toBe(true);
  }
  const kept = await caches(page);
  expect(kept.map((c) => c.name)).toEqual([expect.stringMatching(/^hdr-studio-offline-[0-9a-f]{12}$/)]);
  expect(readFileSync(`${DIST}sw.js`, 'utf8')).toContain(`"cache": "${kept[0]!.name}"`);
  expect(kept[0]!.urls.sort()).toEqual(built.map((f) => `${origin}/${f === 'index.html' ? '' : f}`).sort());
  console.log(`offline cache ${kept[0]!.name}: ${built.length} files, ${(kept[0]!.bytes / 1024).toFixed(0)} kB`);

  // Forget the autosaved session, so the reload opens the sample as a first visit would (from the cache now).
  await page.getByTestId('session-menu').click();
  await page.getByTestId('forget').click();
  await expect(page.getByTestId('autosave')).toHaveAttribute('data-state', 'forgotten');

  // Offline.
  await page.context().setOffline(true);
  offline = true;
  expect(await page.evaluate(() => navigator.onLine)).toBe(false);
  const response = await page.reload();
  expect(response!.fromServiceWorker(), 'the page came from the service worker').toBe(true);
  expect(response!.headers()['content-security-policy'], 'with the policy it was served with').toBe(CONTENT_SECURITY_POLICY);
  await waitIdle(page);
  await expect(page.getByTestId('gpu-status')).toHaveCount(0);
  expect(await bracketNames(page), 'the sample, from the cache').toEqual(SAMPLE);
  await expect(page.locator('.message'), 'no message: nothing failed to load').toHaveCount(0);
  // The worker did try the network for the page (network first) and found none.
  expect(failedInWorker).toContain(response!.url());
  // And the page itself cannot reach the server: what is not kept fails.
  expect(
    await page.evaluate(() =>
      fetch('/sample/manifest.json?not-kept').then(
        () => 'reached',
        () => 'failed',
      ),
    ),
  ).toBe('failed');
  const ownFiles = answeredOffline.filter((r) => r.url.startsWith(`${origin}/`));
  for (const f of ['sample/manifest.json', ...SAMPLE.map((s) => `sample/${s}`)]) expect(ownFiles.map((r) => r.url)).toContain(`${origin}/${f}`);
  expect(
    ownFiles.filter((r) => !r.fromWorker && !r.url.endsWith('?not-kept')),
    'every file answered offline came from the worker',
  ).toEqual([]);

  // A picture: the canvas shows a scene (a centre row with many grey levels), and the download is the online one, byte for byte.
  const shot = decodePng(await page.getByTestId('preview').screenshot());
  const row = Math.floor(shot.height / 2) * shot.width * 4;
  const greys = new Set<number>();
  for (let x = 0; x < shot.width; x++) greys.add(shot.data[row + x * 4 + 1]!);
  expect(greys.size, 'the canvas is not blank').toBeGreaterThan(40);
  const offlinePicture = await downloadPng(page);
  expect(byteDiffs(offlinePicture.data, online.data).max, 'the same picture as online').toBe(0);

  // An edit, offline: one stop brighter on the canvas and in the download.
  await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().setParam('exposure', 1));
  await waitIdle(page);
  expect(await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().params.exposure)).toBe(1);
  const edited = await downloadPng(page);
  expect(meanRgb(edited.data), 'the edit shows').toBeGreaterThan(meanRgb(offlinePicture.data) + 10);
  const editedShot = decodePng(await page.getByTestId('preview').screenshot());
  expect(meanRgb(editedShot.data)).toBeGreaterThan(meanRgb(shot.data));
  await expect(page.locator('.message')).toHaveCount(0);

  // The whole session, with the worker in place: own origin only, no policy violation.
  const foreign = requests.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin);
  expect(foreign, 'requests to other origins').toEqual([]);
  expect(requests).toContain(script);
  expect(byWorker.length, 'the worker’s own requests are in the log').toBeGreaterThanOrEqual(built.length);
  expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations), 'policy violations').toEqual([]);
});
