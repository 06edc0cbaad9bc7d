// How much of the picture moves between brackets, so the app can turn
// deghosting on by itself (issue 16). Headless and synchronous: once per set,
// on the main thread or a worker.
//
// The measure is the deghosting's own (reference/deghost.ts judgeObservations:
// each bracket against the reference through the exposure ratio and the
// response, clipped codes by consensus, noise by σ), at full strength, on a
// proxy of at most MOTION_PROXY px on the long side:
//
//   brackets ─(alignment transform)─→ box averages of linear values per proxy pixel
//            ─judge─→ raw weights ─majority (one mean reduce, ×2, expand)─→ mask
//            fraction = share of covered proxy pixels with mask > 0.5
//
// Proxy pixel (i, j) covers a box of W / w × H / h source pixels (w × h: the
// proxy's size); up to MOTION_TAPS × MOTION_TAPS taps on a regular lattice
// inside it are read at their nearest pixel, in each bracket through its
// alignment transform (reference coordinates → bracket coordinates, the warp's
// matrix), so a handheld shift is not read as motion. Each tap's code stands
// for an interval of linear values (the code table, deghostTables: a point
// where the merge weighs the code, [lin(zmax), ∞) clipped high, [0, lin(zmin)]
// clipped low); the box's observation is the mean of those intervals, a point
// where every tap is weighed. So a box that mixes clipped and unclipped taps
// is a bound the true mean satisfies, never a claim that contradicts a
// bracket that sees it: clipped regions do not read as motion, their edges
// included. Averaging linear values (not codes) keeps a still set consistent
// across exposures: a mean of codes mixes the curve's non-linearity into the
// value differently at each exposure, so an edge would disagree with itself.
// (Measured: a clipped tap counted at the clip level, or a box's mean code,
// reads ntnu_street, still, as 0.7 % and 1.3 % moving, stlouis_arch as 5.3 %
// and 5.8 % instead of 3 %, and stilllife in 4 px boxes as 42–44 %.)
// σ is the mean of the taps' σ: one pixel's noise, not reduced by the
// averaging, which leaves room for JPEG artefacts and residual misregistration.
// A box any tap of which falls outside a bracket is unknown there (agrees
// with everything) and not counted. With a proxy the size of the image (one
// tap per pixel, no transforms) the raw weights are rawDeghostWeights' exactly.
//
// Smoothing: the deghosting's majority step only (one mean reduce scaled by
// DEGHOST_MAJORITY, then expand): scattered disagreements vanish, regions of
// it stay. Its min reduces, which spread a rejection over an object's
// surroundings, are left out: this measures the area that moves, not the
// area the deghosting would keep from a bracket. The finish's max(smoothed,
// raw) keeps the merge fed; it has nothing to say about motion.
//
// Decision (motionStrength): strength 0 below MOTION_THRESHOLD (1 %) of the
// frame moving, else min(1, 0.6 + 20 · fraction): 0.8 at the threshold, 1
// from 2 %. Measured: still synthetic sets (motion.test.ts: noise 0–3 codes,
// sRGB; film curves with their recovered response; 8 and 16 bits; shifted
// and rotated, with their transforms) 0.00 %. The real sets of
// ../shared/data/brackets (JPEGs, all brackets, recovered response, no
// transforms): without visible motion 0.13 % (ntnu_street) and 0.45 %
// (night_building: a lit doorway whose highlights the camera compresses
// more than its recovered curve says); with motion 1.65 % (desk_window,
// leaves outside), 2.95 % (stlouis_arch, clouds in 15 s), 5.9 %
// (bottle_chandelier, people), 8.0 % (taipei_night, clouds). A moving
// object's detected share is 0.6–0.9 of its path, ~0.5 where a bracket
// shows it clipped as it shows the background (nothing there to see). What
// the deghosting would reject for other reasons reads as motion too: a wrong
// response (film curves with sRGB assumed 40–65 %; the real JPEG sets with
// sRGB assumed 69–99 %, all but night_building's 1.2 %), exposure times that
// do not match the pictures (desktop_lamp, living_room, taipei_street:
// 81–99 %), film reciprocity failure (memorial: its 16 s and 32 s frames,
// 41 %).
//
// Cost: ~3.5 M taps at 24 MP × 5 (MOTION_TAPS² per proxy pixel and bracket,
// three table look-ups per channel each), then the judgement of ~44 k proxy pixels:
// ~170 ms warm, ~320 ms on a first call, on a shared 2-core machine.
import { IDENTITY_MATRIX, similarityMatrix, type Matrix3 } from '../align/reference/transforms';
import type { ResponseLuts } from '../merge/response';
import { estimateBlackLevel, mergeWeights } from '../merge/weights';
import { isWide, type Bracket } from '../types';
import { autoReference, clampStrength, deghostLevels, deghostObservations, deghostTables, ghostMask, judgeObservations, resolveReference } from './reference/deghost';
import { accumulate, observe, sampleTables } from './motion-proxy';
import { smoothDeghost, DEGHOST_MAJORITY } from './reference/smooth';
import { expandIndex, PYRAMID_KERNEL, reflect101 } from '../pyramid/reference/pyramid';

