// HDR display preview: where the display reports (dynamic-range: high), the
// view bar's HDR toggle reconfigures the canvas as rgba16float with extended
// tone mapping, and the canvas then shows linear extended sRGB with
// highlights above 1.0. The HDR display comes from Chromium's
// --force-color-profile=hdr10 (a browser of its own for those tests): the
// DevTools protocol's Emulation.setEmulatedMedia ignores dynamic-range in
// Chromium 156 (it does emulate color-gamut), so the media query's change
// event cannot be driven from here. What was
// presented is read back from the canvas texture itself (toDataURL would clip
// it to 8 bits) and checked pixel by pixel against the CPU reference
// (src/engine/present/reference/present.ts) computed from the same frame's display
// and tone-mapper input textures.
import { expect, test, type Page } from '@playwright/test';
import { halfToFloat } from '../src/engine/half';
import { srgbToLinear } from '../src/engine/reference/color';
import { HDR_HEADROOM, hdrPresent } from '../src/engine/present/reference/present';
import type { PresentReadback } from '../src/engine/present/passes/present';
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { decodePng, fixturePaths, fromBase64, openApp, waitIdle, type PageCodec } from './helpers';
import config from './playwright.config';

/** PresentReadback with its arrays as base64, as it crosses from the page. */
type Wire = Omit<PresentReadback, 'canvas' | 'display' | 'source'> & {
  canvas: string;
  display: { width: number; height: number; data: string };
  source: { width: number; height: number; data: string };
  toneMapping: string | null;
};
type Frame = PresentReadback & { toneMapping: string | null };
type Hooks = {
  __hdr: {
    store: { getState(): { hdrDisplay: boolean; split: number; setParam(name: string, v: number): void } };
    bridge: { engine: { pipeline: { debug: { readPresented(): Promise<PresentReadback> } } } };
  };
};

/** The canvas as presented, the textures present read, and the canvas's tone-mapping mode. */
async function presented(page: Page): Promise<Frame> {
  const w = await page.evaluate(async (): Promise<Wire> => {
    const { b64 } = (window as unknown as PageCodec).__codec;
    const r = await (window as unknown as Hooks).__hdr.bridge.engine.pipeline.debug.readPresented();
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="preview"]')!;
    const config = canvas.getContext('webgpu')!.getConfiguration();
    return {
      ...r,
      canvas: b64(r.canvas),
      display: { ...r.display, data: b64(r.display.data) },
      source: { ...r.source, data: b64(new Uint8Array(r.source.data.buffer)) },
      toneMapping: config?.toneMapping?.mode ?? null,
    };
  });
  return {
    ...w,
    canvas: fromBase64(w.canvas).slice(),
    display: { ...w.display, data: fromBase64(w.display.data).slice() },
    source: { ...w.source, data: new Float32Array(fromBase64(w.source.data).slice().buffer) },
  };
}

/** The canvas's RGBA as floats: halves decoded, or 8-bit codes / 255. */
function canvasFloats(f: Frame): Float32Array {
  const n = f.width * f.height * 4;
  const out = new Float32Array(n);
  if (f.format === 'rgba16float') {
    const h = new Uint16Array(f.canvas.buffer, f.canvas.byteOffset, n);
    for (let i = 0; i < n; i++) out[i] = halfToFloat(h[i]!);
  } else {
    // bgra8unorm where that is the preferred format: swap to RGBA.
    const order = f.format === 'bgra8unorm' ? [2, 1, 0, 3] : [0, 1, 2, 3];
    for (let i = 0; i < n; i++) out[i] = f.canvas[(i & ~3) + order[i & 3]!]! / 255;
  }
  return out;
}

/** Canvas pixel → region texel as present.wgsl maps it, or -1 outside the rect. */
function texelAt(f: Frame, x: number, y: number): number {
  const [x0, y0, x1, y1] = f.rect as [number, number, number, number];
  const u = (x + 0.5 - x0) / (x1 - x0);
  const v = (y + 0.5 - y0) / (y1 - y0);
  if (u < 0 || v < 0 || u >= 1 || v >= 1) return -1;
  const { width, height } = f.display;
  return Math.min(height - 1, Math.floor(v * height)) * width + Math.min(width - 1, Math.floor(u * width));
}

/** Half floats keep 11 significant bits: relative 2^-11 rounding; allow 2^-10, plus 1e-6 near 0. */
const tolerance = (ref: number) => 2 ** -10 * Math.abs(ref) + 1e-6;

