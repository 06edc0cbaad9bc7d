// The bracket sets of the defaults quality report (defaults.quality.ts):
//   real:      every folder of ../shared/data/brackets, decoded with the batch
//              command's own decoder (src/cli/decode.ts: libjpeg-turbo, as the
//              app), box-downscaled in code values (reference/camera.ts
//              shrinkBrackets) to fit SIDE × SIDE, written as PNG with each
//              file's EXIF exposure (time, f-number, ISO);
//   synthetic: ILM's GoldenGate.exr and StillLife.exr (../shared/data/hdr,
//              BSD-3) box-halved in linear values (631 × 430, 620 × 423) and
//              shot at five exposures two stops apart (1/1024 … 1/4 s, f/8, ISO
//              100; the middle one metered to a key of 0.18) through a synthetic
//              camera (reference/camera.ts shootBrackets: clip, curve, round),
//              then Gaussian noise of 1 code on every unclipped sample
//              (deghost/reference/ghost-scene.ts addNoise). Each keeps its
//              ground truth (the radiance the camera saw) and its true curve.
//     synth-film        StillLife through a film-like S-curve (camera.ts
//                       filmCurve, gamma 1.7 / 1.8 / 1.95 for R / G / B, S 0.6):
//                       not sRGB, and not the same in every channel;
//     synth-sun         GoldenGate with a sun added in the sky: a disc at 10×
//                       the metered white and a glow around it, so the disc and
//                       the glow's core are unclipped in the shortest bracket
//                       only; sRGB camera;
//     synth-ghost       GoldenGate, sRGB camera, a bright textured object (a
//                       crop of StillLife at 4× the key) in brackets 2 and 4
//                       of 5, at two places (ghost-scene.ts movingObjectScene);
//     synth-ghost-clean the same brackets without the object (their own noise):
//                       the ghost set's reference picture, and a plain sRGB
//                       set of its own.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFile } from '../src/cli/decode';
import * as camera from '../src/engine/reference/camera';
import { filmCurve, meter, shootBrackets, shrink, shrinkBrackets, trueLuts, type CameraCurve } from '../src/engine/reference/camera';
import { linearToSrgb } from '../src/engine/reference/color';
import { addNoise, cropMap, movingObjectScene } from '../src/engine/deghost/reference/ghost-scene';
import type { ResponseLuts } from '../src/engine/merge/response';
import type { Bracket, FloatImage } from '../src/engine/types';
import type { ExposureMeta } from '../src/io/exposure';
import { readHdrImage, writeSet } from './defaults-files';

export interface QualitySet {
  /** The folder's name: the CLI names its outputs after it. */
  readonly name: string;
  readonly kind: 'real' | 'synthetic';
  /** The folder written for the CLI and the peers. */
  readonly dir: string;
  /** The brackets as written, darkest first, exposures relative to the middle one. */
  readonly brackets: Bracket[];
  /** The radiance the camera saw (synthetic), or a published merge (memorial: Debevec's map). */
  readonly truth?: FloatImage;
  /** What `truth` is, for the report. */
  readonly truthLabel?: string;
  /** The synthetic camera's inverse curve, per channel. */
  readonly trueLuts?: ResponseLuts;
  /** synth-ghost: 1 where the object is in any bracket. */
  readonly path?: Uint8Array;
  /** synth-ghost: the set rendered without the object. */
  readonly cleanTwin?: string;
  readonly note: string;
}

/** Five exposures two stops apart, relative to the metered middle one (as the deghost tests). */
const EXPOSURES = [1 / 16, 1 / 4, 1, 4, 16] as const;
/** The middle exposure's time, s: 1/64 (make-brackets.mjs), so 1/1024 … 1/4 s. */
const MID_SECONDS = 1 / 64;
const KEY = 0.18;
const NOISE_CODES = 1;
const SRGB: readonly [CameraCurve, CameraCurve, CameraCurve] = [linearToSrgb, linearToSrgb, linearToSrgb];
const FILM: readonly [CameraCurve, CameraCurve, CameraCurve] = [filmCurve(1.7, 0.6), filmCurve(1.8, 0.6), filmCurve(1.95, 0.6)];

const fmtTime = (t: number) => (t < 1 ? `1/${Math.round(1 / t)}` : `${+t.toPrecision(3)}`);

