// Where autosaved sessions are kept (persist.ts): IndexedDB in the app, one
// object store with the 'edit' and 'pixels' records, written in one
// transaction; unit tests pass a Map-backed SessionBackend instead.
import type { SavedPixels, SavedSession } from './persist';

/** Where sessions are kept: IndexedDB in the app, a Map in unit tests. */
export interface SessionBackend {
  read(): Promise<{ edit: unknown; pixels: unknown }>;
  /** One transaction. pixels: a record to write, null to delete the stored one, undefined to keep it. */
  write(edit: SavedSession, pixels: SavedPixels | null | undefined): Promise<void>;
  clear(): Promise<void>;
}

const STORE = 'session';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    // Quota errors arrive as an abort with the transaction's error set.
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

export function indexedDbBackend(name = 'hdr-studio'): SessionBackend {
  let opened: Promise<IDBDatabase> | null = null;
  const open = () => {
    opened ??= new Promise<IDBDatabase>((resolve, reject) => {
      if (typeof indexedDB === 'undefined') throw new Error('this browser has no IndexedDB');
      const connect = (version?: number) => {
        const r = indexedDB.open(name, version);
        r.onupgradeneeded = () => {
          if (!r.result.objectStoreNames.contains(STORE)) r.result.createObjectStore(STORE);
        };
        r.onsuccess = () => {
          const db = r.result;
          if (db.objectStoreNames.contains(STORE)) {
            // Another tab upgrading: let it, and reopen on the next save.
            db.onversionchange = () => {
              db.close();
              opened = null;
            };
            return resolve(db);
          }
          // A database of this name without the store (made by someone else): add it.
          db.close();
          connect(db.version + 1);
        };
        r.onerror = () => reject(r.error ?? new Error('IndexedDB could not be opened'));
        r.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
      };
      connect();
    }).catch((err: unknown) => {
      opened = null; // try again next time (a tab that blocked it may be gone)
      throw err;
    });
    return opened;
  };
  return {
    async read() {
      const tx = (await open()).transaction(STORE, 'readonly');
      const s = tx.objectStore(STORE);
      const [edit, pixels] = await Promise.all([request(s.get('edit')), request(s.get('pixels'))]);
      return { edit, pixels };
    },
    async write(edit, pixels) {
      const tx = (await open()).transaction(STORE, 'readwrite');
      const s = tx.objectStore(STORE);
      s.put(edit, 'edit');
      if (pixels === null) s.delete('pixels');
      else if (pixels) s.put(pixels, 'pixels');
      await done(tx);
    },
    async clear() {
      const tx = (await open()).transaction(STORE, 'readwrite');
      tx.objectStore(STORE).clear();
      await done(tx);
    },
  };
}
