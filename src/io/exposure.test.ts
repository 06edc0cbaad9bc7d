import { describe, expect, it } from 'vitest';
import { assignExposures, evFromExposure, exposureFromEv, exposureValue, formatEv, formatShutter, naturalCompare } from './exposure';

const ev = (a: Parameters<typeof exposureValue>[0], b: Parameters<typeof exposureValue>[0]): number => {
  const ea = exposureValue(a);
  const eb = exposureValue(b);
  if (!ea || !eb) throw new Error('missing exposure');
  return evFromExposure(eb.exposure, ea.exposure);
};

describe('exposureValue / evFromExposure', () => {
  it('is t * ISO / N²', () => {
    // 1/60 · 100 / 64 = 0.0260416…
    expect(exposureValue({ exposureTime: 1 / 60, fNumber: 8, iso: 100 })).toEqual({
      exposure: ((1 / 60) * 100) / 64,
      assumed: false,
    });
  });

  it('1/60 s → 1/15 s at f/8 ISO 100 is +2 EV', () => {
    expect(ev({ exposureTime: 1 / 60, fNumber: 8, iso: 100 }, { exposureTime: 1 / 15, fNumber: 8, iso: 100 })).toBeCloseTo(2, 12);
  });

  it('ISO 100 → 200 is +1 EV', () => {
    expect(ev({ exposureTime: 1 / 60, fNumber: 8, iso: 100 }, { exposureTime: 1 / 60, fNumber: 8, iso: 200 })).toBeCloseTo(1, 12);
  });

  it('f/8 → f/5.6 is ≈ +1 EV', () => {
    // log2((8 / 5.6)²) = 1.0291
    expect(ev({ exposureTime: 1 / 60, fNumber: 8, iso: 100 }, { exposureTime: 1 / 60, fNumber: 5.6, iso: 100 })).toBeCloseTo(1.0291, 4);
  });

  it('assumes ISO 100 and f/1 when missing, and says so', () => {
    expect(exposureValue({ exposureTime: 0.5 })).toEqual({ exposure: 50, assumed: true });
    expect(exposureValue({ exposureTime: 0.5, fNumber: 2 })).toEqual({ exposure: 12.5, assumed: true });
    expect(exposureValue({ exposureTime: 0.5, iso: 400 })).toEqual({ exposure: 200, assumed: true });
  });

  it('is null without a positive exposure time', () => {
    expect(exposureValue({})).toBeNull();
    expect(exposureValue({ exposureTime: 0, fNumber: 8, iso: 100 })).toBeNull();
    expect(exposureValue({ exposureTime: -1 })).toBeNull();
    expect(exposureValue({ exposureTime: Number.NaN })).toBeNull();
  });

  it('exposureFromEv is 2^ev and inverts evFromExposure', () => {
    expect(exposureFromEv(0)).toBe(1);
    expect(exposureFromEv(2)).toBe(4);
    expect(exposureFromEv(-1)).toBe(0.5);
    expect(evFromExposure(exposureFromEv(1.7), 1)).toBeCloseTo(1.7, 12);
  });
});

describe('assignExposures', () => {
  it('uses EXIF when every item has an exposure time, darkest = 0', () => {
    const out = assignExposures([
      { name: 'b.jpg', meta: { exposureTime: 1 / 15, fNumber: 8, iso: 100 } },
      { name: 'a.jpg', meta: { exposureTime: 1 / 60, fNumber: 8, iso: 100 } },
      { name: 'c.jpg', meta: { exposureTime: 1 / 60, fNumber: 8, iso: 200 } },
    ]);
    expect(out.map((o) => o.source)).toEqual(['exif', 'exif', 'exif']);
    expect(out[0]?.ev).toBeCloseTo(2, 12);
    expect(out[1]?.ev).toBe(0);
    expect(out[2]?.ev).toBeCloseTo(1, 12);
  });

  it('ignores f-number / ISO unless every item has them', () => {
    // f/2 on one file only would otherwise skew it by log2(4) = 2 EV
    const out = assignExposures([
      { name: 'a', meta: { exposureTime: 1 / 100, fNumber: 2 } },
      { name: 'b', meta: { exposureTime: 1 / 25 } },
    ]);
    expect(out[0]?.ev).toBe(0);
    expect(out[1]?.ev).toBeCloseTo(2, 12);
    expect(out[1]?.source).toBe('exif');
  });

  it('falls back to 2 EV steps in natural file-name order when any time is missing', () => {
    const out = assignExposures([
      { name: 'img10.jpg', meta: { exposureTime: 1 / 60 } },
      { name: 'img2.jpg', meta: null },
      { name: 'IMG1.jpg', meta: { exposureTime: 1 / 15 } },
    ]);
    // natural order: IMG1, img2, img10 → EV 0, 2, 4
    expect(out).toEqual([
      { ev: 4, source: 'assumed' },
      { ev: 2, source: 'assumed' },
      { ev: 0, source: 'assumed' },
    ]);
  });

  it('handles no items and a single item', () => {
    expect(assignExposures([])).toEqual([]);
    expect(assignExposures([{ name: 'x', meta: null }])).toEqual([{ ev: 0, source: 'assumed' }]);
    expect(assignExposures([{ name: 'x', meta: { exposureTime: 2 } }])).toEqual([{ ev: 0, source: 'exif' }]);
  });

  it('naturalCompare orders digit runs numerically', () => {
    const names = ['img10.jpg', 'img2.jpg', 'img1.jpg', 'a.jpg', 'img02b.jpg'];
    expect([...names].sort(naturalCompare)).toEqual(['a.jpg', 'img1.jpg', 'img2.jpg', 'img02b.jpg', 'img10.jpg']);
    expect(naturalCompare('x', 'x')).toBe(0);
  });
});

describe('formatting', () => {
  it('formatShutter', () => {
    expect(formatShutter(1 / 250)).toBe('1/250 s');
    expect(formatShutter(0.0167)).toBe('1/60 s'); // 1/0.0167 = 59.9
    expect(formatShutter(0.25)).toBe('1/4 s');
    expect(formatShutter(0.8)).toBe('0.8 s');
    expect(formatShutter(1)).toBe('1 s');
    expect(formatShutter(2)).toBe('2 s');
    expect(formatShutter(1.5)).toBe('1.5 s');
    expect(formatShutter(30)).toBe('30 s');
    expect(formatShutter(undefined)).toBe('—');
    expect(formatShutter(0)).toBe('—');
  });

  it('formatEv', () => {
    expect(formatEv(2)).toBe('+2.0 EV');
    expect(formatEv(-1.3)).toBe('\u22121.3 EV');
    expect(formatEv(0)).toBe('0.0 EV');
    expect(formatEv(-0.04)).toBe('0.0 EV');
    expect(formatEv(1.0291)).toBe('+1.0 EV');
    expect(formatEv(-1.25)).toBe('\u22121.3 EV'); // rounds half away from zero
    expect(formatEv(Number.NaN)).toBe('— EV');
  });
});
