// The graph as declared (operators.ts), checked in every configuration: what
// a change re-runs is exactly what the declarations imply, and it honours
// what the product promises (a tone-map drag never re-merges, and so on).
// Nothing here lists the graph's edges by hand: they are read from OPERATORS.
import { describe, expect, it } from 'vitest';
import { allConfigs, createScheduler, OPERATORS, sinks, STAGES, type Change, type GraphConfig, type Stage } from './operators';

const CHANGES: Change[] = ['brackets', 'alignment', 'exposures', 'ghosts', 'weights', 'mode', 'detail', 'params', 'viewport', 'curves', 'compare', 'paint'];
const CONFIGS = allConfigs();
const name = (c: GraphConfig) => JSON.stringify({ ...c, preview: undefined });
const computes = (s: Stage, c: GraphConfig) => (OPERATORS[s] as { computes?: (c: GraphConfig) => boolean }).computes?.(c) ?? true;

const shared = createScheduler();
/** The scheduler with nothing dirty under cfg: every operator has run once, in order (readers run after what they read). */
function settled(cfg: GraphConfig) {
  for (const s of STAGES) shared.ran(s, cfg);
  for (const s of STAGES) expect(shared.isDirty(s)).toBe(false);
  return shared;
}

/** From the declarations directly: the needed operators that read the change, and every needed reader downstream of them. */
function expected(change: Change, cfg: GraphConfig): Stage[] {
  const needed = new Set<Stage>();
  const visit = (s: Stage) => {
    if (needed.has(s)) return;
    needed.add(s);
    for (const i of OPERATORS[s].inputs(cfg)) visit(i);
  };
  for (const s of sinks(cfg)) visit(s);
  const out = new Set<Stage>();
  for (const s of STAGES) {
    if (!needed.has(s) || !computes(s, cfg)) continue;
    if (OPERATORS[s].reads.includes(change) || OPERATORS[s].inputs(cfg).some((i) => out.has(i))) out.add(s);
  }
  return STAGES.filter((s) => out.has(s));
}

