// The processing graph's operators, declared once: what each reads from
// outside (the changes that dirty it) and which operators' outputs it reads
// in each configuration. The scheduler (scheduler.ts) derives everything else
// from this table: what a change re-runs, what a render needs, and the
// order. The tests read the graph from here too.
//
//   brackets ─upload─[align]─┬→ merge → radiance ─┬→ luminance → stats ─────────────────────────────┐
//                            │                     └→ source ─┬→ downsample → preview ─→ detail ─→ tonemap → toned → curve → display ─┬→ present
//                            └→ fusion → fused ────→ source ──┘   (region)           (fit only)   (fusion: no stats)                  └→ histogram
//                            └→ deghost → merge, ghostFill → fusion  (deghosting on)
//                                          fused → fusedStats  (fusion mode, not a draft: read back for fusion's automatic look)
//                                          source → detailFull ─→ downsample  (zoomed in or settled, local detail on)
//                            └→ draftBrackets → draftMerge | draftFusion ─→ downsample  (a draft: the view while the source is stale)
//                            └→ (layer N/2) → before (same region; the compare split) → present
import { Scheduler, type OperatorDecl } from './scheduler';
import type { Mode } from '../types';
import type { ParamPass } from '../params';

/** A change from outside the graph. */
export type Change =
  /** New brackets or a radiance map. */
  | 'brackets'
  /** Alignment found motion, or was switched on or off. */
  | 'alignment'
  /** New exposures or camera response. */
  | 'exposures'
  /** Deghosting settings. */
  | 'ghosts'
  /** Fusion weight exponents. */
  | 'weights'
  | 'mode'
  /** Local detail settings. */
  | 'detail'
  /** Tone-mapping and finishing params. */
  | 'params'
  /** The canvas size, zoom or pan: a new region. */
  | 'viewport'
  | 'curves'
  /** The before/after split or the ghost mask turned on, or the split moved. */
  | 'compare'
  /** What present paints only: clip warnings, the HDR display, the split's position. */
  | 'paint';

/** The change each param group (params.ts `pass`) makes: its operators read it. */
export const PARAM_CHANGE: Record<ParamPass, Change> = { fusion: 'weights', deghost: 'ghosts', detail: 'detail', tonemap: 'params' };

/** Where local detail runs: not at all, on the preview (fit, while edits move), or at full size (zoomed in, settled). */
export type DetailAt = 'off' | 'preview' | 'full';

/** Everything that decides the graph's edges. */
export interface GraphConfig {
  readonly mode: Mode;
  /** A radiance map from a file: no brackets, and the merge's output is given. */
  readonly radianceInput: boolean;
  /** The brackets are read through the warp. */
  readonly aligned: boolean;
  /** Deghosting is on and has brackets to compare. */
  readonly ghosts: boolean;
  readonly detail: DetailAt;
  /** The view reads the draft (canvas-sized) merge or fusion. */
  readonly draft: boolean;
  /** The before/after split is shown. */
  readonly compare: boolean;
  /** The ghost mask is painted. */
  readonly ghostMask: boolean;
  /** There is a canvas with a size to present into. */
  readonly present: boolean;
  /** The preview's size (the draft is made at it). */
  readonly preview: readonly [number, number];
}

type Decl = OperatorDecl<Stage, Change, GraphConfig>;

/** The brackets as merge, fusion and deghosting read them. */
const brackets = (c: GraphConfig): Stage => (c.aligned ? 'align' : 'upload');
const weighted = (c: GraphConfig): Stage[] => (c.ghosts ? [brackets(c), 'deghost'] : [brackets(c)]);
/** The full-size image the current mode tone-maps. */
export const sourceOf = (c: GraphConfig): Stage => (c.mode === 'fusion' ? 'fusion' : 'merge');
/** What the view chain downsamples. */
const viewInput = (c: GraphConfig): Stage => (c.draft ? (c.mode === 'fusion' ? 'draftFusion' : 'draftMerge') : c.detail === 'full' ? 'detailFull' : sourceOf(c));
/** What the tone mapper reads: the preview (or its local detail) and, in merge mode, the statistics. */
const toneInputs = (c: GraphConfig): Stage[] => {
  const image: Stage = c.detail === 'preview' ? 'detail' : 'downsample';
  if (c.mode === 'fusion') return [image];
  return [image, c.draft ? 'draftMerge' : 'luminance'];
};

