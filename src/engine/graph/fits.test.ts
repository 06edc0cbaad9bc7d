// What the machine cannot hold (fits.ts): any size within the canvas area
// opens, tiled; what outgrows the host's memory, the canvas or (even tiled)
// the GPU budget is refused with the numbers.
import { describe, expect, it } from 'vitest';
import { MAX_IMAGE_PIXELS, setFits } from './fits';
import { MIN_BUDGET_BYTES } from './budget';

const GIB = 1024 ** 3;
/** SwiftShader's limits (maxBufferSize as Chromium reports it), the texture limit of many adapters. */
const limits = { maxTextureDimension2D: 8192, maxBufferSize: 2 * GIB, maxStorageBufferBindingSize: GIB };

describe('setFits', () => {
  it('opens 12000×8000 × 3 and 16384×12288 × 5 (200 MP) on an 8192 texture limit', () => {
    expect(setFits({ width: 12000, height: 8000, count: 3, bytesPerPixel: 4 }, limits, { hostBytes: 6 * GIB })).toEqual({ ok: true });
    expect(setFits({ width: 16384, height: 12288, count: 5, bytesPerPixel: 4 }, limits, { hostBytes: 6 * GIB })).toEqual({ ok: true });
    // A radiance map (16 B/px decoded), 200 MP: 3.2 GB.
    expect(setFits({ width: 16384, height: 12288, count: 1, bytesPerPixel: 16 }, limits, { hostBytes: 6 * GIB }).ok).toBe(true);
  });

  it('refuses what outgrows the memory the host gives images, saying how much', () => {
    const fit = setFits({ width: 16384, height: 12288, count: 7, bytesPerPixel: 8 }, limits, { hostBytes: 6 * GIB });
    expect(fit).toEqual({ ok: false, message: '16384×12288 (201.3 MP): decoded, the 7 images take 10.5 GiB of memory; this device gives images about 6.0 GiB.' });
  });

  it('refuses an image beyond the canvas area, unless told there is no canvas (the engine alone)', () => {
    const side = Math.sqrt(MAX_IMAGE_PIXELS);
    expect(setFits({ width: side, height: side, count: 1, bytesPerPixel: 4 }, limits).ok).toBe(true);
    const fit = setFits({ width: side + 1, height: side, count: 1, bytesPerPixel: 4 }, limits);
    expect(fit.ok).toBe(false);
    expect(!fit.ok && fit.message).toBe('16385×16384 (268.5 MP) is larger than the 268 MP (16384×16384) a browser can encode as JPEG or PNG.');
    expect(setFits({ width: side + 1, height: side, count: 1, bytesPerPixel: 4 }, limits, { canvas: false }).ok).toBe(true);
  });

  it('refuses where even the smallest tiles do not fit the GPU budget, with the numbers', () => {
    // The whole-image coarse levels of fusion and local detail alone outgrow the smallest budget for a huge frame.
    const fit = setFits({ width: 60000, height: 60000, count: 9, bytesPerPixel: 4 }, limits, { canvas: false, budget: MIN_BUDGET_BYTES });
    expect(fit.ok).toBe(false);
    expect(!fit.ok && fit.message).toMatch(/^60000×60000 \(3600\.0 MP\), 9 brackets: needs [\d.]+ [KMGT]?i?B of GPU memory at once, 16\.0 MiB available, and even tiled it does not fit\./);
  });
});
