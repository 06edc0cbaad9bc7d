// Bracket alignment on the GPU: each bracket's motion relative to a reference
// bracket (rigid by default: rotation and translation; a similarity on
// request), and the brackets resampled into the reference frame. The maths,
// the layouts and the shared TypeScript (picks, small solves, guards, crop)
// are in the CPU reference, src/engine/align/reference/align.ts, which this follows
// step by step (e2e/align.spec.ts: MTB bit-identical, sums within 1e-5,
// transforms within 0.05 px, warp within 1/255).
//
//   brackets ─┬─ MTB (Ward 2003): grey pyramid + histograms → medians → bitmaps
//             │    → counts of 9 shifts per level, coarse to fine     (one submit)
//             │  read back: counts, level-0 histograms               (a few KiB)
//             │
//             ├─ per pair (moving k, target t), on the GPU but for the small solves:
//             │    pyramids through the full-image LUT → ZNCC translation search
//             │    (exhaustive at the coarsest refinement level, ±1 per finer level)
//             │    → start = search or MTB → overlap histograms → LUT → pyramids
//             │    → Levenberg–Marquardt on the motion, coarse to fine → guards
//             │    (each step one submit and a small readback: ~20–40 per pair)
//             │
//             └─ warp: every layer resampled (bilinear) into the reference frame
//
// Pairs: 'chain' (the default) aligns each bracket to its neighbour towards the
// reference and composes the motions, so no pair is more than one bracket
// step apart in exposure; 'direct' aligns every bracket to the reference.
// Brackets several stops from the reference share few unclipped pixels with
// it: on stilllife-5 the brightest bracket (4 stops over) is missed directly
// and found through the chain.
//
// Memory: MTB keeps every bracket's grey pyramid (≈ 1.4 B per pixel per
// bracket) and bitmaps (≈ 0.35 B); the refinement two raw pyramids at full
// size (≈ 2 × 11 B per pixel) and features from its finest level (≤ 1024 px
// wide, ≈ 2 × 32 B per pixel there), whatever the bracket count.
//
// Time at 320×256 on SwiftShader (e2e/align.spec.ts, a shared two-core
// machine, warm pipelines): ≈ 0.85 s for 3 brackets, 2.4 s for 5 brackets;
// per pair ≈ 2 pyramid builds of ~110 ms, a search of ~170 ms and 15–30
// normal-equation evaluations of ~7 ms; MTB ~60–130 ms for all brackets;
// the warp ~30–55 ms.
import { AlignLkPass, type LkTimings } from './passes/align-lk';
import { AlignMtbPass } from './passes/align-mtb';
import { AlignWarpPass } from './passes/align-warp';
import type { Resources } from '../gpu/resources';
import {
  type CropRect,
  DEFAULT_MODE,
  DEFAULT_MODEL,
  IDENTITY,
  IDENTITY_MATRIX,
  MAX_SHIFT,
  alignTargets,
  assemble,
  estimatePair,
  matchLut,
  mtbLevelCount,
  mtbSummary,
  type AlignMode,
  type AlignmentResult,
  type Matrix3,
  type MotionModel,
  type PairEstimate,
  type PairEvidence,
  type PairOps,
} from './reference/align';

export { commonCrop, type AlignMethod, type AlignMode, type AlignmentResult, type CropRect, type LayerMotion, type Matrix3, type MotionModel } from './reference/align';

/**
 * Below this many pixels of displacement at every image corner, an estimated
 * motion is treated as none and the brackets are used as shot: a bilinear
 * warp softens a bracket about as much as half a pixel of misregistration
 * does, and tripod sets come out of the estimate with a few tenths of a pixel
 * (0.1–0.3 px on the fixtures with pasted ghosts or linear 16-bit data), which
 * would otherwise cost them a resampling and a crop for nothing.
 */
export const MIN_MOTION_PX = 0.5;

/** The largest displacement of the image corners under a layer's matrix (bracket = M · reference), in pixels. */
export function cornerMotion(m: readonly number[], width: number, height: number): number {
  let worst = 0;
  for (const [x, y] of [
    [0, 0],
    [width - 1, 0],
    [0, height - 1],
    [width - 1, height - 1],
  ] as const) {
    const d = m[6]! * x + m[7]! * y + m[8]!;
    const u = (m[0]! * x + m[1]! * y + m[2]!) / d;
    const v = (m[3]! * x + m[4]! * y + m[5]!) / d;
    worst = Math.max(worst, Math.hypot(u - x, v - y));
  }
  return worst;
}

