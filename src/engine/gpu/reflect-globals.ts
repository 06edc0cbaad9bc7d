// Globals webgpu-utils reads when its module loads or reflects a shader, for
// runtimes that lack them (Node 20, where the engine's unit tests and the
// hdr-batch CLI run; Chromium has both). Imported before webgpu-utils
// (gpu/uniforms.ts); a no-op where they exist.
//  - Float16Array (Chromium 135+, Node 24+): webgpu-utils names it in its f16
//    type table at load. No shader here uses f16 (SwiftShader has no
//    shader-f16), so a stand-in that refuses to be constructed is enough.
//  - GPUShaderStage: makeShaderDataDefinitions tags entry points with it; the
//    values are fixed by the WebGPU spec. The `webgpu` package's globals
//    (src/cli/gpu.ts nodeGpu) replace it when a device is made.
const g = globalThis as Record<string, unknown>;
g.Float16Array ??= class Float16ArrayUnavailable {
  constructor() {
    throw new Error('Float16Array is not available in this runtime (no shader here uses f16)');
  }
};
g.GPUShaderStage ??= Object.freeze({ VERTEX: 1, FRAGMENT: 2, COMPUTE: 4 });

export {};
