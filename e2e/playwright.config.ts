import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';

// Debian's Chromium where it exists (npx playwright install cannot download
// here), else Playwright's own. WebGPU comes from the SwiftShader software
// adapter on a localhost page; the Vulkan/SwiftShader flags keep a WebGPU
// canvas alive headless.
const debianChromium = '/usr/bin/chromium';
// E2E_PORT lets a second run (or a benchmark) build and serve its own copy,
// in its own folder, so one run's build never replaces files another serves.
const PORT = Number(process.env.E2E_PORT ?? 4173);
/** The build the specs are served, relative to the repository root. */
export const OUT_DIR = `node_modules/.cache/e2e-dist-${PORT}`;

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  timeout: 90_000,
  expect: { timeout: 30_000 },
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  // Per port too: a run empties its output folder when it starts.
  outputDir: `../test-results/e2e-${PORT}`,
  use: {
    baseURL: `http://localhost:${PORT}`,
    viewport: { width: 1100, height: 720 },
    acceptDownloads: true,
    // Pass-level GPU specs import engine bundles from blob: URLs, which the
    // app's Content-Security-Policy forbids; privacy.spec.ts turns this off
    // and checks the policy holds.
    bypassCSP: true,
    // The build's offline service worker would answer requests from its cache,
    // where page.route never sees them (a spec aborts a worker's script that
    // way); offline.spec.ts and privacy.spec.ts allow it and check it.
    serviceWorkers: 'block',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: existsSync(debianChromium) ? debianChromium : undefined,
      args: [
        '--no-sandbox',
        '--enable-unsafe-webgpu',
        '--enable-features=Vulkan',
        '--use-vulkan=swiftshader',
        '--use-angle=swiftshader',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    command: `npx vite build --outDir ${OUT_DIR} --emptyOutDir && npx vite preview --outDir ${OUT_DIR} --port ${PORT} --strictPort`,
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    url: `http://localhost:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
  },
});
