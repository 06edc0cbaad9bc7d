import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { offlineServiceWorker } from './build/offline.ts';

// One config for the app (Vite) and the unit tests (Vitest, Node).
// Playwright specs live in e2e/ and are run by Playwright alone.

/**
 * Nothing leaves the machine: the built app may load and connect to its own
 * origin only. No 'unsafe-eval' ('wasm-unsafe-eval' lets the RAW decoder
 * compile its WebAssembly); inline styles stay allowed because tweakpane
 * injects its stylesheet. In the page as a meta tag (any static host) and on
 * `vite preview` as a header (which also covers the workers). The dev server
 * gets neither: its HMR client needs inline scripts. worker-src 'self' admits
 * the offline service worker (sw.js, build/offline.ts) as well as the
 * workers; it fetches nothing but the app's own pages and files.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The one exception: LibRaw's worker (src/io/raw.worker.ts). libraw-wasm's
 * embind glue builds its bindings with `new Function` when the module starts,
 * so without 'unsafe-eval' no RAW file opens. The worker runs nothing but
 * LibRaw on a file's bytes and sends pixels back; connect-src stays 'self'.
 * A worker takes its policy from its own response, so a static host that only
 * has the meta tag needs no exception; a host that sends this header for all
 * files needs the same one for raw.worker-*.js.
 */
export const RAW_WORKER_POLICY = CONTENT_SECURITY_POLICY.replace("script-src 'self' 'wasm-unsafe-eval'", "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'");

/** `vite preview` serves LibRaw's worker script itself, with RAW_WORKER_POLICY (the static server would set the page's). */
function rawWorkerPolicy(): Plugin {
  return {
    name: 'raw-worker-policy',
    configurePreviewServer(server) {
      const dist = resolve(server.config.root, server.config.build.outDir);
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0]!;
        const file = /^\/assets\/raw\.worker-[\w-]+\.js$/.test(path) ? join(dist, path) : null;
        if (!file || !existsSync(file)) return next();
        res.setHeader('Content-Type', 'text/javascript');
        res.setHeader('Content-Security-Policy', RAW_WORKER_POLICY);
        res.end(readFileSync(file));
      });
    },
  };
}

function contentSecurityPolicy(): Plugin {
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  plugins: [react(), contentSecurityPolicy(), rawWorkerPolicy(), offlineServiceWorker()],
  build: {
    target: 'es2022',
    sourcemap: true,
    // The page's one chunk is ~910 kB (~250 kB gzip): React DOM, the engine with its WGSL, webgpu-utils and tweakpane,
    // all needed for the first picture; decoders, encoders, LibRaw and the response recovery are already workers.
    // Splitting it would not make the first picture come sooner, so the warning's limit sits above it, not at Vite's 500.
    chunkSizeWarningLimit: 1200,
  },
  server: { port: 5173, strictPort: true },
  preview: { port: 5173, strictPort: true, headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
  },
});
