import { describe, expect, it } from 'vitest';
import { defaultParams, PARAMS, type Params } from '../params';
import { loadRadianceMap } from '../reference/camera';
import { luminance } from '../reference/color';
import { localDetail } from '../local-detail/reference/local-detail';
import { fusedStats, luminanceStats } from '../luminance/reference/stats';
import type { FloatImage } from '../types';
import { autoFusionLook, autoLook, FUSED_MARGIN, HEADROOM_FIT } from './auto-look';
import { finishFused, tonemap } from './reference/tonemap';
import { rng } from '../reference/random';
import { srgbToLinear } from '../reference/color';

/** The still life with a window: a block of the map lit 2^stops brighter (its texture kept), as a lamp-lit room with daylight outside. */
function withWindow(stops: number): { img: FloatImage; inWindow: (x: number, y: number) => boolean } {
  const map = loadRadianceMap('stilllife');
  const data = Float32Array.from(map.data);
  const x0 = Math.round(map.width * 0.6);
  const y0 = Math.round(map.height * 0.1);
  const x1 = Math.round(map.width * 0.9);
  const y1 = Math.round(map.height * 0.45);
  const inWindow = (x: number, y: number) => x >= x0 && x < x1 && y >= y0 && y < y1;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) data[(y * map.width + x) * 4 + c]! *= 2 ** stops;
  return { img: { width: map.width, height: map.height, data }, inWindow };
}

/** The app's merge-mode rendering of a radiance map (local detail, then the tone map with the radiance map's statistics), RGBA8. */
function render(img: FloatImage, params: Params): Uint8ClampedArray {
  const stats = luminanceStats(img);
  return tonemap(localDetail(img, { detail: params.detail, range: params.rangeCompression }), stats, params);
}

/**
 * Share of the window's pixels whose output is white (every channel ≥ 254:
 * a saturated highlight rolled off to its top channel at 255 still shows its
 * colour and gradation), and the spread of its luma (std of the codes).
 */
function windowFigures(out: Uint8ClampedArray, width: number, height: number, inWindow: (x: number, y: number) => boolean): { clipped: number; spread: number } {
  let n = 0;
  let clipped = 0;
  let sum = 0;
  let sum2 = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!inWindow(x, y)) continue;
      const k = (y * width + x) * 4;
      if (Math.min(out[k]!, out[k + 1]!, out[k + 2]!) >= 254) clipped++;
      const l = luminance(out[k]!, out[k + 1]!, out[k + 2]!);
      sum += l;
      sum2 += l * l;
      n++;
    }
  }
  return { clipped: clipped / n, spread: Math.sqrt(Math.max(0, sum2 / n - (sum / n) ** 2)) };
}

describe('autoLook', () => {
  it('a scene that fits keeps the defaults: nothing it captured clips, nothing changes', () => {
    const map = loadRadianceMap('goldengate');
    const stats = luminanceStats(map);
    const look = autoLook(stats);
    expect(look).toEqual({ rangeCompression: PARAMS.rangeCompression.default, whitePoint: PARAMS.whitePoint.default, fusedWhite: 1, fusedBlack: 0 });
    // The headroom the defaults give: log2(8 / 0.18).
    expect(HEADROOM_FIT).toBeCloseTo(5.47, 2);
  });

  it('a window 9 stops over a lamp-lit room: compressed and its white point raised; the window keeps its detail where the defaults turn it white', () => {
    const { img, inWindow } = withWindow(9);
    const look = autoLook(luminanceStats(img));
    expect(look.rangeCompression).toBeGreaterThan(0.2);
    expect(look.whitePoint).toBeGreaterThan(PARAMS.whitePoint.default);
    const plain = windowFigures(render(img, defaultParams()), img.width, img.height, inWindow);
    const auto = windowFigures(render(img, { ...defaultParams(), ...look }), img.width, img.height, inWindow);
    // Measured: the defaults turn 61 % of the window white (luma spread 8 codes), the automatic look 2.6 % (the lamp flames it holds, 22 stops over the room; spread 35).
    expect(plain.clipped).toBeGreaterThan(0.3);
    expect(auto.clipped).toBeLessThan(0.03);
    expect(auto.spread).toBeGreaterThan(2 * plain.spread);
  });

  it('more range, more compression, up to the slider; the white point stays in its range', () => {
    const looks = [6, 9, 12, 16].map((stops) => autoLook(luminanceStats(withWindow(stops).img)));
    for (let i = 1; i < looks.length; i++) expect(looks[i]!.rangeCompression).toBeGreaterThanOrEqual(looks[i - 1]!.rangeCompression);
    for (const l of looks) {
      expect(l.rangeCompression).toBeLessThanOrEqual(PARAMS.rangeCompression.max);
      expect(l.whitePoint).toBeLessThanOrEqual(PARAMS.whitePoint.max);
      expect(l.whitePoint).toBeGreaterThanOrEqual(PARAMS.whitePoint.default);
    }
  });
});

