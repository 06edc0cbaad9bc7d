// What each kind of change costs on a real GPU (issue 7, "no wasted work"):
// the compute dispatches, buffer clears, texture copies and uploads that the
// next render() records, by pass label, on Dawn in Node (npm `webgpu`, the
// adapter src/cli/gpu.ts finds: Chromium's SwiftShader where there is no GPU
// driver). This reads what the engine hands to WebGPU, not its own
// bookkeeping, and checks that the `runs` counters agree with it, and that
// what ran is what the scheduler planned from the operators' declarations
// (graph/operators.ts) before the render.
//
// Headless Pipeline (no canvas): `present` never runs here, so "finish" is
// tonemap + curve + histogram. Every pass is a compute pass with a label
// (gpu/resources.ts dispatch() and the passes in passes/); the labels are
// counted with their digits folded ('fusion-blend.pass#').
//
// The set: goldengate-3 (e2e/fixtures), 128×96 crops, the dark and the bright
// bracket taken a few pixels off the middle one's window so that alignment
// finds motion; viewport 64×48 (the preview is a real downsample).
//
// The cases run in order on one engine: each arranges its own state with a
// render, then makes its change twice and checks that both renders record the
// same work (nothing grows from one drag step to the next).
// DISPATCH_LOG=1 prints what each render recorded.
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { found, skipGpu } from '../../test/support/gpu';
import { createEngine, defaultParams, DRAFT_STAGES, STAGES, type Bracket, type Engine, type Params, type Pipeline, type Stage } from './index';
import { identityCurves } from './curve/curve';
import { LEVELS_PER_GROUP } from './local-detail/passes/local-laplacian';
import { pyramidLevelCount } from './pyramid/pyramid';
import { deghostLevels } from './deghost/reference/deghost';
import { LOCAL_DETAIL_LEVELS } from './local-detail/reference/local-detail';
import { FIT_VIEW } from './view/view';

// ---------------------------------------------------------------- the device

// The shared harness's adapter (test/support/gpu.ts): skipped where there is none, never in CI.
const skip = skipGpu;

// ------------------------------------------------------------ the recording

/** What one render() handed to WebGPU, in order: 'label' for a dispatch, 'clear label', 'copy a → b', 'write label'. */
let log: string[] | null = null;
const passLabels = new WeakMap<GPUComputePassEncoder, string>();
const labelOf = (o: { label?: string } | undefined) => o?.label || '(unlabelled)';

/** Wrap the `webgpu` package's classes (globals once nodeGpu() has run) to log GPU work while `log` is set. */
function installRecorder(): void {
  const enc = GPUCommandEncoder.prototype;
  const pass = GPUComputePassEncoder.prototype;
  const queue = GPUQueue.prototype;
  const begin = enc.beginComputePass;
  enc.beginComputePass = function (this: GPUCommandEncoder, desc?: GPUComputePassDescriptor) {
    const p = begin.call(this, desc);
    passLabels.set(p, desc?.label || '(unlabelled pass)');
    return p;
  };
  const dispatch = pass.dispatchWorkgroups;
  pass.dispatchWorkgroups = function (this: GPUComputePassEncoder, x: number, y?: number, z?: number) {
    log?.push(passLabels.get(this) ?? '(unknown pass)');
    return dispatch.call(this, x, y, z);
  };
  const indirect = pass.dispatchWorkgroupsIndirect;
  pass.dispatchWorkgroupsIndirect = function (this: GPUComputePassEncoder, buffer: GPUBuffer, offset: number) {
    log?.push(`${passLabels.get(this) ?? '(unknown pass)'} (indirect)`);
    return indirect.call(this, buffer, offset);
  };
  const clear = enc.clearBuffer;
  enc.clearBuffer = function (this: GPUCommandEncoder, buffer: GPUBuffer, offset?: number, size?: number) {
    log?.push(`clear ${labelOf(buffer)}`);
    return clear.call(this, buffer, offset, size);
  };
  const copy = enc.copyTextureToTexture;
  enc.copyTextureToTexture = function (this: GPUCommandEncoder, src: GPUTexelCopyTextureInfo, dst: GPUTexelCopyTextureInfo, size: GPUExtent3DStrict) {
    log?.push(`copy ${labelOf(src.texture)} → ${labelOf(dst.texture)}`);
    return copy.call(this, src, dst, size);
  };
  const writeTexture = queue.writeTexture;
  queue.writeTexture = function (this: GPUQueue, dst: GPUTexelCopyTextureInfo, data: GPUAllowSharedBufferSource, layout: GPUTexelCopyBufferLayout, size: GPUExtent3DStrict) {
    log?.push(`write ${labelOf(dst.texture)}`);
    return writeTexture.call(this, dst, data, layout, size);
  };
}

