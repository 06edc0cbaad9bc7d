// Edits are never lost: the edit and the brackets come back after a reload
// (IndexedDB autosave), undo/redo walks the history one step per slider
// release or curve drop with the canvas following, presets round trip
// through a file (a bad one changes nothing and says why), and Forget
// deletes what is kept so a reload opens the sample again.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type { Curves } from '../src/engine/curve/curve';
import type { Params } from '../src/engine/params';
import { plotBox, toCanvas } from '../src/ui/curve-geometry';
import { appUrl, byteDiffs, decodePng, fixturePaths, openApp, waitIdle } from './helpers';

interface EditView {
  mode: string;
  params: Params;
  curves: Curves;
  response: string;
  align: boolean;
  look: string;
  setName: string;
  brackets: { name: string; ev: number }[];
}
type Hooks = {
  __hdr: {
    store: {
      getState(): Omit<EditView, 'brackets'> & {
        brackets: { name: string; ev: number }[];
        clearMessages(): void;
        setParam(n: string, v: number): void;
        setMode(m: string): void;
        setResponse(r: string): void;
        setAlign(on: boolean): void;
        resetCurves(): void;
      };
    };
  };
};

const edit = (page: Page): Promise<EditView> =>
  page.evaluate(() => {
    const s = (window as unknown as Hooks).__hdr.store.getState();
    return { mode: s.mode, params: s.params, curves: s.curves, response: s.response, align: s.align, look: s.look, setName: s.setName, brackets: s.brackets.map((b) => ({ name: b.name, ev: b.ev })) };
  });
/** The edit fields a preset and the history cover. */
const settings = ({ mode, params, curves, response, align, look }: EditView) => ({ mode, params, curves, response, align, look });

/** The canvas as shown, with the messages (which sit over it) cleared first. */
async function canvas(page: Page) {
  await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().clearMessages());
  await expect(page.locator('.message')).toHaveCount(0);
  return decodePng(await page.getByTestId('preview').screenshot());
}

async function downloadPng(page: Page) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-png').click()]);
  return decodePng(readFileSync((await dl.path())!));
}

/** Drag a tweakpane slider from the middle of its track to a fraction of it, in several moves. */
async function dragSlider(page: Page, param: string, fraction: number) {
  const track = page.getByTestId(`param-${param}`).locator('.tp-sldv_t');
  await track.scrollIntoViewIfNeeded();
  const box = (await track.boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width / 2, y);
  await page.mouse.down();
  for (let i = 1; i <= 6; i++) await page.mouse.move(box.x + box.width / 2 + ((fraction - 0.5) * box.width * i) / 6, y);
  await page.mouse.up();
  await waitIdle(page);
}

/** Click on the curve at a curve-space point (adds a point there). */
async function clickCurve(page: Page, x: number, y: number) {
  const c = page.getByTestId('curve-canvas');
  await c.scrollIntoViewIfNeeded();
  const box = (await c.boundingBox())!;
  const p = toCanvas(plotBox(box.width, box.height), { x, y });
  await page.mouse.click(box.x + p.px, box.y + p.py);
  await waitIdle(page);
}

/** Records in the app's IndexedDB store (the database exists once autosave has written). */
const storedRecords = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const r = indexedDB.open('hdr-studio');
        r.onerror = () => reject(r.error);
        r.onsuccess = () => {
          const db = r.result;
          if (!db.objectStoreNames.contains('session')) {
            db.close();
            resolve(0);
            return;
          }
          const c = db.transaction('session').objectStore('session').count();
          c.onsuccess = () => {
            db.close();
            resolve(c.result);
          };
          c.onerror = () => reject(c.error);
        };
      }),
  );

const saved = (page: Page) => expect(page.getByTestId('autosave')).toHaveAttribute('data-state', 'saved');

async function openFixture(page: Page) {
  await openApp(page);
  await page.getByTestId('file-input').setInputFiles(fixturePaths('goldengate-3'));
  await waitIdle(page);
}

