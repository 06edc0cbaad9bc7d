#!/usr/bin/env node
// `npx hdr-batch`: runs the batch command Vite built into dist-cli/ (the
// engine's WGSL comes in through Vite's `?raw`, so src/cli/ cannot run as it
// is). `npm run build` and `npm run build:cli` make it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist-cli', 'hdr-batch.mjs');

/** The newest modification time under a folder (0 if it is missing). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

if (!existsSync(built)) {
  process.stderr.write('hdr-batch: the command is not built yet. Run `npm run build:cli` (or `npm run build`) in the project folder first.\n');
  process.exit(2);
}
// A build older than the sources still runs, but says so: its results may differ from the editor's.
if (Math.max(newest(join(root, 'src')), newest(join(root, 'shaders'))) > statSync(built).mtimeMs) {
  process.stderr.write('hdr-batch: warning: dist-cli/ is older than src/ or shaders/; run `npm run build:cli` to use the current code.\n');
}
await import(pathToFileURL(built).href);
