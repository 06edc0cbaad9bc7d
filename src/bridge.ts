// The only module that knows both the store and the engine. It feeds store
// changes to the pipeline and coalesces them into one render per animation
// frame (latest value wins); no React render sits in this path.
import { createEngine, EngineInputError, GpuUnavailableError, type Engine } from './engine';
import type { AlignResult } from './engine/align';
import { dynamicRangeEv } from './engine/histogram';
import { exposureFromEv } from './io/exposure';
import { activeResponse, type AlignmentReport, type BracketEntry, type EditStore, type RadianceEntry } from './state/store';

/** Engine exposures for sorted brackets: 2^EV, normalised to the middle bracket. */
export function relativeExposures(brackets: readonly Pick<BracketEntry, 'ev'>[]): number[] {
  const mid = brackets[Math.floor(brackets.length / 2)]?.ev ?? 0;
  return brackets.map((b) => exposureFromEv(b.ev - mid));
}

const MERGE_STEPS = ['Fusing exposures on the GPU', 'Merging on the GPU'];

/** The store's view of an alignment estimate. */
export function alignmentReport(result: AlignResult, applied: boolean, ms: number): AlignmentReport {
  const rows = result.motions.map((m) => ({ tx: m.tx, ty: m.ty, rotation: m.rotation, scale: m.scale, method: m.method, confidence: m.confidence, reason: m.reason }));
  return { state: 'done', rows, crop: { ...result.crop }, applied, ms };
}

const isAbort = (err: unknown) => err instanceof DOMException && err.name === 'AbortError';

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

interface Attached {
  readonly engine: Engine;
  settled(): Promise<void>;
  /** Unsubscribe from the store, drop queued work, and dispose of the engine. */
  detach(): void;
}

