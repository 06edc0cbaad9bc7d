// Every user-facing parameter is declared here once. The declaration drives
// the tweakpane panel (label, range, step, the modes that show it), the
// store's defaults, the CPU references' defaults, what a change costs
// (`cost`), and the field that carries it in its pass's uniform struct
// (`field`, `type`). The WGSL struct is the layout's source of truth: the
// passes fill it by field name through gpu/uniforms.ts (webgpu-utils), never
// by position, and a unit test checks that the schema's fields of each pass
// equal the struct's in name and type (layout.test.ts).
//
// A new slider on one tone-mapping operator is three places: its entry here
// (pass 'tonemap', cost 'uniform', `operators: [...]`), the WGSL that reads
// `p.<name>` (shaders/lib/operators.wgsl, with the field in struct ToneParams
// of shaders/tonemap/tonemap.wgsl), and its CPU reference (reference/operators.ts,
// which takes its defaults from here).
import { AGX_LOOKS, OPERATOR_IDS, OPERATOR_LABELS, type OperatorId } from './tonemap/operators';
import type { Mode } from './types';

/**
 * What a change of a param costs, cheapest first (after vkdt's run flags and
 * pmndrs/postprocessing's uniforms versus defines):
 *  - 'uniform': only the pass's uniform buffer is rewritten; that pass and
 *    everything downstream of it re-run, nothing is rebound or recompiled.
 *  - 'rerun': the pass runs again with a new structure: another pipeline
 *    variant (the tone operator is an override constant), a stage switched on
 *    or off, new bind groups; no texture is reallocated.
 *  - 'realloc': textures or buffers must be reallocated (a pyramid depth, a
 *    bracket count). No param costs this today: the image size, the bracket
 *    count and the local-detail levels (LOCAL_DETAIL_LEVELS) are not params.
 * A 'uniform' param may also declare `structure`: a change that moves
 * structure(value) costs 'rerun' (deghosting at 0 is off, and merge and fusion
 * drop their DEGHOST variants; local detail at 0 is a copy). changeCost() applies it.
 */
export type ParamCost = 'uniform' | 'rerun' | 'realloc';
const COST_ORDER: readonly ParamCost[] = ['uniform', 'rerun', 'realloc'];

/** WGSL scalar types a param's uniform field may have (integer ones take the rounded value). */
export type ParamType = 'f32' | 'u32' | 'i32';

export interface ParamSpec {
  /** Panel label. */
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly default: number;
  /** The pass whose params carry this value (see ParamPass). */
  readonly pass: ParamPass;
  /** What a change costs (ParamCost). Only 'uniform' params are fields of the pass's uniform struct. */
  readonly cost: ParamCost;
  /** The field that carries it (default: the param's name). */
  readonly field?: string;
  /** The field's WGSL type (default 'f32'). */
  readonly type?: ParamType;
  /** A change that moves structure(value) costs 'rerun' (see ParamCost). */
  readonly structure?: (value: number) => unknown;
  /** The modes whose panel shows it. */
  readonly modes: readonly Mode[];
  /** A choice: the value is an index into these labels (min 0, max length-1, step 1). */
  readonly options?: readonly string[];
  /** Shown only while one of these operators is picked (merge mode). */
  readonly operators?: readonly OperatorId[];
}

/**
 * The passes params belong to, and what their fields are:
 *  - 'tonemap': struct ToneParams of shaders/tonemap/tonemap.wgsl (var params), as they stand.
 *  - 'fusion': struct FusionParams of shaders/fusion/fusion-weights.wgsl (var params), as they stand.
 *  - 'deghost': struct DeghostParams of shaders/deghost/deghost.wgsl (var params):
 *    deghost.ts clamps the strength and resolves the reference (−1 → the
 *    automatic choice) before it fills them (deghostParams()).
 *  - 'detail': LocalDetailParams {detail, range} (localDetailParams()), which
 *    the local-detail filter turns into the remap coefficients of struct
 *    Uniforms of shaders/local-detail/local-laplacian.wgsl (reference/local-detail.ts remapCoefficients).
 */
export type ParamPass = 'deghost' | 'fusion' | 'detail' | 'tonemap';
const BOTH: readonly Mode[] = ['fusion', 'merge'];
const FUSION: readonly Mode[] = ['fusion'];
const MERGE: readonly Mode[] = ['merge'];