/** The proxy's long side, in pixels. */
export const MOTION_PROXY = 256;
/** Taps per axis in a proxy pixel's box, at most. */
export const MOTION_TAPS = 4;
/** Smoothing levels: the majority step only. */
export const MOTION_LEVELS = 1;
/** A proxy pixel moves where the ghost mask exceeds this. */
export const MOTION_MASK = 0.5;
/** Below this share of the frame moving, a set counts as still (strength 0). */
export const MOTION_THRESHOLD = 0.01;
/**
 * Above this share the brackets disagree too widely for moving objects: their
 * exposures or the response are off (the real sets whose times do not match
 * their pictures read 81–99 %, a film sequence with reciprocity failure 41 %;
 * the moving ones 1.6–8 %). Deghosting would then reject most of the frame:
 * strength 0, and the app says why (src/ghosts.ts).
 */
export const MOTION_IMPLAUSIBLE = 0.3;

/**
 * A bracket's alignment as the report gives it (state/store.ts AlignmentRow,
 * align/reference/align.ts LayerMotion): a similarity about the image centre
 * ((w − 1) / 2, (h − 1) / 2), bracket coordinates = centre + t + s R(θ)(x − centre)
 * for reference coordinates x, y down.
 */
export interface BracketTransform {
  /** Translation of the centre, in pixels of the bracket. */
  readonly tx: number;
  readonly ty: number;
  /** Degrees, + clockwise on screen. */
  readonly rotation: number;
  readonly scale: number;
}

export interface MotionOptions {
  /** The inverse response the merge uses (a wrong one reads as motion: see deghost.ts). */
  readonly response: ResponseLuts;
  /** One per bracket (darkest first), or null / absent: the brackets as they are. */
  readonly transforms?: readonly BracketTransform[] | null;
  /** The merge's weight table (default: as the merge, mergeWeights of the estimated black level and the response). */
  readonly weights?: Float32Array;
  /** The reference bracket (default: autoReference, as the deghosting's default). */
  readonly reference?: number;
  /** The proxy's long side (default MOTION_PROXY). */
  readonly proxy?: number;
  /** Smoothing levels (default MOTION_LEVELS; 0: the raw weights' mask). */
  readonly levels?: number;
}

export interface MotionEstimate {
  /** Share of the proxy's covered pixels that move, 0..1. */
  readonly fraction: number;
  /** The deghosting strength to use: 0 (off) or MOTION_THRESHOLD's rule. */
  readonly strength: number;
}

export interface MotionMask {
  readonly width: number;
  readonly height: number;
  /** 1 − min over brackets of the weight, per proxy pixel. */
  readonly mask: Float32Array;
  /** 1 where every bracket covers the proxy pixel's box. */
  readonly covered: Uint8Array;
  /** The bracket the others were judged against. */
  readonly reference: number;
  /** Brackets rejected per covered proxy pixel, on average: Σ over brackets of (1 − weight), smoothed as the mask. */
  readonly rejected: number;
}

