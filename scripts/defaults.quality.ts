// What the app makes of real and synthetic bracket sets AT ITS DEFAULTS, beside
// OpenCV: a report, not a test of thresholds (issue 16, "What must show").
//
// Every set is rendered by the batch command's own code (src/cli/batch.ts
// runBatch, which reads the files, takes exposures from EXIF and applies
// defaultEdit() as the app applies its defaults): once with no preset (the
// default mode) and once with a preset that is defaultEdit() but for the other
// mode (merge while fusion is the default). Each writes the 8-bit PNG and the
// radiance map (OpenEXR). Nothing here restates the defaults: whatever
// defaultEdit() and the CLI do is what is measured.
//
// Sets (scripts/defaults-sets.ts): the ten real sets of ../shared/data/brackets,
// box-downscaled to fit SIDE × SIDE (default 400 px) and, where a set has more,
// cut to MAX_BRACKETS (default 5) frames evenly spread over its exposures from
// the darkest to the brightest (so 2–4 stops apart, the whole range kept);
// and synthetic sets with ground truth shot from ILM's GoldenGate.exr and
// StillLife.exr at a third of their size (≈ 420 × 286): a film-like camera
// curve (synth-film), a sun only the shortest bracket holds (synth-sun), a
// moving object in 2 of 5 brackets (synth-ghost, with synth-ghost-clean, the
// same brackets without it). The cut keeps the run within ~10 minutes on a
// two-core machine with a software GPU (SwiftShader), where the alignment
// costs 2–5 s a bracket; DEFAULTS_QUALITY_SIDE, DEFAULTS_QUALITY_BRACKETS
// (0: every frame) and DEFAULTS_QUALITY_SYNTH (the synthetic sets' shrink
// factor, 3) change them.
//
// Figures (per set and method; "picture" = the 8-bit PNG, in the output's
// window of the reference bracket's frame where the alignment cropped):
//   radiance    over the pixels some bracket holds unclipped in every channel
//               (codes 1–254), RMS of log2(output / truth) Rec. 709 luminance
//               after removing the median log2 ratio (the global scale), in
//               stops; the same for the CPU merge (src/engine/merge/reference/
//               merge.ts) given the synthetic camera's TRUE inverse curve, and
//               the app's error as a multiple of that one (target: ≤ 1.10×);
//               "balanced": the same after each channel of the output is
//               scaled by its own median ratio to the truth (white balance
//               removed as well as the scale: the brackets hold neither, and
//               the synthetic film camera's per-channel curves put its
//               grey at equal codes only at black and white).
//               memorial's truth is Debevec's own map (no true curve).
//   white clip  share of the picture at min(R, G, B) ≥ 254 where the darkest
//               bracket has max(R, G, B) < 250 (it recorded that pixel);
//   chan. clip  the same with max(R, G, B) ≥ 254 (some channel clipped: white,
//               or a colour that lost its hue, e.g. a sky at blue 255);
//   black clip  share with max(R, G, B) ≤ 1 where the brightest bracket has
//               max(R, G, B) > 10 (it recorded that pixel above noise);
//   halo        gradient reversals beside strong edges (defaults-metrics.ts
//               halo): edges are where the reference radiance's log2
//               luminance changes by ≥ 1 stop/px (Sobel); the band is 2–6 px
//               from them along their normal; a band pixel is reversed where
//               the picture's lightness (its Rec. 709 luminance sRGB-encoded,
//               0–255) falls by > 3 codes over ±1 px along the normal
//               (towards the bright side) while the reference's log2
//               luminance does not fall by > 0.01 stops. Share of the band.
//               The reference is the truth (synthetic, memorial); on the
//               other real sets the radiance map the method tone-mapped (the
//               app's merge EXR, OpenCV Debevec's .hdr: a halo is the tone
//               mapping's, and against another method's radiance a different
//               camera response reads as reversals), else (fusion, Mertens)
//               the CPU merge of the set's brackets through the sRGB curve;
//   ghost PSNR  synth-ghost against the same method's render of
//               synth-ghost-clean (a second shot: its own noise): PSNR (RGB,
//               peak 255) over the object's path (every pixel it covers in
//               any bracket), over the rest of the picture and over the whole,
//               dB; the gap, rest − path, is what the target (≤ 2 dB) reads;
//   luma        mean Rec. 709 luma of the sRGB-encoded picture, 0–255;
//   contrast    mean |4-neighbour Laplacian| of that luma, codes (depends on
//               the size: compare within a set);
//   colour      colourfulness, Hasler & Süsstrunk 2003, on 0–255 values.
// Peers (scripts/defaults-peers.ts, ../shared/peers/opencv_hdr.py, Debian's
// python3-opencv): Debevec (CalibrateDebevec + MergeDebevec) tone-mapped with
// Reinhard 2005 (createTonemapReinhard, gamma 2.2), and Mertens; the peer
// columns are skipped, saying so, without python3-opencv and exiftool.
//
// Writes test-results/quality-defaults/report.md (and report.json, the sets,
// the renders). Asserts only that the measuring works (the figures on known
// cases, the true-curve merge close to the truth, every set rendered).
// Skips (with a message) where ../shared is absent.
//
// Run: npx vitest run -c scripts/vitest.quality.config.ts scripts/defaults.quality.ts
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUALITY } from '../src/cli/args';
import { defaultEdit, runBatch } from '../src/cli/batch';
import { SUFFIX } from '../src/cli/encode';
import { mergeRadiance } from '../src/engine/merge/reference/merge';
import { responseLuts } from '../src/engine/merge/response';
import { loadRadianceMap } from '../src/engine/reference/camera';
import type { FloatImage, Mode } from '../src/engine/types';
import { presetJson } from '../src/io/preset';
import { readExrImage, readHdrImage, readPng, type Rgba8 } from './defaults-files';
import { bracketRgba8, clipping, colourfulness, cropImage, cropMask, globalToneMap, halo, localContrast, locate, meanLuma, psnr, radianceError, recordedMask, type Window } from './defaults-metrics';
import { findPython, peerOutputs, runPeers } from './defaults-peers';
import { realSets, syntheticSets, type QualitySet } from './defaults-sets';

