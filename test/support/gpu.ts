// The one way the Node unit tests get a WebGPU device: Dawn through the npm
// package `webgpu`, from the adapter the batch command finds (src/cli/gpu.ts:
// a real GPU's Vulkan driver, else Chromium's SwiftShader). Never a mock.
//
//   import { gpuTest } from '../../test/support/gpu';
//   gpuTest('tonemap against reference/tonemap.ts', async ({ gpu }) => {
//     const pass = new TonemapPass(gpu.device, gpu.res);
//     …
//     const bytes = await gpu.readTexture(pass.result!, 16);
//   });
//
// - The device is requested once per test file (Vitest runs each file in its
//   own module graph) and kept: dawn.node crashes when its objects are
//   garbage-collected (stack-notes), and a device costs ~100 ms on SwiftShader.
// - Where no adapter can be had the test is skipped, with the reason; never in
//   CI (process.env.CI), where Debian's chromium package provides one: there
//   it fails.
// - Each test runs inside validation, out-of-memory and internal error scopes;
//   any error the device reports fails the test, with the GPU's own message
//   (it names the labelled objects). A lost device fails it too.
// - `gpu.res` is a fresh Resources for the test; what it still holds when
//   the test ends is destroyed, logged and kept in the test's meta
//   (task.meta.gpuLeftAlive) for reporters; gpu.counts() gives the live counts
//   during the test.
import { test } from 'vitest';
import { nodeGpu } from '../../src/cli/gpu';
import { readBuffer, readTexture } from '../../src/engine/gpu/readback';
import { Resources } from '../../src/engine/gpu/resources';

/** The GPU object nodeGpu() found (kept for the life of the file), or why there is none. */
export const found: { readonly gpu: GPU | null; readonly reason: string } = await nodeGpu().then(
  (g) => ({ gpu: g.gpu, reason: '' }),
  (err: unknown) => ({ gpu: null, reason: err instanceof Error ? err.message : String(err) }),
);

/** True where GPU tests skip: no adapter, and not in CI (there they must run, and fail without one). */
export const skipGpu = !found.gpu && !process.env.CI;

/** Why GPU tests are skipped here ('' where they run). */
export const skipReason = skipGpu ? `no WebGPU adapter in Node: ${found.reason}` : '';

let device: Promise<GPUDevice> | null = null;
let lost: GPUDeviceLostInfo | null = null;

/**
 * This file's device (requested on first use, with the adapter's default
 * limits). Throws where there is no adapter; after a device loss, the next
 * call requests a new one.
 */
export function gpuDevice(): Promise<GPUDevice> {
  if (!found.gpu) return Promise.reject(new Error(`No WebGPU adapter in Node (required in CI): ${found.reason}`));
  if (!device || lost) {
    const gpu = found.gpu;
    lost = null;
    device = (async () => {
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) throw new Error('requestAdapter() found an adapter once, then none');
      const d = await adapter.requestDevice({ label: 'test' });
      void d.lost.then((info) => {
        lost = info;
      });
      return d;
    })();
  }
  return device;
}

/** What the device reported inside the scopes: validation, out-of-memory and internal errors. */
export class GpuErrors extends Error {
  constructor(
    readonly errors: readonly { filter: GPUErrorFilter; message: string }[],
    cause?: unknown,
  ) {
    super(`WebGPU reported ${errors.length === 1 ? 'an error' : `${errors.length} errors`}:\n${errors.map((e) => `  ${e.filter}: ${e.message}`).join('\n')}`, cause === undefined ? undefined : { cause });
    this.name = 'GpuErrors';
  }
}

const FILTERS: readonly GPUErrorFilter[] = ['validation', 'out-of-memory', 'internal'];

/**
 * Run `fn` inside validation, out-of-memory and internal error scopes (it is
 * awaited before they are popped, so its submissions and read-backs count).
 * Rejects with GpuErrors when the device reported any (fn's own error is
 * its cause), with fn's error when only it failed, and when the device was
 * lost meanwhile.
 */
export async function withErrorScopes<T>(device: GPUDevice, fn: () => T | Promise<T>): Promise<T> {
  for (const filter of FILTERS) device.pushErrorScope(filter);
  let result: T | undefined;
  let failed = false;
  let thrown: unknown;
  try {
    result = await fn();
  } catch (err) {
    failed = true;
    thrown = err;
  }
  // Popped innermost first; each promise is taken before any is awaited, so the order holds.
  const popped = [...FILTERS].reverse().map((filter) => device.popErrorScope().then((e) => (e ? { filter, message: e.message } : null)));
  const errors = (await Promise.all(popped)).filter((e) => e !== null);
  if (errors.length > 0) throw new GpuErrors(errors, failed ? thrown : undefined);
  if (failed) throw thrown;
  if (lost) throw new Error(`The WebGPU device was lost during the test (${lost.reason}): ${lost.message}`);
  return result as T;
}

declare module 'vitest' {
  interface TaskMeta {
    /** What the test's `res` still held when it ended (reporters see it; the harness destroyed it). */
    gpuLeftAlive?: { textures: number; buffers: number; bytes: number };
  }
}

/** What a GPU test gets as `gpu`. */
export interface GpuContext {
  readonly device: GPUDevice;
  /** A fresh Resources for this test: hand it to the code under test; what it holds at the end is destroyed. */
  readonly res: Resources;
  /** One layer of a texture (default the first), rows unpadded (src/engine/gpu/readback.ts). */
  readTexture(texture: GPUTexture, bytesPerPixel: number, layer?: number): Promise<ArrayBuffer>;
  /** The first `size` bytes of a buffer (default all of it); it needs COPY_SRC. */
  readBuffer(buffer: GPUBuffer, size?: number): Promise<ArrayBuffer>;
  /** Textures, buffers and bytes alive in `res` now. */
  counts(): { textures: number; buffers: number; bytes: number };
}

/**
 * Vitest's `test` with a `gpu` fixture (GpuContext): skipped where
 * skipGpu, run inside withErrorScopes, `res` cleaned up afterwards.
 * `gpuTest.each`, `.skip`, `.fails` and the rest work as on `test`.
 */
export const gpuTest = test.extend<{ gpu: GpuContext }>({
  gpu: async ({ skip, task }, use) => {
    if (skipGpu) skip(skipReason);
    const device = await gpuDevice();
    const res = new Resources(device);
    const ctx: GpuContext = {
      device,
      res,
      readTexture: (texture, bytesPerPixel, layer = 0) => readTexture(device, texture, bytesPerPixel, 'test', layer),
      readBuffer: (buffer, size = buffer.size) => readBuffer(device, buffer, size, 'test'),
      counts: () => res.counts(),
    };
    try {
      await withErrorScopes(device, () => use(ctx));
    } finally {
      const left = res.counts();
      res.destroyAll();
      task.meta.gpuLeftAlive = left;
      if (left.textures + left.buffers > 0) {
        console.warn(`${task.name}: left alive at the end (destroyed by the harness): ${left.textures} textures, ${left.buffers} buffers, ${left.bytes} bytes`);
      }
    }
  },
});
