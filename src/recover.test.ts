import { describe, expect, it } from 'vitest';
import { recoverResponse, ResponseRefused, responseLuts, type ResponseLuts } from './engine/merge/response';
import { pickPixels } from './engine/merge/auto-response';
import { filmCurve, loadRadianceMap, meter, shootBrackets } from './engine/reference/camera';
import { pixelEvs } from './io/pixel-exposure';
import type { Bracket } from './engine/types';
import { bracketsForEngine, bracketsForRecovery, watchResponse, type Recover } from './recover';
import { checkExifAfterRecovery } from './io/set-checks';
import { activeResponse, createEditStore, isBusy, resolvedResponse, type BracketEntry } from './state/store';

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

  it('recovers only when the recovered response is in use, stores the curves and shows the work as busy', async () => {
    const store = createEditStore();
    store.getState().setResponse('srgb');
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

  it("'auto' recovers a set that allows it by itself; a failure keeps 'auto', resolved to sRGB for this set", async () => {
    const store = createEditStore();
    const { recover, calls } = manualRecover();
    watchResponse(store, recover);
    store.getState().setBrackets('two', [entry('a', 0), entry('b', 2)]);
    expect(calls).toHaveLength(0);
    // A duplicate exposure is left out of the solve.
    store.getState().setBrackets('set', [entry('a', 0), entry('b', 2), entry('b2', 2), entry('c', 4)]);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.brackets.map((b) => b.exposure)).toEqual([0.25, 1, 4]);
    calls[0]!.reject(new Error('every pixel is clipped'));
    await tick();
    expect(store.getState().response).toBe('auto');
    expect(resolvedResponse(store.getState())).toBe('srgb');
    expect(store.getState().messages.at(-1)?.text).toMatch(/could not be recovered .*every pixel is clipped.*using sRGB/);
  });
});

describe('checkExifAfterRecovery', () => {
  // Stilllife through a film-like curve, 2 stops apart: read as sRGB, the pixels' steps are not the EXIF's.
  const FILM = [filmCurve(2.2, 0.4), filmCurve(2.6, 0.4), filmCurve(3, 0.4)] as const;
  const map = loadRadianceMap('stilllife');
  const shot = shootBrackets(map, FILM, meter(map, 0.18), [1 / 16, 1 / 4, 1, 4, 16]);
  const entries = (evs: readonly number[]): BracketEntry[] =>
    shot.map((b, i) => ({ id: `f${i}`, name: `f${i}.png`, width: b.width, height: b.height, pixels: b.pixels as Uint8ClampedArray, thumb: null, exif: null, exifSegment: null, ev: evs[i]!, evSource: 'exif' }));
  const frames = (evs: readonly number[]) => entries(evs).map((e) => ({ ...e, fromExif: true }));
  const recovered = recoverResponse(bracketsForRecovery(entries([0, 2, 4, 6, 8]))).luts;

  it('right EXIF on a film curve: the pixels read through the recovered curves agree (no message), though read as sRGB they do not', () => {
    const asSrgb = pixelEvs(shot, false)!;
    const through = pixelEvs(shot, recovered)!;
    // The film curve bends the sRGB reading of 8 stops by more than half a stop somewhere; the recovered curves do not.
    expect(Math.max(...asSrgb.map((e, i) => Math.abs(e - 2 * i)))).toBeGreaterThan(0.5);
    expect(Math.max(...through.map((e, i) => Math.abs(e - 2 * i)))).toBeLessThan(0.25);
    expect(checkExifAfterRecovery(frames([0, 2, 4, 6, 8]), recovered)).toBeNull();
  });

  it('a recovery refused over a rewritten EXIF time: the app names the file with both EVs, says why, and uses sRGB', async () => {
    const store = createEditStore();
    const { recover, calls } = manualRecover();
    watchResponse(store, recover);
    store.getState().setBrackets('set', entries([0, 2, 4, 7.5, 8]));
    expect(resolvedResponse(store.getState())).toBe('recovered');
    // What the worker sends back for a refusal (recover.worker.ts): the message and the curves it came to.
    let luts: ResponseLuts;
    try {
      luts = recoverResponse(calls[0]!.brackets).luts;
    } catch (err) {
      if (!(err instanceof ResponseRefused)) throw err;
      luts = err.luts;
    }
    calls[0]!.reject(new ResponseRefused('the brackets disagree too much to pin the curve down: the fit ran backwards over 62 of 256 codes of the red channel', luts));
    await tick();
    expect(resolvedResponse(store.getState())).toBe('srgb');
    expect(store.getState().messages.at(-1)?.text).toMatch(/^Read through the camera response recovered from the set, “f3\.png” is \+7\.5 EV by its EXIF but .* could not be recovered .*disagree too much.*using sRGB\.$/);
  });

  it('one rewritten EXIF time survives the recovered curves and is named with both EVs (the curves the recovery refuses for it included)', () => {
    const wrong = entries([0, 2, 4, 7.5, 8]);
    let luts: ResponseLuts;
    try {
      luts = recoverResponse(bracketsForRecovery(wrong)).luts;
    } catch (err) {
      // A rewritten time can bend the curves past MAX_ADJUSTED (this set did at λ 4: 62 codes): the refused curves name the file as well.
      if (!(err instanceof ResponseRefused)) throw err;
      luts = err.luts;
    }
    const text = checkExifAfterRecovery(frames([0, 2, 4, 7.5, 8]), luts);
    // The recovery fits its curve to the wrong time too, which bends the next bracket's reading: both may be named, the frames before it are not.
    expect(text).toMatch(/^Read through the camera response recovered from the set, “f3\.png” is \+7\.5 EV by its EXIF but \+[56]\.\d EV by its pixels/);
    expect(text).toMatch(/Using the EXIF exposures; correct/);
    expect(text).not.toMatch(/f[012]\.png/);
  });
});

describe('pickPixels', () => {
  it('reads every k-th pixel at the centre of its cell, no averaging; small brackets are left as they are', () => {
    const width = 1030;
    const height = 20;
    const pixels = new Uint16Array(width * height * 4).map((_, i) => i % 65536);
    const small = pickPixels({ width, height, pixels, exposure: 2 }, 512);
    // k = 3: 344 × 7, pixel (x, y) from (3x + 1, 3y + 1), clamped at the edge.
    expect([small.width, small.height, small.exposure, small.pixels.constructor]).toEqual([344, 7, 2, Uint16Array]);
    const at = (img: { width: number; pixels: ArrayLike<number> }, x: number, y: number) => Array.from({ length: 4 }, (_, c) => img.pixels[(y * img.width + x) * 4 + c]);
    expect(at(small, 5, 2)).toEqual(at({ width, pixels }, 16, 7));
    expect(at(small, 343, 6)).toEqual(at({ width, pixels }, 1029, 19));
    const b = { width: 100, height: 50, pixels: new Uint8ClampedArray(100 * 50 * 4), exposure: 1 };
    expect(pickPixels(b)).toBe(b);
  });
});
