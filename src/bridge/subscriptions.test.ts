// The store → engine wiring, on a real store and a fake engine: this checks
// which setter each slice reaches, not pixels.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { responseLuts } from '../engine/merge/response';
import { createEditStore, type EditStore, type RadianceEntry } from '../state/store';
import { ROWS, subscribeRows, type PipelineSetters, type Wiring } from './subscriptions';
import { bracketEntry } from '../../test/support/entries';

const entry = bracketEntry;

const radianceEntry: RadianceEntry = { id: 'r', name: 'r.exr', width: 1, height: 1, image: { width: 1, height: 1, data: new Float32Array(4) }, thumb: null };

function fakeWiring() {
  const pipeline = {
    setMode: vi.fn(),
    setParams: vi.fn(),
    setCurves: vi.fn(),
    setClipWarnings: vi.fn(),
    setGhostMask: vi.fn(),
    setHdrDisplay: vi.fn(),
    setAlign: vi.fn(),
    setViewport: vi.fn(),
    setView: vi.fn(),
    setCompare: vi.fn(),
  } satisfies PipelineSetters;
  return { pipeline, schedule: vi.fn(), align: vi.fn(), response: vi.fn(), brackets: vi.fn(), radiance: vi.fn() } satisfies Wiring;
}
type Fake = ReturnType<typeof fakeWiring>;

/** Per slice: a store change, and the call it must reach (the mock and its arguments). */
const CASES: Record<string, { change(store: EditStore): void; expect(w: Fake, store: EditStore): [ReturnType<typeof vi.fn>, unknown[]] }> = {
  mode: { change: (s) => s.getState().setMode('merge'), expect: (w) => [w.pipeline.setMode, ['merge']] },
  params: { change: (s) => s.getState().setParam('exposure', 1.5), expect: (w, s) => [w.pipeline.setParams, [s.getState().params]] },
  curves: {
    change: (s) =>
      s.getState().setCurve('luma', [
        { x: 0, y: 0.1 },
        { x: 1, y: 1 },
      ]),
    expect: (w, s) => [w.pipeline.setCurves, [s.getState().curves]],
  },
  clipWarnings: { change: (s) => s.getState().setClipWarnings(true), expect: (w) => [w.pipeline.setClipWarnings, [true]] },
  ghostMask: { change: (s) => s.getState().setGhostMask(true), expect: (w) => [w.pipeline.setGhostMask, [true]] },
  hdrDisplay: { change: (s) => s.getState().setHdrDisplay(true), expect: (w) => [w.pipeline.setHdrDisplay, [true]] },
  viewport: { change: (s) => s.getState().setViewport(640, 480), expect: (w) => [w.pipeline.setViewport, [640, 480]] },
  view: {
    change: (s) => s.getState().setView({ zoom: 2, center: [0.25, 0.75] }),
    expect: (w, s) => [w.pipeline.setView, [s.getState().view]],
  },
  compare: { change: (s) => s.getState().setCompare(true), expect: (w) => [w.pipeline.setCompare, [0.5]] },
  response: { change: (s) => s.getState().setResponse('linear'), expect: (w) => [w.response, [responseLuts('linear')]] },
  align: { change: (s) => s.getState().setAlign(false), expect: (w) => [w.align, [false]] },
  brackets: {
    change: (s) => s.getState().setBrackets('set', [entry('b', 2), entry('a', 0)]),
    expect: (w, s) => [w.brackets, [s.getState().brackets, []]],
  },
  radiance: { change: (s) => s.getState().setRadiance('r', radianceEntry), expect: (w) => [w.radiance, [radianceEntry]] },
};

