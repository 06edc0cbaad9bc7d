import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { encodePng16 } from './png16';
import { decodePng, needsOwnPngDecoder, pngResponse } from './png-decode';
import { writePng, type PngSpec } from '../../test/support/png-writer';

const root = fileURLToPath(new URL('../../', import.meta.url));
const gg = new Uint8Array(readFileSync(`${root}e2e/fixtures/goldengate-3/gg-1.png`));

/** Deterministic samples in [0, 2^bits). */
const noise = (n: number, bits: number, seed = 1) => Array.from({ length: n }, (_, i) => ((i * 2654435761 + seed * 97) >>> 7) % (1 << bits));

/** The RGBA the decoder should give for a spec (alpha opaque). */
function expected(spec: PngSpec): number[] {
  const ch = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[spec.colourType];
  const out: number[] = [];
  const max = spec.bitDepth === 16 ? 65535 : 255;
  for (let p = 0; p < spec.width * spec.height; p++) {
    const s = (c: number) => spec.samples[p * ch + c]!;
    if (spec.colourType === 3) out.push(spec.palette![s(0) * 3]!, spec.palette![s(0) * 3 + 1]!, spec.palette![s(0) * 3 + 2]!, max);
    else if (ch <= 2) {
      const g = spec.bitDepth < 8 ? Math.round((s(0) * 255) / ((1 << spec.bitDepth) - 1)) : s(0);
      out.push(g, g, g, max);
    } else out.push(s(0), s(1), s(2), max);
  }
  return out;
}

describe('decodePng', () => {
  const cases: Omit<PngSpec, 'samples' | 'width' | 'height'>[] = [
    { colourType: 2, bitDepth: 16 },
    { colourType: 6, bitDepth: 16 },
    { colourType: 0, bitDepth: 16 },
    { colourType: 4, bitDepth: 16 },
    { colourType: 6, bitDepth: 8 },
    { colourType: 4, bitDepth: 8 },
    { colourType: 0, bitDepth: 1 },
    { colourType: 0, bitDepth: 4 },
    { colourType: 3, bitDepth: 2 },
  ];
  for (const c of cases) {
    for (const interlace of [false, true]) {
      it(`colour type ${c.colourType}, ${c.bitDepth} bits${interlace ? ', Adam7' : ''}`, async () => {
        const width = 13;
        const height = 11;
        const ch = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[c.colourType];
        const spec: PngSpec = { ...c, width, height, interlace, samples: noise(width * height * ch, c.colourType === 3 ? 2 : c.bitDepth), palette: c.colourType === 3 ? noise(12, 8, 5) : undefined };
        const png = await decodePng(writePng(spec));
        expect([png.width, png.height]).toEqual([width, height]);
        expect(png.pixels instanceof Uint16Array).toBe(c.bitDepth === 16);
        expect(Array.from(png.pixels)).toEqual(expected(spec));
        expect(png.alphaUsed).toBe(c.colourType === 4 || c.colourType === 6);
      });
    }
  }

  it('equals pngjs on a fixture', async () => {
    const ref = PNG.sync.read(Buffer.from(gg));
    const png = await decodePng(gg);
    expect(Array.from(png.pixels)).toEqual(Array.from(ref.data));
    expect(png.alphaUsed).toBe(false);
  });

  for (const filter of [0, 1, 2, 3, 4, 'adaptive'] as const) {
    it(`keeps 16 bits and the colour under transparent pixels (the app’s own 16-bit encoder, filter ${filter})`, async () => {
      const rgba = Uint16Array.from({ length: 7 * 5 * 4 }, (_, i) => (i % 4 === 3 ? (i < 40 ? 0 : 65535) : (i * 4099) % 65536));
      const png = await decodePng(await encodePng16(rgba, 7, 5, { alpha: true, filter }));
      expect(png.alphaUsed).toBe(true);
      expect(Array.from(png.pixels)).toEqual(Array.from(rgba, (v, i) => (i % 4 === 3 ? 65535 : v)));
    });
  }

  it('an opaque alpha channel is not "used"; a tRNS colour that matches a pixel is', async () => {
    const opaque = await decodePng(writePng({ width: 2, height: 1, colourType: 6, bitDepth: 8, samples: [1, 2, 3, 255, 4, 5, 6, 255] }));
    expect(opaque.alphaUsed).toBe(false);
    const keyed = await decodePng(writePng({ width: 2, height: 1, colourType: 2, bitDepth: 8, samples: [1, 2, 3, 4, 5, 6], trns: Uint8Array.from([0, 4, 0, 5, 0, 6]) }));
    expect(keyed.alphaUsed).toBe(true);
    expect(Array.from(keyed.pixels)).toEqual([1, 2, 3, 255, 4, 5, 6, 255]);
  });

  it('damaged data is a FileProblem', async () => {
    const bytes = writePng({ width: 4, height: 4, colourType: 2, bitDepth: 16, samples: noise(48, 16) });
    const at = bytes.indexOf('IDAT') + 8;
    bytes.fill(0xff, at, at + 6);
    await expect(decodePng(bytes)).rejects.toThrow(/damaged/);
  });
});

describe('needsOwnPngDecoder', () => {
  it('16 bits, alpha or tRNS: yes; an opaque 8-bit RGB PNG: no (the browser decodes it)', () => {
    expect(needsOwnPngDecoder(gg)).toBe(false);
    expect(needsOwnPngDecoder(writePng({ width: 1, height: 1, colourType: 2, bitDepth: 16, samples: [1, 2, 3] }))).toBe(true);
    expect(needsOwnPngDecoder(writePng({ width: 1, height: 1, colourType: 6, bitDepth: 8, samples: [1, 2, 3, 4] }))).toBe(true);
    expect(needsOwnPngDecoder(writePng({ width: 1, height: 1, colourType: 2, bitDepth: 8, samples: [1, 2, 3], trns: new Uint8Array(6) }))).toBe(true);
    expect(needsOwnPngDecoder(writePng({ width: 1, height: 1, colourType: 0, bitDepth: 8, samples: [1] }))).toBe(false);
  });
});

describe('pngResponse', () => {
  it('sRGB or a 1/2.2 gAMA: gamma-encoded; gAMA 1.0: linear; nothing: PNG’s sRGB default', async () => {
    const colour = async (extra: Partial<PngSpec>) => (await decodePng(writePng({ width: 1, height: 1, colourType: 2, bitDepth: 16, samples: [1, 2, 3], ...extra }))).colour;
    expect(pngResponse(await colour({ srgb: true })).response).toBe('srgb');
    expect(pngResponse(await colour({ gamma: 0.45455 }))).toEqual({ response: 'srgb', reason: 'a gAMA chunk of 2.20' });
    expect(pngResponse(await colour({ gamma: 1 })).response).toBe('linear');
    expect(pngResponse(await colour({})).response).toBe('srgb');
  });
});