/** Feed the store to one engine: subscriptions, frame scheduling, alignment and the detail settle. */
function attach(store: EditStore, engine: Engine): Attached {
  const { setGpu, report, begin, end, setProgress } = store.getState();
  setGpu({ state: 'ready', adapter: engine.gpu.adapterInfo, maxDimension: engine.gpu.device.limits.maxTextureDimension2D });
  const { pipeline } = engine;
  /** Detached: from a lost device, or the app going away. */
  let disposed = false;

  let frame = 0;
  /** Frames queued behind the one rendering, or rendering: the settle waits for them. */
  let inFlight = 0;
  /** The next frame renders in full (the settle), not a draft. */
  let full = false;
  let rendering: Promise<void> = Promise.resolve();
  let waiters: (() => void)[] = [];
  /** A merge is queued: show it as a step, since it can take seconds on big sets. */
  let merging = false;

  /**
   * Frames draft (pipeline.render({ draft: true })): a new set, or a drag of
   * a fusion weight or an exposure, is shown first from the canvas-sized
   * proxy set, and local detail at fit runs on the preview. Once edits
   * pause the picture settles: the full-size merge or fusion, and local
   * detail from the full-size filter (pipeline.settleDetail()), so the
   * picture at rest matches the export. settled() waits for it.
   */
  let settleTimer = 0;
  let settling: { promise: Promise<void>; resolve: () => void } | null = null;
  const SETTLE_MS = 300;
  const settleDone = () => {
    if (!settling) return;
    settling.resolve();
    settling = null;
    end('settle');
  };
  const armSettle = () => {
    clearTimeout(settleTimer);
    if (disposed || !pipeline.unsettled) {
      settleDone();
      return;
    }
    if (!settling) {
      // Pending work, as a frame is: the app reads busy until the picture is final.
      begin('settle');
      let resolve = () => {};
      const promise = new Promise<void>((r) => (resolve = r));
      settling = { promise, resolve };
    }
    settleTimer = window.setTimeout(() => {
      settleTimer = 0;
      // A frame still to come (an edit arrived as the last one finished) re-arms the settle when it is done:
      // a drag whose frames take longer than SETTLE_MS must not get a full-size render in the middle.
      if (!frame && !inFlight) {
        const detail = pipeline.settleDetail();
        if (detail || pipeline.drafted) {
          full = true;
          schedule();
        }
      }
      settleDone();
    }, SETTLE_MS);
  };

  const schedule = () => {
    if (frame || disposed) return;
    // A new frame comes: it re-arms the settle timer when it is done.
    clearTimeout(settleTimer);
    begin('frame');
    frame = requestAnimationFrame(() => {
      frame = 0;
      inFlight++;
      rendering = rendering
        .then(async () => {
          const reduced = pipeline.debug.runs.luminance;
          const counted = pipeline.debug.runs.histogram;
          const draft = !full;
          full = false;
          await pipeline.render({ draft });
          armSettle();
          if (pipeline.debug.runs.luminance !== reduced) {
            const stats = await pipeline.readStats();
            store.getState().setScene({ rangeEv: dynamicRangeEv(stats) });
          }
          // Not awaited: the histogram reaches the editor a moment later, the next frame need not wait for it.
          if (pipeline.debug.runs.histogram !== counted) {
            void pipeline.latestHistogram().then((h) => store.getState().setHistogram(h), () => undefined);
          }
        })
        // A lost device fails the frame in flight: connect() restarts it, nothing to report here.
        .catch((err: unknown) => {
          if (!disposed) report(`Rendering failed: ${String(err)}`);
        })
        .finally(() => {
          inFlight--;
          if (merging) {
            merging = false;
            if (MERGE_STEPS.includes(store.getState().progress?.step ?? '')) setProgress(null);
          }
          end('frame');
          if (!frame) {
            const w = waiters;
            waiters = [];
            w.forEach((f) => f());
          }
        });
    });
  };

  /** Resolves when no frame is queued or rendering. */
  const frameSettled = () => (frame || store.getState().pending.frame ? new Promise<void>((r) => waiters.push(r)) : rendering);

  /** Resolves when no frame is queued or rendering and no settle is due: the full-size picture is up. */
  const pictureSettled = async () => {
    for (;;) {
      await frameSettled();
      if (settling) await settling.promise;
      else return;
    }
  };

  /** The alignment estimate in flight, if any: settled() waits for it and the frame it brings. */
  let aligning: Promise<void> | null = null;
  let alignAbort: AbortController | null = null;

  /**
   * Estimate the brackets' motion once the first (unaligned) picture is up at
   * full size (after the draft and its settle: the estimate's seconds of GPU
   * work would otherwise hold the full-size picture back), then render again
   * through the warp if anything moved. A new set abandons an estimate in flight.
   */
  const align = () => {
    const s = store.getState();
    if (!s.align || s.brackets.length < 2) return;
    alignAbort?.abort();
    const ctl = (alignAbort = new AbortController());
    s.setAlignment({ state: 'running' });
    begin('align');
    const t0 = performance.now();
    const job = pictureSettled()
      .then(() => {
        if (ctl.signal.aborted) throw new DOMException('alignment superseded', 'AbortError');
        return pipeline.alignBrackets(ctl.signal);
      })
      .then((result) => {
        if (ctl.signal.aborted) return;
        store.getState().setAlignment(result ? alignmentReport(result, pipeline.aligned, performance.now() - t0) : null);
        schedule();
      })
      .catch((err: unknown) => {
        if (ctl.signal.aborted || isAbort(err)) return;
        store.getState().setAlignment({ state: 'failed', message: String(err) });
        report(`Alignment failed (${String(err)}); the brackets are merged as shot.`, 'warning');
      })
      .finally(() => {
        end('align');
        if (aligning === job) aligning = null;
      });
    aligning = job;
  };

  /** The align switch: the warp on or off (no new estimate when one exists), or a first estimate. */
  const applyAlign = (on: boolean) => {
    pipeline.setAlign(on);
    const result = pipeline.alignmentResult;
    const current = store.getState().alignment;
    if (result && current?.state === 'done') store.getState().setAlignment({ ...current, applied: pipeline.aligned });
    else if (on && !aligning) align();
    schedule();
  };

  const applyBrackets = (brackets: readonly BracketEntry[], prev: readonly BracketEntry[]) => {
    if (brackets.length === 0) return;
    const exposures = relativeExposures(brackets);
    const sameImages = brackets.length === prev.length && brackets.every((b, i) => b.pixels === prev[i]?.pixels);
    try {
      if (sameImages) pipeline.setExposures(exposures);
      else pipeline.setBrackets(brackets.map((b, i) => ({ width: b.width, height: b.height, pixels: b.pixels, exposure: exposures[i]! })));
    } catch (err) {
      report(err instanceof EngineInputError ? err.message : `Could not use these images: ${String(err)}`);
      return;
    }
    merging = true;
    setProgress({ step: MERGE_STEPS[store.getState().mode === 'fusion' ? 0 : 1]!, done: 0, total: 1 });
    schedule();
    if (!sameImages) align();
  };

  /** A radiance map from a file: into the engine as the merge's result (the store has forced merge mode). */
  const applyRadiance = (radiance: RadianceEntry | null) => {
    if (!radiance) return;
    try {
      pipeline.setRadiance(radiance.image);
    } catch (err) {
      report(err instanceof EngineInputError ? err.message : `Could not use this radiance map: ${String(err)}`);
      return;
    }
    schedule();
  };

  /** A new camera response re-merges (no re-upload); fusion ignores it until merge mode needs the radiance. */
  const applyResponse = (luts: ReturnType<typeof activeResponse>) => {
    // null: 'recovered' waits for its curves; the merge keeps the current ones meanwhile.
    if (!luts) return;
    pipeline.setResponse(luts);
    if (store.getState().mode === 'merge' && store.getState().brackets.length > 0) {
      merging = true;
      setProgress({ step: MERGE_STEPS[1]!, done: 0, total: 1 });
    }
    schedule();
  };

  const unsubs = [
    store.subscribe((s) => s.mode, (m) => (pipeline.setMode(m), schedule()), { fireImmediately: true }),
    store.subscribe((s) => s.params, (p) => (pipeline.setParams(p), schedule()), { fireImmediately: true }),
    store.subscribe((s) => s.curves, (c) => (pipeline.setCurves(c), schedule()), { fireImmediately: true }),
    store.subscribe((s) => s.clipWarnings, (on) => (pipeline.setClipWarnings(on), schedule()), { fireImmediately: true }),
    store.subscribe((s) => s.ghostMask, (on) => (pipeline.setGhostMask(on), schedule()), { fireImmediately: true }),
    store.subscribe((s) => s.hdrDisplay, (on) => (pipeline.setHdrDisplay(on), schedule()), { fireImmediately: true }),
    store.subscribe((s) => s.align, applyAlign),
    store.subscribe((s) => s.viewport, (v) => (pipeline.setViewport(v.width, v.height), schedule()), { fireImmediately: true }),
    store.subscribe((s) => s.view, (v) => (pipeline.setView(v), schedule()), { fireImmediately: true }),
    store.subscribe(
      (s) => (s.compare ? s.split : null),
      (split) => (pipeline.setCompare(split), schedule()),
      { fireImmediately: true },
    ),
    store.subscribe(activeResponse, applyResponse, { fireImmediately: true }),
    store.subscribe((s) => s.brackets, applyBrackets),
    store.subscribe((s) => s.radiance, applyRadiance),
  ];
  pipeline.setAlign(store.getState().align);
  applyBrackets(store.getState().brackets, []);
  applyRadiance(store.getState().radiance);

  return {
    engine,
    async settled() {
      for (;;) {
        await frameSettled();
        if (aligning) await aligning;
        else if (settling) await settling.promise;
        else return;
      }
    },
    detach() {
      disposed = true;
      alignAbort?.abort();
      clearTimeout(settleTimer);
      settleDone();
      unsubs.forEach((u) => u());
      if (frame) {
        // The frame never runs: its begin('frame') is closed here.
        cancelAnimationFrame(frame);
        end('frame');
      }
      frame = 0;
      const w = waiters;
      waiters = [];
      w.forEach((f) => f());
      engine.dispose();
    },
  };
}
