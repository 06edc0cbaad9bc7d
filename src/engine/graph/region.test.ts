import { describe, expect, it } from 'vitest';
import { rng } from '../reference/random';
import { pyramidSizes } from '../pyramid/reference/pyramid';
import { area, clampTo, composeFootprints, contains, equals, fromLevel, grow, inputRegion, inputRegionThrough, intersect, isEmpty, levelSize, rect, toLevel, union, type Footprint, type Rect } from './region';

const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const randomRect = (r: () => number): Rect => rect(int(r, -50, 200), int(r, -50, 200), int(r, 0, 120), int(r, 0, 120));
/** Whether pixel (px, py) is in r. */
const has = (r: Rect, px: number, py: number) => px >= r.x && px < r.x + r.width && py >= r.y && py < r.y + r.height;

describe('rectangles', () => {
  it('rejects non-integer or negative sizes', () => {
    expect(() => rect(0.5, 0, 1, 1)).toThrow(/not an integer/);
    expect(() => rect(0, 0, -1, 1)).toThrow(/negative/);
  });

  it('intersect, union and clamp on known cases', () => {
    const a = rect(0, 0, 10, 10);
    const b = rect(5, 6, 10, 10);
    expect(intersect(a, b)).toEqual(rect(5, 6, 5, 4));
    expect(union(a, b)).toEqual(rect(0, 0, 15, 16));
    expect(isEmpty(intersect(a, rect(20, 20, 3, 3)))).toBe(true);
    expect(union(rect(3, 3, 0, 5), b)).toEqual(b);
    expect(clampTo(rect(-3, 4, 10, 10), { width: 5, height: 8 })).toEqual(rect(0, 4, 5, 4));
    expect(grow(rect(2, 3, 4, 5), 2)).toEqual(rect(0, 1, 8, 9));
    expect(area(grow(rect(2, 3, 4, 5), -3))).toBe(0);
  });

  it('property: grown ⊇ original, clamp lies in the image, intersect and union by pixels (500 random cases)', () => {
    const r = rng(15);
    for (let i = 0; i < 500; i++) {
      const a = randomRect(r);
      const b = randomRect(r);
      const halo = int(r, 0, 20);
      const image = { width: int(r, 1, 150), height: int(r, 1, 150) };
      expect(contains(grow(a, halo), a)).toBe(true);
      expect(area(grow(a, halo))).toBe(isEmpty(a) && halo === 0 ? 0 : (a.width + 2 * halo) * (a.height + 2 * halo));
      const c = clampTo(a, image);
      expect(contains({ x: 0, y: 0, ...image }, c)).toBe(true);
      const ab = intersect(a, b);
      const u = union(a, b);
      expect(contains(u, a) && contains(u, b)).toBe(true);
      // Pixel-level check on a sample of points.
      for (let k = 0; k < 20; k++) {
        const px = int(r, -60, 330);
        const py = int(r, -60, 330);
        expect(has(ab, px, py)).toBe(has(a, px, py) && has(b, px, py));
        expect(has(c, px, py)).toBe(has(a, px, py) && px >= 0 && py >= 0 && px < image.width && py < image.height);
      }
    }
  });
});

describe('pyramid levels', () => {
  it('levelSize matches the reference pyramid sizes', () => {
    for (const [w, h] of [
      [1, 1],
      [97, 80],
      [4240, 2832],
      [16384, 12288],
      [8257, 5505],
    ] as const) {
      const sizes = pyramidSizes(w, h, 12);
      sizes.forEach(([lw, lh], k) => expect(levelSize({ width: w, height: h }, k)).toEqual({ width: lw, height: lh }));
    }
  });

  it('property: toLevel covers every level-0 pixel, fromLevel(toLevel) ⊇ the region, no more than one level-k pixel of slack per side', () => {
    const r = rng(7);
    for (let i = 0; i < 500; i++) {
      const a = rect(int(r, 0, 500), int(r, 0, 500), int(r, 1, 300), int(r, 1, 300));
      const k = int(r, 0, 6);
      const f = 2 ** k;
      const l = toLevel(a, k);
      expect(contains(fromLevel(l, k), a)).toBe(true);
      expect(l.x * f).toBeGreaterThan(a.x - f);
      expect((l.x + l.width) * f).toBeLessThan(a.x + a.width + f);
      // Clamped to the level, it stays within the level image.
      const image = { width: a.x + a.width + int(r, 0, 5), height: a.y + a.height + int(r, 0, 5) };
      expect(contains({ x: 0, y: 0, ...levelSize(image, k) }, l)).toBe(true);
    }
    expect(toLevel(rect(3, 5, 10, 1), 2)).toEqual(rect(0, 1, 4, 1));
  });
});

