// Camera response recovery for the 'recovered' choice, and for 'auto' where
// the set allows it (store.ts resolvedResponse): whenever the response in use
// is the recovered one and the store holds no curves for the current brackets
// (new set, new EVs), recover them from the brackets in a worker and store
// them; the bridge hands them to the merge. A newer set or EV edit makes an
// older result stale. Once stored, the EXIF exposures are checked against the
// pixels read through the recovered curves: a disagreement that survives the
// camera's own curve points at a file, and is reported with the numbers (also
// where the recovery refused its curves: a wrong time is often why).
import { relativeExposures } from './bridge';
import { ResponseRefused, type ResponseLuts } from './engine/merge/response';
import { pickPixels, srgbFitsAsWell } from './engine/merge/auto-response';
import type { Bracket } from './engine/types';
import { checkExifAfterRecovery } from './io/set-checks';
import { resolvedResponse, type BracketEntry, type EditStore } from './state/store';

export interface RecoverRequest {
  brackets: Bracket[];
}

/** A failure carries the curves where the recovery refused them (ResponseRefused): enough to name a bracket whose EXIF the pixels contradict. */
export type RecoverReply = { ok: true; luts: ResponseLuts; message: '' } | { ok: false; luts: ResponseLuts | null; message: string };

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
      else reject(ev.data.luts ? new ResponseRefused(ev.data.message, ev.data.luts) : new Error(ev.data.message));
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

/** What the recovery solves from: the brackets darkest first, one per exposure (a duplicate adds no equation the solve can use), their pixels picked on a grid (pickPixels). */
export function bracketsForRecovery(brackets: readonly BracketEntry[]): Bracket[] {
  return bracketsForEngine(brackets)
    .filter((b, i, all) => i === 0 || b.exposure > all[i - 1]!.exposure)
    .map((b) => pickPixels(b));
}

/** Keep recovered curves in step with the brackets while the recovered response is in use. Returns the unsubscribe. */
export function watchResponse(store: EditStore, recover: Recover = recoverInWorker): () => void {
  let generation = 0;
  const run = (brackets: BracketEntry[] | null) => {
    if (!brackets || brackets.length < 2) return;
    const mine = ++generation;
    const { begin, end, setProgress, report } = store.getState();
    begin('recover');
    setProgress({ step: STEP, done: 0, total: 1 });
    const solved = bracketsForRecovery(brackets);
    recover(solved)
      .then(
        (luts) => {
          if (mine !== generation || store.getState().brackets !== brackets) return;
          store.getState().setRecoveredResponse(luts, srgbFitsAsWell(solved, luts));
          const suspect = checkExifAfterRecovery(
            brackets.map((b) => ({ ...b, fromExif: b.evSource === 'exif' })),
            luts,
          );
          if (suspect) report(suspect, 'warning');
        },
        (err: unknown) => {
          if (mine !== generation || store.getState().brackets !== brackets) return;
          // Refused curves still tell which bracket's EXIF time the pixels contradict: name it first, it is what to fix.
          const suspect =
            err instanceof ResponseRefused
              ? checkExifAfterRecovery(
                  brackets.map((b) => ({ ...b, fromExif: b.evSource === 'exif' })),
                  err.luts,
                )
              : null;
          report(`${suspect ? `${suspect} ` : ''}The camera response could not be recovered from these brackets (${err instanceof Error ? err.message : String(err)}); using sRGB.`);
          // A choice of 'recovered' becomes sRGB; 'auto' stays, resolved to sRGB for this set.
          if (store.getState().response === 'recovered') store.getState().setResponse('srgb');
          else store.getState().setRecoveryFailed(true);
        },
      )
      .finally(() => {
        if (store.getState().progress?.step === STEP) store.getState().setProgress(null);
        end('recover');
      });
  };
  // The brackets that need curves: the recovered response is in use and none are stored for them.
  const wanted = (s: ReturnType<EditStore['getState']>) => (resolvedResponse(s) === 'recovered' && !s.recoveredResponse ? s.brackets : null);
  const unsub = store.subscribe(wanted, run);
  run(wanted(store.getState()));
  return unsub;
}
