import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSession, type SavedPixels, type SavedSession } from './persist';
import type { SessionBackend } from './session-backend';
import { createEditStore, type BracketEntry } from './store';

/** The IndexedDB backend's contract over a Map, counting writes; `refuse` makes writes throw. */
function memoryBackend(refuse: (pixels: SavedPixels | null | undefined) => Error | null = () => null) {
  const records = new Map<string, unknown>();
  const writes: { edit: SavedSession; pixels: SavedPixels | null | undefined }[] = [];
  const backend: SessionBackend = {
    read: async () => ({ edit: records.get('edit'), pixels: records.get('pixels') }),
    async write(edit, pixels) {
      const err = refuse(pixels);
      if (err) throw err;
      writes.push({ edit, pixels });
      records.set('edit', structuredClone(edit));
      if (pixels === null) records.delete('pixels');
      else if (pixels) records.set('pixels', structuredClone(pixels));
    },
    clear: async () => records.clear(),
  };
  return { backend, records, writes };
}

const bracket = (id: string, ev: number, value: number): BracketEntry => ({
  id,
  name: `${id}.jpg`,
  width: 2,
  height: 1,
  pixels: new Uint8ClampedArray(8).fill(value),
  thumb: null,
  exif: { exposureTime: 2 ** ev / 100, fNumber: 8, iso: 100 },
  exifSegment: new Uint8Array([0x45, 0x78, 0x69, 0x66, 0, 0]),
  ev,
  evSource: 'exif',
});

const noThumb = async () => null;
const infos = (store: ReturnType<typeof createEditStore>) =>
  store
    .getState()
    .messages.filter((m) => m.kind === 'info')
    .map((m) => m.text);

