// Bad input, one test each (issue 8, "Trust"): every file or drop a person
// may give the editor by mistake or from an unusual source gets a message
// naming the file and the problem. A refusal leaves the open set, its picture
// and every setting exactly as they were (state compared, canvas compared
// byte for byte); an acceptance makes the picture, and says what it did.
//
// Refused: an empty file, a text file named .jpg, a truncated JPEG, brackets
// of different sizes, brackets turned differently by their EXIF orientation,
// more than 16 files, an image larger than the GPU takes (from its header,
// before decoding), a drop of text.
// Accepted: one image (tone mapping of a single exposure), a PNG with
// transparency (alpha ignored), 16-bit PNGs (kept at 16 bits), a CMYK JPEG
// (the browser converts it), grey-scale JPEGs (as RGB), duplicate exposures
// (a warning), EXIF exposures the pixels contradict (a warning; the pixels'
// exposures are used), a dropped folder (its image files open as the set).
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { referencePipeline } from '../src/engine/reference/pipeline';
import type { Params } from '../src/engine/params';
import { pngChunkData, writeFlatPng, writePng } from '../test/support/png-writer';
import { byteDiffs, decodeJpeg, decodePng, FIXTURES, fixturePaths, loadFixture, lumaSpread, openApp, waitIdle } from './helpers';

interface StoreView {
  setName: string;
  mode: string;
  response: string;
  params: Params;
  curves: unknown;
  brackets: { name: string; ev: number; evSource: string; width: number; height: number; pixels: Uint8ClampedArray | Uint16Array }[];
  gpu: { state: string; maxDimension?: number };
  setParam(n: string, v: number): void;
}
type Hooks = { __hdr: { store: { getState(): StoreView } } };

/** What a refusal must leave as it was: the set, its exposures, the mode, the response and every setting. */
const state = (page: Page) =>
  page.evaluate(() => {
    const s = (window as unknown as Hooks).__hdr.store.getState();
    return {
      setName: s.setName,
      mode: s.mode,
      response: s.response,
      params: s.params,
      curves: s.curves,
      brackets: s.brackets.map((b) => ({ name: b.name, ev: b.ev, evSource: b.evSource, width: b.width, height: b.height })),
    };
  });

/** The canvas as the compositor shows it. */
async function canvasPixels(page: Page) {
  return decodePng(await page.getByTestId('preview').screenshot());
}

type InputFile = { name: string; mimeType: string; buffer: Buffer };
const png = (name: string, buffer: Buffer): InputFile => ({ name, mimeType: 'image/png', buffer });
const payload = (path: string): InputFile => ({ name: path.split('/').pop()!, mimeType: path.endsWith('.png') ? 'image/png' : 'image/jpeg', buffer: readFileSync(path) });

/** A picture with structure, not a flat fill or an empty canvas. */
function expectPicture(img: { data: Uint8Array }): void {
  expect(lumaSpread(img).std, 'the canvas has structure').toBeGreaterThan(15);
}

/** Open files given as paths, as bytes, or both. */
async function open(page: Page, files: (string | InputFile)[]) {
  await page.getByTestId('file-input').setInputFiles(files.map((f) => (typeof f === 'string' ? payload(f) : f)));
  await waitIdle(page);
}

async function dismissAll(page: Page) {
  const dismiss = page.getByTestId('error').getByRole('button', { name: 'Dismiss' });
  while ((await dismiss.count()) > 0) await dismiss.first().click();
}

const gg = fixturePaths('goldengate-3');
const ggBytes = gg.map((p) => readFileSync(p));
const ggImages = ggBytes.map((b) => decodePng(b));

/** A goldengate bracket's pixels written again, with some other file's eXIf chunk (or its own) and other choices. */
function rewrite(index: number, over: Partial<Parameters<typeof writePng>[0]> = {}, exifFrom = index): Buffer {
  const img = ggImages[index]!;
  const rgb = Array.from({ length: img.width * img.height * 3 }, (_, i) => img.data[Math.floor(i / 3) * 4 + (i % 3)]!);
  return writePng({ width: img.width, height: img.height, colourType: 2, bitDepth: 8, samples: rgb, exif: pngChunkData(ggBytes[exifFrom]!, 'eXIf')!, ...over });
}

