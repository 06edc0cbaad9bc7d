// The numerical half of the camera response recovery (./response.ts): the
// Debevec & Malik least-squares solve of one channel (solveResponse), the
// robust reweighting of its observations between solves (robustTrust), the
// monotone fix-up of a solved curve (makeMonotone) and the white balance of
// the three channels' curves (balanceChannels). Plain arrays in and out.
//
// The solve is small (256 + N unknowns): the normal equations are formed
// directly, the N ln E unknowns (a diagonal block) are eliminated, and the
// remaining 256 × 256 system is solved by Cholesky in float64.

/** Codes per channel of an 8-bit image: the length of each response table. */
export const RESPONSE_CODES = 256;
/** The code Debevec & Malik pin to g = 0, and where the tables are normalised. */
export const RESPONSE_ANCHOR = 128;

/** Hat weight in code units: min(z, 255 − z), zero at the clipped codes. */
export const hat = (z: number): number => Math.min(z, 255 - z);

/**
 * Solve one channel: z[i * P + j] is sample i's code in bracket j (P brackets),
 * lnT[j] = ln Δt_j. Returns g(0 … 255) with g(128) = 0. Samples with no
 * usable code (all clipped) are skipped: their ln E would be unconstrained.
 * `trust` (same layout as z, default 1) scales each observation's row on top
 * of its hat weight (robustTrust).
 */
export function solveResponse(z: ArrayLike<number>, lnT: readonly number[], lambda: number, trust?: ArrayLike<number>): Float64Array {
  const P = lnT.length;
  const N = z.length / P;
  if (!Number.isInteger(N)) throw new Error('solveResponse: codes are not samples × brackets');
  const K = RESPONSE_CODES;
  // Normal equations of the g block, S = AᵀA restricted to g, and its right-hand side.
  const S = new Float64Array(K * K);
  const rhs = new Float64Array(K);
  const codes: number[] = [];
  const w2: number[] = [];
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    // One sample's rows: w (g(z_j) − ln E) = w ln Δt_j. Eliminating ln E
    // (its diagonal entry d = Σ w², off-diagonal −w² to g(z_j)) leaves
    //   S += diag(w²) − w² w²ᵀ / d,  rhs += w² lnT − w² (Σ w² lnT) / d.
    codes.length = w2.length = times.length = 0;
    let d = 0;
    let dt = 0;
    for (let j = 0; j < P; j++) {
      const zj = z[i * P + j]!;
      const w = hat(zj) * (trust ? trust[i * P + j]! : 1);
      if (w === 0) continue;
      codes.push(zj);
      w2.push(w * w);
      times.push(lnT[j]!);
      d += w * w;
      dt += w * w * lnT[j]!;
    }
    if (d === 0) continue;
    for (let a = 0; a < codes.length; a++) {
      const za = codes[a]!;
      const wa = w2[a]!;
      S[za * K + za]! += wa;
      rhs[za]! += wa * times[a]! - (wa * dt) / d;
      for (let b = 0; b < codes.length; b++) S[za * K + codes[b]!]! -= (wa * w2[b]!) / d;
    }
  }
  // Smoothness rows λ w(z) [1 −2 1] at z − 1, z, z + 1.
  for (let c = 1; c < K - 1; c++) {
    const s = lambda * hat(c);
    const row: readonly [number, number][] = [
      [c - 1, s],
      [c, -2 * s],
      [c + 1, s],
    ];
    for (const [a, va] of row) for (const [b, vb] of row) S[a * K + b]! += va * vb;
  }
  // The anchor row g(128) = 0 fixes the one free constant.
  S[RESPONSE_ANCHOR * K + RESPONSE_ANCHOR]! += 1;
  const g = cholesky(S, rhs, K);
  const g0 = g[RESPONSE_ANCHOR]!;
  for (let c = 0; c < K; c++) g[c]! -= g0;
  return g;
}