/** The strength for a moving fraction: 0 below MOTION_THRESHOLD or above MOTION_IMPLAUSIBLE, else min(1, 0.6 + 20 · fraction). */
export function motionStrength(fraction: number): number {
  if (!(fraction >= MOTION_THRESHOLD) || fraction > MOTION_IMPLAUSIBLE) return 0;
  return clampStrength(0.6 + 20 * fraction);
}

/** The proxy's size: the image scaled to fit `proxy` on the long side (never up). */
export function motionProxySize(width: number, height: number, proxy = MOTION_PROXY): [number, number] {
  const f = Math.max(1, Math.max(width, height) / Math.max(1, proxy));
  return [Math.max(1, Math.round(width / f)), Math.max(1, Math.round(height / f))];
}

/** The warp's matrix for a transform (bracket coordinates = M · reference coordinates; align/reference/transforms.ts similarityMatrix). */
export function transformMatrix(t: BracketTransform, width: number, height: number): Matrix3 {
  const th = (t.rotation * Math.PI) / 180;
  return similarityMatrix({ a: t.scale * Math.cos(th) - 1, b: t.scale * Math.sin(th), tx: t.tx, ty: t.ty }, width, height);
}

/**
 * smoothDeghost(maps, w, h, 1): level 1 = min(1, MAJORITY · binomial mean
 * reduce), expanded back; separably, with the reference's sums in the same
 * order (bit-identical: motion.test.ts), without its per-pixel allocations.
 */
export function majority(maps: readonly Float32Array[], w: number, h: number): Float32Array[] {
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  // Reduce: output x reads source columns reflect101(2x + i), i = −2..2.
  const rx = Int32Array.from({ length: cw * 5 }, (_, t) => reflect101(2 * Math.floor(t / 5) + (t % 5) - 2, w));
  const ry = Int32Array.from({ length: ch * 5 }, (_, t) => reflect101(2 * Math.floor(t / 5) + (t % 5) - 2, h));
  // Expand (shaders/lib/pyramid.wgsl expand_taps): fine x even reads coarse x/2 − 1.. with 1/8, 3/4, 1/8; odd (x − 1)/2.. with 1/2, 1/2.
  const expandTaps = (fine: number, coarse: number) => {
    const idx = new Int32Array(fine * 3);
    const wt = new Float64Array(fine * 3);
    for (let x = 0; x < fine; x++) {
      const [f, ws] = x % 2 === 0 ? [x / 2 - 1, [0.125, 0.75, 0.125]] : [(x - 1) / 2, [0.5, 0.5, 0]];
      for (let i = 0; i < 3; i++) {
        idx[3 * x + i] = expandIndex(f + i, coarse, fine);
        wt[3 * x + i] = ws[i]!;
      }
    }
    return { idx, wt };
  };
  const ex = expandTaps(w, cw);
  const ey = expandTaps(h, ch);
  const rows = new Float64Array(h * cw);
  const level = new Float32Array(cw * ch);
  const wide = new Float64Array(ch * w);
  return maps.map((src) => {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < cw; x++) {
        let r = 0;
        for (let i = 0; i < 5; i++) r += PYRAMID_KERNEL[i]! * src[y * w + rx[5 * x + i]!]!;
        rows[y * cw + x] = r;
      }
    }
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        let acc = 0;
        for (let j = 0; j < 5; j++) acc += PYRAMID_KERNEL[j]! * rows[ry[5 * y + j]! * cw + x]!;
        // Stored as f32, then scaled and capped (as reduceMap and smoothDeghost).
        level[y * cw + x] = acc;
        level[y * cw + x] = Math.min(1, DEGHOST_MAJORITY * level[y * cw + x]!);
      }
    }
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < w; x++) {
        let r = 0;
        for (let i = 0; i < 3; i++) if (ex.wt[3 * x + i] !== 0) r += ex.wt[3 * x + i]! * level[y * cw + ex.idx[3 * x + i]!]!;
        wide[y * w + x] = r;
      }
    }
    const out = new Float32Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let sum = 0;
        for (let j = 0; j < 3; j++) if (ey.wt[3 * y + j] !== 0) sum += ey.wt[3 * y + j]! * wide[ey.idx[3 * y + j]! * w + x]!;
        out[y * w + x] = sum;
      }
    }
    return out;
  });
}

