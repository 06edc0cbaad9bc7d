// Tone curve editor: a controlled component (no store access) drawing the
// display histogram, the grid, the identity diagonal and the Fritsch–Carlson
// curve of src/engine/curve/curve.ts on two layered canvases, sized in device pixels
// to their box. Geometry, hit-testing and the keyboard map are pure, in
// curve-geometry.ts.
//
// Input:
//   pointer  click on empty space adds a point there (addPoint) and keeps
//            dragging it; press on a handle (within HIT_RADIUS CSS px) selects
//            and drags it (movePoint, pointer capture; the grab offset is kept);
//            double-click on an interior point removes it (endpoints stay).
//   keyboard the plot is focusable (role="slider", aria-valuetext = selected
//            point); see curve-geometry.ts keyAction: arrows ±1 level (Shift ±10;
//            with nothing selected the first press selects the first point),
//            ] / PageUp next point, [ / PageDown previous, Home/End, Delete or
//            Backspace removes.
// onChange(points, final): final is false during a drag or while an arrow key
// is held and true once, on release (pointer up, key up, blur); additions by a
// bare click, removals and Reset are final at once. A double-click on empty
// space is a click (adds, final) then a double-click on that point (removes,
// final): two history entries that cancel.
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent, type PointerEvent, type RefObject } from 'react';
import { addPoint, bakeCurve, identityCurve, isIdentity, movePoint, normaliseCurve, removePoint, type CurvePoint } from '../engine/curve/curve';
import type { HistogramPlane } from '../engine/histogram/reference/histogram';
import { cycleIndex, fromCanvas, curvePolyline, histogramHeights, hitTest, keyAction, nudgePoint, plotBox, pointValueText, level, toCanvas, type Plot } from './curve-geometry';
import './curve-editor.css';

/** Which histogram planes are drawn: luminance alone, or with R, G, B overlaid. */
export type HistogramChannels = 'luma' | 'rgb';

export interface CurveEditorProps {
  /** The curve; normalised (normaliseCurve) before use, so indices refer to the normalised points. */
  points: readonly CurvePoint[];
  /** A new normalised curve; final is false while dragging or holding a key, true on release. */
  onChange(points: CurvePoint[], final: boolean): void;
  /**
   * The display histogram, as the histogram pass reads it back: 4 planes of 256
   * u32 counts, one after the other (R, G, B, luma; plane p bin b at p·256 + b;
   * src/engine/histogram/reference/histogram.ts). Anything but 1024 entries draws nothing.
   */
  histogram?: { bins: Uint32Array } | null;
  /** Initial histogram channels (the toggle then keeps its own state). Default 'luma'. */
  defaultChannels?: HistogramChannels;
  /** Heading and accessible name. Default 'Tone curve'. */
  label?: string;
}

const HELP =
  'Click to add a point, drag a point to move it, double-click a point to remove it. ' +
  'Keys: arrows move the selected point by 1 level (Shift: 10; with none selected they select the first); ] or Page Up selects the next point, ' +
  '[ or Page Down the previous; Home/End the first/last; Delete or Backspace removes it.';

interface Size {
  /** CSS px of the plot box. */
  w: number;
  h: number;
  /** Device px of the canvases' backing stores. */
  bw: number;
  bh: number;
}

/** The box's size in CSS and device pixels, following resizes and zoom (devicePixelRatio) changes. */
function useBoxSize(ref: RefObject<HTMLElement | null>): Size | null {
  const [size, setSize] = useState<Size | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver((entries) => {
      const e = entries[0];
      if (!e) return;
      const dpr = window.devicePixelRatio || 1;
      const dev = e.devicePixelContentBoxSize?.[0];
      const w = e.contentRect.width;
      const h = e.contentRect.height;
      // The exact device-pixel size where it agrees with CSS × dpr (emulated
      // device scale factors report CSS px there).
      const exact = (device: number | undefined, css: number) => {
        const approx = Math.round(css * dpr);
        return Math.max(1, device !== undefined && Math.abs(device - approx) <= 1 ? device : approx);
      };
      const next = { w, h, bw: exact(dev?.inlineSize, w), bh: exact(dev?.blockSize, h) };
      setSize((s) => (s && s.w === next.w && s.h === next.h && s.bw === next.bw && s.bh === next.bh ? s : next));
    });
    try {
      ro.observe(el, { box: 'device-pixel-content-box' });
    } catch {
      ro.observe(el); // no device-pixel boxes: CSS size × devicePixelRatio
    }
    return () => ro.disconnect();
  }, [ref]);
  return size;
}

