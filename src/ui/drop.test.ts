import { describe, expect, it } from 'vitest';
import { dropContents } from './drop';

// Node has File but no DataTransfer: a stand-in with the parts drop.ts reads.
const file = (name: string) => new File([new Uint8Array(1)], name);
const fileEntry = (f: File) => ({ isFile: true, isDirectory: false, name: f.name, file: (ok: (f: File) => void) => ok(f) });
function dirEntry(name: string, entries: object[]) {
  return {
    isFile: false,
    isDirectory: true,
    name,
    createReader() {
      // Two batches, then an empty one, as Chromium hands out 100 at a time.
      const batches = [entries.slice(0, 2), entries.slice(2), []];
      return { readEntries: (ok: (e: object[]) => void) => ok(batches.shift() ?? []) };
    },
  };
}
function transfer(items: { file?: File; entry?: object | null; kind?: string }[], types: string[] = ['Files']): DataTransfer {
  return {
    types,
    files: items.flatMap((i) => (i.file ? [i.file] : [])),
    items: items.map((i) => ({ kind: i.kind ?? 'file', getAsFile: () => i.file ?? null, webkitGetAsEntry: () => i.entry ?? null })),
  } as unknown as DataTransfer;
}

describe('dropContents', () => {
  it('files as they are', async () => {
    const files = [file('a.jpg'), file('b.jpg')];
    expect(await dropContents(transfer(files.map((f) => ({ file: f }))))).toEqual({ files, folder: null, message: null });
  });

  it('a folder: its image files in natural order, named after it; other files left out and said so; subfolders not read', async () => {
    const imgs = ['IMG_10.jpg', 'IMG_9.jpg', 'IMG_11.JPG'].map(file);
    const dir = dirEntry('sunset', [...imgs.map(fileEntry), fileEntry(file('IMG_9.xmp')), fileEntry(file('.DS_Store')), dirEntry('old', [])]);
    const got = await dropContents(transfer([{ file: file('sunset'), entry: dir }]));
    expect(got.files.map((f) => f.name)).toEqual(['IMG_9.jpg', 'IMG_10.jpg', 'IMG_11.JPG']);
    expect(got.folder).toBe('sunset');
    expect(got.message).toBe('Opening the 3 image files of the folder “sunset”. 1 other file in “sunset” was left out (“IMG_9.xmp”: not images this editor reads).');
  });

  it('a folder without images: a message, no files', async () => {
    const got = await dropContents(transfer([{ file: file('sets'), entry: dirEntry('sets', [dirEntry('a', []), fileEntry(file('notes.txt'))]) }]));
    expect(got.files).toEqual([]);
    expect(got.message).toBe('The folder “sets” holds no image files (JPEG, PNG, TIFF, DNG, OpenEXR or Radiance .hdr), only 1 folder (subfolders are not read: drop the folder of one set).');
  });

  it('text or a link: what was dropped and what to drop instead', async () => {
    const text = await dropContents(transfer([{ kind: 'string' }], ['text/plain']));
    expect(text.files).toEqual([]);
    expect(text.message).toMatch(/^Nothing to open: the drop held text, not image files/);
    expect((await dropContents(transfer([{ kind: 'string' }, { kind: 'string' }], ['text/uri-list', 'text/plain']))).message).toMatch(/held a link/);
  });
});
