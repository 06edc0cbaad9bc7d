// The preview and the export agree. The canvas shows a canvas-sized preview:
// the full-size merge or fusion box-downsampled, then finished (tone map,
// curve) at that size; the export finishes at full size. Local detail is
// scale-dependent: while edits go on it runs on the preview, and once they
// pause the view settles on the full-size filter, downsampled, as the export
// uses it (pipeline.settleDetail()). Downscaled to the preview's size (the
// downsample pass's own footprints, averaged in linear light as the preview
// averages radiance), the export must match the settled preview at
// PSNR ≥ 40 dB (RGB, 8-bit), in both modes, with the defaults, a curve, and
// local detail with a curve. The preview-scale filter's figure (what a drag
// shows) is printed, not asserted. The bundled sample (1262×860) is shown
// about 2.2× smaller in an 800×600 window.
//
// Preview first: a new set, or a drag of a fusion weight, is shown first as a
// draft (the merge or fusion of the brackets box-downsampled to canvas size,
// src/engine/draft/draft.ts), and the full-size result follows once edits pause.
// The draft is an approximation: its agreement with the export is printed
// and held to a looser bound (DRAFT_MIN_DB); the settled picture is held to
// 40 dB as above.
import { expect, test, type Page } from '@playwright/test';
import { fromBase64, openApp, psnr, waitIdle, type PageCodec } from './helpers';

type Hooks = {
  __hdr: {
    store: { getState(): { setParam(n: string, v: number): void; setMode(m: string): void; setCurve(c: string, p: { x: number; y: number }[]): void } };
    bridge: {
      settled(): Promise<void>;
      engine: {
        pipeline: {
          readDisplay(opts?: { draft?: boolean }): Promise<{ width: number; height: number; data: Uint8Array }>;
          render(opts?: { draft?: boolean }): Promise<void>;
          readonly drafted: boolean;
          debug: { runs: Record<string, number>; draftRuns: Record<string, number> };
          exportRgba8(): Promise<{ width: number; height: number; data: Uint8Array }>;
        };
      };
    };
  };
};

interface Image8 {
  width: number;
  height: number;
  data: Uint8Array;
}

async function previewAndExport(page: Page): Promise<{ preview: Image8; full: Image8 }> {
  const r = await page.evaluate(async () => {
    const { b64 } = (window as unknown as PageCodec).__codec;
    const h = (window as unknown as Hooks).__hdr;
    await h.bridge.settled();
    const p = h.bridge.engine.pipeline;
    const preview = await p.readDisplay();
    const full = await p.exportRgba8();
    return { pw: preview.width, ph: preview.height, p: b64(preview.data), fw: full.width, fh: full.height, f: b64(full.data) };
  });
  return { preview: { width: r.pw, height: r.ph, data: fromBase64(r.p) }, full: { width: r.fw, height: r.fh, data: fromBase64(r.f) } };
}

const toLinear = (c: number) => {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
};
const toCode = (v: number) => 255 * (v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055);

/** The export averaged over the downsample pass's footprints (shaders/view/downsample.wgsl), in linear light, as RGBA codes (alpha 0, unused). */
function downscale(full: Image8, width: number, height: number): Float64Array {
  const lin = Float64Array.from({ length: 256 }, (_, c) => toLinear(c));
  const out = new Float64Array(width * height * 4);
  for (let oy = 0; oy < height; oy++) {
    const y0 = Math.floor((oy * full.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((oy + 1) * full.height) / height));
    for (let ox = 0; ox < width; ox++) {
      const x0 = Math.floor((ox * full.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((ox + 1) * full.width) / width));
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += lin[full.data[4 * (y * full.width + x) + c]!]!;
        out[4 * (oy * width + ox) + c] = toCode(s / ((x1 - x0) * (y1 - y0)));
      }
    }
  }
  return out;
}

