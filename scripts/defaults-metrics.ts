// The figures of the defaults quality report (defaults.quality.ts), each a
// plain function of images, so the report can check them on cases with known
// answers. Pictures are 8-bit RGBA as written (sRGB-encoded); radiance maps
// are linear RGBA floats of any scale. Definitions are in the report's header.
import type { Bracket, FloatImage } from '../src/engine/types';
import { LUMA } from '../src/engine/types';
import { linearToSrgb, srgbToLinear } from '../src/engine/reference/color';
import type { Rgba8 } from './defaults-files';

/** A w × h window at (x, y) of an image in the reference bracket's frame (the alignment's crop). */
export interface Window {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const lum = (d: ArrayLike<number>, p: number) => LUMA[0] * d[p * 4]! + LUMA[1] * d[p * 4 + 1]! + LUMA[2] * d[p * 4 + 2]!;
/** Rec. 709 luma of the encoded values, 0–255. */
const luma8 = (d: ArrayLike<number>, p: number) => 0.2126 * d[p * 4]! + 0.7152 * d[p * 4 + 1]! + 0.0722 * d[p * 4 + 2]!;

export function median(values: ArrayLike<number>): number {
  const s = Float64Array.from(values).sort();
  if (!s.length) return NaN;
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** The part of an RGBA image (float or bytes) under a window. */
export function cropImage<T extends FloatImage | Rgba8>(img: T, w: Window): T {
  const data = new (img.data.constructor as Float32ArrayConstructor)(w.width * w.height * 4);
  for (let y = 0; y < w.height; y++) data.set(img.data.subarray(((w.y + y) * img.width + w.x) * 4, ((w.y + y) * img.width + w.x + w.width) * 4), y * w.width * 4);
  return { ...img, width: w.width, height: w.height, data };
}

/** The part of a one-value-per-pixel mask under a window. */
export function cropMask(mask: Uint8Array, width: number, w: Window): Uint8Array {
  const out = new Uint8Array(w.width * w.height);
  for (let y = 0; y < w.height; y++) out.set(mask.subarray((w.y + y) * width + w.x, (w.y + y) * width + w.x + w.width), y * w.width);
  return out;
}

/**
 * Where an output (smaller where the alignment cropped) lies in the reference
 * frame: the offset whose log2 luminances correlate best with the reference
 * map's, over a grid of every 3rd pixel. Same size: (0, 0).
 */
export function locate(out: FloatImage, ref: FloatImage): Window {
  const { width: w, height: h } = out;
  if (w === ref.width && h === ref.height) return { x: 0, y: 0, width: w, height: h };
  if (w > ref.width || h > ref.height) throw new Error(`output ${w}×${h} is larger than its reference ${ref.width}×${ref.height}`);
  const log = (img: FloatImage, p: number) => Math.log2(Math.max(lum(img.data, p), 1e-8));
  const grid: number[] = [];
  for (let y = 0; y < h; y += 3) for (let x = 0; x < w; x += 3) grid.push(y * w + x);
  const a = grid.map((p) => log(out, p));
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  let best = { x: 0, y: 0, score: -Infinity };
  for (let dy = 0; dy <= ref.height - h; dy++) {
    for (let dx = 0; dx <= ref.width - w; dx++) {
      const b = grid.map((p) => log(ref, (Math.floor(p / w) + dy) * ref.width + (p % w) + dx));
      const mb = b.reduce((s, v) => s + v, 0) / b.length;
      let sab = 0;
      let sbb = 0;
      for (let i = 0; i < a.length; i++) {
        sab += (a[i]! - ma) * (b[i]! - mb);
        sbb += (b[i]! - mb) ** 2;
      }
      const score = sab / Math.sqrt(sbb || 1);
      if (score > best.score) best = { x: dx, y: dy, score };
    }
  }
  return { x: best.x, y: best.y, width: w, height: h };
}

/** 1 where some bracket holds every channel unclipped (codes 1…254; 16-bit brackets scaled to 8 bits). */
export function recordedMask(brackets: readonly Bracket[]): Uint8Array {
  const { width, height } = brackets[0]!;
  const mask = new Uint8Array(width * height);
  for (const b of brackets) {
    const scale = b.pixels instanceof Uint16Array ? 255 / 65535 : 1;
    for (let p = 0; p < width * height; p++) {
      if (mask[p]) continue;
      let ok = true;
      for (let c = 0; c < 3 && ok; c++) {
        const v = b.pixels[p * 4 + c]! * scale;
        ok = v >= 0.5 && v < 254.5;
      }
      if (ok) mask[p] = 1;
    }
  }
  return mask;
}

export interface RadianceError {
  /** RMS of log2(test / truth) luminance, the median log ratio removed, stops. */
  readonly rms: number;
  /** The same after each channel of the test is first scaled by its own median ratio to the truth: white balance removed too (the brackets do not hold it). */
  readonly balanced: number;
  /** Share of the masked pixels where both are positive and finite. */
  readonly valid: number;
}

/** Radiance error over the masked pixels (all without a mask): luminance, global scale removed as the median log2 ratio; and with each channel's scale removed first (balanced). */
export function radianceError(test: FloatImage, truth: FloatImage, mask?: Uint8Array): RadianceError {
  if (test.width !== truth.width || test.height !== truth.height) throw new Error(`radianceError: ${test.width}×${test.height} against ${truth.width}×${truth.height}`);
  const n = truth.width * truth.height;
  const used = (p: number) => !mask || mask[p];
  const gain = [0, 1, 2].map((c) => {
    const r: number[] = [];
    for (let p = 0; p < n; p++) {
      const a = truth.data[p * 4 + c]!;
      const b = test.data[p * 4 + c]!;
      if (used(p) && a > 0 && b > 0 && Number.isFinite(a) && Number.isFinite(b)) r.push(Math.log2(b / a));
    }
    return r.length ? Math.pow(2, -median(r)) : 1;
  });
  const spread = (scale: readonly number[]) => {
    const d: number[] = [];
    let m = 0;
    for (let p = 0; p < n; p++) {
      if (!used(p)) continue;
      m++;
      const a = lum(truth.data, p);
      const b = LUMA[0] * scale[0]! * test.data[p * 4]! + LUMA[1] * scale[1]! * test.data[p * 4 + 1]! + LUMA[2] * scale[2]! * test.data[p * 4 + 2]!;
      if (a > 0 && b > 0 && Number.isFinite(a) && Number.isFinite(b)) d.push(Math.log2(b / a));
    }
    const mid = median(d);
    return { rms: Math.sqrt(d.reduce((t, v) => t + (v - mid) ** 2, 0) / d.length), valid: d.length / Math.max(1, m) };
  };
  const plain = spread([1, 1, 1]);
  return { rms: plain.rms, balanced: spread(gain).rms, valid: plain.valid };
}

export interface Clipping {
  /** Share of the picture at min(R, G, B) ≥ 254 (white) where the darkest bracket has max(R, G, B) < 250 (it recorded that pixel). */
  readonly white: number;
  /** The same with max(R, G, B) ≥ 254: some channel clipped (white, or a colour that lost its hue or detail). */
  readonly channel: number;
  /** Share of the picture at max(R, G, B) ≤ 1 (black) where the brightest bracket has max(R, G, B) > 10 (recorded above noise). */
  readonly black: number;
}

/** Clipping the brackets did not force: out, darkest and brightest are the same size (the output's window). */
export function clipping(out: Rgba8, darkest: Rgba8, brightest: Rgba8): Clipping {
  const n = out.width * out.height;
  const max = (d: ArrayLike<number>, p: number) => Math.max(d[p * 4]!, d[p * 4 + 1]!, d[p * 4 + 2]!);
  const min = (d: ArrayLike<number>, p: number) => Math.min(d[p * 4]!, d[p * 4 + 1]!, d[p * 4 + 2]!);
  let white = 0;
  let channel = 0;
  let black = 0;
  for (let p = 0; p < n; p++) {
    const o = max(out.data, p);
    if (max(darkest.data, p) < 250) {
      if (o >= 254) channel++;
      if (min(out.data, p) >= 254) white++;
    }
    if (o <= 1 && max(brightest.data, p) > 10) black++;
  }
  return { white: white / n, channel: channel / n, black: black / n };
}

/** Strong edges: the reference's log2 luminance changes by at least this many stops per pixel (Sobel / 8). */
export const HALO_EDGE_STOPS = 1;
/** The band beside an edge, px along its normal (from 2, so the edge's own ramp is left out). */
export const HALO_REACH = 6;
/** A reversal: the picture's lightness (its linear luminance, sRGB-encoded, 0–255) falls by more than this many codes over 2 px along the edge normal … */
export const HALO_OUT_CODES = 3;
/** … where the reference's log2 luminance does not fall by more than this many stops (a global tone curve turns such a fall into < 1 code). */
export const HALO_REF_STOPS = 0.01;

export interface Halo {
  /** Share of the band's pixels with a gradient reversal. */
  readonly share: number;
  /** Pixels in the band. */
  readonly band: number;
}

/**
 * Gradient reversals beside strong edges. For each pixel of the reference
 * map whose log2 luminance changes by ≥ HALO_EDGE_STOPS per pixel (Sobel),
 * the pixels 2…HALO_REACH px from it along its gradient (either side, the
 * nearest edge wins) form the band, each with that edge's normal n (pointing
 * up the edge, towards the bright side). A band pixel p is reversed where the
 * picture's lightness V (255 · sRGB-encode of its Rec. 709 luminance, so
 * monotone in luminance, unlike luma) goes down along n,
 * V(p + n) − V(p − n) < −HALO_OUT_CODES,
 * while the reference's does not, L(p + n) − L(p − n) > −HALO_REF_STOPS:
 * the dark rim or bright fringe of a halo. Band pixels that are edges
 * themselves (≥ half the edge threshold) are left out.
 */
export function halo(out: Rgba8, ref: FloatImage): Halo {
  const { width: w, height: h } = out;
  if (w !== ref.width || h !== ref.height) throw new Error(`halo: ${w}×${h} against ${ref.width}×${ref.height}`);
  const n = w * h;
  const ys: number[] = [];
  for (let p = 0; p < n; p++) ys.push(lum(ref.data, p));
  const floor = Math.max(median(ys.filter((v) => v > 0)) * 2 ** -12, 1e-12);
  const L = Float32Array.from(ys, (v) => Math.log2(Math.max(v, floor)));
  const Y = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const d = out.data;
    Y[p] = 255 * linearToSrgb(LUMA[0] * srgbToLinear(d[p * 4]! / 255) + LUMA[1] * srgbToLinear(d[p * 4 + 1]! / 255) + LUMA[2] * srgbToLinear(d[p * 4 + 2]! / 255));
  }
  const at = (img: Float32Array, x: number, y: number) => img[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))]!;
  const bilinear = (img: Float32Array, x: number, y: number) => {
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const fx = x - x0;
    const fy = y - y0;
    return (1 - fy) * ((1 - fx) * at(img, x0, y0) + fx * at(img, x0 + 1, y0)) + fy * ((1 - fx) * at(img, x0, y0 + 1) + fx * at(img, x0 + 1, y0 + 1));
  };
  const gx = new Float32Array(n);
  const gy = new Float32Array(n);
  const mag = new Float32Array(n);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const p = y * w + x;
      gx[p] = (at(L, x + 1, y - 1) + 2 * at(L, x + 1, y) + at(L, x + 1, y + 1) - at(L, x - 1, y - 1) - 2 * at(L, x - 1, y) - at(L, x - 1, y + 1)) / 8;
      gy[p] = (at(L, x - 1, y + 1) + 2 * at(L, x, y + 1) + at(L, x + 1, y + 1) - at(L, x - 1, y - 1) - 2 * at(L, x, y - 1) - at(L, x + 1, y - 1)) / 8;
      mag[p] = Math.hypot(gx[p]!, gy[p]!);
    }
  }
  // The band: per pixel, the normal of its nearest edge pixel along that edge's gradient.
  const dist = new Uint8Array(n).fill(255);
  const nx = new Float32Array(n);
  const ny = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    if (mag[p]! < HALO_EDGE_STOPS) continue;
    const ux = gx[p]! / mag[p]!;
    const uy = gy[p]! / mag[p]!;
    const ex = p % w;
    const ey = Math.floor(p / w);
    for (let d = 2; d <= HALO_REACH; d++) {
      for (const s of [-1, 1]) {
        const x = Math.round(ex + s * d * ux);
        const y = Math.round(ey + s * d * uy);
        if (x < 1 || y < 1 || x >= w - 1 || y >= h - 1) continue;
        const q = y * w + x;
        if (d < dist[q]!) {
          dist[q] = d;
          nx[q] = ux;
          ny[q] = uy;
        }
      }
    }
  }
  let band = 0;
  let reversed = 0;
  for (let q = 0; q < n; q++) {
    if (dist[q] === 255 || mag[q]! >= HALO_EDGE_STOPS / 2) continue;
    band++;
    const x = q % w;
    const y = Math.floor(q / w);
    const dOut = bilinear(Y, x + nx[q]!, y + ny[q]!) - bilinear(Y, x - nx[q]!, y - ny[q]!);
    const dRef = bilinear(L, x + nx[q]!, y + ny[q]!) - bilinear(L, x - nx[q]!, y - ny[q]!);
    if (dOut < -HALO_OUT_CODES && dRef > -HALO_REF_STOPS) reversed++;
  }
  return { share: band ? reversed / band : 0, band };
}

