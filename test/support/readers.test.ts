import exifr from 'exifr';
import { describe, expect, it } from 'vitest';
import { buildExif, halfToFloat } from './readers';

describe('test readers', () => {
  it('halfToFloat decodes normals, subnormals and the specials', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('buildExif writes Make, Model, Orientation and ExposureTime that exifr reads', async () => {
    const exif = buildExif({ make: 'TestCam', model: 'TC-2', exposureTime: 1 / 125, orientation: 6 });
    const tags = (await exifr.parse(exif.subarray(6), { tiff: true, exif: true, translateValues: false })) as Record<string, unknown>;
    expect(tags).toMatchObject({ Make: 'TestCam', Model: 'TC-2', Orientation: 6, ExposureTime: 1 / 125 });
    const long = (await exifr.parse(buildExif({ make: 'ACME', model: 'Long exposure', exposureTime: 4 }).subarray(6))) as Record<string, unknown>;
    expect(long).toMatchObject({ Make: 'ACME', ExposureTime: 4 });
  });
});
