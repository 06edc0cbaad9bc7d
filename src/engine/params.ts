// Every user-facing parameter is declared here once. The declaration drives
// the tweakpane panel (label, range, step, the modes that show it), the
// store's defaults and the layout of the WGSL uniform struct of the pass named
// in `pass` (fields in declaration order, all f32; a unit test checks the WGSL
// side agrees).
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
}

export type UniformPass = 'fusion' | 'tonemap';
const BOTH: readonly Mode[] = ['fusion', 'merge'];
const FUSION: readonly Mode[] = ['fusion'];
const MERGE: readonly Mode[] = ['merge'];

export const PARAMS = {
  // Exposure fusion weight exponents (Mertens et al. 2007; 0 switches a measure off).
  contrastWeight: { label: 'Contrast weight', min: 0, max: 3, step: 0.01, default: 1, pass: 'fusion', modes: FUSION },
  saturationWeight: { label: 'Saturation weight', min: 0, max: 3, step: 0.01, default: 1, pass: 'fusion', modes: FUSION },
  exposureWeight: { label: 'Exposedness weight', min: 0, max: 3, step: 0.01, default: 1, pass: 'fusion', modes: FUSION },
  // Finishing, after fusion or tone mapping.
  exposure: { label: 'Exposure (EV)', min: -8, max: 8, step: 0.01, default: 0, pass: 'tonemap', modes: BOTH },
  key: { label: 'Key', min: 0.01, max: 1, step: 0.005, default: 0.18, pass: 'tonemap', modes: MERGE },
  whitePoint: { label: 'White point', min: 0.5, max: 64, step: 0.1, default: 8, pass: 'tonemap', modes: MERGE },
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
  return Math.min(spec.max, Math.max(spec.min, value));
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

export function uniformFieldNames(pass: UniformPass): ParamName[] {
  return PARAM_NAMES.filter((n) => PARAMS[n].pass === pass);
}

/** Whether any value of a pass's uniform struct differs between a and b. */
export function passChanged(pass: UniformPass, a: Params, b: Params): boolean {
  return uniformFieldNames(pass).some((n) => a[n] !== b[n]);
}
