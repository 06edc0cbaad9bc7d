// Encodes the HDR-side downloads off the main thread: at 12 MP each takes
// seconds (EXR's zlib, the 16-bit PNG's filter and deflate, the Ultra HDR
// gain map and its JPEG), which would freeze the page and its progress bar.
import { encodeImage } from './encode';
import type { EncodeJob, EncodeReply } from './encode-off-thread';
import { encodeExr, EXR_MIME } from './exr';
import { encodePng16, PNG_MIME } from './png16';
import { encodeRadiance, RADIANCE_MIME } from './radiance';
import { encodeJpegRgba, encodeUltraHdr, ULTRAHDR_MIME } from './ultrahdr';

const MIME: Record<EncodeJob['kind'], string> = { exr: EXR_MIME, hdr: RADIANCE_MIME, png16: PNG_MIME, uhdr: ULTRAHDR_MIME };

async function run(job: EncodeJob): Promise<Uint8Array> {
  switch (job.kind) {
    case 'exr':
      return encodeExr(job.radiance);
    case 'hdr':
      return encodeRadiance(job.radiance);
    case 'png16':
      return encodePng16(job.pixels, job.width, job.height);
    case 'uhdr': {
      const { sdr, radiance, exif, quality } = job;
      const result = await encodeUltraHdr(sdr, radiance, {
        exif,
        quality: Math.round(quality * 100),
        // The primary with the browser's encoder, as the plain JPEG download
        // (same picture, same quality, and fast); the gain map with jpeg-js,
        // whose 4:4:4 keeps each channel's gain at full resolution.
        encodeJpeg: async (rgba, width, height, q) =>
          rgba === sdr ? new Uint8Array(await (await encodeImage(rgba as Uint8Array<ArrayBuffer>, width, height, 'jpeg', q / 100)).arrayBuffer()) : encodeJpegRgba(rgba, width, height, q),
      });
      return result.bytes;
    }
  }
}

self.onmessage = async (ev: MessageEvent<EncodeJob>) => {
  let reply: EncodeReply;
  try {
    reply = { ok: true, bytes: await run(ev.data), mime: MIME[ev.data.kind], message: '' };
  } catch (err) {
    reply = { ok: false, bytes: null, mime: '', message: err instanceof Error ? err.message : String(err) };
  }
  (self as unknown as Worker).postMessage(reply, reply.bytes ? [reply.bytes.buffer] : []);
};
