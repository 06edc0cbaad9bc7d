// Feed the store to one engine: the subscription table, the frame scheduler,
// the alignment job, and the engine's events (new statistics, a new
// histogram) back into the store.
import { EngineInputError, type Engine } from '../engine';
import { dynamicRangeEv } from '../engine/histogram/histogram';
import { autoFusionLook, autoLook } from '../engine/tonemap/auto-look';
import { exposureFromEv } from '../io/exposure';
import { activeResponse, type BracketEntry, type EditStore, type RadianceEntry } from '../state/store';
import { AlignJob } from './align-job';
import { deviceHostBytes } from '../engine/graph/fits';
import { FrameScheduler, type FrameClock } from './frames';
import { subscribeRows } from './subscriptions';

/** Engine exposures for sorted brackets: 2^EV, normalised to the middle bracket. */
export function relativeExposures(brackets: readonly Pick<BracketEntry, 'ev'>[]): number[] {
  const mid = brackets[Math.floor(brackets.length / 2)]?.ev ?? 0;
  return brackets.map((b) => exposureFromEv(b.ev - mid));
}

const MERGE_STEPS = ['Fusing exposures on the GPU', 'Merging on the GPU'];

export interface Attached {
  readonly engine: Engine;
  settled(): Promise<void>;
  /** Unsubscribe from the store, drop queued work, and dispose of the engine. */
  detach(): void;
}

export function attach(store: EditStore, engine: Engine, clock?: FrameClock): Attached {
  const { setGpu, report, begin, end, setProgress } = store.getState();
  const { maxTextureDimension2D, maxBufferSize, maxStorageBufferBindingSize } = engine.gpu.device.limits;
  setGpu({ state: 'ready', adapter: engine.gpu.adapterInfo, maxDimension: maxTextureDimension2D, limits: { maxTextureDimension2D, maxBufferSize, maxStorageBufferBindingSize } });
  const { pipeline } = engine;
  pipeline.setHostBudget(deviceHostBytes());
  /** Detached: from a lost device, or the app going away. */
  let disposed = false;
  /** A merge is queued: show it as a step, since it can take seconds on big sets. */
  let merging = false;
  /** The read-back of statistics a render produced: the frame that rendered them waits for it. */
  let stats: Promise<void> | null = null;

  const offEvents = [
    pipeline.events.on('stats', () => {
      const job = pipeline.readStats().then((s) => store.getState().setScene({ ...store.getState().scene, rangeEv: dynamicRangeEv(s), autoLook: autoLook(s) }));
      // A render outside the frames (an export) has no frame to report a failure.
      job.catch(() => undefined);
      stats = job;
    }),
    pipeline.events.on('fusedStats', () => {
      const job = pipeline.readFusedStats().then((s) => store.getState().setScene({ ...store.getState().scene, fusionLook: autoFusionLook(s) }));
      job.catch(() => undefined);
      stats = job;
    }),
    // Not awaited: the histogram reaches the editor a moment later, the next frame need not wait for it.
    pipeline.events.on(
      'histogram',
      () =>
        void pipeline.latestHistogram().then(
          (h) => store.getState().setHistogram(h),
          () => undefined,
        ),
    ),
  ];

  /**
   * Frames draft (pipeline.render({ draft: true })): a new set, or a drag of
   * a fusion weight or an exposure, is shown first from the canvas-sized
   * proxy set, and local detail at fit runs on the preview. Once edits
   * pause the picture settles: the full-size merge or fusion, and local
   * detail from the full-size filter (pipeline.settleDetail()), so the
   * picture at rest matches the export. settled() waits for it.
   */
  const frames = new FrameScheduler(
    {
      render: (draft) => {
        stats = null;
        return pipeline.render({ draft });
      },
      rendered: () => stats ?? undefined,
      unsettled: () => pipeline.unsettled,
      prepareSettle: () => {
        const detail = pipeline.settleDetail();
        return detail || pipeline.drafted;
      },
      begin,
      end,
      // A lost device fails the frame in flight: connect() restarts it, nothing to report here.
      failed: (err) => {
        if (!disposed) report(`Rendering failed: ${String(err)}`);
      },
      afterFrame: () => {
        if (!merging) return;
        merging = false;
        if (MERGE_STEPS.includes(store.getState().progress?.step ?? '')) setProgress(null);
      },
    },
    clock,
  );
  const schedule = () => frames.schedule();
  const aligner = new AlignJob(store, pipeline, { pictureSettled: () => frames.pictureSettled(), schedule });

  /** The align switch: the warp on or off (no new estimate when one exists), or a first estimate. */
  const applyAlign = (on: boolean) => {
    pipeline.setAlign(on);
    const result = pipeline.alignmentResult;
    const current = store.getState().alignment;
    if (result && current?.state === 'done') store.getState().setAlignment({ ...current, applied: pipeline.aligned });
    else if (on && !aligner.running) aligner.start();
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
    if (!sameImages) aligner.start();
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

  const unsubscribe = subscribeRows(store, { pipeline, schedule, align: applyAlign, response: applyResponse, brackets: applyBrackets, radiance: applyRadiance });

  return {
    engine,
    async settled() {
      for (;;) {
        await frames.frameSettled();
        const aligning = aligner.running;
        const settling = frames.settling;
        if (aligning) await aligning;
        else if (settling) await settling;
        else return;
      }
    },
    detach() {
      disposed = true;
      aligner.abort();
      unsubscribe();
      offEvents.forEach((off) => off());
      frames.dispose();
      engine.dispose();
    },
  };
}
