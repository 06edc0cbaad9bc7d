import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { headerSize, jpegHeader, pngHeader, tiffHeader } from './header';
import { sniffImage } from './sniff';
import { writeFlatPng } from '../../test/support/png-writer';
import { writeTiff } from '../../test/support/tiff-writer';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => new Uint8Array(readFileSync(root + path));

describe('image headers', () => {
  it('PNG IHDR: size, depth, colour type', () => {
    expect(pngHeader(read('e2e/fixtures/goldengate-3/gg-1.png'))).toMatchObject({ width: 320, height: 256, bitDepth: 8, colourType: 2, interlaced: false });
    const huge = writeFlatPng(12000, 8000);
    expect(huge.length).toBeLessThan(1 << 20);
    expect(headerSize(huge.subarray(0, 64), 'png')).toEqual(expect.objectContaining({ width: 12000, height: 8000 }));
  });

  it('JPEG SOF after the EXIF segment: size and components (3 colour, 1 grey, 4 CMYK)', () => {
    expect(jpegHeader(read('public/sample/goldengate-1.jpg'))).toEqual({ width: 1262, height: 860, components: 3, precision: 8 });
    expect(jpegHeader(read('e2e/fixtures/bad/grey-1.jpg'))?.components).toBe(1);
    expect(jpegHeader(read('e2e/fixtures/bad/cmyk.jpg'))).toMatchObject({ width: 320, height: 256, components: 4 });
    // Only the first bytes: not found is null, never a guess.
    expect(jpegHeader(read('public/sample/goldengate-1.jpg').subarray(0, 40))).toBeNull();
  });

  it('TIFF IFD0 width and length', () => {
    const tiff = writeTiff({ width: 7, height: 5, samples: new Uint16Array(7 * 5 * 3), samplesPerPixel: 3, compression: 'none' });
    expect(tiffHeader(tiff)).toEqual({ width: 7, height: 5 });
    expect(headerSize(tiff, sniffImage(tiff))).toEqual({ width: 7, height: 5 });
  });

  it('text or another kind: null', () => {
    const text = read('e2e/fixtures/bad/not-an-image.jpg');
    expect(headerSize(text, sniffImage(text))).toBeNull();
    expect(headerSize(new Uint8Array(0), 'png')).toBeNull();
  });
});