/** A 2D context scaled so drawing is in CSS px, with the backing store resized to size. */
function context2d(canvas: HTMLCanvasElement | null, size: Size): CanvasRenderingContext2D | null {
  if (!canvas) return null;
  if (canvas.width !== size.bw) canvas.width = size.bw;
  if (canvas.height !== size.bh) canvas.height = size.bh;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.setTransform(size.bw / Math.max(1e-6, size.w), 0, 0, size.bh / Math.max(1e-6, size.h), 0, 0);
  ctx.clearRect(0, 0, size.w, size.h);
  return ctx;
}

/** Colours come from curve-editor.css custom properties. */
function palette(el: Element) {
  const cs = getComputedStyle(el);
  const get = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  return {
    grid: get('--curve-grid', 'rgba(255,255,255,0.09)'),
    diagonal: get('--curve-diagonal', 'rgba(255,255,255,0.18)'),
    line: get('--curve-line', '#e6e6ea'),
    handle: get('--curve-handle', '#e6e6ea'),
    handleFill: get('--curve-handle-fill', '#26262b'),
    selected: get('--curve-selected', '#f0a020'),
    luma: get('--hist-luma', 'rgba(230,230,234,0.3)'),
    r: get('--hist-r', 'rgba(255,70,70,0.38)'),
    g: get('--hist-g', 'rgba(70,220,90,0.38)'),
    b: get('--hist-b', 'rgba(80,130,255,0.45)'),
  };
}

function drawHistogram(ctx: CanvasRenderingContext2D, plot: Plot, bins: Uint32Array, channels: HistogramChannels, colors: ReturnType<typeof palette>) {
  const planes: HistogramPlane[] = channels === 'rgb' ? ['luma', 'r', 'g', 'b'] : ['luma'];
  const heights = histogramHeights(bins, planes);
  if (!heights) return;
  const bottom = toCanvas(plot, { x: 0, y: 0 }).py;
  const top = toCanvas(plot, { x: 0, y: 1 }).py;
  heights.forEach((h, k) => {
    const plane = planes[k]!;
    ctx.globalCompositeOperation = plane === 'luma' ? 'source-over' : 'lighter';
    ctx.fillStyle = colors[plane];
    ctx.beginPath();
    ctx.moveTo(toCanvas(plot, { x: 0, y: 0 }).px, bottom);
    h.forEach((v, b) => ctx.lineTo(toCanvas(plot, { x: b / 255, y: 0 }).px, bottom + (top - bottom) * v));
    ctx.lineTo(toCanvas(plot, { x: 1, y: 0 }).px, bottom);
    ctx.closePath();
    ctx.fill();
  });
  ctx.globalCompositeOperation = 'source-over';
}

function drawCurve(ctx: CanvasRenderingContext2D, plot: Plot, size: Size, points: readonly CurvePoint[], selected: number | null, colors: ReturnType<typeof palette>) {
  const a = toCanvas(plot, { x: 0, y: 0 });
  const b = toCanvas(plot, { x: 1, y: 1 });
  // Grid: quarters, and the border.
  ctx.lineWidth = 1;
  ctx.strokeStyle = colors.grid;
  ctx.beginPath();
  for (let q = 0; q <= 4; q++) {
    const { px, py } = toCanvas(plot, { x: q / 4, y: q / 4 });
    ctx.moveTo(px, a.py);
    ctx.lineTo(px, b.py);
    ctx.moveTo(a.px, py);
    ctx.lineTo(b.px, py);
  }
  ctx.stroke();
  // Identity.
  ctx.strokeStyle = colors.diagonal;
  ctx.setLineDash([4, 4]);
  ctx.beginPath();
  ctx.moveTo(a.px, a.py);
  ctx.lineTo(b.px, b.py);
  ctx.stroke();
  ctx.setLineDash([]);
  // The curve, one sample per device pixel across.
  const samples = Math.max(64, Math.ceil(((b.px - a.px) * size.bw) / Math.max(1, size.w)));
  const line = curvePolyline(plot, bakeCurve(points, samples));
  ctx.strokeStyle = colors.line;
  ctx.lineWidth = 1.75;
  ctx.lineJoin = 'round';
  ctx.beginPath();
  for (let i = 0; i < line.length; i += 2) ctx.lineTo(line[i]!, line[i + 1]!);
  ctx.stroke();
  // Handles.
  points.forEach((p, i) => {
    const { px, py } = toCanvas(plot, p);
    const sel = i === selected;
    ctx.beginPath();
    ctx.arc(px, py, sel ? 5.5 : 4, 0, 2 * Math.PI);
    ctx.fillStyle = sel ? colors.selected : colors.handleFill;
    ctx.fill();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = sel ? colors.selected : colors.handle;
    ctx.stroke();
  });
}

