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

export function createShader(device: GPUDevice, label: string, code: string, libs: readonly ShaderLib[] = []): GPUShaderModule {
  return device.createShaderModule({ label, code: shaderSource(code, libs) });
}

export function computePipeline(
  device: GPUDevice,
  label: string,
  module: GPUShaderModule,
  entryPoint: string,
  constants?: Record<string, number>,
): GPUComputePipeline {
  return device.createComputePipeline({ label, layout: 'auto', compute: { module, entryPoint, constants } });
}

/** Workgroup counts for an 8x8 2D pass over width x height. */
export function groups8(width: number, height: number): [number, number] {
  return [Math.ceil(width / 8), Math.ceil(height / 8)];
}