const SHARED = fileURLToPath(new URL('../../shared/', import.meta.url));
const BRACKETS = `${SHARED}data/brackets/`;
const HDR = `${SHARED}data/hdr/`;
const PEER_SCRIPT = `${SHARED}peers/opencv_hdr.py`;
const OUT = fileURLToPath(new URL('../test-results/quality-defaults/', import.meta.url));
const SIDE = Number(process.env.DEFAULTS_QUALITY_SIDE || 400);
const MAX_BRACKETS = Number(process.env.DEFAULTS_QUALITY_BRACKETS ?? 5);
const SYNTH_FACTOR = Number(process.env.DEFAULTS_QUALITY_SYNTH || 3);
const available = existsSync(BRACKETS) && existsSync(`${HDR}GoldenGate.exr`) && existsSync(`${HDR}StillLife.exr`);
/** The CPU merge given the true curve must be this close to the truth (stops), or the measuring is broken. */
const TRUE_CURVE_BOUND = 0.1;

interface Row {
  set: string;
  method: string;
  /** Radiance error against the truth, stops (where there is a truth and a radiance map). */
  radiance?: number;
  /** The same with each channel's scale removed (white balance). */
  balanced?: number;
  white: number;
  channel: number;
  black: number;
  halo: number;
  luma: number;
  contrast: number;
  colour: number;
  window: Window;
}

interface Render {
  method: string;
  png: string;
  /** The radiance map, where the method makes one. */
  radiance?: string;
}