export interface AlignOptions {
  /** 'chain' (default): each bracket against its neighbour towards the reference; 'direct': against the reference. */
  mode?: AlignMode;
  /** The largest translation searched, in pixels (default MAX_SHIFT = 128). */
  maxShift?: number;
  /** 'rigid' (default: rotation and translation) or 'similarity' (with a scale). */
  model?: MotionModel;
}

/** Wall-clock milliseconds per stage of one estimate (submit to result on the CPU), and the refinement's evaluations. */
export interface AlignTimings extends LkTimings {
  mtb: number;
  total: number;
}

export interface AlignResult extends AlignmentResult {
  /** What the guards saw, per layer (null for the reference). */
  evidence: (PairEvidence | null)[];
  timings: AlignTimings;
}

export class Align {
  private readonly mtb: AlignMtbPass;
  private readonly lk: AlignLkPass;
  private readonly warp: AlignWarpPass;
  private brackets: GPUTexture | null = null;
  private out: GPUTexture | null = null;
  private reference = 0;
  private generation = 0;
  /** The warp's current matrices, kept across a crop(). */
  private matrices: Matrix3[] = [];
  readonly mode: AlignMode;
  readonly maxShift: number;
  readonly model: MotionModel;

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    options: AlignOptions = {},
  ) {
    this.mode = options.mode ?? DEFAULT_MODE;
    this.maxShift = options.maxShift ?? MAX_SHIFT;
    this.model = options.model ?? DEFAULT_MODEL;
    this.mtb = new AlignMtbPass(device, res, 'align.mtb');
    this.lk = new AlignLkPass(device, res, 'align.lk');
    this.warp = new AlignWarpPass(device, res, 'align.warp');
  }

  /** The warped brackets (the brackets' format and layers; their size or the crop's): valid after encodeWarp() has run. */
  get warped(): GPUTexture | null {
    return this.out;
  }

  /** The layer each layer is estimated against (itself for the reference). */
  get targets(): number[] {
    return this.brackets ? alignTargets(this.brackets.depthOrArrayLayers, this.reference, this.mode) : [];
  }

  /**
   * brackets: the uploaded 2d-array (rgba8unorm sRGB-encoded, or rgba16float;
   * darkest first, TEXTURE_BINDING); reference: the layer the others are
   * aligned to. Resets the warp to the identity and the whole frame; an
   * estimate() still running is abandoned.
   */
  bind(brackets: GPUTexture, reference: number): void {
    const layers = brackets.depthOrArrayLayers;
    if (brackets.format !== 'rgba8unorm' && brackets.format !== 'rgba16float') throw new Error(`align: brackets must be rgba8unorm or rgba16float, not ${brackets.format}`);
    if (!Number.isInteger(reference) || reference < 0 || reference >= layers) throw new Error(`align: reference ${reference} is not a layer of ${layers}`);
    this.generation++;
    if (brackets === this.brackets && reference === this.reference) {
      this.res.release(this.out);
      this.out = null;
      this.setMatrices(Array.from({ length: layers }, () => IDENTITY_MATRIX));
      return;
    }
    const { width, height } = brackets;
    this.brackets = brackets;
    this.reference = reference;
    this.mtb.bind(brackets, this.targets, mtbLevelCount(width, height, this.maxShift));
    this.lk.bind(brackets);
    // The output is made when a warp is asked for: a set that needs none never pays for it.
    this.res.release(this.out);
    this.out = null;
    this.setMatrices(Array.from({ length: layers }, () => IDENTITY_MATRIX));
  }

  /**
   * The warp's output: the whole reference frame (null), or only this
   * rectangle of it (e.g. the common crop, so no uncovered edge reaches a
   * merge). Keeps the current matrices; the output texture is reallocated
   * when its size changes.
   */
  crop(rect: CropRect | null): void {
    const brackets = this.brackets;
    if (!brackets) throw new Error('align: not bound');
    const r = rect ?? { x: 0, y: 0, width: brackets.width, height: brackets.height };
    const layers = brackets.depthOrArrayLayers;
    const out = this.out;
    if (!out || out.width !== r.width || out.height !== r.height || out.depthOrArrayLayers !== layers || out.format !== brackets.format) {
      this.res.release(out);
      this.out = this.res.texture({
        label: 'align.warped',
        size: [r.width, r.height, layers],
        format: brackets.format,
        usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
      });
    }
    this.warp.bind(brackets, this.out!, [r.x, r.y]);
    if (this.matrices.length === layers) this.warp.setMatrices(this.matrices);
  }

  /** The output, allocated (the whole frame) if no crop() has made it yet. */
  private output(): GPUTexture {
    if (!this.out) this.crop(null);
    return this.out!;
  }

  /** The matrices the warp uses (bracket coordinates = M · reference coordinates), e.g. the identity to switch alignment off. */
  setMatrices(matrices: readonly Matrix3[]): void {
    this.matrices = [...matrices];
    if (this.out) this.warp.setMatrices(matrices);
  }

  /**
   * Estimate every layer's motion on the GPU (several submissions, each awaited)
   * and set the warp to it. Rejects with an AbortError when `signal` aborts or
   * bind() is called meanwhile.
   */
  async estimate(signal?: AbortSignal): Promise<AlignResult> {
    const brackets = this.brackets;
    if (!brackets) throw new Error('align: not bound');
    const generation = this.generation;
    const check = () => {
      if (signal?.aborted || generation !== this.generation) throw new DOMException('alignment superseded', 'AbortError');
    };
    const t0 = performance.now();
    const { width, height } = brackets;
    const layers = brackets.depthOrArrayLayers;
    const targets = this.targets;
    const encoder = this.device.createCommandEncoder({ label: 'align.mtb' });
    this.mtb.encode(encoder);
    this.device.queue.submit([encoder.finish()]);
    const { counts, histograms } = await this.mtb.read();
    check();
    const mtbTime = performance.now() - t0;
    this.lk.reset();
    const L = this.mtb.dataLayout!.levels.length;
    const hist0 = (k: number) => histograms.subarray(k * 256, (k + 1) * 256);
    const ops: PairOps = {
      build: (lut) => {
        check();
        return this.lk.build(lut);
      },
      search: (l, base, radius) => {
        check();
        return this.lk.search(l, base, radius);
      },
      histograms: (shift) => {
        check();
        return this.lk.histograms(shift);
      },
      evaluate: (l, p) => {
        check();
        return this.lk.evaluate(l, p);
      },
    };
    const pairs: PairEstimate[] = [];
    const evidence: (PairEvidence | null)[] = [];
    for (let k = 0; k < layers; k++) {
      const t = targets[k]!;
      if (t === k) {
        pairs.push({ p: IDENTITY, method: 'reference', confidence: 1, reason: 'reference' });
        evidence.push(null);
        continue;
      }
      this.lk.setPair(t, k);
      const summary = mtbSummary(counts, layers, k, L, width, height);
      const r = await estimatePair(ops, summary, matchLut(hist0(k), hist0(t)), width, height, this.maxShift, this.model);
      pairs.push(r.estimate);
      evidence.push(r.evidence);
    }
    check();
    const result = assemble(pairs, evidence, targets, this.reference, width, height);
    this.setMatrices(result.motions.map((m) => m.matrix));
    return { ...result, evidence, timings: { mtb: mtbTime, ...this.lk.timings, total: performance.now() - t0 } };
  }

  /** Record the warp of every layer into `warped` with the current matrices. */
  encodeWarp(encoder: GPUCommandEncoder): void {
    this.output();
    this.warp.encode(encoder);
  }

  /** For tests: the MTB pass (bitmaps, counts) and the pair operations of the refinement. */
  get passes(): { mtb: AlignMtbPass; lk: AlignLkPass } {
    return { mtb: this.mtb, lk: this.lk };
  }

  release(): void {
    this.generation++;
    this.mtb.release();
    this.lk.release();
    this.warp.release();
    this.res.release(this.out);
    this.out = null;
    this.brackets = null;
    this.matrices = [];
  }
}
