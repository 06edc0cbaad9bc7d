import { describe, expect, it } from 'vitest';
import { setNameFor } from './load';

describe('setNameFor', () => {
  it.each([
    [['IMG_0101.jpg', 'IMG_0102.jpg'], 'IMG'],
    [['gg-1.png', 'gg-2.png', 'gg-3.png'], 'gg'],
    [['memorial0061.jpg', 'memorial0062.jpg'], 'memorial'],
    [['sunset.jpg', 'beach.jpg'], 'sunset'], // no common stem: the first
    [['my photo 1.jpg', 'my photo 2.jpg'], 'my_photo'], // unsafe characters replaced
    [['a:b?c 1.png', 'a:b?c 2.png'], 'a_b_c'],
    [[], 'brackets'],
  ])('%j → %s', (names, expected) => {
    expect(setNameFor(names)).toBe(expected);
  });

  it('trims any trailing separator and keeps letters beyond ASCII', () => {
    expect(setNameFor(['Shot #1.jpg', 'Shot #2.jpg'])).toBe('Shot');
    expect(setNameFor(['photo[1].jpg', 'photo[2].jpg'])).toBe('photo');
    expect(setNameFor(['Été 1.jpg', 'Été 2.jpg'])).toBe('Été');
  });
});
