// Turning dropped files into brackets: decode (workers), check, assign
// exposures, and only then replace the current set. Any problem leaves the
// current brackets, result and settings exactly as they were. One OpenEXR or
// Radiance file instead opens as a radiance map, tone-mapped without a merge.
// TIFF and RAW brackets also set the camera response their data calls for.
// One ordinary image is accepted too: tone mapping of a single exposure.
import { decodeFiles, type DecodeReply } from './io/decode';
import { assignExposures } from './io/exposure';
import { headerSize } from './io/header';
import { exifContradictions, pixelEvs } from './io/pixel-exposure';
import { contradictionMessage, duplicatesMessage, noticeMessages, orientationProblem, quote, sizeProblem, type SetMember } from './io/set-checks';
import { sniffImage } from './io/sniff';
import { MAX_BRACKETS } from './engine/pipeline';
import { deviceHostBytes, setFits } from './engine/graph/fits';
import type { MemoryLimits } from './engine/graph/budget';
import type { BracketEntry, EditStore } from './state/store';

/** One image is a set too: its exposure tone-mapped alone (no merge, alignment or deghosting). */
export const MIN_BRACKETS = 1;

/** Bytes read from the start of a file to find its size (JPEG's EXIF and other APPn segments come before the frame header). */
const HEADER_BYTES = 1 << 20;