test('edit, reload: params, curve and brackets are back, and so is the picture', async ({ page }) => {
  await openFixture(page);
  await dragSlider(page, 'exposure', 0.58);
  await clickCurve(page, 0.5, 0.65);
  const before = await edit(page);
  expect(before.params.exposure, 'the slider moved').toBeGreaterThan(0.5);
  expect(before.curves.luma).toHaveLength(3);
  const shown = await canvas(page);
  const exported = await downloadPng(page);
  await saved(page);
  expect(await storedRecords(page), 'the edit and the pixels').toBe(2);

  await page.reload();
  await waitIdle(page);
  await expect(page.getByTestId('error')).toContainText(`Your last session is back: “${before.setName}”`);
  const after = await edit(page);
  expect(after, 'params, curves, mode, response, align, set name and brackets').toEqual(before);
  await expect(page.getByTestId('bracket')).toHaveCount(3);
  await expect(page.getByTestId('undo'), 'a restored session starts a fresh history').toBeDisabled();
  const d = byteDiffs((await canvas(page)).data, shown.data);
  expect(d.max, 'the canvas is the same picture').toBeLessThanOrEqual(1);
  expect(byteDiffs((await downloadPng(page)).data, exported.data).max, 'the download is the same picture').toBe(0);
});

test('undo/redo walks the history one step per release, with the canvas following', async ({ page }) => {
  await openFixture(page);
  await expect(page.getByTestId('undo')).toBeDisabled();
  await expect(page.getByTestId('redo')).toBeDisabled();
  const states = [await edit(page)];
  const pictures = [await canvas(page)];
  // Three edits: a slider drag (six moves, one release), a curve point, a click on another slider's track.
  await dragSlider(page, 'exposure', 0.6);
  states.push(await edit(page));
  pictures.push(await canvas(page));
  await clickCurve(page, 0.35, 0.6);
  states.push(await edit(page));
  pictures.push(await canvas(page));
  const track = page.getByTestId('param-saturation').locator('.tp-sldv_t');
  await track.scrollIntoViewIfNeeded();
  const tb = (await track.boundingBox())!;
  await page.mouse.click(tb.x + tb.width * 0.15, tb.y + tb.height / 2);
  await waitIdle(page);
  states.push(await edit(page));
  pictures.push(await canvas(page));
  expect(states[1]!.params.exposure).toBeGreaterThan(0.5);
  expect(states[2]!.curves.luma).toHaveLength(3);
  expect(states[3]!.params.saturation).toBeLessThan(0.5);
  for (let i = 1; i <= 3; i++) expect(byteDiffs(pictures[i]!.data, pictures[i - 1]!.data).mean, `edit ${i} changes the picture`).toBeGreaterThan(1);
  await expect(page.getByTestId('undo')).toBeEnabled();

  // Typing in a text field keeps Ctrl+Z for the text.
  const field = page.getByTestId('param-exposure').locator('input');
  await field.focus();
  await page.keyboard.press('Control+z');
  expect(settings(await edit(page))).toEqual(settings(states[3]!));
  await field.blur();

  // Undo ×3: keyboard, keyboard, button.
  const undo = [() => page.keyboard.press('Control+z'), () => page.keyboard.press('Control+z'), () => page.getByTestId('undo').click()];
  for (let i = 2; i >= 0; i--) {
    await undo[2 - i]!();
    await waitIdle(page);
    expect(settings(await edit(page)), `undo to state ${i}`).toEqual(settings(states[i]!));
    expect(byteDiffs((await canvas(page)).data, pictures[i]!.data).max, `canvas after undo to state ${i}`).toBeLessThanOrEqual(1);
  }
  await expect(page.getByTestId('undo'), 'the slider drag was one step: nothing before it').toBeDisabled();
  await expect(page.getByTestId('redo')).toBeEnabled();

  // Redo ×3: Shift+Ctrl+Z, Ctrl+Y, button.
  const redo = [() => page.keyboard.press('Control+Shift+z'), () => page.keyboard.press('Control+y'), () => page.getByTestId('redo').click()];
  for (let i = 1; i <= 3; i++) {
    await redo[i - 1]!();
    await waitIdle(page);
    expect(settings(await edit(page)), `redo to state ${i}`).toEqual(settings(states[i]!));
    expect(byteDiffs((await canvas(page)).data, pictures[i]!.data).max, `canvas after redo to state ${i}`).toBeLessThanOrEqual(1);
  }
  await expect(page.getByTestId('redo')).toBeDisabled();

  // A new edit after an undo clears the redo.
  await page.keyboard.press('Control+z');
  await page.getByTestId('mode-merge').click();
  await waitIdle(page);
  await expect(page.getByTestId('redo')).toBeDisabled();
});

