// The HDR-side encoders (OpenEXR, Radiance .hdr, 16-bit PNG, Ultra HDR) run
// in a worker of their own per download (encode.worker.ts); the pixel buffers
// given here are transferred, so the caller must not use them afterwards.
import type { FloatImage } from '../engine/types';

export type EncodeJob =
  | { kind: 'exr'; radiance: FloatImage }
  | { kind: 'hdr'; radiance: FloatImage }
  | { kind: 'png16'; width: number; height: number; pixels: Uint16Array }
  /** sdr: the finished picture (RGBA8, sRGB); exif: APP1 payload for the primary; quality 0..1. */
  | { kind: 'uhdr'; sdr: Uint8Array; radiance: FloatImage; exif: Uint8Array | null; quality: number };

export type EncodeReply = { ok: true; bytes: Uint8Array; mime: string; message: '' } | { ok: false; bytes: null; mime: ''; message: string };

function transferables(job: EncodeJob): Transferable[] {
  switch (job.kind) {
    case 'exr':
    case 'hdr':
      return [job.radiance.data.buffer];
    case 'png16':
      return [job.pixels.buffer];
    case 'uhdr':
      return job.sdr.buffer === job.radiance.data.buffer ? [job.sdr.buffer] : [job.sdr.buffer, job.radiance.data.buffer];
  }
}

/** Encode one download in a fresh worker; resolves with the file, typed. */
export function encodeOffThread(job: EncodeJob): Promise<Blob> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./encode.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (ev: MessageEvent<EncodeReply>) => {
      worker.terminate();
      if (ev.data.ok) resolve(new Blob([ev.data.bytes as Uint8Array<ArrayBuffer>], { type: ev.data.mime }));
      else reject(new Error(ev.data.message));
    };
    worker.onerror = (ev) => {
      worker.terminate();
      reject(new Error(ev.message || 'the encoder worker failed'));
    };
    worker.postMessage(job, transferables(job) as ArrayBuffer[]);
  });
}
