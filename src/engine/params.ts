// Every user-facing parameter is declared here once. The declaration drives
// the tweakpane panel (label, range, step, the modes that show it), the
// store's defaults and the layout of the WGSL uniform struct of the pass named
// in `pass` (fields in declaration order, all f32; a unit test checks the WGSL
// side agrees).
import { AGX_LOOKS, OPERATOR_IDS, OPERATOR_LABELS, type OperatorId } from './operators';
import type { Mode } from './types';

export interface ParamSpec {
  /** Panel label. */
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly default: number;
  /** The pass whose uniform struct carries this value. */
  readonly pass: UniformPass;
  /** The modes whose panel shows it. */
  readonly modes: readonly Mode[];
  /** A choice: the value is an index into these labels (min 0, max length-1, step 1). */
  readonly options?: readonly string[];
  /** Shown only while one of these operators is picked (merge mode). */
  readonly operators?: readonly OperatorId[];
}

/**
 * 'detail' params are not packed as they stand: the local-detail filter turns
 * them into its remap coefficients (reference/local-detail.ts, remapCoefficients);
 * 'deghost' params go to the deghosting module (deghost.ts setParams).
 */
export type UniformPass = 'deghost' | 'fusion' | 'detail' | 'tonemap';
const BOTH: readonly Mode[] = ['fusion', 'merge'];
const FUSION: readonly Mode[] = ['fusion'];
const MERGE: readonly Mode[] = ['merge'];

export const PARAMS = {
  // Deghosting (both modes): 0 is off. The reference bracket is counted darkest first from 0; −1 picks the best exposed.
  deghost: { label: 'Deghost', min: 0, max: 1, step: 0.01, default: 0, pass: 'deghost', modes: BOTH },
  deghostReference: { label: 'Ghost reference (−1 auto)', min: -1, max: 15, step: 1, default: -1, pass: 'deghost', modes: BOTH },
  // Exposure fusion weight exponents (Mertens et al. 2007; 0 switches a measure off).
  contrastWeight: { label: 'Contrast weight', min: 0, max: 3, step: 0.01, default: 1, pass: 'fusion', modes: FUSION },
  saturationWeight: { label: 'Saturation weight', min: 0, max: 3, step: 0.01, default: 1, pass: 'fusion', modes: FUSION },
  exposureWeight: { label: 'Exposedness weight', min: 0, max: 3, step: 0.01, default: 1, pass: 'fusion', modes: FUSION },
  // Local detail and range compression (fast local Laplacian filter), before tone mapping.
  detail: { label: 'Detail', min: -1, max: 1, step: 0.01, default: 0, pass: 'detail', modes: BOTH },
  rangeCompression: { label: 'Range compression', min: 0, max: 1, step: 0.01, default: 0, pass: 'detail', modes: BOTH },
  // Tone mapping of the radiance map (merge mode): the operator and its own params.
  toneOperator: { label: 'Operator', min: 0, max: OPERATOR_IDS.length - 1, step: 1, default: 0, pass: 'tonemap', modes: MERGE, options: OPERATOR_IDS.map((id) => OPERATOR_LABELS[id]) },
  key: { label: 'Key', min: 0.01, max: 1, step: 0.005, default: 0.18, pass: 'tonemap', modes: MERGE, operators: ['reinhard02'] },
  whitePoint: { label: 'White point', min: 0.5, max: 64, step: 0.1, default: 8, pass: 'tonemap', modes: MERGE, operators: ['reinhard02'] },
  rdIntensity: { label: 'Intensity', min: -8, max: 8, step: 0.05, default: 0, pass: 'tonemap', modes: MERGE, operators: ['reinhardDevlin05'] },
  rdContrast: { label: 'Contrast (0 = auto)', min: 0, max: 1, step: 0.01, default: 0, pass: 'tonemap', modes: MERGE, operators: ['reinhardDevlin05'] },
  rdLightAdaptation: { label: 'Light adaptation', min: 0, max: 1, step: 0.01, default: 1, pass: 'tonemap', modes: MERGE, operators: ['reinhardDevlin05'] },
  rdChromaticAdaptation: { label: 'Chromatic adaptation', min: 0, max: 1, step: 0.01, default: 0, pass: 'tonemap', modes: MERGE, operators: ['reinhardDevlin05'] },
  dragoBias: { label: 'Bias', min: 0.5, max: 1, step: 0.01, default: 0.85, pass: 'tonemap', modes: MERGE, operators: ['drago03'] },
  agxLook: { label: 'Look', min: 0, max: AGX_LOOKS.length - 1, step: 1, default: 0, pass: 'tonemap', modes: MERGE, operators: ['agx'], options: ['Base', 'Punchy'] },
  // Finishing, after fusion or tone mapping.
  exposure: { label: 'Exposure (EV)', min: -8, max: 8, step: 0.01, default: 0, pass: 'tonemap', modes: BOTH },
  saturation: { label: 'Saturation', min: 0, max: 2, step: 0.01, default: 1, pass: 'tonemap', modes: BOTH },
  gamma: { label: 'Gamma', min: 0.4, max: 2.5, step: 0.01, default: 1, pass: 'tonemap', modes: MERGE },
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

/** The params of one pass, in declaration order: the bytes of its uniform struct. */
export function packUniforms(pass: UniformPass, params: Params): Float32Array<ArrayBuffer> {
  const names = PARAM_NAMES.filter((n) => PARAMS[n].pass === pass);
  // Uniform buffers are sized in multiples of 16 bytes.
  const out = new Float32Array(Math.ceil(names.length / 4) * 4);
  names.forEach((n, i) => {
    out[i] = params[n];
  });
  return out;
}

/** The local-detail filter's settings. */
export function localDetailParams(params: Params): { detail: number; range: number } {
  return { detail: params.detail, range: params.rangeCompression };
}

export function uniformFieldNames(pass: UniformPass): ParamName[] {
  return PARAM_NAMES.filter((n) => PARAMS[n].pass === pass);
}

/** Whether any value of a pass's uniform struct differs between a and b. */
export function passChanged(pass: UniformPass, a: Params, b: Params): boolean {
  return uniformFieldNames(pass).some((n) => a[n] !== b[n]);
}

/** Whether the panel shows a param in this mode with this operator picked. */
export function paramVisible(name: ParamName, mode: Mode, operator: number): boolean {
  const spec: ParamSpec = PARAMS[name];
  if (!spec.modes.includes(mode)) return false;
  const id = OPERATOR_IDS[Math.round(operator)];
  return !spec.operators || (id !== undefined && spec.operators.includes(id));
}
