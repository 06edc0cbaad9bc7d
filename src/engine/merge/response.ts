// Camera response recovery: Debevec & Malik, "Recovering High Dynamic Range
// Radiance Maps from Photographs", SIGGRAPH 1997, section 2.1 and eq. 3.
//
// A pixel of radiance E seen for time Δt gives the code Z = f(E Δt). Writing
// g = ln f⁻¹, every sample i seen in bracket j gives one equation
//     g(Z_ij) − ln E_i = ln Δt_j
// and the curve is the least-squares solution of all of them together with
//     λ (g(z−1) − 2 g(z) + g(z+1)) = 0     z = 1 … 254   (smoothness)
//     g(128) = 0                                        (the free scale)
// every row weighted by the hat w(z) = min(z, 255 − z), so clipped codes (0,
// 255) carry no data and the ends of the curve lean on the smoothness. One
// curve per channel, from a few hundred pixels picked across the radiance
// range (selectSamples); the merge (shaders/merge/merge.wgsl) then looks the linear
// value of each code up in the three resulting tables. The solve is repeated
// with each observation reweighted by its residual (Tukey's biweight,
// robustTrust), so moving things and misregistered edges do not bend the
// curve. Recovered curves are made strictly increasing afterwards
// (makeMonotone), and refused where that takes rewriting many codes.
// This module picks the samples, runs the recovery and holds the tables; the
// solve and what is done to its curves are ./response-solve.ts.

import { isWide, type Bracket } from '../types';

import { balanceChannels, hat, makeMonotone, RESPONSE_ANCHOR, RESPONSE_CODES, robustTrust, ROBUST_ROUNDS, solveResponse } from './response-solve';

export { hat, RESPONSE_ANCHOR, RESPONSE_CODES } from './response-solve';

/** Inverse camera response per channel (R, G, B): the linear value of each 8-bit code. */
export type ResponseLuts = readonly [Float32Array<ArrayBuffer>, Float32Array<ArrayBuffer>, Float32Array<ArrayBuffer>];

/** Where a response comes from: a fixed curve, or one recovered from the brackets. */
export type ResponseSource = 'srgb' | 'linear' | RecoveredResponse;

export interface RecoveredResponse {
  /**
   * The linear tables, exp(g) scaled so that code 128 maps where sRGB puts
   * it (0.2158605) on average over the channels: swapping the sRGB curve for
   * a recovered one keeps the mid-tones' exposure. The channels' scales are
   * set so that equal codes read as equal values on average over the codes
   * the set shows (balanceChannels: the per-channel scale is otherwise
   * unknowable, white balance is not in the brackets).
   */
  readonly luts: ResponseLuts;
  /** g = ln of the linear value per code, per channel, after the monotone fix-up and balanceChannels (the channels' mean at 128 is 0). */
  readonly log: readonly [Float64Array, Float64Array, Float64Array];
  /** Sample pixels picked (indices into the brackets' pixels). */
  readonly samples: Uint32Array;
  /** Per channel: codes whose g the monotone fix-up changed (0 for a clean solve). */
  readonly adjusted: readonly [number, number, number];
}

export interface RecoverOptions {
  /**
   * Smoothness weight λ, relative to the data: each code's smoothness row
   * weighs λ² times the average data a code gets (N P / 256 observations at
   * the same hat weight), whatever N and P are. Default 6:
   * on the synthetic tests (response.test.ts) 2 lets quantisation noise
   * through and 16 rounds off the toe of a gamma-2.6 curve. 6 rather than 4
   * (measured with the reweighted solve): the quality script's film-curve
   * set 2.44× the true-curve merge's error instead of 2.64× (1.42× and
   * 1.75× with white balance removed), the real sets' channel-to-channel
   * wobble down by a fifth to a third (ntnu_street 0.25 → 0.20 stops over 8
   * codes, bottle_chandelier 0.61 → 0.40), at the cost of the toe of a
   * gamma-3 curve: 3.6 % off at code 13 where 4 kept it within 3 %. 8 rounds
   * that toe further and weakens the stilllife merge (8.4× better than sRGB
   * instead of 10×).
   */
  readonly lambda?: number;
  /**
   * Pixels to sample; default 1000. Debevec & Malik ask for N (P − 1) > 255;
   * more samples cost little here (the ln E unknowns are eliminated, so the
   * solve stays 256 × 256) and average out quantisation and what the
   * reweighting sets aside (at λ 4, with 200 taipei_night's curves came out
   * of order over 27–36 codes and ntnu_street's blue over 18; with 1000, none).
   */
  readonly samples?: number;
}

