// Decodes one image file off the main thread: sniff, EXIF, pixels, thumbnail.
// JPEG and PNG through the browser; TIFF with utif2 (./tiff.ts); camera RAW
// (DNG, …) with LibRaw in a worker of its own (./raw.worker.ts, started per
// file); OpenEXR and Radiance with hdrify (./hdr-in.ts).
import { extractExif } from './exif-copy';
import { readExifTags } from './exif-read';
import { jpegHeader, pngHeader } from './header';
import { decodeRadianceFile } from './hdr-in';
import { orient } from './orient';
import { decodePng, needsOwnPngDecoder, pngResponse } from './png-decode';
import type { RawReply, RawRequest } from './raw.worker';
import { FileProblem } from './problem';
import type { Notice } from './set-checks';
import { looksComplete, sniffImage } from './sniff';
import { bracketThumb, radianceThumb, THUMB_HEIGHT, type ThumbPixels } from './thumb';
import { decodeTiff, isRawTiff } from './tiff';
import type { DecodeReply, DecodeRequest } from './decode';

async function readExif(bytes: ArrayBuffer): Promise<DecodeReply['exif']> {
  return (await readExifTags(bytes)).exposure;
}

/** The EXIF to copy into JPEG outputs; a header the copier cannot walk costs the copy, not the file. */
function exifPayload(bytes: Uint8Array): Uint8Array | null {
  try {
    return extractExif(bytes);
  } catch {
    return null;
  }
}

const bitmap = (t: ThumbPixels) => createImageBitmap(new ImageData(t.data, t.width, t.height));

type Decoded = Omit<DecodeReply, 'id' | 'ok' | 'message'>;
const EMPTY: Decoded = { width: 0, height: 0, pixels: null, radiance: null, response: null, note: '', format: '', thumb: null, exif: null, exifSegment: null, orientation: 1, notices: [] };

// What the user hears about files that decode but are not plain camera RGB,
// each phrased to follow the file's name and a colon (set-checks.ts).
/** Accepted: a grey picture merges as RGB with R = G = B. */
const GREY: Notice = { kind: 'info', text: 'grey-scale, read as RGB (R = G = B).' };
/**
 * Accepted, alpha ignored: a bracket's colour is what the camera saw, and
 * compositing it over some background would invent exposure. Said only when
 * some pixel is actually not opaque (an opaque alpha channel loses nothing).
 */
const TRANSPARENCY: Notice = { kind: 'warning', text: 'transparency ignored (the alpha channel is not used: every pixel’s colour is merged as if opaque).' };
/**
 * Accepted with a warning: Chromium converts CMYK (and YCCK) JPEGs to RGB
 * itself, without colour management; close for a plain conversion, off for
 * a press profile. No camera writes CMYK, so the RGB originals are better.
 */
const CMYK: Notice = {
  kind: 'warning',
  text: 'a CMYK JPEG (a print separation, not a camera file), converted to RGB by the browser without colour management: colours may be off. Use the RGB originals if you have them.',
};

/** JPEG and PNG through the browser's decoder: 8-bit sRGB RGBA. */
async function decodeBrowser(buffer: ArrayBuffer, bytes: Uint8Array, kind: 'jpeg' | 'png'): Promise<Decoded> {
  const tags = await readExifTags(buffer);
  const exif = tags.exposure;
  const exifSegment = kind === 'jpeg' ? exifPayload(bytes) : null;
  let image: ImageBitmap;
  try {
    image = await createImageBitmap(new Blob([buffer]), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
      imageOrientation: 'from-image',
    });
  } catch {
    throw new FileProblem(`could not be decoded: the ${kind.toUpperCase()} data is damaged.`);
  }
  const { width, height } = image;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new FileProblem('could not be read (no 2D canvas in this browser).');
  ctx.drawImage(image, 0, 0);
  const pixels = ctx.getImageData(0, 0, width, height).data;
  const thumb = await createImageBitmap(image, {
    resizeHeight: THUMB_HEIGHT,
    resizeWidth: Math.max(1, Math.round((width / height) * THUMB_HEIGHT)),
    resizeQuality: 'medium',
  });
  image.close();
  const notices: Notice[] = [];
  if (kind === 'jpeg') {
    const components = jpegHeader(bytes)?.components;
    if (components === 1) notices.push(GREY);
    if (components === 4) notices.push(CMYK);
  } else if (pngHeader(bytes)?.colourType === 0) {
    notices.push(GREY);
  }
  // The browser turned the picture by its EXIF orientation (imageOrientation: 'from-image').
  return { ...EMPTY, width, height, pixels, thumb, exif, exifSegment, format: kind.toUpperCase(), orientation: tags.orientation, notices };
}

