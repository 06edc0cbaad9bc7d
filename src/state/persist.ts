// Autosave: the edit and the open pictures kept in IndexedDB, so a reload (or
// a crash, or a closed tab) brings the work back. No React here: App starts
// it, the toolbar shows its state and offers Forget.
//
// Storage layout, database 'hdr-studio', object store 'session', two records:
//   'edit'    the edit (mode, params, curves, response, align), the set name
//             and what the open pictures are (names, sizes, EXIF, EVs; a
//             radiance map's name and size): a few kB, rewritten 300 ms after
//             the last change.
//   'pixels'  the decoded samples (8- or 16-bit RGBA per bracket, or the
//             radiance map's float RGBA), tagged with the set's key
//             (history.setKey) and written only when a new set opens, never
//             for an edit. EV edits change 'edit' alone.
// Both go in one transaction, so 'edit' never describes pixels that are not
// there. Pictures over CAP_BYTES (512 MiB: five 24 MP 16-bit brackets, or a
// 24 MP radiance map, fit) are not kept: the settings are, and an info message
// says so, when saving and again when restoring. A radiance map is kept like
// brackets (float samples, same cap): it is what the user opened, and
// re-opening an EXR is no easier than re-opening brackets.
//
// Storage can fail (quota, private windows, a browser without IndexedDB):
// that is reported once as an info message and the app carries on; a set the
// browser refused is not tried again, its settings still are.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { radianceThumb, bracketThumb, type ThumbPixels } from '../io/thumb';
import { validateEdit } from '../io/preset';
import { setKey, snapshotOf } from './history';
import { hasImage, type BracketEntry, type EditState, type EditStore } from './store';
import { indexedDbBackend, type SessionBackend } from './session-backend';

export const SESSION_APP = 'hdr-studio-session';
export const SESSION_VERSION = 1;
export const CAP_BYTES = 512 * 2 ** 20;
export const SAVE_DELAY_MS = 300;

type Planes = (Uint8ClampedArray | Uint16Array | Float32Array)[];

interface SavedBracket {
  id: string;
  name: string;
  width: number;
  height: number;
  exif: BracketEntry['exif'];
  exifSegment: Uint8Array | null;
  ev: number;
  evSource: BracketEntry['evSource'];
}

type SavedImages = { kind: 'brackets'; key: string; brackets: SavedBracket[] } | { kind: 'radiance'; key: string; id: string; name: string; width: number; height: number };

/** The 'edit' record. */
export interface SavedSession {
  app: typeof SESSION_APP;
  version: typeof SESSION_VERSION;
  savedAt: number;
  setName: string;
  mode: EditState['mode'];
  params: EditState['params'];
  curves: EditState['curves'];
  response: EditState['response'];
  align: boolean;
  look: EditState['look'];
  /** The open pictures, when their samples are in 'pixels'. */
  images: SavedImages | null;
  /** Pictures that were open but not kept, for the restore message. */
  skipped: { name: string; bytes: number; why: 'cap' | 'refused' } | null;
}

/** The 'pixels' record: one plane per bracket, darkest first, or the radiance map. */
export interface SavedPixels {
  key: string;
  planes: Planes;
}

export type SaveStatus = 'idle' | 'pending' | 'saved' | 'failed' | 'forgotten';

export interface SessionState {
  status: SaveStatus;
}

/** 'images': the pictures and settings are back; 'settings': the settings only; 'none': nothing was saved (or readable). */
export type RestoreResult = 'images' | 'settings' | 'none';

export interface Session {
  readonly state: StoreApi<SessionState>;
  /** Put the saved session into the store. Call before start(). */
  restore(): Promise<RestoreResult>;
  /** Save changes from now on; returns the stop. */
  start(): () => void;
  /** Save now anything waiting. */
  flush(): Promise<void>;
  /** Delete what is stored; later changes are saved afresh. */
  forget(): Promise<void>;
}

export interface SessionOptions {
  backend?: SessionBackend;
  delayMs?: number;
  capBytes?: number;
  /** Thumbnails of restored pictures (null where the platform cannot make them). */
  makeThumb?: (pixels: ThumbPixels) => Promise<ImageBitmap | null>;
}

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
const reason = (err: unknown) => (err instanceof Error ? `${err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}` : String(err));
const quote = (name: string) => `“${name}”`;

async function browserThumb(t: ThumbPixels): Promise<ImageBitmap | null> {
  if (typeof createImageBitmap !== 'function' || typeof ImageData !== 'function') return null;
  return createImageBitmap(new ImageData(t.data, t.width, t.height));
}

function planesOf(s: EditState): Planes {
  return s.radiance ? [s.radiance.image.data] : s.brackets.map((b) => b.pixels);
}

function describe(s: EditState, key: string): SavedImages {
  if (s.radiance) {
    const { id, name, width, height } = s.radiance;
    return { kind: 'radiance', key, id, name, width, height };
  }
  return {
    kind: 'brackets',
    key,
    brackets: s.brackets.map(({ id, name, width, height, exif, exifSegment, ev, evSource }) => ({ id, name, width, height, exif, exifSegment, ev, evSource })),
  };
}

