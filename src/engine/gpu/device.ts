// WebGPU adapter and device set-up, with errors a person can act on.

export class GpuUnavailableError extends Error {
  override name = 'GpuUnavailableError';
}

export interface GpuContext {
  readonly device: GPUDevice;
  readonly adapterInfo: string;
  readonly isFallbackAdapter: boolean;
}

/** Ask for a device with the largest texture and buffer limits the adapter offers. */
export async function requestGpu(gpu: GPU | undefined = globalThis.navigator?.gpu): Promise<GpuContext> {
  if (!gpu) {
    throw new GpuUnavailableError('This browser does not offer WebGPU. Use a recent Chrome, Edge or Safari (or Firefox with WebGPU enabled), on a secure (https or localhost) page.');
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new GpuUnavailableError('WebGPU is present but no graphics adapter is available (it may be blocked or disabled in the browser settings).');
  }
  const limits: Record<string, number> = {
    maxTextureDimension2D: adapter.limits.maxTextureDimension2D,
    maxTextureArrayLayers: adapter.limits.maxTextureArrayLayers,
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
  const device = await adapter.requestDevice({ label: 'hdr.device', requiredLimits: limits });
  const info = adapter.info;
  const isFallbackAdapter = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  const adapterInfo = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
  return { device, adapterInfo, isFallbackAdapter };
}
