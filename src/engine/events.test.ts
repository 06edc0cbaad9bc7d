// The emitter, and the pipeline's 'stats', 'fusedStats' and 'histogram' events on a real
// GPU (Dawn in Node, headless: no present), which the bridge listens to
// instead of polling pipeline.debug.runs.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { nodeGpu } from '../cli/gpu';
import { Emitter } from './events';
import { createEngine, defaultParams, type Bracket, type Engine } from './index';
import { fusedStats } from './luminance/reference/stats';

describe('Emitter', () => {
  type Events = { ping: undefined; value: number };

  it('calls each listener of a type in order, with the payload; off() stops one', () => {
    const e = new Emitter<Events>();
    const calls: string[] = [];
    const offA = e.on('value', (v) => calls.push(`a${v}`));
    e.on('value', (v) => calls.push(`b${v}`));
    e.on('ping', () => calls.push('ping'));
    e.emit('value', 1);
    offA();
    e.emit('value', 2);
    e.emit('ping');
    expect(calls).toEqual(['a1', 'b1', 'b2', 'ping']);
    expect(e.count('value')).toBe(1);
    expect(e.count()).toBe(2);
  });

  it('a listener that throws does not stop the others or the caller; its error surfaces on its own', async () => {
    const e = new Emitter<Events>();
    const after = vi.fn();
    e.on('ping', () => {
      throw new Error('listener broke');
    });
    e.on('ping', after);
    const errors: unknown[] = [];
    const onError = (err: unknown) => errors.push(err);
    // Vitest reports uncaught errors: catch this one here for the test.
    const prev = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', onError);
    try {
      expect(() => e.emit('ping')).not.toThrow();
      expect(after).toHaveBeenCalledOnce();
      await new Promise((r) => setTimeout(r, 0));
    } finally {
      process.removeListener('uncaughtException', onError);
      prev.forEach((l) => process.on('uncaughtException', l));
    }
    expect(errors).toEqual([new Error('listener broke')]);
  });

  it('a listener added during an emit is not called by it', () => {
    const e = new Emitter<Events>();
    const late = vi.fn();
    e.on('ping', () => e.on('ping', late));
    e.emit('ping');
    expect(late).not.toHaveBeenCalled();
    e.emit('ping');
    expect(late).toHaveBeenCalledOnce();
  });
});

const found = await nodeGpu().then(
  (g) => ({ gpu: g.gpu, reason: '' }),
  (err: unknown) => ({ gpu: null, reason: err instanceof Error ? err.message : String(err) }),
);
// Skip where no adapter can be had, but never in CI: there it must run.
const skip = !found.gpu && !process.env.CI;

/** Two 16×12 brackets, a ramp two stops apart. */
function brackets(): Bracket[] {
  const [w, h] = [16, 12];
  return [1, 4].map((exposure) => {
    const pixels = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) {
      const v = Math.min(255, Math.round(((i % w) / w) * 64 * exposure));
      pixels.set([v, v, v, 255], i * 4);
    }
    return { width: w, height: h, pixels, exposure };
  });
}

describe.skipIf(skip)(`pipeline events${skip ? ` (skipped: no WebGPU adapter: ${found.reason})` : ''}`, { timeout: 60_000 }, () => {
  let engine: Engine;
  const seen: string[] = [];

  beforeAll(async () => {
    if (!found.gpu) throw new Error(`No WebGPU adapter in Node (required in CI): ${found.reason}`);
    engine = await createEngine({ gpu: found.gpu });
    engine.pipeline.events.on('stats', () => seen.push('stats'));
    engine.pipeline.events.on('histogram', () => seen.push('histogram'));
    engine.pipeline.events.on('fusedStats', () => seen.push('fusedStats'));
    engine.pipeline.setMode('merge');
    engine.pipeline.setViewport(8, 6);
  }, 120_000);
  afterAll(() => engine?.dispose());

  it('new brackets: stats and histogram, once the render is done', async () => {
    const { pipeline } = engine;
    pipeline.setBrackets(brackets());
    const runs = { ...pipeline.debug.runs };
    const render = pipeline.render();
    // Encoded already, not yet done: nothing said.
    expect(pipeline.debug.runs.luminance).toBe(runs.luminance + 1);
    expect(seen).toEqual([]);
    await render;
    expect(seen).toEqual(['stats', 'histogram']);
    const stats = await pipeline.readStats();
    expect(stats.logAvg).toBeGreaterThan(0);
  });

  it('a tone-map change: a histogram, no stats; nothing dirty: nothing', async () => {
    const { pipeline } = engine;
    seen.length = 0;
    pipeline.setParams({ ...defaultParams(), exposure: 1 });
    await pipeline.render();
    expect(seen).toEqual(['histogram']);
    seen.length = 0;
    await pipeline.render();
    expect(seen).toEqual([]);
  });

  it('new EVs re-merge: stats again', async () => {
    const { pipeline } = engine;
    seen.length = 0;
    pipeline.setExposures([1, 3]);
    await pipeline.render();
    expect(seen).toEqual(['stats', 'histogram']);
  });

  it('fusion mode: the fused image is measured after each full-size fusion (fusedStats), as reference/stats.ts fusedStats', async () => {
    const { pipeline } = engine;
    seen.length = 0;
    pipeline.setMode('fusion');
    await pipeline.render();
    expect(seen).toEqual(['fusedStats', 'histogram']);
    const ref = fusedStats(await pipeline.readFused());
    const got = await pipeline.readFusedStats();
    for (const k of ['logAvg', 'minL', 'maxL'] as const) expect(got[k], k).toBeCloseTo(ref[k], 5);
    // A finishing param: no new fusion, nothing measured.
    seen.length = 0;
    pipeline.setParams({ ...defaultParams(), exposure: 0.5 });
    await pipeline.render();
    expect(seen).toEqual(['histogram']);
    // A weight: fused and measured again.
    seen.length = 0;
    pipeline.setParams({ ...defaultParams(), exposure: 0.5, contrastWeight: 0.5 });
    await pipeline.render();
    expect(seen).toEqual(['fusedStats', 'histogram']);
    // Merge mode has no fused statistics to read.
    pipeline.setMode('merge');
    await expect(pipeline.readFusedStats()).rejects.toThrow(/fusion mode/);
  });
});
