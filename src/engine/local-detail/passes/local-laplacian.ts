// The fast local Laplacian filter (shaders/local-detail/local-laplacian.wgsl), four
// intensity levels per group: remap level 0 of the work pyramid, and (after the
// caller has reduced it and kept its level 1) add the interpolated Laplacian
// bands of levels 1 .. top − 1 into the result bands; the top band is the
// guide's top level. After the caller's collapse down to level 1, finish does
// level 0 and the colour in one full-size pass. struct Uniforms (one copy
// per group) is filled by field name, its layout reflected from the WGSL
// (gpu/uniforms.ts).
import wgsl from '../../../../shaders/local-detail/local-laplacian.wgsl?raw';
import { computePipeline, createShader, groups8, shaderSource, type ShaderLib } from '../../gpu/shader';
import { dispatch, type Resources } from '../../gpu/resources';
import { UniformBlock } from '../../gpu/uniforms';

/** Uniform buffer offsets must be multiples of this (WebGPU's default minUniformBufferOffsetAlignment). */
const GROUP_STRIDE = 256;
/** Levels per group: the channels of one RGBA pyramid. */
export const LEVELS_PER_GROUP = 4;
/** The fields of struct Uniforms, in order (all f32; setParams fills them by name). */
export const UNIFORM_FIELDS = ['alpha', 'beta', 'first', 'pad'] as const;

interface Step {
  bindGroup: GPUBindGroup;
  size: [number, number];
}

export interface LocalLaplacianBindings {
  /** struct Grid, from the io pass. */
  grid: GPUBuffer;
  /** Gaussian pyramid of I (r), finest first; at least two levels. */
  guide: readonly GPUTexture[];
  /** The work pyramid (four remapped images), same sizes; level 1 holds R_1 when finish runs. */
  work: readonly GPUTexture[];
  /** bands[l − from]: result band of level l ≥ from, one vec4f per pixel. */
  bands: readonly GPUBuffer[];
  /**
   * The first level accumulated (default 1: level 0 is folded into finish).
   * 0 for the coarse levels of a tiled run (tiled-local-detail.ts), whose
   * level 0 is level F of the image and is collapsed like the others.
   */
  from?: number;
  /**
   * Where the top band comes from (its r): default the guide's top level,
   * G_top[I]; a tile of a tiled run seeds it with its crop of the collapsed
   * coarse result R_F instead (the bands above F, already summed).
   */
  top?: GPUTexture;
  /** Level 1 of each group's work pyramid, group g in layer g (the size of level 1). Finish only. */
  kept?: GPUTexture;
  /** The radiance map and the result, rgba32float, the size of level 0. Finish only: without them, encodeFinish throws. */
  src?: GPUTexture;
  dst?: GPUTexture;
}

