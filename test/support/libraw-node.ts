// LibRaw (libraw-wasm's WebAssembly module) in Node, for the unit tests: the
// browser runs it in src/io/raw.worker.ts; Node has no fetch of file URLs for
// the .wasm, so it is handed the bytes. Node only; never imported by the app.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import createLibRaw, { type LibRawModule } from 'libraw-wasm/dist/libraw.js';
import type { RawEngine } from '../../src/io/raw';

let module: Promise<LibRawModule> | null = null;

/** A fresh LibRaw instance (one per file); the wasm module is instantiated once. */
export async function nodeLibRaw(): Promise<RawEngine> {
  if (!module) {
    const wasmBinary = readFileSync(createRequire(import.meta.url).resolve('libraw-wasm/dist/libraw.wasm'));
    module = createLibRaw({
      wasmBinary,
      instantiateWasm: (imports, done) => {
        void WebAssembly.instantiate(wasmBinary, imports).then((r) => done(r.instance, r.module));
        return {};
      },
    });
  }
  return new (await module).LibRaw();
}
