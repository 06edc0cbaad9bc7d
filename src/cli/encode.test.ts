import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { DOWNLOADS } from '../ui/export';
import { FORMATS } from './args';
import { encodePng8, SUFFIX } from './encode';

describe('batch outputs', () => {
  it('are named as the app names its downloads', () => {
    for (const f of FORMATS) expect(SUFFIX[f], f).toBe(DOWNLOADS[f].suffix);
  });

  it('8-bit PNG: RGB, the pixels exactly', () => {
    const rgba = Uint8Array.from({ length: 5 * 3 * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 37) & 255));
    const png = PNG.sync.read(Buffer.from(encodePng8(rgba, 5, 3)));
    expect([png.width, png.height, png.colorType, png.depth]).toEqual([5, 3, 2, 8]);
    expect(Array.from(png.data)).toEqual(Array.from(rgba));
  });
});
