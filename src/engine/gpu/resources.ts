// Every texture and buffer the engine keeps is made here, so dispose() can
// destroy everything (and a leak check can later count what is alive).

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
