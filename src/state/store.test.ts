import { describe, expect, it } from 'vitest';
import { CURVE_CHANNELS, isIdentity } from '../engine/curve/curve';
import { PARAMS } from '../engine/params';
import { responseLuts, type ResponseLuts } from '../engine/merge/response';
import { activeResponse, autoResponseRefusal, createEditStore, hasImage, resolvedResponse, imageSize, isBusy, referenceBracket, type BracketEntry, type RadianceEntry } from './store';
import { bracketEntry } from '../../test/support/entries';

const entry = bracketEntry;

/** A store holding brackets a (EV 0), b (EV 2), c (EV 4). */
function withBrackets() {
  const store = createEditStore();
  store.getState().setBrackets('set', [entry('b', 2), entry('c', 4), entry('a', 0)]);
  return store;
}
const ids = (s: { brackets: BracketEntry[] }) => s.brackets.map((b) => b.id);

describe('createEditStore', () => {
  it('setParam clamps into range', () => {
    const store = createEditStore();
    store.getState().setParam('exposure', 100);
    expect(store.getState().params.exposure).toBe(PARAMS.exposure.max);
    store.getState().setParam('gamma', -1);
    expect(store.getState().params.gamma).toBe(PARAMS.gamma.min);
    store.getState().setParam('key', 0.5);
    expect(store.getState().params.key).toBe(0.5);
  });

  it('setBrackets sorts darkest first and keeps the set name', () => {
    const s = withBrackets().getState();
    expect(ids(s)).toEqual(['a', 'b', 'c']);
    expect(s.setName).toBe('set');
  });

  it("setEv re-sorts darkest first and marks evSource 'user'", () => {
    const store = withBrackets();
    store.getState().setEv('a', 6);
    const s = store.getState();
    expect(ids(s)).toEqual(['b', 'c', 'a']);
    expect(s.brackets.map((b) => b.evSource)).toEqual(['exif', 'exif', 'user']);
    expect(s.brackets[2]?.ev).toBe(6);
  });

  it.each([NaN, Infinity])('setEv(%s) changes nothing', (ev) => {
    const store = withBrackets();
    const before = store.getState().brackets;
    store.getState().setEv('a', ev);
    expect(store.getState().brackets).toBe(before);
  });

  it('begin/end count work in flight; isBusy follows', () => {
    const store = createEditStore();
    const { begin, end } = store.getState();
    expect(isBusy(store.getState())).toBe(false);
    begin('decode');
    begin('decode');
    end('decode');
    expect(isBusy(store.getState())).toBe(true);
    end('decode');
    expect(isBusy(store.getState())).toBe(false);
    end('decode'); // unbalanced end does not go negative
    begin('decode');
    expect(store.getState().pending.decode).toBe(1);
  });

  it('report adds a message; dismiss removes only that one', () => {
    const store = createEditStore();
    store.getState().report('first');
    store.getState().report('second', 'warning');
    const [m1, m2] = store.getState().messages;
    expect(m1).toMatchObject({ text: 'first', kind: 'error' });
    expect(m2).toMatchObject({ text: 'second', kind: 'warning' });
    expect(m1?.id).not.toBe(m2?.id);
    store.getState().dismiss(m1!.id);
    expect(store.getState().messages).toEqual([m2]);
  });

  it('setViewport notifies viewport subscribers only on a real change', () => {
    const store = createEditStore();
    let calls = 0;
    store.subscribe(
      (s) => s.viewport,
      () => calls++,
    );
    store.getState().setViewport(800, 600);
    expect(calls).toBe(1);
    store.getState().setViewport(800, 600);
    expect(calls).toBe(1);
    store.getState().setViewport(801, 600);
    expect(calls).toBe(2);
    expect(store.getState().viewport).toEqual({ width: 801, height: 600 });
  });

  it('mode defaults to fusion; curves start as the identity and are normalised when set', () => {
    const store = createEditStore();
    expect(store.getState().mode).toBe('fusion');
    store.getState().setMode('merge');
    expect(store.getState().mode).toBe('merge');
    for (const c of CURVE_CHANNELS) expect(isIdentity(store.getState().curves[c])).toBe(true);
    // Out of order and out of range: sorted, clamped, endpoints kept.
    store.getState().setCurve('r', [
      { x: 1, y: 1 },
      { x: 0.5, y: 1.4 },
      { x: 0, y: 0 },
    ]);
    expect(store.getState().curves.r).toEqual([
      { x: 0, y: 0 },
      { x: 0.5, y: 1 },
      { x: 1, y: 1 },
    ]);
    expect(isIdentity(store.getState().curves.luma)).toBe(true);
    store.getState().resetCurves();
    expect(isIdentity(store.getState().curves.r)).toBe(true);
  });

  it("the response starts as 'auto' (sRGB with nothing open); fixed choices give the same tables object each time", () => {
    const store = createEditStore();
    expect(store.getState().response).toBe('auto');
    expect(resolvedResponse(store.getState())).toBe('srgb');
    const srgb = activeResponse(store.getState());
    expect(srgb).toBe(activeResponse(store.getState()));
    expect(Array.from(srgb![1])).toEqual(Array.from(responseLuts('srgb')[1]));
    store.getState().setResponse('linear');
    expect(activeResponse(store.getState())![0][255]).toBe(1);
    expect(activeResponse(store.getState())![0][51]).toBeCloseTo(0.2, 6);
  });

  it("'auto' recovers where 3+ exposures from EXIF span 2+ EV, else sRGB; a failed recovery falls back to sRGB until the set changes", () => {
    const store = withBrackets();
    expect(resolvedResponse(store.getState())).toBe('recovered');
    expect(activeResponse(store.getState())).toBeNull();
    const luts: ResponseLuts = responseLuts('linear');
    store.getState().setRecoveredResponse(luts, true);
    expect(resolvedResponse(store.getState()), 'sRGB explains the set as well: the standard curve is kept').toBe('srgb');
    store.getState().setRecoveredResponse(luts);
    expect(activeResponse(store.getState())).toBe(luts);
    store.getState().setRecoveryFailed(true);
    expect(resolvedResponse(store.getState())).toBe('srgb');
    store.getState().setEv('a', 1);
    expect(store.getState().recoveryFailed).toBe(false);
    expect(resolvedResponse(store.getState())).toBe('recovered');
    // Too few, too narrow, assumed, or duplicates: sRGB, saying why.
    expect(autoResponseRefusal([entry('a', 0), entry('b', 2)])).toMatch(/2 distinct exposures; a recovery needs 3/);
    expect(autoResponseRefusal([entry('a', 0), entry('b', 0.7), entry('c', 1.4)])).toMatch(/span 1\.4 EV; a recovery needs 2 EV/);
    expect(autoResponseRefusal([entry('a', 0), entry('b', 2), { ...entry('c', 4), evSource: 'assumed' }])).toMatch(/not known/);
    expect(autoResponseRefusal([entry('a', 0), entry('b', 0), entry('c', 4)])).toMatch(/2 distinct exposures/);
    expect(autoResponseRefusal([entry('a', 0), entry('b', 1), { ...entry('c', 2), evSource: 'user' }])).toBeNull();
    store.getState().setBrackets('two', [entry('x', 0), entry('y', 4)]);
    expect(resolvedResponse(store.getState())).toBe('srgb');
    expect(activeResponse(store.getState())).toBe(activeResponse({ response: 'srgb' }));
  });

  it('the automatic look follows each measured scene in merge mode until a look param is moved by hand; Auto and Reset bring it back', () => {
    const store = withBrackets();
    const s = () => store.getState();
    const look = { rangeCompression: 0.4, whitePoint: 30, fusedWhite: 1, fusedBlack: 0 };
    expect(s().look).toBe('auto');
    s().setMode('merge');
    s().setScene({ rangeEv: 14, autoLook: look });
    expect([s().params.rangeCompression, s().params.whitePoint]).toEqual([0.4, 30]);
    // Fusion shows no radiance map: the look's params go back to their defaults there, and return in merge mode.
    s().setMode('fusion');
    expect([s().params.rangeCompression, s().params.whitePoint]).toEqual([PARAMS.rangeCompression.default, PARAMS.whitePoint.default]);
    s().setMode('merge');
    expect(s().params.rangeCompression).toBe(0.4);
    // Another param leaves the look automatic; a look param makes it manual, and new scenes then leave the params alone.
    s().setParam('exposure', 1);
    expect(s().look).toBe('auto');
    s().setParam('whitePoint', 12);
    expect(s().look).toBe('manual');
    s().setScene({ rangeEv: 10, autoLook: { rangeCompression: 0.2, whitePoint: 20, fusedWhite: 1, fusedBlack: 0 } });
    expect([s().params.rangeCompression, s().params.whitePoint]).toEqual([0.4, 12]);
    s().setLook('auto');
    expect([s().params.rangeCompression, s().params.whitePoint, s().params.exposure]).toEqual([0.2, 20, 1]);
    s().setParam('rangeCompression', 0);
    s().resetParams();
    expect(s().look).toBe('auto');
    expect([s().params.rangeCompression, s().params.exposure]).toEqual([0.2, 0]);
    // A new set is measured anew: nothing applies until its scene comes.
    s().setBrackets('other', [entry('x', 0), entry('y', 2)]);
    expect(s().scene).toBeNull();
    expect(s().params.rangeCompression).toBe(0.2);
  });

  it("fusion mode follows the fused image's look (the highlight roll-off) and merge mode the radiance map's; a roll-off moved by hand makes the look manual", () => {
    const store = withBrackets();
    const s = () => store.getState();
    expect(s().mode).toBe('fusion');
    s().setScene({ fusionLook: { rangeCompression: 0, whitePoint: 8, fusedWhite: 1.8, fusedBlack: 0 } });
    expect(s().params.fusedWhite).toBe(1.8);
    // The merge's statistics arrive beside it: merge mode takes its look, with the roll-off at its default; fusion its own again.
    s().setScene({ ...s().scene, rangeEv: 12, autoLook: { rangeCompression: 0.3, whitePoint: 20, fusedWhite: 1, fusedBlack: 0 } });
    expect(s().params.fusedWhite).toBe(1.8);
    s().setMode('merge');
    expect([s().params.rangeCompression, s().params.fusedWhite]).toEqual([0.3, 1]);
    s().setMode('fusion');
    expect([s().params.rangeCompression, s().params.fusedWhite]).toEqual([0, 1.8]);
    s().setParam('fusedWhite', 1.2);
    expect(s().look).toBe('manual');
    s().setScene({ ...s().scene, fusionLook: { rangeCompression: 0, whitePoint: 8, fusedWhite: 2.5, fusedBlack: 0 } });
    expect(s().params.fusedWhite).toBe(1.2);
    s().setLook('auto');
    expect(s().params.fusedWhite).toBe(2.5);
  });

  it("'recovered' has no tables until curves are stored; new brackets or EVs drop them", () => {
    const store = withBrackets();
    store.getState().setResponse('recovered');
    expect(activeResponse(store.getState())).toBeNull();
    const luts: ResponseLuts = responseLuts('linear');
    store.getState().setRecoveredResponse(luts);
    expect(activeResponse(store.getState())).toBe(luts);
    store.getState().setEv('a', -1);
    expect(store.getState().recoveredResponse).toBeNull();
    store.getState().setRecoveredResponse(luts);
    store.getState().setBrackets('other', [entry('x', 0), entry('y', 1)]);
    expect(store.getState().recoveredResponse).toBeNull();
    expect(store.getState().response).toBe('recovered');
  });

  it('the reference bracket is the middle one, darkest first (the upper middle of an even count)', () => {
    expect(referenceBracket(withBrackets().getState().brackets)?.id).toBe('b');
    expect(referenceBracket([entry('a', 0), entry('b', 1), entry('c', 2), entry('d', 3)])?.id).toBe('c');
    expect(referenceBracket([])).toBeUndefined();
  });
});

