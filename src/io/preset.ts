// Presets: the edit (mode, params, curves, camera response, alignment, look) as a
// small versioned JSON file, and the checks a file must pass before any of it
// is applied. A file is taken whole or not at all: a typo'd key, a wrong type
// or another app's JSON is refused with the reason, and the current edit is
// left alone. Values merely out of range are clamped (clampParam,
// normaliseCurve) and said so, since the intent is clear.
//
// Missing params are the one gap filled in: params.ts gains params over time
// and each new one defaults to "no change", so a preset written before it
// existed still means the same picture.
import { CURVE_CHANNELS, MIN_POINT_GAP, normaliseCurve, type Curves } from '../engine/curve/curve';
import { clampParam, defaultParams, PARAM_NAMES, PARAMS, type ParamName, type Params } from '../engine/params';
import type { Mode } from '../engine/types';
import { RESPONSE_CHOICES, type Look, type ResponseChoice } from '../state/store';

export const PRESET_APP = 'hdr-studio-preset';
export const PRESET_VERSION = 1;
/** Presets are a few kB; a file far larger is something else. */
export const MAX_PRESET_BYTES = 1 << 20;
/** Endpoints plus a point per MIN_POINT_GAP: more than the curve editor can make. */
const MAX_CURVE_POINTS = Math.round(1 / MIN_POINT_GAP) + 1;
const MODES: readonly Mode[] = ['fusion', 'merge'];

export interface PresetEdit {
  mode: Mode;
  params: Params;
  curves: Curves;
  response: ResponseChoice;
  align: boolean;
  /** The automatic look ('auto') or the params as saved ('manual'); a preset written before it existed means 'manual'. */
  look: Look;
}

/** The edit's fields in a preset, after `app` and `version`. */
export const EDIT_FIELDS = ['mode', 'params', 'curves', 'response', 'align', 'look'] as const;
/** Fields a preset may lack (older versions): 'look' then is 'manual', the params as saved. */
const OPTIONAL_FIELDS: readonly string[] = ['look'];
const LOOKS: readonly Look[] = ['auto', 'manual'];

export type PresetResult = { ok: true; edit: PresetEdit; notes: string[] } | { ok: false; problem: string };

export function presetJson(edit: PresetEdit): string {
  const { mode, params, curves, response, align, look } = edit;
  return `${JSON.stringify({ app: PRESET_APP, version: PRESET_VERSION, mode, params, curves, response, align, look }, null, 2)}\n`;
}

export function presetFileName(setName: string): string {
  return `${setName || 'hdr-studio'}-preset.json`;
}

/** What a JSON value is, for messages. */
function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const fmt = (v: number) => String(Math.round(v * 1e4) / 1e4).replace('-', '−');

/** Thrown inside validation; becomes the refusal's text. */
class Refusal extends Error {}
const refuse = (problem: string): never => {
  throw new Refusal(problem);
};

function readParams(v: unknown, notes: string[]): Params {
  if (!isObject(v)) return refuse(`"params" is ${kind(v)}, not an object of numbers`);
  const out = defaultParams();
  const missing: string[] = [];
  for (const [key, value] of Object.entries(v)) {
    if (!(PARAM_NAMES as string[]).includes(key)) refuse(`it has an unknown parameter "params.${key}"`);
    if (typeof value !== 'number' || !Number.isFinite(value)) refuse(`"params.${key}" is ${kind(value)}, not a number`);
  }
  for (const name of PARAM_NAMES) {
    const value = v[name];
    if (value === undefined) {
      missing.push(name);
      continue;
    }
    const spec = PARAMS[name as ParamName];
    const clamped = clampParam(name, value as number);
    if (clamped !== value) notes.push(`"params.${name}" ${fmt(value as number)} is outside ${fmt(spec.min)}…${fmt(spec.max)}${'options' in spec ? ' (or not a whole choice)' : ''}: set to ${fmt(clamped)}`);
    out[name] = clamped;
  }
  if (missing.length) notes.push(`${missing.map((n) => `"${n}"`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in it (written before ${missing.length === 1 ? 'it' : 'they'} existed): left at the default`);
  return out;
}

