// The batch command: every bracket set through the editor's own Pipeline,
// headless, with a preset's settings, written in the chosen formats. The
// steps follow the app's: decode and assign exposures as src/load.ts does,
// sort darkest first as the store does, relative exposures as src/bridge/index.ts
// does, then mode, params, curves, response and alignment as the bridge hands
// them to the pipeline, and the downloads' full-size export (src/ui/export.ts).
// One GPU device serves every set; a set that fails is reported and the
// others go on.
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { relativeExposures } from '../bridge';
import { createEngine, defaultParams, EngineInputError, GpuUnavailableError, MAX_BRACKETS, type Bracket, type Engine } from '../engine';
import { identityCurves } from '../engine/curve/curve';
import { AUTO_LOOK_PARAMS, autoFusionLook, autoLook } from '../engine/tonemap/auto-look';
import { estimateMotionAndReference, MOTION_IMPLAUSIBLE, type BracketTransform } from '../engine/deghost/motion';
import { recoverResponse, ResponseRefused, responseLuts, type ResponseLuts } from '../engine/merge/response';
import { autoRecoveryRefusal, pickPixels, srgbFitsAsWell } from '../engine/merge/auto-response';
import { assignExposures, ASSUMED_EV_STEP, type AssignedExposure } from '../io/exposure';
import { checkExifAfterRecovery, disagreementMessage, ghostMessage } from '../io/set-checks';
import { MAX_PRESET_BYTES, parsePreset, type PresetEdit } from '../io/preset';
import { FileProblem } from '../io/problem';
import type { BatchOptions } from './args';
import { decodeFile, type DecodedFile } from './decode';
import { Exporter, FORMAT_LABEL, SUFFIX } from './encode';
import { nodeGpu } from './gpu';
import { Progress, type ProgressStream } from './progress';
import { findSets, type BracketSet } from './sets';

/** A set needs two brackets at least (src/load.ts MIN_BRACKETS). */
const MIN_BRACKETS = 2;
/** The preview's box in pixels: the export never reads it. */
const PREVIEW = 64;

/** The editor's state before anything is changed (src/state/store.ts createEditStore). */
export function defaultEdit(): PresetEdit {
  return { mode: 'fusion', params: defaultParams(), curves: identityCurves(), response: 'auto', align: true, look: 'auto' };
}

/** A problem with the set itself: reported as it is, with no stack. */
class SetProblem extends Error {}

export interface SetResult {
  readonly name: string;
  readonly ok: boolean;
  readonly files: string[];
  readonly ms: number;
  /** Wall time per step (read, merge or fuse, align, each format), ms, in order. */
  readonly steps: [string, number][];
  readonly problem?: string;
}

const quote = (name: string) => `“${name}”`;
const RESPONSE_LABEL = { auto: 'automatic', srgb: 'sRGB', linear: 'linear', recovered: 'recovered' } as const;
const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

