// The benchmark runs in the same headless Chromium as the e2e tests, against
// the production build, one scenario at a time.
import { defineConfig } from '@playwright/test';
import base from '../e2e/playwright.config';

export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: '*.bench.ts',
  timeout: 15 * 60_000,
  retries: 0,
  outputDir: `../test-results/bench-${process.env.E2E_PORT ?? 4173}`,
  use: { ...base.use, viewport: { width: 1280, height: 800 } },
  webServer: { ...base.webServer!, cwd: new URL('..', import.meta.url).pathname } as NonNullable<typeof base.webServer>,
});
