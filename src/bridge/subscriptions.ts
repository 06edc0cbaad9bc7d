// Store → engine wiring as a table: one row per store slice, its selector and
// what a change does. Plain rows hand the value to a pipeline setter and ask
// for a frame; the rows with more to do (the align switch, the camera
// response, brackets, a radiance map) call the bridge's handlers.
import type { Pipeline } from '../engine';
import { activeResponse, type BracketEntry, type EditStore, type RadianceEntry, type Store } from '../state/store';

/** The pipeline setters the plain rows call. */
export type PipelineSetters = Pick<Pipeline, 'setMode' | 'setParams' | 'setCurves' | 'setClipWarnings' | 'setGhostMask' | 'setHdrDisplay' | 'setAlign' | 'setViewport' | 'setView' | 'setCompare'>;

/** What the rows feed: the pipeline, the frame scheduler, and the bridge's handlers. */
export interface Wiring {
  readonly pipeline: PipelineSetters;
  /** A frame is due. */
  schedule(): void;
  /** The align switch flipped (not called at connect: the pipeline's switch is set directly then). */
  align(on: boolean): void;
  /** A camera response (null: 'recovered' still waiting for its curves). */
  response(luts: ReturnType<typeof activeResponse>): void;
  /** New brackets or new EVs ([] before at connect). */
  brackets(brackets: readonly BracketEntry[], prev: readonly BracketEntry[]): void;
  /** A radiance map from a file, or none. */
  radiance(radiance: RadianceEntry | null): void;
}

export interface Row<T> {
  /** The store slice, for tests and messages. */
  readonly slice: string;
  select(s: Store): T;
  /** A change; prev is undefined for the first apply, at connect. (Methods: a Row<Mode> is a Row<unknown>.) */
  apply(w: Wiring, value: T, prev: T | undefined): void;
}

const row = <T>(slice: string, select: (s: Store) => T, apply: Row<T>['apply']): Row<T> => ({ slice, select, apply });

/** A plain row: the setter, then a frame. */
const set = <T>(slice: string, select: (s: Store) => T, setter: (p: PipelineSetters, value: T) => void): Row<T> =>
  row(slice, select, (w, value) => {
    setter(w.pipeline, value);
    w.schedule();
  });

/** In connect order: the first apply runs top to bottom, so the canvas and settings are in place before the brackets come. */
export const ROWS: readonly Row<unknown>[] = [
  set(
    'mode',
    (s) => s.mode,
    (p, m) => p.setMode(m),
  ),
  set(
    'params',
    (s) => s.params,
    (p, v) => p.setParams(v),
  ),
  set(
    'curves',
    (s) => s.curves,
    (p, c) => p.setCurves(c),
  ),
  set(
    'clipWarnings',
    (s) => s.clipWarnings,
    (p, on) => p.setClipWarnings(on),
  ),
  set(
    'ghostMask',
    (s) => s.ghostMask,
    (p, on) => p.setGhostMask(on),
  ),
  set(
    'hdrDisplay',
    (s) => s.hdrDisplay,
    (p, on) => p.setHdrDisplay(on),
  ),
  set(
    'viewport',
    (s) => s.viewport,
    (p, v) => p.setViewport(v.width, v.height),
  ),
  set(
    'view',
    (s) => s.view,
    (p, v) => p.setView(v),
  ),
  set(
    'compare',
    (s) => (s.compare ? s.split : null),
    (p, split) => p.setCompare(split),
  ),
  row('response', activeResponse, (w, luts) => w.response(luts)),
  // At connect only the switch: a first estimate comes with the brackets.
  row(
    'align',
    (s) => s.align,
    (w, on, prev) => (prev === undefined ? w.pipeline.setAlign(on) : w.align(on)),
  ),
  row(
    'brackets',
    (s) => s.brackets,
    (w, b, prev) => w.brackets(b, prev ?? []),
  ),
  row(
    'radiance',
    (s) => s.radiance,
    (w, r) => w.radiance(r),
  ),
];

/**
 * Subscribe every row (subscribeWithSelector: a slider change reaches the GPU
 * without a React render), then apply each once with the store as it is.
 * Returns the unsubscribe function.
 */
export function subscribeRows(store: EditStore, wiring: Wiring, rows: readonly Row<unknown>[] = ROWS): () => void {
  const unsubs = rows.map((r) => store.subscribe(r.select, (value, prev) => r.apply(wiring, value, prev)));
  for (const r of rows) r.apply(wiring, r.select(store.getState()), undefined);
  return () => unsubs.forEach((u) => u());
}
