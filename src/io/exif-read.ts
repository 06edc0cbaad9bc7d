// The EXIF fields the app reads from a bracket: exposure (time, f-number,
// ISO) and orientation. Shared by the decode worker and the batch command
// (src/cli/), so both assign the same exposures to the same files.
import exifr from 'exifr';
import type { ExposureMeta } from './exposure';

export interface ExifTags {
  /** null when the file has none of the three exposure fields. */
  readonly exposure: ExposureMeta | null;
  /** EXIF Orientation (1..8; 1 when absent or unreadable). */
  readonly orientation: number;
}

const NONE: ExifTags = { exposure: null, orientation: 1 };

/** Never throws: a file whose EXIF cannot be parsed simply has none. */
export async function readExifTags(bytes: ArrayBuffer | Uint8Array): Promise<ExifTags> {
  try {
    const tags = (await exifr.parse(bytes, { pick: ['ExposureTime', 'FNumber', 'ISO', 'Orientation'], translateValues: false })) as Record<string, unknown> | undefined;
    if (!tags) return NONE;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    const iso = Array.isArray(tags.ISO) ? num(tags.ISO[0]) : num(tags.ISO);
    const exposure = { exposureTime: num(tags.ExposureTime), fNumber: num(tags.FNumber), iso };
    const o = num(tags.Orientation);
    return {
      exposure: exposure.exposureTime || exposure.fNumber || exposure.iso ? exposure : null,
      orientation: o !== undefined && Number.isInteger(o) && o >= 1 && o <= 8 ? o : 1,
    };
  } catch {
    return NONE;
  }
}
