// The only module that knows both the store and the engine. It feeds store
// changes to the pipeline and coalesces them into one render per animation
// frame (latest value wins); no React render sits in this path. The parts:
// subscriptions.ts (store slice → engine setter), frames.ts (frame
// scheduling and the settle), align-job.ts (the alignment estimate) and
// attach.ts (the three for one engine); here, connect() and the restart
// after a lost device.
import { createEngine, GpuUnavailableError, type Engine } from '../engine';
import type { EditStore } from '../state/store';
import { attach, type Attached } from './attach';

export { relativeExposures } from './attach';
export { alignmentReport } from './align-job';

export interface Bridge {
  readonly engine: Engine;
  /** Resolves once every change made so far is on the canvas. */
  settled(): Promise<void>;
  dispose(): void;
}

/** Device losses within one session after which the app stops restarting the GPU and asks for a reload. */
const MAX_RESTARTS = 3;

export async function connect(store: EditStore, canvas: HTMLCanvasElement): Promise<Bridge | null> {
  const { setGpu, report } = store.getState();
  const start = async (): Promise<Engine | null> => {
    try {
      return await createEngine({ canvas });
    } catch (err) {
      const message = err instanceof GpuUnavailableError ? err.message : `WebGPU could not start: ${String(err)}`;
      setGpu({ state: 'unavailable', message });
      return null;
    }
  };
  const first = await start();
  if (!first) return null;
  let current = attach(store, first);
  let disposed = false;
  let restarting: Promise<void> | null = null;
  let restarts = 0;

  /**
   * A lost device (driver reset, GPU process crash, device.destroy() in a
   * test) takes every texture with it, but the store still holds the decoded
   * brackets and the whole edit: start a new device on the same canvas and
   * feed it the store again, which re-uploads, re-merges and shows the same
   * picture with the same settings, no reload.
   */
  const watch = (attached: Attached) => {
    void attached.engine.lost.then((info) => {
      if (disposed || attached !== current) return;
      attached.detach();
      const reason = info.message || info.reason;
      if (++restarts > MAX_RESTARTS) {
        report(`The GPU device was lost again (${reason}). Reload the page to continue; your edit is saved.`);
        setGpu({ state: 'unavailable', message: 'GPU device lost.' });
        return;
      }
      setGpu({ state: 'starting' });
      const job = (async () => {
        const engine = await start();
        if (!engine) {
          report(`The GPU device was lost (${reason}) and could not be restarted. Reload the page to continue; your edit is saved.`);
          return;
        }
        if (disposed) {
          engine.dispose();
          return;
        }
        current = attach(store, engine);
        watch(current);
        report(`The GPU device was lost (${reason}) and has been restarted: the pictures and settings are as they were.`, 'warning');
      })();
      restarting = job;
      void job.finally(() => {
        if (restarting === job) restarting = null;
      });
    });
  };
  watch(current);

  return {
    get engine() {
      return current.engine;
    },
    async settled() {
      for (;;) {
        if (restarting) await restarting;
        await current.settled();
        if (!restarting) return;
      }
    },
    dispose() {
      disposed = true;
      current.detach();
    },
  };
}
