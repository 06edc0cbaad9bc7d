// One scheduler for the operator graph: it derives, from the operators'
// declarations alone, what a change dirties and what a render runs. Modelled
// on vkdt's run flags and darktable's pixelpipe hashes, in three rules:
//
// 1. A change from outside the graph (a param, new exposures, the viewport)
//    dirties the operators that declare they read it.
// 2. An operator that runs dirties every operator that reads its output in
//    the current configuration, so the work flows downstream in one render.
// 3. An operator whose inputs differ from those it last ran on (another mode's
//    source, the full-size detail result instead of the source, a draft) is
//    dirty: its result was made from something else.
//
// A render runs, in declaration order, the dirty operators that the sinks
// (the histogram, the canvas) need under the current configuration: the
// upstream closure of the sinks over each operator's inputs. Operators that
// are dirty but not needed stay dirty, so switching back to a mode whose
// result is still valid costs nothing upstream.

/** What an operator declares about itself. */
export interface OperatorDecl<S extends string, C extends string, Cfg> {
  readonly id: S;
  /** The changes from outside the graph (params, external inputs) whose every occurrence dirties it. */
  readonly reads: readonly C[];
  /** The operators whose outputs it reads under a configuration (declared earlier: the order is topological). */
  inputs(cfg: Cfg): readonly S[];
  /**
   * Whether it computes anything under a configuration; where it does not,
   * its output is given from outside (a radiance map opened from a file is
   * the merge's output) and it never runs. Default: always computes.
   */
  computes?(cfg: Cfg): boolean;
  /** A key of what it is made for beyond its inputs (e.g. a size): another key dirties it (rule 3). */
  key?(cfg: Cfg): string;
}

export class Scheduler<S extends string, C extends string, Cfg> {
  /** Every operator, in declaration (topological) order. */
  readonly order: readonly S[];
  /** How many times each operator has run (debug counters). */
  readonly runs: Record<S, number>;
  private readonly decls: ReadonlyMap<S, OperatorDecl<S, C, Cfg>>;
  private readonly dirty: Set<S>;
  /** What each operator last ran on: its inputs and key (rule 3). */
  private readonly ranOn = new Map<S, string>();
  /** Union of every configuration's edges: operator → operators that may read it. */
  private readonly anyConsumers: ReadonlyMap<S, readonly S[]>;

  /**
   * @param configs every configuration the graph can be in (or a covering
   *   sample): used to check that each operator only reads operators declared
   *   before it, and for reaches().
   */
  constructor(decls: readonly OperatorDecl<S, C, Cfg>[], configs: readonly Cfg[]) {
    this.order = decls.map((d) => d.id);
    this.decls = new Map(decls.map((d) => [d.id, d]));
    if (this.decls.size !== decls.length) throw new Error('scheduler: an operator is declared twice');
    this.runs = Object.fromEntries(this.order.map((s) => [s, 0])) as Record<S, number>;
    this.dirty = new Set(this.order);
    const consumers = new Map<S, Set<S>>(this.order.map((s) => [s, new Set<S>()]));
    const position = new Map(this.order.map((s, i) => [s, i]));
    for (const cfg of configs) {
      for (const d of decls) {
        for (const input of d.inputs(cfg)) {
          const at = position.get(input);
          if (at === undefined) throw new Error(`scheduler: ${d.id} reads ${input}, which is not declared`);
          if (at >= position.get(d.id)!) throw new Error(`scheduler: ${d.id} reads ${input}, declared after it`);
          consumers.get(input)!.add(d.id);
        }
      }
    }
    this.anyConsumers = new Map([...consumers].map(([s, c]) => [s, [...c]]));
  }

  private decl(s: S): OperatorDecl<S, C, Cfg> {
    return this.decls.get(s)!;
  }

  /** The operators that read a change from outside (rule 1). */
  readers(change: C): S[] {
    return this.order.filter((s) => this.decl(s).reads.includes(change));
  }