/** Counts per label, digits folded to '#'. */
type Work = Record<string, number>;

interface Recorded {
  work: Work;
  /** Stages whose `runs` counter moved, and by how much. */
  runs: Partial<Record<Stage, number>>;
  ms: number;
  /** Draft parts that ran (render({ draft: true })), and how often. */
  draft: Partial<Record<'brackets' | 'merge' | 'fusion', number>>;
}

let pipeline: Pipeline;

const isDraft = (s: Stage) => (DRAFT_STAGES as readonly Stage[]).includes(s);

async function record(draft = false): Promise<Recorded> {
  const before = { ...pipeline.debug.runs };
  const draftBefore = { ...pipeline.debug.draftRuns };
  const planned = pipeline.debug.plan({ draft });
  const ops: string[] = (log = []);
  const t0 = performance.now();
  try {
    await pipeline.render({ draft });
  } finally {
    log = null;
  }
  const ms = performance.now() - t0;
  const work: Work = {};
  for (const op of ops) {
    const key = op.replace(/\d+/g, '#');
    work[key] = (work[key] ?? 0) + 1;
  }
  const runs: Partial<Record<Stage, number>> = {};
  const after = pipeline.debug.runs;
  for (const s of STAGES) if (!isDraft(s) && after[s] !== before[s]) runs[s] = after[s] - before[s];
  // Every operator that ran, the draft's too, was planned, and nothing else.
  expect(STAGES.filter((s) => after[s] !== before[s] && s !== 'upload')).toEqual(planned.filter((s) => s !== 'upload'));
  const drafts: Recorded['draft'] = {};
  for (const [k, n] of Object.entries(pipeline.debug.draftRuns) as [keyof Recorded['draft'], number][]) if (n !== draftBefore[k]) drafts[k] = n - draftBefore[k];
  if (process.env.DISPATCH_LOG) console.log(JSON.stringify({ ms: Math.round(ms), runs, draft: drafts, work }));
  return { work, runs, ms, draft: drafts };
}

/** The stage a label belongs to ('detail' stands for detail or detailFull: the two filters share their labels). */
const STAGE_OF: [RegExp, Stage][] = [
  [/^align\.warp\./, 'align'],
  [/^deghost(-smooth)?\./, 'deghost'],
  [/^merge\./, 'merge'],
  [/^luminance\./, 'luminance'],
  [/^fused-stats\./, 'fusedStats'],
  [/^fusion(-weights|-blend)?\./, 'fusion'],
  [/^local-detail\./, 'detail'],
  [/^downsample\./, 'downsample'],
  [/^tonemap\.preview\./, 'tonemap'],
  [/^curve\.preview\./, 'curve'],
  [/^histogram\./, 'histogram'],
  [/^before\./, 'before'],
  [/^ghost-view\./, 'ghostView'],
  [/^present\./, 'present'],
];

/** The `runs` counters agree with the recorded work: each stage that ran recorded work, all work belongs to a stage that ran once. */
function expectRunsAgree(r: Recorded): void {
  const fromWork = new Set<Stage>();
  for (const key of Object.keys(r.work)) {
    const name = key.replace(/^(clear|write|copy) /, '');
    if (key.startsWith('write upload.')) {
      fromWork.add('upload');
      continue;
    }
    const hit = STAGE_OF.find(([re]) => re.test(name));
    expect(hit, `no stage for '${key}'`).toBeDefined();
    fromWork.add(hit![1]);
  }
  const ran = new Set(Object.keys(r.runs) as Stage[]);
  // The two local-detail filters share labels: 'detail' in the work is whichever of them ran.
  if (ran.has('detailFull')) {
    ran.delete('detailFull');
    ran.add('detail');
  }
  expect([...ran].sort()).toEqual([...fromWork].sort());
  for (const [s, n] of Object.entries(r.runs)) expect(n, `runs.${s}`).toBe(1);
}

/** Record the next render, check it against what is expected, and return it. */
async function expectRender(expected: Work, stages: readonly Stage[]): Promise<Recorded> {
  const r = await record();
  expect(r.work).toEqual(expected);
  expect(Object.keys(r.runs).sort()).toEqual([...stages].sort());
  expectRunsAgree(r);
  return r;
}

