// Resources' byte accounting: counts() and the running peak the bench reads
// (peakBytes, resetPeak()), on a stand-in device (no GPU needed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resources } from './resources';

class FakeBuffer {
  constructor(readonly size: number) {}
  destroy(): void {}
}

const g = globalThis as unknown as { GPUBuffer?: unknown };
const had = 'GPUBuffer' in g;
const saved = g.GPUBuffer;
const FakeOrReal = (had ? saved : FakeBuffer) as new (size: number) => GPUBuffer;

const device = {
  createBuffer: (d: GPUBufferDescriptor) => new FakeOrReal(d.size),
  createTexture: (d: GPUTextureDescriptor) => {
    const [width, height = 1, depthOrArrayLayers = 1] = d.size as number[];
    return { width, height, depthOrArrayLayers, format: d.format, destroy() {} };
  },
} as unknown as GPUDevice;

describe('Resources', () => {
  beforeAll(() => {
    if (!had) g.GPUBuffer = FakeBuffer;
  });
  afterAll(() => {
    if (!had) delete g.GPUBuffer;
  });

  it.skipIf(had)('tracks live bytes and their peak, and resets the peak to what is alive', () => {
    const res = new Resources(device);
    const usage = 0;
    const a = res.texture({ size: [100, 10, 3], format: 'rgba8unorm', usage }); // 12 000 B
    const b = res.buffer({ size: 4000, usage });
    expect(res.counts()).toEqual({ textures: 1, buffers: 1, bytes: 16_000 });
    expect(res.peakBytes).toBe(16_000);
    res.release(a);
    expect(res.counts().bytes).toBe(4000);
    expect(res.peakBytes).toBe(16_000);
    res.release(a); // twice: counted once
    res.resetPeak();
    expect(res.peakBytes).toBe(4000);
    res.texture({ size: [10, 10], format: 'rgba32float', usage }); // 1600 B
    expect(res.peakBytes).toBe(5600);
    res.release(b);
    expect(res.counts().bytes).toBe(1600);
    res.destroyAll();
    expect(res.counts()).toEqual({ textures: 0, buffers: 0, bytes: 0 });
    res.resetPeak();
    expect(res.peakBytes).toBe(0);
  });
});
