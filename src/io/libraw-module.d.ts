// Types for libraw-wasm's WebAssembly module (dist/libraw.js: Emscripten and
// embind), which the package ships without declarations. src/io/raw.worker.ts
// runs it in the browser and test/support/libraw-node.ts in Node, as the
// package's own dist/worker.js does.
declare module 'libraw-wasm/dist/libraw.js' {
  import type { LibRawSettings } from 'libraw-wasm';

  export interface LibRawModuleOptions {
    /** The .wasm bytes (Node: nothing to fetch them with). */
    wasmBinary?: Uint8Array;
    instantiateWasm?(imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void): object;
  }

  /** The embind class: synchronous, one open file at a time; delete() frees its WebAssembly memory. */
  export interface EmbindLibRaw {
    open(bytes: Uint8Array, settings?: LibRawSettings): void;
    metadata(fullOutput?: boolean): unknown;
    imageData(): unknown;
    delete(): void;
  }

  export interface LibRawModule {
    LibRaw: new () => EmbindLibRaw;
  }

  export default function createLibRaw(options?: LibRawModuleOptions): Promise<LibRawModule>;
}
