// The single source of truth for the edit: brackets, params, view, and what the
// app is doing. A vanilla zustand store: React reads it through hooks, the
// engine bridge subscribes to it directly (no React render in the slider path).
import { createStore } from 'zustand/vanilla';
import { subscribeWithSelector } from 'zustand/middleware';
import { clampParam, defaultParams, type ParamName, type Params } from '../engine/params';
import { AUTO_LOOK_PARAMS, defaultLook, type AutoLook } from '../engine/tonemap/auto-look';
import { identityCurves, normaliseCurve, type CurveChannel, type CurvePoint, type Curves } from '../engine/curve/curve';
import { responseLuts, type ResponseLuts } from '../engine/merge/response';
import { autoRecoveryRefusal } from '../engine/merge/auto-response';
import type { FloatImage, Mode } from '../engine/types';
import type { MemoryLimits } from '../engine/graph/budget';
import { FIT_VIEW, type ViewState } from '../engine/view/view';

export interface ExifExposure {
  exposureTime?: number;
  fNumber?: number;
  iso?: number;
}

export interface BracketEntry {
  readonly id: string;
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /**
   * Decoded RGBA, kept so the GPU can be re-fed without re-decoding: 8-bit
   * (JPEG, PNG, 8-bit TIFF) or 16-bit (16-bit TIFF, camera RAW); a set is all one or the other.
   */
  readonly pixels: Uint8ClampedArray | Uint16Array;
  readonly thumb: ImageBitmap | null;
  readonly exif: ExifExposure | null;
  /** The file's EXIF APP1 payload ("Exif\0\0" + TIFF; JPEG files only), copied into JPEG downloads. */
  readonly exifSegment: Uint8Array | null;
  /** Exposure relative to the darkest bracket, in stops. */
  readonly ev: number;
  /** From EXIF, assumed (no EXIF), measured from the pixels (the EXIF contradicted them), or typed by the user. */
  readonly evSource: 'exif' | 'assumed' | 'pixels' | 'user';
}

/** A finished radiance map opened for tone mapping alone (OpenEXR, Radiance HDR): no brackets, no merge. */
export interface RadianceEntry {
  readonly id: string;
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** Linear Rec. 709 RGBA, alpha 1. */
  readonly image: FloatImage;
  readonly thumb: ImageBitmap | null;
}

export interface AppMessage {
  readonly id: number;
  readonly text: string;
  readonly kind: 'error' | 'warning' | 'info';
}

export interface Progress {
  readonly step: string;
  readonly done: number;
  readonly total: number;
}

/**
 * How the merge linearises 8-bit codes: the sRGB curve (right for camera
 * JPEGs and PNGs that follow the standard), code / 255, or the curves
 * recovered from the brackets themselves (Debevec & Malik; engine/merge/response.ts).
 * 'auto' (the default) recovers them wherever the set allows
 * (autoRecoveryRefusal: 3+ distinct exposures from EXIF spanning 2+ EV) and
 * uses sRGB otherwise, when the recovery fails, or when sRGB explains the
 * brackets as well (resolvedResponse).
 */
export type ResponseChoice = 'auto' | 'srgb' | 'linear' | 'recovered';
export const RESPONSE_CHOICES: readonly ResponseChoice[] = ['auto', 'srgb', 'linear', 'recovered'];

/** One bracket's row of the alignment report (engine/align.ts), darkest first. */
export interface AlignmentRow {
  /** Centre translation (px, image pixels of the bracket), rotation (degrees, + clockwise), scale. */
  readonly tx: number;
  readonly ty: number;
  readonly rotation: number;
  readonly scale: number;
  /** 'reference', 'refined', 'translation' or 'identity' (kept in place: low confidence; see reason). */
  readonly method: string;
  readonly confidence: number;
  readonly reason: string;
}

/** What alignment found for the open brackets. */
export type AlignmentReport =
  | { readonly state: 'running' }
  | { readonly state: 'done'; readonly rows: readonly AlignmentRow[]; readonly crop: { x: number; y: number; width: number; height: number }; readonly applied: boolean; readonly ms: number }
  | { readonly state: 'failed'; readonly message: string };

export type GpuStatus =
  | { state: 'starting' }
  /** maxDimension: the texture limit (kept for scripts); limits: what decides which sets fit (engine/graph/fits.ts). */
  | { state: 'ready'; adapter: string; maxDimension: number; limits: MemoryLimits }
  | { state: 'unavailable'; message: string };

