import { describe, expect, it } from 'vitest';
import { rng } from '../reference/random';
import { area, clampTo, contains, grow, type Rect } from './region';
import { formatBytes, planTiles, tileGrid, TilePlanError, type TilePlan, type TileRequest } from './tiles';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** Throws `what` unless `ok` (cheaper than expect() in loops over thousands of tiles). */
function check(ok: boolean, what: () => string): void {
  if (!ok) throw new Error(what());
}

/**
 * Whether the cores cover the W×H image exactly once: on the grid of all core
 * edges (coordinate compression), every cell is covered by exactly one core.
 */
function partitions(cores: readonly Rect[], W: number, H: number): boolean {
  const xs = [...new Set([0, W, ...cores.flatMap((c) => [c.x, c.x + c.width])])].sort((a, b) => a - b);
  const ys = [...new Set([0, H, ...cores.flatMap((c) => [c.y, c.y + c.height])])].sort((a, b) => a - b);
  if (xs[0] !== 0 || xs.at(-1) !== W || ys[0] !== 0 || ys.at(-1) !== H) return false;
  const nx = xs.length - 1;
  const count = new Uint32Array(nx * (ys.length - 1));
  for (const c of cores) {
    const i0 = xs.indexOf(c.x);
    const i1 = xs.indexOf(c.x + c.width);
    const j0 = ys.indexOf(c.y);
    const j1 = ys.indexOf(c.y + c.height);
    for (let j = j0; j < j1; j++) for (let i = i0; i < i1; i++) count[j * nx + i]!++;
  }
  return count.every((n) => n === 1);
}

/** Every invariant a plan must hold for `req`; returns the plan. */
function checkPlan(plan: TilePlan, req: TileRequest, fromGrid = false): TilePlan {
  const { width: W, height: H } = req;
  const g = req.granularity ?? 1;
  const image = { x: 0, y: 0, width: W, height: H };
  expect(plan.tiles.length).toBe(plan.columns * plan.rows);
  for (const [i, t] of plan.tiles.entries()) {
    const { core, read } = t;
    const at = (what: string) => () => `tile ${i} (core ${JSON.stringify(core)}, read ${JSON.stringify(read)}): ${what}`;
    check(area(core) > 0, at('empty core'));
    check(contains(image, core) && contains(image, read) && contains(read, core), at('core, read and image do not nest'));
    // The read rectangle holds the core's halo wherever the image has it.
    check(contains(read, clampTo(grow(core, req.halo), { width: W, height: H })), at('halo missing'));
    check(t.offset.x === core.x - read.x && t.offset.y === core.y - read.y, at('wrong offset'));
    // Granularity: core and read origins, and core sizes except at the image edge.
    check(core.x % g === 0 && core.y % g === 0 && read.x % g === 0 && read.y % g === 0, at(`origin off the ${g} grid`));
    check((core.x + core.width === W || core.width % g === 0) && (core.y + core.height === H || core.height % g === 0), at('core size off the grid'));
    // Limits.
    check(read.width <= req.maxTextureDimension2D && read.height <= req.maxTextureDimension2D, at('over the texture limit'));
    check(area(read) * req.bytesPerPixel + (req.fixedBytes ?? 0) <= req.budgetBytes, at('over the budget'));
    if (req.planeBytesPerPixel !== undefined) check(area(read) * req.planeBytesPerPixel <= (req.maxBufferBytes ?? 0), at('over the buffer limit'));
  }
  // No gap, no overlap.
  expect(
    partitions(
      plan.tiles.map((t) => t.core),
      W,
      H,
    ),
  ).toBe(true);
  if (!fromGrid) expect(plan.bytesPerTile).toBe(plan.maxRead.width * plan.maxRead.height * req.bytesPerPixel + (req.fixedBytes ?? 0));
  return plan;
}

