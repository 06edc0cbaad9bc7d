import { defineConfig } from 'vite';

// The batch command (src/cli/) built for Node: `npm run build:cli` writes
// dist-cli/hdr-batch.mjs, which bin/hdr-batch.mjs runs. The engine imports its
// WGSL with `?raw`, which only Vite resolves, hence a build rather than
// running the TypeScript directly. Everything is bundled but what loads a
// binary beside its own code, taken from node_modules at run time: `webgpu`
// (Dawn, a native addon) and `@cwasm/jpeg-turbo` (libjpeg-turbo as WebAssembly).
export default defineConfig({
  publicDir: false,
  build: {
    ssr: 'src/cli/main.ts',
    outDir: 'dist-cli',
    emptyOutDir: true,
    target: 'node20',
    sourcemap: true,
    minify: false,
    rolldownOptions: { output: { entryFileNames: 'hdr-batch.mjs', format: 'es' } },
  },
  ssr: { target: 'node', noExternal: true, external: ['webgpu', '@cwasm/jpeg-turbo'] },
});
