import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import deghostWgsl from '../../shaders/deghost.wgsl?raw';
import fusionWgsl from '../../shaders/fusion-weights.wgsl?raw';
import localLaplacianWgsl from '../../shaders/local-laplacian.wgsl?raw';
import tonemapWgsl from '../../shaders/tonemap.wgsl?raw';
import { shaderSource } from './gpu/shader';
import { uniformFields as wgslFields } from './gpu/uniforms';
import { PARAM_NAMES, PARAMS, uniformFields, type ParamPass } from './params';
import { UNIFORM_FIELDS } from './passes/local-laplacian';

const root = fileURLToPath(new URL('../../', import.meta.url));
const stems = (dir: string, ext: string) =>
  readdirSync(root + dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext) && !e.name.endsWith('.test.ts'))
    .map((e) => e.name.slice(0, -ext.length))
    .sort();

describe('pass files and shaders pair by name', () => {
  const passes = stems('src/engine/passes/', '.ts');
  const shaders = stems('shaders/', '.wgsl'); // top level only: shaders/lib/ is shared code

  it('src/engine/passes/X.ts ↔ shaders/X.wgsl', () => {
    expect(passes.length).toBeGreaterThan(0);
    expect(passes).toEqual(shaders);
  });

  it.each(passes)('passes/%s.ts imports its own shader ?raw', (name) => {
    const src = readFileSync(`${root}src/engine/passes/${name}.ts`, 'utf8');
    const raws = [...src.matchAll(/from\s+'([^']*\.wgsl)\?raw'/g)].map((m) => m[1]);
    expect(raws).toEqual([`../../../shaders/${name}.wgsl`]);
  });
});
describe('params schema ↔ WGSL uniform structs (reflected by webgpu-utils, as the passes fill them)', () => {
  /** Pass, its WGSL with the libs it is compiled with, the var<uniform> its params fill. */
  const STRUCTS: [ParamPass, string, string][] = [
    ['tonemap', shaderSource(tonemapWgsl, ['color', 'stats', 'operators']), 'params'],
    ['fusion', shaderSource(fusionWgsl, ['pyramid']), 'params'],
    ['deghost', shaderSource(deghostWgsl, ['pyramid']), 'params'],
  ];
  const sorted = (fs: readonly { name: string; type: string }[]) => fs.map((f) => `${f.name}: ${f.type}`).sort();

  it.each(STRUCTS)("%s: the schema's fields are the struct's, name and type", (pass, code, variable) => {
    const fields = wgslFields(code, variable);
    expect(fields.length).toBeGreaterThan(0);
    expect(sorted(uniformFields(pass))).toEqual(sorted(fields));
  });

  it('every uniform-cost param of those passes is a field; the detail params go through remapCoefficients', () => {
    const covered = new Set(STRUCTS.map(([p]) => p));
    for (const n of PARAM_NAMES) {
      const spec = PARAMS[n];
      if (spec.cost !== 'uniform') continue;
      expect(covered.has(spec.pass) || spec.pass === 'detail', n).toBe(true);
    }
  });

  it('local-laplacian struct Uniforms (filled by name from the remap coefficients) has the fields the pass sets', () => {
    const fields = wgslFields(shaderSource(localLaplacianWgsl, ['pyramid']), 'u');
    expect(fields.map((f) => f.name)).toEqual([...UNIFORM_FIELDS]);
    for (const f of fields) expect(f.type, f.name).toBe('f32');
  });

  it('a schema field the WGSL lacks, or of another type, is told apart', () => {
    const [, code, variable] = STRUCTS[0]!;
    const fields = wgslFields(code, variable);
    expect(sorted([...uniformFields('tonemap'), { name: 'extra', type: 'f32' }])).not.toEqual(sorted(fields));
    expect(sorted(uniformFields('tonemap').map((f) => (f.name === 'agxLook' ? { ...f, type: 'f32' as const } : f)))).not.toEqual(sorted(fields));
  });
});