describe('a radiance map instead of brackets', () => {
  const map: RadianceEntry = { id: 'm', name: 'scene.exr', width: 3, height: 2, image: { width: 3, height: 2, data: new Float32Array(24) }, thumb: null };

  it('replaces the brackets, forces merge mode and keeps it there; compare goes off', () => {
    const store = withBrackets();
    store.getState().setCompare(true);
    expect(store.getState().mode).toBe('fusion');
    store.getState().setRadiance('scene', map);
    const s = store.getState();
    expect([s.brackets.length, s.radiance, s.mode, s.compare, s.setName]).toEqual([0, map, 'merge', false, 'scene']);
    expect(imageSize(s)).toBe(map);
    expect(hasImage(s)).toBe(true);
    s.setMode('fusion');
    expect(store.getState().mode).toBe('merge');
  });

  it('new brackets replace the map, and fusion is available again', () => {
    const store = createEditStore();
    store.getState().setRadiance('scene', map);
    store.getState().setBrackets('set', [entry('a', 0), entry('b', 2)]);
    expect(store.getState().radiance).toBeNull();
    store.getState().setMode('fusion');
    expect(store.getState().mode).toBe('fusion');
    expect(imageSize(store.getState())).toEqual(expect.objectContaining({ width: 1, height: 1 }));
    expect(hasImage(createEditStore().getState())).toBe(false);
  });
});