/** Decoded, checked, darkest first, with the engine's exposures. */
async function readSet(set: BracketSet, progress: Progress, warn: (w: string) => void): Promise<{ decoded: DecodedFile[]; brackets: Bracket[]; evs: AssignedExposure[] }> {
  if (set.files.length === 0) {
    const unread = set.unread.length ? ` (${set.unread.length} camera RAW or radiance file${set.unread.length === 1 ? '' : 's'}: develop RAW to 16-bit TIFF first)` : '';
    throw new SetProblem(`no JPEG, PNG or TIFF files in ${set.dir}${unread}`);
  }
  if (set.files.length < MIN_BRACKETS) throw new SetProblem(`only one image (${quote(set.files[0]!.split(/[\\/]/).pop()!)}); a set needs 2 to ${MAX_BRACKETS} bracketed exposures`);
  if (set.files.length > MAX_BRACKETS) throw new SetProblem(`${set.files.length} images; at most ${MAX_BRACKETS} brackets can be merged`);
  const decoded: DecodedFile[] = [];
  for (const [i, path] of set.files.entries()) {
    progress.stage(set.name, `reading ${i + 1}/${set.files.length}`);
    try {
      const d = await decodeFile(path);
      if (d.warning) warn(`${quote(d.name)} ${d.warning}`);
      decoded.push(d);
    } catch (err) {
      const name = path.split(/[\\/]/).pop()!;
      throw new SetProblem(`${quote(name)} ${err instanceof FileProblem ? err.message : `could not be read (${String(err)}).`}`);
    }
  }
  const first = decoded[0]!;
  for (const d of decoded) {
    if (d.width !== first.width || d.height !== first.height) {
      throw new SetProblem(`${quote(d.name)} is ${d.width}×${d.height} but ${quote(first.name)} is ${first.width}×${first.height}: all brackets of a set must have the same size`);
    }
    const depth = (f: DecodedFile) => (f.pixels instanceof Uint16Array ? 16 : 8);
    if (depth(d) !== depth(first)) {
      throw new SetProblem(`${quote(d.name)} has ${depth(d)}-bit samples (${d.format}) but ${quote(first.name)} has ${depth(first)}-bit ones (${first.format}): all brackets of a set must have the same bit depth`);
    }
  }
  const evs = assignExposures(decoded.map((d) => ({ name: d.name, meta: d.exif })));
  if (evs.some((e) => e.source === 'assumed')) warn(`no exposure times in the files’ EXIF: assuming ${ASSUMED_EV_STEP} EV between brackets in file-name order`);
  // Darkest first; equal EVs keep file-name order (the store's sortDarkestFirst is a stable sort too).
  const order = decoded.map((d, i) => ({ d, ev: evs[i]!.ev })).sort((a, b) => a.ev - b.ev);
  const exposures = relativeExposures(order);
  return {
    decoded: order.map((o) => o.d),
    brackets: order.map((o, i) => ({ width: o.d.width, height: o.d.height, pixels: o.d.pixels, exposure: exposures[i]! })),
    evs: order.map((o) => ({ ev: o.ev, source: evs[decoded.indexOf(o.d)]!.source })),
  };
}

/**
 * The merge's inverse response for the preset's choice: 'recovered' is solved
 * from this set's brackets, and so is 'auto' where the set allows it (as the
 * app's store.ts resolvedResponse: 3+ exposures from EXIF spanning 2+ EV),
 * unless the files call for linear data; else sRGB. A recovered curve is
 * checked against the EXIF exposures as the app does (src/recover.ts).
 */
function responseFor(edit: PresetEdit, brackets: Bracket[], decoded: DecodedFile[], evs: AssignedExposure[], merges: boolean, warn: (w: string) => void): ResponseLuts {
  // The app sets the response a 16-bit TIFF calls for when the files are opened;
  // a preset is applied as saved, so say so where they disagree and it matters.
  const hints = [...new Set(decoded.map((d) => d.response))];
  const hint = hints.length === 1 ? hints[0] : null;
  if (edit.response === 'auto' && hint === 'linear') return responseLuts('linear');
  if (merges && hint && edit.response !== 'recovered' && edit.response !== 'auto' && hint !== edit.response) {
    warn(`${decoded[0]!.format} files (${decoded[0]!.note}) merged with the preset's camera response, ${edit.response}, as saved`);
  }
  if (edit.response === 'srgb' || edit.response === 'linear') return responseLuts(edit.response);
  if (edit.response === 'auto' && autoRecoveryRefusal(evs.map((e) => ({ ev: e.ev, known: e.source === 'exif' }))) !== null) return responseLuts('srgb');
  const checkExif = (curves: ResponseLuts) =>
    checkExifAfterRecovery(
      decoded.map((d, i) => ({ ...d, ev: evs[i]!.ev, fromExif: evs[i]!.source === 'exif' })),
      curves,
    );
  let luts: ResponseLuts;
  // One bracket per exposure: a duplicate adds nothing the solve can use.
  const solved = brackets.filter((b, i) => i === 0 || b.exposure > brackets[i - 1]!.exposure).map((b) => pickPixels(b));
  try {
    luts = recoverResponse(solved).luts;
    // 'auto' keeps the standard curve where it explains the set as well, as the app does.
    if (edit.response === 'auto' && srgbFitsAsWell(solved, luts)) return responseLuts('srgb');
  } catch (err) {
    // Refused curves still tell which bracket's EXIF time the pixels contradict (as the app does).
    const suspect = err instanceof ResponseRefused ? checkExif(err.luts) : null;
    if (suspect) warn(suspect);
    warn(`the camera response could not be recovered from these brackets (${err instanceof Error ? err.message : String(err)}); using sRGB`);
    return responseLuts('srgb');
  }
  const suspect = checkExif(luts);
  if (suspect) warn(suspect);
  return luts;
}