/** Make a change twice; both renders must record exactly `expected` (and so the same work: no growth). */
async function twice(change: (step: 0 | 1) => void, expected: Work, stages: readonly Stage[]): Promise<void> {
  change(0);
  const first = await expectRender(expected, stages);
  change(1);
  const second = await expectRender(expected, stages);
  expect(second.work).toEqual(first.work);
  expect(second.runs).toEqual(first.runs);
}

// ------------------------------------------------------- expected work per pass

const K = 3;
const [W, H] = [128, 96];
const VIEWPORT: [number, number] = [64, 48];

const join = (...parts: Work[]): Work => {
  const out: Work = {};
  for (const p of parts) for (const [k, n] of Object.entries(p)) out[k] = (out[k] ?? 0) + n;
  return out;
};
const UPLOAD: Work = { 'write upload.brackets': K };
const ALIGN: Work = { 'align.warp.main': 1 };
const MERGE: Work = { 'merge.pass': 1 };
const LUMINANCE: Work = { 'clear luminance.histogram': 1, 'luminance.partials': 1, 'luminance.finish': 1, 'luminance.histogram': 1 };
/** The full-size fusion's statistics, after every full-size fusion (the automatic highlight roll-off reads them). */
const FUSED_STATS: Work = { 'clear fused-stats.histogram': 1, 'fused-stats.partials': 1, 'fused-stats.finish': 1, 'fused-stats.histogram': 1 };
const DOWNSAMPLE: Work = { 'downsample.pass': 1 };
const TONEMAP: Work = { 'tonemap.preview.pass': 1 };
const CURVE: Work = { 'curve.preview.pass': 1 };
const HISTOGRAM: Work = { 'clear histogram.bins': 1, 'histogram.count': 1 };
/** After tone mapping; present would follow with a canvas. */
const FINISH = join(TONEMAP, CURVE, HISTOGRAM);
const FINISH_STAGES: Stage[] = ['tonemap', 'curve', 'histogram'];

/**
 * Exposure fusion of K brackets at w×h, L pyramid levels (fusion.ts): the
 * bands cleared, the weight sum, then per bracket its weight map, its
 * pyramid (L − 1 reduces) and its blend into the bands (L levels), then the
 * collapse (L levels). Every bracket's weights are recomputed on any weight
 * slider: the exponents are shared by all brackets and the normalisation
 * (the sum) reads them all, so there is no "unchanged bracket" to skip.
 */
function fusionWork(w: number, h: number): Work {
  const L = pyramidLevelCount(w, h);
  return {
    'clear fusion.band#': L,
    'fusion-weights.sum': 1,
    'fusion-weights.bracket#': K,
    'fusion.reduce.pass#': K * (L - 1),
    'fusion-blend.pass#': K * L,
    'fusion.collapse.pass#': L,
  };
}

/** Deghosting at w×h (deghost.ts): raw weights, D smoothing reduces and D − 1 expands, finish. */
function deghostWork(w: number, h: number): Work {
  const D = deghostLevels(w, h);
  return { 'deghost.raw': 1, 'deghost-smooth.reduce#': D, 'deghost-smooth.expand#': D - 1, 'deghost.finish': 1 };
}

/**
 * The fast local Laplacian filter at w×h (local-detail.ts): J pyramid levels,
 * G groups of four intensity levels; 2J + 2 + G(2J − 2) dispatches, J − 2
 * band clears, G copies into `kept`.
 */
function localDetailWork(w: number, h: number): Work {
  const J = pyramidLevelCount(w, h);
  const G = Math.ceil(LOCAL_DETAIL_LEVELS / LEVELS_PER_GROUP);
  const work: Work = {
    'local-detail.io.log': 1,
    'clear local-detail.io.ext': 1,
    'local-detail.io.grid': 1,
    'local-detail.guide-reduce.pass#': J - 1,
    'clear local-detail.band#': J - 2,
    'local-detail.filter.remap#': G,
    'local-detail.work-reduce.pass#': G * (J - 1),
    'copy local-detail.work# → local-detail.kept': G,
    'local-detail.filter.accumulate#.#': G * (J - 2),
    'local-detail.filter.top': 1,
    'local-detail.collapse.pass#': J - 1,
    'local-detail.filter.finish': 1,
  };
  const dispatches = Object.entries(work)
    .filter(([k]) => !/^(clear|copy) /.test(k))
    .reduce((n, [, v]) => n + v, 0);
  expect(dispatches).toBe(2 * J + 2 + G * (2 * J - 2));
  return work;
}

