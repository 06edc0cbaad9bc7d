import { describe, expect, it } from 'vitest';
import { defaultParams, PARAMS, type Params } from '../params';
import { loadRadianceMap } from '../reference/camera';
import { luminance } from '../reference/color';
import { localDetail } from '../local-detail/reference/local-detail';
import { luminanceStats } from '../luminance/reference/stats';
import type { FloatImage } from '../types';
import { autoLook, HEADROOM_FIT } from './auto-look';
import { tonemap } from './reference/tonemap';

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
    expect(look).toEqual({ rangeCompression: PARAMS.rangeCompression.default, whitePoint: PARAMS.whitePoint.default });
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