/** Write through a temporary name, so a failed or interrupted run never leaves a half file under the real one. */
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function processSet(engine: Engine, set: BracketSet, edit: PresetEdit, options: BatchOptions, progress: Progress): Promise<SetResult> {
  const t0 = performance.now();
  const steps: [string, number][] = [];
  let mark = t0;
  const step = (name: string) => {
    const now = performance.now();
    steps.push([name, now - mark]);
    mark = now;
  };
  const warn = (w: string) => progress.log(`  ! ${set.name}: ${w}`);
  const { pipeline } = engine;
  const { decoded, brackets, evs } = await readSet(set, progress, warn);
  step('read');
  const { width, height } = brackets[0]!;
  const recovers = edit.response === 'recovered' || edit.response === 'auto';
  if (recovers) progress.stage(set.name, 'recovering the camera response');
  // The response shapes the merge: merge mode, and the radiance map in any mode.
  const merges = edit.mode === 'merge' || options.formats.some((f) => f === 'exr' || f === 'hdr' || f === 'uhdr');
  const luts = responseFor(edit, brackets, decoded, evs, merges, warn);
  if (recovers) step('response');
  pipeline.setBrackets(brackets);
  // Nothing is shown, but render() still finishes a preview (downsample, tone map, curve,
  // histogram), and with no viewport at the image's full size: keep it token-sized.
  pipeline.setViewport(PREVIEW, PREVIEW);
  pipeline.setMode(edit.mode);
  pipeline.setParams(edit.params);
  pipeline.setCurves(edit.curves);
  pipeline.setResponse(luts);
  pipeline.setAlign(edit.align);
  progress.stage(set.name, `${edit.mode === 'fusion' ? 'fusing' : 'merging'} ${brackets.length} × ${width}×${height}`);
  await pipeline.render();
  step(edit.mode === 'fusion' ? 'fuse' : 'merge');
  let transforms: BracketTransform[] | null = null;
  if (edit.align) {
    progress.stage(set.name, 'aligning');
    const result = await pipeline.alignBrackets();
    if (result && pipeline.aligned) {
      progress.log(`  ${set.name}: aligned, cropped to ${result.crop.width}×${result.crop.height}`);
      transforms = result.motions;
    }
    // Moved brackets are warped and merged or fused again.
    await pipeline.render();
    step('align');
  }
  let params = edit.params;
  // Moving objects turn deghosting on, as the app does (src/ghosts.ts), unless the preset sets a strength.
  if (params.deghost === 0 && brackets.length > 1) {
    const motion = estimateMotionAndReference(brackets, { response: luts, transforms });
    if (motion.fraction > MOTION_IMPLAUSIBLE) warn(disagreementMessage(motion.fraction));
    if (motion.strength > 0) {
      progress.log(`  ${set.name}: ${ghostMessage(motion.fraction, motion.strength).replace(/ Set Deghost .*$/, '')}`);
      params = { ...params, deghost: motion.strength, deghostReference: motion.reference };
      pipeline.setParams(params);
      await pipeline.render();
      step('deghost');
    }
  }
  // The automatic look, as the app's store applies it once the scene is measured: the radiance map's, or the fused image's.
  if (edit.look === 'auto') {
    const look = edit.mode === 'merge' ? autoLook(await pipeline.readStats()) : autoFusionLook(await pipeline.readFusedStats());
    if (AUTO_LOOK_PARAMS.some((n) => look[n] !== params[n])) {
      pipeline.setParams({ ...params, ...look });
      await pipeline.render();
      step('look');
    }
  }
  // The reference (middle) bracket's EXIF goes into JPEG outputs, as in the app (store.referenceBracket).
  const exporter = new Exporter({ pipeline, quality: options.quality, exif: decoded[Math.floor(decoded.length / 2)]!.exifSegment });
  const files: string[] = [];
  for (const format of options.formats) {
    progress.stage(set.name, `writing ${FORMAT_LABEL[format]}`);
    const path = join(options.out, `${set.name}${SUFFIX[format]}`);
    await writeAtomically(path, await exporter.encode(format));
    files.push(path);
    step(format);
  }
  return { name: set.name, ok: true, files, ms: performance.now() - t0, steps };
}

