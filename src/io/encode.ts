// Encoding the tone-mapped result for download, with the browser's own PNG and
// JPEG encoders (putImageData writes the bytes unchanged; alpha is opaque).

export type ExportFormat = 'png' | 'jpeg';

export async function encodeImage(rgba: Uint8Array<ArrayBuffer>, width: number, height: number, format: ExportFormat, quality = 0.92): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('No 2D canvas to encode with.');
  const data = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  ctx.putImageData(new ImageData(data, width, height), 0, 0);
  return canvas.convertToBlob({ type: format === 'png' ? 'image/png' : 'image/jpeg', quality });
}

export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