describe('subscription table', () => {
  let store: EditStore;
  let w: Fake;
  let off: () => void;
  beforeEach(() => {
    store = createEditStore();
    w = fakeWiring();
    off = subscribeRows(store, w);
  });

  it('has one row per slice, and a case here for each', () => {
    const slices = ROWS.map((r) => r.slice);
    expect(new Set(slices).size).toBe(slices.length);
    expect(slices.sort()).toEqual(Object.keys(CASES).sort());
  });

  it('applies every row once at connect, with the store as it is', () => {
    const s = store.getState();
    expect(w.pipeline.setMode).toHaveBeenCalledExactlyOnceWith(s.mode);
    expect(w.pipeline.setParams).toHaveBeenCalledExactlyOnceWith(s.params);
    expect(w.pipeline.setCurves).toHaveBeenCalledExactlyOnceWith(s.curves);
    expect(w.pipeline.setClipWarnings).toHaveBeenCalledExactlyOnceWith(false);
    expect(w.pipeline.setGhostMask).toHaveBeenCalledExactlyOnceWith(false);
    expect(w.pipeline.setHdrDisplay).toHaveBeenCalledExactlyOnceWith(false);
    expect(w.pipeline.setViewport).toHaveBeenCalledExactlyOnceWith(0, 0);
    expect(w.pipeline.setView).toHaveBeenCalledExactlyOnceWith(s.view);
    expect(w.pipeline.setCompare).toHaveBeenCalledExactlyOnceWith(null);
    expect(w.response).toHaveBeenCalledExactlyOnceWith(responseLuts('srgb'));
    // The switch only: no estimate at connect.
    expect(w.pipeline.setAlign).toHaveBeenCalledExactlyOnceWith(true);
    expect(w.align).not.toHaveBeenCalled();
    expect(w.brackets).toHaveBeenCalledExactlyOnceWith([], []);
    expect(w.radiance).toHaveBeenCalledExactlyOnceWith(null);
    // One frame asked for per plain row (the handlers ask for their own).
    expect(w.schedule).toHaveBeenCalledTimes(9);
  });

  it('applies the brackets after the viewport and the settings, at connect', () => {
    const order = (m: ReturnType<typeof vi.fn>) => m.mock.invocationCallOrder[0]!;
    expect(order(w.brackets)).toBeGreaterThan(order(w.pipeline.setViewport));
    expect(order(w.brackets)).toBeGreaterThan(order(w.pipeline.setParams));
    expect(order(w.brackets)).toBeGreaterThan(order(w.pipeline.setMode));
    expect(order(w.brackets)).toBeGreaterThan(order(w.response));
  });

  for (const [slice, c] of Object.entries(CASES)) {
    it(`a change of ${slice} reaches its setter`, () => {
      vi.clearAllMocks();
      c.change(store);
      const [fn, args] = c.expect(w, store);
      expect(fn).toHaveBeenCalledWith(...args);
    });
  }

  it('a plain row asks for a frame after its setter; an unchanged slice calls nothing', () => {
    vi.clearAllMocks();
    store.getState().setParam('exposure', 1);
    expect(w.schedule).toHaveBeenCalledTimes(1);
    expect(w.schedule.mock.invocationCallOrder[0]).toBeGreaterThan(w.pipeline.setParams.mock.invocationCallOrder[0]!);
    vi.clearAllMocks();
    store.getState().setViewport(0, 0);
    store.getState().setSplit(0.3);
    expect(w.pipeline.setViewport).not.toHaveBeenCalled();
    // The split alone, with compare off, is no change to the engine.
    expect(w.pipeline.setCompare).not.toHaveBeenCalled();
    expect(w.schedule).not.toHaveBeenCalled();
  });

  it('new EVs hand the previous brackets along', () => {
    store.getState().setBrackets('set', [entry('a', 0), entry('b', 2)]);
    const prev = store.getState().brackets;
    vi.clearAllMocks();
    store.getState().setEv('b', 3);
    expect(w.brackets).toHaveBeenCalledExactlyOnceWith(store.getState().brackets, prev);
  });

  it('unsubscribes every row', () => {
    off();
    vi.clearAllMocks();
    for (const c of Object.values(CASES)) c.change(store);
    for (const fn of [...Object.values(w.pipeline), w.schedule, w.align, w.response, w.brackets, w.radiance]) expect(fn).not.toHaveBeenCalled();
  });
});
