// Tile planning (issue 15, "Any size"): split a W×H operation into tiles whose
// cores partition the image and whose read rectangles (core plus the halo the
// operators' footprints need) fit both the GPU's texture-size limit and a
// memory budget, as darktable's tiling does with each module's factor,
// overhead and overlap. Where the whole image fits, the plan is one tile equal
// to the image, so nothing changes for images that fit today.

import type { Rect, Size } from './region';

/** One tile: the core it writes, the rectangle it reads, and where the core sits in what it read. */
export interface Tile {
  /** Column and row in the tile grid. */
  readonly column: number;
  readonly row: number;
  /** The pixels this tile produces; the cores of a plan partition the image. */
  readonly core: Rect;
  /** The pixels it reads: core grown by the halo, clamped to the image, origin aligned down to the granularity. */
  readonly read: Rect;
  /** The core's origin inside `read` (core.x − read.x, core.y − read.y). */
  readonly offset: { readonly x: number; readonly y: number };
}

export interface TilePlan {
  readonly width: number;
  readonly height: number;
  /** Core size of every tile but the last column / row (which end at the image edge). */
  readonly coreWidth: number;
  readonly coreHeight: number;
  readonly halo: number;
  readonly granularity: number;
  readonly columns: number;
  readonly rows: number;
  /** Row-major: tiles[row · columns + column]. */
  readonly tiles: readonly Tile[];
  /** The largest read rectangle of the plan, and its bytes (bytesPerPixel · area + fixedBytes; 0 from tileGrid). */
  readonly maxRead: Size;
  readonly bytesPerTile: number;
}

export interface TileRequest {
  readonly width: number;
  readonly height: number;
  /** Bytes the work holds per pixel of a tile's read rectangle, summed over all live intermediates (pyramid levels included). */
  readonly bytesPerPixel: number;
  /** Bytes a tile holds whatever its size (uniforms, small tables). Default 0. */
  readonly fixedBytes?: number;
  /** Pixels each tile reads beyond its core, per side (from the operators' footprints). */
  readonly halo: number;
  /** GPU memory the work may hold at once, in bytes. */
  readonly budgetBytes: number;
  /** The device's maxTextureDimension2D: no side of a read rectangle may exceed it. */
  readonly maxTextureDimension2D: number;
  /**
   * Core origins and sizes are multiples of this (the last column and row
   * excepted), and read origins too; 2^levels for a pyramid, so a tile starts
   * on a whole pixel of every level. Default 1.
   */
  readonly granularity?: number;
  /**
   * The largest single buffer a tile allocates, in bytes per read pixel (an
   * rgba32f plane: 16), and the most one buffer may hold (min of
   * maxBufferSize and maxStorageBufferBindingSize). Both or neither.
   */
  readonly planeBytesPerPixel?: number;
  readonly maxBufferBytes?: number;
}

/** No tile, however small, fits the limits; the message names the numbers. */
export class TilePlanError extends Error {
  override name = 'TilePlanError';
}

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

/** 1536 → "1.5 KiB", 3·2^30 → "3.0 GiB". */
export function formatBytes(n: number): string {
  if (n >= GIB) return `${(n / GIB).toFixed(1)} GiB`;
  if (n >= MIB) return `${(n / MIB).toFixed(1)} MiB`;
  if (n >= KIB) return `${(n / KIB).toFixed(1)} KiB`;
  return `${n} B`;
}

const alignDown = (v: number, g: number) => Math.floor(v / g) * g;
const alignUp = (v: number, g: number) => Math.ceil(v / g) * g;

