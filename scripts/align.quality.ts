// Quality report for bracket alignment (src/engine/align/align.ts) on the real
// bracket sets in ../shared/data/brackets: the CPU reference
// (src/engine/align/reference/align.ts), which the GPU matches within 0.05 px
// (e2e/align.spec.ts), run on
//   1. each set as it is: the motions found (the sets were shot on tripods or
//      registered by hand, so near-zero motions and high confidences are what
//      is expected; a guard firing shows up in the method and the reason);
//   2. each set moved by known motions: every bracket but the reference moved
//      by its own random similarity (translation up to ±3 % of the long side,
//      rotation up to ±1°) with the reference warp, transparent where it has no
//      content; errors of the centre translation and the rotation against the
//      truth, and plain MTB's integer translation error on the same brackets
//      for comparison.
// Sets are box-downscaled to a long side of at most ALIGN_QUALITY_SIDE (default
// 1024) pixels to keep the CPU run short; the GPU refines at most 1024 px wide
// anyway (reference/align.ts, LK_MAX_SIDE).
//
// Run: npx vitest run -c scripts/vitest.quality.config.ts scripts/align.quality.ts
// Skips (with a message) where ../shared is absent.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { alignBrackets, alignTargets, invert, mtb, multiply, similarityMatrix, warpRgba8, type Matrix3, type Rgba8, type Similarity } from '../src/engine/align/reference/align';
import { rng } from '../src/engine/reference/random';

const SETS = fileURLToPath(new URL('../../shared/data/brackets/', import.meta.url));
const SIDE = Number(process.env.ALIGN_QUALITY_SIDE ?? 1024);
const TRIALS = Number(process.env.ALIGN_QUALITY_TRIALS ?? 2);

/** A set's brackets, shortest exposure first (times.txt), box-downscaled to the long side SIDE. */
function loadSet(name: string): Rgba8[] {
  const lines = readFileSync(`${SETS}${name}/times.txt`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'));
  return lines.map((l) => {
    const file = l.trim().split(/\s+/)[0]!;
    const img = jpeg.decode(readFileSync(`${SETS}${name}/${file}`), { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
    const f = Math.max(1, Math.ceil(Math.max(img.width, img.height) / SIDE));
    const [w, h] = [Math.floor(img.width / f), Math.floor(img.height / f)];
    const pixels = new Uint8Array(4 * w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let c = 0; c < 4; c++) {
          let s = 0;
          for (let j = 0; j < f; j++) for (let i = 0; i < f; i++) s += img.data[4 * ((y * f + j) * img.width + x * f + i) + c]!;
          pixels[4 * (y * w + x) + c] = Math.round(s / (f * f));
        }
    return { width: w, height: h, pixels };
  });
}

const motion = (tx: number, ty: number, degrees: number): Similarity => {
  const r = (degrees * Math.PI) / 180;
  return { a: Math.cos(r) - 1, b: Math.sin(r), tx, ty };
};

const quantile = (a: number[], q: number) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(q * a.length))] ?? NaN;

describe.skipIf(!existsSync(SETS))('bracket alignment on the shared sets (CPU reference)', () => {
  const sets = existsSync(SETS)
    ? readdirSync(SETS, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  const summary: string[] = [];
  const allT: number[] = [];
  const allR: number[] = [];
  const allMtb: number[] = [];
  let failures = 0;
  let layers = 0;

  it.each(sets)('%s', async (name) => {
    const brackets = loadSet(name);
    const { width: w, height: h } = brackets[0]!;
    const ref = Math.floor(brackets.length / 2);
    const t0 = performance.now();
    const asIs = await alignBrackets(brackets, ref);
    const lines = asIs.motions.map(
      (m, k) =>
        `    ${k}: ${m.method.padEnd(11)} (${m.tx.toFixed(2)}, ${m.ty.toFixed(2)}) px ${m.rotation.toFixed(3)}° conf ${m.confidence.toFixed(3)}${m.reason === 'ok' || m.reason === 'reference' ? '' : ` — ${m.reason}`}`,
    );
    console.log(`${name} ${w}×${h}, ${brackets.length} brackets, as it is (${((performance.now() - t0) / 1000).toFixed(1)} s); crop ${JSON.stringify(asIs.crop)}\n${lines.join('\n')}`);
    // Known motions on top of whatever the set has: the truth is the composition.
    const r = rng(name.length * 7919 + 1);
    const reach = 0.03 * Math.max(w, h);
    const tErr: number[] = [];
    const rErr: number[] = [];
    const mtbErr: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const motions = brackets.map((_, k) => (k === ref ? null : motion((2 * r() - 1) * reach, (2 * r() - 1) * reach, 2 * r() - 1)));
      const truth = motions.map((p, k) => (p ? multiply(similarityMatrix(p, w, h), asIs.motions[k]!.matrix) : asIs.motions[k]!.matrix));
      const images = brackets.map((b, k) => (motions[k] ? { width: w, height: h, pixels: warpRgba8(b, invert(similarityMatrix(motions[k], w, h))) } : b));
      const res = await alignBrackets(images, ref);
      const plain = mtb(images, alignTargets(images.length, ref, 'direct')).shifts;
      for (const [k, m] of res.motions.entries()) {
        if (k === ref) continue;
        const t = truth[k]!;
        const [cx, cy] = [(w - 1) / 2, (h - 1) / 2];
        const at = (mm: Matrix3) => [mm[0] * cx + mm[1] * cy + mm[2] - cx, mm[3] * cx + mm[4] * cy + mm[5] - cy] as const;
        const [ex, ey] = at(m.matrix);
        const [tx, ty] = at(t);
        const de = Math.hypot(ex - tx, ey - ty);
        const dr = Math.abs(m.rotation - (Math.atan2(t[3] - t[1], t[0] + t[4]) * 180) / Math.PI);
        tErr.push(de);
        rErr.push(dr);
        mtbErr.push(Math.hypot(plain[k]![0] - tx, plain[k]![1] - ty));
        layers++;
        if (!(de < 0.5 && dr < 0.05)) {
          failures++;
          console.log(`    trial ${trial} layer ${k}: ${m.method} off by ${de.toFixed(2)} px, ${dr.toFixed(3)}°, conf ${m.confidence.toFixed(3)} (${m.reason})`);
        }
      }
    }
    allT.push(...tErr);
    allR.push(...rErr);
    allMtb.push(...mtbErr);
    const line = `${name}: moved ${TRIALS}× — translation error median ${quantile(tErr, 0.5).toFixed(3)} / max ${Math.max(...tErr).toFixed(3)} px, rotation median ${quantile(rErr, 0.5).toFixed(4)} / max ${Math.max(...rErr).toFixed(4)}°; plain MTB (direct) median ${quantile(mtbErr, 0.5).toFixed(2)} px`;
    summary.push(line);
    console.log(line);
    expect(tErr.length).toBeGreaterThan(0);
  });

  it('summary', () => {
    if (!layers) return;
    console.log(
      `${summary.join('\n')}\nall: ${layers} moved brackets, ${layers - failures} within 0.5 px and 0.05°; translation p50 ${quantile(allT, 0.5).toFixed(3)} p90 ${quantile(allT, 0.9).toFixed(3)} px, rotation p50 ${quantile(allR, 0.5).toFixed(4)} p90 ${quantile(allR, 0.9).toFixed(4)}°; plain MTB p50 ${quantile(allMtb, 0.5).toFixed(2)} p90 ${quantile(allMtb, 0.9).toFixed(2)} px`,
    );
  });
});
