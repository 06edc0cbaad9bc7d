// Nothing leaves the machine: a whole session (open on the bundled sample,
// edit, zoom, compare, download a picture and the radiance map) makes requests
// to the page's own origin only, under the app's Content-Security-Policy,
// with no policy violation; and the policy really blocks a remote origin.
// The offline service worker runs (it fetches the whole build) and its
// requests are in the log too.
import { expect, test } from '@playwright/test';
import { CONTENT_SECURITY_POLICY } from '../vite.config';
import { appUrl, waitIdle } from './helpers';

// This spec checks the policy, so it must not be bypassed (the config bypasses it for pass-level specs);
// and the service worker the config blocks for other specs is part of the session.
test.use({ bypassCSP: false, serviceWorkers: 'allow' });

test('a whole session requests only its own origin, under a strict Content-Security-Policy', async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const requests: string[] = [];
  const byServiceWorker: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  // Workers' requests too (the decoders and encoders fetch their own chunks; the service worker, the build).
  page.context().on('request', (r) => {
    requests.push(r.url());
    if (r.serviceWorker()) byServiceWorker.push(r.url());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const response = await page.goto(appUrl(''));
  expect(response!.headers()['content-security-policy'], 'the server sends the policy').toBe(CONTENT_SECURITY_POLICY);
  await expect(page.locator('meta[http-equiv="Content-Security-Policy"]'), 'and the page carries it').toHaveAttribute('content', CONTENT_SECURITY_POLICY);
  for (const directive of ['unsafe-eval', 'http:', 'https:', '*']) expect(CONTENT_SECURITY_POLICY.split(/[\s;]+/)).not.toContain(directive === 'unsafe-eval' ? `'${directive}'` : directive);

  // The bundled sample opens by itself.
  await expect(page.getByTestId('preview')).toBeVisible();
  await waitIdle(page);
  await expect.poll(() => page.evaluate(() => (window as unknown as { __hdr: { store: { getState(): { brackets: unknown[] } } } }).__hdr.store.getState().brackets.length)).toBeGreaterThan(1);

  // Edit, zoom, compare, switch modes.
  await page.evaluate(() => (window as unknown as { __hdr: { store: { getState(): { setParam(n: string, v: number): void } } } }).__hdr.store.getState().setParam('exposure', 0.7));
  await page.getByTestId('zoom-100').click();
  await page.getByTestId('compare').check();
  await page.getByTestId('mode-merge').click();
  await waitIdle(page);

  // Downloads: a picture and the radiance map (encoded in a worker).
  for (const id of ['download-png', 'download-exr']) {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(id).click()]);
    expect((await dl.path()) !== null).toBe(true);
  }
  await waitIdle(page);
  // The offline service worker has installed: its whole build was fetched (the log covers it).
  expect(await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL)).toBe(`${origin}/sw.js`);
  expect(requests).toContain(`${origin}/sw.js`);
  expect(
    byServiceWorker.some((u) => u.endsWith('.wasm')),
    'the service worker’s requests are seen',
  ).toBe(true);

  const foreign = requests.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin);
  expect(requests.length, 'the session made requests (the check sees them)').toBeGreaterThan(5);
  expect(foreign, 'requests to other origins').toEqual([]);
  expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations), 'policy violations').toEqual([]);

  // The policy is enforced: a remote fetch is refused before it leaves.
  const remote = await page.evaluate(() =>
    fetch('https://example.com/leak').then(
      () => 'sent',
      (e: unknown) => `refused: ${String(e)}`,
    ),
  );
  expect(remote).toMatch(/^refused/);
  expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations.join(' '))).toContain('connect-src');
});