describe('footprints', () => {
  it('same-size, downsample and upsample operators on known cases', () => {
    expect(inputRegion(rect(10, 20, 5, 5), { halo: 2 })).toEqual(rect(8, 18, 9, 9));
    // 2:1 reduce: outputs 10..14 read inputs 20..29 plus 2 each side.
    expect(inputRegion(rect(10, 10, 5, 5), { halo: 2, scale: 2 })).toEqual(rect(18, 18, 14, 14));
    // Expand: fine 5..8 read coarse floor(5/2)−1 = 1 .. floor(8/2)+1 = 5.
    expect(inputRegion(rect(5, 5, 4, 4), { halo: 1, scale: 0.5 })).toEqual(rect(1, 1, 5, 5));
    // Preview downsample by 3 with a 1-pixel halo: output 0..1 reads input 0..5 plus 1.
    expect(inputRegion(rect(0, 0, 2, 2), { halo: 1, scale: 3 })).toEqual(rect(-1, -1, 8, 8));
    expect(() => inputRegion(rect(0, 0, 1, 1), { halo: -1 })).toThrow(/halo/);
    expect(() => inputRegion(rect(0, 0, 1, 1), { halo: 0, scale: 0 })).toThrow(/scale/);
  });

  it('property: a chain of same-size footprints composes as the sum of halos', () => {
    const r = rng(3);
    for (let i = 0; i < 300; i++) {
      const chain: Footprint[] = Array.from({ length: int(r, 1, 6) }, () => ({ halo: int(r, 0, 8) }));
      const sum = chain.reduce((s, f) => s + f.halo, 0);
      const out = rect(int(r, -20, 100), int(r, -20, 100), int(r, 1, 50), int(r, 1, 50));
      expect(inputRegionThrough(out, chain)).toEqual(grow(out, sum));
      expect(composeFootprints(chain)).toEqual({ halo: sum });
    }
  });

  it('property: a composed footprint covers its chain, exactly for integer scales (400 random chains)', () => {
    const r = rng(11);
    const scales = [1, 2, 3, 0.5, 0.25, 1.5];
    for (let i = 0; i < 400; i++) {
      const integer = r() < 0.5;
      const chain: Footprint[] = Array.from({ length: int(r, 1, 5) }, () => ({
        halo: int(r, 0, 4),
        scale: integer ? int(r, 1, 3) : (scales[int(r, 0, scales.length - 1)] ?? 1),
      }));
      const out = rect(int(r, 0, 200), int(r, 0, 200), int(r, 1, 40), int(r, 1, 40));
      const through = inputRegionThrough(out, chain);
      const composed = inputRegion(out, composeFootprints(chain));
      expect(contains(composed, through)).toBe(true);
      if (integer) expect(equals(composed, through)).toBe(true);
    }
  });

  it('property: inputRegion is monotone and grows with the halo', () => {
    const r = rng(5);
    for (let i = 0; i < 300; i++) {
      const a = rect(int(r, 0, 100), int(r, 0, 100), int(r, 1, 40), int(r, 1, 40));
      const b = grow(a, int(r, 0, 5));
      const f: Footprint = { halo: int(r, 0, 4), scale: [1, 2, 0.5, 3][int(r, 0, 3)] ?? 1 };
      expect(contains(inputRegion(b, f), inputRegion(a, f))).toBe(true);
      expect(contains(inputRegion(a, { ...f, halo: f.halo + 1 }), inputRegion(a, f))).toBe(true);
    }
  });
});
