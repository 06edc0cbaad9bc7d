// Every texture and buffer the engine keeps is made here, so dispose() can
// destroy everything and a leak check can count what is alive (counts()); the
// bench reads the high-water mark of those bytes (peakBytes, resetPeak()).

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

/** Bytes of a texture (mip level 0, every layer, the format's texel size) or a buffer. */
function sizeOf(r: GPUTexture | GPUBuffer): number {
  if (r instanceof GPUBuffer) return r.size;
  return r.width * r.height * r.depthOrArrayLayers * (TEXEL_BYTES[r.format] ?? 4);
}

export class Resources {
  private readonly live = new Set<GPUTexture | GPUBuffer>();
  /** Bytes alive now (the sum counts() reports), kept as resources come and go. */
  private liveBytes = 0;
  /** The most bytes alive at once since construction or the last resetPeak(). */
  peakBytes = 0;

  constructor(private readonly device: GPUDevice) {}

  texture(desc: GPUTextureDescriptor): GPUTexture {
    const t = this.device.createTexture(desc);
    this.track(t);
    return t;
  }

  buffer(desc: GPUBufferDescriptor): GPUBuffer {
    const b = this.device.createBuffer(desc);
    this.track(b);
    return b;
  }

  private track(r: GPUTexture | GPUBuffer): void {
    this.live.add(r);
    this.liveBytes += sizeOf(r);
    if (this.liveBytes > this.peakBytes) this.peakBytes = this.liveBytes;
  }

  /** Start the high-water mark again from what is alive now. */
  resetPeak(): void {
    this.peakBytes = this.liveBytes;
  }

  release(r: GPUTexture | GPUBuffer | null | undefined): void {
    if (!r) return;
    r.destroy();
    if (this.live.delete(r)) this.liveBytes -= sizeOf(r);
  }

  /** What is alive now: textures, buffers, and their bytes (texture bytes from the format's texel size, mip level 0). */
  counts(): { textures: number; buffers: number; bytes: number } {
    let textures = 0;
    let buffers = 0;
    let bytes = 0;
    for (const r of this.live) {
      if (r instanceof GPUBuffer) buffers++;
      else textures++;
      bytes += sizeOf(r);
    }
    return { textures, buffers, bytes };
  }

  destroyAll(): void {
    for (const r of this.live) r.destroy();
    this.live.clear();
    this.liveBytes = 0;
  }
}

export function dispatch(encoder: GPUCommandEncoder, label: string, pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, x: number, y = 1): void {
  const pass = encoder.beginComputePass({ label });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(x, y);
  pass.end();
}
