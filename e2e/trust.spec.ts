// Trust (issue 8): a lost GPU device is restarted and the same picture comes
// back with the same settings, without a reload; replacing the brackets over
// and over leaks neither GPU textures and buffers nor JS heap.
import { expect, test, type Page } from '@playwright/test';
import { fixturePaths, fromBase64, openApp, waitIdle, type PageCodec } from './helpers';

interface Counts {
  textures: number;
  buffers: number;
  bytes: number;
}

type Hooks = {
  __hdr: {
    store: {
      getState(): {
        setParam(n: string, v: number): void;
        setMode(m: string): void;
        setCurve(c: string, p: { x: number; y: number }[]): void;
        setBrackets(name: string, b: unknown[]): void;
        brackets: { id: string; pixels: Uint8ClampedArray; [k: string]: unknown }[];
        params: Record<string, number>;
        curves: Record<string, unknown>;
        mode: string;
        messages: { text: string; kind: string }[];
      };
    };
    bridge: {
      settled(): Promise<void>;
      engine: {
        gpu: { device: GPUDevice };
        pipeline: { readDisplay(): Promise<{ width: number; height: number; data: Uint8Array }>; res: { counts(): Counts }; debug: { runs: Record<string, number> } };
      };
    };
  };
};

async function display(page: Page): Promise<{ width: number; height: number; data: Uint8Array }> {
  const r = await page.evaluate(async () => {
    const h = (window as unknown as Hooks).__hdr;
    await h.bridge.settled();
    const d = await h.bridge.engine.pipeline.readDisplay();
    return { width: d.width, height: d.height, b64: (window as unknown as PageCodec).__codec.b64(d.data) };
  });
  return { width: r.width, height: r.height, data: fromBase64(r.b64) };
}

const edit = (page: Page) =>
  page.evaluate(() => {
    const s = (window as unknown as Hooks).__hdr.store.getState();
    return JSON.stringify({ mode: s.mode, params: s.params, curves: s.curves, brackets: s.brackets.map((b) => b.id) });
  });

test('a lost GPU device is restarted: the same picture and settings, no reload', async ({ page }) => {
  test.setTimeout(180_000);
  await openApp(page);
  await page.getByTestId('mode-merge').click();
  await page.getByTestId('file-input').setInputFiles(fixturePaths('stilllife-5'));
  await waitIdle(page);
  await page.evaluate(async () => {
    const h = (window as unknown as Hooks).__hdr;
    h.store.getState().setParam('exposure', 0.7);
    h.store.getState().setParam('detail', 0.4);
    h.store.getState().setCurve('luma', [
      { x: 0, y: 0 },
      { x: 0.4, y: 0.5 },
      { x: 1, y: 1 },
    ]);
    await h.bridge.settled();
    // Survives only if the page is not reloaded.
    (window as unknown as { __marker: number }).__marker = 42;
  });
  await waitIdle(page);
  const before = await display(page);
  const settings = await edit(page);

  await page.evaluate(() => (window as unknown as Hooks).__hdr.bridge.engine.gpu.device.destroy());
  await expect(page.getByTestId('error')).toContainText('has been restarted', { timeout: 60_000 });
  await waitIdle(page);
  const after = await display(page);
  expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), 'no reload').toBe(42);
  expect(await edit(page), 'the same settings').toBe(settings);
  expect([after.width, after.height]).toEqual([before.width, before.height]);
  let diff = 0;
  for (let i = 0; i < before.data.length; i++) diff = Math.max(diff, Math.abs(before.data[i]! - after.data[i]!));
  expect(diff, 'the same picture, byte for byte').toBe(0);
  // The new device works on: an edit re-renders.
  const runs = await page.evaluate(() => (window as unknown as Hooks).__hdr.bridge.engine.pipeline.debug.runs.tonemap);
  await page.evaluate(async () => {
    const h = (window as unknown as Hooks).__hdr;
    h.store.getState().setParam('exposure', 0.2);
    await h.bridge.settled();
  });
  expect(await page.evaluate(() => (window as unknown as Hooks).__hdr.bridge.engine.pipeline.debug.runs.tonemap)).toBeGreaterThan(runs!);
});

test('50 bracket replacements: live GPU objects back to the baseline, JS heap bounded', async ({ page }) => {
  test.setTimeout(600_000);
  await openApp(page);
  await page.getByTestId('mode-merge').click();
  // Two sets of different sizes and counts, alternated, so every size-dependent texture is reallocated.
  await page.getByTestId('file-input').setInputFiles(fixturePaths('goldengate-3'));
  await waitIdle(page);
  const cdp = await page.context().newCDPSession(page);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    // ArrayBuffer backing stores (the decoded pixels) are outside the JS heap proper: count both.
    const u = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
    return u.usedSize + (u.backingStorageSize ?? 0);
  };
  // Each cycle hands the store copies of the decoded brackets (new pixel arrays: a new upload, merge and alignment).
  const cycle = (k: number) =>
    page.evaluate(async (k) => {
      const h = (window as unknown as Hooks).__hdr;
      const set = (window as unknown as { __sets: { pixels: Uint8ClampedArray }[][] }).__sets[k % 2]!;
      h.store.getState().setBrackets(
        `cycle-${k}`,
        set.map((b, i) => ({ ...b, id: `c${k}-${i}`, pixels: new Uint8ClampedArray(b.pixels) })),
      );
      await h.bridge.settled();
      return h.bridge.engine.pipeline.res.counts();
    }, k);
  await page.evaluate(() => {
    const w = window as unknown as { __sets?: unknown[] };
    w.__sets = [(window as unknown as Hooks).__hdr.store.getState().brackets];
  });
  await page.getByTestId('file-input').setInputFiles(fixturePaths('stilllife-5'));
  await waitIdle(page);
  await page.evaluate(() => {
    const w = window as unknown as { __sets: unknown[] };
    w.__sets.push((window as unknown as Hooks).__hdr.store.getState().brackets);
  });

  const counts: Counts[] = [];
  const heaps: number[] = [];
  for (let k = 0; k < 50; k++) {
    counts.push(await cycle(k));
    if (k % 10 === 0) console.log(`cycle ${k + 1}: ${JSON.stringify(counts[k])}`);
    if (k === 1 || k === 9 || k === 49) heaps.push(await heap());
  }
  await waitIdle(page);
  const [even, odd] = [counts[0]!, counts[1]!];
  console.log(`live after cycle 1 (goldengate-3): ${JSON.stringify(even)}; cycle 2 (stilllife-5): ${JSON.stringify(odd)}`);
  console.log(`after cycle 49: ${JSON.stringify(counts[48])}, 50: ${JSON.stringify(counts[49])}`);
  console.log(`messages: ${JSON.stringify(await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().messages.map((m) => m.text)))}`);
  console.log(`JS heap after cycles 2, 10, 50: ${heaps.map((h) => (h / 2 ** 20).toFixed(1)).join(', ')} MiB`);
  for (const [k, c] of counts.entries()) expect(c, `cycle ${k + 1}`).toEqual(k % 2 === 0 ? even : odd);
  // Bounded: 40 more replacements may not add more than 16 MiB (a set's pixels here are ~1.6 MiB; a leak of one set per cycle would add ~60).
  expect(heaps[2]! - heaps[1]!, 'JS heap growth from cycle 10 to 50').toBeLessThan(16 * 2 ** 20);
  const messages = await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().messages.map((m) => `${m.kind}: ${m.text}`));
  expect(
    messages.filter((m) => m.startsWith('error')),
    'no error on the way',
  ).toEqual([]);
});