/** The proxy's ghost mask: the deghosting's measure on box averages of the aligned brackets (see the top of this file). */
export function motionMask(brackets: readonly Bracket[], options: MotionOptions): MotionMask {
  const first = brackets[0];
  if (!first) throw new Error('estimateMotion: need at least one bracket');
  const { width: W, height: H } = first;
  const n = brackets.length;
  for (const [i, b] of brackets.entries()) {
    if (b.width !== W || b.height !== H) throw new Error(`estimateMotion: bracket ${i} is ${b.width}x${b.height}, expected ${W}x${H}`);
    if (b.pixels.length !== W * H * 4) throw new Error(`estimateMotion: bracket ${i} has ${b.pixels.length} samples, expected ${W * H * 4}`);
  }
  const transforms = options.transforms ?? null;
  if (transforms && transforms.length !== n) throw new Error(`estimateMotion: ${transforms.length} transforms for ${n} brackets`);
  const weights = options.weights ?? mergeWeights(estimateBlackLevel(brackets), options.response);
  const table = deghostTables(options.response, weights);
  const reference = resolveReference(options.reference ?? -1, n, autoReference(brackets, weights));
  const [w, h] = motionProxySize(W, H, options.proxy);
  const bw = W / w;
  const bh = H / h;
  const kx = Math.min(MOTION_TAPS, Math.ceil(bw - 1e-9));
  const ky = Math.min(MOTION_TAPS, Math.ceil(bh - 1e-9));
  const taps = kx * ky;
  const tables = sampleTables(table, isWide(first.pixels));
  const matrices = brackets.map((_, k) => (transforms ? transformMatrix(transforms[k]!, W, H) : IDENTITY_MATRIX));
  const lnE = brackets.map((b) => Math.log(Math.fround(b.exposure)));
  // Tap offsets inside a box, in reference pixel coordinates (centres at integers).
  const ox = Float64Array.from({ length: kx }, (_, a) => ((a + 0.5) * bw) / kx - 0.5);
  const oy = Float64Array.from({ length: ky }, (_, b) => ((b + 0.5) * bh) / ky - 0.5);
  // Reference x of each tap of each proxy column (column i, tap a at i · kx + a).
  const xs = Float64Array.from({ length: w * kx }, (_, t) => Math.floor(t / kx) * bw + ox[t % kx]!);

  const raw = brackets.map(() => new Float32Array(w * h));
  const covered = new Uint8Array(w * h).fill(1);
  const obs = deghostObservations(n);
  // One proxy row's sums per bracket, pixel and channel (index 3i + c): linear lo, hi and σ of the taps.
  const sumLo = brackets.map(() => new Float64Array(w * 3));
  const sumHi = brackets.map(() => new Float64Array(w * 3));
  const sumSig = brackets.map(() => new Float64Array(w * 3));
  // 1 where a tap of the box falls outside the bracket.
  const outside = brackets.map(() => new Uint8Array(w));
  const out = new Float32Array(n);
  for (let j = 0; j < h; j++) {
    for (let k = 0; k < n; k++) {
      const px = brackets[k]!.pixels;
      const sl = sumLo[k]!.fill(0);
      const sh = sumHi[k]!.fill(0);
      const ss = sumSig[k]!.fill(0);
      const off = outside[k]!.fill(0);
      accumulate(px, W, H, matrices[k]!, xs, kx, j * bh, oy, w, tables, sl, sh, ss, off);
    }
    for (let i = 0; i < w; i++) {
      if (!observe(obs, i, taps, lnE, sumLo, sumHi, sumSig, outside)) covered[j * w + i] = 0;
      judgeObservations(obs, n, reference, 1, out);
      for (let k = 0; k < n; k++) raw[k]![j * w + i] = out[k]!;
    }
  }
  const levels = Math.min(options.levels ?? MOTION_LEVELS, deghostLevels(w, h));
  const smoothed = levels === 0 ? raw : levels === 1 ? majority(raw, w, h) : smoothDeghost(raw, w, h, levels);
  let rejected = 0;
  let count = 0;
  for (let p = 0; p < w * h; p++) {
    if (!covered[p]) continue;
    count++;
    for (const weights of smoothed) rejected += 1 - weights[p]!;
  }
  return { width: w, height: h, mask: ghostMask(smoothed), covered, reference, rejected: count > 0 ? rejected / count : 0 };
}

