import { describe, expect, it } from 'vitest';
import * as camera from './engine/reference/camera';
import { BRIGHT_OBJECT_CASE, ghostScene } from './engine/deghost/reference/ghost-scene';
import type { Bracket } from './engine/types';
import { watchGhosts } from './ghosts';
import { createHistory } from './state/history';
import { createEditStore, type BracketEntry } from './state/store';

// Goldengate with a bright object from the still life in brackets 1 and 3 (about 4 % of the frame each), no EXIF: sRGB, 2 EV apart.
const scene = ghostScene(BRIGHT_OBJECT_CASE, camera);

const entries = (brackets: readonly Bracket[]): BracketEntry[] =>
  brackets.map((b, i) => ({
    id: `b${i}`,
    name: `b${i}.png`,
    width: b.width,
    height: b.height,
    pixels: b.pixels as Uint8ClampedArray,
    thumb: null,
    exif: null,
    exifSegment: null,
    ev: 2 * i,
    evSource: 'assumed',
  }));

/** A store with alignment off (so a set is ready at once) and the watcher on. */
function watched() {
  const store = createEditStore();
  store.getState().setAlign(false);
  watchGhosts(store);
  return store;
}

describe('watchGhosts', () => {
  it('a set with a moving object turns deghosting on and says how much moves; a still set is left alone', () => {
    const store = watched();
    store.getState().setBrackets('still', entries(scene.clean));
    expect(store.getState().params.deghost).toBe(0);
    expect(store.getState().messages).toEqual([]);
    store.getState().setBrackets('moving', entries(scene.ghosted));
    expect(store.getState().params.deghost).toBeGreaterThan(0.6);
    expect(store.getState().messages.map((m) => m.text)).toEqual([expect.stringMatching(/^Moving objects found in \d+(\.\d)? % of the picture: deghosting on \(strength \d\.\d\d\)/)]);
  });

  it('turning deghosting on is one undo step: Undo turns it off with the reference back to automatic', () => {
    const store = createEditStore();
    store.getState().setAlign(false);
    const history = createHistory(store);
    history.attach();
    watchGhosts(store);
    store.getState().setBrackets('moving', entries(scene.ghosted));
    expect(store.getState().params.deghost).toBeGreaterThan(0.6);
    expect(history.undo()).toBe(true);
    expect([store.getState().params.deghost, store.getState().params.deghostReference]).toEqual([0, -1]);
    expect(history.state.getState().canUndo).toBe(false);
  });

  it('deghosting it turned on for one set is turned off again for a still set that follows, with the reference back to automatic', () => {
    const store = watched();
    store.getState().setBrackets('moving', entries(scene.ghosted));
    expect(store.getState().params.deghost).toBeGreaterThan(0.6);
    expect(store.getState().params.deghostReference).not.toBe(-1);
    store.getState().setBrackets('still', entries(scene.clean));
    expect([store.getState().params.deghost, store.getState().params.deghostReference]).toEqual([0, -1]);
  });

  it('once per set: turned off by the user it stays off; a strength the user set stands', () => {
    const store = watched();
    store.getState().setBrackets('moving', entries(scene.ghosted));
    store.getState().setParam('deghost', 0);
    // Other changes (alignment, the response) do not measure the set again.
    store.getState().setResponse('linear');
    store.getState().setResponse('srgb');
    expect(store.getState().params.deghost).toBe(0);
    const other = watched();
    other.getState().setParam('deghost', 0.3);
    other.getState().setBrackets('moving', entries(scene.ghosted));
    expect(other.getState().params.deghost).toBe(0.3);
  });

  it('waits for alignment when it is on, and for the recovered curves', () => {
    const store = createEditStore();
    watchGhosts(store);
    store.getState().setBrackets('moving', entries(scene.ghosted));
    expect(store.getState().params.deghost).toBe(0);
    store.getState().setAlignment({ state: 'running' });
    expect(store.getState().params.deghost).toBe(0);
    store.getState().setAlignment({ state: 'done', rows: [], crop: { x: 0, y: 0, width: 1, height: 1 }, applied: false, ms: 1 });
    expect(store.getState().params.deghost).toBeGreaterThan(0.6);
  });

  it('brackets whose exposures do not match their pictures are not moving: deghosting stays off, and the strip says what to check', () => {
    const store = watched();
    // The still scene with its EVs told 3 stops apart instead of 2.
    store.getState().setBrackets(
      'wrong',
      entries(scene.clean).map((e, i) => ({ ...e, ev: 3 * i })),
    );
    expect(store.getState().params.deghost).toBe(0);
    expect(store.getState().messages.map((m) => m.text)).toEqual([expect.stringMatching(/^The brackets disagree over \d+ % of the picture, more than moving objects do/)]);
  });
});
