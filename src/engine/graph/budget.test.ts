import { describe, expect, it } from 'vitest';
import { BUDGET_CAP_BYTES, defaultGpuBudget, fitsMachine, gpuBudget, maxBufferBytes, MIN_BUDGET_BYTES, type MemoryLimits } from './budget';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** The spec's baseline limits (what an adapter must at least offer). */
const BASELINE: MemoryLimits = { maxBufferSize: 256 * MIB, maxStorageBufferBindingSize: 128 * MIB, maxTextureDimension2D: 8192 };
/** A desktop-class adapter. */
const DESKTOP: MemoryLimits = { maxBufferSize: 4 * GIB, maxStorageBufferBindingSize: 2 * GIB - 4, maxTextureDimension2D: 16384 };

describe('GPU memory budget', () => {
  it('defaults to one maxBufferSize, capped at 2 GiB', () => {
    expect(defaultGpuBudget(BASELINE)).toBe(256 * MIB);
    expect(defaultGpuBudget({ ...BASELINE, maxBufferSize: 993 * MIB })).toBe(993 * MIB);
    expect(defaultGpuBudget(DESKTOP)).toBe(BUDGET_CAP_BYTES);
    expect(BUDGET_CAP_BYTES).toBe(2 * GIB);
  });

  it('is settable, within reason', () => {
    expect(gpuBudget(BASELINE)).toBe(256 * MIB);
    expect(gpuBudget(BASELINE, 600 * MIB)).toBe(600 * MIB);
    expect(() => gpuBudget(BASELINE, MIN_BUDGET_BYTES - 1)).toThrow(/not a usable budget/);
    expect(() => gpuBudget(BASELINE, Number.NaN)).toThrow(/not a usable budget/);
    expect(() => defaultGpuBudget({ ...BASELINE, maxBufferSize: 0 })).toThrow(/maxBufferSize/);
  });

  it('caps single buffers by both buffer limits', () => {
    expect(maxBufferBytes(BASELINE)).toBe(128 * MIB);
    expect(maxBufferBytes(DESKTOP)).toBe(2 * GIB - 4);
  });
});

describe('fitsMachine (before decoding)', () => {
  it('a 24 MP set of 3 fits a desktop adapter in one tile', () => {
    // 3 · 16 + 16 = 64 B/px: 1.4 GiB.
    const fit = fitsMachine(6000, 4000, 3, 16, DESKTOP, defaultGpuBudget(DESKTOP), { sharedBytesPerPixel: 16, halo: 64, granularity: 64 });
    expect(fit.ok).toBe(true);
    if (!fit.ok) return;
    expect(fit.neededBytes).toBe(6000 * 4000 * 64);
    expect(fit.plan.tiles).toHaveLength(1);
    // Twice the bytes per pixel: 2.9 GiB, over the 2 GiB cap, so it tiles.
    const more = fitsMachine(6000, 4000, 3, 32, DESKTOP, defaultGpuBudget(DESKTOP), { sharedBytesPerPixel: 32, halo: 64, granularity: 64 });
    expect(more.ok && more.plan.tiles.length).toBeGreaterThan(1);
  });

  it('a 201 MP set of 5 fits a baseline adapter, tiled', () => {
    const budget = defaultGpuBudget(BASELINE);
    const fit = fitsMachine(16384, 12288, 5, 32, BASELINE, budget, { sharedBytesPerPixel: 22, planeBytesPerPixel: 16, halo: 124, granularity: 32 });
    expect(fit.ok).toBe(true);
    if (!fit.ok) return;
    expect(fit.neededBytes).toBeGreaterThan(30 * GIB);
    expect(fit.plan.tiles.length).toBeGreaterThan(100);
    expect(fit.plan.bytesPerTile).toBeLessThanOrEqual(budget);
    for (const t of fit.plan.tiles) expect(t.read.width * t.read.height * 16).toBeLessThanOrEqual(maxBufferBytes(BASELINE));
  });

  it('refuses, naming the numbers, what no tile fits', () => {
    // 16 brackets with a wide halo on a small budget: the smallest 32 px tile reads 32 + 480 + 480 = 992 px a side.
    const fit = fitsMachine(16384, 12288, 16, 64, BASELINE, 64 * MIB, { halo: 480, granularity: 32 });
    expect(fit.ok).toBe(false);
    if (fit.ok) return;
    expect(fit.neededBytes).toBe(16384 * 12288 * 16 * 64);
    expect(fit.message).toBe(
      '16384×12288 (201.3 MP), 16 brackets: needs 192.0 GiB of GPU memory at once, 64.0 MiB available, and even tiled it does not fit. ' +
        '16384×12288 px: the smallest tile (core 32×32 px, halo 480 px, granularity 32) reads 992×992 px and needs 961.0 MiB at 1024 B/px, more than the GPU memory budget of 64.0 MiB.',
    );
  });

  it('refuses a halo wider than the texture limit allows', () => {
    const fit = fitsMachine(20000, 300, 1, 16, BASELINE, 1 * GIB, { halo: 5000 });
    expect(fit.ok).toBe(false);
    if (!fit.ok) expect(fit.message).toMatch(/^20000×300 \(6\.0 MP\), 1 bracket: .*reads 10001×300 px, more than the GPU's largest texture side of 8192 px\.$/);
  });

  it('rejects nonsense sizes', () => {
    expect(() => fitsMachine(0, 10, 3, 16, BASELINE, 64 * MIB)).toThrow(/bad image size/);
    expect(() => fitsMachine(10, 10, 0, 16, BASELINE, 64 * MIB)).toThrow(/bracket count/);
  });
});