export interface EditState {
  /** Name of the bracket set; names the downloads. */
  setName: string;
  /** Sorted darkest to brightest. */
  brackets: BracketEntry[];
  /** A radiance map opened instead of brackets (then `brackets` is empty and the mode is 'merge'). */
  radiance: RadianceEntry | null;
  /** Exposure fusion, or radiance merge then tone mapping. */
  mode: Mode;
  params: Params;
  /**
   * 'auto': the params of the automatic look (engine/tonemap/auto-look.ts,
   * AUTO_LOOK_PARAMS) follow each new scene's statistics: the radiance map's
   * in merge mode, the fused image's in fusion mode; 'manual' once the user
   * moves one of them. The Auto button (setLook('auto')) re-applies it.
   */
  look: Look;
  /** The inverse camera response the merge uses. */
  response: ResponseChoice;
  /**
   * Curves recovered from the current brackets at their current EVs; null
   * until recovered (src/recover.ts), and again whenever the brackets or their
   * EVs change.
   */
  recoveredResponse: ResponseLuts | null;
  /** The recovery failed for the current brackets and EVs ('auto' then uses sRGB); cleared with recoveredResponse. */
  recoveryFailed: boolean;
  /** sRGB explains the current brackets about as well as the recovered curves (response.ts srgbFitsAsWell): 'auto' keeps the standard curve. */
  recoveredFitsSrgb: boolean;
  /** Tone curves on the display-encoded image: luminance, then optional R, G, B. */
  curves: Curves;
  /** Paint clipped highlights and shadows on the canvas. */
  clipWarnings: boolean;
  /** Paint where deghosting rejected a bracket. */
  ghostMask: boolean;
  /** Align the brackets (on by default): handheld sets need it, tripod sets come out unchanged. */
  align: boolean;
  /** The latest alignment of the open brackets, or null (none yet, one bracket, a radiance map). */
  alignment: AlignmentReport | null;
  /** Present with highlights above SDR white on a display that reports (dynamic-range: high). */
  hdrDisplay: boolean;
  /** R, G, B and luma counts of the displayed image (engine/histogram/reference/histogram.ts layout). */
  histogram: Uint32Array | null;
  jpegQuality: number;
  /** Canvas size in device pixels. */
  viewport: { width: number; height: number };
  /** Zoom and pan (engine/view.ts): fit, or device pixels per image pixel about a centre. */
  view: ViewState;
  /** Before/after split on: left of the divider, the middle bracket as shot. */
  compare: boolean;
  /** The divider's position, a fraction of the canvas width. */
  split: number;
  messages: AppMessage[];
  progress: Progress | null;
  /** Work in flight (decode, GPU frames, export), by kind. */
  pending: Record<string, number>;
  gpu: GpuStatus;
  /** What the luminance pass found in the current merge. */
  scene: SceneInfo | null;
}

export interface SceneInfo {
  /** Stops between the radiance map's 0.1 % and 99.9 % luminance percentiles (once the merge is measured). */
  readonly rangeEv?: number;
  /** The automatic look of this radiance map (merge mode). */
  readonly autoLook?: AutoLook;
  /** The automatic look of this fusion (fusion mode: its highlight roll-off and shadow toe). */
  readonly fusionLook?: AutoLook;
}

export type Look = 'auto' | 'manual';

export interface EditActions {
  setMode(mode: Mode): void;
  /** Set a param as the user does: one of the automatic look's makes the look manual. */
  setParam(name: ParamName, value: number): void;
  /** Several params at once, as setParam each but in one write (one undo step). */
  setParams(values: Partial<Record<ParamName, number>>): void;
  /** 'auto' applies the automatic look now (where the scene is measured) and from then on; 'manual' keeps the params as they are. */
  setLook(look: Look): void;
  setResponse(choice: ResponseChoice): void;
  /** The recovered curves (null: none), and whether sRGB fits the brackets as well (then 'auto' uses sRGB). */
  setRecoveredResponse(luts: ResponseLuts | null, fitsSrgb?: boolean): void;
  setRecoveryFailed(failed: boolean): void;
  setCurve(channel: CurveChannel, points: readonly CurvePoint[]): void;
  resetCurves(): void;
  setClipWarnings(on: boolean): void;
  setGhostMask(on: boolean): void;
  setAlign(on: boolean): void;
  setAlignment(report: AlignmentReport | null): void;
  setHdrDisplay(on: boolean): void;
  setHistogram(bins: Uint32Array | null): void;
  resetParams(): void;
  setBrackets(setName: string, brackets: BracketEntry[]): void;
  /** Open a radiance map: replaces the brackets, forces merge mode (fusion needs brackets). */
  setRadiance(setName: string, radiance: RadianceEntry): void;
  setEv(id: string, ev: number): void;
  setJpegQuality(q: number): void;
  setViewport(width: number, height: number): void;
  setView(view: ViewState): void;
  setCompare(on: boolean): void;
  setSplit(split: number): void;
  report(text: string, kind?: AppMessage['kind']): void;
  dismiss(id: number): void;
  clearMessages(): void;
  setProgress(p: Progress | null): void;
  begin(kind: string): void;
  end(kind: string): void;
  setGpu(status: GpuStatus): void;
  setScene(scene: SceneInfo | null): void;
}