export const PARAMS = {
  // Deghosting (both modes): 0 is off. The reference bracket is counted darkest first from 0; −1 picks the best exposed.
  deghost: { label: 'Deghost', min: 0, max: 1, step: 0.01, default: 0, pass: 'deghost', cost: 'uniform', field: 'strength', structure: (v) => v > 0, modes: BOTH },
  deghostReference: { label: 'Ghost reference (−1 auto)', min: -1, max: 15, step: 1, default: -1, pass: 'deghost', cost: 'uniform', field: 'reference', type: 'u32', modes: BOTH },
  // Exposure fusion weight exponents (Mertens et al. 2007; 0 switches a measure off).
  contrastWeight: { label: 'Contrast weight', min: 0, max: 3, step: 0.01, default: 1, pass: 'fusion', cost: 'uniform', modes: FUSION },
  saturationWeight: { label: 'Saturation weight', min: 0, max: 3, step: 0.01, default: 1, pass: 'fusion', cost: 'uniform', modes: FUSION },
  exposureWeight: { label: 'Exposedness weight', min: 0, max: 3, step: 0.01, default: 1, pass: 'fusion', cost: 'uniform', modes: FUSION },
  // Local detail and range compression (fast local Laplacian filter), before tone mapping.
  detail: { label: 'Detail', min: -1, max: 1, step: 0.01, default: 0, pass: 'detail', cost: 'uniform', structure: (v) => v !== 0, modes: BOTH },
  rangeCompression: { label: 'Range compression', min: 0, max: 1, step: 0.01, default: 0, pass: 'detail', cost: 'uniform', field: 'range', structure: (v) => v > 0, modes: BOTH },
  // Tone mapping of the radiance map (merge mode): the operator and its own params.
  toneOperator: { label: 'Operator', min: 0, max: OPERATOR_IDS.length - 1, step: 1, default: 0, pass: 'tonemap', cost: 'rerun', modes: MERGE, options: OPERATOR_IDS.map((id) => OPERATOR_LABELS[id]) },
  key: { label: 'Key', min: 0.01, max: 1, step: 0.005, default: 0.18, pass: 'tonemap', cost: 'uniform', modes: MERGE, operators: ['reinhard02'] },
  whitePoint: { label: 'White point', min: 0.5, max: 256, step: 0.1, default: 8, pass: 'tonemap', cost: 'uniform', modes: MERGE, operators: ['reinhard02'] },
  rdIntensity: { label: 'Intensity', min: -8, max: 8, step: 0.05, default: 0, pass: 'tonemap', cost: 'uniform', modes: MERGE, operators: ['reinhardDevlin05'] },
  rdContrast: { label: 'Contrast (0 = auto)', min: 0, max: 1, step: 0.01, default: 0, pass: 'tonemap', cost: 'uniform', modes: MERGE, operators: ['reinhardDevlin05'] },
  rdLightAdaptation: { label: 'Light adaptation', min: 0, max: 1, step: 0.01, default: 1, pass: 'tonemap', cost: 'uniform', modes: MERGE, operators: ['reinhardDevlin05'] },
  rdChromaticAdaptation: { label: 'Chromatic adaptation', min: 0, max: 1, step: 0.01, default: 0, pass: 'tonemap', cost: 'uniform', modes: MERGE, operators: ['reinhardDevlin05'] },
  dragoBias: { label: 'Bias', min: 0.5, max: 1, step: 0.01, default: 0.85, pass: 'tonemap', cost: 'uniform', modes: MERGE, operators: ['drago03'] },
  agxLook: { label: 'Look', min: 0, max: AGX_LOOKS.length - 1, step: 1, default: 0, pass: 'tonemap', cost: 'uniform', type: 'u32', modes: MERGE, operators: ['agx'], options: ['Base', 'Punchy'] },
  // Finishing, after fusion or tone mapping.
  exposure: { label: 'Exposure (EV)', min: -8, max: 8, step: 0.01, default: 0, pass: 'tonemap', cost: 'uniform', modes: BOTH },
  saturation: { label: 'Saturation', min: 0, max: 2, step: 0.01, default: 1, pass: 'tonemap', cost: 'uniform', modes: BOTH },
  // Fusion's highlight roll-off and shadow toe (tonemap.wgsl fused_roll_off, fused_toe). Mertens fusion overshoots white where
  // a bright area meets darker detail (a sky the darkest bracket holds at 200 comes out white) and undershoots black beside
  // bright areas. fusedWhite: the fused brightness, linear, shown as white (at 2 what it pushed up to twice white keeps its
  // detail, rolled off from 0.85). fusedBlack: the fused value, sRGB-encoded, shown as black (at −0.05 what it pushed 0.05
  // below black keeps its detail, lifted up to 0.1). 1 and 0 (the defaults) clip as before; the automatic look sets both
  // from the fused image (engine/tonemap/auto-look.ts autoFusionLook).
  fusedWhite: { label: 'Highlights: white at', min: 1, max: 4, step: 0.01, default: 1, pass: 'tonemap', cost: 'uniform', modes: FUSION },
  fusedBlack: { label: 'Shadows: black at', min: -0.5, max: 0, step: 0.005, default: 0, pass: 'tonemap', cost: 'uniform', modes: FUSION },
  gamma: { label: 'Gamma', min: 0.4, max: 2.5, step: 0.01, default: 1, pass: 'tonemap', cost: 'uniform', modes: MERGE },
} as const satisfies Record<string, ParamSpec>;