describe('tile plans', () => {
  it('one tile equal to the image where the whole image fits', () => {
    const req: TileRequest = { width: 4240, height: 2832, bytesPerPixel: 64, halo: 40, budgetBytes: 2 * GIB, maxTextureDimension2D: 8192, granularity: 32 };
    const plan = checkPlan(planTiles(req), req);
    expect(plan.tiles).toHaveLength(1);
    expect(plan.tiles[0]).toEqual({
      column: 0,
      row: 0,
      core: { x: 0, y: 0, width: 4240, height: 2832 },
      read: { x: 0, y: 0, width: 4240, height: 2832 },
      offset: { x: 0, y: 0 },
    });
  });

  it('16384×12288 on an 8192 texture limit and a 2 GiB budget: tiles within both limits', () => {
    const req: TileRequest = { width: 16384, height: 12288, bytesPerPixel: 96, halo: 66, budgetBytes: 2 * GIB, maxTextureDimension2D: 8192, granularity: 32 };
    const plan = checkPlan(planTiles(req), req);
    expect(plan.tiles.length).toBeGreaterThan(1);
    // 201 MP at 96 B/px is 18 GiB: at least 9 tiles of 2 GiB.
    expect(plan.tiles.length).toBeGreaterThanOrEqual(9);
    expect(plan.bytesPerTile).toBeLessThanOrEqual(2 * GIB);
  });

  it('the texture limit alone forces tiles (budget ample)', () => {
    const req: TileRequest = { width: 9000, height: 3000, bytesPerPixel: 16, halo: 10, budgetBytes: 64 * GIB, maxTextureDimension2D: 8192, granularity: 16 };
    const plan = checkPlan(planTiles(req), req);
    expect(plan.columns).toBe(2);
    expect(plan.rows).toBe(1);
  });

  it('the single-buffer limit forces tiles', () => {
    const req: TileRequest = {
      width: 8000,
      height: 6000,
      bytesPerPixel: 64,
      halo: 8,
      budgetBytes: 64 * GIB,
      maxTextureDimension2D: 16384,
      planeBytesPerPixel: 16,
      maxBufferBytes: 256 * MIB,
    };
    const plan = checkPlan(planTiles(req), req);
    expect(plan.tiles.length).toBeGreaterThan(1);
    expect(() => planTiles({ ...req, maxBufferBytes: undefined })).toThrow(/together/);
  });

  it('property: random sizes (odd ones included), halos, granularities and budgets (300 cases)', () => {
    const r = rng(2026);
    let tiled = 0;
    for (let i = 0; i < 300; i++) {
      const g = 2 ** int(r, 0, 6);
      const width = int(r, 1, 3000);
      const height = int(r, 1, 3000);
      const halo = int(r, 0, 3 * g);
      const bpp = int(r, 4, 128);
      const maxDim = [512, 1024, 2048, 8192][int(r, 0, 3)]!;
      // Budgets from a bit over the smallest tile up to the whole image.
      const minSide = g + halo + Math.ceil(halo / g) * g;
      const budgetBytes = Math.max(minSide * minSide * bpp, Math.floor(width * height * bpp * (0.05 + r())));
      const req: TileRequest = { width, height, bytesPerPixel: bpp, halo, budgetBytes, maxTextureDimension2D: maxDim, granularity: g };
      let plan: TilePlan;
      try {
        plan = planTiles(req);
      } catch (e) {
        // Only where the smallest tile really does not fit the texture limit.
        expect(e).toBeInstanceOf(TilePlanError);
        expect(Math.min(width, minSide) > maxDim || Math.min(height, minSide) > maxDim).toBe(true);
        continue;
      }
      checkPlan(plan, req);
      if (plan.tiles.length > 1) tiled++;
      if (width <= maxDim && height <= maxDim && width * height * bpp <= budgetBytes) expect(plan.tiles).toHaveLength(1);
    }
    expect(tiled).toBeGreaterThan(100);
  });

  it('property: tileGrid partitions any size for any core (200 cases, 16384×12288 included)', () => {
    const r = rng(99);
    const sizes: [number, number][] = [
      [16384, 12288],
      [16383, 12289],
      [1, 1],
      [1, 7919],
    ];
    for (let i = 0; i < 196; i++) sizes.push([int(r, 1, 5000), int(r, 1, 5000)]);
    for (const [w, h] of sizes) {
      const g = 2 ** int(r, 0, 7);
      // At most about 40 columns and rows (the overlap check is quadratic in the tile count).
      const cw = g * int(r, Math.ceil(w / (40 * g)), Math.ceil(w / (40 * g)) + 40);
      const ch = g * int(r, Math.ceil(h / (40 * g)), Math.ceil(h / (40 * g)) + 40);
      const halo = int(r, 0, 200);
      const plan = tileGrid(w, h, cw, ch, halo, g);
      expect(plan.columns).toBe(Math.ceil(w / Math.min(cw, w)));
      checkPlan(plan, { width: w, height: h, bytesPerPixel: 1, halo, budgetBytes: Infinity, maxTextureDimension2D: Infinity, granularity: g }, true);
    }
  });

  it('reports, with the numbers, when not even the smallest tile fits', () => {
    const base: TileRequest = { width: 20000, height: 20000, bytesPerPixel: 256, halo: 300, budgetBytes: 64 * MIB, maxTextureDimension2D: 8192, granularity: 64 };
    // Smallest read: 64 + 300 + 320 (the halo aligned up to 64, left) = 684 px a side, 684² · 256 B = 114 MiB > 64 MiB.
    expect(() => planTiles(base)).toThrow(TilePlanError);
    expect(() => planTiles(base)).toThrow('20000×20000 px: the smallest tile (core 64×64 px, halo 300 px, granularity 64) reads 684×684 px and needs 114.2 MiB at 256 B/px, more than the GPU memory budget of 64.0 MiB.');
    expect(() => planTiles({ ...base, halo: 5000, budgetBytes: 1e15 })).toThrow(/reads 10120×10120 px, more than the GPU's largest texture side of 8192 px/);
    expect(() => planTiles({ ...base, budgetBytes: 1e15, planeBytesPerPixel: 16, maxBufferBytes: 4 * MIB })).toThrow(/largest buffer needs 7.1 MiB, more than the GPU's largest buffer of 4.0 MiB/);
  });

  it('prefers fewer, larger tiles: the halo overhead stays small where the budget allows', () => {
    const req: TileRequest = { width: 12000, height: 8000, bytesPerPixel: 64, halo: 64, budgetBytes: 1 * GIB, maxTextureDimension2D: 8192, granularity: 64 };
    const plan = checkPlan(planTiles(req), req);
    const read = plan.tiles.reduce((s, t) => s + area(t.read), 0);
    expect(read / (12000 * 8000)).toBeLessThan(1.1);
  });

  it('the partition check sees a gap and an overlap', () => {
    const a = { x: 0, y: 0, width: 4, height: 4 };
    expect(partitions([a, { x: 4, y: 0, width: 4, height: 4 }], 8, 4)).toBe(true);
    expect(partitions([a, { x: 5, y: 0, width: 3, height: 4 }], 8, 4)).toBe(false);
    expect(partitions([a, { x: 3, y: 0, width: 5, height: 4 }], 8, 4)).toBe(false);
  });

  it('formats byte counts', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * GIB)).toBe('3.0 GiB');
  });
});
