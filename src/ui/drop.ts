// What a drop onto the page holds, as files to open: image files as they
// are, and a folder read for the image files in it (not its subfolders), so
// a set's folder opens as the set, named after the folder. Text, links and
// other non-file data get a message saying what to drop instead.

/** The extensions the file picker accepts (Toolbar.tsx): what a folder is read for. */
export const IMAGE_FILE = /\.(jpe?g|png|tiff?|dng|exr|hdr)$/i;

export interface DropContents {
  readonly files: File[];
  /** The folder's name when the drop was one folder (names the set). */
  readonly folder: string | null;
  /** What to tell the user beside opening the files: a problem when `files` is empty, else a note. */
  readonly message: string | null;
}

/** The parts of FileSystemEntry this reads (Chromium, Firefox and Safari all have them). */
interface Entry {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly name: string;
}
interface FileEntry extends Entry {
  file(ok: (f: File) => void, fail?: (e: unknown) => void): void;
}
interface DirectoryEntry extends Entry {
  createReader(): { readEntries(ok: (entries: Entry[]) => void, fail?: (e: unknown) => void): void };
}

const quote = (name: string) => `“${name}”`;

/** Every entry of a folder: readEntries gives them in batches until an empty one. */
async function readAll(dir: DirectoryEntry): Promise<Entry[]> {
  const reader = dir.createReader();
  const all: Entry[] = [];
  for (;;) {
    const batch = await new Promise<Entry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

const fileOf = (entry: FileEntry) => new Promise<File>((ok, fail) => entry.file(ok, fail));

/** A folder's image files, in natural name order, and what was left out. */
async function readFolder(dir: DirectoryEntry): Promise<{ files: File[]; skipped: string[]; folders: number }> {
  const entries = await readAll(dir);
  const images = entries.filter((e): e is FileEntry => e.isFile && IMAGE_FILE.test(e.name) && !e.name.startsWith('.'));
  const skipped = entries.filter((e) => e.isFile && !images.includes(e as FileEntry) && !e.name.startsWith('.')).map((e) => e.name);
  const files = await Promise.all(images.map(fileOf));
  files.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  return { files, skipped, folders: entries.filter((e) => e.isDirectory).length };
}

/**
 * The files a drop holds. Entries are taken from the DataTransfer at once:
 * it is emptied when the drop event returns.
 */
export async function dropContents(dt: DataTransfer | null): Promise<DropContents> {
  if (!dt) return { files: [], folder: null, message: 'Nothing to open: the drop held no files.' };
  const direct: File[] = [];
  const dirs: DirectoryEntry[] = [];
  const items = Array.from(dt.items ?? []);
  if (items.length === 0) direct.push(...Array.from(dt.files ?? []));
  for (const item of items) {
    if (item.kind !== 'file') continue;
    const entry = (item.webkitGetAsEntry?.() ?? null) as Entry | null;
    if (entry?.isDirectory) dirs.push(entry as DirectoryEntry);
    else {
      const f = item.getAsFile();
      if (f) direct.push(f);
    }
  }
  if (direct.length === 0 && dirs.length === 0) {
    const types = Array.from(dt.types ?? []);
    const what = types.includes('text/uri-list') ? 'a link' : types.some((t) => t.startsWith('text/')) ? 'text' : 'no files';
    return {
      files: [],
      folder: null,
      message: `Nothing to open: the drop held ${what}, not image files (pictures on web pages are not downloaded). Drag the image files, or their folder, from your file manager, or use “Open brackets…”.`,
    };
  }
  const files = [...direct];
  const notes: string[] = [];
  for (const dir of dirs) {
    let read: Awaited<ReturnType<typeof readFolder>>;
    try {
      read = await readFolder(dir);
    } catch (err) {
      return { files: [], folder: null, message: `The folder ${quote(dir.name)} could not be read (${String(err)}). Select its image files instead.` };
    }
    if (read.files.length === 0) {
      const inside = read.folders > 0 ? `, only ${read.folders} folder${read.folders > 1 ? 's' : ''} (subfolders are not read: drop the folder of one set)` : '';
      return { files: [], folder: null, message: `The folder ${quote(dir.name)} holds no image files (JPEG, PNG, TIFF, DNG, OpenEXR or Radiance .hdr)${inside}.` };
    }
    files.push(...read.files);
    if (read.skipped.length) {
      const shown = read.skipped.slice(0, 3).map(quote).join(', ');
      notes.push(
        `${read.skipped.length} other file${read.skipped.length > 1 ? 's' : ''} in ${quote(dir.name)} ${read.skipped.length > 1 ? 'were' : 'was'} left out (${shown}${read.skipped.length > 3 ? ', …' : ''}: not images this editor reads).`,
      );
    }
  }
  const folder = dirs.length === 1 && direct.length === 0 ? dirs[0]!.name : null;
  if (folder) notes.unshift(`Opening the ${files.length} image file${files.length > 1 ? 's' : ''} of the folder ${quote(folder)}.`);
  return { files, folder, message: notes.length ? notes.join(' ') : null };
}