/**
 * A fused image as Mertens fusion leaves a sunlit street (sRGB-encoded):
 * mid-tones, a textured sky over the top fifth at `sky` ± 0.08 and a
 * doorway over the bottom fifth at `door` ± 0.02 (over 1 and under 0: what
 * the fusion pushed past white and black).
 */
function fusedStreet(sky: number, door = 0.1): { img: FloatImage; inSky: (p: number) => boolean; inDoor: (p: number) => boolean } {
  const [w, h] = [60, 40];
  const next = rng(9);
  const data = new Float32Array(w * h * 4);
  const inSky = (p: number) => Math.floor(p / w) < h / 5;
  const inDoor = (p: number) => Math.floor(p / w) >= (h * 4) / 5;
  for (let p = 0; p < w * h; p++) {
    const v = inSky(p) ? sky + (next() - 0.5) * 0.16 : inDoor(p) ? door + (next() - 0.5) * 0.04 : 0.2 + next() * 0.5;
    data.set([v, v * 0.97, v * 0.93], p * 4);
    data[p * 4 + 3] = 1;
  }
  return { img: { width: w, height: h, data }, inSky, inDoor };
}

/** Over the pixels `where` holds: the share at `clipped` and how many green codes they take. */
function regionFigures(out: Uint8ClampedArray, n: number, where: (p: number) => boolean, clipped: (p: number) => boolean): { clipped: number; codes: number } {
  let hits = 0;
  let count = 0;
  const codes = new Set<number>();
  for (let p = 0; p < n; p++) {
    if (!where(p)) continue;
    count++;
    if (clipped(p)) hits++;
    codes.add(out[p * 4 + 1]!);
  }
  return { clipped: hits / count, codes: codes.size };
}

describe('autoFusionLook', () => {
  it('a fusion within white keeps the plain clamp (fusedWhite 1): the picture as before', () => {
    const { img } = fusedStreet(0.85);
    const look = autoFusionLook(fusedStats(img));
    expect(look).toEqual({ rangeCompression: PARAMS.rangeCompression.default, whitePoint: PARAMS.whitePoint.default, fusedWhite: 1, fusedBlack: 0 });
    expect(finishFused(img, { ...defaultParams(), ...look })).toEqual(finishFused(img, defaultParams()));
  });

  it('a sky the fusion pushed over white: the roll-off white lands above its bright end, and the sky keeps its texture where the clamp turned it white', () => {
    const { img, inSky } = fusedStreet(1.12);
    const look = autoFusionLook(fusedStats(img));
    // The sky's brightest channel reaches srgbToLinear(1.2) = 1.5 (linear); the white sits FUSED_MARGIN above it (within a histogram bin).
    expect(look.fusedWhite).toBeGreaterThan(srgbToLinear(1.2) * FUSED_MARGIN * 0.93);
    expect(look.fusedWhite).toBeLessThan(srgbToLinear(1.2) * FUSED_MARGIN * 1.1);
    const n = img.width * img.height;
    const figures = (out: Uint8ClampedArray) => regionFigures(out, n, inSky, (p) => Math.min(out[p * 4]!, out[p * 4 + 1]!, out[p * 4 + 2]!) >= 254);
    const plain = figures(finishFused(img, defaultParams()));
    const auto = figures(finishFused(img, { ...defaultParams(), ...look }));
    // Measured: the clamp turns 85 % of the sky white, all of it at one green code; the roll-off (white 1.85) none, in 6 codes.
    expect(plain.clipped).toBeGreaterThan(0.5);
    expect(auto.clipped).toBeLessThan(0.005);
    expect(auto.codes).toBeGreaterThan(plain.codes);
    expect(look.fusedBlack).toBe(0);
  });

  it("a doorway the fusion pushed under black: the toe's black lands below its dark end, and the doorway keeps its texture where the clamp turned it black", () => {
    const { img, inDoor } = fusedStreet(0.85, -0.02);
    const look = autoFusionLook(fusedStats(img));
    // The doorway reaches −0.04; the black sits FUSED_MARGIN and two codes below it (within a histogram bin); no roll-off above.
    const black = -0.04 * FUSED_MARGIN - 2 / 255;
    expect(look.fusedBlack).toBeLessThan(black + 0.01);
    expect(look.fusedBlack).toBeGreaterThan(black - 0.01);
    expect(look.fusedWhite).toBe(1);
    const n = img.width * img.height;
    const figures = (out: Uint8ClampedArray) => regionFigures(out, n, inDoor, (p) => Math.max(out[p * 4]!, out[p * 4 + 1]!, out[p * 4 + 2]!) <= 1);
    const plain = figures(finishFused(img, defaultParams()));
    const auto = figures(finishFused(img, { ...defaultParams(), ...look }));
    // Measured: the clamp turns all of the doorway black, at one code; the toe (black −0.055) none, in 7 codes.
    expect(plain.clipped).toBeGreaterThan(0.5);
    expect(auto.clipped).toBeLessThan(0.005);
    expect(auto.codes).toBeGreaterThan(plain.codes);
  });
});
