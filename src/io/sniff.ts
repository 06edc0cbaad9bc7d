// Recognise an image file by its first bytes, not its name, and catch truncated
// files before the decoder papers over them.

export type ImageKind = 'jpeg' | 'png' | 'tiff' | 'exr' | 'hdr';

const startsWith = (bytes: Uint8Array, magic: readonly number[]) => bytes.length >= magic.length && magic.every((v, i) => bytes[i] === v);
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

/** TIFF ("II*\0", "MM\0*": also DNG and TIFF-based camera RAWs), OpenEXR (76 2F 31 01), Radiance ("#?RADIANCE", "#?RGBE"). */
export function sniffImage(bytes: Uint8Array): ImageKind | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (bytes.length >= 8 && (startsWith(bytes, [0x49, 0x49, 42, 0]) || startsWith(bytes, [0x4d, 0x4d, 0, 42]))) return 'tiff';
  if (startsWith(bytes, [0x76, 0x2f, 0x31, 0x01])) return 'exr';
  if (startsWith(bytes, ascii('#?RADIANCE')) || startsWith(bytes, ascii('#?RGBE'))) return 'hdr';
  return null;
}

/**
 * Whether the file carries its end marker (JPEG EOI, PNG IEND) near its end.
 * TIFF, OpenEXR and Radiance files have none: their readers check that the
 * data they point to is there.
 */
export function looksComplete(bytes: Uint8Array, kind: ImageKind): boolean {
  if (kind !== 'jpeg' && kind !== 'png') return true;
  const tail = bytes.subarray(Math.max(0, bytes.length - 4096));
  if (kind === 'jpeg') {
    for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
    return false;
  }
  const iend = [0x49, 0x45, 0x4e, 0x44];
  for (let i = tail.length - 4; i >= 0; i--) if (iend.every((v, k) => tail[i + k] === v)) return true;
  return false;
}