/** The preset's edit, or a problem to print (exit 2). */
export async function loadPreset(path: string | null): Promise<{ edit: PresetEdit; notes: string[] } | { problem: string }> {
  if (path === null) return { edit: defaultEdit(), notes: [] };
  let text: string;
  try {
    const info = await stat(path);
    if (info.size > MAX_PRESET_BYTES) return { problem: `preset ${path}: it is ${(info.size / 2 ** 20).toFixed(1)} MiB; a preset is a few kB` };
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { problem: `preset ${path}: it could not be read (${err instanceof Error ? err.message : String(err)})` };
  }
  const result = parsePreset(text);
  if (!result.ok) return { problem: `preset ${path}: ${result.problem}` };
  return { edit: result.edit, notes: result.notes };
}

export interface BatchStreams {
  /** Progress, warnings, errors. */
  readonly err: ProgressStream;
  /** The path of every file written, one a line. */
  readonly out: { write(text: string): unknown };
}

/** Run the batch; resolves with the exit status (0 all written, 1 a set failed, 2 nothing could start). */
export async function runBatch(options: BatchOptions, streams: BatchStreams): Promise<number> {
  const say = (line: string) => streams.err.write(`${line}\n`);
  const preset = await loadPreset(options.preset);
  if ('problem' in preset) {
    say(`hdr-batch: ${preset.problem}`);
    return 2;
  }
  for (const n of preset.notes) say(`hdr-batch: preset: ${n}`);
  try {
    await mkdir(options.out, { recursive: true });
  } catch (err) {
    say(`hdr-batch: cannot create the output folder ${options.out} (${err instanceof Error ? err.message : String(err)})`);
    return 2;
  }
  const found = findSets(options.inputs, options.out);
  for (const p of found.problems) say(`hdr-batch: ✗ ${p}`);
  for (const n of found.notes) say(`hdr-batch: ${n}`);
  if (found.sets.length === 0) {
    say('hdr-batch: no bracket sets found');
    return found.problems.length ? 2 : 1;
  }
  let gpu: GPU;
  try {
    const found = await nodeGpu();
    gpu = found.gpu;
    if (found.how) say(`hdr-batch: ${found.how}`);
  } catch (err) {
    say(`hdr-batch: ${err instanceof GpuUnavailableError ? err.message : `WebGPU could not start: ${String(err)}`}`);
    return 2;
  }
  const { mode, response, align } = preset.edit;
  let engine: Engine | null = null;
  const results: SetResult[] = [];
  const progress = new Progress(streams.err, found.sets.length);
  const t0 = performance.now();
  for (const set of found.sets) {
    let line: string;
    try {
      if (!engine) {
        const e0 = performance.now();
        engine = await createEngine({ gpu });
        // What the tiled path keeps in CPU memory fits beside the decoded set in ¾ of this machine's memory.
        engine.pipeline.setHostBudget(0.75 * totalmem());
        // Mostly compiling the shaders: once per run, not per set.
        progress.log(`hdr-batch: GPU ready in ${seconds(performance.now() - e0)}`);
        progress.log(
          `hdr-batch: ${found.sets.length} set${found.sets.length === 1 ? '' : 's'}, ${mode === 'fusion' ? 'exposure fusion' : `HDR merge (${RESPONSE_LABEL[response]} camera response)`}${align ? ', aligned' : ''} → ${options.formats.join(', ')} in ${options.out} · GPU: ${engine.gpu.adapterInfo}${engine.gpu.isFallbackAdapter ? ' (software)' : ''}`,
        );
      }
      const r = await processSet(engine, set, preset.edit, options, progress);
      results.push(r);
      line = `✓ ${set.name} (${seconds(r.ms)}: ${r.steps.map(([n, ms]) => `${n} ${(ms / 1000).toFixed(2)}`).join(', ')})`;
      for (const f of r.files) streams.out.write(`${f}\n`);
    } catch (err) {
      const expected = err instanceof SetProblem || err instanceof EngineInputError;
      const problem = err instanceof Error ? err.message : String(err);
      results.push({ name: set.name, ok: false, files: [], ms: 0, steps: [], problem });
      line = `✗ ${set.name}: ${problem}`;
      if (!expected && engine) {
        // A GPU error may leave the pipeline half-updated: the next set starts on a fresh device.
        engine.dispose();
        engine = null;
      }
    }
    progress.setDone(line);
  }
  engine?.dispose();
  progress.end();
  const failed = results.filter((r) => !r.ok).length + found.problems.length;
  const written = results.filter((r) => r.ok).length;
  say(`hdr-batch: ${written} of ${found.sets.length} set${found.sets.length === 1 ? '' : 's'} written${failed ? `, ${failed} failed` : ''} in ${seconds(performance.now() - t0)}`);
  return failed ? 1 : 0;
}