export type ParamName = keyof typeof PARAMS;
export type Params = { [K in ParamName]: number };

export const PARAM_NAMES = Object.keys(PARAMS) as ParamName[];

export function defaultParams(): Params {
  const out = {} as Params;
  for (const name of PARAM_NAMES) out[name] = PARAMS[name].default;
  return out;
}

/** Clamp a value into its declared range (NaN falls back to the default). */
export function clampParam(name: ParamName, value: number): number {
  const spec = PARAMS[name];
  if (!Number.isFinite(value)) return spec.default;
  const v = 'options' in spec ? Math.round(value) : value;
  return Math.min(spec.max, Math.max(spec.min, v));
}

/** A schema: PARAMS, or (in tests) PARAMS with more entries. */
export type ParamSchema = Readonly<Record<string, ParamSpec>>;

/** The params of a pass in the schema, in declaration order (every cost). */
export function passParams(pass: ParamPass, schema: ParamSchema = PARAMS): string[] {
  return Object.keys(schema).filter((n) => schema[n]!.pass === pass);
}

/** The params that are fields of a pass's uniform struct (cost 'uniform'), in declaration order. */
export function uniformFieldNames(pass: ParamPass): ParamName[];
export function uniformFieldNames(pass: ParamPass, schema: ParamSchema): string[];
export function uniformFieldNames(pass: ParamPass, schema: ParamSchema = PARAMS): string[] {
  return passParams(pass, schema).filter((n) => schema[n]!.cost === 'uniform');
}

/** name: WGSL type of each field the schema gives a pass's uniform struct. */
export function uniformFields(pass: ParamPass, schema: ParamSchema = PARAMS): { name: string; type: ParamType }[] {
  return uniformFieldNames(pass, schema).map((n) => ({ name: schema[n]!.field ?? n, type: schema[n]!.type ?? 'f32' }));
}

/** A pass's uniform fields from params, keyed by field name (the WGSL struct's, for 'tonemap', 'fusion' and 'deghost'). */
export function uniformValues(pass: ParamPass, params: Readonly<Record<string, number>>, schema: ParamSchema = PARAMS): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of uniformFieldNames(pass, schema)) {
    const v = params[n];
    if (v === undefined) throw new Error(`params: no value for ${n}`);
    out[schema[n]!.field ?? n] = v;
  }
  return out;
}

/** The local-detail filter's settings (reference/local-detail.ts LocalDetailParams, without the floor). */
export function localDetailParams(params: Params): { detail: number; range: number } {
  const { detail, range } = uniformValues('detail', params);
  return { detail: detail!, range: range! };
}

/** The deghosting module's settings (deghost.ts DeghostParams): strength, and the reference (−1 automatic). */
export function deghostParams(params: Params): { strength: number; reference: number } {
  const { strength, reference } = uniformValues('deghost', params);
  return { strength: strength!, reference: reference! };
}

/** The params whose values differ between a and b, in declaration order. */
export function changedParams(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>, schema: ParamSchema = PARAMS): string[] {
  return Object.keys(schema).filter((n) => !Object.is(a[n], b[n]) && a[n] !== b[n]);
}

/** What changing one param from a to b costs: null when it did not change; 'rerun' where a 'uniform' param's structure moves. */
export function paramCost(name: string, a: number, b: number, schema: ParamSchema = PARAMS): ParamCost | null {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return null;
  const spec = schema[name];
  if (!spec) throw new Error(`params: no param ${name}`);
  if (spec.cost === 'uniform' && spec.structure && spec.structure(a) !== spec.structure(b)) return 'rerun';
  return spec.cost;
}

/** The most a change from a to b costs, over every param or those of one pass: null when nothing changed. */
export function changeCost(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>, pass?: ParamPass, schema: ParamSchema = PARAMS): ParamCost | null {
  let worst = -1;
  for (const n of changedParams(a, b, schema)) {
    if (pass && schema[n]!.pass !== pass) continue;
    worst = Math.max(worst, COST_ORDER.indexOf(paramCost(n, a[n]!, b[n]!, schema)!));
  }
  return COST_ORDER[worst] ?? null;
}

/** Whether any param of a pass (whatever its cost) differs between a and b. */
export function passChanged(pass: ParamPass, a: Params, b: Params): boolean {
  return changeCost(a, b, pass) !== null;
}

/** Whether the panel shows a param in this mode with this operator picked. */
export function paramVisible(name: ParamName, mode: Mode, operator: number): boolean {
  const spec: ParamSpec = PARAMS[name];
  if (!spec.modes.includes(mode)) return false;
  const id = OPERATOR_IDS[Math.round(operator)];
  return !spec.operators || (id !== undefined && spec.operators.includes(id));
}