/** Linear value of an sRGB-encoded c in [0, 1] (IEC 61966-2-1 EOTF). */
function srgbEotf(c: number): number {
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** The same table for all three channels. */
function uniform(f: (z: number) => number): ResponseLuts {
  const lut = () => Float32Array.from({ length: RESPONSE_CODES }, (_, z) => f(z));
  return [lut(), lut(), lut()];
}

/** The three tables of a response: sRGB (the default), linear (code / 255) or a recovered one (copied). */
export function responseLuts(source: ResponseSource): ResponseLuts {
  if (source === 'srgb') return uniform((z) => srgbEotf(z / 255));
  if (source === 'linear') return uniform((z) => z / 255);
  const [r, g, b] = source.luts;
  return [r.slice(), g.slice(), b.slice()];
}

/** The tables as the merge shader reads them: 768 f32, code + 256 · channel. */
export function packResponse(luts: ResponseLuts): Float32Array<ArrayBuffer> {
  const out = new Float32Array(3 * RESPONSE_CODES);
  luts.forEach((lut, c) => {
    if (lut.length !== RESPONSE_CODES) throw new Error(`packResponse: channel ${c} has ${lut.length} entries, expected ${RESPONSE_CODES}`);
    out.set(lut, c * RESPONSE_CODES);
  });
  return out;
}

/**
 * A bracket as 8-bit codes: itself when it is 8-bit, else round(v / 257).
 * The recovery solves for one value per 8-bit code; the merge itself
 * interpolates the 16-bit values between those.
 */
export function codes8(b: Bracket): Bracket {
  if (!isWide(b.pixels)) return b;
  const src = b.pixels;
  const pixels = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) pixels[i] = Math.round(src[i]! / 257);
  return { ...b, pixels };
}

function checkBrackets(brackets: readonly Bracket[]): void {
  const first = brackets[0];
  if (!first || brackets.length < 2) throw new Error('recoverResponse: need at least two brackets');
  let prev = 0;
  for (const [i, b] of brackets.entries()) {
    if (b.width !== first.width || b.height !== first.height) throw new Error(`recoverResponse: bracket ${i} is ${b.width}x${b.height}, expected ${first.width}x${first.height}`);
    if (b.pixels.length !== b.width * b.height * 4) throw new Error(`recoverResponse: bracket ${i} has ${b.pixels.length} bytes, expected ${b.width * b.height * 4}`);
    if (!(b.exposure > 0) || !Number.isFinite(b.exposure)) throw new Error(`recoverResponse: bracket ${i} exposure ${b.exposure} is not positive`);
    if (b.exposure <= prev) throw new Error('recoverResponse: exposures must be distinct and sorted, darkest first');
    prev = b.exposure;
  }
}

/**
 * Pick up to `count` pixels spread over the scene's radiance range.
 *
 * Candidates lie on a grid of at most `grid` × `grid` points over the image
 * (every pixel of a small image), and each is read at full resolution: a
 * box-filtered copy would average codes across clipping and across edges,
 * which no exposure of a single radiance produces (on the test scenes,
 * 64 × 64 box-filtered copies put a plain solve's curves off by up to 30–115 % instead
 * of 1.3 %). Candidates are ordered by the sum of
 * their codes over all brackets and channels: every bracket's code grows
 * with radiance, so the sum does too, and unlike the middle bracket alone it
 * still tells apart pixels that the middle bracket clips to 0 or 255. That
 * range is cut into `count` equal bins, visited round-robin, each giving its
 * flattest candidate not yet taken (least code difference to its 8
 * neighbours, summed over brackets and channels), so that small misalignment
 * or blur between brackets changes the codes little. Candidates clipped (0 or
 * 255) in every channel of every bracket say nothing about the curve and are
 * never picked. Deterministic.
 */
export function selectSamples(input: readonly Bracket[], count: number, grid = 64): Uint32Array {
  checkBrackets(input);
  const brackets = input.map(codes8);
  const { width, height } = brackets[0]!;
  const gx = Math.min(width, grid);
  const gy = Math.min(height, grid);
  const candidates: number[] = [];
  const key: number[] = [];
  const rough: number[] = [];
  for (let j = 0; j < gy; j++) {
    const y = Math.floor(((j + 0.5) * height) / gy);
    for (let i = 0; i < gx; i++) {
      const x = Math.floor(((i + 0.5) * width) / gx);
      const p = y * width + x;
      let k = 0;
      let r = 0;
      let useful = false;
      for (const b of brackets) {
        for (let c = 0; c < 3; c++) {
          const z = b.pixels[p * 4 + c]!;
          k += z;
          if (z > 0 && z < 255) useful = true;
          for (let dy = -1; dy <= 1; dy++) {
            for (let dx = -1; dx <= 1; dx++) {
              const q = Math.min(height - 1, Math.max(0, y + dy)) * width + Math.min(width - 1, Math.max(0, x + dx));
              r += Math.abs(z - b.pixels[q * 4 + c]!);
            }
          }
        }
      }
      if (!useful) continue;
      candidates.push(p);
      key.push(k);
      rough.push(r);
    }
  }
  if (candidates.length === 0) return new Uint32Array(0);
  const lo = Math.min(...key);
  const hi = Math.max(...key);
  const bins = Math.max(1, count);
  const members: number[][] = Array.from({ length: bins }, () => []);
  key.forEach((k, i) => members[Math.min(bins - 1, Math.floor(((k - lo) / (hi - lo + 1)) * bins))]!.push(i));
  for (const m of members) m.sort((a, b) => rough[a]! - rough[b]! || a - b);
  const picked: number[] = [];
  const want = Math.min(count, candidates.length);
  for (let round = 0; picked.length < want; round++) {
    for (const m of members) {
      const i = m[round];
      if (i !== undefined && picked.length < want) picked.push(candidates[i]!);
    }
  }
  return Uint32Array.from(picked.sort((a, b) => a - b));
}

