// Deghosting, smoothing (shaders/deghost/deghost-smooth.wgsl): a binomial reduce to
// level 1, min reduces above, then expands back down to level 1 (the
// deghost pass does the last step to full size). One invocation per pixel and
// layer (the dispatch's z is the bracket count).
import wgsl from '../../../../shaders/deghost/deghost-smooth.wgsl?raw';
import { computePipeline, createShader, groups8 } from '../../gpu/shader';

interface Step {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  size: [number, number, number];
}

export class DeghostSmoothPass {
  private readonly mean: GPUComputePipeline;
  private readonly min: GPUComputePipeline;
  private readonly expand: GPUComputePipeline;
  private steps: Step[] = [];

  /** majority: deghost.ts DEGHOST_MAJORITY. */
  constructor(
    private readonly device: GPUDevice,
    majority: number,
  ) {
    const module = createShader(device, 'deghost-smooth.shader', wgsl, ['pyramid']);
    this.mean = computePipeline(device, 'deghost-smooth.mean', module, 'mean_main', { MAJORITY: majority });
    this.min = computePipeline(device, 'deghost-smooth.min', module, 'min_main');
    this.expand = computePipeline(device, 'deghost-smooth.expand', module, 'expand_main');
  }

  /** Dispatches per encode. */
  get dispatchCount(): number {
    return this.steps.length;
  }

  /**
   * levels: r32float 2d-arrays (one layer per bracket), level 0 the raw
   * weights, each next one ((w+1)/2, (h+1)/2); after encode, level 1 holds the
   * smoothed weights at that size. meanOnly: every reduce is mean_main (the
   * ghost fill's trust pyramid, with MAJORITY 1), none min_main.
   */
  bind(levels: readonly GPUTexture[], meanOnly = false): void {
    const view = (t: GPUTexture) => t.createView({ dimension: '2d-array' });
    const layers = levels[0]?.depthOrArrayLayers ?? 1;
    const step = (label: string, pipeline: GPUComputePipeline, src: GPUTexture, dst: GPUTexture): Step => ({
      label,
      pipeline,
      size: [...groups8(dst.width, dst.height), layers],
      bindGroup: this.device.createBindGroup({
        label: `${label}.bindGroup`,
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: view(src) },
          { binding: 1, resource: view(dst) },
        ],
      }),
    });
    const top = levels.length - 1;
    this.steps = [];
    for (let l = 0; l < top; l++) this.steps.push(step(`deghost-smooth.reduce${l + 1}`, l === 0 || meanOnly ? this.mean : this.min, levels[l]!, levels[l + 1]!));
    for (let l = top - 1; l >= 1; l--) this.steps.push(step(`deghost-smooth.expand${l}`, this.expand, levels[l + 1]!, levels[l]!));
  }

  encode(encoder: GPUCommandEncoder): void {
    for (const s of this.steps) {
      const pass = encoder.beginComputePass({ label: s.label });
      pass.setPipeline(s.pipeline);
      pass.setBindGroup(0, s.bindGroup);
      pass.dispatchWorkgroups(...s.size);
      pass.end();
    }
  }
}
