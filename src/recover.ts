// Camera response recovery for the 'recovered' choice: whenever it is chosen
// and the store holds no curves for the current brackets (new set, new EVs),
// recover them from the brackets in a worker and store them; the bridge hands
// them to the merge. A newer set or EV edit makes an older result stale.
import { relativeExposures } from './bridge';
import type { ResponseLuts } from './engine/merge/response';
import type { Bracket } from './engine/types';
import type { BracketEntry, EditStore } from './state/store';

export interface RecoverRequest {
  brackets: Bracket[];
}

export type RecoverReply = { ok: true; luts: ResponseLuts; message: '' } | { ok: false; luts: null; message: string };

/** Recover curves from sorted brackets (exposures relative to the middle one). */
export type Recover = (brackets: Bracket[]) => Promise<ResponseLuts>;

/** The recovery in a worker of its own; the pixels are copied, the store keeps its own. */
export const recoverInWorker: Recover = (brackets) =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./recover.worker.ts', import.meta.url), { type: 'module' });
    const done = () => worker.terminate();
    worker.onmessage = (ev: MessageEvent<RecoverReply>) => {
      done();
      if (ev.data.ok) resolve(ev.data.luts);
      else reject(new Error(ev.data.message));
    };
    worker.onerror = (ev) => {
      done();
      reject(new Error(ev.message || 'the recovery worker failed'));
    };
    worker.postMessage({ brackets } satisfies RecoverRequest);
  });

const STEP = 'Recovering the camera response';

/** The engine's view of the brackets: pixels and exposures relative to the middle bracket. */
export function bracketsForEngine(brackets: readonly BracketEntry[]): Bracket[] {
  const exposures = relativeExposures(brackets);
  return brackets.map((b, i) => ({ width: b.width, height: b.height, pixels: b.pixels, exposure: exposures[i]! }));
}

/** Keep recovered curves in step with the brackets while 'recovered' is chosen. Returns the unsubscribe. */
export function watchResponse(store: EditStore, recover: Recover = recoverInWorker): () => void {
  let generation = 0;
  const run = (brackets: BracketEntry[] | null) => {
    if (!brackets || brackets.length < 2) return;
    const mine = ++generation;
    const { begin, end, setProgress, report } = store.getState();
    begin('recover');
    setProgress({ step: STEP, done: 0, total: 1 });
    recover(bracketsForEngine(brackets))
      .then(
        (luts) => {
          if (mine === generation && store.getState().brackets === brackets) store.getState().setRecoveredResponse(luts);
        },
        (err: unknown) => {
          if (mine !== generation || store.getState().brackets !== brackets) return;
          report(`The camera response could not be recovered from these brackets (${err instanceof Error ? err.message : String(err)}); using sRGB.`);
          store.getState().setResponse('srgb');
        },
      )
      .finally(() => {
        if (store.getState().progress?.step === STEP) store.getState().setProgress(null);
        end('recover');
      });
  };
  // The brackets that need curves: 'recovered' is chosen and none are stored for them.
  const wanted = (s: ReturnType<EditStore['getState']>) => (s.response === 'recovered' && !s.recoveredResponse ? s.brackets : null);
  const unsub = store.subscribe(wanted, run);
  run(wanted(store.getState()));
  return unsub;
}
