// Decoding on a pool of workers so the page never freezes.
import type { FloatImage } from '../engine/types';
import type { ExifExposure } from '../state/store';
import type { Notice } from './set-checks';

export interface DecodeRequest {
  id: number;
  file: File;
}

export interface DecodeReply {
  id: number;
  ok: boolean;
  /** Problem, phrased to follow the file name ("is not a JPEG or PNG image."). */
  message: string;
  width: number;
  height: number;
  /** A bracket: 8-bit (JPEG, PNG, 8-bit TIFF) or 16-bit (16-bit TIFF, camera RAW) RGBA. */
  pixels: Uint8ClampedArray | Uint16Array | null;
  /** Or a finished radiance map (OpenEXR, Radiance HDR), tone-mapped without a merge. */
  radiance: FloatImage | null;
  /** The camera response the samples call for (TIFF, RAW); null: no opinion (JPEG, PNG, 8-bit TIFF). */
  response: 'srgb' | 'linear' | null;
  /** For the user, about the response or colour conversion ('' when there is nothing to say). */
  note: string;
  /** The format, for messages: "JPEG", "16-bit TIFF", "DNG", "OpenEXR", … */
  format: string;
  thumb: ImageBitmap | null;
  exif: ExifExposure | null;
  /** The file's EXIF APP1 payload (JPEG only), copied into JPEG outputs. */
  exifSegment: Uint8Array | null;
  /** The EXIF orientation the decoder applied to the pixels (1: none). */
  orientation: number;
  /** What the user should know about this file though it decoded (transparency ignored, grey-scale, CMYK). */
  notices: Notice[];
}

let nextId = 0;

function decodeOne(worker: Worker, file: File): Promise<DecodeReply> {
  const id = ++nextId;
  return new Promise((resolve) => {
    const onMessage = (ev: MessageEvent<DecodeReply>) => {
      if (ev.data.id !== id) return;
      worker.removeEventListener('message', onMessage);
      resolve(ev.data);
    };
    worker.addEventListener('message', onMessage);
    worker.postMessage({ id, file } satisfies DecodeRequest);
  });
}

/** Decode files in parallel (up to the core count), reporting each one done. */
export async function decodeFiles(files: readonly File[], onDone: (done: number) => void): Promise<DecodeReply[]> {
  const poolSize = Math.max(1, Math.min(files.length, navigator.hardwareConcurrency || 2, 4));
  const workers = Array.from({ length: poolSize }, () => new Worker(new URL('./decode.worker.ts', import.meta.url), { type: 'module' }));
  const replies: DecodeReply[] = new Array<DecodeReply>(files.length);
  let next = 0;
  let done = 0;
  try {
    await Promise.all(
      workers.map(async (w) => {
        while (next < files.length) {
          const i = next++;
          replies[i] = await decodeOne(w, files[i]!);
          onDone(++done);
        }
      }),
    );
  } finally {
    workers.forEach((w) => w.terminate());
  }
  return replies;
}
