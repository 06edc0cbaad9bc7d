// Present pass (shaders/present.wgsl): the visible region of the finished
// image into the canvas, with the compare split and clip warnings.
import wgsl from '../../../shaders/present.wgsl?raw';
import { createShader } from '../gpu/shader';
import type { Resources } from '../gpu/resources';

/** Canvas background, sRGB-encoded (matches the page's dark grey). */
const BACKGROUND = [0.11, 0.11, 0.12, 1];

export class PresentPass {
  private readonly pipeline: GPURenderPipeline;
  private readonly view: GPUBuffer;
  private bindGroup: GPUBindGroup | null = null;
  private rect: readonly number[] = [0, 0, 1, 1];
  /** Clipped pixels are painted (red highlights, blue shadows). */
  clipWarnings = false;
  /** Canvas x of the compare split, or null for no split. */
  split: number | null = null;
  private ghosts = false;

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
    this.view = res.buffer({ label: 'present.view', size: 48, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  }

  private writeView(): void {
    const flags = [this.clipWarnings ? 1 : 0, this.split === null ? 0 : 1, this.split ?? 0, this.ghosts ? 1 : 0];
    this.device.queue.writeBuffer(this.view, 0, new Float32Array([...this.rect, ...BACKGROUND, ...flags]));
  }

  setClipWarnings(on: boolean): void {
    this.clipWarnings = on;
    this.writeView();
  }

  setSplit(x: number | null): void {
    this.split = x;
    this.writeView();
  }

  /**
   * image: the finished region; before: the same region of the middle bracket,
   * same size (or image again); ghosts: the ghost mask over the region (r of
   * an rgba32float texture, same size) to paint, or null.
   */
  bind(image: GPUTexture, before: GPUTexture, ghosts: GPUTexture | null = null): void {
    this.ghosts = ghosts !== null;
    this.writeView();
    this.bindGroup = this.device.createBindGroup({
      label: 'present.bindGroup',
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: image.createView() },
        { binding: 1, resource: before.createView() },
        { binding: 3, resource: (ghosts ?? before).createView() },
        { binding: 2, resource: { buffer: this.view } },
      ],
    });
  }

  /** rect: where the region lands in canvas pixels (x0, y0, x1, y1). */
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
