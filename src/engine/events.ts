// A tiny typed event emitter: the engine tells its host what changed (new
// luminance statistics, a new histogram) instead of the host polling the
// pipeline's test counters.

/** The pipeline's events; each fires once a render() that produced it has finished on the GPU. */
export interface PipelineEvents {
  /** The luminance reduction ran: readStats() has new statistics. */
  stats: undefined;
  /** The fused image's statistics were taken (fusion mode): readFusedStats() has new ones. */
  fusedStats: undefined;
  /** The histogram pass ran: latestHistogram() has new counts. */
  histogram: undefined;
}

type Args<T> = T extends undefined ? [] : [payload: T];
type Listener<T> = (...args: Args<T>) => void;

export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  /** Listen to one event type; returns the unsubscribe function. */
  on<K extends keyof Events>(type: K, fn: Listener<Events[K]>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    const entry = fn as Listener<never>;
    set.add(entry);
    return () => void set.delete(entry);
  }

  /**
   * Call every listener of `type`, in the order they were added. A listener
   * that throws does not stop the others or the emitter's caller: its error
   * is rethrown on its own, as an uncaught error.
   */
  emit<K extends keyof Events>(type: K, ...args: Args<Events[K]>): void {
    const set = this.listeners.get(type);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        (fn as (...a: Args<Events[K]>) => void)(...args);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** Listeners of `type` (all types when omitted). */
  count(type?: keyof Events): number {
    if (type !== undefined) return this.listeners.get(type)?.size ?? 0;
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}
