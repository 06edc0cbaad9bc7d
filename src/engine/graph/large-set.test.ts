// A set processed tile by tile (graph/large-set.ts) against the same set on
// the whole-image graph, through the Pipeline on the real GPU path in Node: a
// budget set small enough sends a set that fits to the tiled path, so both
// run. Exports equal the untiled ones (PSNR ≥ 60 dB for merge + tone map,
// ≥ 50 dB for fusion and for local detail, issue 15) with no seam along the
// tile edges; the radiance read, the statistics reduced across tiles and the
// zoomed view agree; the size refusal is gone.
import { describe, expect, vi } from 'vitest';
import { gpuTest } from '../../../test/support/gpu';
import { compareImages, noSeam, sceneBrackets } from '../../../test/support/scenes';
import { Pipeline } from '../pipeline';
import { defaultParams, type Params } from '../params';
import { luminanceStats } from '../luminance/reference/stats';
import { isWide, type Bracket, type FloatImage, type Mode } from '../types';
import { proxyBrackets, proxyFactor, proxyRadiance, untiledBytesPerPixel, wholeImageFits } from './proxy';
import { TiledStats } from '../luminance/tiled-stats';
import { MergeRegion } from '../merge/merge-region';
import { TiledFusion } from '../fusion/tiled-fusion';
import type { Resources } from '../gpu/resources';

const [W, H] = [640, 448];
const MIB = 1024 ** 2;
/** Small enough that the 640×448 × 3 set goes the tiled way, with several tiles in every mode. */
const BUDGET = 24 * MIB;

/** 8-bit (or 16-bit) RGBA as floats 0..1, for compareImages. */
function asFloat(width: number, height: number, data: Uint8Array | Uint16Array): FloatImage {
  const max = data instanceof Uint16Array ? 65535 : 255;
  return { width, height, data: Float32Array.from(data, (v) => v / max) };
}

function pipelineOf(device: GPUDevice, set: readonly Bracket[], mode: Mode, params: Params, budget: number | null): Pipeline {
  const p = new Pipeline({ device });
  if (budget !== null) p.setGpuBudget(budget);
  p.setParams(params);
  p.setBrackets(set);
  p.setMode(mode);
  p.setViewport(320, 224);
  return p;
}

/** Inner tile edges of the plan the tiled export used. */
function edgesOf(p: Pipeline): { xs: number[]; ys: number[]; tiles: number } {
  const cores = p.debug.tiles();
  if (!cores) throw new Error('no tiled pass');
  const xs = [...new Set(cores.map((t) => t.x).filter((x) => x > 0))];
  const ys = [...new Set(cores.map((t) => t.y).filter((y) => y > 0))];
  return { xs, ys, tiles: cores.length };
}