/** PSNR of two pictures over RGB, peak 255, over the masked pixels (all without a mask), dB. */
export function psnr(a: Rgba8, b: Rgba8, mask?: Uint8Array): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`psnr: ${a.width}×${a.height} against ${b.width}×${b.height}`);
  let se = 0;
  let count = 0;
  for (let p = 0; p < a.width * a.height; p++) {
    if (mask && !mask[p]) continue;
    for (let c = 0; c < 3; c++) se += (a.data[p * 4 + c]! - b.data[p * 4 + c]!) ** 2;
    count += 3;
  }
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255 * count) / se);
}

/** Mean Rec. 709 luma of the encoded values, 0–255. */
export function meanLuma(img: Rgba8): number {
  let s = 0;
  for (let p = 0; p < img.width * img.height; p++) s += luma8(img.data, p);
  return s / (img.width * img.height);
}

/** Mean |4-neighbour Laplacian| of that luma over the interior, codes. */
export function localContrast(img: Rgba8): number {
  const { width: w, height: h } = img;
  let s = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const p = y * w + x;
      s += Math.abs(4 * luma8(img.data, p) - luma8(img.data, p - 1) - luma8(img.data, p + 1) - luma8(img.data, p - w) - luma8(img.data, p + w));
    }
  }
  return s / ((w - 2) * (h - 2));
}

