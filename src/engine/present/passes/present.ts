// Present pass (shaders/present/present.wgsl): the visible region of the finished
// image into the canvas, with the compare split and clip warnings; for an HDR
// display, into an rgba16float canvas with highlights above SDR white.
import wgsl from '../../../../shaders/present/present.wgsl?raw';
import { createShader } from '../../gpu/shader';
import { readBuffer, readTexture } from '../../gpu/readback';
import type { Resources } from '../../gpu/resources';

/** Canvas background, sRGB-encoded (matches the page's dark grey). */
const BACKGROUND = [0.11, 0.11, 0.12, 1];

/** The HDR canvas: half floats, linear extended sRGB, 1.0 = SDR white. */
export const HDR_CANVAS_FORMAT: GPUTextureFormat = 'rgba16float';

/**
 * (Re)configure the canvas for SDR (format: the preferred one, standard tone
 * mapping: values clipped to SDR white) or HDR (rgba16float, extended: values
 * above 1 shown as brighter than white, as far as the display can). COPY_SRC
 * lets tests read back exactly what was presented.
 */
export function configureCanvas(context: GPUCanvasContext, device: GPUDevice, sdrFormat: GPUTextureFormat, hdr: boolean): void {
  context.configure({
    device,
    format: hdr ? HDR_CANVAS_FORMAT : sdrFormat,
    alphaMode: 'opaque',
    usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC,
    toneMapping: { mode: hdr ? 'extended' : 'standard' },
  });
}

/** What readPresented returns: the canvas as presented, and what present read to make it. */
export interface PresentReadback {
  /** The canvas texture's format and size, and its bytes (rows unpadded). */
  format: GPUTextureFormat;
  width: number;
  height: number;
  canvas: Uint8Array<ArrayBuffer>;
  /** The bound finished region (rgba8unorm, sRGB) and the tone mapper's input (rgba32float). */
  display: { width: number; height: number; data: Uint8Array<ArrayBuffer> };
  source: { width: number; height: number; data: Float32Array<ArrayBuffer> };
  /** The tone mapper's input is sRGB-encoded (fusion), not linear radiance. */
  sourceEncoded: boolean;
  /** The mid-tone scale k and its sample count (HDR only; 0, 0 while SDR). */
  scale: number;
  samples: number;
  /** The canvas rectangle the region lands in. */
  rect: readonly number[];
}

const BYTES_PER_PIXEL: Partial<Record<GPUTextureFormat, number>> = { rgba8unorm: 4, bgra8unorm: 4, rgba16float: 8 };

