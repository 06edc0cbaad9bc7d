import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { createEditStore } from './state/store';
import type { Bridge } from './bridge';
import * as engine from './engine';
import { registerOfflineWorker } from './sw/register';
import './ui/app.css';

const store = createEditStore();
const params = new URLSearchParams(location.search);

// Stable handle for tests and users' own automation (see README), only on a
// page opened with ?automation in its URL.
const hooks: { store: typeof store; bridge: Bridge | null; engine: typeof engine } = { store, bridge: null, engine };
if (params.has('automation')) (window as unknown as { __hdr: typeof hooks }).__hdr = hooks;

createRoot(document.getElementById('root')!).render(<App store={store} sample={params.get('sample') !== '0'} onBridge={(b) => (hooks.bridge = b)} />);

// Production builds keep working offline after the first visit (build/offline.ts).
registerOfflineWorker();
