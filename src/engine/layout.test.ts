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
import { INVALIDATES, STAGES, type Change, type Stage } from './pipeline';

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

describe('INVALIDATES', () => {
  // Direct inputs of each stage (see the diagram in pipeline.ts).
  const INPUTS: Record<Stage, readonly Stage[]> = {
    upload: [],
    align: ['upload'],
    deghost: ['upload', 'align'],
    merge: ['upload', 'align', 'deghost'],
    luminance: ['merge'],
    fusion: ['upload', 'align', 'deghost'],
    detailFull: ['merge', 'fusion'],
    downsample: ['merge', 'fusion', 'detailFull'],
    detail: ['downsample'],
    tonemap: ['luminance', 'downsample', 'detail'],
    curve: ['tonemap'],
    histogram: ['curve'],
    before: ['upload', 'align'],
    ghostView: ['deghost'],
    present: ['curve', 'before', 'ghostView'],
  };
  const changes = Object.keys(INVALIDATES) as Change[];
  /**
   * Edges the pipeline follows at run time instead of in the table: the
   * downsample reads the full-size detail result only while the view shows it
   * (zoomed in, or settled at fit); encodeDirty() and bindView() dirty it then.
   */
  const RUNTIME_EDGES = new Set(['detailFull→downsample']);

  it('the dependency table above covers exactly STAGES', () => {
    expect(Object.keys(INPUTS).sort()).toEqual([...STAGES].sort());
  });

  it('STAGES is in dependency order (inputs first)', () => {
    for (const stage of STAGES) for (const input of INPUTS[stage]) expect(STAGES.indexOf(input)).toBeLessThan(STAGES.indexOf(stage));
  });

  it("'params' dirties exactly tonemap, curve, histogram and present", () => {
    expect([...INVALIDATES.params].sort()).toEqual(['curve', 'histogram', 'present', 'tonemap']);
  });

  it("a curve drag ('curves') dirties exactly curve, histogram and present", () => {
    expect([...INVALIDATES.curves].sort()).toEqual(['curve', 'histogram', 'present']);
  });

  it("a canvas, zoom or pan change ('viewport') re-renders the region, never the merge, fusion or full-size detail", () => {
    for (const s of ['upload', 'merge', 'luminance', 'fusion', 'detailFull'] as const) expect(INVALIDATES.viewport).not.toContain(s);
    expect(INVALIDATES.viewport).toContain('before');
  });

  it("new exposures or response ('exposures') never re-fuse; deghosting adds 'ghosts' itself when on", () => {
    expect(INVALIDATES.exposures).not.toContain('fusion');
    expect(INVALIDATES.exposures).not.toContain('upload');
    expect(INVALIDATES.ghosts).toEqual(expect.arrayContaining(['deghost', 'merge', 'fusion']));
  });

  it("local detail settings ('detail') never re-merge or re-fuse, nor downsample the unchanged source", () => {
    for (const s of ['upload', 'merge', 'luminance', 'fusion', 'downsample'] as const) expect(INVALIDATES.detail).not.toContain(s);
  });

  it("alignment found or switched ('alignment') re-runs everything but the upload", () => {
    expect([...INVALIDATES.alignment].sort()).toEqual(STAGES.filter((s) => s !== 'upload').sort());
  });

  it("'brackets' dirties every stage", () => {
    expect([...INVALIDATES.brackets].sort()).toEqual([...STAGES].sort());
  });

  it.each(changes)('%s lists only known stages, each once', (c) => {
    for (const s of INVALIDATES[c]) expect(STAGES).toContain(s);
    expect(new Set(INVALIDATES[c]).size).toBe(INVALIDATES[c].length);
  });

  it.each(changes)('%s also dirties every stage downstream of a dirty one', (c) => {
    const dirty = new Set(INVALIDATES[c]);
    for (const stage of STAGES)
      for (const input of INPUTS[stage]) if (dirty.has(input) && !RUNTIME_EDGES.has(`${input}→${stage}`)) expect(dirty.has(stage), `${input} → ${stage}`).toBe(true);
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