/**
 * How much of the picture moves between brackets: the share of the proxy's
 * pixels (those every bracket covers) whose ghost mask exceeds MOTION_MASK,
 * and the deghosting strength that calls for (motionStrength). Fewer than two
 * brackets: nothing moves.
 */
export function estimateMotion(brackets: readonly Bracket[], options: MotionOptions): MotionEstimate {
  if (brackets.length < 2) return { fraction: 0, strength: 0 };
  const { mask, covered } = motionMask(brackets, options);
  let moving = 0;
  let count = 0;
  for (let p = 0; p < mask.length; p++) {
    if (!covered[p]) continue;
    count++;
    if (mask[p]! > MOTION_MASK) moving++;
  }
  const fraction = count > 0 ? moving / count : 0;
  return { fraction, strength: motionStrength(fraction) };
}

/** The search for a reference runs on a proxy this size (a quarter of the taps of MOTION_PROXY's). */
export const REFERENCE_SEARCH_PROXY = 128;
/** Another bracket replaces the automatic reference only where it sees this share of the motion or less (a clear win, not noise). */
export const REFERENCE_GAIN = 0.7;

export interface MotionChoice extends MotionEstimate {
  /** The reference bracket to deghost against (darkest first). */
  readonly reference: number;
}

/**
 * The motion estimate against the reference the other brackets agree with
 * most: the deghosting keeps the reference as shot, so a reference that
 * holds the moving object keeps the object, every other bracket being
 * rejected there, where one without it is contradicted only by the bracket
 * that holds it and gives the scene without the object. (The moving share
 * alone cannot tell them apart: both see the object's two places.) Each
 * bracket is tried on a REFERENCE_SEARCH_PROXY proxy and scored by the
 * brackets it rejects per pixel (MotionMask.rejected); one replaces the
 * automatic choice (the best exposed) only where it rejects at most
 * REFERENCE_GAIN of what the automatic one does (of those within 10 % of the
 * least, the one nearest the automatic). The estimate is then made at
 * the usual size against the chosen reference.
 */
export function estimateMotionAndReference(brackets: readonly Bracket[], options: Omit<MotionOptions, 'reference'>): MotionChoice {
  if (brackets.length < 2) return { fraction: 0, strength: 0, reference: 0 };
  const weights = options.weights ?? mergeWeights(estimateBlackLevel(brackets), options.response);
  const auto = autoReference(brackets, weights);
  const search = { ...options, weights, proxy: Math.min(options.proxy ?? MOTION_PROXY, REFERENCE_SEARCH_PROXY) };
  const rejected = brackets.map((_, r) => motionMask(brackets, { ...search, reference: r }).rejected);
  // Of the brackets close to the least (within 10 %), the nearest to the automatic one: the better exposed.
  const least = Math.min(...rejected);
  let best = auto;
  if (least < REFERENCE_GAIN * rejected[auto]!) {
    best = -1;
    for (const [r, v] of rejected.entries()) if (v <= 1.1 * least && (best < 0 || Math.abs(r - auto) < Math.abs(best - auto))) best = r;
  }
  return { ...estimateMotion(brackets, { ...options, weights, reference: best }), reference: best };
}