/** Name a set after its files: their common stem ("IMG_01.jpg, IMG_02.jpg" -> "IMG"). */
export function setNameFor(names: readonly string[]): string {
  const stems = names.map((n) => n.replace(/\.[^.]*$/, ''));
  let prefix = stems[0] ?? '';
  for (const s of stems) while (!s.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const trail = /[^\p{L}\p{N}]+$/u;
  prefix = prefix.replace(trail, '').replace(/\d+$/, '').replace(trail, '');
  const name = prefix || stems[0] || 'brackets';
  return name.replace(/[^\p{L}\p{N}\-.]+/gu, '_').replace(/^_+|_+$/g, '') || 'brackets';
}

/**
 * What the machine cannot hold (engine/graph/fits.ts), read from the files'
 * first bytes before any is decoded: 12000 × 8000 opens (tiled), a set whose
 * decoded samples outgrow the device's memory does not. Files whose size is
 * not in their header are checked after decoding.
 */
async function unfit(files: readonly File[], limits: MemoryLimits): Promise<{ file: File; message: string } | null> {
  for (const file of files) {
    const head = new Uint8Array(await file.slice(0, HEADER_BYTES).arrayBuffer());
    const kind = sniffImage(head);
    const size = headerSize(head, kind);
    if (!size) continue;
    const bits = 'bitDepth' in size && size.bitDepth === 16 ? 8 : 4;
    const fit = setFits({ ...size, count: files.length, bytesPerPixel: bits }, limits, { hostBytes: deviceHostBytes() });
    if (!fit.ok) return { file, message: fit.message };
  }
  return null;
}

const cannotHold = (name: string, message: string) => `${quote(name)} cannot be opened on this device: ${message}`;

/**
 * Check the EXIF exposures against the pixels (pixel-exposure.ts) and say
 * what is off: EXIF whose ORDER the pixels contradict gives way to the
 * measured exposures (steps of another size are left to the recovered
 * response, src/recover.ts); duplicate exposures are kept with a warning.
 * Returns the EVs to use.
 */
function checkExposures(store: EditStore, names: readonly string[], replies: readonly DecodeReply[], evs: readonly { ev: number; source: 'exif' | 'assumed' }[]): { ev: number; source: BracketEntry['evSource'] }[] {
  const { report, response } = store.getState();
  if (names.length < 2 || evs.some((e) => e.source !== 'exif')) return [...evs];
  const hints = new Set(replies.map((r) => r.response));
  const hint = hints.size === 1 ? [...hints][0] : null;
  const linear = (hint ?? response) === 'linear';
  const measured = pixelEvs(
    replies.map((r) => ({ width: r.width, height: r.height, pixels: r.pixels! })),
    linear,
  );
  const exif = evs.map((e) => e.ev);
  const odd = measured ? exifContradictions(exif, measured) : [];
  if (measured && odd.length) {
    report(contradictionMessage(names, exif, measured, odd), 'warning');
    return measured.map((ev) => ({ ev, source: 'pixels' as const }));
  }
  const dups = duplicatesMessage(names, exif);
  if (dups) report(dups, 'warning');
  return [...evs];
}

const RESPONSE_LABEL = { srgb: 'sRGB', linear: 'Linear' } as const;

/**
 * The camera response the new set calls for (TIFF, RAW), set with a message
 * saying why; a plain 8-bit set after a 16-bit or radiance one goes back to
 * the automatic response if the earlier set had made it linear. Linear
 * brackets open in merge mode: fusion weighs display-encoded values and
 * would see them far too dark.
 */
function applyResponseHint(store: EditStore, replies: readonly DecodeReply[], wasWide: boolean): void {
  const { response, setResponse, report, mode, setMode } = store.getState();
  const hints = [...new Set(replies.map((r) => r.response))];
  const hint = hints.length === 1 ? hints[0] : undefined;
  if (hints.length > 1) {
    report(`These brackets disagree on how their values are encoded (${replies.map((r) => r.note || 'no information').join('; ')}); the camera response stays ${response}. Check it under Camera response.`, 'warning');
    return;
  }
  if (!hint) {
    if (wasWide && response === 'linear') setResponse('auto');
    return;
  }
  if (response !== hint) setResponse(hint);
  const toMerge = hint === 'linear' && mode === 'fusion';
  if (toMerge) setMode('merge');
  const note = replies[0]!.note;
  const assumed = note.includes('(assumed)');
  report(
    `${replies[0]!.format} brackets, ${note}: merging with the ${RESPONSE_LABEL[hint]} camera response${toMerge ? ' (HDR merge mode: fusion expects display-encoded brackets)' : ''}.${assumed ? ' If they came from an editor (gamma-encoded), choose sRGB under Camera response.' : ''}`,
    assumed ? 'warning' : 'info',
  );
}

/** Bumped by every load: a slower, older load never replaces a newer one. */
let generation = 0;

/** Decode and check files; on success they become the current brackets. Returns whether they did. */
export async function loadFiles(store: EditStore, input: readonly File[], setName?: string): Promise<boolean> {
  const { report, setProgress, begin, end } = store.getState();
  const files = [...input];
  if (files.length < MIN_BRACKETS) {
    report('Nothing to open: no image files were given. Select or drop the image files (or their folder).');
    return false;
  }
  if (files.length > MAX_BRACKETS) {
    report(`${files.length} files were given; at most ${MAX_BRACKETS} brackets can be merged. Pick the ones to keep and drop them again.`);
    return false;
  }
  const mine = ++generation;
  begin('decode');
  try {
    const gpuNow = store.getState().gpu;
    if (gpuNow.state === 'ready') {
      const refused = await unfit(files, gpuNow.limits);
      if (mine !== generation) return false;
      if (refused) {
        report(cannotHold(refused.file.name, refused.message));
        return false;
      }
    }
    setProgress({ step: 'Decoding', done: 0, total: files.length });
    const replies = await decodeFiles(files, (done) => setProgress({ step: 'Decoding', done, total: files.length }));
    if (mine !== generation) {
      replies.forEach((r) => r.thumb?.close());
      return false;
    }
    const problems = replies.flatMap((r, i) => (r.ok ? [] : [`${quote(files[i]!.name)} ${r.message}`]));
    if (problems.length) {
      problems.forEach((p) => report(p));
      replies.forEach((r) => r.thumb?.close());
      return false;
    }
    const mapAt = replies.findIndex((r) => r.radiance);
    if (mapAt >= 0 && files.length > 1) {
      report(`${quote(files[mapAt]!.name)} is a finished radiance map (${replies[mapAt]!.format}): open it on its own, not with brackets.`);
      replies.forEach((r) => r.thumb?.close());
      return false;
    }
    const first = replies[0]!;
    const gpu = store.getState().gpu;
    if (first.radiance) {
      const fit = gpu.state === 'ready' ? setFits({ width: first.width, height: first.height, count: 1, bytesPerPixel: 16 }, gpu.limits, { hostBytes: deviceHostBytes() }) : { ok: true as const };
      if (!fit.ok) {
        report(cannotHold(files[0]!.name, fit.message));
        first.thumb?.close();
        return false;
      }
      const old = store.getState();
      store.getState().setRadiance(setName ?? setNameFor([files[0]!.name]), {
        id: `${Date.now().toString(36)}-0`,
        name: files[0]!.name,
        width: first.width,
        height: first.height,
        image: first.radiance,
        thumb: first.thumb,
      });
      if (first.note) report(`${quote(files[0]!.name)}: ${first.note}.`, 'info');
      old.brackets.forEach((b) => b.thumb?.close());
      old.radiance?.thumb?.close();
      return true;
    }
    const names = files.map((f) => f.name);
    const members: SetMember[] = replies.map((r, i) => ({ name: names[i]!, width: r.width, height: r.height, orientation: r.orientation }));
    // Orientation first: a bracket turned by its EXIF tag is also the odd size out, and the tag is the cause to name.
    const shapeProblem = orientationProblem(members) ?? sizeProblem(members);
    if (shapeProblem) {
      report(shapeProblem);
      replies.forEach((r) => r.thumb?.close());
      return false;
    }
    const depth = (r: DecodeReply) => (r.pixels instanceof Uint16Array ? 16 : 8);
    const mixed = replies.findIndex((r) => depth(r) !== depth(first));
    if (mixed >= 0) {
      report(
        `${quote(files[mixed]!.name)} has ${depth(replies[mixed]!)}-bit samples (${replies[mixed]!.format}) but ${quote(files[0]!.name)} has ${depth(first)}-bit ones (${first.format}): all brackets of a set must have the same bit depth.`,
      );
      replies.forEach((r) => r.thumb?.close());
      return false;
    }
    const fit =
      gpu.state === 'ready' ? setFits({ width: first.width, height: first.height, count: files.length, bytesPerPixel: depth(first) === 16 ? 8 : 4 }, gpu.limits, { hostBytes: deviceHostBytes() }) : { ok: true as const };
    if (!fit.ok) {
      report(cannotHold(files[0]!.name, fit.message));
      replies.forEach((r) => r.thumb?.close());
      return false;
    }
    const evs = checkExposures(store, names, replies, assignExposures(files.map((f, i) => ({ name: f.name, meta: replies[i]!.exif }))));
    const entries: BracketEntry[] = replies.map((r, i) => ({
      id: `${Date.now().toString(36)}-${i}`,
      name: files[i]!.name,
      width: r.width,
      height: r.height,
      pixels: r.pixels!,
      thumb: r.thumb,
      exif: r.exif,
      exifSegment: r.exifSegment,
      ev: evs[i]!.ev,
      evSource: evs[i]!.source,
    }));
    if (files.length > 1 && evs.some((e) => e.source === 'assumed')) {
      report('No exposure times in the files’ EXIF: assuming 2 EV between brackets in file-name order. Correct each bracket’s EV in the strip below if needed.', 'warning');
    }
    if (files.length === 1) {
      report(`One image (${quote(names[0]!)}): tone-mapping a single exposure. There is nothing to merge, align or deghost; add its brackets for more range.`, 'info');
    }
    for (const n of noticeMessages(
      names,
      replies.map((r) => r.notices),
    ))
      report(n.text, n.kind);
    const old = store.getState();
    const wasWide = old.radiance !== null || old.brackets[0]?.pixels instanceof Uint16Array;
    applyResponseHint(store, replies, wasWide);
    store.getState().setBrackets(setName ?? setNameFor(files.map((f) => f.name)), entries);
    old.brackets.forEach((b) => b.thumb?.close());
    old.radiance?.thumb?.close();
    return true;
  } finally {
    if (store.getState().progress?.step === 'Decoding') setProgress(null);
    end('decode');
  }
}

/** The bundled sample set, listed in public/sample/manifest.json. */
export async function loadSample(store: EditStore, base = import.meta.env.BASE_URL): Promise<boolean> {
  const root = `${base}sample/`;
  const manifest = (await (await fetch(`${root}manifest.json`)).json()) as { name: string; files: string[] };
  const files = await Promise.all(manifest.files.map(async (name) => new File([await (await fetch(root + name)).blob()], name, { type: name.endsWith('.png') ? 'image/png' : 'image/jpeg' })));
  return loadFiles(store, files, manifest.name);
}
