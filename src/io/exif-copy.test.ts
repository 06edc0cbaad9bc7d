import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import exifr from 'exifr';
import { decode as jpegDecode, encode as jpegEncode } from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { adjustExif, copyExif, extractExif, insertExif, jpegHeaderSegments } from './exif-copy';

/**
 * A little-endian EXIF payload written by hand: IFD0 with Make, Model,
 * Orientation = 6 and the Exif IFD pointer, then IFD1 (a thumbnail IFD);
 * the Exif IFD has DateTimeOriginal, LensModel and the pixel size.
 */
function makeExif(): Uint8Array {
  const buf = new Uint8Array(512);
  const dv = new DataView(buf.buffer);
  buf.set([0x45, 0x78, 0x69, 0x66, 0, 0], 0);
  const T = 6; // TIFF header offset within the payload
  dv.setUint16(T, 0x4949);
  dv.setUint16(T + 2, 42, true);
  dv.setUint32(T + 4, 8, true);
  let data = 300; // strings live here (TIFF offsets)
  const str = (s: string): number => {
    const at = data;
    for (let i = 0; i < s.length; i++) buf[T + data++] = s.charCodeAt(i);
    buf[T + data++] = 0;
    return at;
  };
  const ifd = (at: number, entries: [number, number, number, number][], next: number): void => {
    dv.setUint16(T + at, entries.length, true);
    entries.forEach(([tag, type, count, value], i) => {
      const e = T + at + 2 + i * 12;
      dv.setUint16(e, tag, true);
      dv.setUint16(e + 2, type, true);
      dv.setUint32(e + 4, count, true);
      if (type === 3 && count === 1) dv.setUint16(e + 8, value, true);
      else dv.setUint32(e + 8, value, true);
    });
    dv.setUint32(T + at + 2 + entries.length * 12, next, true);
  };
  const make = 'TestCam';
  const model = 'TC-1 Mark II';
  const date = '2024:05:06 07:08:09';
  const lens = 'TestLens 24-70mm f/2.8';
  ifd(
    8,
    [
      [0x010f, 2, make.length + 1, str(make)],
      [0x0110, 2, model.length + 1, str(model)],
      [0x0112, 3, 1, 6],
      [0x8769, 4, 1, 100],
    ],
    200,
  );
  ifd(
    100,
    [
      [0x9003, 2, date.length + 1, str(date)],
      [0xa002, 4, 1, 6000],
      [0xa003, 3, 1, 4000],
      [0xa434, 2, lens.length + 1, str(lens)],
    ],
    0,
  );
  ifd(
    200,
    [
      [0x0103, 3, 1, 6],
      [0x011a, 5, 1, str('')],
    ],
    0,
  );
  return buf.slice(0, T + data);
}

function gradient(width: number, height: number): Uint8Array {
  const px = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) px.set([(i * 7) & 255, (i * 3) & 255, 128, 255], i * 4);
  return px;
}
const jpeg = (opts: { exif?: Uint8Array } = {}): Uint8Array => new Uint8Array(jpegEncode({ data: gradient(24, 16), width: 24, height: 16, ...(opts.exif ? { exifBuffer: opts.exif } : {}) } as never, 90).data);

/** IFD0 and Exif IFD tags merged, IFD1 (the thumbnail IFD) apart: exifr leaves it out of merged output. */
async function parse(bytes: Uint8Array): Promise<Record<string, unknown> | undefined> {
  const r = (await exifr.parse(bytes, { tiff: true, exif: true, ifd1: true, mergeOutput: false, translateValues: false, reviveValues: false })) as Record<string, Record<string, unknown> | undefined> | undefined;
  return r && { ...r.ifd0, ...r.exif, ifd1: r.ifd1 };
}

