// First contact: the bundled sample on open, a drop onto the page, a clear
// state where the browser has no WebGPU, and no automation handle unless asked.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { appUrl, decodePng, fixturePaths, openApp, waitIdle } from './helpers';

test('opens on the bundled sample and shows the fused picture; the merge finds the scene range', async ({ page }) => {
  await openApp(page, '');
  await expect(page.getByTestId('bracket')).toHaveCount(3);
  await expect(page.getByTestId('bracket').nth(2)).toContainText('+4.0 EV');
  await expect(page.getByTestId('mode-fusion')).toHaveAttribute('aria-pressed', 'true');
  await page.getByTestId('mode-merge').click();
  await waitIdle(page);
  // The luminance pass's statistics reach the panel: the sample spans well over 8 stops.
  await expect(page.getByTestId('scene-info')).toContainText(/Scene dynamic range\s*\d+\.\d stops/);
  const stops = Number((await page.getByTestId('scene-info').textContent())!.match(/(\d+\.\d) stops/)![1]);
  expect(stops).toBeGreaterThan(8);
  expect(stops).toBeLessThan(20);
  const shot = decodePng(await page.getByTestId('preview').screenshot());
  // Letterboxed picture in the middle: its centre is neither background nor flat.
  const row = Math.floor(shot.height / 2) * shot.width * 4;
  const greys = new Set<number>();
  for (let x = 0; x < shot.width; x += 4) greys.add(shot.data[row + x * 4 + 1]!);
  expect(greys.size).toBeGreaterThan(40);
});

test('brackets dropped onto the page are merged', async ({ page }) => {
  await openApp(page);
  const files = fixturePaths('goldengate-3').map((p) => ({ name: p.split('/').pop()!, b64: readFileSync(p).toString('base64') }));
  const dataTransfer = await page.evaluateHandle((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: 'image/png' }));
    return dt;
  }, files);
  const zone = page.getByTestId('drop-zone');
  await zone.dispatchEvent('dragenter', { dataTransfer });
  await expect(zone).toHaveClass(/dragging/);
  await zone.dispatchEvent('drop', { dataTransfer });
  await waitIdle(page);
  await expect(page.getByTestId('bracket')).toHaveCount(3);
  await expect(page.getByTestId('bracket').first()).toContainText('gg-1.png');
  await expect(zone).not.toHaveClass(/dragging/);
});

test('without WebGPU the page says so plainly', async ({ page }) => {
  await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
  await page.goto('/');
  await waitIdle(page);
  await expect(page.getByTestId('gpu-status')).toContainText('does not offer WebGPU');
  await expect(page.getByTestId('download-png')).toBeDisabled();
});

test('window.__hdr, the automation handle, is there only when the URL asks for it (?automation)', async ({ page }) => {
  type Hooks = { __hdr?: { store: { getState(): { gpu: { state: string } } }; engine: { createEngine?: unknown }; bridge: unknown } };
  const handle = () =>
    page.evaluate(() => {
      const h = (window as unknown as Hooks).__hdr;
      return h === undefined ? 'undefined' : { keys: Object.keys(h).sort(), gpu: h.store.getState().gpu.state, engine: typeof h.engine.createEngine, bridge: h.bridge !== null };
    });
  await page.goto('/?sample=0');
  await waitIdle(page);
  await expect(page.getByTestId('gpu-status')).toHaveCount(0);
  expect(await handle(), 'the product, as a user opens it').toBe('undefined');
  await page.goto(appUrl());
  await waitIdle(page);
  await expect(page.getByTestId('gpu-status')).toHaveCount(0);
  expect(await handle()).toEqual({ keys: ['bridge', 'engine', 'store'], gpu: 'ready', engine: 'function', bridge: true });
});
