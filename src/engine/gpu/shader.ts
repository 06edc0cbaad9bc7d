// Shader modules are the pass's WGSL with the shared library files prepended.
import colorLib from '../../../shaders/lib/color.wgsl?raw';
import operatorsLib from '../../../shaders/lib/operators.wgsl?raw';
import pyramidLib from '../../../shaders/lib/pyramid.wgsl?raw';
import statsLib from '../../../shaders/lib/stats.wgsl?raw';

const LIBS = { color: colorLib, operators: operatorsLib, pyramid: pyramidLib, stats: statsLib } as const;
export type ShaderLib = keyof typeof LIBS;

export function shaderSource(code: string, libs: readonly ShaderLib[] = []): string {
  return [...libs.map((l) => LIBS[l]), code].join('\n');
}

/**
 * Shader modules and pipelines are made once per device and shared: two
 * instances of a pass (the full-size merge and the draft's, src/engine/draft/draft.ts)
 * use the same compiled pipeline. Compiling is what costs (seconds for the
 * fusion's on a software adapter); a bind group from getBindGroupLayout() of a
 * shared 'auto' pipeline is valid for every user of it.
 */
const modules = new WeakMap<GPUDevice, Map<string, GPUShaderModule>>();
const pipelines = new WeakMap<GPUShaderModule, Map<string, GPUComputePipeline>>();

export function createShader(device: GPUDevice, label: string, code: string, libs: readonly ShaderLib[] = []): GPUShaderModule {
  const source = shaderSource(code, libs);
  let byCode = modules.get(device);
  if (!byCode) modules.set(device, (byCode = new Map()));
  let module = byCode.get(source);
  if (!module) byCode.set(source, (module = device.createShaderModule({ label, code: source })));
  return module;
}

export function computePipeline(device: GPUDevice, label: string, module: GPUShaderModule, entryPoint: string, constants?: Record<string, number>): GPUComputePipeline {
  let byEntry = pipelines.get(module);
  if (!byEntry) pipelines.set(module, (byEntry = new Map()));
  const key = `${entryPoint}|${JSON.stringify(constants ?? {})}`;
  let pipeline = byEntry.get(key);
  if (!pipeline) byEntry.set(key, (pipeline = device.createComputePipeline({ label, layout: 'auto', compute: { module, entryPoint, constants } })));
  return pipeline;
}

/** Workgroup counts for an 8x8 2D pass over width x height. */
export function groups8(width: number, height: number): [number, number] {
  return [Math.ceil(width / 8), Math.ceil(height / 8)];
}
