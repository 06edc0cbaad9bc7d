import { describe, expect, it } from 'vitest';
import { identityCurves } from '../engine/curve/curve';
import { defaultParams } from '../engine/params';
import { parsePreset, presetFileName, presetJson, PRESET_APP, readPreset, type PresetEdit } from './preset';

const edit = (): PresetEdit => ({
  mode: 'merge',
  params: { ...defaultParams(), exposure: 1.25, toneOperator: 2, dragoBias: 0.9 },
  curves: {
    ...identityCurves(),
    luma: [
      { x: 0, y: 0.05 },
      { x: 0.4, y: 0.55 },
      { x: 1, y: 1 },
    ],
    b: [
      { x: 0, y: 0 },
      { x: 1, y: 0.9 },
    ],
  },
  response: 'linear',
  align: false,
  look: 'manual',
});

/** A good preset's object, changed by `f`, as text. */
const variant = (f: (o: Record<string, unknown>) => void) => {
  const o = JSON.parse(presetJson(edit())) as Record<string, unknown>;
  f(o);
  return JSON.stringify(o);
};
const problem = (text: string) => {
  const r = parsePreset(text);
  expect(r.ok).toBe(false);
  return r.ok ? '' : r.problem;
};

describe('presets', () => {
  it('round trip: what is saved loads back equal, with nothing to say', () => {
    const text = presetJson(edit());
    expect(JSON.parse(text)).toMatchObject({ app: PRESET_APP, version: 1 });
    const r = parsePreset(text);
    expect(r).toEqual({ ok: true, edit: edit(), notes: [] });
  });

  it('file name follows the set', () => {
    expect(presetFileName('goldengate')).toBe('goldengate-preset.json');
    expect(presetFileName('')).toBe('hdr-studio-preset.json');
  });

  it('refuses what is not JSON, not an object, or not ours', () => {
    expect(problem('{"app": ')).toMatch(/not valid JSON/);
    expect(problem('[1, 2]')).toMatch(/holds a list, not a preset/);
    expect(problem('"hello"')).toMatch(/holds the text "hello"/);
    expect(problem(variant((o) => (o.app = 'photoshop')))).toMatch(/not an HDR Studio preset \("app" is the text "photoshop"; expected "hdr-studio-preset"\)/);
    expect(problem(variant((o) => delete o.app))).toMatch(/"app" is missing/);
    expect(problem(variant((o) => (o.version = 2)))).toMatch(/version 2, from a newer HDR Studio/);
    expect(problem(variant((o) => (o.version = '1')))).toMatch(/"version" is the text "1"; expected 1/);
  });

  it('refuses unknown and missing keys', () => {
    expect(problem(variant((o) => (o.exposure = 1)))).toMatch(/unknown setting "exposure"/);
    expect(problem(variant((o) => delete o.curves))).toMatch(/"curves" is missing/);
    expect(problem(variant((o) => delete o.align))).toMatch(/"align" is missing/);
    expect(problem(variant((o) => ((o.params as Record<string, unknown>).exposur = 1)))).toMatch(/unknown parameter "params.exposur"/);
    expect(problem(variant((o) => ((o.curves as Record<string, unknown>).alpha = [])))).toMatch(/unknown curve "curves.alpha"/);
    expect(problem(variant((o) => delete (o.curves as Record<string, unknown>).g))).toMatch(/"curves.g" is missing/);
  });

  it('refuses wrong types', () => {
    expect(problem(variant((o) => (o.mode = 'fuse')))).toMatch(/"mode" is the text "fuse"; expected "fusion" or "merge"/);
    expect(problem(variant((o) => (o.response = 1)))).toMatch(/"response" is number 1/);
    expect(problem(variant((o) => (o.align = 'yes')))).toMatch(/"align" is the text "yes"; expected true or false/);
    expect(problem(variant((o) => (o.params = [1, 2])))).toMatch(/"params" is a list/);
    expect(problem(variant((o) => ((o.params as Record<string, unknown>).exposure = '1.5')))).toMatch(/"params.exposure" is the text "1.5", not a number/);
    expect(problem(variant((o) => ((o.params as Record<string, unknown>).gamma = null)))).toMatch(/"params.gamma" is null/);
    expect(problem(variant((o) => ((o.curves as Record<string, unknown>).luma = { x: 0 })))).toMatch(/"curves.luma" is an object, not a list of points/);
    expect(problem(variant((o) => ((o.curves as Record<string, unknown>).r = [{ x: 0, y: 0 }, { x: 1 }])))).toMatch(/"curves.r\[1\]" is an object, not a point/);
    expect(problem(variant((o) => ((o.curves as Record<string, unknown>).r = [{ x: 0, y: 0 }])))).toMatch(/"curves.r" has 1 points; a curve has 2 to 257/);
  });

  it('clamps out-of-range values, and says which', () => {
    const r = parsePreset(
      variant((o) => {
        const p = o.params as Record<string, unknown>;
        p.exposure = 12;
        p.toneOperator = 2.4;
        (o.curves as Record<string, unknown>).g = [
          { x: -0.5, y: 0 },
          { x: 1, y: 1.5 },
        ];
      }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.edit.params.exposure).toBe(8);
    expect(r.edit.params.toneOperator).toBe(2);
    expect(r.edit.curves.g).toEqual([
      { x: 0, y: 0 },
      { x: 1, y: 1 },
    ]);
    expect(r.notes.join('\n')).toMatch(/"params.exposure" 12 is outside −8…8: set to 8/);
    expect(r.notes.join('\n')).toMatch(/"params.toneOperator" 2.4 .*not a whole choice.*set to 2/);
    expect(r.notes.join('\n')).toMatch(/"curves.g" has points outside 0…1/);
  });

  it('fills params the preset predates with their defaults, and says so', () => {
    const r = parsePreset(variant((o) => delete (o.params as Record<string, unknown>).rangeCompression));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.edit.params.rangeCompression).toBe(defaultParams().rangeCompression);
    expect(r.notes).toEqual([expect.stringMatching(/"rangeCompression" is not in it .*left at the default/)]);
  });

  it('refuses a file too large to be a preset, before reading it', async () => {
    expect(await readPreset(new Blob([' '.repeat((1 << 20) + 1)]))).toEqual({ ok: false, problem: expect.stringMatching(/1\.0 MiB; a preset is a few kB/) });
    expect(await readPreset(new Blob([presetJson(edit())]))).toMatchObject({ ok: true });
  });
});

describe('look', () => {
  it("a preset written before 'look' existed reads as 'manual' (its params as saved); a wrong value is refused", () => {
    const text = presetJson(edit());
    const old = JSON.parse(text) as Record<string, unknown>;
    delete old.look;
    const read = parsePreset(JSON.stringify(old));
    expect(read.ok && read.edit.look).toBe('manual');
    const auto = parsePreset(presetJson({ ...edit(), look: 'auto' }));
    expect(auto.ok && auto.edit.look).toBe('auto');
    const bad = parsePreset(JSON.stringify({ ...old, look: 'sometimes' }));
    expect(bad.ok ? '' : bad.problem).toBe('"look" is the text "sometimes"; expected "auto" or "manual"');
  });
});
