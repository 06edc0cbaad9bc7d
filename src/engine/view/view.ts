// View geometry: which part of the image the canvas shows, at what scale, and
// where it lands. Pure functions shared by the pipeline (what to render), the
// UI (wheel zoom about the cursor, pan by drag) and the tests.
//
// Scale is device pixels per image pixel, so 100 % means one image pixel on
// one physical screen pixel, as in a raw developer's 1:1 view. Fit never
// enlarges (a small image at fit is shown at 100 %). Above fit the pipeline
// renders only the visible region, from the full-resolution result: at
// 100 % and beyond every image pixel on screen is a real pixel, shown square
// (the present pass reads texels, it does not filter). Below 100 % the region
// is box-averaged to canvas resolution, like the fitted preview.

/** 'fit', or device pixels per image pixel. */
export type Zoom = 'fit' | number;

export interface ViewState {
  zoom: Zoom;
  /** The image point at the canvas centre, as a fraction of the image size (0..1). */
  center: readonly [number, number];
}

export const FIT_VIEW: ViewState = { zoom: 'fit', center: [0.5, 0.5] };

/** The zoom range of the wheel: from fit up to 16 device pixels per image pixel. */
export const MAX_ZOOM = 16;

export interface ViewGeometry {
  /** Device pixels per image pixel. */
  scale: number;
  /** True at fit (the whole image, fitted): the preview the fast path renders. */
  fit: boolean;
  /** Visible source rectangle, whole image pixels: x0, y0, x1, y1 (x1, y1 exclusive). */
  region: [number, number, number, number];
  /** Size of the rendered region: canvas resolution below 100 %, image resolution from 100 % up. */
  out: [number, number];
  /** Where the region lands on the canvas, device pixels: x0, y0, x1, y1. */
  rect: [number, number, number, number];
  /** The centre after clamping, so the image never scrolls off the canvas. */
  center: [number, number];
}

/** Scale at which the whole image fits the viewport (never above 1). */
export function fitScale(image: readonly [number, number], viewport: readonly [number, number]): number {
  const [W, H] = image;
  const [vw, vh] = viewport;
  if (!(W > 0 && H > 0 && vw > 0 && vh > 0)) return 1;
  return Math.min(vw / W, vh / H, 1);
}

export function viewGeometry(image: readonly [number, number], viewport: readonly [number, number], view: ViewState): ViewGeometry {
  const [W, H] = image;
  const [vw, vh] = viewport[0] > 0 && viewport[1] > 0 ? viewport : image;
  const fs = fitScale(image, [vw, vh]);
  const asked = view.zoom === 'fit' ? fs : Math.min(MAX_ZOOM, Math.max(fs, view.zoom));
  if (view.zoom === 'fit' || asked <= fs) {
    const pw = Math.max(1, Math.round(W * fs));
    const ph = Math.max(1, Math.round(H * fs));
    const x0 = Math.round((vw - pw) / 2);
    const y0 = Math.round((vh - ph) / 2);
    return { scale: fs, fit: true, region: [0, 0, W, H], out: [pw, ph], rect: [x0, y0, x0 + pw, y0 + ph], center: [0.5, 0.5] };
  }
  const s = asked;
  const axis = (size: number, span: number, c: number): { c: number; r0: number; r1: number; origin: number } => {
    // span: visible image pixels on this axis. Keep the view inside the image;
    // an image narrower than the canvas is centred.
    const half = span / 2;
    const cx = span >= size ? size / 2 : Math.min(size - half, Math.max(half, c * size));
    // Canvas coordinate of image coordinate 0, rounded so 100 % and 200 % sit on whole pixels.
    const origin = Math.round((span * s) / 2 - cx * s);
    const r0 = Math.max(0, Math.floor(-origin / s));
    const r1 = Math.min(size, Math.ceil((span * s - origin) / s));
    return { c: cx / size, r0, r1, origin };
  };
  const x = axis(W, vw / s, view.center[0]);
  const y = axis(H, vh / s, view.center[1]);
  const rw = x.r1 - x.r0;
  const rh = y.r1 - y.r0;
  const k = Math.min(s, 1);
  const out: [number, number] = [Math.max(1, Math.round(rw * k)), Math.max(1, Math.round(rh * k))];
  const rect: [number, number, number, number] = [x.origin + x.r0 * s, y.origin + y.r0 * s, x.origin + x.r1 * s, y.origin + y.r1 * s];
  return { scale: s, fit: false, region: [x.r0, y.r0, x.r1, y.r1], out, rect, center: [x.c, y.c] };
}

/** Zoom to `zoom` keeping the image point under canvas point `at` (device pixels) where it is. */
export function zoomAbout(image: readonly [number, number], viewport: readonly [number, number], view: ViewState, zoom: Zoom, at: readonly [number, number] = [viewport[0] / 2, viewport[1] / 2]): ViewState {
  if (zoom === 'fit') return FIT_VIEW;
  const g = viewGeometry(image, viewport, view);
  const fs = fitScale(image, viewport);
  const s = Math.min(MAX_ZOOM, Math.max(fs, zoom));
  if (s <= fs) return FIT_VIEW;
  const [W, H] = image;
  // Image point under the cursor now.
  const px = g.region[0] + ((at[0] - g.rect[0]) / (g.rect[2] - g.rect[0])) * (g.region[2] - g.region[0]);
  const py = g.region[1] + ((at[1] - g.rect[1]) / (g.rect[3] - g.rect[1])) * (g.region[3] - g.region[1]);
  // After: the centre sits (at − canvas centre) / s image pixels from that point.
  const cx = px - (at[0] - viewport[0] / 2) / s;
  const cy = py - (at[1] - viewport[1] / 2) / s;
  return { zoom: s, center: [cx / W, cy / H] };
}

/** Move the view by a drag of (dx, dy) device pixels (the image follows the pointer). */
export function panBy(image: readonly [number, number], viewport: readonly [number, number], view: ViewState, dx: number, dy: number): ViewState {
  const g = viewGeometry(image, viewport, view);
  if (g.fit) return view;
  const [W, H] = image;
  const center: [number, number] = [g.center[0] - dx / g.scale / W, g.center[1] - dy / g.scale / H];
  // Clamp through the geometry so the stored centre never drifts past the edge.
  return { zoom: view.zoom, center: viewGeometry(image, viewport, { zoom: view.zoom, center }).center };
}