const pct = (v: number | undefined, digits = 2) => (v === undefined ? '—' : `${(100 * v).toFixed(digits)}`);
const num = (v: number | undefined, digits = 3) => (v === undefined || !Number.isFinite(v) ? (v === Infinity ? '∞' : '—') : v.toFixed(digits));
const table = (head: string[], rows: string[][]) => [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** A picture made sharper by unsharp masking (radius ~4 px, amount 1.5): local contrast that overshoots, i.e. halos. */
function unsharp(img: Rgba8): Rgba8 {
  const { width: w, height: h } = img;
  const blur = new Float32Array(w * h * 4);
  const r = 4;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        let n = 0;
        for (let dy = -r; dy <= r; dy++) {
          for (let dx = -r; dx <= r; dx++) {
            const xx = Math.min(w - 1, Math.max(0, x + dx));
            const yy = Math.min(h - 1, Math.max(0, y + dy));
            s += img.data[(yy * w + xx) * 4 + c]!;
            n++;
          }
        }
        blur[(y * w + x) * 4 + c] = s / n;
      }
    }
  }
  const data = Uint8Array.from(img.data, (v, i) => (i % 4 === 3 ? 255 : Math.round(Math.min(255, Math.max(0, v + 1.5 * (v - blur[i]!))))));
  return { width: w, height: h, data };
}

