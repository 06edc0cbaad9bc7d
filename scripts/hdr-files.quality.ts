// Round trip of the app's HDR writers through an independent reader that is
// not JavaScript: OpenCV (Debian's python3-opencv) reads the OpenEXR and
// Radiance .hdr files that src/io/exr.ts and src/io/radiance.ts write from the
// committed radiance fixtures, and the values must equal the input within
// half-float precision (EXR) and RGBE precision (.hdr). Not part of
// `npm test`: run with `npm run quality` (every scripts/*.quality.ts). Skips, saying so, without python3 + cv2.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRadianceMap } from '../src/engine/reference/camera';
import { encodeExr } from '../src/io/exr';
import { encodeRadiance } from '../src/io/radiance';

/** The first python3 that has cv2 (a pyenv one may shadow Debian's). */
const PYTHON = ['python3', '/usr/bin/python3'].find((py) => spawnSync(py, ['-c', 'import cv2']).status === 0);
const available = PYTHON !== undefined;

/** OpenCV's reading of a file, as RGB float32 (cv2 reads BGR). */
function readWithOpenCv(path: string): { width: number; height: number; rgb: Float32Array } {
  const script = [
    'import os, sys, numpy as np',
    "os.environ['OPENCV_IO_ENABLE_OPENEXR'] = '1'",
    'import cv2',
    'img = cv2.imread(sys.argv[1], cv2.IMREAD_UNCHANGED)',
    "assert img is not None, 'OpenCV could not read ' + sys.argv[1]",
    'rgb = np.ascontiguousarray(img[:, :, 2::-1].astype(np.float32))',
    "sys.stdout.write('%d %d\\n' % (rgb.shape[1], rgb.shape[0]))",
    'sys.stdout.flush()',
    'sys.stdout.buffer.write(rgb.tobytes())',
  ].join('\n');
  const r = spawnSync(PYTHON!, ['-c', script, path], { maxBuffer: 1 << 28, env: { ...process.env, OPENCV_IO_ENABLE_OPENEXR: '1' } });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr.toString()}`);
  const out = r.stdout;
  const nl = out.indexOf(10);
  const [width, height] = out.subarray(0, nl).toString().split(' ').map(Number) as [number, number];
  const body = out.subarray(nl + 1);
  return { width, height, rgb: new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + width * height * 12)) };
}

describe.skipIf(!available)('HDR files read back by OpenCV', () => {
  for (const name of ['goldengate', 'stilllife'] as const) {
    it(`${name}: EXR within half precision, .hdr within RGBE precision`, () => {
      const map = loadRadianceMap(name);
      const dir = mkdtempSync(join(tmpdir(), 'hdr-files-'));
      try {
        const exr = join(dir, `${name}.exr`);
        const hdr = join(dir, `${name}.hdr`);
        writeFileSync(exr, encodeExr(map));
        writeFileSync(hdr, encodeRadiance(map));
        const a = readWithOpenCv(exr);
        const b = readWithOpenCv(hdr);
        expect([a.width, a.height]).toEqual([map.width, map.height]);
        expect([b.width, b.height]).toEqual([map.width, map.height]);
        let worstExr = 0;
        let worstHdr = 0;
        for (let p = 0; p < map.width * map.height; p++) {
          const max = Math.max(map.data[p * 4]!, map.data[p * 4 + 1]!, map.data[p * 4 + 2]!);
          for (let c = 0; c < 3; c++) {
            const v = map.data[p * 4 + c]!;
            // The fixtures are half floats already: the EXR must give them back exactly, up to 2^-11 relative.
            worstExr = Math.max(worstExr, Math.abs(a.rgb[p * 3 + c]! - v) / Math.max(Math.abs(v), 2 ** -24));
            // RGBE: one shared exponent, 8-bit mantissas; the writer rounds, OpenCV (as Radiance's
            // own reader) adds half a step back: within one mantissa step, at most 1/128 of the brightest channel.
            if (max > 0) worstHdr = Math.max(worstHdr, Math.abs(b.rgb[p * 3 + c]! - v) / max);
          }
        }
        console.log(`${name}: OpenCV reads our EXR within ${worstExr.toExponential(2)} relative, our .hdr within ${worstHdr.toExponential(2)} of the brightest channel`);
        expect(worstExr).toBeLessThanOrEqual(2 ** -11);
        expect(worstHdr).toBeLessThanOrEqual(1 / 128);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

if (!available) {
  const why = 'skipped: python3 with cv2 (Debian python3-opencv) is not installed';
  console.warn(`hdr-files ${why}`);
  describe('HDR files read back by OpenCV', () => {
    it.skip(why, () => {});
  });
}
