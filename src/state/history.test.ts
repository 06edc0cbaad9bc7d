import { describe, expect, it } from 'vitest';
import { createHistory, sameEdit, snapshotOf } from './history';
import { createEditStore } from './store';
import { bracketEntry } from '../../test/support/entries';

const entry = bracketEntry;

function setup(limit?: number) {
  const store = createEditStore();
  store.getState().setBrackets('set', [entry('a', 0), entry('b', 2)]);
  const history = createHistory(store, limit);
  history.attach();
  return { store, history, s: () => store.getState() };
}

describe('history', () => {
  it('commits each discrete change as a step; undo and redo walk them', () => {
    const { history, s } = setup();
    expect(history.state.getState()).toEqual({ canUndo: false, canRedo: false });
    s().setParam('exposure', 1);
    s().setMode('merge');
    s().setCurve('luma', [
      { x: 0, y: 0 },
      { x: 0.5, y: 0.7 },
      { x: 1, y: 1 },
    ]);
    s().setResponse('linear');
    s().setAlign(false);
    const end = snapshotOf(s());
    expect(history.state.getState()).toEqual({ canUndo: true, canRedo: false });

    expect(history.undo()).toBe(true);
    expect(s().align).toBe(true);
    expect(s().response).toBe('linear');
    expect(history.undo()).toBe(true);
    expect(s().response).toBe('auto');
    expect(history.undo()).toBe(true);
    expect(s().curves.luma).toHaveLength(2);
    expect(history.undo()).toBe(true);
    expect(s().mode).toBe('fusion');
    expect(history.undo()).toBe(true);
    expect(s().params.exposure).toBe(0);
    expect(history.undo(), 'nothing left').toBe(false);
    expect(history.state.getState()).toEqual({ canUndo: false, canRedo: true });

    for (let i = 0; i < 5; i++) expect(history.redo()).toBe(true);
    expect(history.redo()).toBe(false);
    expect(sameEdit(snapshotOf(s()), end)).toBe(true);
  });

  it('a gesture (slider drag) is one step, however many moves it has', () => {
    const { history, s } = setup();
    history.begin();
    for (const v of [0.1, 0.5, 1.2, 1.9]) s().setParam('exposure', v);
    expect(history.state.getState().canUndo, 'nothing committed mid-drag').toBe(false);
    s().setParam('exposure', 2);
    history.end();
    history.undo();
    expect(s().params.exposure).toBe(0);
    expect(history.state.getState().canUndo).toBe(false);
    history.redo();
    expect(s().params.exposure).toBe(2);
  });

  it('undo in the middle of a gesture commits it first, then steps back over it', () => {
    const { history, s } = setup();
    s().setParam('saturation', 1.5);
    history.begin();
    s().setParam('exposure', 1);
    history.undo();
    expect(s().params.exposure).toBe(0);
    expect(s().params.saturation).toBe(1.5);
  });

  it('a new edit clears redo', () => {
    const { history, s } = setup();
    s().setParam('exposure', 1);
    s().setParam('exposure', 2);
    history.undo();
    expect(history.state.getState().canRedo).toBe(true);
    s().setParam('gamma', 1.5);
    expect(history.state.getState().canRedo).toBe(false);
    expect(history.redo()).toBe(false);
    expect(s().params.exposure).toBe(1);
  });

  it('changes that leave the edit as it was, and view changes, are no steps', () => {
    const { history, s } = setup();
    s().setParam('exposure', 0);
    s().setParam('exposure', -99); // clamped to −8 … a change
    s().setParam('exposure', -8); // … this is not
    s().setCurve('luma', [
      { x: 0, y: 0 },
      { x: 1, y: 1 },
    ]);
    s().setCompare(true);
    s().setView({ zoom: 2, center: [0.3, 0.3] });
    s().setClipWarnings(true);
    s().setHistogram(new Uint32Array(1024));
    s().report('hello', 'info');
    expect(history.undo()).toBe(true);
    expect(history.undo(), 'only the clamp was a step').toBe(false);
    expect(s().compare, 'the view is not undone').toBe(true);
  });

  it('keeps at most `limit` steps, dropping the oldest', () => {
    const { history, s } = setup(3);
    for (let i = 1; i <= 5; i++) s().setParam('exposure', i);
    let n = 0;
    while (history.undo()) n++;
    expect(n).toBe(3);
    expect(s().params.exposure).toBe(2);
  });

  it('starts afresh on a new set; EV edits keep the history', () => {
    const { history, s } = setup();
    s().setParam('exposure', 1);
    s().setEv('b', 3);
    expect(history.state.getState().canUndo).toBe(true);
    s().setBrackets('other', [entry('c', 0), entry('d', 2)]);
    expect(history.state.getState()).toEqual({ canUndo: false, canRedo: false });
    expect(history.undo()).toBe(false);
    expect(s().params.exposure, 'the edit itself is kept').toBe(1);
  });

  it("a measured scene's automatic look is no step: it joins the current one; undo restores the edit before as it was (the next measurement re-applies the look)", () => {
    const { history, s } = setup();
    const look = { rangeCompression: 0, whitePoint: 8, fusedWhite: 2, fusedBlack: -0.05 };
    s().setScene({ fusionLook: look });
    expect(s().params.fusedWhite).toBe(2);
    expect(history.state.getState()).toEqual({ canUndo: false, canRedo: false });
    s().setParam('exposure', 1);
    s().setScene({ ...s().scene, fusionLook: { ...look, fusedWhite: 3 } });
    expect(history.undo()).toBe(true);
    expect([s().params.exposure, s().params.fusedWhite]).toEqual([0, 2]);
    expect(history.undo()).toBe(false);
  });

  it('apply() is one step, and undoing it restores the edit before', () => {
    const { history, s } = setup();
    s().setParam('exposure', 1);
    const before = snapshotOf(s());
    history.apply({ ...before, mode: 'merge', response: 'linear', align: false, params: { ...before.params, gamma: 2 } });
    expect(s().mode).toBe('merge');
    expect(s().params.gamma).toBe(2);
    history.undo();
    expect(sameEdit(snapshotOf(s()), before)).toBe(true);
  });

  it('a detached history no longer follows the store', () => {
    const store = createEditStore();
    const history = createHistory(store);
    const detach = history.attach();
    detach();
    store.getState().setParam('exposure', 1);
    expect(history.state.getState().canUndo).toBe(false);
  });
});
