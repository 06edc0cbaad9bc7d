// The proxy pass (shaders/draft/proxy.wgsl) against its CPU reference
// (reference/proxy.ts), on the real GPU path in Node (npm `webgpu`: Dawn, on
// Chromium's SwiftShader where there is no GPU driver): 8-bit brackets to the
// nearest code, 16-bit ones (rgba16float) within half precision, at sizes
// that do not divide evenly.
import { describe, expect } from 'vitest';
import { gpuTest } from '../../../../test/support/gpu';
import { halfBits, halfToFloat } from '../../half';
import { proxyBrackets } from '../reference/proxy';
import { rng } from '../../reference/random';
import type { FloatImage } from '../../types';
import { ProxyPass } from './proxy';

const [W, H, LAYERS] = [37, 29, 3];

/** Random brackets with some structure (a ramp under the noise), as floats in 0..1 (8-bit: codes / 255). */
function layers(eightBit: boolean): FloatImage[] {
  const next = rng(7);
  return Array.from({ length: LAYERS }, (_, k) => {
    const data = new Float32Array(W * H * 4);
    for (let i = 0; i < W * H; i++) {
      for (let c = 0; c < 4; c++) {
        const v = Math.min(1, Math.max(0, ((i % W) / W) * 0.5 + (next() * 0.5 * (k + 1)) / LAYERS));
        data[i * 4 + c] = eightBit ? Math.round(v * 255) / 255 : halfToFloat(halfBits(v));
      }
    }
    return { width: W, height: H, data };
  });
}

// The device, the skip where there is no adapter (never in CI), the error scopes and the read-back: test/support/gpu.ts.
describe('proxy pass (Dawn in Node) against reference/proxy.ts', { timeout: 60_000 }, () => {
  for (const format of ['rgba8unorm', 'rgba16float'] as const) {
    gpuTest(`${format}: ${W}×${H}×${LAYERS} to 10×7 and 37×29`, async ({ gpu }) => {
      const { device, res } = gpu;
      const eightBit = format === 'rgba8unorm';
      const input = layers(eightBit);
      const src = res.texture({ size: [W, H, LAYERS], format, usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
      input.forEach((l, k) => {
        const bytes = eightBit ? Uint8Array.from(l.data, (v) => Math.round(v * 255)) : new Uint8Array(Uint16Array.from(l.data, halfBits).buffer);
        device.queue.writeTexture({ texture: src, origin: [0, 0, k] }, bytes, { bytesPerRow: W * (eightBit ? 4 : 8) }, [W, H, 1]);
      });
      const pass = new ProxyPass(device, res);
      for (const [w, h] of [
        [10, 7],
        [W, H],
      ] as const) {
        pass.bind(src, w, h);
        const encoder = device.createCommandEncoder();
        pass.encode(encoder);
        device.queue.submit([encoder.finish()]);
        const want = proxyBrackets(input, w, h, eightBit);
        let worst = 0;
        for (let k = 0; k < LAYERS; k++) {
          const raw = new Uint8Array(await gpu.readTexture(pass.result!, eightBit ? 4 : 8, k));
          const got = eightBit ? Float32Array.from(raw, (b) => b / 255) : Float32Array.from(new Uint16Array(raw.buffer), halfToFloat);
          for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[k]!.data[i]!));
        }
        // 8-bit: the same code (a tie may round either way: 1 code); 16-bit: half precision (11 bits) of values ≤ 1.
        expect(worst, `${format} ${w}×${h}`).toBeLessThanOrEqual(eightBit ? 1 / 255 + 1e-6 : 2 ** -11);
        if (w === W) expect(worst, 'same size: an exact copy').toBeLessThanOrEqual(eightBit ? 1e-6 : 2 ** -11);
      }
      pass.release();
      res.destroyAll();
    });
  }
});
