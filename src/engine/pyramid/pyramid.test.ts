import { describe, expect, it } from 'vitest';
import { pyramidLevelCount, pyramidSizes } from './pyramid';
import { pyramidLevels, pyramidSizes as referenceSizes } from './reference/pyramid';

describe('pyramid geometry the GPU allocates', () => {
  it.each([
    [1, 1],
    [2, 3],
    [33, 17],
    [320, 256],
    [1262, 860],
    [4240, 2832],
  ])('%i x %i: same levels and sizes as the CPU reference', (w, h) => {
    expect(pyramidLevelCount(w, h)).toBe(pyramidLevels(w, h));
    expect(pyramidSizes(w, h)).toEqual(referenceSizes(w, h, pyramidLevels(w, h)));
  });
});