  /** Rule 1: a change dirties its readers. Returns them. */
  change(change: C): S[] {
    const readers = this.readers(change);
    for (const s of readers) this.dirty.add(s);
    return readers;
  }

  isDirty(s: S): boolean {
    return this.dirty.has(s);
  }

  /** The operators that read s's output under cfg. */
  consumers(s: S, cfg: Cfg): S[] {
    return (this.anyConsumers.get(s) ?? []).filter((c) => this.decl(c).inputs(cfg).includes(s));
  }

  private signature(s: S, cfg: Cfg): string {
    const d = this.decl(s);
    return `${d.inputs(cfg).join(',')}|${d.key?.(cfg) ?? ''}`;
  }

  /** Rule 3, before a render under cfg: operators whose inputs or key moved since they ran are dirty. */
  begin(cfg: Cfg): void {
    for (const s of this.order) {
      const last = this.ranOn.get(s);
      if (last !== undefined && last !== this.signature(s, cfg)) this.dirty.add(s);
    }
  }

  /** The operators the sinks need under cfg (the upstream closure), in order. */
  needed(cfg: Cfg, sinks: readonly S[]): Set<S> {
    const out = new Set<S>();
    const visit = (s: S) => {
      if (out.has(s)) return;
      out.add(s);
      for (const input of this.decl(s).inputs(cfg)) visit(input);
    };
    for (const s of sinks) visit(s);
    return new Set(this.order.filter((s) => out.has(s)));
  }

  /** Whether s runs in a render under cfg with these needed operators. */
  due(s: S, cfg: Cfg, needed: ReadonlySet<S>): boolean {
    return needed.has(s) && this.dirty.has(s) && (this.decl(s).computes?.(cfg) ?? true);
  }

  /** Rule 2: s has run (or its output was given) under cfg: it is clean, its readers are dirty. */
  ran(s: S, cfg: Cfg): void {
    this.runs[s]++;
    this.made(s, cfg);
  }

  /** s's output is given from outside (not computed): clean, its readers dirty, not counted as a run. */
  given(s: S, cfg: Cfg): void {
    this.made(s, cfg);
  }

  private made(s: S, cfg: Cfg): void {
    this.dirty.delete(s);
    this.ranOn.set(s, this.signature(s, cfg));
    for (const c of this.consumers(s, cfg)) this.dirty.add(c);
  }

  /** Whether s, or anything it reads under cfg, is dirty: its result is out of date. */
  stale(s: S, cfg: Cfg): boolean {
    if (this.dirty.has(s) || (this.ranOn.has(s) && this.ranOn.get(s) !== this.signature(s, cfg))) return true;
    return this.decl(s)
      .inputs(cfg)
      .some((i) => this.stale(i, cfg));
  }

  /**
   * The operators a render under cfg would run now, in order, without running
   * anything: rules 2 and 3 played forward over the current dirty set.
   */
  plan(cfg: Cfg, sinks: readonly S[]): S[] {
    const needed = this.needed(cfg, sinks);
    const dirty = new Set(this.dirty);
    for (const s of this.order) {
      const last = this.ranOn.get(s);
      if (last !== undefined && last !== this.signature(s, cfg)) dirty.add(s);
    }
    const out: S[] = [];
    for (const s of this.order) {
      if (!needed.has(s) || !dirty.has(s) || !(this.decl(s).computes?.(cfg) ?? true)) continue;
      out.push(s);
      for (const c of this.consumers(s, cfg)) dirty.add(c);
    }
    return out;
  }

  /** Whether a change can reach s in any configuration (through its readers and every possible edge). */
  reaches(change: C, s: S): boolean {
    const seen = new Set<S>();
    const stack = this.readers(change);
    while (stack.length) {
      const t = stack.pop()!;
      if (t === s) return true;
      if (seen.has(t)) continue;
      seen.add(t);
      stack.push(...(this.anyConsumers.get(t) ?? []));
    }
    return false;
  }
}
