// The editor's frame: toolbar, canvas, panel, bracket strip, messages.
import { useEffect, useRef, useState } from 'react';
import { connect, type Bridge } from '../bridge';
import { AlignReport } from './AlignReport';
import { Guard } from './Guard';
import { loadSample } from '../load';
import { watchResponse } from '../recover';
import { watchGhosts } from '../ghosts';
import { createHistory } from '../state/history';
import { createSession } from '../state/persist';
import { isBusy, type EditStore } from '../state/store';
import { AppContext, useEdit } from './context';
import { Messages, ProgressBar } from './Messages';
import { ModeNote, ModeSwitch } from './ModeSwitch';
import { ParamPane, SceneInfo } from './ParamPane';
import { ResponsePanel } from './ResponsePanel';
import { Strip } from './Strip';
import { TonePanel } from './TonePanel';
import { Toolbar } from './Toolbar';
import { Viewport } from './Viewport';

export interface AppProps {
  store: EditStore;
  /** Open the bundled sample set once the GPU is ready. */
  sample: boolean;
  onBridge?: (bridge: Bridge | null) => void;
}

function Frame({ canvasRef }: { canvasRef: React.RefObject<HTMLCanvasElement | null> }) {
  const busy = useEdit((s) => isBusy(s) || s.gpu.state === 'starting');
  return (
    <div className="app" data-testid="app" data-busy={busy ? 'true' : 'false'}>
      <Guard name="toolbar">
        <Toolbar />
      </Guard>
      <main className="workspace">
        <div className="stage">
          <Viewport canvasRef={canvasRef} />
          <div className="notices">
            <Guard name="messages">
              <ProgressBar />
              <Messages />
            </Guard>
          </div>
        </div>
        <aside className="side">
          <Guard name="panel">
            <ModeSwitch />
            <AlignReport />
            <ResponsePanel />
            <ParamPane />
            <ModeNote />
            <TonePanel />
            <SceneInfo />
          </Guard>
        </aside>
      </main>
      <Guard name="bracket strip">
        <Strip />
      </Guard>
    </div>
  );
}

export function App({ store, sample, onBridge }: AppProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [bridge, setBridge] = useState<Bridge | null>(null);
  const [history] = useState(() => createHistory(store));
  const [session] = useState(() => createSession(store));

  useEffect(() => history.attach(), [history]);

  // Curves for the recovered response, whenever it is in use for a new set.
  useEffect(() => watchResponse(store), [store]);
  // Deghosting turned on by itself where a new set's brackets show moving objects.
  useEffect(() => watchGhosts(store), [store]);

  useEffect(() => {
    let live = true;
    let made: Bridge | null = null;
    let stopAutosave: (() => void) | null = null;
    void connect(store, canvasRef.current!).then(async (b) => {
      if (!live) {
        b?.dispose();
        return;
      }
      made = b;
      setBridge(b);
      onBridge?.(b);
      // The last session (IndexedDB) comes back instead of the sample; a
      // settings-only one (its pictures were not kept) still gets the sample.
      // Autosave starts after, so it never overwrites what is being restored.
      const restored = await session.restore();
      if (!live) return;
      history.reset();
      stopAutosave = session.start();
      if (b && sample && restored !== 'images' && store.getState().brackets.length === 0) {
        store.getState().begin('sample');
        try {
          await loadSample(store);
        } catch (err) {
          store.getState().report(`The sample set could not be loaded: ${String(err)}`);
        } finally {
          store.getState().end('sample');
        }
      }
    });
    return () => {
      live = false;
      stopAutosave?.();
      made?.dispose();
    };
  }, [store, sample, onBridge, history, session]);

  return (
    <AppContext.Provider value={{ store, bridge, history, session }}>
      <Frame canvasRef={canvasRef} />
    </AppContext.Provider>
  );
}
