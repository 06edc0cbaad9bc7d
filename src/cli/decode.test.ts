// The batch command's decoders against the app's: PNG pixels as pngjs gives
// them (what the browser's canvas gives with no colour conversion), EXIF
// exposures as the decode worker reads them, JPEG through libjpeg-turbo with
// its orientation applied (jpeg-js only where libjpeg-turbo gives up),
// 16-bit TIFF kept wide with its response hint, and problems in the app's words.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode as turboDecode } from '@cwasm/jpeg-turbo';
import { encode as jpegEncode } from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { insertExif } from '../io/exif-copy';
import { writeDng, writeTiff } from '../../test/support/tiff-writer';
import { decodeFile } from './decode';
import { orient } from '../io/orient';

const FIXTURES = fileURLToPath(new URL('../../e2e/fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hdr-cli-decode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, bytes: Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

/** A little-endian EXIF payload with one tag: Orientation. */
function orientationExif(o: number): Uint8Array {
  const b = new Uint8Array(6 + 8 + 2 + 12 + 4);
  const dv = new DataView(b.buffer);
  b.set([0x45, 0x78, 0x69, 0x66, 0, 0]);
  dv.setUint16(6, 0x4949);
  dv.setUint16(8, 42, true);
  dv.setUint32(10, 8, true);
  dv.setUint16(14, 1, true);
  dv.setUint16(16, 0x0112, true);
  dv.setUint16(18, 3, true);
  dv.setUint32(20, 1, true);
  dv.setUint16(24, o, true);
  return b;
}

describe('decodeFile', () => {
  it('reads a fixture PNG as pngjs does, with the EXIF exposure the app reads', async () => {
    const path = `${FIXTURES}goldengate-3/gg-1.png`;
    const d = await decodeFile(path);
    const png = PNG.sync.read(readFileSync(path));
    expect([d.width, d.height, d.format]).toEqual([png.width, png.height, 'PNG']);
    expect(d.pixels).toBeInstanceOf(Uint8ClampedArray);
    expect(Buffer.from(d.pixels.buffer, d.pixels.byteOffset, d.pixels.byteLength).equals(png.data)).toBe(true);
    expect(d.exif).toEqual({ exposureTime: 0.00390625, fNumber: 8, iso: 100 });
    expect([d.response, d.exifSegment]).toEqual([null, null]);
  });

  it('turns a JPEG upright by its EXIF orientation and keeps the EXIF for JPEG outputs', async () => {
    const w = 24;
    const h = 16;
    const rgba = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.set([(i * 7) & 255, (i * 3) & 255, 128, 255], i * 4);
    const plain = new Uint8Array(jpegEncode({ data: rgba, width: w, height: h }, 90).data);
    const exif = orientationExif(6);
    const d = await decodeFile(file('rotated.jpg', insertExif(plain, exif)));
    expect([d.width, d.height, d.format]).toEqual([h, w, 'JPEG']);
    // libjpeg-turbo's pixels (as Chromium decodes them; e2e/batch.spec.ts compares with the browser), turned.
    const asShot = turboDecode(plain);
    const upright = orient(asShot.data, w, h, 6);
    expect(Array.from(d.pixels)).toEqual(Array.from(upright.pixels));
    expect(Array.from(d.exifSegment ?? [])).toEqual(Array.from(exif));
    expect(d.warning).toBe('');
  });

  it('keeps 16-bit TIFF samples and says which response they call for', async () => {
    const samples = Uint16Array.from({ length: 4 * 3 * 3 }, (_, i) => i * 1000);
    const d = await decodeFile(file('linear.tif', writeTiff({ width: 4, height: 3, samples, samplesPerPixel: 3, exif: { exposureTime: 0.5, fNumber: 4, iso: 200 } })));
    expect(d.pixels).toBeInstanceOf(Uint16Array);
    expect(Array.from(d.pixels.subarray(0, 8))).toEqual([0, 1000, 2000, 65535, 3000, 4000, 5000, 65535]);
    expect(d.format).toBe('16-bit TIFF');
    expect(d.response).toBe('linear');
    expect(d.note).toMatch(/^linear: no colour profile .*\(assumed\)$/);
    expect(d.exif).toEqual({ exposureTime: 0.5, fNumber: 4, iso: 200 });
  });

  it('falls back to jpeg-js where libjpeg-turbo gives up, and says so', async () => {
    // A CMYK JPEG, which TurboJPEG cannot turn into RGB (ImageMagick: convert -size 16x8 gradient:red-blue -colorspace CMYK -quality 90).
    const cmyk = Buffer.from(
      '/9j/7gAOQWRvYmUAZAAAAAAC/9sAQwADAgIDAgIDAwMDBAMDBAUIBQUEBAUKBwcGCAwKDAwLCgsLDQ4SEA0OEQ4LCxAWEBETFBUVFQwPFxgWFBgSFBUU/9sAQwEDBAQFBAUJBQUJFA0LDRQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU/8AAFAgACAAQBAERAAIRAQMRAQQRAP/EABUAAQEAAAAAAAAAAAAAAAAAAAAI/8QAHRAAAQIHAAAAAAAAAAAAAAAAAAEDBhIXJ1GR8P/EABUBAQEAAAAAAAAAAAAAAAAAAAAI/8QAGREAAQUAAAAAAAAAAAAAAAAAAQAFF1GR/9oADgQBAAIRAxEEAAA/AKYp1E+WtKTVPrlQ1SFCTxYwqwb3dMKdRPlrSifXKhqQk8WMKXu6Y//Z',
      'base64',
    );
    expect(() => turboDecode(cmyk)).toThrow();
    const d = await decodeFile(file('cmyk.jpg', cmyk));
    expect([d.width, d.height]).toEqual([16, 8]);
    // The top-left pixel is red.
    expect(Array.from(d.pixels.subarray(0, 3)).map((v) => Math.round(v / 16))).toEqual([16, 0, 0]);
    expect(d.warning).toMatch(/^was decoded with jpeg-js, as libjpeg-turbo could not/);
  });

  it('refuses damaged files, non-images and camera RAW with the reason', async () => {
    const bad = `${FIXTURES}bad/`;
    await expect(decodeFile(`${bad}empty.png`)).rejects.toThrow('is empty (0 bytes).');
    await expect(decodeFile(`${bad}not-an-image.jpg`)).rejects.toThrow('is not a JPEG, PNG or TIFF image.');
    await expect(decodeFile(`${bad}truncated.jpg`)).rejects.toThrow(/^is truncated: the JPEG data ends early/);
    const dng = writeDng({ width: 4, height: 4, mosaic: new Uint16Array(16).fill(1000), blackLevel: 0, whiteLevel: 4095, asShotNeutral: [0.5, 1, 0.6], exposureTime: 1, fNumber: 8, iso: 100 });
    await expect(decodeFile(file('raw.dng', dng))).rejects.toThrow(/^is a camera RAW \(DNG\)/);
  });
});