export type Store = EditState & EditActions;

let messageId = 0;

export function sortDarkestFirst(brackets: BracketEntry[]): BracketEntry[] {
  return [...brackets].sort((a, b) => a.ev - b.ev);
}

/** The params with these set as the user sets them (clamped); one of the automatic look's makes the look manual. */
function paramsSet(s: Pick<EditState, 'params' | 'look'>, values: Partial<Record<ParamName, number>>): Pick<EditState, 'params' | 'look'> {
  const names = Object.keys(values) as ParamName[];
  const params = { ...s.params };
  for (const n of names) params[n] = clampParam(n, values[n]!);
  return { params, look: names.some((n) => (AUTO_LOOK_PARAMS as readonly string[]).includes(n)) ? 'manual' : s.look };
}

export function createEditStore() {
  return createStore<Store>()(
    subscribeWithSelector((set) => ({
      setName: '',
      brackets: [],
      radiance: null,
      mode: 'fusion',
      params: defaultParams(),
      look: 'auto',
      response: 'auto',
      recoveredResponse: null,
      recoveryFailed: false,
      recoveredFitsSrgb: false,
      curves: identityCurves(),
      clipWarnings: false,
      ghostMask: false,
      align: true,
      alignment: null,
      hdrDisplay: false,
      histogram: null,
      jpegQuality: 0.92,
      viewport: { width: 0, height: 0 },
      view: FIT_VIEW,
      compare: false,
      split: 0.5,
      messages: [],
      progress: null,
      pending: {},
      gpu: { state: 'starting' },
      scene: null,

      // A radiance map has no brackets to fuse.
      setMode: (mode) => set((s) => (s.radiance && mode === 'fusion' ? {} : { mode, ...lookParams({ ...s, mode }) })),
      setParam: (name, value) => set((s) => paramsSet(s, { [name]: value })),
      setParams: (values) => set((s) => paramsSet(s, values)),
      setLook: (look) => set((s) => ({ look, ...lookParams({ ...s, look }) })),
      resetParams: () => set((s) => ({ look: 'auto', ...lookParams({ ...s, look: 'auto', params: defaultParams() }) })),
      setResponse: (response) => set({ response }),
      setRecoveredResponse: (recoveredResponse, fitsSrgb = false) => set({ recoveredResponse, recoveredFitsSrgb: recoveredResponse !== null && fitsSrgb }),
      setRecoveryFailed: (recoveryFailed) => set({ recoveryFailed }),
      setCurve: (channel, points) => set((s) => ({ curves: { ...s.curves, [channel]: normaliseCurve(points) } })),
      resetCurves: () => set({ curves: identityCurves() }),
      setClipWarnings: (clipWarnings) => set({ clipWarnings }),
      setGhostMask: (ghostMask) => set({ ghostMask }),
      setAlign: (align) => set({ align }),
      setAlignment: (alignment) => set({ alignment }),
      setHdrDisplay: (hdrDisplay) => set({ hdrDisplay }),
      setHistogram: (histogram) => set({ histogram }),
      // A new set opens at fit; curves recovered from the old set do not apply to it.
      // The scene is measured again for the new pictures.
      setBrackets: (setName, brackets) =>
        set({ setName, brackets: sortDarkestFirst(brackets), radiance: null, view: FIT_VIEW, recoveredResponse: null, recoveryFailed: false, recoveredFitsSrgb: false, alignment: null, scene: null }),
      setRadiance: (setName, radiance) =>
        set({ setName, radiance, brackets: [], mode: 'merge', compare: false, view: FIT_VIEW, recoveredResponse: null, recoveryFailed: false, recoveredFitsSrgb: false, alignment: null, scene: null }),
      setEv: (id, ev) =>
        set((s) => {
          if (!Number.isFinite(ev)) return {};
          const brackets = s.brackets.map((b) => (b.id === id ? { ...b, ev, evSource: 'user' as const } : b));
          // The recovery solves for the exposure times too: new EVs, new curves.
          return { brackets: sortDarkestFirst(brackets), recoveredResponse: null, recoveryFailed: false, recoveredFitsSrgb: false };
        }),
      setJpegQuality: (q) => set({ jpegQuality: Math.min(1, Math.max(0.1, q)) }),
      setViewport: (width, height) => set((s) => (s.viewport.width === width && s.viewport.height === height ? {} : { viewport: { width, height } })),
      setView: (view) => set({ view }),
      setCompare: (compare) => set({ compare }),
      setSplit: (split) => set({ split: Number.isFinite(split) ? Math.min(1, Math.max(0, split)) : 0.5 }),
      report: (text, kind = 'error') => set((s) => ({ messages: [...s.messages, { id: ++messageId, text, kind }] })),
      dismiss: (id) => set((s) => ({ messages: s.messages.filter((m) => m.id !== id) })),
      clearMessages: () => set({ messages: [] }),
      setProgress: (progress) => set({ progress }),
      begin: (kind) => set((s) => ({ pending: { ...s.pending, [kind]: (s.pending[kind] ?? 0) + 1 } })),
      end: (kind) => set((s) => ({ pending: { ...s.pending, [kind]: Math.max(0, (s.pending[kind] ?? 0) - 1) } })),
      setGpu: (gpu) => set({ gpu }),
      setScene: (scene) => set((s) => ({ scene, ...lookParams({ ...s, scene }) })),
    })),
  );
}