// ----------------------------------------------------------------- the set

/** goldengate-3 cropped to W×H; bracket k's window moved by SHIFTS[k] (the middle one is the reference). */
const SHIFTS: [number, number][] = [
  [3, -2],
  [0, 0],
  [-2, 3],
];
const EXPOSURES = [0.00390625, 0.015625, 0.0625];

function brackets(): Bracket[] {
  return ['gg-1', 'gg-2', 'gg-3'].map((name, k) => {
    const png = PNG.sync.read(readFileSync(new URL(`../../e2e/fixtures/goldengate-3/${name}.png`, import.meta.url)));
    const [dx, dy] = SHIFTS[k]!;
    const [x0, y0] = [96 + dx, 80 + dy];
    const pixels = new Uint8Array(W * H * 4);
    for (let y = 0; y < H; y++) pixels.set(png.data.subarray(((y0 + y) * png.width + x0) * 4, ((y0 + y) * png.width + x0 + W) * 4), y * W * 4);
    return { width: W, height: H, pixels, exposure: EXPOSURES[k]! / EXPOSURES[0]! };
  });
}

// ----------------------------------------------------------------- the cases

// Generous timeouts: a software adapter on a busy two-core machine (the alignment estimate alone takes seconds).
describe.skipIf(skip)(skip ? `dispatches per change kind (skipped: no WebGPU adapter: ${found.reason})` : 'dispatches per change kind (Dawn in Node, headless: no present)', { timeout: 60_000 }, () => {
  let engine: Engine;
  let params: Params;
  const set = (p: Partial<Params>) => {
    params = { ...params, ...p };
    pipeline.setParams(params);
  };
  const preview = () => pipeline.previewSize();

  beforeAll(async () => {
    if (!found.gpu) throw new Error(`No WebGPU adapter in Node (required in CI): ${found.reason}`);
    installRecorder();
    engine = await createEngine({ gpu: found.gpu });
    pipeline = engine.pipeline;
    params = defaultParams();
    pipeline.setViewport(...VIEWPORT);
  }, 120_000);

  afterAll(() => engine?.dispose());

  it('new brackets (merge mode): upload, merge, luminance, downsample, finish', async () => {
    pipeline.setBrackets(brackets());
    await expectRender(join(UPLOAD, MERGE, LUMINANCE, DOWNSAMPLE, FINISH), ['upload', 'merge', 'luminance', 'downsample', ...FINISH_STAGES]);
    expect(preview()).toEqual(VIEWPORT);
    // Nothing changed: nothing runs.
    await expectRender({}, []);
  });

  it('tone-map param (exposure): tonemap + curve + histogram only', async () => {
    await twice((i) => set({ exposure: [0.5, 1][i] }), FINISH, FINISH_STAGES);
  });

  it('curve point: curve + histogram only', async () => {
    await twice(
      (i) =>
        pipeline.setCurves({
          ...identityCurves(),
          luma: [
            { x: 0, y: 0 },
            { x: 0.5, y: [0.6, 0.65][i]! },
            { x: 1, y: 1 },
          ],
        }),
      join(CURVE, HISTOGRAM),
      ['curve', 'histogram'],
    );
  });

  it('bracket EVs (setExposures, merge mode): merge + luminance + downsample + finish; no upload, no fusion', async () => {
    await twice(
      (i) =>
        pipeline.setExposures(
          [
            [1, 4.2, 16],
            [1, 4, 16],
          ][i]!,
        ),
      join(MERGE, LUMINANCE, DOWNSAMPLE, FINISH),
      ['merge', 'luminance', 'downsample', ...FINISH_STAGES],
    );
  });

  it('zoom and pan (setView): downsample + finish only', async () => {
    await twice((i) => pipeline.setView({ zoom: 1, center: [[0.4, 0.5] as const, [0.6, 0.5] as const][i]! }), join(DOWNSAMPLE, FINISH), ['downsample', ...FINISH_STAGES]);
    pipeline.setView(FIT_VIEW);
    await expectRender(join(DOWNSAMPLE, FINISH), ['downsample', ...FINISH_STAGES]);
  });

  it('mode switch: fusion once, then back and forth to still-valid results costs downsample + finish only', async () => {
    pipeline.setMode('fusion');
    await expectRender(join(fusionWork(W, H), FUSED_STATS, DOWNSAMPLE, FINISH), ['fusion', 'fusedStats', 'downsample', ...FINISH_STAGES]);
    await twice((i) => pipeline.setMode((['merge', 'fusion'] as const)[i]), join(DOWNSAMPLE, FINISH), ['downsample', ...FINISH_STAGES]);
  });

  it('fusion weight (contrastWeight, fusion mode): the whole fusion + downsample + finish; no upload, merge or deghost', async () => {
    // Not "blend + collapse only": every bracket's weight map depends on the exponent, so all K are recomputed, with their pyramids.
    await twice((i) => set({ contrastWeight: [0.5, 0.8][i] }), join(fusionWork(W, H), FUSED_STATS, DOWNSAMPLE, FINISH), ['fusion', 'fusedStats', 'downsample', ...FINISH_STAGES]);
    // A tone-map param in fusion mode: finish only, as in merge mode.
    await twice((i) => set({ exposure: [0.25, 0.5][i] }), FINISH, FINISH_STAGES);
    pipeline.setMode('merge');
    await expectRender(join(DOWNSAMPLE, FINISH), ['downsample', ...FINISH_STAGES]);
  });

  it('local detail (merge mode, fit): the preview-size filter + finish', async () => {
    const [pw, ph] = preview();
    // Not the downsample: its input (the radiance) and region are unchanged (it read the whole 12 MP source per step
    // until the detail change stopped dirtying it; now it runs only when its input changes: graph/operators.ts).
    await twice((i) => set({ detail: [0.5, 0.6][i] }), join(localDetailWork(pw, ph), FINISH), ['detail', ...FINISH_STAGES]);
    // Zoomed in: the filter runs once at full size and the view crops it; a pan then costs downsample + finish.
    pipeline.setView({ zoom: 1, center: [0.4, 0.5] });
    await expectRender(join(localDetailWork(W, H), DOWNSAMPLE, FINISH), ['detailFull', 'downsample', ...FINISH_STAGES]);
    pipeline.setView({ zoom: 1, center: [0.6, 0.5] });
    await expectRender(join(DOWNSAMPLE, FINISH), ['downsample', ...FINISH_STAGES]);
    // Back at fit the preview-size filter runs again (the full-size result is kept for settleDetail()).
    pipeline.setView(FIT_VIEW);
    await expectRender(join(DOWNSAMPLE, localDetailWork(pw, ph), FINISH), ['downsample', 'detail', ...FINISH_STAGES]);
    // Settled: the kept full-size result, downsampled; no filter at all.
    expect(pipeline.settleDetail()).toBe(true);
    await expectRender(join(DOWNSAMPLE, FINISH), ['downsample', ...FINISH_STAGES]);
    // A change while settled: back to the preview-size filter, the downsample reading the source again.
    set({ detail: 0.7 });
    await expectRender(join(DOWNSAMPLE, localDetailWork(pw, ph), FINISH), ['downsample', 'detail', ...FINISH_STAGES]);
    // A change while zoomed in: the full-size filter again, and the downsample that crops it.
    pipeline.setView({ zoom: 1, center: [0.4, 0.5] });
    await expectRender(join(localDetailWork(W, H), DOWNSAMPLE, FINISH), ['detailFull', 'downsample', ...FINISH_STAGES]);
    set({ detail: 0.5 });
    await expectRender(join(localDetailWork(W, H), DOWNSAMPLE, FINISH), ['detailFull', 'downsample', ...FINISH_STAGES]);
    pipeline.setView(FIT_VIEW);
    await expectRender(join(DOWNSAMPLE, localDetailWork(pw, ph), FINISH), ['downsample', 'detail', ...FINISH_STAGES]);
    // Off again: identity settings skip the filter; the preview (the source, downsampled) is still good.
    set({ detail: 0 });
    await expectRender(FINISH, FINISH_STAGES);
  });

  it('deghost strength (merge mode): deghost + merge + luminance + downsample + finish; no upload, no fusion', async () => {
    await twice((i) => set({ deghost: [0.5, 0.7][i] }), join(deghostWork(W, H), MERGE, LUMINANCE, DOWNSAMPLE, FINISH), ['deghost', 'merge', 'luminance', 'downsample', ...FINISH_STAGES]);
    set({ deghost: 0 });
    await expectRender(join(MERGE, LUMINANCE, DOWNSAMPLE, FINISH), ['merge', 'luminance', 'downsample', ...FINISH_STAGES]);
  });

  it('drafts (render({ draft: true })): a stale merge or fusion is made from the proxy set at preview size; the full-size one waits for a full render', async () => {
    const [pw, ph] = preview();
    const PROXY: Work = { 'proxy.pass': 1 };
    /** A draft render: the work, the stages (their `runs`: the draft's passes count apart) and the draft parts. */
    const expectDraft = async (work: Work, stages: readonly Stage[], parts: Recorded['draft']) => {
      const r = await record(true);
      expect(r.work).toEqual(work);
      expect(Object.keys(r.runs).sort()).toEqual([...stages].sort());
      expect(r.draft).toEqual(parts);
      return r;
    };
    // Deghosting changed since the last fusion: in fusion mode the fused image is stale.
    pipeline.setMode('fusion');
    await expectDraft(join(PROXY, fusionWork(pw, ph), DOWNSAMPLE, FINISH), ['downsample', ...FINISH_STAGES], { brackets: 1, fusion: 1 });
    expect(pipeline.drafted).toBe(true);
    // Weight steps of a drag: the proxy fusion only (the proxy set is kept), never the full-size one.
    for (const w of [0.3, 0.4]) {
      set({ contrastWeight: w });
      await expectDraft(join(fusionWork(pw, ph), DOWNSAMPLE, FINISH), ['downsample', ...FINISH_STAGES], { fusion: 1 });
    }
    // A tone-map param while a draft is shown: finish only.
    set({ exposure: 0.3 });
    await expectDraft(FINISH, FINISH_STAGES, {});
    // The settle: one full-size fusion, then nothing is stale and a draft render is a full one.
    await expectRender(join(fusionWork(W, H), FUSED_STATS, DOWNSAMPLE, FINISH), ['fusion', 'fusedStats', 'downsample', ...FINISH_STAGES]);
    expect(pipeline.drafted).toBe(false);
    await expectDraft({}, [], {});
    // Merge mode: the radiance is still valid, no draft.
    pipeline.setMode('merge');
    await expectDraft(join(DOWNSAMPLE, FINISH), ['downsample', ...FINISH_STAGES], {});
    // An EV step: the proxy merge and its statistics, then the full-size merge on the full render.
    pipeline.setExposures([1, 4.1, 16]);
    await expectDraft(join(MERGE, LUMINANCE, DOWNSAMPLE, FINISH), ['downsample', ...FINISH_STAGES], { merge: 1 });
    await expectRender(join(MERGE, LUMINANCE, DOWNSAMPLE, FINISH), ['merge', 'luminance', 'downsample', ...FINISH_STAGES]);
    // Zoomed in, nothing is drafted: the view needs real pixels.
    pipeline.setExposures([1, 4, 16]);
    pipeline.setView({ zoom: 1, center: [0.5, 0.5] });
    await expectDraft(join(MERGE, LUMINANCE, DOWNSAMPLE, FINISH), ['merge', 'luminance', 'downsample', ...FINISH_STAGES], {});
    pipeline.setView(FIT_VIEW);
    await expectRender(join(DOWNSAMPLE, FINISH), ['downsample', ...FINISH_STAGES]);
  });

  it('alignment: after the estimate, and on each switch, the warp (when on) and all downstream; never an upload', async () => {
    const result = await pipeline.alignBrackets();
    expect(result, 'alignment estimate').not.toBeNull();
    expect(pipeline.aligned, `motion found: ${JSON.stringify(result!.motions.map((m) => [m.method, m.reason]))}`).toBe(true);
    const { width: cw, height: ch } = pipeline.crop;
    expect(cw).toBeLessThan(W);
    const warped = join(ALIGN, MERGE, LUMINANCE, DOWNSAMPLE, FINISH);
    const warpedStages: Stage[] = ['align', 'merge', 'luminance', 'downsample', ...FINISH_STAGES];
    await expectRender(warped, warpedStages);
    for (let i = 0; i < 2; i++) {
      pipeline.setAlign(false);
      await expectRender(join(MERGE, LUMINANCE, DOWNSAMPLE, FINISH), ['merge', 'luminance', 'downsample', ...FINISH_STAGES]);
      pipeline.setAlign(true);
      await expectRender(warped, warpedStages);
    }
    // Fusion of the aligned (cropped) set: the same passes at the crop's size.
    pipeline.setMode('fusion');
    await expectRender(join(fusionWork(cw, ch), FUSED_STATS, DOWNSAMPLE, FINISH), ['fusion', 'fusedStats', 'downsample', ...FINISH_STAGES]);
    // Headless: nothing was ever presented, and the upload ran once, for the first render.
    expect(pipeline.debug.runs.present).toBe(0);
    expect(pipeline.debug.runs.upload).toBe(1);
  });
});
