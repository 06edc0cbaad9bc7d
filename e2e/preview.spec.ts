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
import { expect, test, type Page } from '@playwright/test';
import { fromBase64, openApp, psnr, type PageCodec } from './helpers';

type Hooks = {
  __hdr: {
    store: { getState(): { setParam(n: string, v: number): void; setMode(m: string): void; setCurve(c: string, p: { x: number; y: number }[]): void } };
    bridge: {
      settled(): Promise<void>;
      engine: {
        pipeline: {
          readDisplay(): Promise<{ width: number; height: number; data: Uint8Array }>;
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

/** The export averaged over the downsample pass's footprints (shaders/downsample.wgsl), in linear light, as RGBA codes (alpha 0, unused). */
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