/** times.txt rows ("file seconds"), as listed. */
function readTimes(dir: string): [string, number][] {
  return readFileSync(join(dir, 'times.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => {
      const [file, t] = l.trim().split(/\s+/) as [string, string];
      return [file, t.includes('/') ? Number(t.split('/')[0]) / Number(t.split('/')[1]) : Number(t)];
    });
}

/** The box average of `map` over the same column and row ranges as shrinkBrackets gives a w × h image. */
function shrinkTo(map: FloatImage, w: number, h: number): FloatImage {
  const data = new Float32Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor((y * map.height) / h);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * map.height) / h));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor((x * map.width) / w);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * map.width) / w));
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let sy = y0; sy < y1; sy++) for (let sx = x0; sx < x1; sx++) sum += map.data[(sy * map.width + sx) * 4 + c]!;
        data[(y * w + x) * 4 + c] = sum / ((x1 - x0) * (y1 - y0));
      }
      data[(y * w + x) * 4 + 3] = 1;
    }
  }
  return { width: w, height: h, data };
}

/** At most `max` of n indices, evenly spread from the first to the last (all when max is 0 or n ≤ max). */
export function spread(n: number, max: number): number[] {
  if (max <= 0 || n <= max) return Array.from({ length: n }, (_, i) => i);
  if (max === 1) return [n >> 1];
  return Array.from({ length: max }, (_, i) => Math.round((i * (n - 1)) / (max - 1)));
}

/** Every real set under `root`, at most maxBrackets frames (0: all), downscaled to fit side × side and written under `out`. */
export async function realSets(root: string, hdrDir: string, out: string, side: number, maxBrackets: number): Promise<QualitySet[]> {
  const names = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'times.txt')))
    .map((d) => d.name)
    .sort();
  const sets: QualitySet[] = [];
  for (const name of names) {
    const all = readTimes(join(root, name)).sort((a, b) => a[1] - b[1]);
    const rows = spread(all.length, maxBrackets).map((i) => all[i]!);
    const decoded = await Promise.all(rows.map(([file]) => decodeFile(join(root, name, file))));
    const mid = rows[Math.floor(rows.length / 2)]![1];
    const full: Bracket[] = decoded.map((d, k) => ({ width: d.width, height: d.height, pixels: d.pixels, exposure: rows[k]![1] / mid }));
    const brackets = shrinkBrackets(full, side);
    // EXIF as the files have it (the CLI reads it); the listed time where a file has none.
    const metas: ExposureMeta[] = decoded.map((d, k) => ({ ...d.exif, exposureTime: d.exif?.exposureTime ?? rows[k]![1] }));
    const dir = join(out, name);
    writeSet(
      dir,
      brackets,
      metas,
      rows.map((r) => r[1]),
    );
    const { width, height } = brackets[0]!;
    let truth: FloatImage | undefined;
    // memorial: Debevec's own merge of these frames (response.quality.ts scores against it).
    const ref = join(hdrDir, `${name}.hdr`);
    if (existsSync(ref)) truth = shrinkTo(readHdrImage(ref), width, height);
    sets.push({
      name,
      kind: 'real',
      dir,
      brackets,
      truth,
      truthLabel: truth ? `Debevec's ${name}.hdr` : undefined,
      note: `${all.length} × ${decoded[0]!.width}×${decoded[0]!.height}${
        rows.length < all.length
          ? `, frames ${spread(all.length, maxBrackets)
              .map((i) => i + 1)
              .join('/')} (${rows.map((r) => fmtTime(r[1])).join(', ')})`
          : ''
      } → ${width}×${height}`,
    });
  }
  return sets;
}

/** The inverse of a camera's curves as the merge's tables (code → linear value). */
function lutsOf(curves: readonly [CameraCurve, CameraCurve, CameraCurve]): ResponseLuts {
  const [r, g, b] = trueLuts(curves);
  return [Float32Array.from(r), Float32Array.from(g), Float32Array.from(b)];
}

const metas = (): ExposureMeta[] => EXPOSURES.map((e) => ({ exposureTime: MID_SECONDS * e, fNumber: 8, iso: 100 }));