/**
 * The refusal pattern: open a set, edit, feed the bad input, then the
 * message, the same state and the same canvas.
 */
async function expectRefusal(page: Page, feed: () => Promise<void>, message: RegExp | string | (() => string)) {
  await openApp(page);
  await open(page, fixturePaths('stilllife-5'));
  await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().setParam('exposure', 0.7));
  await waitIdle(page);
  const before = await state(page);
  const pixels = await canvasPixels(page);

  await feed();
  await waitIdle(page);
  await expect(page.getByTestId('error')).toContainText(typeof message === 'function' ? message() : message);
  expect(await state(page)).toEqual(before);
  // Dismiss the messages (they overlay the canvas), then compare the picture.
  await dismissAll(page);
  expect(byteDiffs((await canvasPixels(page)).data, pixels.data).max, 'canvas unchanged').toBe(0);
}

test.describe('refused: the current work stays as it was', () => {
  const cases: { title: string; files: () => string[] | InputFile[]; message: RegExp }[] = [
    { title: 'a zero-byte file', files: () => [`${FIXTURES}bad/empty.png`, ...gg.slice(1)], message: /“empty\.png” is empty \(0 bytes\)/ },
    { title: 'a text file named .jpg', files: () => [`${FIXTURES}bad/not-an-image.jpg`, ...gg.slice(1)], message: /“not-an-image\.jpg” is not a JPEG or PNG image/ },
    { title: 'a truncated JPEG', files: () => [`${FIXTURES}bad/truncated.jpg`, ...gg.slice(1)], message: /“truncated\.jpg” is truncated: the JPEG data ends early/ },
    {
      // Cropping or scaling one bracket alone would misalign it: refused, saying which sizes and what to do.
      title: 'brackets of different sizes',
      files: () => [...gg.slice(0, 2), `${FIXTURES}bad/other-size.png`],
      message: /“other-size\.png” is 160×128 but the other brackets are 320×256 \(“gg-1\.png”, “gg-2\.png”\): all brackets of a set must have the same size\. Remove it, or export the whole set again at one size/,
    },
    {
      title: 'more than 16 images',
      files: () => Array.from({ length: 17 }, (_, i) => png(`b${i}.png`, ggBytes[i % 3]!)),
      message: /17 files were given; at most 16 brackets can be merged/,
    },
  ];
  for (const c of cases) {
    test(c.title, async ({ page }) => {
      await expectRefusal(page, () => page.getByTestId('file-input').setInputFiles(c.files()), c.message);
    });
  }

  test('mixed orientation: one bracket turned by its EXIF tag', async ({ page }) => {
    // The browser applies EXIF orientation, so a bracket whose tag differs (a
    // tilt sensor that flipped mid-sequence) decodes portrait among landscape
    // ones. Which tag is right cannot be known: refused, naming it and both shapes.
    const files = [1, 2, 3].map((i) => {
      const bytes = Buffer.from(readFileSync(new URL(`../public/sample/goldengate-${i}.jpg`, import.meta.url)));
      if (i === 2) {
        const at = bytes.indexOf(Buffer.from([0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00]));
        expect(at).toBeGreaterThan(0);
        bytes.writeUInt16LE(6, at + 8);
      }
      return { name: `shot-${i}.jpg`, mimeType: 'image/jpeg', buffer: bytes };
    });
    await expectRefusal(
      page,
      () => page.getByTestId('file-input').setInputFiles(files),
      '“shot-2.jpg” is portrait (860×1262), the others landscape (1262×860): its EXIF orientation (turned 90° clockwise) differs from theirs (upright). Rotate it to match the others, or remove it from the set.',
    );
  });

  test('an image larger than the machine can encode is refused from its header, before any decoding', async ({ page }) => {
    await page.addInitScript(() => {
      const w = window as unknown as { __workers: number; Worker: typeof Worker };
      w.__workers = 0;
      const Base = w.Worker;
      w.Worker = class extends Base {
        constructor(url: string | URL, options?: WorkerOptions) {
          super(url, options);
          w.__workers++;
        }
      };
    });
    const workers = () => page.evaluate(() => (window as unknown as { __workers: number }).__workers);
    let started = -1;
    await expectRefusal(
      page,
      async () => {
        // Any size opens (tiled), but 20000 × 16000 is more than a canvas can encode (16384², engine/graph/fits.ts);
        // 1.3 GB of RGBA to decode, its PNG of equal rows is a few hundred kB.
        const huge = writeFlatPng(20000, 16000, 90);
        expect(huge.length).toBeLessThan(1 << 20);
        started = await workers();
        await page.getByTestId('file-input').setInputFiles([png('gg-1.png', ggBytes[0]!), png('huge.png', huge), png('gg-3.png', ggBytes[2]!)]);
      },
      () => '“huge.png” cannot be opened on this device: 20000×16000 (320.0 MP) is larger than the 268 MP (16384×16384) a browser can encode as JPEG or PNG.',
    );
    expect(await workers(), 'no decode worker was started for the refused set').toBe(started);
  });

  test('a drop of text (non-file data) from another page', async ({ page }) => {
    await expectRefusal(
      page,
      async () => {
        const dataTransfer = await page.evaluateHandle(() => {
          const dt = new DataTransfer();
          dt.setData('text/plain', 'a sunset over the bay');
          return dt;
        });
        await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer });
      },
      /Nothing to open: the drop held text, not image files \(pictures on web pages are not downloaded\)\. Drag the image files, or their folder, from your file manager/,
    );
  });
});