function session(backend: SessionBackend, capBytes?: number) {
  const store = createEditStore();
  const s = createSession(store, { backend, delayMs: 300, capBytes, makeThumb: noThumb });
  return { store, session: s };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('autosave', () => {
  it('saves the edit and the brackets; a new page restores both', async () => {
    const mem = memoryBackend();
    const a = session(mem.backend);
    a.session.start();
    a.store.getState().setBrackets('trees', [bracket('x1', 2, 200), bracket('x0', 0, 50)]);
    a.store.getState().setParam('exposure', 1.5);
    a.store.getState().setMode('merge');
    a.store.getState().setCurve('luma', [
      { x: 0, y: 0 },
      { x: 0.5, y: 0.6 },
      { x: 1, y: 1 },
    ]);
    a.store.getState().setAlign(false);
    a.store.getState().setEv('x1', 2.5);
    await a.session.flush();
    expect(a.session.state.getState().status).toBe('saved');

    const b = session(mem.backend);
    expect(await b.session.restore()).toBe('images');
    const s = b.store.getState();
    expect(s.setName).toBe('trees');
    expect(s.params.exposure).toBe(1.5);
    expect(s.mode).toBe('merge');
    expect(s.align).toBe(false);
    expect(s.curves.luma[1]).toEqual({ x: 0.5, y: 0.6 });
    expect(s.brackets.map((e) => [e.id, e.ev, e.evSource, e.pixels[0]])).toEqual([
      ['x0', 0, 'exif', 50],
      ['x1', 2.5, 'user', 200],
    ]);
    expect(s.brackets[0]!.pixels).toBeInstanceOf(Uint8ClampedArray);
    expect(s.brackets[0]!.exif).toEqual({ exposureTime: 0.01, fNumber: 8, iso: 100 });
    expect(s.brackets[0]!.exifSegment).toEqual(new Uint8Array([0x45, 0x78, 0x69, 0x66, 0, 0]));
    expect(s.pending.restore).toBe(0);
    expect(infos(b.store).join()).toMatch(/last session is back: “trees”/);
  });

  it('debounces: a burst of changes is one write; the pixels are written once per set', async () => {
    vi.useFakeTimers();
    const mem = memoryBackend();
    const { store, session: s } = session(mem.backend);
    s.start();
    store.getState().setBrackets('set', [bracket('a', 0, 1), bracket('b', 2, 2)]);
    for (let i = 1; i <= 20; i++) store.getState().setParam('exposure', i / 10);
    expect(s.state.getState().status).toBe('pending');
    await vi.advanceTimersByTimeAsync(299);
    expect(mem.writes).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await s.flush();
    expect(mem.writes).toHaveLength(1);
    expect(mem.writes[0]!.pixels?.planes).toHaveLength(2);

    store.getState().setParam('gamma', 1.2);
    store.getState().setEv('b', 3);
    await vi.advanceTimersByTimeAsync(300);
    await s.flush();
    expect(mem.writes).toHaveLength(2);
    expect(mem.writes[1]!.pixels, 'an edit leaves the stored pixels alone').toBeUndefined();
    expect(mem.writes[1]!.edit.images).toMatchObject({ kind: 'brackets', brackets: [{ id: 'a' }, { id: 'b', ev: 3 }] });

    // Not part of the edit: no save.
    store.getState().setCompare(true);
    store.getState().setHistogram(new Uint32Array(4));
    expect(s.state.getState().status).toBe('saved');
  });

  it('over the cap: settings only, said when saving and when restoring', async () => {
    const mem = memoryBackend();
    const a = session(mem.backend, 12);
    a.session.start();
    a.store.getState().setBrackets('huge', [bracket('a', 0, 1), bracket('b', 2, 2)]);
    a.store.getState().setParam('exposure', -1);
    await a.session.flush();
    expect(mem.records.has('pixels')).toBe(false);
    expect(infos(a.store)).toEqual([expect.stringMatching(/“huge” is 0 MiB decoded, over the 0 MiB kept between visits: only its settings are saved/)]);

    const b = session(mem.backend, 12);
    expect(await b.session.restore()).toBe('settings');
    expect(b.store.getState().params.exposure).toBe(-1);
    expect(b.store.getState().brackets).toHaveLength(0);
    expect(infos(b.store).join()).toMatch(/settings are back, but not its pictures: “huge” was 0 MiB decoded, over the 0 MiB/);
  });

  it('pictures the browser refuses: settings saved, said once, not tried again', async () => {
    const quota = Object.assign(new Error('quota reached'), { name: 'QuotaExceededError' });
    const mem = memoryBackend((pixels) => (pixels ? quota : null));
    const { store, session: s } = session(mem.backend);
    s.start();
    store.getState().setBrackets('big', [bracket('a', 0, 1), bracket('b', 2, 2)]);
    await s.flush();
    store.getState().setParam('exposure', 2);
    await s.flush();
    expect(s.state.getState().status).toBe('saved');
    expect(mem.writes.map((w) => w.pixels)).toEqual([null, null]);
    expect(mem.writes[1]!.edit.params.exposure).toBe(2);
    expect(infos(store)).toEqual([expect.stringMatching(/would not keep “big” for the next visit \(QuotaExceededError: quota reached\): only its settings/)]);
  });

  it('storage failing altogether: one message, the edit carries on', async () => {
    const { store, session: s } = session({
      read: () => Promise.reject(new Error('no IndexedDB')),
      write: () => Promise.reject(new Error('no IndexedDB')),
      clear: () => Promise.reject(new Error('no IndexedDB')),
    });
    expect(await s.restore()).toBe('none');
    s.start();
    store.getState().setParam('exposure', 1);
    await s.flush();
    store.getState().setParam('exposure', 2);
    await s.flush();
    expect(s.state.getState().status).toBe('failed');
    expect(store.getState().params.exposure).toBe(2);
    expect(infos(store)).toEqual([expect.stringMatching(/could not be read \(no IndexedDB\)/), expect.stringMatching(/Autosave failed \(no IndexedDB\): the edit goes on/)]);
  });

  it('forget deletes what is stored; a later change saves again, pictures included', async () => {
    const mem = memoryBackend();
    const { store, session: s } = session(mem.backend);
    s.start();
    store.getState().setBrackets('set', [bracket('a', 0, 1), bracket('b', 2, 2)]);
    store.getState().setParam('exposure', 1);
    // Forget inside the delay: the waiting save is dropped too.
    await s.forget();
    expect(mem.records.size).toBe(0);
    expect(s.state.getState().status).toBe('forgotten');
    expect(infos(store).join()).toMatch(/Forgotten: the pictures and settings kept in this browser are deleted/);
    expect(await session(mem.backend).session.restore()).toBe('none');

    store.getState().setParam('exposure', 2);
    await s.flush();
    expect(mem.records.has('pixels')).toBe(true);
    expect(await session(mem.backend).session.restore()).toBe('images');
  });

  it('a radiance map round trips as float samples, in merge mode', async () => {
    const mem = memoryBackend();
    const a = session(mem.backend);
    a.session.start();
    const data = Float32Array.from({ length: 8 }, (_, i) => i * 0.5);
    a.store.getState().setRadiance('memorial', { id: 'r1', name: 'memorial.hdr', width: 2, height: 1, image: { width: 2, height: 1, data }, thumb: null });
    a.store.getState().setParam('toneOperator', 3);
    await a.session.flush();
    const b = session(mem.backend);
    expect(await b.session.restore()).toBe('images');
    const s = b.store.getState();
    expect(s.radiance).toMatchObject({ id: 'r1', name: 'memorial.hdr', width: 2, height: 1 });
    expect(Array.from(s.radiance!.image.data)).toEqual(Array.from(data));
    expect(s.mode).toBe('merge');
    expect(s.params.toneOperator).toBe(3);
  });

  it('a damaged record is not restored, and says why', async () => {
    const mem = memoryBackend();
    const a = session(mem.backend);
    a.session.start();
    a.store.getState().setBrackets('set', [bracket('a', 0, 1), bracket('b', 2, 2)]);
    await a.session.flush();

    // Pixels that do not match the description: settings only.
    (mem.records.get('pixels') as SavedPixels).planes.pop();
    const b = session(mem.backend);
    expect(await b.session.restore()).toBe('settings');
    expect(infos(b.store).join()).toMatch(/its pictures \(“set”\) could not be read back/);

    // A broken edit: nothing.
    (mem.records.get('edit') as Record<string, unknown>).mode = 'sideways';
    const c = session(mem.backend);
    expect(await c.session.restore()).toBe('none');
    expect(infos(c.store).join()).toMatch(/not restored: "mode" is the text "sideways"/);
    expect(c.store.getState().mode).toBe('fusion');

    mem.records.set('edit', { app: 'hdr-studio-session', version: 99 });
    const d = session(mem.backend);
    expect(await d.session.restore()).toBe('none');
    expect(infos(d.store).join()).toMatch(/another version/);
  });
});
