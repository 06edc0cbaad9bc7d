// Local detail and range compression on the GPU: the fast local Laplacian
// filter (Aubry, Paris, Hasinoff, Kautz & Durand, "Fast Local Laplacian
// Filters: Theory and Applications", ACM TOG 33(5), 2014; remapping after
// Paris, Hasinoff & Kautz, SIGGRAPH 2011) on log2 luminance, colour re-applied
// by ratio. Halo-free local tone mapping ("range") and clarity ("detail") on a
// scene-linear radiance map. The maths and the discretisation are in the CPU
// reference, src/engine/local-detail/reference/local-detail.ts, which this follows step by step.
//
//   src ─log─→ guide L0 (I) ─reduce─→ guide pyramid G[I]        grid {lo, step, σr} from min/max I
//                 │
//                 └ per group of 4 levels: remap → work L0 (r_k(I), k in RGBA)
//                                         reduce → work pyramid;  work L1 → kept layer g
//                                         accumulate → bands_l += Σ_k w_k(G_l[I]) · L_l[r_k],  1 ≤ l < top
//   top band = G_top[I];  collapse(bands) → R_1 (work L1)
//   finish: band_0 from the two levels nearest I (kept), O = band_0 + expand(R_1), dst = src · 2^(O − I)
//
// Memory does not grow with K but for `kept` (a quarter-size layer per four
// levels): one work pyramid is reused by every group, as exposure fusion
// reuses its pyramid per bracket. Alive at W×H (rgba32float / vec4f): the guide
// and work pyramids (≈ 4/3·16 B per pixel each), the bands of levels ≥ 1
// (≈ 1/3·16) and kept (K/16·16): ≈ 56 B per pixel at K = 8 (≈ 58 MB at 1 MP).
//
// Cost per encode, J = pyramid levels (9 at 320×256, 10 at 1152×896), G = K/4
// groups (2 at the default K = 8): 2J + 2 + G·(2J − 2) compute dispatches (52
// at 320×256, 58 at 1152×896), J − 2 buffer clears and G quarter-size texture
// copies. Full-size passes: log, finish, and a remap per group; everything
// else runs at quarter size or less (the 25-tap reduce to level 1 per group is
// the largest). Level 0 is never accumulated per group nor collapsed on its
// own: finish needs only the two levels nearest each pixel. Identity settings
// (detail = range = 0) encode one texture copy instead.
//
// Measured in headless Chromium on SwiftShader (e2e/local-detail.spec.ts, a
// shared two-core machine, so ±50 %): ≈ 0.15–0.3 s per encode at 320×256 and
// 1.8–4 s at 1152×896. Texture loads dominate there: finish (three 9-tap
// expands) and the 25-tap reduces take most of it. A shared-memory tiled
// finish was 4.6× slower on SwiftShader (workgroup barriers), so it is not used.
import { LocalLaplacianIoPass } from './passes/local-laplacian-io';
import { LocalLaplacianPass } from './passes/local-laplacian';
import { PyramidExpandPass } from '../pyramid/passes/pyramid-expand';
import { PyramidReducePass } from '../pyramid/passes/pyramid-reduce';
import type { Resources } from '../gpu/resources';
import { pyramidSizes } from '../pyramid/pyramid';
import { LOCAL_DETAIL_LEVELS, LOG_FLOOR, isIdentity, remapCoefficients, type LocalDetailParams } from './reference/local-detail';

export { LOCAL_DETAIL_LEVELS, type LocalDetailParams } from './reference/local-detail';

export class LocalDetail {
  private readonly io: LocalLaplacianIoPass;
  private readonly filter: LocalLaplacianPass;
  private readonly guideReduce: PyramidReducePass;
  private readonly workReduce: PyramidReducePass;
  private readonly collapse: PyramidExpandPass;
  private guide: GPUTexture[] = [];
  private work: GPUTexture[] = [];
  /** bands[l − 1]: the result band of level l ≥ 1. */
  private bands: GPUBuffer[] = [];
  private kept: GPUTexture | null = null;
  private src: GPUTexture | null = null;
  private dst: GPUTexture | null = null;
  private identity = true;

  /** levels: K, the intensity levels (≥ 2; run four at a time, so multiples of 4 waste nothing). */
  constructor(
    device: GPUDevice,
    private readonly res: Resources,
    readonly levels = LOCAL_DETAIL_LEVELS,
  ) {
    if (!Number.isInteger(levels) || levels < 2) throw new Error(`local-detail: levels ${levels} must be an integer >= 2`);
    this.io = new LocalLaplacianIoPass(device, res, levels, 'local-detail.io');
    this.filter = new LocalLaplacianPass(device, res, levels, 'local-detail.filter');
    this.guideReduce = new PyramidReducePass(device, 'local-detail.guide-reduce');
    this.workReduce = new PyramidReducePass(device, 'local-detail.work-reduce');
    this.collapse = new PyramidExpandPass(device, res, 'local-detail.collapse');
    this.setParams({ detail: 0, range: 0 });
  }