interface Drag {
  pointerId: number;
  index: number;
  /** The point where it was grabbed, and the pointer there (unclamped curve units). */
  grab: CurvePoint;
  start: CurvePoint;
  /** The latest curve sent to onChange. */
  points: CurvePoint[];
  changed: boolean;
}

const localPos = (e: { clientX: number; clientY: number; currentTarget: Element }) => {
  const r = e.currentTarget.getBoundingClientRect();
  return { plot: plotBox(r.width, r.height), px: e.clientX - r.left, py: e.clientY - r.top };
};

export function CurveEditor({ points, onChange, histogram = null, defaultChannels = 'luma', label = 'Tone curve' }: CurveEditorProps) {
  const pts = useMemo(() => normaliseCurve(points), [points]);
  const [selectedRaw, setSelected] = useState<number | null>(null);
  const selected = selectedRaw !== null && selectedRaw < pts.length ? selectedRaw : null;
  const [channels, setChannels] = useState<HistogramChannels>(defaultChannels);
  const plotRef = useRef<HTMLDivElement>(null);
  const histRef = useRef<HTMLCanvasElement>(null);
  const curveRef = useRef<HTMLCanvasElement>(null);
  const drag = useRef<Drag | null>(null);
  /** Curve sent with final=false by a held arrow key, committed on key up or blur. */
  const pendingKey = useRef<CurvePoint[] | null>(null);
  const size = useBoxSize(plotRef);
  const labelId = useId();
  const identity = isIdentity(pts);

  useEffect(() => {
    if (!size || !plotRef.current) return;
    const ctx = context2d(histRef.current, size);
    if (ctx && histogram) drawHistogram(ctx, plotBox(size.w, size.h), histogram.bins, channels, palette(plotRef.current));
  }, [size, histogram, channels]);

  useEffect(() => {
    if (!size || !plotRef.current) return;
    const ctx = context2d(curveRef.current, size);
    if (ctx) drawCurve(ctx, plotBox(size.w, size.h), size, pts, selected, palette(plotRef.current));
  }, [size, pts, selected]);

  const commitKey = () => {
    const p = pendingKey.current;
    pendingKey.current = null;
    if (p) onChange(p, true);
  };

  const onPointerDown = (e: PointerEvent<HTMLCanvasElement>) => {
    if (e.button !== 0 || drag.current) return;
    e.preventDefault(); // no text selection; focus is given by hand
    plotRef.current?.focus({ preventScroll: true });
    commitKey();
    const { plot, px, py } = localPos(e);
    let index = hitTest(plot, pts, px, py);
    let work = pts;
    let changed = false;
    if (index < 0) {
      const added = addPoint(pts, fromCanvas(plot, px, py));
      index = added.index;
      if (added.points.length !== pts.length) {
        work = added.points;
        changed = true;
        onChange(work, false);
      }
    }
    const grab = work[index];
    if (!grab) return;
    setSelected(index);
    e.currentTarget.setPointerCapture(e.pointerId);
    e.currentTarget.style.cursor = 'grabbing';
    drag.current = { pointerId: e.pointerId, index, grab: { ...grab }, start: fromCanvas(plot, px, py, false), points: work, changed };
  };

  const onPointerMove = (e: PointerEvent<HTMLCanvasElement>) => {
    const { plot, px, py } = localPos(e);
    const d = drag.current;
    if (!d || d.pointerId !== e.pointerId) {
      e.currentTarget.style.cursor = hitTest(plot, pts, px, py) >= 0 ? 'grab' : 'crosshair';
      return;
    }
    const now = fromCanvas(plot, px, py, false);
    const next = movePoint(d.points, d.index, { x: d.grab.x + now.x - d.start.x, y: d.grab.y + now.y - d.start.y });
    const before = d.points[d.index];
    const after = next[d.index];
    if (!before || !after || (before.x === after.x && before.y === after.y)) return;
    d.points = next;
    d.changed = true;
    onChange(next, false);
  };

  const endDrag = (e: PointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    if (!d || d.pointerId !== e.pointerId) return;
    drag.current = null;
    e.currentTarget.style.cursor = 'grab';
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    if (d.changed) onChange(d.points, true);
  };

  const onDoubleClick = (e: MouseEvent<HTMLCanvasElement>) => {
    const { plot, px, py } = localPos(e);
    const i = hitTest(plot, pts, px, py);
    if (i <= 0 || i >= pts.length - 1) return;
    onChange(removePoint(pts, i), true);
    setSelected(null);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const action = keyAction(e.key, e.shiftKey);
    if (!action || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    switch (action.kind) {
      case 'move': {
        if (selected === null) {
          setSelected(0); // the first press only selects
          break;
        }
        const next = nudgePoint(pendingKey.current ?? pts, selected, action.dx, action.dy);
        pendingKey.current = next;
        onChange(next, false);
        break;
      }
      case 'select':
        setSelected(cycleIndex(selected, pts.length, action.step));
        break;
      case 'first':
        setSelected(0);
        break;
      case 'last':
        setSelected(pts.length - 1);
        break;
      case 'remove': {
        if (selected === null || selected <= 0 || selected >= pts.length - 1) break;
        commitKey();
        onChange(removePoint(pts, selected), true);
        setSelected(selected - 1);
        break;
      }
    }
  };

  const onKeyUp = (e: KeyboardEvent<HTMLDivElement>) => {
    if (keyAction(e.key, e.shiftKey)?.kind === 'move') commitKey();
  };

  const sel = selected === null ? undefined : pts[selected];
  return (
    <div className="curve-editor" data-testid="curve-editor">
      <div className="curve-editor__bar">
        <span className="curve-editor__label" id={labelId}>
          {label}
        </span>
        <span className="curve-editor__readout" aria-hidden="true">
          {sel ? `${level(sel.x)} → ${level(sel.y)}` : ''}
        </span>
        <button
          type="button"
          data-testid="histogram-channels"
          aria-pressed={channels === 'rgb'}
          title={channels === 'rgb' ? 'Showing R, G, B over luminance: show luminance only' : 'Showing luminance: overlay the R, G, B histograms'}
          onClick={() => setChannels((c) => (c === 'rgb' ? 'luma' : 'rgb'))}
        >
          {channels === 'rgb' ? 'RGB' : 'Luma'}
        </button>
        <button
          type="button"
          data-testid="curve-reset"
          disabled={identity}
          title="Reset to the identity curve"
          onClick={() => {
            commitKey();
            setSelected(null);
            onChange(identityCurve(), true);
          }}
        >
          Reset
        </button>
      </div>
      <div
        ref={plotRef}
        className="curve-editor__plot"
        tabIndex={0}
        role="slider"
        aria-roledescription="tone curve"
        aria-labelledby={labelId}
        aria-valuemin={0}
        aria-valuemax={255}
        aria-valuenow={sel ? level(sel.y) : undefined}
        aria-valuetext={pointValueText(pts, selected)}
        title={HELP}
        data-points={pts.length}
        data-selected={selected ?? ''}
        onKeyDown={onKeyDown}
        onKeyUp={onKeyUp}
        onBlur={commitKey}
      >
        <canvas ref={histRef} className="curve-editor__histogram" data-testid="histogram" data-channels={channels} aria-hidden="true" />
        <canvas
          ref={curveRef}
          className="curve-editor__curve"
          data-testid="curve-canvas"
          aria-hidden="true"
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={endDrag}
          onPointerCancel={endDrag}
          onLostPointerCapture={endDrag}
          onDoubleClick={onDoubleClick}
        />
      </div>
    </div>
  );
}