function checkPositiveInt(fn: string, what: string, v: number): void {
  if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${fn}: ${what} ${v} must be an integer >= 1`);
}

/** Read span [r0, r1) of the core span [c0, c1) on an axis of n pixels. */
function readSpan(c0: number, c1: number, n: number, halo: number, g: number): [number, number] {
  return [alignDown(Math.max(0, c0 - halo), g), Math.min(n, c1 + halo)];
}

/** Core spans of an axis of n pixels cut every `core` pixels. */
function coreSpans(n: number, core: number): [number, number][] {
  const spans: [number, number][] = [];
  for (let c0 = 0; c0 < n; c0 += core) spans.push([c0, Math.min(n, c0 + core)]);
  return spans;
}

/**
 * The tiles of a W×H image with cores of coreWidth × coreHeight (multiples of
 * the granularity unless they cover the whole axis): cores in a grid from the
 * origin, the last column and row cut at the image edge; read = core grown by
 * `halo`, clamped to the image, its origin aligned down to the granularity.
 */
export function tileGrid(width: number, height: number, coreWidth: number, coreHeight: number, halo: number, granularity = 1): TilePlan {
  for (const [what, v] of [
    ['width', width],
    ['height', height],
    ['coreWidth', coreWidth],
    ['coreHeight', coreHeight],
    ['granularity', granularity],
  ] as const) {
    checkPositiveInt('tileGrid', what, v);
  }
  if (!(Number.isInteger(halo) && halo >= 0)) throw new Error(`tileGrid: halo ${halo} must be an integer >= 0`);
  if (coreWidth < width && coreWidth % granularity !== 0) throw new Error(`tileGrid: core width ${coreWidth} is not a multiple of the granularity ${granularity}`);
  if (coreHeight < height && coreHeight % granularity !== 0) throw new Error(`tileGrid: core height ${coreHeight} is not a multiple of the granularity ${granularity}`);
  const cw = Math.min(coreWidth, width);
  const ch = Math.min(coreHeight, height);
  const cols = coreSpans(width, cw);
  const rows = coreSpans(height, ch);
  const tiles: Tile[] = [];
  let maxW = 0;
  let maxH = 0;
  rows.forEach(([y0, y1], row) => {
    const [ry0, ry1] = readSpan(y0, y1, height, halo, granularity);
    cols.forEach(([x0, x1], column) => {
      const [rx0, rx1] = readSpan(x0, x1, width, halo, granularity);
      const core = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
      const read = { x: rx0, y: ry0, width: rx1 - rx0, height: ry1 - ry0 };
      maxW = Math.max(maxW, read.width);
      maxH = Math.max(maxH, read.height);
      tiles.push({ column, row, core, read, offset: { x: x0 - rx0, y: y0 - ry0 } });
    });
  });
  return {
    width,
    height,
    coreWidth: cw,
    coreHeight: ch,
    halo,
    granularity,
    columns: cols.length,
    rows: rows.length,
    tiles,
    maxRead: { width: maxW, height: maxH },
    bytesPerTile: 0,
  };
}

/** Sum of the read lengths and the largest read length of an axis of n pixels cut every `core` pixels. */
function axisCost(n: number, core: number, halo: number, g: number): { sum: number; max: number; count: number } {
  let sum = 0;
  let max = 0;
  let count = 0;
  for (const [c0, c1] of coreSpans(n, core)) {
    const [r0, r1] = readSpan(c0, c1, n, halo, g);
    sum += r1 - r0;
    max = Math.max(max, r1 - r0);
    count++;
  }
  return { sum, max, count };
}

/** The largest read length a core of `core` pixels can have on an axis of n pixels. */
function maxReadLength(n: number, core: number, halo: number, g: number): number {
  return core >= n ? n : Math.min(n, core + halo + alignUp(halo, g));
}

/**
 * Choose the core size for `req` and return its tiles. One tile equal to the
 * image where the whole image fits (both sides <= maxTextureDimension2D, and
 * its bytes within the budget and the single-buffer limit). Otherwise, among
 * the core widths ceil(W/n) rounded up to the granularity, each with the
 * tallest core height that fits, the one reading the fewest pixels in all
 * (least halo overhead), then the fewest tiles. Throws TilePlanError, with the
 * numbers, when not even a granularity-sized core with its halo fits.
 * A read side is at most core + halo + (halo rounded up to the granularity),
 * the read origin being aligned down: that is what must fit the limits.
 */
export function planTiles(req: TileRequest): TilePlan {
  const { width: W, height: H, bytesPerPixel: bpp, halo, budgetBytes: budget, maxTextureDimension2D: maxDim } = req;
  const g = req.granularity ?? 1;
  const fixed = req.fixedBytes ?? 0;
  checkPositiveInt('planTiles', 'width', W);
  checkPositiveInt('planTiles', 'height', H);
  checkPositiveInt('planTiles', 'granularity', g);
  checkPositiveInt('planTiles', 'maxTextureDimension2D', maxDim);
  if (!(Number.isInteger(halo) && halo >= 0)) throw new Error(`planTiles: halo ${halo} must be an integer >= 0`);
  if (!(Number.isFinite(bpp) && bpp > 0)) throw new Error(`planTiles: bytesPerPixel ${bpp} must be > 0`);
  if (!(Number.isFinite(fixed) && fixed >= 0)) throw new Error(`planTiles: fixedBytes ${fixed} must be >= 0`);
  if (!(budget > 0)) throw new Error(`planTiles: budget ${budget} must be > 0`);
  if ((req.planeBytesPerPixel === undefined) !== (req.maxBufferBytes === undefined)) {
    throw new Error('planTiles: give planeBytesPerPixel and maxBufferBytes together');
  }
  const plane = req.planeBytesPerPixel ?? 0;
  const maxBuffer = req.maxBufferBytes ?? Infinity;
  if (plane > bpp) throw new Error(`planTiles: planeBytesPerPixel ${plane} exceeds bytesPerPixel ${bpp}`);

  // The most pixels one read rectangle may hold.
  const maxPixels = Math.min((budget - fixed) / bpp, plane > 0 ? maxBuffer / plane : Infinity);
  const bytesOf = (s: Size) => s.width * s.height * bpp + fixed;

  if (W <= maxDim && H <= maxDim && W * H <= maxPixels) {
    const plan = tileGrid(W, H, W, H, halo, g);
    return { ...plan, bytesPerTile: bytesOf(plan.maxRead) };
  }

  let best: { cw: number; ch: number; cost: number; count: number } | undefined;
  const tried = new Set<number>();
  const maxColumns = Math.ceil(W / g);
  for (let n = 1; n <= maxColumns; n++) {
    const cw = n === 1 ? W : alignUp(Math.ceil(W / n), g);
    if (tried.has(cw)) continue;
    tried.add(cw);
    const rw = maxReadLength(W, cw, halo, g);
    if (rw > maxDim) continue;
    const rhMax = Math.min(maxDim, Math.floor(maxPixels / rw));
    let ch: number;
    if (rhMax >= H) ch = H;
    else {
      // Largest multiple of g whose read height fits: ch + halo + alignUp(halo, g) <= rhMax.
      ch = alignDown(rhMax - halo - alignUp(halo, g), g);
      if (ch < g) continue;
    }
    const cx = axisCost(W, cw, halo, g);
    const cy = axisCost(H, ch, halo, g);
    const cost = cx.sum * cy.sum;
    const count = cx.count * cy.count;
    if (!best || cost < best.cost || (cost === best.cost && count < best.count)) best = { cw, ch, cost, count };
  }

  if (!best) {
    const side = (n: number) => maxReadLength(n, Math.min(g, n), halo, g);
    const minRead = { width: side(W), height: side(H) };
    const what = `${W}×${H} px: the smallest tile (core ${Math.min(g, W)}×${Math.min(g, H)} px, halo ${halo} px, granularity ${g}) reads ${minRead.width}×${minRead.height} px`;
    if (minRead.width > maxDim || minRead.height > maxDim) {
      throw new TilePlanError(`${what}, more than the GPU's largest texture side of ${maxDim} px.`);
    }
    if (plane > 0 && minRead.width * minRead.height * plane > maxBuffer) {
      throw new TilePlanError(`${what}, whose largest buffer needs ${formatBytes(minRead.width * minRead.height * plane)}, more than the GPU's largest buffer of ${formatBytes(maxBuffer)}.`);
    }
    throw new TilePlanError(`${what} and needs ${formatBytes(bytesOf(minRead))} at ${bpp} B/px, more than the GPU memory budget of ${formatBytes(budget)}.`);
  }
  const plan = tileGrid(W, H, best.cw, best.ch, halo, g);
  return { ...plan, bytesPerTile: bytesOf(plan.maxRead) };
}
