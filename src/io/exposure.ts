// Exposure bookkeeping for brackets: relative exposure from EXIF, EV, a
// fallback when EXIF is missing, and display strings. Pure, no DOM.

/** The EXIF fields that set exposure (any may be missing). */
export interface ExposureMeta {
  exposureTime?: number;
  fNumber?: number;
  iso?: number;
}

export interface ExposureValue {
  /** Relative linear exposure t * ISO / N². */
  readonly exposure: number;
  /** True when ISO (→ 100) or f-number (→ 1) was missing and assumed. */
  readonly assumed: boolean;
}

export interface AssignedExposure {
  /** EV relative to the darkest bracket (darkest = 0). */
  readonly ev: number;
  readonly source: 'exif' | 'assumed';
}

/** EV step assumed between brackets without EXIF. */
export const ASSUMED_EV_STEP = 2;

const usable = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v > 0;

/**
 * Relative linear exposure t * ISO / N². A missing (or non-positive) ISO is
 * taken as 100 and f-number as 1, flagged by `assumed`; null without a
 * positive exposure time.
 */
export function exposureValue(meta: ExposureMeta): ExposureValue | null {
  const { exposureTime: t, fNumber: N, iso } = meta;
  if (!usable(t)) return null;
  const n = usable(N) ? N : 1;
  const s = usable(iso) ? iso : 100;
  return { exposure: (t * s) / (n * n), assumed: !usable(N) || !usable(iso) };
}

/** EV of exposure e relative to eRef: log2(e / eRef). */
export function evFromExposure(e: number, eRef: number): number {
  return Math.log2(e / eRef);
}

/** The engine's relative linear exposure for an EV: 2^ev. */
export function exposureFromEv(ev: number): number {
  return Math.pow(2, ev);
}

/**
 * Natural order of file names: digit runs compare as numbers ("img2" < "img10"),
 * the rest case-insensitively by code unit; ties fall back to plain order.
 */
export function naturalCompare(a: string, b: string): number {
  const ta = a.toLowerCase().match(/\d+|\D+/g) ?? [];
  const tb = b.toLowerCase().match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i] ?? '';
    const y = tb[i] ?? '';
    if (x === y) continue;
    const xd = /^\d/.test(x);
    const yd = /^\d/.test(y);
    if (xd && yd) {
      const xs = x.replace(/^0+(?=\d)/, '');
      const ys = y.replace(/^0+(?=\d)/, '');
      if (xs.length !== ys.length) return xs.length - ys.length;
      if (xs !== ys) return xs < ys ? -1 : 1;
      continue; // same number, different zero padding: decided below
    }
    return x < y ? -1 : 1;
  }
  if (ta.length !== tb.length) return ta.length - tb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * EV per item (same order as `items`), relative to the darkest (EV 0).
 * EXIF when every item has a positive ExposureTime; f-number and ISO count
 * only when every item has them (else they are taken as equal for all, so a
 * field missing from one file cannot skew the others). Otherwise brackets are
 * assumed ASSUMED_EV_STEP apart in natural file-name order, darkest first,
 * and all are marked 'assumed'.
 */
export function assignExposures(items: readonly { readonly name: string; readonly meta: ExposureMeta | null }[]): AssignedExposure[] {
  if (items.length === 0) return [];
  const metas = items.map((it) => it.meta);
  if (metas.every((m) => usable(m?.exposureTime))) {
    const allN = metas.every((m) => usable(m?.fNumber));
    const allIso = metas.every((m) => usable(m?.iso));
    const es = metas.map((m) => {
      const v = exposureValue({
        exposureTime: m?.exposureTime,
        fNumber: allN ? m?.fNumber : undefined,
        iso: allIso ? m?.iso : undefined,
      });
      return v?.exposure ?? 1; // never null here: exposureTime checked above
    });
    const eMin = Math.min(...es);
    return es.map((e) => ({ ev: evFromExposure(e, eMin), source: 'exif' as const }));
  }
  const order = items.map((_, i) => i).sort((i, j) => naturalCompare(items[i]?.name ?? '', items[j]?.name ?? ''));
  const out: AssignedExposure[] = new Array<AssignedExposure>(items.length);
  order.forEach((idx, rank) => {
    out[idx] = { ev: rank * ASSUMED_EV_STEP, source: 'assumed' };
  });
  return out;
}

/**
 * Shutter time for display: "1/250 s" below 0.3 s (rounded denominator),
 * one decimal from 0.3 s ("0.8 s", "1.5 s"), whole seconds without ".0" ("2 s").
 * "—" for a missing or non-positive time.
 */
export function formatShutter(t: number | undefined): string {
  if (!usable(t)) return '—';
  if (t < 0.3) return `1/${Math.round(1 / t)} s`;
  const r = Math.round(t * 10) / 10;
  return `${Number.isInteger(r) ? r.toFixed(0) : r.toFixed(1)} s`;
}

/** EV for display, one decimal, signed with a true minus: "+2.0 EV", "−1.3 EV", "0.0 EV". */
export function formatEv(ev: number): string {
  if (!Number.isFinite(ev)) return '— EV';
  const a = Math.round(Math.abs(ev) * 10) / 10;
  const sign = a === 0 ? '' : ev > 0 ? '+' : '\u2212';
  return `${sign}${a.toFixed(1)} EV`;
}