describe.skipIf(!available)('the app at its defaults on real and synthetic sets, beside OpenCV', () => {
  it('the figures give the known answers on known cases', () => {
    for (const name of ['goldengate', 'stilllife'] as const) {
      const map = loadRadianceMap(name);
      const scaled: FloatImage = { ...map, data: map.data.map((v) => v * 3) };
      expect(radianceError(map, map).rms).toBe(0);
      // The global scale is removed: 3× the truth is no error.
      expect(radianceError(scaled, map).rms).toBeLessThan(1e-6);
      // A global tone curve keeps every gradient's sign: (almost) no reversals; unsharp masking makes them.
      const global = globalToneMap(map);
      const plain = halo(global, map);
      const sharpened = halo(unsharp(global), map);
      console.log(`${name}: halo share of a global tone map ${pct(plain.share)} %, unsharp-masked ${pct(sharpened.share)} % (band ${plain.band} px)`);
      expect(plain.band).toBeGreaterThan(50);
      expect(plain.share).toBeLessThan(0.01);
      expect(sharpened.share).toBeGreaterThan(0.05);
      expect(psnr(global, global)).toBe(Infinity);
    }
    const grey: Rgba8 = { width: 4, height: 4, data: new Uint8Array(64).fill(128) };
    const white: Rgba8 = { width: 4, height: 4, data: new Uint8Array(64).fill(255) };
    const black: Rgba8 = { width: 4, height: 4, data: new Uint8Array(64).fill(0) };
    expect(colourfulness(grey)).toBe(0);
    expect(meanLuma(white)).toBeCloseTo(255, 6);
    expect(localContrast(grey)).toBe(0);
    expect(clipping(white, grey, grey)).toEqual({ white: 1, channel: 1, black: 0 });
    expect(clipping(black, grey, grey)).toEqual({ white: 0, channel: 0, black: 1 });
    expect(clipping(white, white, grey).channel).toBe(0);
    const blue: Rgba8 = { width: 4, height: 4, data: Uint8Array.from({ length: 64 }, (_, i) => (i % 4 === 2 || i % 4 === 3 ? 255 : 90)) };
    expect(clipping(blue, grey, grey)).toEqual({ white: 0, channel: 1, black: 0 });
  });

  it('renders every set at the defaults and reports', { timeout: 1_800_000 }, async () => {
    const t0 = performance.now();
    const lap = (() => {
      let mark = t0;
      return () => {
        const s = (performance.now() - mark) / 1000;
        mark = performance.now();
        return `${s.toFixed(0)} s`;
      };
    })();
    const times: string[] = [];
    rmSync(OUT, { recursive: true, force: true });
    const setsDir = join(OUT, 'sets');
    const peersDir = join(OUT, 'opencv');
    mkdirSync(peersDir, { recursive: true });
    const sets: QualitySet[] = [...(await syntheticSets(HDR, setsDir, SYNTH_FACTOR)), ...(await realSets(BRACKETS, HDR, setsDir, SIDE, MAX_BRACKETS))];
    times.push(`sets ${lap()}`);

    // The peers run beside the renders (the GPU is software here; both share the CPU).
    const found = findPython(PEER_SCRIPT);
    const peersOk = 'python' in found;
    if (!peersOk) console.warn(`quality:defaults: the OpenCV columns are skipped: ${found.missing} not found`);
    const peers = peersOk ? runPeers(found.python, PEER_SCRIPT, sets, peersDir) : Promise.resolve([]);

    const edit = defaultEdit();
    const modes: Mode[] = [edit.mode, edit.mode === 'fusion' ? 'merge' : 'fusion'];
    const shown = Object.entries(edit)
      .filter(([k]) => k !== 'params' && k !== 'curves')
      .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
      .join(', ');
    const label = (mode: Mode) => `app ${mode}${mode === edit.mode ? ' (default)' : ''}`;
    const renders = new Map<string, Render[]>(sets.map((s) => [s.name, []]));
    for (const mode of modes) {
      const out = join(OUT, `app-${mode}`);
      let preset: string | null = null;
      if (mode !== edit.mode) {
        preset = join(OUT, `preset-${mode}.json`);
        writeFileSync(preset, presetJson({ ...edit, mode }));
      }
      const log: string[] = [];
      const code = await runBatch(
        { inputs: sets.map((s) => s.dir), preset, out, formats: ['png', 'exr'], quality: DEFAULT_QUALITY },
        {
          err: {
            write: (text: string) => {
              for (const line of text.split('\n')) if (line.trim() && !/^\[\d+\/\d+\]/.test(line)) log.push(line);
            },
          },
          out: { write: () => true },
        },
      );
      console.log(`${label(mode)}:\n${log.join('\n')}`);
      expect(code, `hdr-batch (${mode}) exit status`).toBe(0);
      for (const s of sets) renders.get(s.name)!.push({ method: label(mode), png: join(out, `${s.name}${SUFFIX.png}`), radiance: join(out, `${s.name}${SUFFIX.exr}`) });
      times.push(`${mode} ${lap()}`);
    }
    const peerProblems = await peers;
    times.push(`peers' wait ${lap()}`);
    if (peersOk) {
      for (const s of sets) {
        const o = peerOutputs(peersDir, s.name);
        renders.get(s.name)!.push({ method: 'OpenCV Debevec + Reinhard', png: o.reinhard, radiance: o.debevec }, { method: 'OpenCV Mertens', png: o.mertens });
      }
    }

    // Figures.
    const rows: Row[] = [];
    const trueCurve = new Map<string, number>();
    const trueCurveBalanced = new Map<string, number>();
    const pictures = new Map<string, { pic: Rgba8; window: Window }>();
    for (const s of sets) {
      const darkest = bracketRgba8(s.brackets[0]!);
      const brightest = bracketRgba8(s.brackets[s.brackets.length - 1]!);
      const recorded = recordedMask(s.brackets);
      const reference = s.truth ?? mergeRadiance(s.brackets, responseLuts('srgb'));
      if (s.truth && s.trueLuts) {
        const e = radianceError(mergeRadiance(s.brackets, s.trueLuts), s.truth, recorded);
        trueCurve.set(s.name, e.rms);
        trueCurveBalanced.set(s.name, e.balanced);
      }
      for (const r of renders.get(s.name)!) {
        if (!existsSync(r.png)) continue;
        const pic = readPng(r.png);
        const rad = r.radiance && existsSync(r.radiance) ? (r.radiance.endsWith('.hdr') ? readHdrImage(r.radiance) : readExrImage(r.radiance)) : undefined;
        if (rad) expect([rad.width, rad.height]).toEqual([pic.width, pic.height]);
        const window = rad ? locate(rad, reference) : { x: 0, y: 0, width: pic.width, height: pic.height };
        const error = rad && s.truth ? radianceError(rad, cropImage(s.truth, window), cropMask(recorded, s.brackets[0]!.width, window)) : undefined;
        const row: Row = {
          set: s.name,
          method: r.method,
          radiance: error?.rms,
          balanced: error?.balanced,
          ...clipping(pic, cropImage(darkest, window), cropImage(brightest, window)),
          // A halo is the tone mapping's: judged against the radiance it tone-mapped where the method made one (a real set has no truth; fusion tone-maps none).
          halo: halo(pic, s.truth ? cropImage(s.truth, window) : rad && !r.method.includes('fusion') ? rad : cropImage(reference, window)).share,
          luma: meanLuma(pic),
          contrast: localContrast(pic),
          colour: colourfulness(pic),
          window,
        };
        rows.push(row);
        pictures.set(`${s.name}/${r.method}`, { pic, window });
      }
    }
    // The moving object: each method's ghost render against its clean one, over the shared window.
    const ghostRows: string[][] = [];
    for (const s of sets.filter((x) => x.path && x.cleanTwin)) {
      for (const r of renders.get(s.name)!) {
        const a = pictures.get(`${s.name}/${r.method}`);
        const b = pictures.get(`${s.cleanTwin}/${r.method}`);
        if (!a || !b) continue;
        const x0 = Math.max(a.window.x, b.window.x);
        const y0 = Math.max(a.window.y, b.window.y);
        const shared: Window = { x: x0, y: y0, width: Math.min(a.window.x + a.window.width, b.window.x + b.window.width) - x0, height: Math.min(a.window.y + a.window.height, b.window.y + b.window.height) - y0 };
        const within = (w: Window): Window => ({ ...shared, x: shared.x - w.x, y: shared.y - w.y });
        const pa = cropImage(a.pic, within(a.window));
        const pb = cropImage(b.pic, within(b.window));
        const path = cropMask(s.path!, s.brackets[0]!.width, shared);
        const onPath = psnr(pa, pb, path);
        const rest = psnr(
          pa,
          pb,
          path.map((v) => (v ? 0 : 1)),
        );
        ghostRows.push([s.name, r.method, num(onPath, 1), num(rest, 1), num(rest - onPath, 1), num(psnr(pa, pb), 1), `${path.reduce((t, v) => t + v, 0)}`]);
      }
    }
    times.push(`figures ${lap()}`);

    // The report.
    const methods = [...new Set(rows.map((r) => r.method))];
    const radianceRows = sets
      .filter((s) => s.truth)
      .map((s) => {
        const tc = trueCurve.get(s.name);
        const cells = methods.filter((m) => rows.some((r) => r.set === s.name && r.method === m && r.radiance !== undefined));
        return [
          s.name,
          s.truthLabel ?? '',
          trueCurveBalanced.has(s.name) ? `${num(tc)}; ${num(trueCurveBalanced.get(s.name))} balanced` : num(tc),
          ...methods
            .filter((m) => m.startsWith('app') || m.includes('Debevec'))
            .map((m) => {
              const r = rows.find((x) => x.set === s.name && x.method === m);
              if (!r || r.radiance === undefined || !cells.includes(m)) return '—';
              const tb = trueCurveBalanced.get(s.name);
              const balanced = r.balanced !== undefined ? `; ${num(r.balanced)}${tb ? ` (${(r.balanced / tb).toFixed(2)}×)` : ''} balanced` : '';
              return (tc ? `${num(r.radiance)} (${(r.radiance / tc).toFixed(2)}×)` : num(r.radiance)) + balanced;
            }),
        ];
      });
    const radianceHead = ['set', 'truth', 'true-curve merge', ...methods.filter((m) => m.startsWith('app') || m.includes('Debevec')).map((m) => (m.startsWith('app') ? `${m} EXR` : m.replace(' + Reinhard', '')))];
    const pictureRows = rows.map((r) => [
      r.set,
      r.method,
      pct(r.white),
      pct(r.channel),
      pct(r.black),
      pct(r.halo),
      num(r.luma, 1),
      num(r.contrast, 2),
      num(r.colour, 1),
      r.window.x || r.window.y || r.window.width !== sets.find((s) => s.name === r.set)!.brackets[0]!.width ? `${r.window.width}×${r.window.height}+${r.window.x}+${r.window.y}` : '',
    ]);
    const meanRows = (['real', 'synthetic'] as const).flatMap((kind) =>
      methods.map((m) => {
        const rs = rows.filter((r) => r.method === m && sets.find((s) => s.name === r.set)!.kind === kind);
        const mean = (f: (r: Row) => number) => rs.reduce((t, r) => t + f(r), 0) / rs.length;
        const [luma, contrast, colour] = [mean((r) => r.luma), mean((r) => r.contrast), mean((r) => r.colour)];
        return [`mean, ${kind} (${rs.length})`, m, pct(mean((r) => r.white)), pct(mean((r) => r.channel)), pct(mean((r) => r.black)), pct(mean((r) => r.halo)), num(luma, 1), num(contrast, 2), num(colour, 1), ''];
      }),
    );
    const total = ((performance.now() - t0) / 1000).toFixed(0);
    const report = [
      '# The app at its defaults: quality report',
      '',
      `Made by scripts/defaults.quality.ts on ${new Date().toISOString().slice(0, 10)}. Defaults (src/cli/batch.ts defaultEdit()): ${shown}. ` +
        `Real sets box-downscaled to fit ${SIDE} px${MAX_BRACKETS > 0 ? `, at most ${MAX_BRACKETS} frames each (evenly spread, darkest to brightest)` : ''}; synthetic sets at 1/${SYNTH_FACTOR} of the EXRs. ` +
        `OpenCV peers: ${'python' in found ? 'yes' : `skipped (${found.missing} not found)`}. Run time ${total} s (${times.join(', ')}).`,
      '',
      'Sets:',
      '',
      ...sets.map((s) => `- ${s.name}: ${s.note}, ${s.brackets.length} brackets`),
      '',
      '## Radiance maps against the truth (stops; × the merge that knows the true curve)',
      '',
      table(radianceHead, radianceRows),
      '',
      '## Pictures (clip and halo shares in %)',
      '',
      table(['set', 'method', 'white clip', 'chan. clip', 'black clip', 'halo', 'luma', 'contrast', 'colour', 'window (cropped)'], [...pictureRows, ...meanRows]),
      '',
      '## Moving object (synth-ghost against the same method on synth-ghost-clean, a second shot, dB)',
      '',
      table(['set', 'method', 'path PSNR', 'rest PSNR', 'gap', 'whole PSNR', 'path px'], ghostRows),
      '',
      ...(peerProblems.length ? ['Peer problems:', '', ...peerProblems.map((p) => `- ${p}`), ''] : []),
      'Definitions: see the header of scripts/defaults.quality.ts.',
      '',
    ].join('\n');
    writeFileSync(join(OUT, 'report.md'), report);
    writeFileSync(
      join(OUT, 'report.json'),
      `${JSON.stringify({ defaults: shown, side: SIDE, maxBrackets: MAX_BRACKETS, synthFactor: SYNTH_FACTOR, trueCurve: Object.fromEntries(trueCurve), rows, ghost: ghostRows, seconds: Number(total) }, null, 1)}\n`,
    );
    console.log(report);

    // The measuring works: every set rendered in both modes, the true-curve merge near the truth.
    for (const s of sets)
      for (const m of modes)
        expect(
          rows.some((r) => r.set === s.name && r.method === label(m)),
          `${s.name} rendered (${m})`,
        ).toBe(true);
    for (const [name, e] of trueCurve) expect(e, `${name}: the merge given the true curve`).toBeLessThan(TRUE_CURVE_BOUND);
    for (const r of rows.filter((x) => x.method.startsWith('app') && x.radiance !== undefined)) expect(Number.isFinite(r.radiance), `${r.set} ${r.method}: radiance error`).toBe(true);
    expect(ghostRows.length).toBeGreaterThanOrEqual(2);
    expect(peerProblems).toEqual([]);
  });
});

if (!available) {
  const why = `skipped: ${BRACKETS} or ${HDR}GoldenGate.exr / StillLife.exr not found (the shared data sets are not checked out here)`;
  console.warn(`quality:defaults ${why}`);
  describe('the app at its defaults on real and synthetic sets, beside OpenCV', () => {
    it.skip(why, () => {});
  });
}
