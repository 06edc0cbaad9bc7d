// Every texture and buffer the engine keeps is made here, so dispose() can
// destroy everything and a leak check can count what is alive (counts()).

const TEXEL_BYTES: Partial<Record<GPUTextureFormat, number>> = {
  rgba32float: 16,
  rgba16float: 8,
  rg32float: 8,
  r32float: 4,
  r32uint: 4,
  rgba8unorm: 4,
  r8unorm: 1,
  r16float: 2,
};

export class Resources {
  private readonly live = new Set<GPUTexture | GPUBuffer>();

  constructor(private readonly device: GPUDevice) {}

  texture(desc: GPUTextureDescriptor): GPUTexture {
    const t = this.device.createTexture(desc);
    this.live.add(t);
    return t;
  }

  buffer(desc: GPUBufferDescriptor): GPUBuffer {
    const b = this.device.createBuffer(desc);
    this.live.add(b);
    return b;
  }

  release(r: GPUTexture | GPUBuffer | null | undefined): void {
    if (!r) return;
    r.destroy();
    this.live.delete(r);
  }

  /** What is alive now: textures, buffers, and their bytes (texture bytes from the format's texel size, mip level 0). */
  counts(): { textures: number; buffers: number; bytes: number } {
    let textures = 0;
    let buffers = 0;
    let bytes = 0;
    for (const r of this.live) {
      if (r instanceof GPUBuffer) {
        buffers++;
        bytes += r.size;
      } else {
        textures++;
        bytes += r.width * r.height * r.depthOrArrayLayers * (TEXEL_BYTES[r.format] ?? 4);
      }
    }
    return { textures, buffers, bytes };
  }

  destroyAll(): void {
    for (const r of this.live) r.destroy();
    this.live.clear();
  }
}

export function dispatch(
  encoder: GPUCommandEncoder,
  label: string,
  pipeline: GPUComputePipeline,
  bindGroup: GPUBindGroup,
  x: number,
  y = 1,
): void {
  const pass = encoder.beginComputePass({ label });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(x, y);
  pass.end();
}