/** Compare an HDR frame with the CPU reference over the image rect (outside: the background, decoded). */
function checkAgainstReference(f: Frame, keep: (x: number, y: number) => boolean = () => true) {
  const ref = hdrPresent(f.display, f.source, f.sourceEncoded);
  const got = canvasFloats(f);
  const background = [0.11, 0.11, 0.12].map(srgbToLinear);
  let worst = 0;
  let checked = 0;
  let above = 0;
  let max = 0;
  for (let y = 0; y < f.height; y++) {
    for (let x = 0; x < f.width; x++) {
      if (!keep(x, y)) continue;
      const t = texelAt(f, x, y);
      const p = (y * f.width + x) * 4;
      for (let c = 0; c < 3; c++) {
        const want = t < 0 ? background[c]! : ref.image.data[t * 4 + c]!;
        const d = Math.abs(got[p + c]! - want);
        worst = Math.max(worst, d / tolerance(want));
        max = Math.max(max, got[p + c]!);
      }
      if (t >= 0 && Math.max(got[p]!, got[p + 1]!, got[p + 2]!) > 1) above++;
      checked++;
    }
  }
  return { ref, worst, checked, above, max };
}

/** goldengate-3 with a block of the scene pasted elsewhere in the brightest bracket: a ghost for the mask. */
function withGhost(): { name: string; mimeType: string; buffer: Buffer }[] {
  return fixturePaths('goldengate-3').map((path, layer) => {
    const img = decodePng(readFileSync(path));
    const png = new PNG({ width: img.width, height: img.height });
    png.data.set(img.data);
    if (layer === 2) {
      for (let y = 0; y < 48; y++) png.data.set(img.data.subarray(((20 + y) * img.width + 20) * 4, ((20 + y) * img.width + 80) * 4), ((150 + y) * img.width + 200) * 4);
    }
    return { name: path.split('/').pop()!, mimeType: 'image/png', buffer: PNG.sync.write(png) };
  });
}

const hdrMatches = (page: Page) => page.evaluate(() => matchMedia('(dynamic-range: high)').matches);

// Every test but the first runs on the HDR display; the first launches a plain browser of its own.
const base = config.use?.launchOptions ?? {};
test.use({ launchOptions: { ...base, args: [...(base.args ?? []), '--force-color-profile=hdr10'] } });

test('no HDR toggle where the display reports standard dynamic range', async ({ playwright, baseURL }) => {
  const browser = await playwright.chromium.launch(base);
  try {
    const page = await browser.newPage({ baseURL, viewport: { width: 700, height: 480 } });
    await openApp(page);
    await page.getByTestId('file-input').setInputFiles(fixturePaths('goldengate-3'));
    await waitIdle(page);
    expect(await hdrMatches(page)).toBe(false);
    await expect(page.getByTestId('zoom-fit')).toBeVisible();
    await expect(page.getByTestId('hdr-display')).toHaveCount(0);
    expect((await presented(page)).format).not.toBe('rgba16float');
  } finally {
    await browser.close();
  }
});

test('the toggle shows, pressed or not, and turns the canvas HDR and back', async ({ page }) => {
  await page.setViewportSize({ width: 700, height: 480 });
  await openApp(page);
  await expect(page.getByTestId('hdr-display')).toHaveCount(0); // no image yet: no view bar
  await page.getByTestId('file-input').setInputFiles(fixturePaths('goldengate-3'));
  await waitIdle(page);
  expect(await hdrMatches(page)).toBe(true);
  const toggle = page.getByTestId('hdr-display');
  await expect(toggle).toBeVisible();
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  expect((await presented(page)).format).not.toBe('rgba16float');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await waitIdle(page);
  expect(await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().hdrDisplay)).toBe(true);
  const on = await presented(page);
  expect(on.format).toBe('rgba16float');
  expect(on.toneMapping).toBe('extended');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  await waitIdle(page);
  expect((await presented(page)).format).not.toBe('rgba16float');
});

