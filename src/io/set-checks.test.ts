import { describe, expect, it } from 'vitest';
import { contradictionMessage, duplicatesMessage, noticeMessages, orientationProblem, sizeProblem } from './set-checks';

const m = (name: string, width: number, height: number, orientation = 1) => ({ name, width, height, orientation });

describe('set checks', () => {
  it('a bracket turned by its EXIF orientation: portrait among landscapes, named, with what to do', () => {
    expect(orientationProblem([m('a.jpg', 300, 200), m('b.jpg', 200, 300, 6), m('c.jpg', 300, 200)])).toBe(
      '“b.jpg” is portrait (200×300), the others landscape (300×200): its EXIF orientation (turned 90° clockwise) differs from theirs (upright). Rotate it to match the others, or remove it from the set.',
    );
    expect(orientationProblem([m('a.jpg', 300, 200), m('b.jpg', 300, 200, 3)])).toMatch(/^“b\.jpg” is turned 180° by its EXIF orientation, the others upright/);
    expect(orientationProblem([m('a.jpg', 300, 200, 6), m('b.jpg', 300, 200, 6)])).toBeNull();
  });

  it('sizes that differ: the odd ones, the set’s size, what to do', () => {
    expect(sizeProblem([m('a.png', 320, 256), m('b.png', 320, 256), m('c.png', 160, 128)])).toBe(
      '“c.png” is 160×128 but the other brackets are 320×256 (“a.png”, “b.png”): all brackets of a set must have the same size. Remove it, or export the whole set again at one size (cropping or scaling one bracket alone would shift it against the others).',
    );
    expect(sizeProblem([m('a.png', 320, 256), m('b.png', 320, 256)])).toBeNull();
  });

  it('duplicate exposures are named with their EV', () => {
    expect(duplicatesMessage(['a', 'b', 'c', 'd'], [0, 2, 2.01, 4])).toMatch(/^“b” and “c” have the same exposure \(\+2\.0 EV\): a duplicate adds no dynamic range/);
    expect(duplicatesMessage(['a', 'b'], [0, 2])).toBeNull();
  });

  it('contradicted EXIF: both EVs per file', () => {
    expect(contradictionMessage(['a', 'b', 'c'], [4, 2, 0], [0, 2, 4], [0, 2])).toBe(
      'The EXIF exposures contradict the pictures: “a” is +4.0 EV by its EXIF but 0.0 EV by its pixels; “c” is 0.0 EV by its EXIF but +4.0 EV by its pixels. Using the exposures measured from the pixels; correct them in the strip below if needed.',
    );
  });

  it('notices: one message per text, naming every file', () => {
    const grey = { kind: 'info' as const, text: 'grey.' };
    const cmyk = { kind: 'warning' as const, text: 'cmyk.' };
    expect(noticeMessages(['a', 'b', 'c'], [[grey], [grey, cmyk], []])).toEqual([
      { kind: 'info', text: '“a”, “b”: grey.' },
      { kind: 'warning', text: '“b”: cmyk.' },
    ]);
  });
});