const dir = mkdtempSync(join(tmpdir(), 'hdr-exif-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('EXIF copy', () => {
  const exif = makeExif();
  const source = jpeg({ exif });

  it('the hand-made source is read by exifr', async () => {
    const tags = await parse(source);
    expect(tags?.Make).toBe('TestCam');
    expect(tags?.Orientation).toBe(6);
  });

  it('extractExif returns the APP1 payload', () => {
    expect(Array.from(extractExif(source)!)).toEqual(Array.from(exif));
    expect(extractExif(jpeg())).toBeNull();
  });

  it('copies camera, lens and date into a JPEG without EXIF, after its APP0', async () => {
    const target = jpeg();
    const out = copyExif(source, target, { width: 24, height: 16 });
    const segs = jpegHeaderSegments(out);
    expect(segs[0]!.marker).toBe(0xe0); // JFIF stays first
    expect(segs[1]!.marker).toBe(0xe1);
    const tags = await parse(out);
    expect(tags?.Make).toBe('TestCam');
    expect(tags?.Model).toBe('TC-1 Mark II');
    expect(tags?.LensModel).toBe('TestLens 24-70mm f/2.8');
    expect(tags?.DateTimeOriginal).toBe('2024:05:06 07:08:09');
    // Adjusted to the exported pixels.
    expect(tags?.Orientation).toBe(1);
    expect(tags?.ExifImageWidth).toBe(24);
    expect(tags?.ExifImageHeight).toBe(16);
    expect(tags?.ifd1).toBeUndefined(); // IFD1 unlinked
    // The picture itself is untouched.
    expect(Array.from(jpegDecode(out, { useTArray: true }).data)).toEqual(Array.from(jpegDecode(target, { useTArray: true }).data));
  });

  it('keeps the source values when told to', async () => {
    const out = copyExif(source, jpeg(), { resetOrientation: false, dropThumbnail: false });
    const tags = await parse(out);
    expect(tags?.Orientation).toBe(6);
    expect(tags?.ExifImageWidth).toBe(6000);
    expect(tags?.ifd1).toEqual({ Compression: 6 });
  });

  it('replaces EXIF the target already has, and inserts after SOI when there is no APP0', async () => {
    const other = adjustExif(makeExif());
    other.set([0x4f, 0x74, 0x68, 0x65, 0x72], 6 + 300); // Make (first string, TIFF offset 300): "TestCam" → "Otheram"
    const target = jpeg({ exif: other });
    expect((await parse(target))?.Make).toBe('Otheram');
    const out = copyExif(source, target);
    expect(jpegHeaderSegments(out).filter((s) => s.marker === 0xe1)).toHaveLength(1);
    expect((await parse(out))?.Make).toBe('TestCam');

    // Without APP0: drop it from a jpeg-js file by hand.
    const plain = jpeg();
    const app0 = jpegHeaderSegments(plain)[0]!;
    const noApp0 = new Uint8Array([0xff, 0xd8, ...plain.subarray(app0.offset + 4 + app0.payload.length)]);
    const out2 = insertExif(noApp0, exif);
    expect(jpegHeaderSegments(out2)[0]!.marker).toBe(0xe1);
    expect((await parse(out2))?.Make).toBe('TestCam');
  });

  it('returns the target unchanged when the source has no EXIF', () => {
    const target = jpeg();
    expect(copyExif(jpeg(), target)).toBe(target);
  });

  it('rejects payloads that are not EXIF', () => {
    expect(() => insertExif(jpeg(), new Uint8Array([1, 2, 3]))).toThrow();
    expect(() => extractExif(new Uint8Array([1, 2, 3, 4]))).toThrow();
  });

  it.skipIf(spawnSync('which', ['exiftool']).status !== 0)('exiftool reads the copied tags', () => {
    const path = join(dir, 'copied.jpg');
    writeFileSync(path, copyExif(source, jpeg(), { width: 24, height: 16 }));
    const [tags] = JSON.parse(execFileSync('exiftool', ['-j', '-n', '-Make', '-LensModel', '-Orientation', '-DateTimeOriginal', path], { encoding: 'utf8' })) as Record<string, unknown>[];
    expect(tags).toMatchObject({ Make: 'TestCam', LensModel: 'TestLens 24-70mm f/2.8', Orientation: 1, DateTimeOriginal: '2024:05:06 07:08:09' });
  });
});