  /**
   * src: the scene-linear radiance (rgba32float, TEXTURE_BINDING; COPY_SRC lets
   * the identity settings copy); dst: rgba32float of the same size
   * (STORAGE_BINDING; COPY_DST for the copy). Reallocates only on a size change.
   */
  bind(src: GPUTexture, dst: GPUTexture): void {
    if (src.width !== dst.width || src.height !== dst.height) {
      throw new Error(`local-detail: src is ${src.width}x${src.height}, dst ${dst.width}x${dst.height}`);
    }
    if (src.format !== 'rgba32float' || dst.format !== 'rgba32float') throw new Error('local-detail: src and dst must be rgba32float');
    const { width, height } = src;
    if (this.guide[0]?.width !== width || this.guide[0]?.height !== height) {
      this.releaseLevels();
      const sizes = pyramidSizes(width, height);
      const level = (name: string) => (s: [number, number], l: number) =>
        this.res.texture({
          label: `local-detail.${name}${l}`,
          size: s,
          format: 'rgba32float',
          usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
        });
      this.guide = sizes.map(level('guide'));
      this.work = sizes.map(level('work'));
      if (sizes.length > 1) {
        const [w1, h1] = sizes[1]!;
        this.bands = sizes.slice(1).map(([w, h], i) => this.res.buffer({ label: `local-detail.band${i + 1}`, size: w * h * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST }));
        this.kept = this.res.texture({
          label: 'local-detail.kept',
          size: [w1, h1, this.filter.groupCount],
          format: 'rgba32float',
          usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
        });
        this.guideReduce.bind(this.guide);
        this.workReduce.bind(this.work);
        this.collapse.bind(this.work.slice(1), this.bands);
      }
    }
    this.io.bind(src, this.guide[0]!, dst);
    if (this.kept) this.filter.bind({ grid: this.io.grid, guide: this.guide, work: this.work, bands: this.bands, kept: this.kept, src, dst });
    this.src = src;
    this.dst = dst;
  }

  /** detail in [−1, 1], range in [0, 1]; clamped (NaN → 0); floor (log2) LOG_FLOOR unless given. Uniform-only: no rebind. */
  setParams(p: LocalDetailParams): void {
    const { alpha, beta } = remapCoefficients(p);
    this.identity = isIdentity(p);
    this.filter.setParams(alpha, beta);
    this.io.setFloor(p.floor ?? LOG_FLOOR);
  }

  /** Compute dispatches the next encode() records (0 for a texture copy). */
  get dispatchCount(): number {
    if (this.passThrough) return this.canCopy() ? 0 : 1;
    const j = this.guide.length;
    return 2 * j + 2 + this.filter.groupCount * (2 * j - 2);
  }

  encode(encoder: GPUCommandEncoder): void {
    const { src, dst, kept } = this;
    if (!src || !dst) throw new Error('local-detail: not bound');
    if (this.passThrough || !kept) {
      if (this.canCopy()) encoder.copyTextureToTexture({ texture: src }, { texture: dst }, [src.width, src.height]);
      else this.io.encodeCopy(encoder);
      return;
    }
    const [w1, h1] = [this.work[1]!.width, this.work[1]!.height];
    this.io.encodeLog(encoder);
    this.guideReduce.encode(encoder);
    for (const b of this.bands.slice(0, -1)) encoder.clearBuffer(b);
    for (let g = 0; g < this.filter.groupCount; g++) {
      this.filter.encodeRemap(encoder, g);
      this.workReduce.encode(encoder);
      encoder.copyTextureToTexture({ texture: this.work[1]! }, { texture: kept, origin: [0, 0, g] }, [w1, h1, 1]);
      this.filter.encodeAccumulate(encoder, g);
    }
    this.filter.encodeTop(encoder);
    this.collapse.encode(encoder);
    this.filter.encodeFinish(encoder);
  }

  /** Frees the size-dependent textures and buffers; the passes' few small buffers go with Resources.destroyAll(), as Fusion's do. */
  release(): void {
    this.releaseLevels();
    this.src = null;
    this.dst = null;
  }

  /** The identity settings, or a one-pixel-wide image (a pyramid of one level, which the filter leaves as it is). */
  private get passThrough(): boolean {
    return this.identity || this.guide.length < 2;
  }

  private canCopy(): boolean {
    return !!this.src && !!this.dst && (this.src.usage & GPUTextureUsage.COPY_SRC) !== 0 && (this.dst.usage & GPUTextureUsage.COPY_DST) !== 0;
  }

  private releaseLevels(): void {
    for (const t of [...this.guide, ...this.work]) this.res.release(t);
    for (const b of this.bands) this.res.release(b);
    this.res.release(this.kept);
    this.kept = null;
    this.guide = [];
    this.work = [];
    this.bands = [];
  }
}
