// Which bracket sets a batch run has: every input folder is either a set
// itself (image files directly inside) or a folder of sets (one per
// subfolder). Files are picked by extension; anything else (sidecars,
// presets, .DS_Store) is left alone.
import { readdirSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { naturalCompare } from '../io/exposure';

/** What the batch decodes: JPEG, PNG and TIFF (8- or 16-bit) brackets. */
const IMAGE = /\.(jpe?g|png|tiff?)$/i;
/** Read by the editor (LibRaw, hdrify in the browser) but not here: said, not silently skipped. */
const NOT_HERE = /\.(dng|cr2|cr3|nef|arw|raf|orf|rw2|pef|srw|exr|hdr)$/i;

export interface BracketSet {
  /** Names the outputs: the folder's name, made unique within the run. */
  readonly name: string;
  readonly dir: string;
  /** Image files, natural file-name order (exposures come from EXIF later). */
  readonly files: readonly string[];
  /** Files in the folder this command does not read (camera RAW, radiance maps). */
  readonly unread: readonly string[];
}

export interface Discovery {
  readonly sets: BracketSet[];
  /** Said to the user, not failures: folders skipped and why. */
  readonly notes: string[];
  /** Inputs that cannot be used at all (missing, not a folder). */
  readonly problems: string[];
}

function listDir(dir: string): { images: string[]; unread: string[]; dirs: string[] } {
  const images: string[] = [];
  const unread: string[] = [];
  const dirs: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    // Links are followed: a set may well be a symlink to the card's folder.
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && statSync(path, { throwIfNoEntry: false })?.isDirectory());
    if (isDir) dirs.push(path);
    else if (IMAGE.test(entry.name)) images.push(path);
    else if (NOT_HERE.test(entry.name)) unread.push(path);
  }
  const byName = (a: string, b: string) => naturalCompare(basename(a), basename(b));
  return { images: images.sort(byName), unread: unread.sort(byName), dirs: dirs.sort(byName) };
}

/** Output names: unsafe characters become '_', and a repeated name gets "-2", "-3", … */
function uniqueName(dir: string, taken: Set<string>): string {
  const base =
    basename(resolve(dir))
      .replace(/[^\p{L}\p{N}\-.]+/gu, '_')
      .replace(/^[_.]+|_+$/g, '') || 'brackets';
  let name = base;
  for (let k = 2; taken.has(name.toLowerCase()); k++) name = `${base}-${k}`;
  taken.add(name.toLowerCase());
  return name;
}

/**
 * The sets under `inputs`, in the order given (subfolders in natural order).
 * `outDir` is never a set, so a run whose output lies inside its input can be
 * repeated.
 */
export function findSets(inputs: readonly string[], outDir: string): Discovery {
  const sets: BracketSet[] = [];
  const notes: string[] = [];
  const problems: string[] = [];
  const taken = new Set<string>();
  const out = resolve(outDir);
  const seen = new Set<string>();
  const add = (dir: string, images: string[], unread: string[]) => {
    const key = resolve(dir);
    if (seen.has(key)) return;
    seen.add(key);
    sets.push({ name: uniqueName(dir, taken), dir, files: images, unread });
  };
  for (const input of inputs) {
    const stat = statSync(input, { throwIfNoEntry: false });
    if (!stat) {
      problems.push(`${input}: no such folder`);
      continue;
    }
    if (!stat.isDirectory()) {
      problems.push(`${input}: not a folder (give the folder that holds the brackets)`);
      continue;
    }
    const top = listDir(input);
    if (top.images.length > 0) {
      // Images right here: this folder is one set; its subfolders are not looked into.
      add(input, top.images, top.unread);
      const subs = top.dirs.filter((d) => resolve(d) !== out);
      if (subs.length) notes.push(`${input}: holds images, so it is one set; its ${subs.length === 1 ? 'subfolder is' : `${subs.length} subfolders are`} not read`);
      continue;
    }
    const subs = top.dirs.filter((d) => resolve(d) !== out);
    if (subs.length === 0) {
      // No images and no subfolders: report it as a set, so it fails with the reason.
      add(input, [], top.unread);
      continue;
    }
    for (const sub of subs) {
      const inner = listDir(sub);
      if (inner.images.length === 0 && inner.unread.length === 0) {
        notes.push(`${relative(process.cwd(), sub) || sub}: no images, skipped`);
        continue;
      }
      add(sub, inner.images, inner.unread);
    }
  }
  return { sets, notes, problems };
}