export class LocalLaplacianPass {
  private readonly remapPipeline: GPUComputePipeline;
  private readonly accumulatePipeline: GPUComputePipeline;
  private readonly topPipeline: GPUComputePipeline;
  private readonly finishPipeline: GPUComputePipeline;
  /** One Uniforms per group, GROUP_STRIDE bytes apart. */
  private readonly uniforms: UniformBlock;
  /** Groups of four levels. */
  readonly groupCount: number;
  private remapSteps: Step[] = [];
  /** accumulateSteps[g][l − 1]: group g, pyramid level l (1 ≤ l < top). */
  private accumulateSteps: Step[][] = [];
  private topStep: Step | null = null;
  private finishStep: Step | null = null;

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
    levels: number,
    private readonly label = 'local-laplacian',
  ) {
    this.groupCount = Math.ceil(levels / LEVELS_PER_GROUP);
    const libs: readonly ShaderLib[] = ['pyramid'];
    const module = createShader(device, `${label}.shader`, wgsl, libs);
    const constants = { LEVELS: levels };
    this.remapPipeline = computePipeline(device, `${label}.remap`, module, 'remap_levels', constants);
    this.accumulatePipeline = computePipeline(device, `${label}.accumulate`, module, 'accumulate', constants);
    this.topPipeline = computePipeline(device, `${label}.top`, module, 'top', constants);
    this.finishPipeline = computePipeline(device, `${label}.finish`, module, 'finish', constants);
    this.uniforms = new UniformBlock(device, res, `${label}.uniforms`, shaderSource(wgsl, libs), 'u', this.groupCount, GROUP_STRIDE);
  }

  bind({ grid, guide, work, bands, from = 1, top: topBand, kept, src, dst }: LocalLaplacianBindings): void {
    const top = guide.length - 1;
    if (top < 1) throw new Error(`${this.label}: needs a pyramid of two levels or more`);
    if (from !== 0 && from !== 1) throw new Error(`${this.label}: from ${from} must be 0 or 1`);
    if (bands.length !== top + 1 - from) throw new Error(`${this.label}: ${bands.length} bands for levels ${from}..${top}`);
    const group = (pipeline: GPUComputePipeline, name: string, entries: [number, GPUBindingResource][]) =>
      this.device.createBindGroup({
        label: `${this.label}.${name}`,
        layout: pipeline.getBindGroupLayout(0),
        entries: entries.map(([binding, resource]) => ({ binding, resource })),
      });
    const slice = (g: number): GPUBindingResource => ({ buffer: this.uniforms.buffer, offset: g * GROUP_STRIDE, size: this.uniforms.size });
    const guideViews = guide.map((t) => t.createView());
    const workViews = work.map((t) => t.createView());
    const size = (t: GPUTexture): [number, number] => [t.width, t.height];
    this.remapSteps = Array.from({ length: this.groupCount }, (_, g) => ({
      size: size(work[0]!),
      bindGroup: group(this.remapPipeline, `remapBindGroup${g}`, [
        [0, slice(g)],
        [1, { buffer: grid }],
        [2, guideViews[0]!],
        [3, workViews[0]!],
      ]),
    }));
    this.accumulateSteps = Array.from({ length: this.groupCount }, (_, g) =>
      Array.from({ length: top - from }, (_, i) => {
        const l = i + from;
        return {
          size: size(work[l]!),
          bindGroup: group(this.accumulatePipeline, `accumulateBindGroup${g}.${l}`, [
            [0, slice(g)],
            [1, { buffer: grid }],
            [2, guideViews[l]!],
            [4, workViews[l]!],
            [5, workViews[l + 1]!],
            [6, { buffer: bands[l - from]! }],
          ]),
        };
      }),
    );
    if (topBand && (topBand.width !== guide[top]!.width || topBand.height !== guide[top]!.height)) throw new Error(`${this.label}: the top band's texture is not the size of the top level`);
    this.topStep = {
      size: size(guide[top]!),
      bindGroup: group(this.topPipeline, 'topBindGroup', [
        [2, topBand ? topBand.createView() : guideViews[top]!],
        [6, { buffer: bands[top - from]! }],
      ]),
    };
    this.finishStep = null;
    if (!kept || !src || !dst) return;
    this.finishStep = {
      size: size(dst),
      bindGroup: group(this.finishPipeline, 'finishBindGroup', [
        [0, slice(0)],
        [1, { buffer: grid }],
        [2, guideViews[0]!],
        [5, workViews[1]!],
        [7, kept.createView({ dimension: '2d-array' })],
        [8, src.createView()],
        [9, dst.createView()],
      ]),
    };
  }

  /** The remap coefficients (see reference/local-detail.ts remapCoefficients). */
  setParams(alpha: number, beta: number): void {
    for (let g = 0; g < this.groupCount; g++) this.uniforms.set({ alpha, beta, first: g * LEVELS_PER_GROUP }, g);
    this.uniforms.write();
  }

  /** Level 0 of the work pyramid for group g. */
  encodeRemap(encoder: GPUCommandEncoder, g: number): void {
    const s = this.remapSteps[g];
    if (!s) throw new Error(`${this.label}: no group ${g} (not bound?)`);
    dispatch(encoder, `${this.label}.remap${g}`, this.remapPipeline, s.bindGroup, ...groups8(...s.size));
  }

  /** Group g's interpolated bands of levels from .. top − 1, added to the result bands. */
  encodeAccumulate(encoder: GPUCommandEncoder, g: number): void {
    const steps = this.accumulateSteps[g];
    if (!steps) throw new Error(`${this.label}: no group ${g} (not bound?)`);
    steps.forEach((s, i) => dispatch(encoder, `${this.label}.accumulate${g}.${i + 1}`, this.accumulatePipeline, s.bindGroup, ...groups8(...s.size)));
  }

  /** The top result band: the guide's top level (or the texture bound as `top`). */
  encodeTop(encoder: GPUCommandEncoder): void {
    if (!this.topStep) throw new Error(`${this.label}: not bound`);
    dispatch(encoder, `${this.label}.top`, this.topPipeline, this.topStep.bindGroup, ...groups8(...this.topStep.size));
  }

  /** Level 0 (band from the kept levels, plus expand(R_1)) and the colour, into dst. */
  encodeFinish(encoder: GPUCommandEncoder): void {
    if (!this.finishStep) throw new Error(`${this.label}: not bound with kept, src and dst`);
    dispatch(encoder, `${this.label}.finish`, this.finishPipeline, this.finishStep.bindGroup, ...groups8(...this.finishStep.size));
  }
}