test('HDR canvas on the sample: rgba16float, highlights above white as the CPU reference; off restores SDR exactly', async ({ page }) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 700, height: 480 });
  // The bundled sample (Golden Gate, a bright sky and sun-lit cables) loads at start.
  await openApp(page, '');
  await page.getByTestId('mode-merge').click();
  await waitIdle(page);

  const sdr = await presented(page);
  expect(sdr.format).not.toBe('rgba16float');
  expect(sdr.toneMapping ?? 'standard').toBe('standard');

  const toggle = page.getByTestId('hdr-display');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await waitIdle(page);
  const hdr = await presented(page);
  expect(hdr.format).toBe('rgba16float');
  expect(hdr.toneMapping).toBe('extended');
  expect([hdr.width, hdr.height]).toEqual([sdr.width, sdr.height]);
  // The frame's own display texture is the SDR picture the canvas showed before.
  expect(Buffer.from(hdr.display.data).equals(Buffer.from(sdr.display.data))).toBe(true);

  const merge = checkAgainstReference(hdr);
  console.log(
    `merge: k GPU ${hdr.scale.toPrecision(7)} CPU ${merge.ref.k.toPrecision(7)} from ${hdr.samples} samples; ` +
      `max ${merge.max.toFixed(4)}, ${merge.above} of ${hdr.display.width * hdr.display.height} image pixels above 1.0; worst |Δ| ${merge.worst.toFixed(3)} × tolerance`,
  );
  expect(hdr.samples).toBe(merge.ref.samples);
  expect(Math.abs(hdr.scale / merge.ref.k - 1)).toBeLessThan(1e-5);
  expect(merge.worst).toBeLessThanOrEqual(1);
  expect(merge.above).toBeGreaterThan(100);
  expect(merge.max).toBeGreaterThan(2);
  expect(merge.max).toBeLessThanOrEqual(HDR_HEADROOM * (1 + 2 ** -10));
  // Mid-tones and shadows are the SDR picture: pixels whose SDR display luma is
  // below middle grey (sRGB 118) keep gain 1 (reported, and most of them exactly).
  {
    const got = canvasFloats(hdr);
    let dark = 0;
    let same = 0;
    for (let y = 0; y < hdr.height; y++) {
      for (let x = 0; x < hdr.width; x++) {
        const t = texelAt(hdr, x, y);
        if (t < 0) continue;
        const d = hdr.display.data;
        const lin = [0, 1, 2].map((c) => srgbToLinear(d[t * 4 + c]! / 255));
        if (0.2126 * lin[0]! + 0.7152 * lin[1]! + 0.0722 * lin[2]! >= 0.18) continue;
        dark++;
        const p = (y * hdr.width + x) * 4;
        if ([0, 1, 2].every((c) => Math.abs(got[p + c]! - lin[c]!) <= tolerance(lin[c]!))) same++;
      }
    }
    console.log(`merge: ${same} of ${dark} pixels below middle grey equal to the SDR picture`);
    // How the gain spreads over SDR luma bands (from the reference, which the canvas matched above).
    const bands = [0, 0.18, 0.5, 0.9, 1.01];
    const gains: number[][] = bands.slice(1).map(() => []);
    const d = hdr.display.data;
    for (let t = 0; t < hdr.display.width * hdr.display.height; t++) {
      const lin = [0, 1, 2].map((c) => srgbToLinear(d[t * 4 + c]! / 255));
      const yl = 0.2126 * lin[0]! + 0.7152 * lin[1]! + 0.0722 * lin[2]!;
      const c = lin.indexOf(Math.max(...lin));
      const band = bands.findIndex((b, i) => yl >= b && yl < bands[i + 1]!);
      if (band >= 0 && lin[c]! > 0) gains[band]!.push(merge.ref.image.data[t * 4 + c]! / lin[c]!);
    }
    const summary = gains.map((g, i) => {
      g.sort((a, b) => a - b);
      const q = (f: number) => (g[Math.min(g.length - 1, Math.floor(f * g.length))] ?? 1).toFixed(3);
      return `Y ${bands[i]}–${bands[i + 1]}: ${g.length} px, ${((100 * g.filter((v) => v <= 1 + 1e-6).length) / Math.max(1, g.length)).toFixed(1)} % gain 1, median ${q(0.5)}, p95 ${q(0.95)}`;
    });
    console.log(`merge gains by SDR luma: ${summary.join('; ')}`);
    expect(same / dark).toBeGreaterThan(0.99);
  }

  // Fusion has no radiance above white: only what the fusion pushed past it lifts.
  await page.getByTestId('mode-fusion').click();
  await waitIdle(page);
  const fused = await presented(page);
  expect(fused.format).toBe('rgba16float');
  expect(fused.sourceEncoded).toBe(true);
  const fusion = checkAgainstReference(fused);
  console.log(`fusion: k ${fused.scale.toPrecision(7)}, max ${fusion.max.toFixed(4)}, ${fusion.above} pixels above 1.0; worst |Δ| ${fusion.worst.toFixed(3)} × tolerance`);
  expect(fusion.worst).toBeLessThanOrEqual(1);

  // Off: the canvas is SDR again, byte for byte what it was.
  await page.getByTestId('mode-merge').click();
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  await waitIdle(page);
  const back = await presented(page);
  expect(back.format).toBe(sdr.format);
  expect(back.toneMapping ?? 'standard').toBe('standard');
  expect(Buffer.from(back.canvas).equals(Buffer.from(sdr.canvas))).toBe(true);
});

