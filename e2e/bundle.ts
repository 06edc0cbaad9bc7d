// Pass-level GPU tests run the shipped engine classes in the page: Vite bundles
// the named exports from src/ into one ES module, which the page imports from a
// blob URL (the app bundle exports only createEngine and friends).
import { fileURLToPath } from 'node:url';
import { expect } from '@playwright/test';
import { build, type Rolldown } from 'vite';

/** ESM source exporting `exports` (lines like "export { X } from '/src/…';"), bundled by Vite. */
export async function bundleForPage(name: string, exports: string): Promise<string> {
  const entry = `virtual:${name}-e2e`;
  const out = await build({
    configFile: false,
    root: fileURLToPath(new URL('..', import.meta.url)),
    logLevel: 'silent',
    plugins: [
      {
        name: `${name}-e2e-entry`,
        enforce: 'pre',
        resolveId: (id) => (id === entry ? `\0${entry}` : null),
        load: (id) => (id === `\0${entry}` ? exports : null),
      },
    ],
    build: {
      write: false,
      minify: false,
      target: 'es2022',
      modulePreload: false,
      rolldownOptions: { input: entry, preserveEntrySignatures: 'strict', output: { format: 'es' } },
    },
  });
  const outputs = (Array.isArray(out) ? out : [out]) as Rolldown.RolldownOutput[];
  const chunks = outputs.flatMap((o) => o.output).filter((c): c is Rolldown.OutputChunk => c.type === 'chunk');
  expect(chunks.length, 'one self-contained chunk').toBe(1);
  return chunks[0]!.code;
}
