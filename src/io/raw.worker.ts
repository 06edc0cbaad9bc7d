// LibRaw's worker: develops one camera RAW file (./raw.ts) with libraw-wasm's
// WebAssembly module. Its embind glue builds its JavaScript bindings with
// `new Function`, so this is the one script the app runs with 'unsafe-eval'
// (vite.config.ts RAW_WORKER_POLICY): it is kept alone in this worker, which
// sees nothing but the file's bytes and answers with pixels.
import createLibRaw, { type EmbindLibRaw, type LibRawModule } from 'libraw-wasm/dist/libraw.js';
import { FileProblem } from './problem';
import { decodeRaw, type RawImage } from './raw';

export interface RawRequest {
  bytes: Uint8Array<ArrayBuffer>;
}

/** message: phrased to follow the file name, as FileProblem's. */
export type RawReply = { ok: true; image: RawImage } | { ok: false; message: string };

let module: Promise<LibRawModule> | null = null;

self.onmessage = async (ev: MessageEvent<RawRequest>) => {
  let reply: RawReply;
  const transfer: Transferable[] = [];
  let engine: EmbindLibRaw | null = null;
  try {
    engine = new (await (module ??= createLibRaw())).LibRaw();
    const image = await decodeRaw(ev.data.bytes, engine);
    reply = { ok: true, image };
    transfer.push(image.pixels.buffer);
  } catch (err) {
    reply = { ok: false, message: err instanceof FileProblem ? err.message : `could not be developed (LibRaw failed: ${String(err)}).` };
  } finally {
    engine?.delete();
  }
  (self as unknown as Worker).postMessage(reply, transfer);
};
