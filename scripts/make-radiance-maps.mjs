#!/usr/bin/env node
// Writes the small linear radiance maps the response-curve tests render their
// synthetic brackets from (src/engine/merge/response.test.ts):
//   src/engine/reference/fixtures/{goldengate,stilllife}.f16   RGB half floats
//   src/engine/reference/fixtures/radiance.json                sizes and provenance
//   src/engine/reference/fixtures/NOTICE.md                    ILM's BSD-3 notice
//
// Usage: node scripts/make-radiance-maps.mjs   (not part of npm test)
// Input: ../shared/data/hdr/{GoldenGate,StillLife}.exr, read by make-brackets.mjs's loader.
//
// Each map is the whole image box-filtered by an integer factor, so the small
// map keeps the scene's full dynamic range (sky and lamps down to deep shadow)
// instead of the narrow range of a full-resolution crop. The result is stored
// as IEEE half floats (round to nearest even), the precision of the source
// EXRs, little-endian, row-major, R G B per pixel, no alpha.
// The output is deterministic.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BSD3, loadExr } from './make-brackets.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HDR_DIR = path.resolve(ROOT, '../shared/data/hdr');
const OUT_DIR = path.join(ROOT, 'src/engine/reference/fixtures');
const FACTOR = 10;

/** Mean of each FACTOR x FACTOR block (the right and bottom remainders are dropped). */
function boxDown(img, f) {
  const w = Math.floor(img.width / f);
  const h = Math.floor(img.height / f);
  const rgb = new Float64Array(w * h * 3);
  for (let y = 0; y < h * f; y++) {
    for (let x = 0; x < w * f; x++) {
      const s = (y * img.width + x) * 4;
      const d = (Math.floor(y / f) * w + Math.floor(x / f)) * 3;
      for (let c = 0; c < 3; c++) rgb[d + c] += img.data[s + c] / (f * f);
    }
  }
  return { width: w, height: h, rgb };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float → IEEE 754 binary16 bits, round to nearest even; the maps are finite and non-negative. */
function toHalf(v) {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) throw new Error('non-finite radiance');
  const e = exp - 127 + 15;
  if (e >= 0x1f) throw new Error(`radiance ${v} overflows a half float`);
  if (e <= 0) {
    // Subnormal half: shift the mantissa (with its implicit 1) into place.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent.
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

function stats(map) {
  let lo = Infinity;
  let hi = 0;
  let zeros = 0;
  for (let i = 0; i < map.rgb.length; i += 3) {
    const L = 0.2126 * map.rgb[i] + 0.7152 * map.rgb[i + 1] + 0.0722 * map.rgb[i + 2];
    if (L > 0) lo = Math.min(lo, L);
    else zeros++;
    hi = Math.max(hi, L);
  }
  return { lo, hi, zeros };
}

function main() {
  const sources = [
    { name: 'goldengate', file: 'GoldenGate.exr', year: 2004 },
    { name: 'stilllife', file: 'StillLife.exr', year: 2002 },
  ];
  for (const s of sources) {
    if (!fs.existsSync(path.join(HDR_DIR, s.file))) {
      console.error(`make-radiance-maps: missing ${path.join(HDR_DIR, s.file)} (OpenEXR sample images, BSD-3-Clause, ILM)`);
      process.exit(1);
    }
  }
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const manifest = {};
  for (const s of sources) {
    const full = loadExr(path.join(HDR_DIR, s.file));
    const map = boxDown(full, FACTOR);
    const halves = new Uint16Array(map.rgb.length);
    for (let i = 0; i < halves.length; i++) halves[i] = toHalf(map.rgb[i]);
    const bytes = Buffer.from(halves.buffer);
    const file = `${s.name}.f16`;
    fs.writeFileSync(path.join(OUT_DIR, file), bytes);
    const { lo, hi, zeros } = stats(map);
    console.log(
      `  ${file}: ${map.width}x${map.height} from ${full.width}x${full.height}, ${bytes.length} B, ` +
        `luminance ${lo.toExponential(3)} .. ${hi.toExponential(3)} (${Math.log2(hi / lo).toFixed(1)} stops), ${zeros} black pixels`,
    );
    manifest[s.name] = { file, width: map.width, height: map.height, source: s.file, boxFactor: FACTOR };
  }
  fs.writeFileSync(path.join(OUT_DIR, 'radiance.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(path.join(OUT_DIR, 'NOTICE.md'), notice(manifest));
}

function notice(manifest) {
  const gg = manifest.goldengate;
  const sl = manifest.stilllife;
  return `# Image notice

\`goldengate.f16\` (${gg.width}x${gg.height}) and \`stilllife.f16\` (${sl.width}x${sl.height}) are
linear radiance maps reduced from two of the OpenEXR sample images: the whole
image, box-filtered over ${gg.boxFactor}x${gg.boxFactor} blocks (the right and bottom remainders
dropped), stored as little-endian IEEE half floats, R G B per pixel, row-major.
\`radiance.json\` gives the sizes. \`scripts/make-radiance-maps.mjs\` writes
all three files and this notice. The tests render synthetic camera brackets
from them (\`src/engine/merge/response.test.ts\`).

## Origin

The maps are made from two of the OpenEXR sample images by Industrial
Light & Magic (the OpenEXR project's sample set, today
github.com/AcademySoftwareFoundation/openexr-images, \`Tiles/GoldenGate.exr\`
and \`ScanLines/StillLife.exr\`). The copies used were taken from the Debian 12
package \`psychtoolbox-3-common\` 3.0.18.12.dfsg1-1.1
(\`usr/share/psychtoolbox-3/PsychDemos/OpenEXRImages/\`), whose
\`debian/copyright\` gives ILM's BSD-3-Clause licence for them.

- \`GoldenGate.exr\`: the Golden Gate Bridge from Hawk Hill at dusk,
  Copyright (c) 2004 Industrial Light & Magic.
- \`StillLife.exr\`: a still life with oil lamps, glasses and bread,
  Copyright (c) 2002 Industrial Light & Magic.

## Licence (BSD-3-Clause)

GoldenGate.exr:

\`\`\`
${BSD3(2004)}
\`\`\`

StillLife.exr:

\`\`\`
${BSD3(2002)}
\`\`\`
`;
}

main();
