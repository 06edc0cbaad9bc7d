import { describe, expect, it } from 'vitest';
import deghostWgsl from '../../shaders/deghost/deghost.wgsl?raw';
import fusionWgsl from '../../shaders/fusion/fusion-weights.wgsl?raw';
import tonemapWgsl from '../../shaders/tonemap/tonemap.wgsl?raw';
import { shaderSource } from './gpu/shader';
import { UniformData } from './gpu/uniforms';
import {
  changeCost,
  changedParams,
  clampParam,
  defaultParams,
  deghostParams,
  localDetailParams,
  PARAM_NAMES,
  PARAMS,
  paramCost,
  passChanged,
  uniformFieldNames,
  uniformFields,
  uniformValues,
  type Params,
  type ParamPass,
} from './params';
import { DEFAULT_OPERATOR_PARAMS } from './tonemap/reference/operators';
import { MODES } from './types';

describe('PARAMS schema', () => {
  it.each(PARAM_NAMES)('%s: min < max, step > 0, default in range', (name) => {
    const p = PARAMS[name];
    expect(p.min).toBeLessThan(p.max);
    expect(p.step).toBeGreaterThan(0);
    expect(p.default).toBeGreaterThanOrEqual(p.min);
    expect(p.default).toBeLessThanOrEqual(p.max);
  });

  it('labels are unique', () => {
    const labels = PARAM_NAMES.map((n) => PARAMS[n].label);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('defaultParams() holds every default', () => {
    expect(defaultParams()).toEqual(Object.fromEntries(PARAM_NAMES.map((n) => [n, PARAMS[n].default])));
  });
});

/** The passes whose WGSL struct the schema's fields fill as they stand: pass, shader (with its libs), var<uniform>. */
const STRUCTS: [ParamPass, string, string][] = [
  ['tonemap', shaderSource(tonemapWgsl, ['color', 'stats', 'operators']), 'params'],
  ['fusion', shaderSource(fusionWgsl, ['pyramid']), 'params'],
  ['deghost', shaderSource(deghostWgsl, ['pyramid']), 'params'],
];

describe.each(STRUCTS)('%s uniforms, filled by name', (pass, code, variable) => {
  it("each value lands at its field's reflected offset, in its type; padding is zero", () => {
    const u = new UniformData(pass, code, variable);
    // Distinct whole numbers: exact in f32 and in the integer fields.
    const params = Object.fromEntries(PARAM_NAMES.map((n, i) => [n, i + 1])) as Params;
    u.set(uniformValues(pass, params));
    const view = new DataView(u.data);
    expect(u.fields.length).toBe(uniformFieldNames(pass).length);
    let covered = 0;
    for (const n of uniformFieldNames(pass)) {
      const spec = PARAMS[n];
      const field = 'field' in spec ? spec.field : n;
      const type = 'type' in spec ? spec.type : 'f32';
      const offset = fieldOffset(code, variable, field);
      const got = type === 'u32' ? view.getUint32(offset, true) : view.getFloat32(offset, true);
      expect(got, n).toBe(params[n]);
      covered += 4;
    }
    // Uniform buffers are sized in multiples of 16 bytes; the rest is zero.
    expect(u.data.byteLength % 16).toBe(0);
    expect(u.data.byteLength).toBeGreaterThanOrEqual(covered);
    const bytes = new Uint8Array(u.data);
    let nonzero = 0;
    for (const b of bytes) if (b !== 0) nonzero++;
    expect(nonzero).toBeLessThanOrEqual(covered);
  });

  it('a missing or unknown field throws', () => {
    const u = new UniformData(pass, code, variable);
    const values = uniformValues(pass, defaultParams());
    const [first] = Object.keys(values);
    const { [first!]: _dropped, ...missing } = values;
    expect(() => u.set(missing)).toThrow(/no value/);
    expect(() => u.set({ ...values, notAField: 1 })).toThrow(/no field notAField/);
  });

  it('passChanged sees a change of its own fields only', () => {
    const a = defaultParams();
    for (const n of PARAM_NAMES) {
      const b = { ...a, [n]: a[n] + PARAMS[n].step };
      expect(passChanged(pass, a, b), n).toBe(PARAMS[n].pass === pass);
    }
  });
});

/** Byte offset of a field of a reflected uniform struct. */
function fieldOffset(code: string, variable: string, field: string): number {
  // Found by writing a marker through the struct and looking for it: independent of UniformData's own bookkeeping.
  const u = new UniformData('probe', code, variable);
  const values = Object.fromEntries(u.fields.filter((f) => !/^_?pad\d*$/.test(f.name)).map((f) => [f.name, f.name === field ? 7 : 0]));
  u.set(values);
  const words = new Uint32Array(u.data);
  const f32 = new Float32Array(u.data);
  const i = words.findIndex((w, k) => w === 7 || f32[k] === 7);
  if (i < 0) throw new Error(`no field ${field}`);
  return i * 4;
}

describe('costs', () => {
  it('every param declares a cost; only the operator choice costs more than a uniform', () => {
    for (const n of PARAM_NAMES) expect(['uniform', 'rerun', 'realloc'], n).toContain(PARAMS[n].cost);
    expect(PARAM_NAMES.filter((n) => PARAMS[n].cost !== 'uniform')).toEqual(['toneOperator']);
    expect(PARAMS.toneOperator.cost).toBe('rerun');
  });

  it('only uniform-cost params are fields of a uniform struct', () => {
    expect(uniformFieldNames('tonemap')).not.toContain('toneOperator');
    for (const pass of ['tonemap', 'fusion', 'deghost', 'detail'] as const) for (const n of uniformFieldNames(pass)) expect(PARAMS[n].cost, n).toBe('uniform');
  });

  it('changedParams names the params that differ, in declaration order', () => {
    const a = defaultParams();
    expect(changedParams(a, { ...a })).toEqual([]);
    expect(changedParams(a, { ...a, gamma: 2, key: 0.3 })).toEqual(['key', 'gamma']);
  });

  it('changeCost: null for no change, the costliest change otherwise, per pass on request', () => {
    const a = defaultParams();
    expect(changeCost(a, { ...a })).toBeNull();
    expect(changeCost(a, { ...a, exposure: 1 })).toBe('uniform');
    expect(changeCost(a, { ...a, exposure: 1, toneOperator: 2 })).toBe('rerun');
    expect(changeCost(a, { ...a, toneOperator: 2 }, 'fusion')).toBeNull();
    expect(changeCost(a, { ...a, contrastWeight: 2 }, 'fusion')).toBe('uniform');
  });

  it("a structural move of a uniform param costs 'rerun': deghosting or local detail switched on or off", () => {
    expect(paramCost('deghost', 0, 0.5)).toBe('rerun');
    expect(paramCost('deghost', 0.5, 0.6)).toBe('uniform');
    expect(paramCost('deghost', 0.6, 0)).toBe('rerun');
    expect(paramCost('detail', 0, -0.2)).toBe('rerun');
    expect(paramCost('detail', 0.1, -0.2)).toBe('uniform');
    expect(paramCost('rangeCompression', 0, 0.3)).toBe('rerun');
    expect(paramCost('rangeCompression', 0.2, 0.3)).toBe('uniform');
    expect(paramCost('gamma', 1, 1)).toBeNull();
  });
});

describe('uniformValues', () => {
  it('keys each pass by its field names', () => {
    const p = defaultParams();
    expect(Object.keys(uniformValues('deghost', p)).sort()).toEqual(['reference', 'strength']);
    expect(uniformFields('deghost')).toEqual([
      { name: 'strength', type: 'f32' },
      { name: 'reference', type: 'u32' },
    ]);
    expect(deghostParams({ ...p, deghost: 0.4, deghostReference: 2 })).toEqual({ strength: 0.4, reference: 2 });
    expect(localDetailParams({ ...p, detail: 0.3, rangeCompression: 0.7 })).toEqual({ detail: 0.3, range: 0.7 });
    expect(uniformValues('tonemap', p)).toEqual(Object.fromEntries(uniformFieldNames('tonemap').map((n) => [n, p[n]])));
  });

  it('a param the schema has but the values lack throws', () => {
    const { gamma: _gamma, ...rest } = defaultParams();
    expect(() => uniformValues('tonemap', rest)).toThrow(/gamma/);
  });

  it("the CPU reference's operator defaults are the schema's", () => {
    for (const n of PARAM_NAMES) expect(DEFAULT_OPERATOR_PARAMS[n as keyof typeof DEFAULT_OPERATOR_PARAMS], n).toBe(PARAMS[n].default);
  });
});

describe('modes', () => {
  it('every param is shown in at least one known mode', () => {
    for (const n of PARAM_NAMES) {
      expect(PARAMS[n].modes.length, n).toBeGreaterThan(0);
      for (const m of PARAMS[n].modes) expect(MODES).toContain(m);
    }
  });

  it('fusion weights show only in fusion; the merge-only params never in fusion', () => {
    for (const n of uniformFieldNames('fusion')) expect(PARAMS[n].modes).toEqual(['fusion']);
    for (const n of ['key', 'whitePoint', 'gamma'] as const) expect(PARAMS[n].modes).not.toContain('fusion');
  });
});

describe('clampParam', () => {
  it('clamps into [min, max] and passes in-range values through', () => {
    expect(clampParam('exposure', 100)).toBe(PARAMS.exposure.max);
    expect(clampParam('exposure', -100)).toBe(PARAMS.exposure.min);
    expect(clampParam('gamma', 0)).toBe(PARAMS.gamma.min);
    expect(clampParam('saturation', 1.25)).toBe(1.25);
  });

  it.each([NaN, Infinity, -Infinity])('%s falls back to the default', (v) => {
    expect(clampParam('whitePoint', v)).toBe(PARAMS.whitePoint.default);
  });
});