describe('the operator graph (declarations in operators.ts)', () => {
  it('declares every operator once, each reading only operators declared before it, in every configuration', () => {
    expect(Object.keys(OPERATORS)).toEqual([...STAGES]);
    expect(CONFIGS.length).toBe(2 * 2 * 2 * 2 * 3 * 2 * 2 * 2 * 2);
    expect(() => createScheduler()).not.toThrow();
  });

  it.each(CHANGES)("'%s' re-runs exactly the needed readers of the change and what reads them, in every configuration", (change) => {
    for (const cfg of CONFIGS) {
      const g = settled(cfg);
      g.change(change);
      expect(g.plan(cfg, sinks(cfg)), `${change} in ${name(cfg)}`).toEqual(expected(change, cfg));
    }
  });

  it('nothing changed: nothing runs', () => {
    for (const cfg of CONFIGS) expect(settled(cfg).plan(cfg, sinks(cfg))).toEqual([]);
  });

  // What the product promises, whatever the configuration.
  const never: [Change, Stage[]][] = [
    ['params', ['upload', 'align', 'deghost', 'ghostFill', 'merge', 'luminance', 'fusion', 'fusedStats', 'detailFull', 'downsample', 'detail', 'draftMerge', 'draftFusion']],
    ['curves', ['upload', 'ghostFill', 'merge', 'luminance', 'fusion', 'fusedStats', 'detailFull', 'downsample', 'detail', 'tonemap']],
    ['viewport', ['upload', 'align', 'deghost', 'ghostFill', 'merge', 'luminance', 'fusion', 'fusedStats', 'detailFull']],
    ['exposures', ['upload', 'align', 'draftFusion']],
    ['weights', ['upload', 'align', 'deghost', 'ghostFill', 'merge', 'luminance', 'draftMerge']],
    ['detail', ['upload', 'align', 'deghost', 'ghostFill', 'merge', 'luminance', 'fusion', 'fusedStats']],
    ['paint', STAGES.filter((s) => s !== 'present')],
    ['compare', STAGES.filter((s) => !['before', 'ghostView', 'present'].includes(s))],
  ];
  it('new exposures re-fuse only while deghosting is on (it predicts each bracket through them)', () => {
    for (const cfg of CONFIGS.filter((c) => c.mode === 'fusion' && !c.draft && !c.radianceInput)) {
      const g = settled(cfg);
      g.change('exposures');
      expect(g.plan(cfg, sinks(cfg)).includes('fusion'), name(cfg)).toBe(cfg.ghosts);
    }
  });

  it.each(never)("'%s' never re-runs %j", (change, stages) => {
    for (const cfg of CONFIGS) {
      const g = settled(cfg);
      g.change(change);
      const plan = g.plan(cfg, sinks(cfg));
      for (const s of stages) expect(plan, `${change} in ${name(cfg)}`).not.toContain(s);
    }
  });

  it('local detail at fit, on the preview, does not downsample the unchanged source again', () => {
    for (const cfg of CONFIGS.filter((c) => c.detail === 'preview')) {
      const g = settled(cfg);
      g.change('detail');
      expect(g.plan(cfg, sinks(cfg))).not.toContain('downsample');
    }
  });

  it("new brackets re-run everything the configuration needs (the upload's readers onward)", () => {
    for (const cfg of CONFIGS) {
      const g = settled(cfg);
      g.change('brackets');
      g.ran('upload', cfg);
      // A radiance map from a file is the merge's output.
      if (cfg.radianceInput) g.given('merge', cfg);
      const needed = g.needed(cfg, sinks(cfg));
      const plan = g.plan(cfg, sinks(cfg));
      for (const s of needed) if (s !== 'upload' && computes(s, cfg)) expect(plan, `${s} in ${name(cfg)}`).toContain(s);
    }
  });

  it('switching to a configuration whose results are still valid re-runs only what reads them anew (rule 3)', () => {
    const merge = CONFIGS.find((c) => c.mode === 'merge' && !c.radianceInput && !c.aligned && !c.ghosts && c.detail === 'off' && !c.draft && !c.compare && c.present)!;
    const fusion: GraphConfig = { ...merge, mode: 'fusion' };
    const g = settled(merge);
    // Back and forth: both results are valid; the view chain reads the other one.
    for (const cfg of [fusion, merge, fusion]) {
      g.change('mode');
      g.begin(cfg);
      expect(g.plan(cfg, sinks(cfg))).toEqual(['downsample', 'tonemap', 'curve', 'histogram', 'present']);
      for (const s of g.plan(cfg, sinks(cfg))) g.ran(s, cfg);
    }
  });

  it('a draft reads the draft operators; leaving it re-reads the full-size source', () => {
    const full = CONFIGS.find((c) => c.mode === 'fusion' && !c.radianceInput && !c.aligned && !c.ghosts && c.detail === 'off' && !c.draft && !c.compare && !c.present)!;
    const draft: GraphConfig = { ...full, draft: true };
    const g = settled(full);
    g.change('weights');
    g.begin(draft);
    expect(g.plan(draft, sinks(draft))).toEqual(['draftFusion', 'downsample', 'tonemap', 'curve', 'histogram']);
    for (const s of g.plan(draft, sinks(draft))) g.ran(s, draft);
    expect(g.stale('fusion', full)).toBe(true);
    g.begin(full);
    // The full-size fusion is measured again (the automatic highlight roll-off); the draft was not.
    expect(g.plan(full, sinks(full))).toEqual(['fusion', 'fusedStats', 'downsample', 'tonemap', 'curve', 'histogram']);
  });

  it('a change reaches the full-size detail result exactly where some configuration reads it from the change', () => {
    const g = createScheduler();
    const reach = CHANGES.filter((c) => g.reaches(c, 'detailFull'));
    expect(reach.sort()).toEqual(['alignment', 'brackets', 'detail', 'exposures', 'ghosts', 'mode', 'weights']);
  });
});