/** A sun at (cx, cy): a disc of radius r at `peak` × the metered white, and a glow falling off by e every `glow` px beyond it; warm white. */
function addSun(map: FloatImage, gain: number, cx: number, cy: number, r: number, peak: number, glow: number): FloatImage {
  const data = new Float32Array(map.data);
  const tint = [1, 0.93, 0.8];
  for (let y = 0; y < map.height; y++) {
    for (let x = 0; x < map.width; x++) {
      const d = Math.hypot(x - cx, y - cy);
      const level = d <= r ? peak : 0.6 * peak * Math.exp(-(d - r) / glow);
      if (level < 1e-4) continue;
      for (let c = 0; c < 3; c++) {
        const k = (y * map.width + x) * 4 + c;
        data[k] = d <= r ? (level * tint[c]!) / gain : data[k]! + (level * tint[c]!) / gain;
      }
    }
  }
  return { width: map.width, height: map.height, data };
}

/**
 * The synthetic sets, written under `out`. loadExr reads the tiled
 * GoldenGate.exr (make-brackets.mjs's reader, as make-radiance-maps.mjs uses it).
 */
export async function syntheticSets(hdrDir: string, out: string, factor: number): Promise<QualitySet[]> {
  const { loadExr } = (await import(new URL('./make-brackets.mjs', import.meta.url).href)) as { loadExr: (file: string) => FloatImage };
  const gg = shrink(loadExr(join(hdrDir, 'GoldenGate.exr')), factor);
  const sl = shrink(loadExr(join(hdrDir, 'StillLife.exr')), factor);
  const sets: QualitySet[] = [];
  const add = (name: string, brackets: Bracket[], truth: FloatImage, curves: typeof SRGB, note: string, extra: Partial<QualitySet> = {}) => {
    const dir = join(out, name);
    writeSet(
      dir,
      brackets,
      metas(),
      metas().map((m) => m.exposureTime!),
    );
    sets.push({ name, kind: 'synthetic', dir, brackets, truth, truthLabel: 'the radiance shot', trueLuts: lutsOf(curves), note, ...extra });
  };

  const slGain = meter(sl, KEY);
  add('synth-film', addNoise(shootBrackets(sl, FILM, slGain, EXPOSURES), NOISE_CODES, 11), sl, FILM, `StillLife ${sl.width}×${sl.height}, film S-curve (γ 1.7/1.8/1.95, S 0.6)`);

  const ggGain = meter(gg, KEY);
  // The disc reads 10 / 16 of white in the shortest bracket (x = 0.625) and clips from the next one (2.5) up.
  const px = gg.width / 631;
  const sunny = addSun(gg, ggGain, Math.round(0.82 * gg.width), Math.round(0.14 * gg.height), 9 * px, 10, 10 * px);
  add('synth-sun', addNoise(shootBrackets(sunny, SRGB, ggGain, EXPOSURES), NOISE_CODES, 12), sunny, SRGB, `GoldenGate ${gg.width}×${gg.height} + a sun at 10× white, sRGB camera`);

  const [pw, ph] = [Math.round(72 * px), Math.round(54 * px)];
  const crop = cropMap(sl, (sl.width - pw) >> 1, (sl.height - ph) >> 1, pw, ph);
  const patch = cropMap(crop, 0, 0, pw, ph, meter(crop, KEY * 4) / ggGain);
  const positions = [null, [Math.round(0.22 * gg.width), Math.round(0.62 * gg.height)] as const, null, [Math.round(0.6 * gg.width), Math.round(0.55 * gg.height)] as const, null];
  const scene = movingObjectScene(camera, gg, { patch, positions }, SRGB, ggGain, EXPOSURES);
  add('synth-ghost', addNoise(scene.ghosted, NOISE_CODES, 13), gg, SRGB, `GoldenGate, sRGB camera, an object ${pw}×${ph} in brackets 2 and 4 of 5`, { path: scene.path, cleanTwin: 'synth-ghost-clean' });
  // The clean twin is a second shot: its own noise. With the same noise, everything but the path would match
  // by construction and even a deghosting that knew the object's exact path would fall 5 dB short there.
  add('synth-ghost-clean', addNoise(scene.clean, NOISE_CODES, 14), gg, SRGB, 'synth-ghost without the object (its own noise)');
  return sets;
}