/** Every operator, in an order where each reads only operators above it (the scheduler checks). */
export const STAGES = [
  'upload',
  'align',
  'deghost',
  'ghostFill',
  'merge',
  'luminance',
  'fusion',
  'fusedStats',
  'detailFull',
  'draftBrackets',
  'draftMerge',
  'draftFusion',
  'downsample',
  'detail',
  'tonemap',
  'curve',
  'histogram',
  'before',
  'ghostView',
  'present',
] as const;
export type Stage = (typeof STAGES)[number];

/** Each operator's declaration. */
export const OPERATORS: { readonly [S in Stage]: Omit<Decl, 'id'> } = {
  upload: { reads: ['brackets'], inputs: () => [] },
  align: { reads: ['alignment'], inputs: () => ['upload'] },
  // Deghosting predicts each bracket through the exposures and the response.
  deghost: { reads: ['ghosts', 'exposures'], inputs: (c) => [brackets(c)] },
  // The brackets with what deghosting rejected filled from the consistent merge (fusion reads it): through the exposures and the response too.
  ghostFill: { reads: ['exposures'], inputs: (c) => [brackets(c), 'deghost'] },
  // A radiance map from a file is the merge's output (given on upload).
  merge: { reads: ['exposures'], inputs: (c) => (c.radianceInput ? ['upload'] : weighted(c)), computes: (c) => !c.radianceInput },
  luminance: { reads: [], inputs: () => ['merge'] },
  fusion: { reads: ['weights'], inputs: (c) => (c.ghosts ? ['ghostFill'] : [brackets(c)]) },
  // The fused image's statistics: read back for the automatic look (engine/tonemap/auto-look.ts), not by a pass.
  fusedStats: { reads: [], inputs: () => ['fusion'] },
  detailFull: { reads: ['detail', 'mode'], inputs: (c) => [sourceOf(c)] },
  // Made at the preview's size: another canvas size makes it again.
  draftBrackets: { reads: [], inputs: (c) => [brackets(c)], key: (c) => c.preview.join('×') },
  draftMerge: { reads: ['exposures'], inputs: () => ['draftBrackets'] },
  draftFusion: { reads: ['weights'], inputs: () => ['draftBrackets'] },
  downsample: { reads: ['viewport'], inputs: (c) => [viewInput(c)] },
  detail: { reads: ['detail', 'mode', 'viewport'], inputs: () => ['downsample'] },
  tonemap: { reads: ['params', 'mode'], inputs: toneInputs },
  curve: { reads: ['curves'], inputs: () => ['tonemap'] },
  histogram: { reads: [], inputs: () => ['curve'] },
  before: { reads: ['viewport', 'compare'], inputs: (c) => [brackets(c)] },
  ghostView: { reads: ['viewport', 'compare'], inputs: () => ['deghost'] },
  present: {
    reads: ['viewport', 'compare', 'paint'],
    // The tone mapper's input too: the HDR display lifts what the tone mapper compressed.
    inputs: (c) => ['curve', toneInputs(c)[0]!, ...(c.compare ? (['before'] as const) : []), ...(c.ghostMask && c.ghosts ? (['ghostView'] as const) : [])],
  },
};

/** The draft's operators: counted apart from the full-size ones. */
export const DRAFT_STAGES = ['draftBrackets', 'draftMerge', 'draftFusion'] as const satisfies readonly Stage[];

/** What the graph delivers: the histogram always, the canvas where there is one, and the full-size fusion's statistics in fusion mode (not while a draft stands in for it). */
export function sinks(c: GraphConfig): Stage[] {
  const out: Stage[] = c.present ? ['histogram', 'present'] : ['histogram'];
  if (c.mode === 'fusion' && !c.draft && !c.radianceInput) out.push('fusedStats');
  return out;
}

/** Every configuration (a few hundred): the scheduler checks the declarations against all of them. */
export function allConfigs(): GraphConfig[] {
  const out: GraphConfig[] = [];
  const flags = [false, true];
  for (const mode of ['merge', 'fusion'] as const)
    for (const radianceInput of flags)
      for (const aligned of flags)
        for (const ghosts of flags)
          for (const detail of ['off', 'preview', 'full'] as const)
            for (const draft of flags)
              for (const compare of flags) for (const ghostMask of flags) for (const present of flags) out.push({ mode, radianceInput, aligned, ghosts, detail, draft, compare, ghostMask, present, preview: [1, 1] });
  return out;
}

export function createScheduler(): Scheduler<Stage, Change, GraphConfig> {
  return new Scheduler<Stage, Change, GraphConfig>(
    STAGES.map((id) => ({ id, ...OPERATORS[id] })),
    allConfigs(),
  );
}