test('clip warnings, the compare split and the ghost mask keep working in HDR', async ({ page }) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 700, height: 480 });
  await openApp(page);
  await page.getByTestId('file-input').setInputFiles(withGhost());
  await page.getByTestId('mode-merge').click();
  await waitIdle(page);
  const toggle = page.getByTestId('hdr-display');

  // Each overlay in SDR, then in HDR: painted and "before" pixels are the SDR
  // canvas decoded to linear; the rest is the reference.
  const both = async () => {
    const s = await presented(page);
    await toggle.click();
    await waitIdle(page);
    const h = await presented(page);
    await toggle.click();
    await waitIdle(page);
    expect(h.format).toBe('rgba16float');
    return { s, h, sf: canvasFloats(s), hf: canvasFloats(h) };
  };
  // The SDR canvas rounds to 8 bits, the HDR one does not: the HDR value must
  // decode from within the SDR code's rounding interval (± half a code), to half-float precision.
  const decodedEqual = (sf: Float32Array, hf: Float32Array, p: number) =>
    [0, 1, 2].every((c) => {
      const lo = srgbToLinear(Math.max(0, sf[p + c]! - 0.5 / 255));
      const hi = srgbToLinear(sf[p + c]! + 0.5 / 255);
      return hf[p + c]! >= lo - tolerance(lo) && hf[p + c]! <= hi + tolerance(hi);
    });

  // Clip warnings: where a display channel reached 255 the HDR canvas shows the red paint, not a lifted highlight.
  await page.getByTestId('clip-warnings').check();
  await waitIdle(page);
  {
    const { s, h, sf, hf } = await both();
    let clipped = 0;
    let bad = 0;
    for (let y = 0; y < h.height; y++) {
      for (let x = 0; x < h.width; x++) {
        const t = texelAt(h, x, y);
        if (t < 0 || ![0, 1, 2].some((c) => h.display.data[t * 4 + c]! >= 255)) continue;
        clipped++;
        if (!decodedEqual(sf, hf, (y * h.width + x) * 4)) bad++;
      }
    }
    expect(s.format).not.toBe('rgba16float');
    console.log(`clip warnings: ${clipped} painted pixels`);
    expect(clipped).toBeGreaterThan(0);
    expect(bad).toBe(0);
  }
  await page.getByTestId('clip-warnings').uncheck();

  // Compare: left of the divider the middle bracket as shot (SDR, decoded), right of it the HDR result.
  await page.getByTestId('compare').check();
  await waitIdle(page);
  {
    const { h, sf, hf } = await both();
    const splitX = Math.round((await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().split)) * h.width);
    let bad = 0;
    for (let y = 0; y < h.height; y++) {
      for (let x = 0; x < h.width; x++) {
        if (texelAt(h, x, y) < 0 || Math.abs(x - splitX) < 2) continue;
        if (x < splitX && !decodedEqual(sf, hf, (y * h.width + x) * 4)) bad++;
      }
    }
    expect(bad).toBe(0);
    const right = checkAgainstReference(h, (x) => x >= splitX + 2);
    expect(right.worst).toBeLessThanOrEqual(1);
    expect(right.above).toBeGreaterThan(0);
  }
  await page.getByTestId('compare').uncheck();

  // Ghost mask: the tint shows in HDR as in SDR (decoded) wherever the result is not lifted.
  await page.evaluate(() => (window as unknown as Hooks).__hdr.store.getState().setParam('deghost', 1));
  await page.getByTestId('ghost-mask').check();
  await waitIdle(page);
  {
    const { h, sf, hf } = await both();
    const ref = hdrPresent(h.display, h.source, false);
    let tinted = 0;
    let bad = 0;
    for (let y = 0; y < h.height; y++) {
      for (let x = 0; x < h.width; x++) {
        const t = texelAt(h, x, y);
        if (t < 0) continue;
        const p = (y * h.width + x) * 4;
        // The SDR canvas differs from the display where the mask tints.
        if ([0, 1, 2].some((c) => Math.abs(sf[p + c]! * 255 - h.display.data[t * 4 + c]!) > 2)) tinted++;
        const unlifted = [0, 1, 2].every((c) => ref.image.data[t * 4 + c]! <= srgbToLinear(h.display.data[t * 4 + c]! / 255) * (1 + 1e-6));
        if (unlifted && !decodedEqual(sf, hf, p)) bad++;
      }
    }
    console.log(`ghost mask: ${tinted} tinted pixels`);
    expect(tinted).toBeGreaterThan(0);
    expect(bad).toBe(0);
  }
});
