// The frame scheduler: every change asks for a frame, and one animation frame
// coalesces them all (latest value wins: the changes are already in the
// pipeline, the frame just renders). Frames draft while edits move; once
// edits pause for SETTLE_MS, with no frame queued or rendering, one full
// render settles the picture (the full-size merge or fusion, local detail
// from the full-size filter), so the picture at rest matches the export.
// Nothing here knows the store or the engine: FrameHost does.

/** Quiet time after the last frame before the picture settles in full. */
export const SETTLE_MS = 300;

export interface FrameHost {
  /** Render one frame: a draft while edits move, in full for the settle. */
  render(draft: boolean): Promise<void>;
  /** Work the frame still waits for once the settle is armed (the statistics' read-back). */
  rendered?(): Promise<void> | void;
  /** Whether a full render would change the picture (pipeline.unsettled). */
  unsettled(): boolean;
  /** Ready the settle's full render; whether one is due (pipeline.settleDetail() or a draft shown). */
  prepareSettle(): boolean;
  /** Pending work for the app's busy state: a frame queued or rendering, a settle due. */
  begin(kind: 'frame' | 'settle'): void;
  end(kind: 'frame' | 'settle'): void;
  /** A frame failed (not called once disposed). */
  failed(err: unknown): void;
  /** After every frame, done or failed. */
  afterFrame?(): void;
}

/** The browser's clock, or a test's. Handles are opaque. */
export interface FrameClock {
  requestAnimationFrame(cb: () => void): unknown;
  cancelAnimationFrame(handle: unknown): void;
  setTimeout(cb: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Read the globals at call time, so that fake timers installed later are used. */
export const browserClock: FrameClock = {
  requestAnimationFrame: (cb) => globalThis.requestAnimationFrame(() => cb()),
  cancelAnimationFrame: (h) => globalThis.cancelAnimationFrame(h as number),
  setTimeout: (cb, ms) => globalThis.setTimeout(cb, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as number),
};

export class FrameScheduler {
  /** The animation frame asked for, not yet begun. */
  private queued: { handle: unknown } | null = null;
  /** Frames begun and not yet finished (rendering, or chained behind one rendering). */
  private inFlight = 0;
  /** The next frame renders in full (the settle), not a draft. */
  private full = false;
  private rendering: Promise<void> = Promise.resolve();
  /** frameSettled() callers waiting for the last frame. */
  private waiters: (() => void)[] = [];
  private settleTimer: { handle: unknown } | null = null;
  private settlePending: { promise: Promise<void>; resolve: () => void } | null = null;
  private disposed = false;

  constructor(
    private readonly host: FrameHost,
    private readonly clock: FrameClock = browserClock,
    private readonly settleMs = SETTLE_MS,
  ) {}

  /** Ask for a frame: one per animation frame however many changes come. */
  schedule(): void {
    if (this.queued || this.disposed) return;
    // A new frame comes: it re-arms the settle timer when it is done.
    this.clearSettleTimer();
    this.host.begin('frame');
    this.queued = { handle: this.clock.requestAnimationFrame(() => this.run()) };
  }

  /** Resolves when no frame is queued or rendering. */
  frameSettled(): Promise<void> {
    if (this.queued || this.inFlight) return new Promise<void>((r) => this.waiters.push(r));
    return this.rendering;
  }

  /** The settle to come (edits paused, the full render not yet asked for), if any. */
  get settling(): Promise<void> | null {
    return this.settlePending?.promise ?? null;
  }

  /** Resolves when no frame is queued or rendering and no settle is due: the full-size picture is up. */
  async pictureSettled(): Promise<void> {
    for (;;) {
      await this.frameSettled();
      const settling = this.settling;
      if (!settling) return;
      await settling;
    }
  }

  /** Drop the queued frame and the settle; release every waiter. The frame rendering, if any, finishes. */
  dispose(): void {
    this.disposed = true;
    this.clearSettleTimer();
    this.settleDone();
    if (this.queued) {
      // The frame never runs: its begin('frame') is closed here.
      this.clock.cancelAnimationFrame(this.queued.handle);
      this.host.end('frame');
    }
    this.queued = null;
    this.release();
  }

  private run(): void {
    this.queued = null;
    this.inFlight++;
    this.rendering = this.rendering
      .then(async () => {
        const draft = !this.full;
        this.full = false;
        await this.host.render(draft);
        this.armSettle();
        await this.host.rendered?.();
      })
      .catch((err: unknown) => {
        if (!this.disposed) this.host.failed(err);
      })
      .finally(() => {
        this.inFlight--;
        this.host.afterFrame?.();
        this.host.end('frame');
        if (!this.queued) this.release();
      });
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  private clearSettleTimer(): void {
    if (!this.settleTimer) return;
    this.clock.clearTimeout(this.settleTimer.handle);
    this.settleTimer = null;
  }

  private settleDone(): void {
    const pending = this.settlePending;
    if (!pending) return;
    this.settlePending = null;
    pending.resolve();
    this.host.end('settle');
  }

  /** After a frame: settle once edits pause, unless the picture is final already. */
  private armSettle(): void {
    this.clearSettleTimer();
    if (this.disposed || !this.host.unsettled()) {
      this.settleDone();
      return;
    }
    if (!this.settlePending) {
      // Pending work, as a frame is: the app reads busy until the picture is final.
      this.host.begin('settle');
      let resolve = () => {};
      const promise = new Promise<void>((r) => (resolve = r));
      this.settlePending = { promise, resolve };
    }
    this.settleTimer = {
      handle: this.clock.setTimeout(() => {
        this.settleTimer = null;
        // A frame still to come (an edit arrived as the last one finished) re-arms the settle when it is done:
        // a drag whose frames take longer than the settle time must not get a full-size render in the middle.
        if (!this.queued && !this.inFlight && this.host.prepareSettle()) {
          this.full = true;
          this.schedule();
        }
        this.settleDone();
      }, this.settleMs),
    };
  }
}