function agreement(page: Page, label: string): Promise<number> {
  return previewAndExport(page).then(({ preview, full }) => {
    expect(full.width / preview.width, 'the preview is a real downscale').toBeGreaterThan(2);
    const db = psnr(preview.data, downscale(full, preview.width, preview.height));
    console.log(`${label}: preview ${preview.width}×${preview.height} vs export ${full.width}×${full.height} downscaled: PSNR ${db.toFixed(2)} dB`);
    return db;
  });
}

/** The preview as the next frame draws it, before the view settles on the full-size filter (what a drag shows). */
async function dragPreview(page: Page): Promise<Image8> {
  const r = await page.evaluate(async () => {
    const { b64 } = (window as unknown as PageCodec).__codec;
    const d = await (window as unknown as Hooks).__hdr.bridge.engine.pipeline.readDisplay();
    return { w: d.width, h: d.height, p: b64(d.data) };
  });
  return { width: r.w, height: r.h, data: fromBase64(r.p) };
}

const setEdit = (page: Page, mode: string, detail: number, range: number, curve: { x: number; y: number }[]) =>
  page.evaluate(
    async ([m, d, r, c]) => {
      const h = (window as unknown as Hooks).__hdr;
      h.store.getState().setMode(m as string);
      h.store.getState().setParam('detail', d as number);
      h.store.getState().setParam('rangeCompression', r as number);
      h.store.getState().setCurve('luma', c as { x: number; y: number }[]);
    },
    [mode, detail, range, curve] as const,
  );

const LINE = [
  { x: 0, y: 0 },
  { x: 1, y: 1 },
];
const S_CURVE = [
  { x: 0, y: 0 },
  { x: 0.3, y: 0.22 },
  { x: 0.7, y: 0.8 },
  { x: 1, y: 1 },
];

test('the preview agrees with the downscaled export (PSNR ≥ 40 dB)', async ({ page }) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 800, height: 600 });
  await openApp(page, '');
  const results: [string, number][] = [];
  for (const mode of ['merge', 'fusion'] as const) {
    for (const [label, detail, range, curve] of [
      ['defaults', 0, 0, LINE],
      ['a curve', 0, 0, S_CURVE],
      ['local detail and a curve', 0.5, 0.5, S_CURVE],
    ] as const) {
      await setEdit(page, mode, detail, range, curve);
      if (detail !== 0) {
        const drag = await dragPreview(page);
        const { full } = await previewAndExport(page);
        console.log(`${mode}, ${label}, preview-scale filter (a drag): PSNR ${psnr(drag.data, downscale(full, drag.width, drag.height)).toFixed(2)} dB`);
      }
      results.push([`${mode}, ${label}`, await agreement(page, `${mode}, ${label}`)]);
    }
  }
  for (const [label, db] of results) expect(db, label).toBeGreaterThanOrEqual(40);
});

/** A draft is close to the export, though not equal (the merge averages codes, the fusion has fewer fine levels). */
const DRAFT_MIN_DB = 33;

interface Frame {
  draft: boolean;
  drafted: boolean;
  ms: number;
  fusion: number;
  merge: number;
}

