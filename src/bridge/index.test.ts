import { describe, expect, it } from 'vitest';
import { relativeExposures } from '.';

const evs = (...ev: number[]) => ev.map((e) => ({ ev: e }));

describe('relativeExposures', () => {
  it('is 2^EV relative to the middle bracket', () => {
    expect(relativeExposures(evs(0, 2, 4))).toEqual([1 / 4, 1, 4]);
  });

  it('an even count normalises to the upper middle', () => {
    expect(relativeExposures(evs(0, 1, 2, 3))).toEqual([1 / 4, 1 / 2, 1, 2]);
  });

  it('a single bracket is 1; none is []', () => {
    expect(relativeExposures(evs(-3))).toEqual([1]);
    expect(relativeExposures([])).toEqual([]);
  });
});