describe('a set processed tile by tile equals the whole-image graph (Dawn in Node)', { timeout: 300_000 }, () => {
  const set = sceneBrackets(W, H, false, 5);
  const detailed: Params = { ...defaultParams(), detail: 0.6, range: 0.4 } as Params;

  gpuTest('the budget sends the set to the tiled path, with a proxy that fits it', ({ gpu }) => {
    const limits = gpu.device.limits;
    expect(wholeImageFits(W, H, 3, false, limits, null)).toBe(true);
    expect(wholeImageFits(W, H, 3, false, limits, BUDGET)).toBe(false);
    expect(W * H * untiledBytesPerPixel(3, false)).toBeGreaterThan(BUDGET);
    const k = proxyFactor(W, H, 3, false, limits, BUDGET);
    expect(k).toBe(2);
    const proxy = proxyBrackets(set, k);
    expect([proxy[0]!.width, proxy[0]!.height]).toEqual([W / 2, H / 2]);
    // Box average of the first block, per channel.
    const b = set[1]!.pixels;
    const mean = (c: number) => Math.round((b[c]! + b[4 + c]! + b[W * 4 + c]! + b[W * 4 + 4 + c]!) / 4);
    expect([0, 1, 2].map((c) => proxy[1]!.pixels[c])).toEqual([0, 1, 2].map(mean));
    // A 16384 × 12288 set on an 8192 texture limit: over the limit, so tiled, with a proxy within 4096.
    expect(wholeImageFits(16384, 12288, 5, false, { ...limits, maxTextureDimension2D: 8192 }, null)).toBe(false);
    expect(proxyFactor(16384, 12288, 5, false, { ...limits, maxTextureDimension2D: 8192 }, null)).toBe(4);
    expect(isWide(proxy[0]!.pixels)).toBe(false);
  });

  gpuTest.for([
    { mode: 'merge' as Mode, detail: false, min: 60 },
    { mode: 'merge' as Mode, detail: true, min: 50 },
    { mode: 'fusion' as Mode, detail: false, min: 50 },
    { mode: 'fusion' as Mode, detail: true, min: 50 },
  ])('$mode, local detail $detail: the tiled export ≥ $min dB, no seam', async ({ mode, detail, min }, { gpu }) => {
    const params = detail ? detailed : defaultParams();
    const whole = pipelineOf(gpu.device, set, mode, params, null);
    const tiled = pipelineOf(gpu.device, set, mode, params, BUDGET);
    try {
      expect(whole.debug.tiles()).toBeNull();
      for (const bits of [8, 16] as const) {
        const a = bits === 8 ? await whole.exportRgba8() : await whole.exportRgba16();
        const b = bits === 8 ? await tiled.exportRgba8() : await tiled.exportRgba16();
        const { xs, ys, tiles } = edgesOf(tiled);
        expect(tiles).toBeGreaterThan(1);
        expect([b.width, b.height]).toEqual([W, H]);
        const r = compareImages(asFloat(W, H, a.data), asFloat(W, H, b.data), xs, ys);
        console.log(`  ${mode}${detail ? ' + detail' : ''}, ${bits}-bit, ${tiles} tiles: PSNR ${r.psnr.toFixed(1)} dB, largest difference on tile edges ${r.seam.toExponential(2)}, elsewhere ${r.rest.toExponential(2)}`);
        expect(r.psnr, `${bits}-bit PSNR`).toBeGreaterThanOrEqual(min);
        expect(noSeam(r), `${bits}-bit: largest difference along tile edges ${r.seam}, elsewhere ${r.rest}`).toBe(true);
      }
    } finally {
      whole.dispose();
      tiled.dispose();
    }
  });

  gpuTest.for(['merge', 'fusion'] as Mode[])('%s with local detail: the GPU memory held over a render, a zoom and both exports stays within the budget', async (mode, { gpu }) => {
    // The largest budget that still tiles this set: with less, what the proxy holds leaves the tiles less than the
    // planner's floor (MIN_BUDGET_BYTES), which they get regardless.
    const budget = 28 * MIB;
    expect(wholeImageFits(W, H, set.length, false, gpu.device.limits, budget)).toBe(false);
    const p = pipelineOf(gpu.device, set, mode, detailed, budget);
    try {
      const res = (p as unknown as { res: Resources }).res;
      res.resetPeak();
      await p.render();
      p.setView({ zoom: 1, center: [0.3, 0.6] });
      await p.render();
      await p.exportRgba8();
      await p.exportRgba16();
      console.log(`  ${mode} + detail: peak ${(res.peakBytes / MIB).toFixed(1)} MiB of ${budget / MIB} MiB, ${p.debug.tiles()?.length} tiles`);
      expect(p.debug.tiles()!.length).toBeGreaterThan(1);
      expect(res.peakBytes).toBeLessThanOrEqual(budget);
    } finally {
      p.dispose();
    }
  });

  gpuTest('the radiance read and the statistics reduced across tiles', async ({ gpu }) => {
    const whole = pipelineOf(gpu.device, set, 'merge', defaultParams(), null);
    const tiled = pipelineOf(gpu.device, set, 'merge', defaultParams(), BUDGET);
    try {
      const a = await whole.readRadiance();
      const b = await tiled.readRadiance();
      // The merge reads one pixel of each bracket: a tile's pixels are the whole-image merge's.
      expect(compareImages(a, b).maxDiff).toBe(0);
      const sa = await whole.readStats();
      const sb = await tiled.readStats();
      const ref = luminanceStats(a);
      for (const key of ['logAvg', 'minL', 'maxL', 'meanR', 'meanG', 'meanB'] as const) {
        expect(sb[key], key).toBeCloseTo(ref[key], 5);
        expect(sb[key], key).toBeCloseTo(sa[key], 5);
      }
      const total = (h: Uint32Array) => h.reduce((s, v) => s + v, 0);
      expect(total(sb.histogram)).toBe(W * H);
      // The range's ends are f32 sums folded in a different order: a pixel on a bin edge may change bin
      // (each counts twice below); at most 1 pixel in 10 000 may, against the whole-image GPU histogram and the CPU's.
      for (const other of [sa.histogram, ref.histogram]) {
        let moved = 0;
        for (let i = 0; i < sb.histogram.length; i++) moved += Math.abs(sb.histogram[i]! - other[i]!);
        expect(moved).toBeLessThanOrEqual(2 * Math.ceil(W * H * 1e-4));
      }
    } finally {
      whole.dispose();
      tiled.dispose();
    }
  });

  gpuTest('the histogram is swept once per sweep of the statistics, and again after a change', async ({ gpu }) => {
    const tiled = pipelineOf(gpu.device, set, 'merge', defaultParams(), BUDGET);
    const sweeps = vi.spyOn(TiledStats.prototype, 'read');
    try {
      const a = await tiled.readStats();
      const b = await tiled.readStats();
      expect(sweeps).toHaveBeenCalledTimes(1);
      expect(b).toEqual(a);
      // Each reader gets its own histogram.
      b.histogram[0]! += 1;
      expect((await tiled.readStats()).histogram[0]).toBe(a.histogram[0]);
      // Twice the exposures: half the radiance, swept again.
      tiled.setExposures(set.map((s) => s.exposure * 2));
      const c = await tiled.readStats();
      expect(sweeps).toHaveBeenCalledTimes(2);
      expect(c.logAvg / a.logAvg).toBeCloseTo(0.5, 3);
    } finally {
      sweeps.mockRestore();
      tiled.dispose();
    }
  });

  gpuTest('the statistics sweep keeps the merge: the export, the histogram and the radiance merge no tile again', async ({ gpu }) => {
    const whole = pipelineOf(gpu.device, set, 'merge', defaultParams(), null);
    const tiled = pipelineOf(gpu.device, set, 'merge', defaultParams(), BUDGET);
    const merged = vi.spyOn(MergeRegion.prototype, 'produce');
    try {
      await tiled.render();
      const swept = merged.mock.calls.length;
      expect(swept).toBeGreaterThan(1);
      const a = await whole.exportRgba8();
      const b = await tiled.exportRgba8();
      await tiled.readStats();
      const radiance = await tiled.readRadiance();
      expect(merged).toHaveBeenCalledTimes(swept);
      expect(compareImages(asFloat(W, H, a.data), asFloat(W, H, b.data)).psnr).toBeGreaterThanOrEqual(60);
      expect(compareImages(await whole.readRadiance(), radiance).maxDiff).toBe(0);
      // Each reader gets its own copy (an encoder may take its buffer to a worker).
      radiance.data[0] = -1;
      expect((await tiled.readRadiance()).data[0]).not.toBe(-1);
      // New exposures: merged again, once.
      tiled.setExposures(set.map((s) => s.exposure * 2));
      await tiled.exportRgba8();
      await tiled.readRadiance();
      expect(merged).toHaveBeenCalledTimes(2 * swept);
    } finally {
      merged.mockRestore();
      whole.dispose();
      tiled.dispose();
    }
  });

  gpuTest("the statistics sweep gives the proxy graph its merge: the full-size merge box-averaged by k, the proxy's own never run", async ({ gpu }) => {
    const tiled = pipelineOf(gpu.device, set, 'merge', defaultParams(), BUDGET);
    try {
      const stats = vi.fn();
      tiled.events.on('stats', stats);
      await tiled.render();
      // Neither runs on the proxy; the statistics are the full-size set's, and said so.
      expect(tiled.debug.runs.merge).toBe(0);
      expect(tiled.debug.runs.luminance).toBe(0);
      expect(stats).toHaveBeenCalledTimes(1);
      const proxyStats = (tiled as unknown as { full: { luminance: { stats: GPUBuffer } } }).full.luminance.stats;
      const swept = await tiled.readStats();
      const head = new Float32Array(await gpu.readBuffer(proxyStats, 48));
      expect([head[0], head[1], head[2]]).toEqual([Math.fround(swept.logAvg), Math.fround(swept.minL), Math.fround(swept.maxL)]);
      const k = proxyFactor(W, H, set.length, false, gpu.device.limits, BUDGET);
      // The proxy graph's radiance texture, against the CPU reference over the full-size merge.
      const proxy = (tiled as unknown as { full: { radiance: GPUTexture } }).full.radiance;
      const got = new Float32Array(await gpu.readTexture(proxy, 16));
      const want = proxyRadiance(await tiled.readRadiance(), k).data;
      expect(got.length).toBe(want.length);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(1e-3, Math.abs(want[i]!)));
      expect(worst).toBeLessThan(1e-5);
      // New exposures: the next full render sweeps again and gives it again; a draft runs its own.
      tiled.setExposures(set.map((s) => s.exposure * 2));
      await tiled.render();
      expect(tiled.debug.runs.merge).toBe(0);
      expect(stats).toHaveBeenCalledTimes(2);
    } finally {
      tiled.dispose();
    }
  });

  gpuTest('fusion of a set within the texture limit settles at full size: given to the proxy graph, kept for the export', async ({ gpu }) => {
    const tiled = pipelineOf(gpu.device, set, 'fusion', defaultParams(), BUDGET);
    const produced = vi.spyOn(TiledFusion.prototype, 'produce');
    try {
      const internals = tiled as unknown as { full: { fusion: { result: GPUTexture } }; large: { tiled: { source(mode: Mode): { prepare(): Promise<void>; produce(r: object): Promise<GPUTexture> } } } };
      const k = proxyFactor(W, H, set.length, false, gpu.device.limits, BUDGET);
      /** The proxy graph's fusion against the full-size fusion box-averaged by k (proxyRadiance, the CPU reference). */
      const proxyError = async () => {
        const source = internals.large.tiled.source('fusion');
        await source.prepare();
        const whole = await source.produce({ x: 0, y: 0, width: W, height: H });
        const fusedFull = { width: W, height: H, data: new Float32Array(await gpu.readTexture(whole, 16)) };
        gpu.res.release(whole);
        const got = new Float32Array(await gpu.readTexture(internals.full.fusion.result, 16));
        const want = proxyRadiance(fusedFull, k).data;
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
        return worst;
      };
      await tiled.render();
      // The proxy graph fuses nothing: its result is the full-size fusion box-averaged by k.
      expect(tiled.debug.runs.fusion).toBe(0);
      const swept = produced.mock.calls.length;
      expect(swept).toBeGreaterThan(1);
      expect(await proxyError()).toBeLessThan(1e-5);
      // The export (and the read above) fuse no tile again: the sweep kept them.
      await tiled.exportRgba8();
      expect(produced).toHaveBeenCalledTimes(swept);
      // A weight change: a render while edits move (this small set cannot draft: the proxy fuses its own)…
      tiled.setParams({ ...defaultParams(), contrastWeight: 2 });
      await tiled.render({ draft: true });
      expect(produced).toHaveBeenCalledTimes(swept);
      expect(tiled.debug.runs.fusion).toBe(1);
      expect(await proxyError()).toBeGreaterThan(1e-3);
      // …then the settled render fuses at full size again and gives it to the proxy.
      await tiled.render();
      expect(produced.mock.calls.length).toBeGreaterThan(swept);
      expect(tiled.debug.runs.fusion).toBe(1);
      expect(await proxyError()).toBeLessThan(1e-5);
    } finally {
      produced.mockRestore();
      tiled.dispose();
    }
  });

  gpuTest('where no keep fits (beyond the texture limit, the host budget filled by the set), every use merges again, with the same result', async ({ gpu }) => {
    // Wider than any texture (so not kept on the GPU), a thin strip (so quick).
    const [w, h] = [gpu.device.limits.maxTextureDimension2D + 8, 24];
    const big = sceneBrackets(w, h, false, 5);
    const p = new Pipeline({ device: gpu.device });
    p.setHostBudget(w * h * big.length * 4);
    p.setParams(defaultParams());
    p.setBrackets(big);
    p.setViewport(320, 224);
    const kept = pipelineOf(gpu.device, big, 'merge', defaultParams(), null);
    const merged = vi.spyOn(MergeRegion.prototype, 'produce');
    try {
      await p.render();
      const swept = merged.mock.calls.length;
      const a = await p.exportRgba8();
      expect(merged.mock.calls.length).toBeGreaterThan(swept);
      // Rendered first as p was: its statistics are swept over the same tiles.
      await kept.render();
      const b = await kept.exportRgba8();
      expect(compareImages(asFloat(w, h, a.data), asFloat(w, h, b.data)).maxDiff).toBe(0);
    } finally {
      merged.mockRestore();
      p.dispose();
      kept.dispose();
    }
  });

  gpuTest.for([
    { mode: 'merge' as Mode, detail: false },
    { mode: 'fusion' as Mode, detail: true },
  ])('$mode, local detail $detail: zoomed to 100 %, the view shows the full-size set, as the whole-image graph does', async ({ mode, detail }, { gpu }) => {
    const params = detail ? detailed : defaultParams();
    const whole = pipelineOf(gpu.device, set, mode, params, null);
    const tiled = pipelineOf(gpu.device, set, mode, params, BUDGET);
    try {
      const fitA = await whole.readDisplay();
      const fitB = await tiled.readDisplay();
      expect([fitB.width, fitB.height]).toEqual([fitA.width, fitA.height]);
      for (const p of [whole, tiled]) p.setView({ zoom: 1, center: [0.3, 0.6] });
      const a = await whole.readDisplay();
      const b = await tiled.readDisplay();
      expect([b.width, b.height]).toEqual([a.width, a.height]);
      expect(tiled.geometry().region).toEqual(whole.geometry().region);
      const r = compareImages(asFloat(a.width, a.height, a.data), asFloat(b.width, b.height, b.data));
      console.log(`  zoomed 100 %, ${mode}${detail ? ' + detail' : ''}: PSNR ${r.psnr.toFixed(1)} dB`);
      expect(r.psnr).toBeGreaterThanOrEqual(50);
    } finally {
      whole.dispose();
      tiled.dispose();
    }
  });
});
