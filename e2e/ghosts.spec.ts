// Deghosting in the app: a piece of the scene moves across 2 of the 5
// stilllife brackets (pasted at a different place in each: exposure-consistent,
// as a real moving object is). Merged with Deghost at 0 the object leaves
// ghosts along its path; at full strength, inside that path, the merged
// radiance must differ from the ghost-free merge (the untouched fixtures) by at
// most a third of what it does with deghosting off, and so must the fused image. The ghost mask tints the
// canvas there and nowhere much else.
import { expect, test, type Page } from '@playwright/test';
import { decodePng, fixturePaths, floatsFromBase64, GHOST_OBJECT as OBJECT, GHOST_PATH as PATH, openApp, waitIdle, withGhosts, type PageCodec } from './helpers';

type Hooks = {
  __hdr: {
    store: { getState(): { setParam(n: string, v: number): void; setMode(m: string): void; params: Record<string, number> } };
    bridge: {
      settled(): Promise<void>;
      engine: {
        pipeline: {
          readRadiance(): Promise<{ width: number; height: number; data: Float32Array }>;
          readFused(): Promise<{ width: number; height: number; data: Float32Array }>;
          ghostReference: number;
          debug: { runs: Record<string, number> };
        };
      };
    };
  };
};

async function radiance(page: Page, what: 'readRadiance' | 'readFused' = 'readRadiance'): Promise<Float32Array> {
  const b64 = await page.evaluate(async (read) => {
    const { b64 } = (window as unknown as PageCodec).__codec;
    const r = await (window as unknown as Hooks).__hdr.bridge.engine.pipeline[read]();
    return b64(new Uint8Array(r.data.buffer));
  }, what);
  return floatsFromBase64(b64);
}

const setMode = (page: Page, mode: 'merge' | 'fusion') =>
  page.evaluate(async (m) => {
    const h = (window as unknown as Hooks).__hdr;
    h.store.getState().setMode(m);
    await h.bridge.settled();
  }, mode);

/** Mean |log2 luminance ratio| over the object's path in the moved brackets. */
function pathError(a: Float32Array, b: Float32Array, width: number): number {
  const lum = (d: Float32Array, i: number) => 0.2126 * d[i]! + 0.7152 * d[i + 1]! + 0.0722 * d[i + 2]!;
  let sum = 0;
  let n = 0;
  for (const p of PATH) {
    for (let y = p.y; y < p.y + OBJECT.h; y++) {
      for (let x = p.x; x < p.x + OBJECT.w; x++) {
        const i = (y * width + x) * 4;
        sum += Math.abs(Math.log2(Math.max(lum(a, i), 1e-6) / Math.max(lum(b, i), 1e-6)));
        n++;
      }
    }
  }
  return sum / n;
}

const setParam = (page: Page, name: string, v: number) =>
  page.evaluate(
    async ([n, value]) => {
      const h = (window as unknown as Hooks).__hdr;
      h.store.getState().setParam(n as string, value as number);
      await h.bridge.settled();
    },
    [name, v] as const,
  );

test('deghosting removes a moving object from the merge and the fusion; the ghost mask shows where', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('mode-merge').click();
  // The ghost-free merge: the untouched fixtures.
  await page.getByTestId('file-input').setInputFiles(fixturePaths('stilllife-5'));
  await waitIdle(page);
  await setParam(page, 'deghostReference', 2);
  const clean = await radiance(page);
  await setMode(page, 'fusion');
  const cleanFused = await radiance(page, 'readFused');
  await setMode(page, 'merge');

  await page.getByTestId('file-input').setInputFiles(withGhosts());
  await waitIdle(page);
  // The app finds the object and turns deghosting on by itself (defaults.spec.ts): off, as the user can set it.
  await setParam(page, 'deghost', 0);
  const width = 320;
  const off = pathError(await radiance(page), clean, width);

  // Full strength through the slider (its right end).
  const slider = page.getByTestId('deghost').locator('.tp-sldv_t');
  await slider.scrollIntoViewIfNeeded();
  const box = (await slider.boundingBox())!;
  const runs0 = await page.evaluate(() => ({ ...(window as unknown as Hooks).__hdr.bridge.engine.pipeline.debug.runs }));
  await page.mouse.click(box.x + box.width - 1, box.y + box.height / 2);
  await waitIdle(page);
  const strength = await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().params.deghost);
  expect(strength).toBeGreaterThan(0.95);
  const runs1 = await page.evaluate(() => ({ ...(window as unknown as Hooks).__hdr.bridge.engine.pipeline.debug.runs }));
  expect(runs1.deghost, 'the slider runs deghosting').toBeGreaterThan(runs0.deghost!);
  expect(runs1.upload, 'and never re-uploads').toBe(runs0.upload);
  expect(await page.evaluate(() => (window as unknown as Hooks).__hdr.bridge.engine.pipeline.ghostReference)).toBe(2);
  const on = pathError(await radiance(page), clean, width);
  console.log(`stilllife-5, object in brackets 1 and 3: path error off ${off.toFixed(3)} stops, on ${on.toFixed(3)} stops (${((100 * on) / off).toFixed(1)} %)`);
  expect(off, 'the object leaves ghosts without deghosting').toBeGreaterThan(0.05);
  expect(on, 'deghosting removes at least two thirds of them').toBeLessThanOrEqual(off / 3);

  // Fusion reads the brackets with the rejected shares filled (merge.wgsl fill8_main): the object goes there too.
  await setMode(page, 'fusion');
  const fusedOn = pathError(await radiance(page, 'readFused'), cleanFused, width);
  await setParam(page, 'deghost', 0);
  const fusedOff = pathError(await radiance(page, 'readFused'), cleanFused, width);
  console.log(`fusion: path error off ${fusedOff.toFixed(3)} stops, on ${fusedOn.toFixed(3)} stops (${((100 * fusedOn) / fusedOff).toFixed(1)} %)`);
  expect(fusedOff, 'the object leaves ghosts in the fusion without deghosting').toBeGreaterThan(0.05);
  expect(fusedOn, 'deghosting removes at least two thirds of them from the fusion').toBeLessThanOrEqual(fusedOff / 3);
  await setParam(page, 'deghost', strength!);
  await setMode(page, 'merge');

  // The mask tints the object's path on the canvas.
  const shot = async () => decodePng(await page.getByTestId('preview').screenshot({ style: '.view-bar, .compare-divider { visibility: hidden !important; }' }));
  const plain = await shot();
  await page.getByTestId('ghost-mask').check();
  await waitIdle(page);
  const tinted = await shot();
  let changed = 0;
  for (let i = 0; i < plain.data.length; i += 4) if (Math.abs(plain.data[i + 1]! - tinted.data[i + 1]!) > 8) changed++;
  const total = plain.data.length / 4;
  expect(changed, 'some pixels are tinted').toBeGreaterThan(500);
  expect(changed / total, 'only the ghosts are').toBeLessThan(0.25);
  await page.getByTestId('ghost-mask').uncheck();
  await waitIdle(page);
  expect(Buffer.compare(Buffer.from((await shot()).data), Buffer.from(plain.data))).toBe(0);
});
