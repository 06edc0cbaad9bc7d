import { describe, expect, it } from 'vitest';
import fusionWgsl from '../../shaders/fusion-weights.wgsl?raw';
import tonemapWgsl from '../../shaders/tonemap.wgsl?raw';
import { clampParam, defaultParams, PARAM_NAMES, PARAMS, packUniforms, passChanged, uniformFieldNames, type Params, type UniformPass } from './params';
import { MODES } from './types';

/** `name: type` fields of a WGSL struct, in order. */
function structFields(wgsl: string, struct: string): { name: string; type: string }[] {
  const body = new RegExp(`struct\\s+${struct}\\s*\\{([^}]*)\\}`).exec(wgsl)?.[1];
  if (body === undefined) throw new Error(`struct ${struct} not found`);
  return body
    .replace(/\/\/.*$/gm, '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .map((f) => {
      const [name = '', type = ''] = f.split(':').map((s) => s.trim());
      return { name, type };
    });
}

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

const STRUCTS: [UniformPass, string, string][] = [
  ['tonemap', 'ToneParams', tonemapWgsl],
  ['fusion', 'FusionParams', fusionWgsl],
];

describe.each(STRUCTS)('%s uniforms ↔ struct %s', (pass, struct, wgsl) => {
  const fields = structFields(wgsl, struct);

  it('has the schema fields, in order, all f32', () => {
    expect(fields.length).toBeGreaterThan(0);
    expect(fields.map((f) => f.name)).toEqual(uniformFieldNames(pass));
    for (const f of fields) expect(f.type, f.name).toBe('f32');
  });

  it('packUniforms puts each value at its declared index', () => {
    // Distinct, exactly representable in f32.
    const params = Object.fromEntries(PARAM_NAMES.map((n, i) => [n, (i + 1) * 0.25])) as Params;
    const packed = packUniforms(pass, params);
    uniformFieldNames(pass).forEach((n, i) => expect(packed[i], n).toBe(params[n]));
    // Padding is zero.
    for (let i = fields.length; i < packed.length; i++) expect(packed[i]).toBe(0);
  });

  it('byteLength is a multiple of 16 and covers every field', () => {
    const bytes = packUniforms(pass, defaultParams()).byteLength;
    expect(bytes % 16).toBe(0);
    expect(bytes).toBeGreaterThanOrEqual(4 * fields.length);
  });

  it('passChanged sees a change of its own fields only', () => {
    const a = defaultParams();
    for (const n of PARAM_NAMES) {
      const b = { ...a, [n]: a[n] + PARAMS[n].step };
      expect(passChanged(pass, a, b), n).toBe(PARAMS[n].pass === pass);
    }
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
