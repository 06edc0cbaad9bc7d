// Ghosts found without being asked: once a set's camera response is known and
// its alignment has settled, measure how much of the picture moves between
// the brackets (engine/deghost/motion.ts, the deghosting's own disagreement
// on a small proxy, through the alignment) and, above the threshold, turn
// deghosting on at the strength that fits, against the bracket that sees the
// least motion (estimateMotionAndReference), saying so in the strip. Once per
// set: the user's own Deghost setting (0 turns it off) is never overridden,
// and a set without motion is left exactly as it was. Brackets that disagree
// over most of the frame are not moving: their exposures or the response are
// off, and deghosting would reject the picture; that is said instead.
import { estimateMotionAndReference, MOTION_IMPLAUSIBLE, type BracketTransform } from './engine/deghost/motion';
import { disagreementMessage, ghostMessage } from './io/set-checks';
import { bracketsForEngine } from './recover';
import { activeResponse, type EditState, type EditStore } from './state/store';

/** The alignment's transforms for the motion estimate, where the warp is applied; null: the brackets as they are. */
function transforms(s: EditState): BracketTransform[] | null {
  const a = s.alignment;
  return a?.state === 'done' && a.applied && a.rows.length === s.brackets.length ? a.rows.map((r) => ({ tx: r.tx, ty: r.ty, rotation: r.rotation, scale: r.scale })) : null;
}

/** Ready to measure: two brackets or more, the response's curves in hand, and alignment done (or off, or failed). */
function ready(s: EditState): boolean {
  if (s.brackets.length < 2 || !activeResponse(s)) return false;
  if (!s.align) return true;
  return s.alignment?.state === 'done' || s.alignment?.state === 'failed';
}

/** Watch the store: each new set is measured once, when ready. Returns the unsubscribe. */
export function watchGhosts(store: EditStore): () => void {
  let decided: readonly unknown[] | null = null;
  /** What this watcher set for the last set found moving: a new set starts from off again unless the user changed it. */
  let turnedOn: { deghost: number; reference: number } | null = null;
  const check = () => {
    const s = store.getState();
    if (s.brackets === decided || !ready(s)) return;
    decided = s.brackets;
    if (turnedOn && s.params.deghost === turnedOn.deghost && s.params.deghostReference === turnedOn.reference) {
      s.setParams({ deghost: 0, deghostReference: -1 });
    }
    turnedOn = null;
    // The user already chose a strength for this set (or a preset did): theirs stands.
    if (store.getState().params.deghost > 0) return;
    let estimate;
    try {
      estimate = estimateMotionAndReference(bracketsForEngine(s.brackets), { response: activeResponse(s)!, transforms: transforms(s) });
    } catch (err) {
      s.report(`Moving objects could not be looked for (${err instanceof Error ? err.message : String(err)}); deghosting stays off.`, 'warning');
      return;
    }
    if (estimate.fraction > MOTION_IMPLAUSIBLE) s.report(disagreementMessage(estimate.fraction), 'warning');
    if (estimate.strength <= 0) return;
    // One write: Undo turns it off in one step.
    s.setParams({ deghostReference: estimate.reference, deghost: estimate.strength });
    turnedOn = { deghost: store.getState().params.deghost, reference: estimate.reference };
    s.report(ghostMessage(estimate.fraction, estimate.strength), 'info');
  };
  const unsub = store.subscribe((s) => [s.brackets, s.alignment, s.align, activeResponse(s)] as const, check, { equalityFn: (a, b) => a.every((v, i) => v === b[i]) });
  check();
  return unsub;
}
