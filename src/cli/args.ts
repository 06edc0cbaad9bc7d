// Command line of the batch command (hdr-batch): pure parsing, no file
// access, so every rule here has a unit test (args.test.ts).

/** Output formats, as the app's download buttons (src/ui/export.ts DOWNLOADS). */
export const FORMATS = ['png', 'jpeg', 'png16', 'uhdr', 'exr', 'hdr'] as const;
export type Format = (typeof FORMATS)[number];

/** Other spellings people type. */
const FORMAT_ALIASES: Readonly<Record<string, Format>> = { jpg: 'jpeg', png8: 'png', ultrahdr: 'uhdr' };

/** The app's JPEG quality (its store's jpegQuality, 0.92). */
export const DEFAULT_QUALITY = 92;

export interface BatchOptions {
  /** Folders: each a bracket set (images directly inside) or a folder of bracket folders. */
  readonly inputs: readonly string[];
  /** A preset saved by the editor; null: the editor's defaults. */
  readonly preset: string | null;
  readonly out: string;
  /** At least one, no repeats, in the order given. */
  readonly formats: readonly Format[];
  /** JPEG quality 1..100 (JPEG and Ultra HDR). */
  readonly quality: number;
}

export type ParsedArgs = { kind: 'run'; options: BatchOptions } | { kind: 'help' } | { kind: 'error'; problem: string };

export const USAGE = `Usage: hdr-batch <folder> [<folder> ...] --out <dir> [--preset preset.json] [--format png,jpeg,png16,uhdr,exr,hdr] [--quality 92]

Merges or fuses every bracket set with the editor's saved settings and writes
the chosen formats, full size, named after each set's folder.

  <folder>             a bracket set (2 to 16 JPEG, PNG or TIFF files of one
                       scene), or a folder of such folders (one set each)
  -o, --out <dir>      where the results go (created if missing)
  -p, --preset <file>  a preset saved by the editor (Edit menu); without it,
                       the editor's defaults (exposure fusion)
  -f, --format <list>  comma-separated, default png:
                         png    8-bit PNG of the finished picture
                         jpeg   JPEG of it (with the middle bracket's EXIF)
                         png16  16-bit PNG of it
                         uhdr   Ultra HDR JPEG (gain map)
                         exr    the radiance map, OpenEXR half float
                         hdr    the radiance map, Radiance RGBE
  -q, --quality <n>    JPEG quality 1-100 (default ${DEFAULT_QUALITY})
  -h, --help           this text

Exit status: 0 when every set was written, 1 when any set failed (the others
are still processed), 2 for a usage, preset or GPU problem.`;

/** Options that take a value, by every spelling. */
const VALUED: Readonly<Record<string, 'out' | 'preset' | 'format' | 'quality'>> = {
  '-o': 'out',
  '--out': 'out',
  '-p': 'preset',
  '--preset': 'preset',
  '-f': 'format',
  '--format': 'format',
  '--formats': 'format',
  '-q': 'quality',
  '--quality': 'quality',
};

function parseFormats(lists: readonly string[]): Format[] | string {
  const out: Format[] = [];
  for (const list of lists) {
    for (const raw of list.split(',')) {
      const name = raw.trim().toLowerCase();
      if (!name) continue;
      const format = (FORMATS as readonly string[]).includes(name) ? (name as Format) : FORMAT_ALIASES[name];
      if (!format) return `unknown format "${raw.trim()}" (choose from ${FORMATS.join(', ')})`;
      if (!out.includes(format)) out.push(format);
    }
  }
  return out.length ? out : 'no format given after --format';
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const inputs: string[] = [];
  const values: Record<'out' | 'preset' | 'quality', string[]> & { format: string[] } = { out: [], preset: [], format: [], quality: [] };
  let positionalOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (positionalOnly || !arg.startsWith('-') || arg === '-') {
      inputs.push(arg);
      continue;
    }
    if (arg === '--') {
      positionalOnly = true;
      continue;
    }
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const key = VALUED[flag];
    if (!key) return { kind: 'error', problem: `unknown option ${flag}` };
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      // "--out --preset x" is a missing value, not an output folder named "--preset".
      if (value === undefined || (value.startsWith('-') && value !== '-')) return { kind: 'error', problem: `${flag} needs a value` };
      i++;
    }
    if (value === '') return { kind: 'error', problem: `${flag} needs a value` };
    values[key].push(value);
  }
  if (inputs.length === 0) return { kind: 'error', problem: 'no input folder given' };
  for (const key of ['out', 'preset', 'quality'] as const) {
    if (values[key].length > 1) return { kind: 'error', problem: `--${key} is given ${values[key].length} times` };
  }
  const out = values.out[0];
  if (out === undefined) return { kind: 'error', problem: 'no output folder: add --out <dir>' };
  const formats = values.format.length ? parseFormats(values.format) : (['png'] as Format[]);
  if (typeof formats === 'string') return { kind: 'error', problem: formats };
  let quality = DEFAULT_QUALITY;
  if (values.quality[0] !== undefined) {
    const q = Number(values.quality[0]);
    if (!Number.isInteger(q) || q < 1 || q > 100) return { kind: 'error', problem: `--quality must be a whole number from 1 to 100, not "${values.quality[0]}"` };
    quality = q;
  }
  return { kind: 'run', options: { inputs, preset: values.preset[0] ?? null, out, formats, quality } };
}