/** Solve S x = b for a symmetric positive definite S (n × n, row-major), in place on a copy. */
function cholesky(S: Float64Array, b: Float64Array, n: number): Float64Array {
  const L = new Float64Array(S);
  for (let j = 0; j < n; j++) {
    let d = L[j * n + j]!;
    for (let k = 0; k < j; k++) d -= L[j * n + k]! ** 2;
    if (!(d > 0)) throw new Error(`solveResponse: system not positive definite at code ${j}`);
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = L[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = s / ljj;
    }
  }
  const x = new Float64Array(b);
  for (let i = 0; i < n; i++) {
    let s = x[i]!;
    for (let k = 0; k < i; k++) s -= L[i * n + k]! * x[k]!;
    x[i] = s / L[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * x[k]!;
    x[i] = s / L[i * n + i]!;
  }
  return x;
}

/** Reweighted solves after the first (robustTrust). Five instead of three changed the real sets' curves little (at 200 samples: stlouis_arch's blue out of order over 122 codes instead of 149, the others within a few codes). */
export const ROBUST_ROUNDS = 3;
/** robustTrust's residual scale is never taken below this (ln units, 2 %): quantisation alone, so a clean set loses no data. */
const ROBUST_SIGMA_FLOOR = 0.02;
/** Tukey's biweight constant, in residual scales (95 % efficiency on Gaussian noise). */
const TUKEY_C = 4.685;

/**
 * How far to trust each observation (z[i * P + j], as solveResponse reads
 * them) given the curve g of the last solve: Tukey's biweight of its residual
 * g(z_ij) − ln Δt_j − ln E_i, where ln E_i is sample i's radiance by its own
 * observations (hat-weighted as the solve), over a scale of 1.4826 × the
 * median absolute residual (at least ROBUST_SIGMA_FLOOR). Returned as the
 * factor on the row (the square root of the biweight, 1 − (r/c)², so the
 * normal equations carry the biweight itself); 0 beyond c = TUKEY_C scales.
 * A sample seen in one bracket only has no residual and keeps 1.
 *
 * Why: a real set's samples include things that are not one radiance in
 * every bracket — clouds and people moving over seconds of exposure, edges
 * a handheld shift moved, JPEG blocks. Least squares bends the whole curve
 * to fit them: on two real night sets (stlouis_arch, bottle_chandelier at
 * 400 px) the plain solve came out decreasing over 40–220 of 256 codes per
 * channel, and the monotone fix-up turned those runs into flat steps, a
 * posterised false-colour picture. Three reweighted rounds (with the
 * default samples and λ) bring bottle_chandelier to 0 and stlouis_arch's
 * blue to 101 (refused: ./response.ts MAX_ADJUSTED); the still sets stay at 0.
 */
export function robustTrust(z: ArrayLike<number>, lnT: readonly number[], g: Float64Array): Float64Array {
  const P = lnT.length;
  const N = z.length / P;
  const residual = new Float64Array(N * P);
  const trust = new Float64Array(N * P).fill(1);
  const used: number[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < N; i++) {
    let d = 0;
    let e = 0;
    let n = 0;
    for (let j = 0; j < P; j++) {
      const w = hat(z[i * P + j]!);
      if (w === 0) continue;
      d += w * w;
      e += w * w * (g[z[i * P + j]!]! - lnT[j]!);
      n++;
    }
    if (n < 2) continue;
    for (let j = 0; j < P; j++) {
      const k = i * P + j;
      if (hat(z[k]!) === 0) continue;
      residual[k] = g[z[k]!]! - lnT[j]! - e / d;
      used.push(k);
      sizes.push(Math.abs(residual[k]!));
    }
  }
  sizes.sort((a, b) => a - b);
  const c = TUKEY_C * Math.max(ROBUST_SIGMA_FLOOR, 1.4826 * (sizes[sizes.length >> 1] ?? 0));
  for (const k of used) trust[k] = Math.max(0, 1 - (residual[k]! / c) ** 2);
  return trust;
}

/**
 * Make g strictly increasing. A real response never decreases, but the ends
 * of a recovered curve rest on few samples (and JPEG noise near 0 and 255),
 * so they can dip. Weighted isotonic regression (pool adjacent violators,
 * each code weighted by how much data it had plus a little) replaces every
 * decreasing run by its weighted mean, which touches only the codes at
 * fault; then each code is kept at least 1e-4 (0.01 % in linear) above the
 * one below, so the table stays invertible. Returns how many codes changed.
 */
export function makeMonotone(g: Float64Array, weight: ArrayLike<number>): number {
  const before = g.slice();
  const n = g.length;
  const value: number[] = [];
  const mass: number[] = [];
  const size: number[] = [];
  for (let i = 0; i < n; i++) {
    value.push(g[i]!);
    mass.push((weight[i] ?? 0) + 1e-3);
    size.push(1);
    while (value.length > 1 && value[value.length - 2]! > value[value.length - 1]!) {
      const v1 = value.pop()!;
      const m1 = mass.pop()!;
      const s1 = size.pop()!;
      const k = value.length - 1;
      value[k] = (value[k]! * mass[k]! + v1 * m1) / (mass[k]! + m1);
      mass[k]! += m1;
      size[k]! += s1;
    }
  }
  let i = 0;
  value.forEach((v, k) => {
    for (let s = 0; s < size[k]!; s++) g[i++] = v;
  });
  const step = 1e-4;
  for (let c = 1; c < n; c++) if (g[c]! < g[c - 1]! + step) g[c] = g[c - 1]! + step;
  let changed = 0;
  for (let c = 0; c < n; c++) if (Math.abs(g[c]! - before[c]!) > 1e-12) changed++;
  return changed;
}

/**
 * Put the three channels' curves (g = ln of the linear value, per code) on
 * one white balance, in place: each channel is shifted by the mean, over the
 * codes every channel has data for (weighted by the least data of the three,
 * `seen`: hat weights summed per code), of its distance to the three
 * channels' mean curve; then all three together so that their mean at code
 * 128 is 0. So a grey the camera wrote with equal codes stays grey on
 * average over the tones the set shows, not just at code 128: there a night
 * set has few samples, and one channel's noise there used to tint the whole
 * picture (taipei_night's sky came out green, memorial's colourfulness 57
 * against 53). The brackets say nothing about white balance; a camera
 * writing greys with equal codes is the assumption sRGB makes too.
 */
export function balanceChannels(log: Float64Array[], seen: Float64Array[]): void {
  const weight = Float64Array.from({ length: RESPONSE_CODES }, (_, z) => Math.min(...seen.map((s) => s[z]!)));
  const total = weight.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return;
  const offsets = log.map((g) => {
    let sum = 0;
    for (let z = 0; z < RESPONSE_CODES; z++) sum += weight[z]! * (log.reduce((a, h) => a + h[z]!, 0) / log.length - g[z]!);
    return sum / total;
  });
  const anchor = log.reduce((a, g, c) => a + g[RESPONSE_ANCHOR]! + offsets[c]!, 0) / log.length;
  log.forEach((g, c) => {
    for (let z = 0; z < RESPONSE_CODES; z++) g[z]! += offsets[c]! - anchor;
  });
}
