// The scheduler's three rules on a small graph of its own, so that each rule
// can be seen to fail alone: a → b → d, a → c → d, with c reading b instead of
// a where cfg.swap is set.
import { describe, expect, it } from 'vitest';
import { Scheduler, type OperatorDecl } from './scheduler';

type S = 'a' | 'b' | 'c' | 'd';
type C = 'x' | 'y' | 'size';
interface Cfg {
  swap: boolean;
  size: number;
}
const DECLS: OperatorDecl<S, C, Cfg>[] = [
  { id: 'a', reads: ['x'], inputs: () => [] },
  { id: 'b', reads: ['y'], inputs: () => ['a'] },
  { id: 'c', reads: [], inputs: (c) => [c.swap ? 'b' : 'a'], key: (c) => String(c.size) },
  { id: 'd', reads: [], inputs: () => ['b', 'c'] },
];
const PLAIN: Cfg = { swap: false, size: 1 };
const SWAPPED: Cfg = { swap: true, size: 1 };
const make = () => {
  const g = new Scheduler<S, C, Cfg>(DECLS, [PLAIN, SWAPPED]);
  for (const s of g.order) g.ran(s, PLAIN);
  return g;
};

describe('Scheduler', () => {
  it('refuses an operator that reads one declared after it, or one never declared', () => {
    expect(() => new Scheduler<S, C, Cfg>([DECLS[1]!, DECLS[0]!], [PLAIN])).toThrow(/declared after/);
    expect(() => new Scheduler<S, C, Cfg>([DECLS[1]!], [PLAIN])).toThrow(/not declared/);
    expect(() => new Scheduler<S, C, Cfg>([DECLS[0]!, DECLS[0]!], [PLAIN])).toThrow(/twice/);
  });

  it('starts with everything dirty, and plans the sinks’ upstream in order', () => {
    const g = new Scheduler<S, C, Cfg>(DECLS, [PLAIN]);
    expect(g.plan(PLAIN, ['d'])).toEqual(['a', 'b', 'c', 'd']);
    expect(g.plan(PLAIN, ['c'])).toEqual(['a', 'c']);
  });

  it('rule 1 and 2: a change runs its readers and everything that reads them', () => {
    const g = make();
    g.change('y');
    expect(g.plan(PLAIN, ['d'])).toEqual(['b', 'd']);
    expect(g.plan(SWAPPED, ['d'])).toEqual(['b', 'c', 'd']);
    g.change('x');
    expect(g.plan(PLAIN, ['d'])).toEqual(['a', 'b', 'c', 'd']);
  });

  it('rule 2 at run time: running an operator dirties its current readers only', () => {
    const g = make();
    g.change('y');
    g.ran('b', PLAIN);
    expect(g.isDirty('d')).toBe(true);
    expect(g.isDirty('c')).toBe(false);
  });

  it('rule 3: other inputs or another key than at the last run dirty an operator', () => {
    const g = make();
    g.begin(SWAPPED);
    expect(g.isDirty('c')).toBe(true);
    const h = make();
    expect(h.plan({ ...PLAIN, size: 2 }, ['d'])).toEqual(['c', 'd']);
    expect(h.stale('d', { ...PLAIN, size: 2 })).toBe(true);
    expect(h.stale('d', PLAIN)).toBe(false);
  });

  it('an operator dirty but not needed stays dirty until needed', () => {
    const g = make();
    g.change('y');
    for (const s of g.plan(PLAIN, ['c'])) g.ran(s, PLAIN);
    expect(g.isDirty('b')).toBe(true);
    expect(g.plan(PLAIN, ['d'])).toEqual(['b', 'd']);
  });

  it('given: an output from outside cleans it and dirties its readers without counting a run', () => {
    const g = make();
    g.change('x');
    g.given('a', PLAIN);
    expect(g.runs.a).toBe(1);
    expect(g.plan(PLAIN, ['d'])).toEqual(['b', 'c', 'd']);
  });

  it('reaches: through any configuration’s edges', () => {
    const g = make();
    expect(g.reaches('y', 'c')).toBe(true);
    expect(g.reaches('y', 'a')).toBe(false);
  });
});
