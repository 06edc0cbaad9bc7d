// Recovers the camera response (engine/response.ts, Debevec & Malik) off the
// main thread: the solve takes a few hundred milliseconds.
import { recoverResponse, ResponseRefused } from './engine/merge/response';
import type { RecoverReply, RecoverRequest } from './recover';

self.onmessage = (ev: MessageEvent<RecoverRequest>) => {
  let reply: RecoverReply;
  try {
    const { luts } = recoverResponse(ev.data.brackets);
    reply = { ok: true, luts, message: '' };
  } catch (err) {
    reply = { ok: false, luts: err instanceof ResponseRefused ? err.luts : null, message: err instanceof Error ? err.message : String(err) };
  }
  (self as unknown as Worker).postMessage(reply, reply.luts ? reply.luts.map((l) => l.buffer) : []);
};
