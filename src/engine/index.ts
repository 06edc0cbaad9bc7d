// The headless engine: WebGPU device, the processing graph, and nothing of the
// UI. createEngine() is the one entry the app, the tests and batch tools use.
import { requestGpu, type GpuContext } from './gpu/device';
import { Pipeline } from './pipeline';
import { configureCanvas } from './present/passes/present';

export { GpuUnavailableError } from './gpu/device';
export { EngineInputError, Pipeline, type PipelineDebug } from './pipeline';
export { DRAFT_STAGES, OPERATORS, STAGES, type Change, type GraphConfig, type Stage } from './graph/operators';
export type { PipelineEvents } from './events';
export * from './params';
export * from './types';

export interface Engine {
  readonly gpu: GpuContext;
  readonly pipeline: Pipeline;
  /** Resolves with the reason when the GPU device is lost. */
  readonly lost: Promise<GPUDeviceLostInfo>;
  dispose(): void;
}

export interface EngineOptions {
  /** Canvas to present into; omit for headless use. */
  canvas?: HTMLCanvasElement | OffscreenCanvas;
  gpu?: GPU;
}

export async function createEngine(opts: EngineOptions = {}): Promise<Engine> {
  const gpu = await requestGpu(opts.gpu);
  const { device } = gpu;
  let context: GPUCanvasContext | undefined;
  let format: GPUTextureFormat | undefined;
  if (opts.canvas) {
    const ctx = opts.canvas.getContext('webgpu');
    if (!ctx) throw new Error('The canvas could not provide a WebGPU context.');
    format = navigator.gpu.getPreferredCanvasFormat();
    // SDR until the HDR display preview is turned on (Pipeline.setHdrDisplay reconfigures it).
    configureCanvas(ctx, device, format, false);
    context = ctx;
  }
  const pipeline = new Pipeline({ device, context, format });
  return {
    gpu,
    pipeline,
    lost: device.lost,
    dispose() {
      pipeline.dispose();
      context?.unconfigure();
      device.destroy();
    },
  };
}