export class PresentPass {
  private readonly module: GPUShaderModule;
  /** One layout for both canvas formats, so one bind group serves both. */
  private readonly bindGroupLayout: GPUBindGroupLayout;
  private readonly layout: GPUPipelineLayout;
  private readonly sdrPipeline: GPURenderPipeline;
  /** Made on the first switch to HDR: most sessions never need it. */
  private hdrPipeline: GPURenderPipeline | null = null;
  private scalePipeline: GPUComputePipeline | null = null;
  private readonly view: GPUBuffer;
  /** The mid-tone scale (k, samples): written by midtone_scale, read by fs. */
  private readonly scale: GPUBuffer;
  private bindGroup: GPUBindGroup | null = null;
  private scaleBindGroup: GPUBindGroup | null = null;
  private bound: { image: GPUTexture; source: GPUTexture } | null = null;
  private rect: readonly number[] = [0, 0, 1, 1];
  /** Clipped pixels are painted (red highlights, blue shadows). */
  clipWarnings = false;
  /** Canvas x of the compare split, or null for no split. */
  split: number | null = null;
  private ghosts = false;
  private sourceEncoded = false;
  /** The canvas is configured for an HDR display. */
  hdr = false;

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
    private readonly context: GPUCanvasContext,
    readonly format: GPUTextureFormat,
  ) {
    this.module = createShader(device, 'present.shader', wgsl, ['color']);
    const texture = (binding: number): GPUBindGroupLayoutEntry => ({ binding, visibility: GPUShaderStage.FRAGMENT, texture: { sampleType: 'unfilterable-float' } });
    this.bindGroupLayout = device.createBindGroupLayout({
      label: 'present.bindGroupLayout',
      entries: [
        texture(0),
        texture(1),
        { binding: 2, visibility: GPUShaderStage.FRAGMENT, buffer: { type: 'uniform' } },
        texture(3),
        texture(4),
        { binding: 6, visibility: GPUShaderStage.FRAGMENT, buffer: { type: 'read-only-storage' } },
      ],
    });
    this.layout = device.createPipelineLayout({ label: 'present.pipelineLayout', bindGroupLayouts: [this.bindGroupLayout] });
    this.sdrPipeline = this.renderPipeline(format, false);
    this.view = res.buffer({ label: 'present.view', size: 64, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.scale = res.buffer({ label: 'present.scale', size: 8, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  }

  private renderPipeline(format: GPUTextureFormat, hdr: boolean): GPURenderPipeline {
    return this.device.createRenderPipeline({
      label: hdr ? 'present.pipeline.hdr' : 'present.pipeline',
      layout: this.layout,
      vertex: { module: this.module, entryPoint: 'vs' },
      fragment: { module: this.module, entryPoint: 'fs', targets: [{ format }], constants: { HDR: hdr ? 1 : 0 } },
      primitive: { topology: 'triangle-list' },
    });
  }

  private writeView(): void {
    const flags = [this.clipWarnings ? 1 : 0, this.split === null ? 0 : 1, this.split ?? 0, this.ghosts ? 1 : 0];
    const source = [this.sourceEncoded ? 1 : 0, 0, 0, 0];
    this.device.queue.writeBuffer(this.view, 0, new Float32Array([...this.rect, ...BACKGROUND, ...flags, ...source]));
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
   * HDR display on or off: the canvas is reconfigured (which clears it; the
   * caller presents again) and the matching pipeline drawn with.
   */
  setHdr(on: boolean): void {
    if (on && !this.hdrPipeline) {
      this.hdrPipeline = this.renderPipeline(HDR_CANVAS_FORMAT, true);
      this.scalePipeline = this.device.createComputePipeline({
        label: 'present.midtone-scale.pipeline',
        layout: 'auto',
        compute: { module: this.module, entryPoint: 'midtone_scale' },
      });
      if (this.bound) this.bindScale(this.bound.image, this.bound.source);
    }
    this.hdr = on;
    configureCanvas(this.context, this.device, this.format, on);
  }

  private bindScale(image: GPUTexture, source: GPUTexture): void {
    if (!this.scalePipeline) return;
    this.scaleBindGroup = this.device.createBindGroup({
      label: 'present.midtone-scale.bindGroup',
      layout: this.scalePipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: image.createView() },
        { binding: 2, resource: { buffer: this.view } },
        { binding: 4, resource: source.createView() },
        { binding: 5, resource: { buffer: this.scale } },
      ],
    });
  }

  /**
   * image: the finished region; before: the same region of the middle bracket,
   * same size (or image again); ghosts: the ghost mask over the region (r of
   * an rgba32float texture, same size) to paint, or null; source: the tone
   * mapper's input over the region, same size, sRGB-encoded when
   * sourceEncoded (fusion) and linear radiance otherwise (read in HDR only).
   */
  bind(image: GPUTexture, before: GPUTexture, ghosts: GPUTexture | null, source: GPUTexture, sourceEncoded: boolean): void {
    this.ghosts = ghosts !== null;
    this.sourceEncoded = sourceEncoded;
    this.bound = { image, source };
    this.writeView();
    this.bindGroup = this.device.createBindGroup({
      label: 'present.bindGroup',
      layout: this.bindGroupLayout,
      entries: [
        { binding: 0, resource: image.createView() },
        { binding: 1, resource: before.createView() },
        { binding: 2, resource: { buffer: this.view } },
        { binding: 3, resource: (ghosts ?? before).createView() },
        { binding: 4, resource: source.createView() },
        { binding: 6, resource: { buffer: this.scale } },
      ],
    });
    this.bindScale(image, source);
  }

  /** rect: where the region lands in canvas pixels (x0, y0, x1, y1). */
  setRect(rect: readonly [number, number, number, number]): void {
    this.rect = rect;
    this.writeView();
  }

  encode(encoder: GPUCommandEncoder, target: GPUTexture = this.context.getCurrentTexture()): void {
    if (!this.bindGroup) throw new Error('present: not bound');
    if (this.hdr) {
      const scale = encoder.beginComputePass({ label: 'present.midtone-scale.pass' });
      scale.setPipeline(this.scalePipeline!);
      scale.setBindGroup(0, this.scaleBindGroup);
      scale.dispatchWorkgroups(1);
      scale.end();
    }
    const pass = encoder.beginRenderPass({
      label: 'present.pass',
      colorAttachments: [{ view: target.createView(), loadOp: 'clear', storeOp: 'store', clearValue: { r: 0, g: 0, b: 0, a: 1 } }],
    });
    pass.setPipeline(this.hdr ? this.hdrPipeline! : this.sdrPipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.draw(3);
    pass.end();
  }

  /**
   * Present again and read back the canvas texture itself, with the inputs
   * present read (for tests: the HDR canvas cannot be read through toDataURL
   * without losing everything above 1). Encoding and the copy are submitted
   * in one task, before the browser swaps the canvas texture.
   */
  async readPresented(): Promise<PresentReadback> {
    if (!this.bound) throw new Error('present: not bound');
    const target = this.context.getCurrentTexture();
    const bpp = BYTES_PER_PIXEL[target.format];
    if (!bpp) throw new Error(`present: cannot read a ${target.format} canvas`);
    const { width, height } = target;
    const row = width * bpp;
    const padded = Math.ceil(row / 256) * 256;
    const staging = this.device.createBuffer({ label: 'present.readback.staging', size: padded * height, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    const encoder = this.device.createCommandEncoder({ label: 'present.readback' });
    this.encode(encoder, target);
    encoder.copyTextureToBuffer({ texture: target }, { buffer: staging, bytesPerRow: padded, rowsPerImage: height }, { width, height });
    this.device.queue.submit([encoder.finish()]);
    const { image, source } = this.bound;
    const [display, sourceData, scale] = await Promise.all([
      readTexture(this.device, image, 4, 'present.display'),
      readTexture(this.device, source, 16, 'present.source'),
      readBuffer(this.device, this.scale, 8, 'present.scale'),
    ]);
    try {
      await staging.mapAsync(GPUMapMode.READ);
      const src = new Uint8Array(staging.getMappedRange());
      const canvas = new Uint8Array(row * height);
      for (let y = 0; y < height; y++) canvas.set(src.subarray(y * padded, y * padded + row), y * row);
      const [k, samples] = this.hdr ? new Float32Array(scale) : [0, 0];
      return {
        format: target.format,
        width,
        height,
        canvas,
        display: { width: image.width, height: image.height, data: new Uint8Array(display) },
        source: { width: source.width, height: source.height, data: new Float32Array(sourceData) },
        sourceEncoded: this.sourceEncoded,
        scale: k ?? 0,
        samples: samples ?? 0,
        rect: [...this.rect],
      };
    } finally {
      staging.destroy();
    }
  }
}
