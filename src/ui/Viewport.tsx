// The canvas the engine presents into, sized in device pixels to its box, and
// the page-wide drop target.
import { useEffect, useRef, useState } from 'react';
import { loadFiles } from '../load';
import { useEdit, useHandles } from './context';

export function Viewport({ canvasRef }: { canvasRef: React.RefObject<HTMLCanvasElement | null> }) {
  const { store } = useHandles();
  const gpu = useEdit((s) => s.gpu);
  const hasImage = useEdit((s) => s.brackets.length > 0);
  const box = useRef<HTMLDivElement>(null);
  const [dragging, setDragging] = useState(false);

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
      const files = Array.from(e.dataTransfer?.files ?? []);
      void loadFiles(store, files);
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
      <canvas ref={canvasRef} data-testid="preview" aria-label="Merged, tone-mapped result" />
      {gpu.state === 'unavailable' && (
        <div className="overlay gpu-missing" data-testid="gpu-status">
          <h2>WebGPU is not available</h2>
          <p>{gpu.message}</p>
        </div>
      )}
      {gpu.state !== 'unavailable' && !hasImage && <div className="overlay hint">Drop 2–16 bracketed exposures anywhere on the page</div>}
      {dragging && <div className="overlay drop-hint">Drop to merge</div>}
    </div>
  );
}
