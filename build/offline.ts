// Works offline after the first visit: at build, write sw.js (the service
// worker of src/sw/sw.ts) into the output, listing every file the build wrote
// (scripts, styles, WebAssembly, workers, index.html, and public/: the sample
// and the icon), source maps excepted. Its cache is named after a hash of
// those files' names and bytes and of the worker's own code, so each build
// that changes anything gets a new cache and sw.js changes with it: the
// browser installs the new worker, which deletes the old cache. No workbox:
// the worker is ~100 lines.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { transformWithOxc, type Plugin, type ResolvedConfig } from 'vite';
import { CACHE_PREFIX, type OfflineManifest } from '../src/sw/sw.ts';

export const SERVICE_WORKER_FILE = 'sw.js';
const SOURCE = 'src/sw/sw.ts';

/** Every file under a folder, as paths relative to it with '/' separators. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)).split(sep).join('/'));
}

const kept = (file: string) => !file.endsWith('.map') && file !== SERVICE_WORKER_FILE;

/** The worker as a classic script: the module's code, its exports made local, then the call with the manifest. */
async function workerScript(root: string): Promise<(manifest: OfflineManifest) => string> {
  const path = resolve(root, SOURCE);
  const { code } = await transformWithOxc(readFileSync(path, 'utf8'), path, { lang: 'ts', target: 'es2022' });
  const body = code.replace(/^export (?=(?:async )?function |const |let |class )/gm, '');
  if (/^\s*(?:import|export)\b/m.test(body)) throw new Error(`${SOURCE} must not import or re-export: sw.js is a classic script`);
  return (manifest) =>
    `// HDR Studio's offline worker, written by build/offline.ts from ${SOURCE} at build. Do not edit.\n` + `(() => {\n'use strict';\n${body}\ninstallOfflineWorker(self, ${JSON.stringify(manifest, null, 1)});\n})();\n`;
}

export function offlineServiceWorker(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'offline-service-worker',
    apply: 'build',
    enforce: 'post',
    configResolved(resolved) {
      config = resolved;
    },
    // After every file is on disk (the workers' and public/ included), so the list and the hash are of what is served.
    writeBundle: {
      order: 'post',
      sequential: true,
      async handler(_options, bundle) {
        const outDir = resolve(config.root, config.build.outDir);
        const emitted = Object.keys(bundle).filter(kept);
        const pub = config.publicDir && config.build.copyPublicDir ? filesUnder(config.publicDir).filter(kept) : [];
        const files = [...new Set([...emitted, ...pub])].sort();
        // Anything on disk the bundle did not report would be missing offline: refuse to build an incomplete cache.
        const missed = filesUnder(outDir).filter((f) => kept(f) && !files.includes(f));
        if (missed.length) this.error(`offline cache: files in ${outDir} that the build did not list (${missed.join(', ')}); build with an emptied output folder`);

        const render = await workerScript(config.root);
        const hash = createHash('sha256');
        let bytes = 0;
        for (const f of files) {
          const content = readFileSync(join(outDir, f));
          bytes += content.length;
          hash.update(`${f}\0${content.length}\0`).update(content);
        }
        hash.update(render({ cache: '', files: [] }));
        const manifest: OfflineManifest = { cache: CACHE_PREFIX + hash.digest('hex').slice(0, 12), files };
        writeFileSync(join(outDir, SERVICE_WORKER_FILE), render(manifest));
        config.logger.info(`${SERVICE_WORKER_FILE}: ${files.length} files (${(bytes / 1024).toFixed(0)} kB) cached as ${manifest.cache}`);
      },
    },
  };
}
