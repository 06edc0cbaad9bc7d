// Present pass (shaders/present.wgsl): the tone-mapped preview into the canvas,
// fitted and centred.
import wgsl from '../../../shaders/present.wgsl?raw';
import { createShader } from '../gpu/shader';
import type { Resources } from '../gpu/resources';

/** Canvas background, sRGB-encoded (matches the page's dark grey). */
const BACKGROUND = [0.11, 0.11, 0.12, 1];

export class PresentPass {
  private readonly pipeline: GPURenderPipeline;
  private readonly sampler: GPUSampler;
  private readonly view: GPUBuffer;
  private bindGroup: GPUBindGroup | null = null;

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
    private readonly context: GPUCanvasContext,
    readonly format: GPUTextureFormat,
  ) {
    const module = createShader(device, 'present.shader', wgsl);
    this.pipeline = device.createRenderPipeline({
      label: 'present.pipeline',
      layout: 'auto',
      vertex: { module, entryPoint: 'vs' },
      fragment: { module, entryPoint: 'fs', targets: [{ format }] },
      primitive: { topology: 'triangle-list' },
    });
    this.sampler = device.createSampler({ label: 'present.sampler', magFilter: 'linear', minFilter: 'linear' });
    this.view = res.buffer({ label: 'present.view', size: 48, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  }

  private rect: readonly number[] = [0, 0, 1, 1];
  /** Clipped pixels are painted (red highlights, blue shadows). */
  clipWarnings = false;

  private writeView(): void {
    this.device.queue.writeBuffer(this.view, 0, new Float32Array([...this.rect, ...BACKGROUND, this.clipWarnings ? 1 : 0, 0, 0, 0]));
  }

  setClipWarnings(on: boolean): void {
    this.clipWarnings = on;
    this.writeView();
  }

  bind(image: GPUTexture): void {
    this.bindGroup = this.device.createBindGroup({
      label: 'present.bindGroup',
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: image.createView() },
        { binding: 1, resource: this.sampler },
        { binding: 2, resource: { buffer: this.view } },
      ],
    });
  }

  /** rect: where the image lands in canvas pixels (x0, y0, x1, y1). */
  setRect(rect: readonly [number, number, number, number]): void {
    this.rect = rect;
    this.writeView();
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.bindGroup) throw new Error('present: not bound');
    const pass = encoder.beginRenderPass({
      label: 'present.pass',
      colorAttachments: [{ view: this.context.getCurrentTexture().createView(), loadOp: 'clear', storeOp: 'store', clearValue: { r: 0, g: 0, b: 0, a: 1 } }],
    });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.draw(3);
    pass.end();
  }
}
