// Integer rectangles and the region algebra of tiled evaluation (issue 15,
// "Evaluation by region and by tile"). An operator states its footprint (the
// halo its filter reads and, for resampling operators, its scale); walking a
// requested output region back through the footprints gives the input region
// each operator needs, as darktable's modify_roi_in and vkdt's
// modify_roi_in do. All rectangles are half-open: columns [x, x + width),
// rows [y, y + height). An empty rectangle has width or height 0.

/** Integer rectangle, half-open: [x, x + width) × [y, y + height). */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** An image's extent: the rectangle [0, width) × [0, height). */
export interface Size {
  readonly width: number;
  readonly height: number;
}

/**
 * What an operator reads to produce one output pixel, along each axis: output
 * pixel i reads input pixels [floor(i·scale), ceil((i+1)·scale)) grown by
 * `halo` on both sides. scale 1 (the default) is a same-size filter with a
 * (2·halo+1)-tap support; scale 2 a 2:1 downsample (a pyramid reduce: output i
 * reads around input 2i); scale 1/2 an upsample (a pyramid expand).
 */
export interface Footprint {
  /** Pixels read beyond the scaled pixel, per side; an integer >= 0. */
  readonly halo: number;
  /** Input pixels per output pixel along each axis; finite, > 0. Default 1. */
  readonly scale?: number;
}

const EMPTY_AT = (x: number, y: number): Rect => ({ x, y, width: 0, height: 0 });

function checkInt(fn: string, what: string, v: number): void {
  if (!Number.isInteger(v)) throw new Error(`${fn}: ${what} ${v} is not an integer`);
}

function checkRect(fn: string, r: Rect): void {
  checkInt(fn, 'x', r.x);
  checkInt(fn, 'y', r.y);
  checkInt(fn, 'width', r.width);
  checkInt(fn, 'height', r.height);
  if (r.width < 0 || r.height < 0) throw new Error(`${fn}: negative size ${r.width}x${r.height}`);
}

function checkFootprint(fn: string, f: Footprint): number {
  const scale = f.scale ?? 1;
  if (!(Number.isInteger(f.halo) && f.halo >= 0)) throw new Error(`${fn}: halo ${f.halo} must be an integer >= 0`);
  if (!(Number.isFinite(scale) && scale > 0)) throw new Error(`${fn}: scale ${scale} must be finite and > 0`);
  return scale;
}

/** A checked rectangle (integers, width and height >= 0). */
export function rect(x: number, y: number, width: number, height: number): Rect {
  const r = { x, y, width, height };
  checkRect('rect', r);
  return r;
}

/** The whole image [0, width) × [0, height). */
export function imageRect(size: Size): Rect {
  return rect(0, 0, size.width, size.height);
}

export function isEmpty(r: Rect): boolean {
  return r.width <= 0 || r.height <= 0;
}

export function area(r: Rect): number {
  return isEmpty(r) ? 0 : r.width * r.height;
}

/** Whether `inner` lies within `outer` (an empty `inner` lies within anything). */
export function contains(outer: Rect, inner: Rect): boolean {
  if (isEmpty(inner)) return true;
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}

export function equals(a: Rect, b: Rect): boolean {
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}

/** Grown by `halo` pixels on every side (a negative halo shrinks, down to empty). */
export function grow(r: Rect, halo: number): Rect {
  checkRect('grow', r);
  checkInt('grow', 'halo', halo);
  const width = r.width + 2 * halo;
  const height = r.height + 2 * halo;
  if (width <= 0 || height <= 0) return EMPTY_AT(r.x + Math.floor(r.width / 2), r.y + Math.floor(r.height / 2));
  return { x: r.x - halo, y: r.y - halo, width, height };
}