const isPlane = (p: unknown, n: number, types: readonly (new (...a: never[]) => ArrayBufferView)[]) => types.some((T) => p instanceof T) && (p as Uint8Array).length === n;

/** Whether 'pixels' holds the samples 'edit' describes, of the right types and sizes. */
function pixelsFit(images: SavedImages, pixels: unknown): pixels is SavedPixels {
  if (typeof pixels !== 'object' || pixels === null) return false;
  const { key, planes } = pixels as Partial<SavedPixels>;
  if (key !== images.key || !Array.isArray(planes)) return false;
  if (images.kind === 'radiance') return planes.length === 1 && isPlane(planes[0], images.width * images.height * 4, [Float32Array]);
  const depth = planes[0] instanceof Uint16Array ? Uint16Array : Uint8ClampedArray;
  return planes.length === images.brackets.length && images.brackets.every((b, i) => isPlane(planes[i], b.width * b.height * 4, [depth]));
}

function validImages(v: unknown): v is SavedImages | null {
  if (v === null) return true;
  if (typeof v !== 'object') return false;
  const o = v as Partial<Record<string, unknown>>;
  if (typeof o.key !== 'string') return false;
  if (o.kind === 'radiance') return typeof o.id === 'string' && typeof o.name === 'string' && Number.isInteger(o.width) && Number.isInteger(o.height);
  return (
    o.kind === 'brackets' &&
    Array.isArray(o.brackets) &&
    o.brackets.length > 0 &&
    o.brackets.every(
      (b: Partial<SavedBracket>) =>
        typeof b.id === 'string' &&
        typeof b.name === 'string' &&
        Number.isInteger(b.width) &&
        Number.isInteger(b.height) &&
        Number.isFinite(b.ev) &&
        (b.evSource === 'exif' || b.evSource === 'assumed' || b.evSource === 'pixels' || b.evSource === 'user'),
    )
  );
}