test('a preset round trips through a file; a bad preset file gets a message and changes nothing', async ({ page }) => {
  await openFixture(page);
  await page.getByTestId('mode-merge').click();
  await waitIdle(page);
  await dragSlider(page, 'exposure', 0.45);
  await clickCurve(page, 0.6, 0.45);
  const chosen = await edit(page);
  const picture = await canvas(page);

  await page.getByTestId('session-menu').click();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('preset-save').click()]);
  expect(dl.suggestedFilename()).toBe(`${chosen.setName}-preset.json`);
  const bytes = readFileSync((await dl.path())!);
  const file = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  expect(file).toEqual({ app: 'hdr-studio-preset', version: 1, ...settings(chosen) });

  // Change everything, then load the file.
  await page.evaluate(() => {
    const s = (window as unknown as Hooks).__hdr.store.getState();
    s.setMode('fusion');
    s.setParam('exposure', 1.5);
    s.setParam('saturation', 0.3);
    s.resetCurves();
    s.setResponse('linear');
    s.setAlign(false);
  });
  await waitIdle(page);
  const changed = await edit(page);
  await page.getByTestId('preset-input').setInputFiles({ name: 'look-preset.json', mimeType: 'application/json', buffer: bytes });
  await waitIdle(page);
  expect(settings(await edit(page)), 'the settings are the saved ones').toEqual(settings(chosen));
  await expect(page.getByTestId('error')).toContainText('Preset “look-preset.json” loaded.');
  expect(byteDiffs((await canvas(page)).data, picture.data).max, 'and so is the picture').toBeLessThanOrEqual(1);

  // Loading was one undo step.
  await page.keyboard.press('Control+z');
  await waitIdle(page);
  expect(settings(await edit(page))).toEqual(settings(changed));
  await page.keyboard.press('Control+Shift+z');
  await waitIdle(page);
  expect(settings(await edit(page))).toEqual(settings(chosen));

  // Bad files: each says what is wrong, naming the file; nothing changes.
  const bad: [string, string, RegExp][] = [
    ['broken.json', bytes.toString('utf8').slice(0, 60), /Preset “broken\.json” was not loaded: it is not valid JSON/],
    ['other-app.json', JSON.stringify({ ...file, app: 'lightroom' }), /Preset “other-app\.json” was not loaded: it is not an HDR Studio preset/],
    ['typed.json', JSON.stringify({ ...file, params: { ...chosen.params, exposure: 'bright' } }), /Preset “typed\.json” was not loaded: "params\.exposure" is the text "bright", not a number/],
    ['missing.json', JSON.stringify({ ...file, curves: undefined }), /Preset “missing\.json” was not loaded: "curves" is missing/],
  ];
  for (const [name, text, message] of bad) {
    await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().clearMessages());
    await page.getByTestId('preset-input').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
    await expect(page.locator('.message[data-kind="error"]')).toHaveText(message);
    expect(settings(await edit(page)), `${name} changes nothing`).toEqual(settings(chosen));
  }
  await expect(page.getByTestId('redo'), 'and adds no undo step').toBeDisabled();
  await page.keyboard.press('Control+z');
  expect(settings(await edit(page))).toEqual(settings(changed));
});

test('forget deletes what is kept; a reload then opens the sample', async ({ page }) => {
  await openFixture(page);
  await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().setParam('exposure', 1.5));
  await waitIdle(page);
  await saved(page);
  expect(await storedRecords(page)).toBe(2);

  await page.getByTestId('session-menu').click();
  await expect(page.getByTestId('autosave')).toHaveText('Saved');
  await page.getByTestId('forget').click();
  await expect(page.getByTestId('error')).toContainText('Forgotten: the pictures and settings kept in this browser are deleted.');
  await expect(page.getByTestId('autosave')).toHaveAttribute('data-state', 'forgotten');
  expect(await storedRecords(page)).toBe(0);

  // With the sample on (no ?sample=0), as a first visit.
  await page.goto(appUrl(''));
  await waitIdle(page);
  await expect(page.getByTestId('bracket')).toHaveCount(3);
  const s = await edit(page);
  expect(s.brackets.map((b) => b.name)).toEqual(['goldengate-1.jpg', 'goldengate-2.jpg', 'goldengate-3.jpg']);
  expect(s.params.exposure, 'the forgotten edit stays forgotten').toBe(0);
  await expect(page.getByTestId('error')).not.toContainText('last session');
});