/** 16-bit PNGs and PNGs with transparency: the app's own decoder (png-decode.ts says why), EXIF orientation applied as the browser would. */
async function decodePngFile(buffer: ArrayBuffer, bytes: Uint8Array): Promise<Decoded> {
  const tags = await readExifTags(buffer);
  const png = await decodePng(bytes);
  const { width, height, pixels } = orient(png.pixels, png.width, png.height, tags.orientation);
  const wide = pixels instanceof Uint16Array;
  // 16-bit values are display-encoded unless the file says linear (PNG's convention is sRGB).
  const hint = wide ? pngResponse(png.colour) : null;
  const thumb = await bitmap(bracketThumb(width, height, pixels, hint?.response === 'linear'));
  const notices: Notice[] = [];
  if (png.alphaUsed) notices.push(TRANSPARENCY);
  if (png.header.colourType === 0 || png.header.colourType === 4) notices.push(GREY);
  const note = hint ? `${hint.response === 'linear' ? 'linear' : 'gamma-encoded'}: ${hint.reason}` : '';
  return {
    ...EMPTY,
    width,
    height,
    pixels,
    response: hint?.response ?? null,
    note,
    thumb,
    exif: tags.exposure,
    format: wide ? '16-bit PNG' : 'PNG',
    orientation: tags.orientation,
    notices,
  };
}

async function decodeTiffFile(buffer: ArrayBuffer): Promise<Decoded> {
  const tiff = await decodeTiff(buffer);
  const wide = tiff.pixels instanceof Uint16Array;
  const thumb = await bitmap(bracketThumb(tiff.width, tiff.height, tiff.pixels, tiff.response === 'linear'));
  const note = tiff.response ? `${tiff.response === 'linear' ? 'linear' : 'gamma-encoded'}: ${tiff.responseReason}${tiff.responseAssumed ? ' (assumed)' : ''}` : '';
  return { ...EMPTY, width: tiff.width, height: tiff.height, pixels: tiff.pixels, response: tiff.response, note, thumb, exif: await readExif(buffer), format: `${wide ? 16 : 8}-bit TIFF` };
}

/** Develop a RAW file in LibRaw's worker (see raw.worker.ts for why it runs alone). */
function developRaw(bytes: Uint8Array<ArrayBuffer>): Promise<RawReply> {
  const worker = new Worker(new URL('./raw.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<RawReply>((resolve) => {
    worker.onmessage = (ev: MessageEvent<RawReply>) => resolve(ev.data);
    worker.onerror = (ev) => resolve({ ok: false, message: `could not be developed (the RAW decoder failed to start: ${ev.message || 'unknown error'}).` });
    worker.postMessage({ bytes } satisfies RawRequest, [bytes.buffer]);
  }).finally(() => worker.terminate());
}

async function decodeRawFile(bytes: Uint8Array): Promise<Decoded> {
  const reply = await developRaw(bytes.slice());
  if (!reply.ok) throw new FileProblem(reply.message);
  const raw = reply.image;
  const thumb = await bitmap(bracketThumb(raw.width, raw.height, raw.pixels, true));
  return { ...EMPTY, width: raw.width, height: raw.height, pixels: raw.pixels, response: 'linear', note: `linear camera RAW${raw.camera ? ` (${raw.camera})` : ''}`, thumb, exif: raw.exif, format: 'camera RAW' };
}

async function decodeRadiance(bytes: Uint8Array, kind: 'exr' | 'hdr'): Promise<Decoded> {
  const { image, note } = decodeRadianceFile(bytes, kind);
  const thumb = await bitmap(radianceThumb(image));
  return { ...EMPTY, width: image.width, height: image.height, radiance: image, note, thumb, format: kind === 'exr' ? 'OpenEXR' : 'Radiance HDR' };
}

async function decode(req: DecodeRequest): Promise<DecodeReply> {
  const buffer = await req.file.arrayBuffer();
  const bytes = new Uint8Array(buffer);
  if (bytes.length === 0) throw new FileProblem('is empty (0 bytes).');
  const kind = sniffImage(bytes);
  if (!kind) throw new FileProblem('is not a JPEG or PNG image (nor a TIFF, DNG, OpenEXR or Radiance .hdr file).');
  if (!looksComplete(bytes, kind)) throw new FileProblem(`is truncated: the ${kind.toUpperCase()} data ends early (an incomplete copy or download?).`);
  let out: Decoded;
  if (kind === 'png' && needsOwnPngDecoder(bytes)) out = await decodePngFile(buffer, bytes);
  else if (kind === 'jpeg' || kind === 'png') out = await decodeBrowser(buffer, bytes, kind);
  else if (kind === 'tiff') out = isRawTiff(bytes) ? await decodeRawFile(bytes) : await decodeTiffFile(buffer);
  else out = await decodeRadiance(bytes, kind);
  return { id: req.id, ok: true, message: '', ...out };
}

self.onmessage = async (ev: MessageEvent<DecodeRequest>) => {
  let reply: DecodeReply;
  try {
    reply = await decode(ev.data);
  } catch (err) {
    const message = err instanceof FileProblem ? err.message : `could not be read (${String(err)}).`;
    reply = { id: ev.data.id, ok: false, message, ...EMPTY };
  }
  const transfer: Transferable[] = [];
  if (reply.pixels) transfer.push(reply.pixels.buffer);
  if (reply.radiance) transfer.push(reply.radiance.data.buffer);
  if (reply.thumb) transfer.push(reply.thumb);
  (self as unknown as Worker).postMessage(reply, transfer);
};
