import { describe, expect, it } from 'vitest';
import { FIT_VIEW, MAX_ZOOM, fitScale, panBy, viewGeometry, zoomAbout, type ViewState } from './view';

const IMAGE: [number, number] = [4000, 3000];
const CANVAS: [number, number] = [1000, 600];

describe('viewGeometry', () => {
  it('fit: the whole image at the largest scale that fits, centred, never enlarged', () => {
    const g = viewGeometry(IMAGE, CANVAS, FIT_VIEW);
    expect(g.fit).toBe(true);
    expect(g.scale).toBe(0.2);
    expect(g.region).toEqual([0, 0, 4000, 3000]);
    expect(g.out).toEqual([800, 600]);
    expect(g.rect).toEqual([100, 0, 900, 600]);
    const small = viewGeometry([320, 256], CANVAS, FIT_VIEW);
    expect(small.scale).toBe(1);
    expect(small.out).toEqual([320, 256]);
    expect(small.rect).toEqual([340, 172, 660, 428]);
  });

  it('100 %: one image pixel per canvas pixel, the region as big as the canvas, on whole pixels', () => {
    const g = viewGeometry(IMAGE, CANVAS, { zoom: 1, center: [0.5, 0.5] });
    expect(g.fit).toBe(false);
    expect(g.region).toEqual([1500, 1200, 2500, 1800]);
    expect(g.out).toEqual([1000, 600]);
    expect(g.rect).toEqual([0, 0, 1000, 600]);
  });

  it('200 %: half as many image pixels, each drawn 2×2, rendered at image resolution', () => {
    const g = viewGeometry(IMAGE, CANVAS, { zoom: 2, center: [0.25, 0.5] });
    expect(g.region).toEqual([750, 1350, 1250, 1650]);
    expect(g.out).toEqual([500, 300]);
    expect(g.rect).toEqual([0, 0, 1000, 600]);
  });

  it('a centre near the edge is clamped so the image never leaves the canvas', () => {
    const g = viewGeometry(IMAGE, CANVAS, { zoom: 1, center: [0, 1] });
    expect(g.region).toEqual([0, 2400, 1000, 3000]);
    expect(g.center).toEqual([500 / 4000, 2700 / 3000]);
  });

  it('between fit and 100 %: the region is averaged down to canvas resolution', () => {
    const g = viewGeometry(IMAGE, CANVAS, { zoom: 0.5, center: [0.5, 0.5] });
    expect(g.region).toEqual([1000, 900, 3000, 2100]);
    expect(g.out).toEqual([1000, 600]);
    expect(g.rect).toEqual([0, 0, 1000, 600]);
  });

  it('a zoom below fit is fit; above MAX_ZOOM is MAX_ZOOM', () => {
    expect(viewGeometry(IMAGE, CANVAS, { zoom: 0.1, center: [0.3, 0.3] }).fit).toBe(true);
    expect(viewGeometry(IMAGE, CANVAS, { zoom: 100, center: [0.5, 0.5] }).scale).toBe(MAX_ZOOM);
  });

  it('an image narrower than the canvas at this zoom is centred on that axis', () => {
    const g = viewGeometry([800, 3000], CANVAS, { zoom: 1, center: [0.9, 0.5] });
    expect(g.region).toEqual([0, 1200, 800, 1800]);
    expect(g.rect).toEqual([100, 0, 900, 600]);
  });

  it('fractional zooms: the rect covers the region exactly at the asked scale', () => {
    const g = viewGeometry(IMAGE, CANVAS, { zoom: 1.37, center: [0.4, 0.6] });
    expect(g.rect[2] - g.rect[0]).toBeCloseTo((g.region[2] - g.region[0]) * 1.37, 9);
    expect(g.rect[0]).toBeLessThanOrEqual(0);
    expect(g.rect[2]).toBeGreaterThanOrEqual(CANVAS[0]);
    expect(g.rect[3]).toBeGreaterThanOrEqual(CANVAS[1]);
  });
});

describe('zoomAbout and panBy', () => {
  it('zooming keeps the image point under the cursor in place', () => {
    const at: [number, number] = [300, 200];
    const from: ViewState = { zoom: 1, center: [0.5, 0.5] };
    const g0 = viewGeometry(IMAGE, CANVAS, from);
    const under = (g: typeof g0) => [g.region[0] + (at[0] - g.rect[0]) / g.scale, g.region[1] + (at[1] - g.rect[1]) / g.scale];
    const to = zoomAbout(IMAGE, CANVAS, from, 2, at);
    const g1 = viewGeometry(IMAGE, CANVAS, to);
    const [x0, y0] = under(g0);
    const [x1, y1] = under(g1);
    // Whole-pixel rounding of the canvas origin moves it by at most half a canvas pixel.
    expect(Math.abs(x1! - x0!)).toBeLessThanOrEqual(0.5 / 2 + 1e-9);
    expect(Math.abs(y1! - y0!)).toBeLessThanOrEqual(0.5 / 2 + 1e-9);
  });

  it('zooming from fit to 100 % about a point lands near that point', () => {
    const to = zoomAbout(IMAGE, CANVAS, FIT_VIEW, 1, [100, 0]); // the image's top-left corner at fit
    expect(viewGeometry(IMAGE, CANVAS, to).region.slice(0, 2)).toEqual([0, 0]);
    expect(zoomAbout(IMAGE, CANVAS, to, 'fit')).toEqual(FIT_VIEW);
    expect(zoomAbout(IMAGE, CANVAS, to, fitScale(IMAGE, CANVAS) / 2)).toEqual(FIT_VIEW);
  });

  it('a drag moves the image with the pointer, and stops at the edge', () => {
    const v: ViewState = { zoom: 2, center: [0.5, 0.5] };
    const moved = panBy(IMAGE, CANVAS, v, 100, -50);
    // 100 device pixels at 200 % are 50 image pixels: the centre moves left by 50, down by 25.
    expect(moved.center[0] * 4000).toBeCloseTo(2000 - 50, 9);
    expect(moved.center[1] * 3000).toBeCloseTo(1500 + 25, 9);
    const far = panBy(IMAGE, CANVAS, v, 1e6, 1e6);
    expect(viewGeometry(IMAGE, CANVAS, far).region.slice(0, 2)).toEqual([0, 0]);
    expect(panBy(IMAGE, CANVAS, FIT_VIEW, 10, 10)).toBe(FIT_VIEW);
  });
});
