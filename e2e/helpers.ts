// Shared by the e2e specs: fixtures decoded in Node, the CPU reference, pixel
// comparisons, and moving bytes in and out of the page.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, type Page } from '@playwright/test';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { Bracket } from '../src/engine/types';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

interface SetInfo {
  files: string[];
  exposureTime: number[];
  fNumber: number;
  iso: number;
  width: number;
  height: number;
}
const manifest = JSON.parse(readFileSync(`${FIXTURES}manifest.json`, 'utf8')) as Record<string, SetInfo>;

export type FixtureSet = 'goldengate-3' | 'stilllife-5';

export function fixturePaths(set: FixtureSet): string[] {
  return manifest[set]!.files.map((f) => `${FIXTURES}${set}/${f}`);
}

export function decodePng(bytes: Buffer): { width: number; height: number; data: Uint8Array } {
  const png = PNG.sync.read(bytes);
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

export function decodeJpeg(bytes: Buffer): { width: number; height: number; data: Uint8Array } {
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  return { width: img.width, height: img.height, data: img.data };
}

/**
 * A fixture set decoded in Node, darkest first, with exposures normalised to
 * the middle bracket (as the app does from EXIF: t * ISO / N^2 with equal N, ISO).
 */
export function loadFixture(set: FixtureSet): Bracket[] {
  const info = manifest[set]!;
  const mid = info.exposureTime[Math.floor(info.files.length / 2)]!;
  return fixturePaths(set).map((p, i) => {
    const { width, height, data } = decodePng(readFileSync(p));
    return { width, height, pixels: data, exposure: info.exposureTime[i]! / mid };
  });
}

export const toBase64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
export const fromBase64 = (s: string) => {
  const b = Buffer.from(s, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};
export const floatsFromBase64 = (s: string) => {
  const u8 = fromBase64(s);
  return new Float32Array(u8.slice().buffer);
};

/** Mean and standard deviation of Rec. 709 luma over an RGBA8 image: a picture has structure, a flat fill does not. */
export function lumaSpread(img: { data: ArrayLike<number> }): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  const n = img.data.length / 4;
  for (let i = 0; i < n; i++) {
    const y = 0.2126 * img.data[i * 4]! + 0.7152 * img.data[i * 4 + 1]! + 0.0722 * img.data[i * 4 + 2]!;
    s += y;
    s2 += y * y;
  }
  const mean = s / n;
  return { mean, std: Math.sqrt(Math.max(0, s2 / n - mean * mean)) };
}

/** Per-channel absolute differences of two RGBA8 images, RGB only. */
export function byteDiffs(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; mean: number; within1: number } {
  expect(a.length).toBe(b.length);
  let max = 0;
  let sum = 0;
  let pixelsWithin1 = 0;
  const n = a.length / 4;
  for (let i = 0; i < n; i++) {
    let worst = 0;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(a[i * 4 + c]! - b[i * 4 + c]!);
      sum += d;
      worst = Math.max(worst, d);
    }
    max = Math.max(max, worst);
    if (worst <= 1) pixelsWithin1++;
  }
  return { max, mean: sum / (n * 3), within1: pixelsWithin1 / n };
}

/** PSNR in dB of RGB, 8-bit. */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let se = 0;
  const n = a.length / 4;
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) se += (a[i * 4 + c]! - b[i * 4 + c]!) ** 2;
  return 10 * Math.log10((255 * 255) / (se / (n * 3)));
}

/**
 * Installed in the page by openApp: base64 of bytes and back (images in and
 * out), and what the pass-level specs share in the page: importing an engine
 * bundle (bundle.ts) and reading a texture layer back, rows unpadded.
 */
export interface PageCodec {
  __codec: {
    b64(bytes: Uint8Array): string;
    unb64(s: string): Uint8Array;
    importBundle<T>(code: string): Promise<T>;
    readTexture(device: GPUDevice, texture: GPUTexture, bytesPerPixel: number, layer?: number): Promise<Uint8Array>;
  };
}

function installCodec(): void {
  (window as unknown as PageCodec).__codec = {
    b64(bytes) {
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(s);
    },
    unb64: (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)),
    async importBundle<T>(code: string): Promise<T> {
      const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
      try {
        return (await import(/* @vite-ignore */ url)) as T;
      } finally {
        URL.revokeObjectURL(url);
      }
    },
    async readTexture(device, texture, bytesPerPixel, layer = 0) {
      const row = texture.width * bytesPerPixel;
      const padded = Math.ceil(row / 256) * 256;
      const staging = device.createBuffer({ label: 'e2e.staging', size: padded * texture.height, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
      const enc = device.createCommandEncoder({ label: 'e2e.read' });
      enc.copyTextureToBuffer({ texture, origin: [0, 0, layer] }, { buffer: staging, bytesPerRow: padded, rowsPerImage: texture.height }, [texture.width, texture.height, 1]);
      device.queue.submit([enc.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const src = new Uint8Array(staging.getMappedRange());
      const out = new Uint8Array(row * texture.height);
      for (let y = 0; y < texture.height; y++) out.set(src.subarray(y * padded, y * padded + row), y * row);
      staging.destroy();
      return out;
    },
  };
}

/**
 * The app's path with `query` ('?sample=0', '' for the bundled sample) and
 * `automation`, the flag that gives the page `window.__hdr` (the store, the
 * engine module and the bridge) for the specs and benches to drive.
 */
export function appUrl(query = '?sample=0'): string {
  const rest = query.replace(/^\?/, '');
  return `/?${rest ? `${rest}&` : ''}automation`;
}

/** Open the app (with `?automation`) without the bundled sample and wait until it is idle with WebGPU ready. */
export async function openApp(page: Page, query = '?sample=0'): Promise<void> {
  await page.addInitScript(installCodec);
  await page.goto(appUrl(query));
  await waitIdle(page);
  await expect(page.getByTestId('gpu-status')).toHaveCount(0);
}

export async function waitIdle(page: Page): Promise<void> {
  await expect(page.getByTestId('app')).toHaveAttribute('data-busy', 'false', { timeout: 60_000 });
}

/** A piece of the still life (x, y, size) that moves: pasted elsewhere in two brackets. */
export const GHOST_OBJECT = { x: 40, y: 60, w: 48, h: 40 };
/** Where the object lands in brackets 1 and 3 of stilllife-5 (the reference is bracket 2). */
export const GHOST_PATH = [
  { layer: 1, x: 150, y: 40 },
  { layer: 3, x: 220, y: 150 },
];

/** stilllife-5 with GHOST_OBJECT moving through brackets 1 and 3 (exposure-consistent, as a real moving object is), as PNG files without EXIF. */
export function withGhosts(): { name: string; mimeType: string; buffer: Buffer }[] {
  return fixturePaths('stilllife-5').map((path, layer) => {
    const img = decodePng(readFileSync(path));
    const png = new PNG({ width: img.width, height: img.height });
    png.data.set(img.data);
    for (const p of GHOST_PATH.filter((q) => q.layer === layer)) {
      for (let y = 0; y < GHOST_OBJECT.h; y++) {
        const from = ((GHOST_OBJECT.y + y) * img.width + GHOST_OBJECT.x) * 4;
        png.data.set(img.data.subarray(from, from + GHOST_OBJECT.w * 4), ((p.y + y) * img.width + p.x) * 4);
      }
    }
    return { name: path.split('/').pop()!, mimeType: 'image/png', buffer: PNG.sync.write(png) };
  });
}
