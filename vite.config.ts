import { defineConfig, type Plugin } from 'vitest/config';
import react from '@vitejs/plugin-react';

// One config for the app (Vite) and the unit tests (Vitest, Node).
// Playwright specs live in e2e/ and are run by Playwright alone.

/**
 * Nothing leaves the machine: the built app may load and connect to its own
 * origin only. No 'unsafe-eval' ('wasm-unsafe-eval' lets the RAW decoder
 * compile its WebAssembly); inline styles stay allowed because tweakpane
 * injects its stylesheet. In the page as a meta tag (any static host) and on
 * `vite preview` as a header (which also covers the workers). The dev server
 * gets neither: its HMR client needs inline scripts.
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

function contentSecurityPolicy(): Plugin {
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  plugins: [react(), contentSecurityPolicy()],
  build: { target: 'es2022', sourcemap: true },
  server: { port: 5173, strictPort: true },
  preview: { port: 5173, strictPort: true, headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY } },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
