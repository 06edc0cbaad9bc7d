// React access to the edit store and the engine bridge.
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { Bridge } from '../bridge';
import type { History } from '../state/history';
import type { Session } from '../state/persist';
import type { EditStore, Store } from '../state/store';

export interface AppHandles {
  store: EditStore;
  /** The engine bridge once WebGPU is up (null before, or when unavailable). */
  bridge: Bridge | null;
  /** Undo/redo of the edit (state/history.ts). */
  history: History;
  /** Autosave (state/persist.ts). */
  session: Session;
}

export const AppContext = createContext<AppHandles | null>(null);

export function useHandles(): AppHandles {
  const h = useContext(AppContext);
  if (!h) throw new Error('AppContext missing');
  return h;
}

export function useEdit<T>(selector: (s: Store) => T): T {
  return useStore(useHandles().store, selector);
}
