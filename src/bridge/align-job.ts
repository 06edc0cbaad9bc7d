// The alignment job: estimate the brackets' motion once the first (unaligned)
// picture is up at full size, then render again through the warp. A new set
// aborts the estimate in flight (AbortController); the store gets the report
// and how long the estimate took.
import type { Pipeline } from '../engine';
import type { AlignResult } from '../engine/align/align';
import type { AlignmentReport, EditStore } from '../state/store';

/** The store's view of an alignment estimate. */
export function alignmentReport(result: AlignResult, applied: boolean, ms: number): AlignmentReport {
  const rows = result.motions.map((m) => ({ tx: m.tx, ty: m.ty, rotation: m.rotation, scale: m.scale, method: m.method, confidence: m.confidence, reason: m.reason }));
  return { state: 'done', rows, crop: { ...result.crop }, applied, ms };
}

const isAbort = (err: unknown) => err instanceof DOMException && err.name === 'AbortError';

export interface AlignJobHost {
  /** Resolves when the full-size picture is up (after the draft and its settle). */
  pictureSettled(): Promise<void>;
  /** A frame is due: the warp changed what is shown. */
  schedule(): void;
  /** Milliseconds, for the report's timing (performance.now by default). */
  now?(): number;
}

export class AlignJob {
  private controller: AbortController | null = null;
  private job: Promise<void> | null = null;

  constructor(
    private readonly store: EditStore,
    private readonly pipeline: Pick<Pipeline, 'alignBrackets' | 'aligned'>,
    private readonly host: AlignJobHost,
  ) {}

  /** The estimate in flight, if any: settled() waits for it and the frame it brings. */
  get running(): Promise<void> | null {
    return this.job;
  }

  /**
   * Start an estimate for the store's brackets (with the switch on and two or
   * more brackets), aborting the one in flight. It waits for the full-size
   * picture: the estimate's seconds of GPU work would otherwise hold it back.
   */
  start(): void {
    const s = this.store.getState();
    if (!s.align || s.brackets.length < 2) return;
    this.controller?.abort();
    const ctl = (this.controller = new AbortController());
    const { signal } = ctl;
    s.setAlignment({ state: 'running' });
    s.begin('align');
    const now = this.host.now ?? (() => performance.now());
    const t0 = now();
    const job = this.host
      .pictureSettled()
      .then(() => {
        if (signal.aborted) throw new DOMException('alignment superseded', 'AbortError');
        return this.pipeline.alignBrackets(signal);
      })
      .then((result) => {
        if (signal.aborted) return;
        this.store.getState().setAlignment(result ? alignmentReport(result, this.pipeline.aligned, now() - t0) : null);
        this.host.schedule();
      })
      .catch((err: unknown) => {
        if (signal.aborted || isAbort(err)) return;
        this.store.getState().setAlignment({ state: 'failed', message: String(err) });
        this.store.getState().report(`Alignment failed (${String(err)}); the brackets are merged as shot.`, 'warning');
      })
      .finally(() => {
        this.store.getState().end('align');
        if (this.job === job) this.job = null;
      });
    this.job = job;
  }

  /** Abandon the estimate in flight (detach): its result is dropped. */
  abort(): void {
    this.controller?.abort();
  }
}
