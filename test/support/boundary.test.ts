// The product holds no test code: nothing the app, its workers or the batch
// command are built from (src/, but its *.test.ts) imports from test/.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(e.name) && !/\.test\.ts$/.test(e.name) ? [path] : [];
  });
}

/** Module specifiers of import/export-from statements and dynamic imports. */
function specifiers(code: string): string[] {
  return [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
}

describe('src/ holds no test code', () => {
  it('finds the imports it checks (the scan is not blind)', () => {
    expect(specifiers("import a from './a';\nexport { b } from '../b';\nconst c = await import('./c');\nimport './d.css';")).toEqual(['./a', '../b', './c', './d.css']);
    expect(sources(join(root, 'src')).length).toBeGreaterThan(50);
  });

  it('no module under src/ but the tests imports from test/', () => {
    const offenders: string[] = [];
    for (const file of sources(join(root, 'src'))) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = relative(root, join(file, '..', spec));
        if (target === 'test' || target.startsWith('test/')) offenders.push(`${relative(root, file)} → ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
