// Peer comparison of the exposure fusion (npm run compare:peers): the same
// headless Chromium, SwiftShader WebGPU flags and production build as the e2e
// tests and the benchmark, with long timeouts (the software adapter fuses a
// 3 MP, 12-bracket scene in tens of seconds, the CPU peers take as long).
//
// The build goes to its own folder outside the repo and is served on its own
// port, so a comparison can run while an e2e run or a rebuild uses dist/ and
// port 4173.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import base from '../e2e/playwright.config';

const PORT = 4174;
const DIST = join(tmpdir(), 'hdr-peers-dist');

export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: 'peers.bench.ts',
  // Per scene; the spec multiplies it by the number of scenes.
  timeout: 10 * 60_000,
  expect: { timeout: 60_000 },
  retries: 0,
  // Outside the repo: an e2e run started meanwhile empties ../test-results.
  outputDir: join(tmpdir(), 'hdr-peers-test-results'),
  // The spec runs only under this config (bench/playwright.config.ts matches *.bench.ts too).
  metadata: { peers: true },
  // No trace: it would hold every image sent to and from the page.
  use: { ...base.use, baseURL: `http://localhost:${PORT}`, trace: 'off' },
  webServer: {
    ...base.webServer!,
    command: `npx vite build --outDir ${DIST} --emptyOutDir && npx vite preview --outDir ${DIST} --port ${PORT} --strictPort`,
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    url: `http://localhost:${PORT}`,
    timeout: 300_000,
  } as NonNullable<typeof base.webServer>,
});