/** The part of `a` inside `b`; empty (width or height 0, at the clamped corner) when they do not overlap. */
export function intersect(a: Rect, b: Rect): Rect {
  checkRect('intersect', a);
  checkRect('intersect', b);
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/** The smallest rectangle holding both (an empty one adds nothing). */
export function union(a: Rect, b: Rect): Rect {
  checkRect('union', a);
  checkRect('union', b);
  if (isEmpty(a)) return b;
  if (isEmpty(b)) return a;
  const x0 = Math.min(a.x, b.x);
  const y0 = Math.min(a.y, b.y);
  const x1 = Math.max(a.x + a.width, b.x + b.width);
  const y1 = Math.max(a.y + a.height, b.y + b.height);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** `r` clamped to the image [0, width) × [0, height). */
export function clampTo(r: Rect, image: Size): Rect {
  return intersect(r, imageRect(image));
}

/** Size of level k of a factor-2 pyramid: ceil(size / 2^k) per axis (reference/pyramid.ts pyramidSizes). */
export function levelSize(size: Size, k: number): Size {
  if (!(Number.isInteger(k) && k >= 0)) throw new Error(`levelSize: level ${k} must be an integer >= 0`);
  const f = 2 ** k;
  return { width: Math.ceil(size.width / f), height: Math.ceil(size.height / f) };
}

/**
 * The level-k region covering level-0 region `r` in a factor-2 pyramid
 * (level-k pixel j sits over level-0 pixels [j·2^k, (j+1)·2^k)): start floored,
 * end ceiled, so every level-0 pixel of `r` lies under the result.
 */
export function toLevel(r: Rect, k: number): Rect {
  checkRect('toLevel', r);
  if (!(Number.isInteger(k) && k >= 0)) throw new Error(`toLevel: level ${k} must be an integer >= 0`);
  const f = 2 ** k;
  const x0 = Math.floor(r.x / f);
  const y0 = Math.floor(r.y / f);
  return { x: x0, y: y0, width: Math.ceil((r.x + r.width) / f) - x0, height: Math.ceil((r.y + r.height) / f) - y0 };
}

/** The level-0 pixels under level-k region `r`: every coordinate times 2^k (clamp to the image where the last pixel overhangs). */
export function fromLevel(r: Rect, k: number): Rect {
  checkRect('fromLevel', r);
  if (!(Number.isInteger(k) && k >= 0)) throw new Error(`fromLevel: level ${k} must be an integer >= 0`);
  const f = 2 ** k;
  return { x: r.x * f, y: r.y * f, width: r.width * f, height: r.height * f };
}

function inputSpan(start: number, end: number, halo: number, scale: number): [number, number] {
  return [Math.floor(start * scale) - halo, Math.ceil(end * scale) + halo];
}

/**
 * The input region an operator with footprint `f` reads to produce output
 * region `out`: per axis [floor(x0·scale) − halo, ceil(x1·scale) + halo).
 * Not clamped: clamp to the input image (clampTo) where its border is
 * handled by the operator itself (reflect, clamp).
 */
export function inputRegion(out: Rect, f: Footprint): Rect {
  checkRect('inputRegion', out);
  const scale = checkFootprint('inputRegion', f);
  if (isEmpty(out)) return out;
  const [x0, x1] = inputSpan(out.x, out.x + out.width, f.halo, scale);
  const [y0, y1] = inputSpan(out.y, out.y + out.height, f.halo, scale);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * The input region a chain of operators reads for output region `out`;
 * `chain` is in pipeline order (chain[0] reads the input, the last one writes
 * `out`). Unclamped: clamping between steps can only shrink the result.
 */
export function inputRegionThrough(out: Rect, chain: readonly Footprint[]): Rect {
  let r = out;
  for (let i = chain.length - 1; i >= 0; i--) r = inputRegion(r, chain[i]!);
  return r;
}

/**
 * One footprint covering a chain (pipeline order): inputRegion(out,
 * composeFootprints(chain)) ⊇ inputRegionThrough(out, chain). Exact where all
 * scales are integers (then halo = Σ_i halo_i · Π_{j<i} scale_j, so same-size
 * filters add their halos); otherwise each step adds a pixel of rounding slack.
 */
export function composeFootprints(chain: readonly Footprint[]): Footprint {
  let halo = 0;
  let scale = 1;
  for (const f of chain) {
    const s = checkFootprint('composeFootprints', f);
    // f reads the composite's output; the composite so far (halo, scale) reads the input.
    if (Number.isInteger(scale) && Number.isInteger(s)) halo += f.halo * scale;
    else halo += Math.ceil(scale * (f.halo + 1)) + 1;
    scale *= s;
  }
  return scale === 1 ? { halo } : { halo, scale };
}
