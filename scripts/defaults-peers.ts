// The OpenCV peers of the defaults quality report, run through
// ../shared/peers/opencv_hdr.py (Debian's python3-opencv 4.6) on the same
// set folders (times.txt gives the exposure times):
//   Debevec + Reinhard: CalibrateDebevec + MergeDebevec → .hdr, then
//     createTonemapReinhard(gamma 2.2, 0, 0, 0) (the script's defaults) → PNG;
//   Mertens: createMergeMertens(1, 1, 1) → PNG.
// No alignment (the script's default; the sets were shot on tripods or are
// synthetic). ../shared/peers/brackets.py reads FNumber and ISO with exiftool
// even where times.txt gives the times, so the peers need Debian's
// libimage-exiftool-perl too. Processes are started one after another, asynchronously, so the
// peers run while the GPU renders.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The first python3 that has cv2 (a pyenv one may shadow Debian's), or why the peers cannot run. */
export function findPython(script: string): { python: string } | { missing: string } {
  const python = ['/usr/bin/python3', 'python3'].find((py) => spawnSync(py, ['-c', 'import cv2']).status === 0);
  if (!python) return { missing: 'python3 with cv2 (Debian python3-opencv)' };
  if (spawnSync('exiftool', ['-ver']).status !== 0) return { missing: 'exiftool (Debian libimage-exiftool-perl; ../shared/peers/brackets.py calls it)' };
  if (!existsSync(script)) return { missing: script };
  return { python };
}

export interface PeerOutputs {
  /** Debevec's radiance map (.hdr). */
  readonly debevec: string;
  /** Its Reinhard 2005 tone map (PNG). */
  readonly reinhard: string;
  /** Mertens fusion (PNG). */
  readonly mertens: string;
}

export const peerOutputs = (out: string, name: string): PeerOutputs => ({
  debevec: join(out, `${name}-debevec.hdr`),
  reinhard: join(out, `${name}-debevec-reinhard.png`),
  mertens: join(out, `${name}-mertens.png`),
});

function run(python: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(python, args, { env: { ...process.env, OPENCV_IO_ENABLE_OPENEXR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve(code === 0 ? '' : `${args[1]} ${args[2]} failed (${code}): ${err.trim().split('\n').pop()}`));
    child.on('error', (e) => resolve(`${args[1]} could not start: ${e.message}`));
  });
}

/** Every peer on every set, one process at a time; resolves with the problems (empty: all written). */
export async function runPeers(python: string, script: string, sets: readonly { name: string; dir: string }[], out: string): Promise<string[]> {
  const problems: string[] = [];
  for (const set of sets) {
    const o = peerOutputs(out, set.name);
    for (const args of [
      ['merge', set.dir, o.debevec, '--method', 'debevec'],
      ['tonemap', o.debevec, o.reinhard, '--op', 'reinhard'],
      ['mertens', set.dir, o.mertens],
    ]) {
      if (args[0] === 'tonemap' && !existsSync(o.debevec)) continue;
      const problem = await run(python, [script, ...args]);
      if (problem) problems.push(`${set.name}: ${problem}`);
    }
  }
  return problems;
}