test('preview first: a new set and a weight drag show a draft at canvas size, then the full-size result', async ({ page }) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 800, height: 600 });
  await openApp(page, '');
  // Every frame the bridge renders, with whether it showed a draft.
  await page.evaluate(() => {
    const p = (window as unknown as Hooks).__hdr.bridge.engine.pipeline;
    const frames: Frame[] = ((window as unknown as { __frames: Frame[] }).__frames = []);
    const render = p.render.bind(p);
    p.render = async (opts?: { draft?: boolean }) => {
      const t0 = performance.now();
      await render(opts);
      // The bridge's frames pass their draft flag; reads and exports call render() without one.
      if (opts) frames.push({ draft: opts.draft === true, drafted: p.drafted, ms: performance.now() - t0, fusion: p.debug.runs.fusion!, merge: p.debug.runs.merge! });
    };
  });
  const frames = () => page.evaluate(() => (window as unknown as { __frames: Frame[] }).__frames.splice(0));

  // The sample again, as a new set: a draft first, then the full-size fusion.
  await page.getByTestId('file-input').setInputFiles([1, 2, 3].map((i) => `public/sample/goldengate-${i}.jpg`));
  await waitIdle(page);
  const load = await frames();
  console.log(`load: ${load.map((f) => `${f.drafted ? 'draft' : 'full'} ${f.ms.toFixed(0)} ms`).join(', ')}`);
  expect(load[0]?.drafted, 'the first frame of a new set is a draft').toBe(true);
  expect(load.at(-1)?.drafted, 'the last frame is the full-size result').toBe(false);
  expect(load.at(-1)!.fusion, 'one full-size fusion, after the draft').toBe(load[0]!.fusion + 1);

  // A drag of a weight: drafts while it moves, one full-size fusion once it stops.
  const before = await page.evaluate(() => {
    const p = (window as unknown as Hooks).__hdr.bridge.engine.pipeline;
    return { fusion: p.debug.runs.fusion!, drafts: p.debug.draftRuns.fusion! };
  });
  await page.evaluate(async () => {
    const s = (window as unknown as Hooks).__hdr.store.getState();
    for (let i = 1; i <= 12; i++) {
      s.setParam('contrastWeight', 1 - i * 0.05);
      await new Promise((r) => setTimeout(r, 40));
    }
  });
  await waitIdle(page);
  const drag = await frames();
  const after = await page.evaluate(() => {
    const p = (window as unknown as Hooks).__hdr.bridge.engine.pipeline;
    return { fusion: p.debug.runs.fusion!, drafts: p.debug.draftRuns.fusion! };
  });
  console.log(`drag: ${drag.map((f) => `${f.drafted ? 'draft' : 'full'} ${f.ms.toFixed(0)} ms`).join(', ')}; ${after.drafts - before.drafts} draft fusions, ${after.fusion - before.fusion} full-size`);
  expect(after.drafts - before.drafts, 'the drag was drawn from drafts').toBeGreaterThanOrEqual(2);
  // Drafts while it moves, then full frames only (the settle, and what follows it).
  const settle = drag.findIndex((f) => !f.drafted);
  expect(settle, 'drafts first').toBeGreaterThanOrEqual(2);
  expect(
    drag.slice(settle).every((f) => !f.drafted),
    'no draft after the settle',
  ).toBe(true);
  expect(after.fusion, 'one full-size fusion, after the drag').toBe(before.fusion + 1);

  // The draft against the export, and the settled picture against it, in both modes.
  for (const [mode, param, value] of [
    ['fusion', 'saturationWeight', 0.6],
    ['merge', 'exposure', 0],
  ] as const) {
    const r = await page.evaluate(
      async ([m, name, v]) => {
        const { b64 } = (window as unknown as PageCodec).__codec;
        const h = (window as unknown as Hooks).__hdr;
        const p = h.bridge.engine.pipeline;
        h.store.getState().setMode(m);
        // Merge mode was never merged in this session; in fusion mode the new weight makes the fusion stale.
        h.store.getState().setParam(name, v);
        const draft = await p.readDisplay({ draft: true });
        const drafted = p.drafted;
        await h.bridge.settled();
        const settled = await p.readDisplay();
        const full = await p.exportRgba8();
        return { drafted, w: draft.width, h: draft.height, d: b64(draft.data), s: b64(settled.data), fw: full.width, fh: full.height, f: b64(full.data) };
      },
      [mode, param, value] as const,
    );
    expect(r.drafted, `${mode}: a draft was shown`).toBe(true);
    const reference = downscale({ width: r.fw, height: r.fh, data: fromBase64(r.f) }, r.w, r.h);
    const draftDb = psnr(fromBase64(r.d), reference);
    const settledDb = psnr(fromBase64(r.s), reference);
    console.log(`${mode}: draft vs downscaled export ${draftDb.toFixed(2)} dB, settled ${settledDb.toFixed(2)} dB (${r.w}×${r.h} of ${r.fw}×${r.fh})`);
    expect(draftDb, `${mode}: the draft is close to the export`).toBeGreaterThanOrEqual(DRAFT_MIN_DB);
    expect(settledDb, `${mode}: the settled picture agrees with the export`).toBeGreaterThanOrEqual(40);
  }
});