/**
 * A recovered channel whose monotone fix-up changed more codes than this (an
 * eighth of its table) is refused: it is steps, not a curve, and would
 * posterise the merge (robustTrust). Measured after the reweighted solve on
 * the real sets at 400 px: 0 on six of them, 6–22 on memorial (film),
 * living_room and desktop_lamp (EXIF times that do not match their
 * pictures), 37 on taipei_street's blue (the same) and 101 on stlouis_arch's
 * blue (a night sky under moving clouds, 15 s).
 */
export const MAX_ADJUSTED = 32;

/**
 * A recovery refused (MAX_ADJUSTED): the curves it came to are kept, which
 * are still good enough to say which bracket's exposure time the pixels
 * contradict (src/io/set-checks.ts checkExifAfterRecovery), though not to
 * merge with.
 */
export class ResponseRefused extends Error {
  constructor(
    message: string,
    readonly luts: ResponseLuts,
  ) {
    super(message);
    this.name = 'ResponseRefused';
  }
}

/**
 * Recover the inverse camera response of each channel from bracketed
 * exposures at their decoded size (see selectSamples: at most 64 × 64
 * points are read, so the cost does not grow with the image), sorted darkest
 * first with their relative exposure times. See RecoveredResponse for the
 * normalisation. Needs at least two brackets with distinct exposures.
 * 16-bit brackets are read as 8-bit codes (codes8). The first solve is
 * followed by ROBUST_ROUNDS reweighted ones (robustTrust), which set aside
 * observations that are not one radiance in every bracket; a channel still
 * out of order over more than MAX_ADJUSTED codes throws ResponseRefused
 * (the callers fall back to sRGB and say why).
 */
export function recoverResponse(input: readonly Bracket[], options: RecoverOptions = {}): RecoveredResponse {
  checkBrackets(input);
  const brackets = input.map(codes8);
  const P = brackets.length;
  const lambda = options.lambda ?? 6;
  const count = options.samples ?? 1000;
  const samples = selectSamples(brackets, count);
  const N = samples.length;
  if (N === 0) throw new Error('recoverResponse: every pixel is clipped in every bracket');
  const lnT = brackets.map((b) => Math.log(b.exposure));
  const mid = srgbEotf(RESPONSE_ANCHOR / 255);
  const log: Float64Array[] = [];
  const luts: Float32Array<ArrayBuffer>[] = [];
  const adjusted: number[] = [];
  const seenAll: Float64Array[] = [];
  // Scale λ with the data per code, so the balance does not move with N or P.
  const smooth = lambda * Math.sqrt((N * P) / RESPONSE_CODES);
  for (let c = 0; c < 3; c++) {
    const z = new Uint8Array(N * P);
    const seen = new Float64Array(RESPONSE_CODES);
    samples.forEach((p, i) => {
      brackets.forEach((b, j) => {
        const v = b.pixels[p * 4 + c]!;
        z[i * P + j] = v;
        seen[v]! += hat(v);
      });
    });
    let g = solveResponse(z, lnT, smooth);
    for (let round = 0; round < ROBUST_ROUNDS; round++) g = solveResponse(z, lnT, smooth, robustTrust(z, lnT, g));
    adjusted.push(makeMonotone(g, seen));
    log.push(g);
    seenAll.push(seen);
  }
  balanceChannels(log, seenAll);
  for (const g of log) luts.push(Float32Array.from(g, (v) => mid * Math.exp(v)));
  const worst = adjusted.indexOf(Math.max(...adjusted));
  if (adjusted[worst]! > MAX_ADJUSTED) {
    const name = ['red', 'green', 'blue'][worst]!;
    throw new ResponseRefused(
      `the brackets disagree too much to pin the curve down: the fit ran backwards over ${adjusted[worst]} of ${RESPONSE_CODES} codes of the ${name} channel (moving objects, or exposure times that do not match the pictures)`,
      [luts[0]!, luts[1]!, luts[2]!],
    );
  }
  return {
    luts: [luts[0]!, luts[1]!, luts[2]!],
    log: [log[0]!, log[1]!, log[2]!],
    samples,
    adjusted: [adjusted[0]!, adjusted[1]!, adjusted[2]!],
  };
}
