import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const stems = (dir: string, ext: string) =>
  readdirSync(root + dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext) && !e.name.endsWith('.test.ts'))
    .map((e) => e.name.slice(0, -ext.length))
    .sort();

describe('pass files and shaders pair by name', () => {
  const passes = stems('src/engine/passes/', '.ts');
  const shaders = stems('shaders/', '.wgsl'); // top level only: shaders/lib/ is shared code

  it('src/engine/passes/X.ts ↔ shaders/X.wgsl', () => {
    expect(passes.length).toBeGreaterThan(0);
    expect(passes).toEqual(shaders);
  });

  it.each(passes)('passes/%s.ts imports its own shader ?raw', (name) => {
    const src = readFileSync(`${root}src/engine/passes/${name}.ts`, 'utf8');
    const raws = [...src.matchAll(/from\s+'([^']*\.wgsl)\?raw'/g)].map((m) => m[1]);
    expect(raws).toEqual([`../../../shaders/${name}.wgsl`]);
  });
});
