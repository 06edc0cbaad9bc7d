// Decodes one image file off the main thread: sniff, EXIF, pixels, thumbnail.
import exifr from 'exifr';
import { extractExif } from './exif-copy';
import { looksComplete, sniffImage } from './sniff';
import type { DecodeReply, DecodeRequest } from './decode';

const THUMB_HEIGHT = 96;

async function readExif(bytes: ArrayBuffer): Promise<DecodeReply['exif']> {
  try {
    const tags = (await exifr.parse(bytes, { pick: ['ExposureTime', 'FNumber', 'ISO', 'Orientation'] })) as Record<string, unknown> | undefined;
    if (!tags) return null;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    const iso = Array.isArray(tags.ISO) ? num(tags.ISO[0]) : num(tags.ISO);
    const out = { exposureTime: num(tags.ExposureTime), fNumber: num(tags.FNumber), iso };
    return out.exposureTime || out.fNumber || out.iso ? out : null;
  } catch {
    return null;
  }
}

/** The EXIF to copy into JPEG outputs; a header the copier cannot walk costs the copy, not the file. */
function exifPayload(bytes: Uint8Array): Uint8Array | null {
  try {
    return extractExif(bytes);
  } catch {
    return null;
  }
}

async function decode(req: DecodeRequest): Promise<DecodeReply> {
  const fail = (message: string): DecodeReply => ({ id: req.id, ok: false, message, width: 0, height: 0, pixels: null, thumb: null, exif: null, exifSegment: null });
  const buffer = await req.file.arrayBuffer();
  const bytes = new Uint8Array(buffer);
  if (bytes.length === 0) return fail('is empty (0 bytes).');
  const kind = sniffImage(bytes);
  if (!kind) return fail('is not a JPEG or PNG image.');
  if (!looksComplete(bytes, kind)) return fail(`is truncated: the ${kind.toUpperCase()} data ends early (an incomplete copy or download?).`);
  const exif = await readExif(buffer);
  const exifSegment = kind === 'jpeg' ? exifPayload(bytes) : null;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([buffer]), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
      imageOrientation: 'from-image',
    });
  } catch {
    return fail(`could not be decoded: the ${kind.toUpperCase()} data is damaged.`);
  }
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) return fail('could not be read (no 2D canvas in this browser).');
  ctx.drawImage(bitmap, 0, 0);
  const pixels = ctx.getImageData(0, 0, width, height).data;
  const thumb = await createImageBitmap(bitmap, {
    resizeHeight: THUMB_HEIGHT,
    resizeWidth: Math.max(1, Math.round((width / height) * THUMB_HEIGHT)),
    resizeQuality: 'medium',
  });
  bitmap.close();
  return { id: req.id, ok: true, message: '', width, height, pixels, thumb, exif, exifSegment };
}

self.onmessage = async (ev: MessageEvent<DecodeRequest>) => {
  let reply: DecodeReply;
  try {
    reply = await decode(ev.data);
  } catch (err) {
    reply = { id: ev.data.id, ok: false, message: `could not be read (${String(err)}).`, width: 0, height: 0, pixels: null, thumb: null, exif: null, exifSegment: null };
  }
  const transfer: Transferable[] = [];
  if (reply.pixels) transfer.push(reply.pixels.buffer);
  if (reply.thumb) transfer.push(reply.thumb);
  (self as unknown as Worker).postMessage(reply, transfer);
};