function readCurves(v: unknown, notes: string[]): Curves {
  if (!isObject(v)) return refuse(`"curves" is ${kind(v)}, not an object with ${CURVE_CHANNELS.join(', ')}`);
  for (const key of Object.keys(v)) if (!(CURVE_CHANNELS as readonly string[]).includes(key)) refuse(`it has an unknown curve "curves.${key}" (channels: ${CURVE_CHANNELS.join(', ')})`);
  const out = {} as Curves;
  for (const c of CURVE_CHANNELS) {
    const points = v[c];
    if (points === undefined) refuse(`"curves.${c}" is missing`);
    if (!Array.isArray(points)) return refuse(`"curves.${c}" is ${kind(points)}, not a list of points`);
    if (points.length < 2 || points.length > MAX_CURVE_POINTS) refuse(`"curves.${c}" has ${points.length} points; a curve has 2 to ${MAX_CURVE_POINTS}`);
    let outside = false;
    const read = points.map((p: unknown, i) => {
      if (!isObject(p) || typeof p.x !== 'number' || typeof p.y !== 'number' || Object.keys(p).some((k) => k !== 'x' && k !== 'y'))
        return refuse(`"curves.${c}[${i}]" is ${kind(p)}, not a point { "x": number, "y": number }`);
      if (p.x < 0 || p.x > 1 || p.y < 0 || p.y > 1) outside = true;
      return { x: p.x, y: p.y };
    });
    if (outside) notes.push(`"curves.${c}" has points outside 0…1: moved to the edge`);
    out[c] = normaliseCurve(read);
  }
  return out;
}

/**
 * Check the edit fields of a parsed preset (or saved session): `allowed` are
 * the other keys the container may hold (app, version, …).
 */
export function validateEdit(o: Record<string, unknown>, allowed: readonly string[] = []): PresetResult {
  try {
    for (const key of Object.keys(o)) if (!(EDIT_FIELDS as readonly string[]).includes(key) && !allowed.includes(key)) refuse(`it has an unknown setting "${key}"`);
    for (const key of EDIT_FIELDS) if (!(key in o) && !OPTIONAL_FIELDS.includes(key)) refuse(`"${key}" is missing`);
    if (!MODES.includes(o.mode as Mode)) refuse(`"mode" is ${kind(o.mode)}; expected "fusion" or "merge"`);
    if (!RESPONSE_CHOICES.includes(o.response as ResponseChoice)) refuse(`"response" is ${kind(o.response)}; expected ${RESPONSE_CHOICES.map((r) => `"${r}"`).join(', ')}`);
    if (typeof o.align !== 'boolean') refuse(`"align" is ${kind(o.align)}; expected true or false`);
    if ('look' in o && !LOOKS.includes(o.look as Look)) refuse(`"look" is ${kind(o.look)}; expected "auto" or "manual"`);
    const notes: string[] = [];
    const params = readParams(o.params, notes);
    const curves = readCurves(o.curves, notes);
    const look = 'look' in o ? (o.look as Look) : 'manual';
    return { ok: true, edit: { mode: o.mode as Mode, params, curves, response: o.response as ResponseChoice, align: o.align as boolean, look }, notes };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, problem: err.message };
    throw err;
  }
}

/** A preset file's text, checked. */
export function parsePreset(text: string): PresetResult {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `it is not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (!isObject(o)) return { ok: false, problem: `it holds ${kind(o)}, not a preset object` };
  if (o.app !== PRESET_APP) return { ok: false, problem: `it is not an HDR Studio preset ("app" is ${o.app === undefined ? 'missing' : kind(o.app)}; expected "${PRESET_APP}")` };
  if (o.version !== PRESET_VERSION)
    return {
      ok: false,
      problem:
        typeof o.version === 'number' && Number.isInteger(o.version) && o.version > PRESET_VERSION
          ? `it is preset version ${o.version}, from a newer HDR Studio; this one reads version ${PRESET_VERSION}`
          : `"version" is ${o.version === undefined ? 'missing' : kind(o.version)}; expected ${PRESET_VERSION}`,
    };
  return validateEdit(o, ['app', 'version']);
}

/** Read and check a preset file. */
export async function readPreset(file: Blob): Promise<PresetResult> {
  if (file.size > MAX_PRESET_BYTES) return { ok: false, problem: `it is ${(file.size / 2 ** 20).toFixed(1)} MiB; a preset is a few kB` };
  let text: string;
  try {
    text = await file.text();
  } catch (err) {
    return { ok: false, problem: `it could not be read (${err instanceof Error ? err.message : String(err)})` };
  }
  return parsePreset(text);
}