/** Hasler & Süsstrunk 2003: rg = R − G, yb = (R + G) / 2 − B on the encoded 0–255 values; σ_rgyb + 0.3 μ_rgyb. */
export function colourfulness(img: Rgba8): number {
  const n = img.width * img.height;
  let [mrg, myb, qrg, qyb] = [0, 0, 0, 0];
  for (let p = 0; p < n; p++) {
    const [r, g, b] = [img.data[p * 4]!, img.data[p * 4 + 1]!, img.data[p * 4 + 2]!];
    const rg = r - g;
    const yb = (r + g) / 2 - b;
    mrg += rg;
    myb += yb;
    qrg += rg * rg;
    qyb += yb * yb;
  }
  [mrg, myb] = [mrg / n, myb / n];
  const vrg = Math.max(0, qrg / n - mrg * mrg);
  const vyb = Math.max(0, qyb / n - myb * myb);
  return Math.sqrt(vrg + vyb) + 0.3 * Math.hypot(mrg, myb);
}

/** A bracket's pixels as 8-bit RGBA (16-bit scaled down). */
export function bracketRgba8(b: Bracket): Rgba8 {
  if (!(b.pixels instanceof Uint16Array)) return { width: b.width, height: b.height, data: b.pixels instanceof Uint8Array ? b.pixels : new Uint8Array(b.pixels.buffer, b.pixels.byteOffset, b.pixels.length) };
  return { width: b.width, height: b.height, data: Uint8Array.from(b.pixels, (v) => Math.round(v / 257)) };
}

/** A global tone map of a radiance map to 8-bit sRGB (Reinhard's x / (1 + x) after scaling the median luminance to 0.18): no local contrast, so no halos. */
export function globalToneMap(map: FloatImage): Rgba8 {
  const n = map.width * map.height;
  const ys: number[] = [];
  for (let p = 0; p < n; p++) ys.push(lum(map.data, p));
  const k = 0.18 / Math.max(median(ys), 1e-12);
  const data = new Uint8Array(n * 4);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) {
      const x = Math.max(0, map.data[p * 4 + c]! * k);
      data[p * 4 + c] = Math.round(255 * linearToSrgb(x / (1 + x)));
    }
    data[p * 4 + 3] = 255;
  }
  return { width: map.width, height: map.height, data };
}