export type EditStore = ReturnType<typeof createEditStore>;

/**
 * The params with the automatic look applied, as a partial state to merge:
 * {} when the look is manual, the params as given when (merge mode) the
 * scene is not measured yet or they already hold the look (the same object,
 * so nothing downstream re-runs). Fusion mode gets its own look (the
 * highlight roll-off and shadow toe, measured on the fused image) with the radiance map's
 * params at their defaults, and the defaults until the fusion is measured.
 */
function lookParams(s: Pick<EditState, 'look' | 'mode' | 'params' | 'scene'>): Partial<EditState> {
  if (s.look !== 'auto') return {};
  const look = s.mode === 'merge' ? s.scene?.autoLook : (s.scene?.fusionLook ?? defaultLook());
  if (!look) return s.params === undefined ? {} : { params: s.params };
  if (AUTO_LOOK_PARAMS.every((n) => s.params[n] === look[n])) return { params: s.params };
  return { params: { ...s.params, ...look } };
}

const FIXED_RESPONSES = { srgb: responseLuts('srgb'), linear: responseLuts('linear') } as const;

type ResponseInputs = Pick<EditState, 'response' | 'recoveredResponse' | 'recoveryFailed' | 'recoveredFitsSrgb' | 'brackets'>;

/** Why 'auto' does not recover the curve for these brackets (autoRecoveryRefusal), or null where it does. */
export function autoResponseRefusal(brackets: readonly Pick<BracketEntry, 'ev' | 'evSource'>[]): string | null {
  return autoRecoveryRefusal(brackets.map((b) => ({ ev: b.ev, known: b.evSource === 'exif' || b.evSource === 'user' })));
}

/**
 * The response the merge uses: the choice, with 'auto' resolved ('recovered'
 * where the set allows, the recovery has not failed and its curves explain the
 * brackets better than sRGB does; else sRGB).
 */
export function resolvedResponse(s: Partial<ResponseInputs> & Pick<EditState, 'response'>): Exclude<ResponseChoice, 'auto'> {
  if (s.response !== 'auto') return s.response;
  return !s.recoveryFailed && !s.recoveredFitsSrgb && autoResponseRefusal(s.brackets ?? []) === null ? 'recovered' : 'srgb';
}

/**
 * The tables of the response in use, the same object while the choice and
 * the recovered curves stay the same; null while 'recovered' (chosen, or
 * what 'auto' resolved to) waits for its curves.
 */
export function activeResponse(s: Partial<ResponseInputs> & Pick<EditState, 'response'>): ResponseLuts | null {
  const used = resolvedResponse(s);
  return used === 'recovered' ? (s.recoveredResponse ?? null) : FIXED_RESPONSES[used];
}

/** The size of what is open (brackets or a radiance map), or null: the common crop once alignment warps the brackets. */
export function imageSize(s: Pick<EditState, 'brackets' | 'radiance'> & Partial<Pick<EditState, 'alignment'>>): { width: number; height: number } | null {
  const a = s.alignment;
  if (a?.state === 'done' && a.applied && s.brackets.length > 0) return { width: a.crop.width, height: a.crop.height };
  return s.brackets[0] ?? s.radiance ?? null;
}

/** Brackets or a radiance map are open. */
export function hasImage(s: Pick<EditState, 'brackets' | 'radiance'>): boolean {
  return s.brackets.length > 0 || s.radiance !== null;
}

/** The bracket whose EXIF JPEG downloads carry: the middle one (the merge's exposure reference). */
export function referenceBracket(brackets: readonly BracketEntry[]): BracketEntry | undefined {
  return brackets[Math.floor(brackets.length / 2)];
}

export function isBusy(s: EditState): boolean {
  return Object.values(s.pending).some((n) => n > 0);
}
