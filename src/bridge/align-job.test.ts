// The alignment job on a real store and a fake pipeline: when it starts, what
// it reports, and that a new set aborts the estimate in flight.
import { describe, expect, it, vi } from 'vitest';
import type { AlignResult } from '../engine/align/align';
import { createEditStore, type BracketEntry } from '../state/store';
import { AlignJob } from './align-job';

const entry = (id: string, ev: number): BracketEntry => ({
  id,
  name: `${id}.jpg`,
  width: 4,
  height: 4,
  pixels: new Uint8ClampedArray(64),
  thumb: null,
  exif: null,
  exifSegment: null,
  ev,
  evSource: 'exif',
});

const RESULT = {
  motions: [
    { tx: 0, ty: 0, rotation: 0, scale: 1, method: 'reference', confidence: 1, reason: '', matrix: [1, 0, 0, 0, 1, 0] },
    { tx: 2, ty: -1, rotation: 0.01, scale: 1, method: 'features', confidence: 0.9, reason: '', matrix: [1, 0, 2, 0, 1, -1] },
  ],
  crop: { x: 2, y: 1, width: 60, height: 40 },
} as unknown as AlignResult;

/** A fake pipeline whose estimates resolve when the test says, and a clock the test moves. */
function setup() {
  const store = createEditStore();
  store.getState().setBrackets('set', [entry('a', 0), entry('b', 2)]);
  const calls: { signal: AbortSignal; resolve: (r: AlignResult | null) => void; reject: (e: unknown) => void }[] = [];
  const pipeline = {
    aligned: true,
    alignBrackets: vi.fn(
      (signal?: AbortSignal) =>
        new Promise<AlignResult | null>((resolve, reject) => {
          calls.push({ signal: signal!, resolve, reject });
          signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    ),
  };
  let now = 1000;
  let picture = Promise.resolve();
  const host = { pictureSettled: vi.fn(() => picture), schedule: vi.fn(), now: () => now };
  const job = new AlignJob(store, pipeline, host);
  return {
    store,
    pipeline,
    host,
    job,
    calls,
    tick: (ms: number) => (now += ms),
    holdPicture: (p: Promise<void>) => (picture = p),
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('AlignJob', () => {
  it('waits for the full-size picture, then reports the estimate and its time and asks for a frame', async () => {
    const t = setup();
    let showPicture = () => {};
    t.holdPicture(new Promise<void>((r) => (showPicture = r)));
    t.job.start();
    expect(t.store.getState().alignment).toEqual({ state: 'running' });
    expect(t.store.getState().pending.align).toBe(1);
    await flush();
    expect(t.pipeline.alignBrackets).not.toHaveBeenCalled();
    showPicture();
    await flush();
    expect(t.pipeline.alignBrackets).toHaveBeenCalledOnce();
    t.tick(250);
    t.calls[0]!.resolve(RESULT);
    await t.job.running;
    const a = t.store.getState().alignment;
    expect(a).toMatchObject({ state: 'done', applied: true, ms: 250, crop: { x: 2, y: 1, width: 60, height: 40 } });
    expect(a?.state === 'done' && a.rows[1]).toEqual({ tx: 2, ty: -1, rotation: 0.01, scale: 1, method: 'features', confidence: 0.9, reason: '' });
    expect(t.host.schedule).toHaveBeenCalledOnce();
    expect(t.store.getState().pending.align).toBe(0);
    expect(t.job.running).toBeNull();
  });

  it('a new start aborts the estimate in flight; only the new one reports', async () => {
    const t = setup();
    t.job.start();
    await flush();
    const first = t.calls[0]!;
    t.store.getState().setBrackets('set2', [entry('c', 0), entry('d', 1)]);
    t.job.start();
    expect(first.signal.aborted).toBe(true);
    await flush();
    expect(t.calls).toHaveLength(2);
    expect(t.calls[1]!.signal.aborted).toBe(false);
    // The aborted one reports nothing, not even a failure.
    expect(t.store.getState().alignment).toEqual({ state: 'running' });
    expect(t.store.getState().messages).toEqual([]);
    t.calls[1]!.resolve(RESULT);
    await t.job.running;
    expect(t.store.getState().alignment?.state).toBe('done');
    expect(t.host.schedule).toHaveBeenCalledOnce();
    expect(t.store.getState().pending.align).toBe(0);
  });

  it('an abort before the picture is up never starts the estimate', async () => {
    const t = setup();
    let showPicture = () => {};
    t.holdPicture(new Promise<void>((r) => (showPicture = r)));
    t.job.start();
    const running = t.job.running;
    t.job.abort();
    showPicture();
    await running;
    expect(t.pipeline.alignBrackets).not.toHaveBeenCalled();
    expect(t.store.getState().pending.align).toBe(0);
  });

  it('a failed estimate is reported as a warning; the brackets are merged as shot', async () => {
    const t = setup();
    t.job.start();
    await flush();
    t.calls[0]!.reject(new Error('no features'));
    await t.job.running;
    expect(t.store.getState().alignment).toEqual({ state: 'failed', message: 'Error: no features' });
    expect(t.store.getState().messages.map((m) => [m.kind, m.text])).toEqual([['warning', 'Alignment failed (Error: no features); the brackets are merged as shot.']]);
    expect(t.host.schedule).not.toHaveBeenCalled();
  });

  it('starts nothing with the switch off or fewer than two brackets', () => {
    const t = setup();
    t.store.getState().setAlign(false);
    t.job.start();
    expect(t.job.running).toBeNull();
    t.store.getState().setAlign(true);
    t.store.getState().setBrackets('one', [entry('a', 0)]);
    t.job.start();
    expect(t.job.running).toBeNull();
    expect(t.store.getState().alignment).toBeNull();
  });
});
