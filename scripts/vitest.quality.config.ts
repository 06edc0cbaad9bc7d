import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Quality reports on the shared data sets (../shared/data): slow, not part of
// `npm test`. Run with `npm run quality:response`.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['scripts/*.quality.ts'],
    environment: 'node',
    testTimeout: 300_000,
  },
});
