import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FrameScheduler, SETTLE_MS, type FrameClock, type FrameHost } from './frames';

const FRAME_MS = 16;

/** An animation frame every FRAME_MS on the fake clock. */
const clock: FrameClock = {
  requestAnimationFrame: (cb) => setTimeout(cb, FRAME_MS),
  cancelAnimationFrame: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * A host whose renders take renderMs of fake time and leave a draft (unsettled)
 * until a full render; records every render and the pending counts.
 */
function fakeHost(renderMs = 5) {
  const state = { renderMs, drafted: false, unsettledDetail: false };
  const renders: { draft: boolean; start: number; end: number }[] = [];
  const pending = { frame: 0, settle: 0 };
  const host = {
    render: vi.fn(async (draft: boolean) => {
      const start = Date.now();
      await new Promise((r) => setTimeout(r, state.renderMs));
      state.drafted = draft;
      renders.push({ draft, start, end: Date.now() });
    }),
    unsettled: () => state.drafted || state.unsettledDetail,
    prepareSettle: vi.fn(() => {
      const detail = state.unsettledDetail;
      state.unsettledDetail = false;
      return detail || state.drafted;
    }),
    begin: (kind: 'frame' | 'settle') => void pending[kind]++,
    end: (kind: 'frame' | 'settle') => void pending[kind]--,
    failed: vi.fn(),
    afterFrame: vi.fn(),
  } satisfies FrameHost;
  return { host, state, renders, pending };
}

/** Track a promise's settlement without awaiting it. */
function track(p: Promise<unknown>) {
  const t = { done: false };
  void p.then(() => (t.done = true));
  return t;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('FrameScheduler', () => {
  it('coalesces ten changes in one animation frame into one render', async () => {
    const { host, renders } = fakeHost();
    const frames = new FrameScheduler(host, clock);
    for (let i = 0; i < 10; i++) frames.schedule();
    await vi.advanceTimersByTimeAsync(FRAME_MS + 10);
    expect(host.render).toHaveBeenCalledTimes(1);
    expect(renders[0]!.draft).toBe(true);
    expect(host.afterFrame).toHaveBeenCalledTimes(1);
  });

  it('renders nothing before the animation frame, and a change in the next frame renders again', async () => {
    const { host } = fakeHost();
    const frames = new FrameScheduler(host, clock);
    frames.schedule();
    await vi.advanceTimersByTimeAsync(FRAME_MS - 1);
    expect(host.render).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(10);
    frames.schedule();
    await vi.advanceTimersByTimeAsync(FRAME_MS + 10);
    expect(host.render).toHaveBeenCalledTimes(2);
  });

  it('settles in full once edits pause for the settle time, not before', async () => {
    const { host, renders, pending } = fakeHost();
    const frames = new FrameScheduler(host, clock);
    frames.schedule();
    await vi.advanceTimersByTimeAsync(FRAME_MS + 5);
    expect(renders).toHaveLength(1);
    expect(pending.settle).toBe(1);
    await vi.advanceTimersByTimeAsync(SETTLE_MS - 1);
    expect(host.prepareSettle).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1 + FRAME_MS + 5);
    expect(host.prepareSettle).toHaveBeenCalledTimes(1);
    expect(renders.map((r) => r.draft)).toEqual([true, false]);
    // The full render left nothing unsettled: no second settle.
    await vi.advanceTimersByTimeAsync(SETTLE_MS * 3);
    expect(renders).toHaveLength(2);
    expect(pending).toEqual({ frame: 0, settle: 0 });
  });

  it('a drag keeps drafting: each change postpones the settle', async () => {
    const { host, renders } = fakeHost();
    const frames = new FrameScheduler(host, clock);
    for (let i = 0; i < 20; i++) {
      frames.schedule();
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(renders.every((r) => r.draft)).toBe(true);
    expect(host.prepareSettle).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(SETTLE_MS + FRAME_MS + 10);
    expect(renders.at(-1)!.draft).toBe(false);
    expect(renders.filter((r) => !r.draft)).toHaveLength(1);
  });

  it('a settle never fires while a frame is in flight', async () => {
    // Frames slower than the settle time: the settle's timer runs out during the next frame.
    const { host, renders } = fakeHost(SETTLE_MS * 3);
    const frames = new FrameScheduler(host, clock);
    frames.schedule();
    await vi.advanceTimersByTimeAsync(FRAME_MS + 10);
    // An edit while the first frame renders: a second frame queues behind it.
    frames.schedule();
    await vi.advanceTimersByTimeAsync(SETTLE_MS * 3);
    expect(renders).toHaveLength(1);
    // The second frame is in flight for longer than the settle time armed after the first.
    await vi.advanceTimersByTimeAsync(SETTLE_MS * 2);
    expect(renders).toHaveLength(1);
    expect(host.prepareSettle).not.toHaveBeenCalled();
    // Once it is done the settle re-arms and renders in full.
    await vi.advanceTimersByTimeAsync(SETTLE_MS * 2 + SETTLE_MS + FRAME_MS + SETTLE_MS * 3);
    expect(renders.map((r) => r.draft)).toEqual([true, true, false]);
    expect(host.prepareSettle).toHaveBeenCalledTimes(1);
    // The full render started only after the last draft had finished, and a settle time later.
    expect(renders[2]!.start).toBeGreaterThanOrEqual(renders[1]!.end + SETTLE_MS);
  });

  it('pictureSettled() resolves only after the last change is rendered in full', async () => {
    const { host, renders } = fakeHost(50);
    const frames = new FrameScheduler(host, clock);
    frames.schedule();
    const first = track(frames.pictureSettled());
    await vi.advanceTimersByTimeAsync(FRAME_MS + 20);
    // A change while the first frame renders.
    frames.schedule();
    await vi.advanceTimersByTimeAsync(50);
    expect(renders).toHaveLength(1);
    expect(first.done).toBe(false);
    await vi.advanceTimersByTimeAsync(FRAME_MS + 50);
    expect(renders).toHaveLength(2);
    // Drafted: the settle is still due.
    expect(first.done).toBe(false);
    await vi.advanceTimersByTimeAsync(SETTLE_MS + FRAME_MS + 50 + 1);
    expect(renders.map((r) => r.draft)).toEqual([true, true, false]);
    expect(first.done).toBe(true);
  });

  it('frameSettled() waits for queued and rendering frames only; with nothing queued it resolves at once', async () => {
    const { host, state } = fakeHost(40);
    state.drafted = false;
    const frames = new FrameScheduler(host, clock);
    const idle = track(frames.frameSettled());
    await vi.advanceTimersByTimeAsync(0);
    expect(idle.done).toBe(true);
    frames.schedule();
    const busy = track(frames.frameSettled());
    await vi.advanceTimersByTimeAsync(FRAME_MS + 39);
    expect(busy.done).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    expect(busy.done).toBe(true);
  });

  it('a settled picture (nothing drafted, detail settled) arms no settle', async () => {
    const { host, state, pending } = fakeHost();
    host.render.mockImplementation(async () => {
      state.drafted = false;
    });
    const frames = new FrameScheduler(host, clock);
    frames.schedule();
    await vi.advanceTimersByTimeAsync(FRAME_MS);
    expect(frames.settling).toBeNull();
    expect(pending).toEqual({ frame: 0, settle: 0 });
    await vi.advanceTimersByTimeAsync(SETTLE_MS * 2);
    expect(host.prepareSettle).not.toHaveBeenCalled();
  });

  it('waits for rendered() before the frame counts as done', async () => {
    const { host } = fakeHost(10);
    let readback = false;
    const frames = new FrameScheduler({ ...host, rendered: () => new Promise<void>((r) => setTimeout(() => ((readback = true), r()), 100)) }, clock);
    frames.schedule();
    const done = track(frames.frameSettled());
    await vi.advanceTimersByTimeAsync(FRAME_MS + 10 + 99);
    expect(done.done).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    expect(readback).toBe(true);
    expect(done.done).toBe(true);
  });

  it('a failed frame is reported, closes its pending count and releases waiters', async () => {
    const { host, pending } = fakeHost();
    host.render.mockRejectedValueOnce(new Error('device lost'));
    const frames = new FrameScheduler(host, clock);
    frames.schedule();
    const done = track(frames.frameSettled());
    await vi.advanceTimersByTimeAsync(FRAME_MS);
    expect(host.failed).toHaveBeenCalledWith(new Error('device lost'));
    expect(done.done).toBe(true);
    expect(pending.frame).toBe(0);
    // The scheduler keeps going.
    frames.schedule();
    await vi.advanceTimersByTimeAsync(FRAME_MS + 10);
    expect(host.render).toHaveBeenCalledTimes(2);
  });

  it('dispose() drops the queued frame and the settle, and releases waiters', async () => {
    const { host, pending } = fakeHost();
    const frames = new FrameScheduler(host, clock);
    frames.schedule();
    await vi.advanceTimersByTimeAsync(FRAME_MS + 10);
    expect(pending.settle).toBe(1);
    frames.schedule();
    const done = track(frames.pictureSettled());
    frames.dispose();
    await vi.advanceTimersByTimeAsync(SETTLE_MS * 3);
    expect(host.render).toHaveBeenCalledTimes(1);
    expect(done.done).toBe(true);
    expect(pending).toEqual({ frame: 0, settle: 0 });
    frames.schedule();
    await vi.advanceTimersByTimeAsync(FRAME_MS * 3);
    expect(host.render).toHaveBeenCalledTimes(1);
  });
});
