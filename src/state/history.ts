// Undo and redo of the edit: params, curves, mode, camera response and
// alignment. The view, compare, messages, histogram and the brackets' EVs are
// not part of it. A new bracket set (or radiance map) starts a new history:
// the steps of the last set would apply settings chosen for other pictures.
//
// Granularity: one step per user action, where a drag is one action.
//   - Outside a gesture, every change of the edit slice is committed at once.
//     Discrete actions (mode buttons, response select, align toggle, a preset,
//     a click on a slider track, automation through the store) thus need no
//     cooperation from their callers, and none can be forgotten.
//   - A gesture (a tweakpane slider drag: 'change' events with ev.last false;
//     a curve drag or held arrow key: onChange with final false) is opened by
//     begin(); its changes pile up uncommitted, and end() (ev.last / final)
//     commits them as one step.
// A store-level debounce was the alternative; it was turned down because its
// steps depend on timing: a drag with a pause splits in two, two quick clicks
// merge into one, and neither is what the user did or what a test can pin.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { CURVE_CHANNELS, type CurvePoint } from '../engine/curve/curve';
import { PARAM_NAMES } from '../engine/params';
import type { EditState, EditStore } from './store';

/** The fields one undo step covers. */
export const EDIT_KEYS = ['mode', 'params', 'curves', 'response', 'align', 'look'] as const;
export type EditSnapshot = Pick<EditState, (typeof EDIT_KEYS)[number]>;

/** Steps kept behind the current edit; the oldest go first. */
export const HISTORY_LIMIT = 100;

export function snapshotOf(s: EditSnapshot): EditSnapshot {
  return { mode: s.mode, params: s.params, curves: s.curves, response: s.response, align: s.align, look: s.look };
}

const samePoints = (a: readonly CurvePoint[], b: readonly CurvePoint[]) => a === b || (a.length === b.length && a.every((p, i) => p.x === b[i]!.x && p.y === b[i]!.y));

/** Equal by value: setParam and setCurve make new objects even when nothing changed. */
export function sameEdit(a: EditSnapshot, b: EditSnapshot): boolean {
  return (
    a.mode === b.mode &&
    a.response === b.response &&
    a.align === b.align &&
    a.look === b.look &&
    (a.params === b.params || PARAM_NAMES.every((n) => a.params[n] === b.params[n])) &&
    (a.curves === b.curves || CURVE_CHANNELS.every((c) => samePoints(a.curves[c], b.curves[c])))
  );
}

/** Which picture the edit is of: a new set has new bracket ids (EV edits keep them). */
export function setKey(s: Pick<EditState, 'brackets' | 'radiance'>): string {
  if (s.radiance) return `radiance:${s.radiance.id}`;
  return s.brackets
    .map((b) => b.id)
    .sort()
    .join('|');
}

export interface HistoryState {
  canUndo: boolean;
  canRedo: boolean;
}

export interface History {
  /** canUndo / canRedo, for the toolbar buttons. */
  readonly state: StoreApi<HistoryState>;
  /** Follow the store (commit changes, reset on a new set); returns the detach. */
  attach(): () => void;
  /** A gesture started: its changes are one step, committed by end(). */
  begin(): void;
  /** The gesture ended (slider released, curve dropped): commit it. */
  end(): void;
  /** Commit whatever differs from the last step (closes a gesture left open). */
  commit(): void;
  undo(): boolean;
  redo(): boolean;
  /** Apply an edit (a preset) as one step. */
  apply(edit: EditSnapshot): void;
  /** Forget every step; the current edit becomes the start. */
  reset(): void;
}

export function createHistory(store: EditStore, limit = HISTORY_LIMIT): History {
  const state = createStore<HistoryState>()(() => ({ canUndo: false, canRedo: false }));
  let past: EditSnapshot[] = [];
  let future: EditSnapshot[] = [];
  /** The edit as of the last step. */
  let base = snapshotOf(store.getState());
  let set = setKey(store.getState());
  let gesture = false;
  /** Set while undo/redo write the store, so the write is not taken for a new edit. */
  let applying = false;

  const publish = () => {
    const next = { canUndo: past.length > 0, canRedo: future.length > 0 };
    const cur = state.getState();
    if (cur.canUndo !== next.canUndo || cur.canRedo !== next.canRedo) state.setState(next);
  };

  const commit = () => {
    gesture = false;
    const now = snapshotOf(store.getState());
    if (sameEdit(now, base)) return;
    past.push(base);
    if (past.length > limit) past = past.slice(past.length - limit);
    base = now;
    future = [];
    publish();
  };

  const write = (edit: EditSnapshot) => {
    applying = true;
    try {
      store.setState(snapshotOf(edit));
    } finally {
      applying = false;
    }
  };

  const reset = () => {
    past = [];
    future = [];
    gesture = false;
    base = snapshotOf(store.getState());
    set = setKey(store.getState());
    publish();
  };

  return {
    state,
    attach() {
      reset();
      return store.subscribe((s, prev) => {
        if (applying) return;
        if ((s.brackets !== prev.brackets || s.radiance !== prev.radiance) && setKey(s) !== set) {
          reset();
          return;
        }
        if (gesture) return;
        if (EDIT_KEYS.every((k) => s[k] === prev[k])) return;
        // A measured scene's automatic look (setScene) is no step of the user's: it joins the current one.
        if (s.scene !== prev.scene) {
          base = snapshotOf(s);
          return;
        }
        commit();
      });
    },
    begin() {
      gesture = true;
    },
    end: commit,
    commit,
    undo() {
      commit();
      const prev = past.pop();
      if (!prev) return false;
      future.push(base);
      base = prev;
      write(prev);
      publish();
      return true;
    },
    redo() {
      commit();
      const next = future.pop();
      if (!next) return false;
      past.push(base);
      base = next;
      write(next);
      publish();
      return true;
    },
    apply(edit) {
      commit();
      write(edit);
      commit();
    },
    reset,
  };
}