export function createSession(store: EditStore, options: SessionOptions = {}): Session {
  const backend = options.backend ?? indexedDbBackend();
  const delay = options.delayMs ?? SAVE_DELAY_MS;
  const cap = options.capBytes ?? CAP_BYTES;
  const makeThumb = options.makeThumb ?? browserThumb;
  const state = createStore<SessionState>()(() => ({ status: 'idle' }));
  const setStatus = (status: SaveStatus) => state.getState().status !== status && state.setState({ status });

  /** The set whose samples are in 'pixels' now. */
  let storedKey: string | null = null;
  /** Sets already reported as not kept (over the cap, or refused). */
  const toldKeys = new Set<string>();
  let refusedKey: string | null = null;
  /** A failure was reported and nothing has succeeded since. */
  let toldFailure = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let saving: Promise<void> | null = null;
  let again = false;

  const info = (text: string) => store.getState().report(text, 'info');

  async function save(): Promise<void> {
    const s = store.getState();
    const key = hasImage(s) ? setKey(s) : null;
    const record: SavedSession = { app: SESSION_APP, version: SESSION_VERSION, savedAt: Date.now(), setName: s.setName, ...snapshotOf(s), images: null, skipped: null };
    let pixels: SavedPixels | null | undefined = null;
    if (key) {
      const planes = planesOf(s);
      const bytes = planes.reduce((n, p) => n + p.byteLength, 0);
      if (bytes > cap || key === refusedKey) {
        record.skipped = { name: s.setName, bytes, why: bytes > cap ? 'cap' : 'refused' };
        if (bytes > cap && !toldKeys.has(key)) {
          toldKeys.add(key);
          info(`${quote(s.setName)} is ${mib(bytes)} decoded, over the ${mib(cap)} kept between visits: only its settings are saved, so after a reload open the brackets again.`);
        }
      } else {
        record.images = describe(s, key);
        pixels = storedKey === key ? undefined : { key, planes };
      }
    }
    try {
      await backend.write(record, pixels);
      storedKey = record.images ? key : null;
    } catch (err) {
      if (!pixels || !key) throw err;
      // The pictures were refused (most likely the quota): keep the settings.
      refusedKey = key;
      record.images = null;
      record.skipped = { name: s.setName, bytes: pixels.planes.reduce((n, p) => n + p.byteLength, 0), why: 'refused' };
      await backend.write(record, null);
      storedKey = null;
      if (!toldKeys.has(key)) {
        toldKeys.add(key);
        info(`The browser would not keep ${quote(s.setName)} for the next visit (${reason(err)}): only its settings are saved.`);
      }
    }
  }

  function run(): void {
    timer = null;
    if (saving) {
      again = true;
      return;
    }
    saving = save()
      .then(
        () => {
          toldFailure = false;
          setStatus('saved');
        },
        (err: unknown) => {
          setStatus('failed');
          if (!toldFailure) {
            toldFailure = true;
            info(`Autosave failed (${reason(err)}): the edit goes on, but will not survive a reload.`);
          }
        },
      )
      .finally(() => {
        saving = null;
        if (again) {
          again = false;
          run();
        }
      });
  }

  function schedule(): void {
    setStatus('pending');
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(run, delay);
  }

  async function settle(): Promise<void> {
    while (saving) await saving;
  }

  async function flush(): Promise<void> {
    if (timer !== null) {
      clearTimeout(timer);
      run();
    }
    await settle();
  }

  return {
    state,
    async restore() {
      const { begin, end, report } = store.getState();
      begin('restore');
      try {
        let read: { edit: unknown; pixels: unknown };
        try {
          read = await backend.read();
        } catch (err) {
          info(`The saved session could not be read (${reason(err)}); starting afresh.`);
          return 'none';
        }
        const o = read.edit;
        if (o === undefined) return 'none';
        if (typeof o !== 'object' || o === null || (o as SavedSession).app !== SESSION_APP || (o as SavedSession).version !== SESSION_VERSION) {
          info('The saved session is from another version of HDR Studio and was not restored.');
          return 'none';
        }
        const saved = o as SavedSession;
        const checked = validateEdit(o as Record<string, unknown>, ['app', 'version', 'savedAt', 'setName', 'images', 'skipped']);
        if (!checked.ok || typeof saved.setName !== 'string' || !validImages(saved.images)) {
          info(`The saved session was not restored: ${checked.ok ? 'its pictures are not described properly' : checked.problem}.`);
          return 'none';
        }
        const edit = checked.edit;
        const images = saved.images;
        const fits = images !== null && pixelsFit(images, read.pixels);
        // The edit first, the pictures second: a new set starts the undo history, from this edit.
        store.setState(edit);
        if (fits && images.kind === 'brackets') {
          const planes = (read.pixels as SavedPixels).planes as (Uint8ClampedArray | Uint16Array)[];
          const wide = planes[0] instanceof Uint16Array;
          const entries: BracketEntry[] = await Promise.all(
            images.brackets.map(async (b, i) => {
              const pixels = planes[i]!;
              const thumb = await makeThumb(bracketThumb(b.width, b.height, pixels, wide && edit.response === 'linear')).catch(() => null);
              return { ...b, pixels, thumb };
            }),
          );
          store.getState().setBrackets(saved.setName, entries);
        } else if (fits && images.kind === 'radiance') {
          const { id, name, width, height } = images;
          const image = { width, height, data: (read.pixels as SavedPixels).planes[0] as Float32Array };
          const thumb = await makeThumb(radianceThumb(image)).catch(() => null);
          store.getState().setRadiance(saved.setName, { id, name, width, height, image, thumb });
        }
        if (fits) {
          storedKey = images.key;
          info(`Your last session is back: ${quote(saved.setName)} with its settings. Forget (toolbar) deletes it from this browser.`);
          return 'images';
        }
        const skipped = saved.skipped;
        if (skipped)
          info(
            skipped.why === 'cap'
              ? `The last session’s settings are back, but not its pictures: ${quote(skipped.name)} was ${mib(skipped.bytes)} decoded, over the ${mib(cap)} kept between visits. Open them again to carry on.`
              : `The last session’s settings are back, but not its pictures: the browser would not keep ${quote(skipped.name)}. Open them again to carry on.`,
          );
        else if (images) info(`The last session’s settings are back, but its pictures (${quote(saved.setName)}) could not be read back. Open them again to carry on.`);
        return 'settings';
      } catch (err) {
        report(`The saved session could not be restored (${reason(err)}); starting afresh.`, 'info');
        return 'none';
      } finally {
        end('restore');
      }
    },
    start() {
      const watched = (s: EditState) => [s.setName, s.mode, s.params, s.curves, s.response, s.align, s.look, s.brackets, s.radiance] as const;
      const unsub = store.subscribe((s, prev) => {
        const a = watched(s);
        const b = watched(prev);
        if (a.some((v, i) => v !== b[i])) schedule();
      });
      // Closing the tab inside the delay: save at once (IndexedDB usually finishes).
      const hide = () => void flush();
      const hasWindow = typeof window !== 'undefined';
      if (hasWindow) window.addEventListener('pagehide', hide);
      return () => {
        unsub();
        if (hasWindow) window.removeEventListener('pagehide', hide);
        if (timer !== null) {
          clearTimeout(timer);
          run();
        }
      };
    },
    flush,
    async forget() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      again = false;
      await settle();
      try {
        await backend.clear();
        storedKey = null;
        refusedKey = null;
        setStatus('forgotten');
        info('Forgotten: the pictures and settings kept in this browser are deleted. A reload now starts from the sample; further edits are saved again.');
      } catch (err) {
        info(`The saved session could not be deleted (${reason(err)}).`);
      }
    },
  };
}