test.describe('accepted, with a message saying what was done', () => {
  const brackets = (page: Page) =>
    page.evaluate(() =>
      (window as unknown as Hooks).__hdr.store.getState().brackets.map((b) => ({ name: b.name, ev: b.ev, evSource: b.evSource, wide: b.pixels instanceof Uint16Array, first: Array.from(b.pixels.subarray(0, 4)) })),
    );

  test('one image: tone mapping of a single exposure, and its downloads', async ({ page }) => {
    await openApp(page);
    await open(page, [gg[1]!]);
    await expect(page.getByTestId('error')).toContainText('One image (“gg-2.png”): tone-mapping a single exposure. There is nothing to merge, align or deghost');
    expect((await brackets(page)).map((b) => [b.name, b.ev, b.evSource])).toEqual([['gg-2.png', 0, 'exif']]);
    await expect(page.getByTestId('bracket')).toHaveCount(1);
    await dismissAll(page);
    expectPicture(await canvasPixels(page));

    // Merge mode: the single exposure linearised and tone-mapped, as the CPU reference does it.
    await page.getByTestId('mode-merge').click();
    await waitIdle(page);
    expectPicture(await canvasPixels(page));
    const { params } = await state(page);
    const ref = referencePipeline([{ ...loadFixture('goldengate-3')[1]!, exposure: 1 }], params);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-png').click()]);
    expect(dl.suggestedFilename()).toBe('gg-hdr.png');
    const img = decodePng(readFileSync(await dl.path()));
    expect([img.width, img.height]).toEqual([320, 256]);
    const d = byteDiffs(img.data, ref.rgba8);
    expect(d.within1, `PNG within 1 level of the reference (max ${d.max})`).toBeGreaterThanOrEqual(0.999);
    const [jpg] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-jpeg').click()]);
    const jimg = decodeJpeg(readFileSync(await jpg.path()));
    expect([jimg.width, jimg.height]).toEqual([320, 256]);
    expect(byteDiffs(jimg.data, ref.rgba8).mean, 'JPEG close to the reference').toBeLessThan(6);
  });

  test('a PNG with transparency: alpha ignored, its colours merged as they are', async ({ page }) => {
    await openApp(page);
    await open(page, gg);
    await dismissAll(page);
    const plain = await canvasPixels(page);
    // The same pixels with an alpha channel: fully transparent on the left half, half transparent elsewhere.
    const img = ggImages[1]!;
    const rgba = Array.from(img.data, (v, i) => (i % 4 === 3 ? ((i >> 2) % img.width < img.width / 2 ? 0 : 128) : v));
    const alpha = writePng({ width: img.width, height: img.height, colourType: 6, bitDepth: 8, samples: rgba, exif: pngChunkData(ggBytes[1]!, 'eXIf')! });
    await open(page, [gg[0]!, png('gg-2.png', alpha), gg[2]!]);
    await expect(page.getByTestId('error')).toContainText('“gg-2.png”: transparency ignored (the alpha channel is not used: every pixel’s colour is merged as if opaque).');
    await dismissAll(page);
    expect(byteDiffs((await canvasPixels(page)).data, plain.data).max, 'the same picture as the opaque set').toBe(0);
  });

  test('16-bit PNGs: kept at 16 bits', async ({ page }) => {
    await openApp(page);
    await open(page, gg);
    await dismissAll(page);
    const eight = await canvasPixels(page);
    // 16-bit samples between the 8-bit codes (v·257 + 100): only a 16-bit decoder keeps them.
    const wide = [0, 1, 2].map((i) => {
      const img = ggImages[i]!;
      const rgb = Array.from({ length: img.width * img.height * 3 }, (_, k) => Math.min(65535, img.data[Math.floor(k / 3) * 4 + (k % 3)]! * 257 + 100));
      return png(`gg16-${i + 1}.png`, rewrite(i, { bitDepth: 16, samples: rgb, srgb: true }));
    });
    await open(page, wide);
    await expect(page.getByTestId('error')).toContainText('16-bit PNG brackets, gamma-encoded: an sRGB chunk: merging with the sRGB camera response');
    const b = await brackets(page);
    expect(b.map((x) => [x.name, x.ev, x.evSource, x.wide])).toEqual([
      ['gg16-1.png', 0, 'exif', true],
      ['gg16-2.png', 2, 'exif', true],
      ['gg16-3.png', 4, 'exif', true],
    ]);
    expect(b[0]!.first.slice(0, 3)).toEqual(Array.from(ggImages[0]!.data.subarray(0, 3), (v) => Math.min(65535, v * 257 + 100)));
    await dismissAll(page);
    const picture = await canvasPixels(page);
    expectPicture(picture);
    expect(byteDiffs(picture.data, eight.data).mean, 'close to the 8-bit set’s picture').toBeLessThan(2);
  });

  test('a CMYK JPEG: converted to RGB by the browser, with a warning', async ({ page }) => {
    // Chromium decodes CMYK and YCCK JPEGs to RGB (checked: the fixture, gg-2
    // through ImageMagick's CMYK, comes back within a few levels of the
    // original). No camera writes CMYK, so the warning asks for the RGB originals.
    await openApp(page);
    await open(page, gg);
    await dismissAll(page);
    const rgb = await canvasPixels(page);
    await open(page, [gg[0]!, `${FIXTURES}bad/cmyk.jpg`, gg[2]!]);
    await expect(page.getByTestId('error')).toContainText('“cmyk.jpg”: a CMYK JPEG (a print separation, not a camera file), converted to RGB by the browser without colour management: colours may be off.');
    expect((await brackets(page)).map((b) => [b.name, b.ev, b.evSource])).toEqual([
      ['gg-1.png', 0, 'exif'],
      ['cmyk.jpg', 2, 'exif'],
      ['gg-3.png', 4, 'exif'],
    ]);
    await dismissAll(page);
    const picture = await canvasPixels(page);
    expectPicture(picture);
    expect(byteDiffs(picture.data, rgb.data).mean, 'close to the RGB set’s picture').toBeLessThan(4);
  });

  test('grey-scale JPEGs: read as RGB, a grey picture', async ({ page }) => {
    await openApp(page);
    await open(
      page,
      [1, 2, 3].map((i) => `${FIXTURES}bad/grey-${i}.jpg`),
    );
    await expect(page.getByTestId('error')).toContainText('“grey-1.jpg”, “grey-2.jpg”, “grey-3.jpg”: grey-scale, read as RGB (R = G = B).');
    expect((await brackets(page)).map((b) => [b.ev, b.evSource])).toEqual([
      [0, 'exif'],
      [2, 'exif'],
      [4, 'exif'],
    ]);
    await dismissAll(page);
    const picture = await canvasPixels(page);
    expectPicture(picture);
    // The picture sits centred at fit (the page around it is a bluish grey): its middle.
    let worst = 0;
    const { width, height, data } = picture;
    for (let y = Math.round(height * 0.35); y < height * 0.65; y++) {
      for (let x = Math.round(width * 0.35); x < width * 0.65; x++) {
        const i = (y * width + x) * 4;
        worst = Math.max(worst, Math.abs(data[i]! - data[i + 1]!), Math.abs(data[i + 2]! - data[i + 1]!));
      }
    }
    expect(worst, 'R = G = B in the picture').toBeLessThanOrEqual(2);
  });

  test('duplicate exposures: kept, with a warning naming the files', async ({ page }) => {
    await openApp(page);
    await open(page, [gg[0]!, gg[1]!, png('gg-2b.png', ggBytes[1]!), gg[2]!]);
    await expect(page.getByTestId('error')).toContainText('“gg-2.png” and “gg-2b.png” have the same exposure (+2.0 EV): a duplicate adds no dynamic range. All are kept');
    expect((await brackets(page)).map((b) => [b.name, b.ev, b.evSource])).toEqual([
      ['gg-1.png', 0, 'exif'],
      ['gg-2.png', 2, 'exif'],
      ['gg-2b.png', 2, 'exif'],
      ['gg-3.png', 4, 'exif'],
    ]);
    await dismissAll(page);
    expectPicture(await canvasPixels(page));
  });

  test('EXIF exposures the pixels contradict: a warning naming both EVs, the pixels’ exposures used', async ({ page }) => {
    await openApp(page);
    // The darkest frame carries the brightest one's EXIF and the other way round.
    await open(page, [png('gg-1.png', rewrite(0, {}, 2)), gg[1]!, png('gg-3.png', rewrite(2, {}, 0))]);
    await expect(page.getByTestId('error')).toContainText(
      'The EXIF exposures contradict the pictures: “gg-1.png” is +4.0 EV by its EXIF but 0.0 EV by its pixels; “gg-3.png” is 0.0 EV by its EXIF but +4.0 EV by its pixels. Using the exposures measured from the pixels',
    );
    const b = await brackets(page);
    expect(b.map((x) => x.name)).toEqual(['gg-1.png', 'gg-2.png', 'gg-3.png']);
    expect(b.map((x) => x.evSource)).toEqual(['pixels', 'pixels', 'pixels']);
    b.forEach((x, i) => expect(Math.abs(x.ev - 2 * i), `${x.name} EV ${x.ev}`).toBeLessThan(0.1));
    await expect(page.getByTestId('bracket').nth(2)).toContainText('from pixels');
    await dismissAll(page);
    expectPicture(await canvasPixels(page));
  });

  test('a dropped folder: its image files open as the set, named after it', async ({ page }) => {
    await openApp(page);
    const files = [...gg.map((p) => ({ name: p.split('/').pop()!, b64: readFileSync(p).toString('base64') })), { name: 'notes.txt', b64: Buffer.from('shot at dusk').toString('base64') }];
    // A synthetic DataTransfer cannot hold a real folder: its item's entry is
    // stood in for by an object with FileSystemDirectoryEntry's reading methods.
    const dataTransfer = await page.evaluateHandle((files) => {
      const entries = files.map((f) => {
        const file = new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.name.endsWith('.png') ? 'image/png' : 'text/plain' });
        return { isFile: true, isDirectory: false, name: f.name, file: (ok: (f: File) => void) => ok(file) };
      });
      const folder = {
        isFile: false,
        isDirectory: true,
        name: 'gg-folder',
        createReader: () => {
          let done = false;
          return { readEntries: (ok: (e: object[]) => void) => ok(done ? [] : ((done = true), entries)) };
        },
      };
      const original = DataTransferItem.prototype.webkitGetAsEntry;
      DataTransferItem.prototype.webkitGetAsEntry = function (this: DataTransferItem) {
        return this.getAsFile()?.name === 'gg-folder' ? (folder as unknown as FileSystemEntry) : original.call(this);
      };
      const dt = new DataTransfer();
      dt.items.add(new File([], 'gg-folder'));
      return dt;
    }, files);
    await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer });
    await expect(page.getByTestId('error')).toContainText('Opening the 3 image files of the folder “gg-folder”. 1 other file in “gg-folder” was left out (“notes.txt”: not images this editor reads).');
    await expect(page.getByTestId('bracket')).toHaveCount(3);
    await waitIdle(page);
    expect((await brackets(page)).map((b) => [b.name, b.ev])).toEqual([
      ['gg-1.png', 0],
      ['gg-2.png', 2],
      ['gg-3.png', 4],
    ]);
    expect((await state(page)).setName).toBe('gg-folder');
    await dismissAll(page);
    expectPicture(await canvasPixels(page));
  });
});
