import { describe, expect, it } from 'vitest';
import { responseLuts, type ResponseLuts } from './engine/merge/response';
import type { Bracket } from './engine/types';
import { bracketsForEngine, watchResponse, type Recover } from './recover';
import { activeResponse, createEditStore, isBusy, type BracketEntry } from './state/store';

const entry = (id: string, ev: number): BracketEntry => ({
  id,
  name: `${id}.jpg`,
  width: 1,
  height: 1,
  pixels: new Uint8ClampedArray([ev * 40, 0, 0, 255]),
  thumb: null,
  exif: null,
  exifSegment: null,
  ev,
  evSource: 'exif',
});

/** A recovery the test resolves by hand, recording what it was asked. */
function manualRecover() {
  const calls: { brackets: Bracket[]; resolve: (l: ResponseLuts) => void; reject: (e: Error) => void }[] = [];
  const recover: Recover = (brackets) => new Promise((resolve, reject) => calls.push({ brackets, resolve, reject }));
  return { recover, calls };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('watchResponse', () => {
  it('hands the engine the brackets with exposures relative to the middle one', () => {
    const b = bracketsForEngine([entry('a', 0), entry('b', 2), entry('c', 4)]);
    expect(b.map((x) => x.exposure)).toEqual([0.25, 1, 4]);
    expect(b[1]!.pixels[0]).toBe(80);
  });

  it("recovers only when 'recovered' is chosen, stores the curves and shows the work as busy", async () => {
    const store = createEditStore();
    const { recover, calls } = manualRecover();
    const stop = watchResponse(store, recover);
    store.getState().setBrackets('set', [entry('a', 0), entry('b', 2), entry('c', 4)]);
    expect(calls).toHaveLength(0);
    store.getState().setResponse('recovered');
    expect(calls).toHaveLength(1);
    expect(isBusy(store.getState())).toBe(true);
    expect(calls[0]!.brackets.map((b) => b.exposure)).toEqual([0.25, 1, 4]);
    const luts = responseLuts('linear');
    calls[0]!.resolve(luts);
    await tick();
    expect(activeResponse(store.getState())).toBe(luts);
    expect(isBusy(store.getState())).toBe(false);
    expect(store.getState().progress).toBeNull();
    // Switching away and back reuses the curves.
    store.getState().setResponse('srgb');
    store.getState().setResponse('recovered');
    expect(calls).toHaveLength(1);
    stop();
  });

  it('a new set recovers again, and a late result for the old set is dropped', async () => {
    const store = createEditStore();
    const { recover, calls } = manualRecover();
    watchResponse(store, recover);
    store.getState().setResponse('recovered');
    store.getState().setBrackets('one', [entry('a', 0), entry('b', 2)]);
    store.getState().setBrackets('two', [entry('x', 0), entry('y', 3)]);
    expect(calls).toHaveLength(2);
    const fresh = responseLuts('linear');
    calls[1]!.resolve(fresh);
    calls[0]!.resolve(responseLuts('srgb'));
    await tick();
    expect(store.getState().recoveredResponse).toBe(fresh);
    expect(isBusy(store.getState())).toBe(false);
  });

  it('a failed recovery is reported and falls back to sRGB', async () => {
    const store = createEditStore();
    const { recover, calls } = manualRecover();
    watchResponse(store, recover);
    store.getState().setBrackets('set', [entry('a', 0), entry('b', 0)]);
    store.getState().setResponse('recovered');
    calls[0]!.reject(new Error('exposures must be distinct'));
    await tick();
    expect(store.getState().response).toBe('srgb');
    expect(store.getState().messages.at(-1)?.text).toMatch(/could not be recovered .*exposures must be distinct.*using sRGB/);
  });
});
