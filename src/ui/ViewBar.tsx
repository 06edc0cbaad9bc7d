// Zoom and compare controls over the canvas (and the HDR display toggle where
// the screen reports high dynamic range), and the before/after divider.
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { fitScale, viewGeometry, zoomAbout, type Zoom } from '../engine/view/view';
import { hasImage as anyImage, imageSize, type EditStore } from '../state/store';
import { useEdit, useHandles } from './context';

/** Image and canvas sizes (device pixels) from the store. */
export function viewSizes(s: ReturnType<EditStore['getState']>): { image: [number, number]; canvas: [number, number] } | null {
  const first = imageSize(s);
  if (!first || s.viewport.width === 0) return null;
  return { image: [first.width, first.height], canvas: [s.viewport.width, s.viewport.height] };
}

/** Zoom about the canvas centre (buttons) or a point (wheel). */
export function zoomTo(store: EditStore, zoom: Zoom, at?: [number, number]): void {
  const s = store.getState();
  const sizes = viewSizes(s);
  if (!sizes) return;
  s.setView(zoomAbout(sizes.image, sizes.canvas, s.view, zoom, at));
}

const HDR_QUERY = '(dynamic-range: high)';

/** Whether the display reports high dynamic range, following changes (another screen, a setting). */
function useHdrCapable(): boolean {
  return useSyncExternalStore(
    (changed) => {
      const q = window.matchMedia(HDR_QUERY);
      q.addEventListener('change', changed);
      return () => q.removeEventListener('change', changed);
    },
    () => window.matchMedia(HDR_QUERY).matches,
  );
}

export function ViewBar() {
  const { store } = useHandles();
  const hasImage = useEdit(anyImage);
  const compare = useEdit((s) => s.compare);
  const ghostMask = useEdit((s) => s.ghostMask);
  const deghostOn = useEdit((s) => s.params.deghost > 0);
  // A radiance map has no bracket to compare with.
  const canCompare = useEdit((s) => s.brackets.length > 0);
  const hdrCapable = useHdrCapable();
  const hdrDisplay = useEdit((s) => s.hdrDisplay);
  const fusion = useEdit((s) => s.mode === 'fusion');
  // A display that stops reporting HDR (the window moved to another screen)
  // would clip the lifted highlights to white: back to the SDR picture.
  useEffect(() => {
    if (!hdrCapable && store.getState().hdrDisplay) store.getState().setHdrDisplay(false);
  }, [hdrCapable, store]);
  const label = useEdit((s) => {
    const sizes = viewSizes(s);
    if (!sizes) return '';
    const g = viewGeometry(sizes.image, sizes.canvas, s.view);
    return `${g.fit ? 'Fit ' : ''}${Math.round(g.scale * 100)} %`;
  });
  if (!hasImage) return null;
  const fitPercent = () => {
    const sizes = viewSizes(store.getState());
    return sizes ? fitScale(sizes.image, sizes.canvas) : 1;
  };
  return (
    <div className="view-bar" role="toolbar" aria-label="View">
      <button type="button" data-testid="zoom-fit" onClick={() => zoomTo(store, 'fit')} title="Fit the whole image (0)">
        Fit
      </button>
      <button type="button" data-testid="zoom-100" onClick={() => zoomTo(store, Math.max(1, fitPercent()))} title="One image pixel per screen pixel (1)">
        100 %
      </button>
      <button type="button" data-testid="zoom-200" onClick={() => zoomTo(store, 2)} title="Two screen pixels per image pixel (2)">
        200 %
      </button>
      <span className="zoom-label" data-testid="zoom-label" aria-live="polite">
        {label}
      </span>
      {canCompare && (
        <label className="compare-toggle" title="Before (the middle bracket as shot) left of the divider, the result right of it">
          <input type="checkbox" data-testid="compare" checked={compare} onChange={(e) => store.getState().setCompare(e.target.checked)} /> Before / after
        </label>
      )}
      {canCompare && (
        <label className="compare-toggle" title={deghostOn ? 'Tint where deghosting set a bracket aside' : 'Turn Deghost up to see what it sets aside'}>
          <input type="checkbox" data-testid="ghost-mask" checked={ghostMask} onChange={(e) => store.getState().setGhostMask(e.target.checked)} /> Ghost mask
        </label>
      )}
      {hdrCapable && (
        <button
          type="button"
          data-testid="hdr-display"
          aria-pressed={hdrDisplay}
          onClick={() => store.getState().setHdrDisplay(!hdrDisplay)}
          title={
            fusion
              ? 'Preview on this HDR display: fusion output has no radiance above white, so only what the fusion pushed past white and the finish clipped shows brighter'
              : 'Preview on this HDR display: highlights the tone mapper compressed shown brighter than white (up to 3 stops); mid-tones as in the SDR picture'
          }
        >
          HDR
        </button>
      )}
    </div>
  );
}

/** The draggable divider of the before/after split (keyboard: arrow keys move it). */
export function CompareDivider() {
  const { store } = useHandles();
  const compare = useEdit((s) => s.compare && s.brackets.length > 0);
  const split = useEdit((s) => s.split);
  const ref = useRef<HTMLDivElement>(null);
  if (!compare) return null;
  const moveTo = (clientX: number) => {
    const box = ref.current?.parentElement?.getBoundingClientRect();
    if (box && box.width > 0) store.getState().setSplit((clientX - box.left) / box.width);
  };
  return (
    <div
      ref={ref}
      className="compare-divider"
      data-testid="compare-divider"
      role="slider"
      tabIndex={0}
      aria-label="Before/after divider"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(split * 100)}
      style={{ left: `${split * 100}%` }}
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        e.stopPropagation();
      }}
      onPointerMove={(e) => {
        if (e.currentTarget.hasPointerCapture(e.pointerId)) moveTo(e.clientX);
      }}
      onKeyDown={(e) => {
        const step = e.shiftKey ? 0.1 : 0.01;
        if (e.key === 'ArrowLeft') store.getState().setSplit(split - step);
        else if (e.key === 'ArrowRight') store.getState().setSplit(split + step);
        else return;
        e.preventDefault();
      }}
    >
      <span className="compare-tag before">Before</span>
      <span className="compare-tag after">After</span>
    </div>
  );
}
