// The canvas the engine presents into, sized in device pixels to its box, and
// the page-wide drop target.
import { useEffect, useRef, useState } from 'react';
import { panBy, viewGeometry } from '../engine/view/view';
import { loadFiles } from '../load';
import { dropContents } from './drop';
import { hasImage as anyImage } from '../state/store';
import { useEdit, useHandles } from './context';
import { CompareDivider, ViewBar, viewSizes, zoomTo } from './ViewBar';

/** Wheel zoom: a factor of 2 per 4 notches (100 px of deltaY each). */
const WHEEL_ZOOM_PER_PX = Math.log(2) / 400;

export function Viewport({ canvasRef }: { canvasRef: React.RefObject<HTMLCanvasElement | null> }) {
  const { store } = useHandles();
  const gpu = useEdit((s) => s.gpu);
  const hasImage = useEdit(anyImage);
  const box = useRef<HTMLDivElement>(null);
  const [dragging, setDragging] = useState(false);
  const zoomed = useEdit((s) => {
    const sizes = viewSizes(s);
    return !!sizes && !viewGeometry(sizes.image, sizes.canvas, s.view).fit;
  });
  const [panning, setPanning] = useState(false);
  const last = useRef<[number, number] | null>(null);

  // Wheel zooms about the pointer; not passive, so the page does not scroll.
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const onWheel = (e: WheelEvent) => {
      const s = store.getState();
      const sizes = viewSizes(s);
      if (!sizes) return;
      e.preventDefault();
      const dpr = window.devicePixelRatio || 1;
      const box = canvas.getBoundingClientRect();
      const g = viewGeometry(sizes.image, sizes.canvas, s.view);
      const px = e.deltaMode === 1 ? e.deltaY * 40 : e.deltaMode === 2 ? e.deltaY * 400 : e.deltaY;
      zoomTo(store, g.scale * Math.exp(-px * WHEEL_ZOOM_PER_PX), [(e.clientX - box.left) * dpr, (e.clientY - box.top) * dpr]);
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => canvas.removeEventListener('wheel', onWheel);
  }, [store, canvasRef]);

  // Keyboard: 0 fit, 1 100 %, 2 200 % (not while typing in a field).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.ctrlKey || e.metaKey || e.altKey || (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName)))) return;
      if (e.key === '0') zoomTo(store, 'fit');
      else if (e.key === '1') zoomTo(store, 1);
      else if (e.key === '2') zoomTo(store, 2);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);

  const onPointerDown = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (!zoomed || e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    last.current = [e.clientX, e.clientY];
    setPanning(true);
  };
  const onPointerMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const prev = last.current;
    if (!prev) return;
    const s = store.getState();
    const sizes = viewSizes(s);
    if (!sizes) return;
    const dpr = window.devicePixelRatio || 1;
    last.current = [e.clientX, e.clientY];
    s.setView(panBy(sizes.image, sizes.canvas, s.view, (e.clientX - prev[0]) * dpr, (e.clientY - prev[1]) * dpr));
  };
  const endPan = () => {
    last.current = null;
    setPanning(false);
  };

  useEffect(() => {
    const el = box.current;
    const canvas = canvasRef.current;
    if (!el || !canvas) return;
    const ro = new ResizeObserver((entries) => {
      const e = entries[0];
      if (!e) return;
      const dpr = window.devicePixelRatio || 1;
      const size = e.devicePixelContentBoxSize?.[0];
      const w = Math.max(1, size ? size.inlineSize : Math.round(e.contentRect.width * dpr));
      const h = Math.max(1, size ? size.blockSize : Math.round(e.contentRect.height * dpr));
      canvas.width = w;
      canvas.height = h;
      // Exactly w × h device pixels on screen: a box of fractional CSS size
      // would otherwise stretch the canvas by a fraction of a pixel and blur
      // the 1:1 view.
      canvas.style.width = `${w / dpr}px`;
      canvas.style.height = `${h / dpr}px`;
      store.getState().setViewport(w, h);
    });
    try {
      ro.observe(el, { box: 'device-pixel-content-box' });
    } catch {
      ro.observe(el); // browsers without device-pixel boxes: CSS size × devicePixelRatio
    }
    return () => ro.disconnect();
  }, [store, canvasRef]);

  // Drops anywhere on the page land here.
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    const onEnter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      setDragging(true);
    };
    const onLeave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onOver = (e: DragEvent) => e.preventDefault();
    const onDrop = (e: DragEvent) => {
      e.preventDefault();
      depth = 0;
      setDragging(false);
      // A folder opens as the set of its image files; text or links get a message (drop.ts).
      const { begin, end, report } = store.getState();
      begin('drop');
      void dropContents(e.dataTransfer)
        .then(({ files, folder, message }) => {
          if (files.length === 0) {
            report(message ?? 'Nothing to open: the drop held no files.');
            return;
          }
          if (message) report(message, 'info');
          void loadFiles(store, files, folder ?? undefined);
        })
        .finally(() => end('drop'));
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [store]);

  return (
    <div className={`viewport${dragging ? ' dragging' : ''}`} ref={box} data-testid="drop-zone">
      <canvas
        ref={canvasRef}
        data-testid="preview"
        aria-label="Merged, tone-mapped result"
        className={zoomed ? (panning ? 'panning' : 'pannable') : undefined}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={endPan}
        onPointerCancel={endPan}
      />
      <CompareDivider />
      <ViewBar />
      {gpu.state === 'unavailable' && (
        <div className="overlay gpu-missing" data-testid="gpu-status">
          <h2>WebGPU is not available</h2>
          <p>{gpu.message}</p>
        </div>
      )}
      {gpu.state !== 'unavailable' && !hasImage && <div className="overlay hint">Drop 2–16 bracketed exposures (or one .exr or .hdr) anywhere on the page</div>}
      {dragging && <div className="overlay drop-hint">Drop to merge</div>}
    </div>
  );
}
