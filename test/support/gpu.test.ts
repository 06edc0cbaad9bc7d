// The GPU test harness (gpu.ts) on the real device: a read-back returns what
// was written, live counts follow `res`, and a validation error fails a test
// (the harness can fail; a test that swallowed GPU errors would pass anything).
import { describe, expect } from 'vitest';
import { GpuErrors, gpuDevice, gpuTest, withErrorScopes } from './gpu';

describe('GPU test harness', { timeout: 60_000 }, () => {
  gpuTest('reads back a texture layer and a buffer as written; counts what res holds', async ({ gpu }) => {
    const [w, h] = [37, 5]; // 148-byte rows: the read-back strips the 256-byte padding
    const tex = gpu.res.texture({ label: 'harness.tex', size: [w, h, 2], format: 'rgba8unorm', usage: GPUTextureUsage.COPY_DST | GPUTextureUsage.COPY_SRC });
    const layer1 = Uint8Array.from({ length: w * h * 4 }, (_, i) => (i * 7) & 255);
    gpu.device.queue.writeTexture({ texture: tex, origin: [0, 0, 1] }, layer1, { bytesPerRow: w * 4 }, [w, h, 1]);
    expect(new Uint8Array(await gpu.readTexture(tex, 4, 1))).toEqual(layer1);

    const buf = gpu.res.buffer({ label: 'harness.buf', size: 64, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
    gpu.device.queue.writeBuffer(
      buf,
      0,
      Float32Array.from({ length: 16 }, (_, i) => i / 2),
    );
    expect(Array.from(new Float32Array(await gpu.readBuffer(buf)))).toEqual(Array.from({ length: 16 }, (_, i) => i / 2));

    expect(gpu.counts()).toEqual({ textures: 1, buffers: 1, bytes: w * h * 2 * 4 + 64 });
    gpu.res.release(tex);
    expect(gpu.counts()).toEqual({ textures: 0, buffers: 1, bytes: 64 });
  });

  gpuTest('the device is one per file', async ({ gpu }) => {
    expect(await gpuDevice()).toBe(gpu.device);
  });

  gpuTest('withErrorScopes rejects with the validation error, naming the labelled object', async ({ gpu }) => {
    const bad = withErrorScopes(gpu.device, () => {
      // MAP_READ may only be combined with COPY_DST.
      gpu.device.createBuffer({ label: 'harness.bad-usage', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
    });
    await expect(bad).rejects.toBeInstanceOf(GpuErrors);
    await expect(bad).rejects.toThrow(/validation: .*harness\.bad-usage/s);
    // The scopes are balanced again: a clean call resolves with fn's value.
    await expect(withErrorScopes(gpu.device, () => 42)).resolves.toBe(42);
  });

  gpuTest('withErrorScopes passes on the function’s own error when the device reported none', async ({ gpu }) => {
    await expect(withErrorScopes(gpu.device, () => Promise.reject(new Error('own error')))).rejects.toThrow(/^own error$/);
  });

  // Expected to fail: the harness turns a GPU error in a test that asserts nothing into a failure.
  gpuTest.fails('a test whose GPU work raises a validation error fails', async ({ gpu }) => {
    gpu.device.createBuffer({ label: 'harness.bad-usage', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
  });
});
