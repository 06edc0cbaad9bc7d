import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import deghostWgsl from '../../shaders/deghost/deghost.wgsl?raw';
import fusionWgsl from '../../shaders/fusion/fusion-weights.wgsl?raw';
import localLaplacianWgsl from '../../shaders/local-detail/local-laplacian.wgsl?raw';
import tonemapWgsl from '../../shaders/tonemap/tonemap.wgsl?raw';
import { shaderSource } from './gpu/shader';
import { uniformFields as wgslFields } from './gpu/uniforms';
import { PARAM_NAMES, PARAMS, uniformFields, type ParamPass } from './params';
import { UNIFORM_FIELDS } from './local-detail/passes/local-laplacian';

const root = fileURLToPath(new URL('../../', import.meta.url));
const stems = (dir: string, ext: string) =>
  readdirSync(root + dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext) && !e.name.endsWith('.test.ts'))
    .map((e) => e.name.slice(0, -ext.length))
    .sort();

// A folder per operator: src/engine/<op>/ holds its module, its passes
// (passes/X.ts, one per WGSL file) and its CPU reference (reference/);
// shaders/<op>/X.wgsl is each pass's shader, shaders/lib/ the shared code.
const dirs = (dir: string) =>
  readdirSync(root + dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
const OPERATOR_DIRS = dirs('src/engine/').filter((d) => readdirSync(`${root}src/engine/${d}`).includes('passes'));

describe('a folder per operator; pass files and shaders pair by operator and name', () => {
  const passes = OPERATOR_DIRS.flatMap((op) => stems(`src/engine/${op}/passes/`, '.ts').map((name) => `${op}/${name}`));
  const shaders = dirs('shaders/')
    .filter((d) => d !== 'lib')
    .flatMap((op) => stems(`shaders/${op}/`, '.wgsl').map((name) => `${op}/${name}`));

  it('src/engine/<op>/passes/X.ts ↔ shaders/<op>/X.wgsl, and no WGSL outside the folders', () => {
    expect(passes.length).toBeGreaterThan(0);
    expect(passes).toEqual(shaders);
    expect(stems('shaders/', '.wgsl')).toEqual([]);
  });

  it.each(passes)('%s.ts imports its own shader ?raw', (path) => {
    const src = readFileSync(`${root}src/engine/${path.replace('/', '/passes/')}.ts`, 'utf8');
    const raws = [...src.matchAll(/from\s+'([^']*\.wgsl)\?raw'/g)].map((m) => m[1]);
    expect(raws).toEqual([`../../../../shaders/${path}.wgsl`]);
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
