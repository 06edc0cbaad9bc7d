import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findSets } from './sets';

let root = '';
const touch = (...parts: string[]) => {
  const path = join(root, ...parts);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '');
};
const names = (files: readonly string[]) => files.map((f) => basename(f));

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'hdr-sets-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('findSets', () => {
  it('takes each subfolder of a folder of sets, natural order, images by extension only', () => {
    for (const f of ['img10.JPG', 'img2.jpg', 'img1.jpeg', 'notes.txt', 'preset.json', '.DS_Store']) touch('shoot', 'set10', f);
    for (const f of ['a.png', 'b.tif', 'c.TIFF']) touch('shoot', 'set2', f);
    const found = findSets([join(root, 'shoot')], join(root, 'out'));
    expect(found.problems).toEqual([]);
    expect(found.sets.map((s) => s.name)).toEqual(['set2', 'set10']);
    expect(names(found.sets[1]!.files)).toEqual(['img1.jpeg', 'img2.jpg', 'img10.JPG']);
    expect(names(found.sets[0]!.files)).toEqual(['a.png', 'b.tif', 'c.TIFF']);
  });

  it('takes a folder with images in it as one set', () => {
    touch('set', 'a.png');
    touch('set', 'b.png');
    touch('set', 'thumbs', 'x.png');
    const found = findSets([join(root, 'set')], join(root, 'out'));
    expect(found.sets.map((s) => [s.name, names(s.files)])).toEqual([['set', ['a.png', 'b.png']]]);
    expect(found.notes).toEqual([`${join(root, 'set')}: holds images, so it is one set; its subfolder is not read`]);
  });

  it('never reads the output folder as a set, so a run can be repeated', () => {
    touch('shoot', 'one', 'a.png');
    touch('shoot', 'out', 'one-hdr.png');
    expect(findSets([join(root, 'shoot')], join(root, 'shoot', 'out')).sets.map((s) => s.name)).toEqual(['one']);
  });

  it('keeps camera RAW and radiance files apart (said, not read) and skips folders with nothing', () => {
    touch('shoot', 'raw', 'a.DNG');
    touch('shoot', 'raw', 'b.cr3');
    touch('shoot', 'empty', 'readme.txt');
    const found = findSets([join(root, 'shoot')], join(root, 'out'));
    expect(found.sets.map((s) => [s.name, s.files.length, names(s.unread)])).toEqual([['raw', 0, ['a.DNG', 'b.cr3']]]);
    expect(found.notes).toHaveLength(1);
    expect(found.notes[0]).toMatch(/empty: no images, skipped$/);
  });

  it('gives repeated folder names a number, so outputs never overwrite each other', () => {
    touch('a', 'same name', 'x.png');
    touch('b', 'same name', 'x.png');
    touch('c', 'Same_Name', 'x.png');
    const found = findSets([join(root, 'a'), join(root, 'b'), join(root, 'c')], join(root, 'out'));
    expect(found.sets.map((s) => s.name)).toEqual(['same_name', 'same_name-2', 'Same_Name-3']);
  });

  it('reports inputs that are missing or not folders, and reads the others', () => {
    touch('file.png');
    touch('ok', 'a.png');
    const found = findSets([join(root, 'nope'), join(root, 'file.png'), join(root, 'ok'), join(root, 'ok')], join(root, 'out'));
    expect(found.problems).toEqual([`${join(root, 'nope')}: no such folder`, `${join(root, 'file.png')}: not a folder (give the folder that holds the brackets)`]);
    // The same folder twice is one set.
    expect(found.sets.map((s) => s.name)).toEqual(['ok']);
  });
});
