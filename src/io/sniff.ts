// Recognise an image file by its first bytes, not its name, and catch truncated
// files before the decoder papers over them.

export type ImageKind = 'jpeg' | 'png';

export function sniffImage(bytes: Uint8Array): ImageKind | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((v, i) => bytes[i] === v)) return 'png';
  return null;
}

/** Whether the file carries its end marker (JPEG EOI, PNG IEND) near its end. */
export function looksComplete(bytes: Uint8Array, kind: ImageKind): boolean {
  const tail = bytes.subarray(Math.max(0, bytes.length - 4096));
  if (kind === 'jpeg') {
    for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
    return false;
  }
  const iend = [0x49, 0x45, 0x4e, 0x44];
  for (let i = tail.length - 4; i >= 0; i--) if (iend.every((v, k) => tail[i + k] === v)) return true;
  return false;
}
