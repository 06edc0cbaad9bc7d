#!/usr/bin/env node
// Renders licence-clean exposure brackets from ILM's BSD-3-Clause OpenEXR sample
// images (GoldenGate.exr, StillLife.exr) with a simple synthetic camera, and writes:
//   public/sample/            the bundled sample (GoldenGate, full size, 3 JPEG brackets)
//   e2e/fixtures/             320x256 PNG crops (3 and 5 brackets), bad inputs, manifest
//
// Usage: node scripts/make-brackets.mjs   (or: npm run fixtures)
// Input: ../shared/data/hdr/{GoldenGate,StillLife}.exr relative to the repo root.
//
// Camera model, per pixel and channel:
//   v = clamp(radiance * k * 2^EV, 0, 1); sRGB OETF; Math.round(v * 255)
// The camera meters what it frames: k = key / (log-average luminance of the
// rendered region), so that region's log-average maps to the scene's key value
// at EV 0. 0.18 is the "average" key; both scenes are low-key (dusk, lamplight),
// so they use 0.09 and 0.045, which keeps the EV 0 bracket's clipping small.
// Every bracket records FNumber 8, ISO 100 and an ExposureTime that is an exact
// power of two of seconds, doubling per +1 EV.
//
// The output is deterministic: no randomness, no timestamps.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readExr } from 'hdrify';
// hdrify's readExr rejects tiled EXRs (GoldenGate.exr is tiled), so tiles are
// decoded here with hdrify's own PIZ decoder and half-float table (deep imports:
// hdrify has no "exports" map, these are plain files of its dist).
import { decompressPiz } from 'hdrify/dist/exr/decompressPiz.js';
import { getHalfToFloatLut } from 'hdrify/dist/exr/halfFloat.js';
import pngjs from 'pngjs';
import jpeg from 'jpeg-js';

const { PNG } = pngjs;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HDR_DIR = path.resolve(ROOT, '../shared/data/hdr');
const SAMPLE_DIR = path.join(ROOT, 'public/sample');
const FIXTURE_DIR = path.join(ROOT, 'e2e/fixtures');

const F_NUMBER = 8;
const ISO = 100;
const JPEG_QUALITY = 88; // ~92 was the target; 88 keeps everything written here under ~1.5 MB
const CROP_W = 320;
const CROP_H = 256;
// Key value: what the log-average luminance of the whole map becomes at EV 0.
const GG_KEY = 0.09; // dusk
const SL_KEY = 0.045; // dark room lit by oil lamps

// ---------------------------------------------------------------- EXR input

/** Minimal OpenEXR header reader: enough for a single-part tiled image. */
function parseExrHeader(buf) {
  if (buf.readUInt32LE(0) !== 20000630) throw new Error('not an OpenEXR file');
  const version = buf.readUInt32LE(4);
  let o = 8;
  const attrs = {};
  const cstr = () => {
    const end = buf.indexOf(0, o);
    const s = buf.toString('latin1', o, end);
    o = end + 1;
    return s;
  };
  for (;;) {
    const name = cstr();
    if (name === '') break;
    const type = cstr();
    const size = buf.readInt32LE(o);
    o += 4;
    const v = buf.subarray(o, o + size);
    if (type === 'chlist') {
      const channels = [];
      let p = 0;
      while (v[p] !== 0) {
        const end = v.indexOf(0, p);
        const chName = v.toString('latin1', p, end);
        p = end + 1;
        channels.push({
          name: chName,
          pixelType: v.readInt32LE(p),
          pLinear: v[p + 4],
          reserved: 0,
          xSampling: v.readInt32LE(p + 8),
          ySampling: v.readInt32LE(p + 12),
        });
        p += 16;
      }
      attrs[name] = channels;
    } else if (type === 'box2i') {
      attrs[name] = { xMin: v.readInt32LE(0), yMin: v.readInt32LE(4), xMax: v.readInt32LE(8), yMax: v.readInt32LE(12) };
    } else if (type === 'tiledesc') {
      attrs[name] = { xSize: v.readUInt32LE(0), ySize: v.readUInt32LE(4), mode: v[8] };
    } else if (type === 'compression' || type === 'lineOrder') {
      attrs[name] = v[0];
    }
    o += size;
  }
  return { version, attrs, headerEnd: o };
}

/** Reads a single-part, one-level, tiled, PIZ (or uncompressed) EXR into RGBA float32. */
function readTiledExr(buf) {
  const { version, attrs, headerEnd } = parseExrHeader(buf);
  if ((version & 0x1a00) !== 0x200) throw new Error('expected a single-part tiled EXR');
  const { channels, dataWindow: dw, tiles, compression } = attrs;
  if (!tiles || (tiles.mode & 0x0f) !== 0) throw new Error('only ONE_LEVEL tiled EXRs are supported');
  if (compression !== 4 && compression !== 0) throw new Error(`unsupported tiled compression ${compression}`);
  if (channels.some((c) => c.pixelType !== 1 || c.xSampling !== 1 || c.ySampling !== 1)) {
    throw new Error('expected full-resolution half-float channels');
  }
  const width = dw.xMax - dw.xMin + 1;
  const height = dw.yMax - dw.yMin + 1;
  const nx = Math.ceil(width / tiles.xSize);
  const ny = Math.ceil(height / tiles.ySize);
  const slot = { R: 0, G: 1, B: 2, A: 3 };
  const hasAlpha = channels.some((c) => c.name === 'A');
  const data = new Float32Array(width * height * 4);
  if (!hasAlpha) for (let i = 3; i < data.length; i += 4) data[i] = 1;
  const lut = getHalfToFloatLut();
  for (let i = 0; i < nx * ny; i++) {
    let p = Number(buf.readBigUInt64LE(headerEnd + 8 * i));
    const tx = buf.readInt32LE(p);
    const ty = buf.readInt32LE(p + 4);
    const size = buf.readInt32LE(p + 16);
    p += 20;
    const x0 = tx * tiles.xSize;
    const y0 = ty * tiles.ySize;
    const tw = Math.min(tiles.xSize, width - x0);
    const th = Math.min(tiles.ySize, height - y0);
    const raw = tw * th * channels.length * 2;
    const chunk = new Uint8Array(buf.buffer, buf.byteOffset + p, size);
    // A chunk is stored raw when compressing would not make it smaller.
    let bytes = compression === 0 || size === raw ? chunk.slice() : decompressPiz(chunk, tw, channels, size, th);
    if (bytes.byteOffset & 1) bytes = bytes.slice();
    const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, raw / 2);
    // Layout per tile line: for each channel (header order), tw half samples.
    for (let ly = 0; ly < th; ly++) {
      for (let c = 0; c < channels.length; c++) {
        const s = slot[channels[c].name];
        if (s === undefined) continue;
        const src = (ly * channels.length + c) * tw;
        let dst = ((y0 + ly) * width + x0) * 4 + s;
        for (let lx = 0; lx < tw; lx++, dst += 4) {
          const v = lut[halves[src + lx]];
          data[dst] = v >= 0 && v < Infinity ? v : 0;
        }
      }
    }
  }
  return { width, height, data };
}

/** Reads GoldenGate.exr or StillLife.exr as RGBA float32 (also used by make-radiance-maps.mjs). */
export function loadExr(file) {
  const buf = fs.readFileSync(file);
  const tiled = (buf.readUInt32LE(4) & 0x200) !== 0;
  const img = tiled ? readTiledExr(buf) : readExr(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  return { width: img.width, height: img.height, data: img.data };
}

// ---------------------------------------------------------------- camera

function logAverageLuminance(img) {
  let sum = 0;
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    const L = 0.2126 * img.data[4 * i] + 0.7152 * img.data[4 * i + 1] + 0.0722 * img.data[4 * i + 2];
    sum += Math.log(1e-6 + L);
  }
  return Math.exp(sum / n);
}

function crop(img, x0, y0, w, h) {
  const data = new Float32Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const s = ((y0 + y) * img.width + x0) * 4;
    data.set(img.data.subarray(s, s + w * 4), y * w * 4);
  }
  return { width: w, height: h, data };
}

/** 2x2 box average in linear radiance. */
function halve(img) {
  const w = img.width >> 1;
  const h = img.height >> 1;
  const data = new Float32Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 4; c++) {
        const a = (2 * y * img.width + 2 * x) * 4 + c;
        const b = a + img.width * 4;
        data[(y * w + x) * 4 + c] = (img.data[a] + img.data[a + 4] + img.data[b] + img.data[b + 4]) / 4;
      }
    }
  }
  return { width: w, height: h, data };
}

function srgbOetf(v) {
  return v <= 0.0031308 ? 12.92 * v : 1.055 * Math.pow(v, 1 / 2.4) - 0.055;
}

/** Renders one bracket as opaque 8-bit RGBA, and counts clipped samples. */
function expose(img, gain) {
  const n = img.width * img.height;
  const rgba = Buffer.alloc(n * 4);
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.min(1, Math.max(0, img.data[4 * i + c] * gain));
      const q = Math.round(srgbOetf(v) * 255);
      rgba[4 * i + c] = q;
      if (q === 0) lo++;
      else if (q === 255) hi++;
    }
    rgba[4 * i + 3] = 255;
  }
  return { width: img.width, height: img.height, data: rgba, clipLow: lo / (3 * n), clipHigh: hi / (3 * n) };
}

// ---------------------------------------------------------------- EXIF

/** Exposure time 2^e seconds as an exact EXIF RATIONAL. */
function timeRational(e) {
  return e < 0 ? [1, 2 ** -e] : [2 ** e, 1];
}

/**
 * Builds a little-endian TIFF structure (the payload of a JPEG APP1 "Exif\0\0"
 * segment and of a PNG eXIf chunk): IFD0 -> Exif IFD.
 */
function buildExifTiff({ description, exposure, width, height }) {
  const ASCII = 2,
    SHORT = 3,
    LONG = 4,
    RATIONAL = 5,
    UNDEFINED = 7;
  const ascii = (s) => Buffer.from(`${s}\0`, 'latin1');
  const ifd0 = [
    [0x010e, ASCII, ascii(description)],
    [0x010f, ASCII, ascii('HDR Studio')],
    [0x0110, ASCII, ascii('synthetic render')],
    [0x0112, SHORT, [1]],
    [0x011a, RATIONAL, [[72, 1]]],
    [0x011b, RATIONAL, [[72, 1]]],
    [0x0128, SHORT, [2]],
    [0x0131, ASCII, ascii('scripts/make-brackets.mjs')],
    [0x8298, ASCII, ascii(description.includes('StillLife') ? 'Copyright (c) 2002 Industrial Light & Magic' : 'Copyright (c) 2004 Industrial Light & Magic')],
    [0x8769, LONG, [0]], // Exif IFD offset, patched below
  ];
  const exifIfd = [
    [0x829a, RATIONAL, [exposure]],
    [0x829d, RATIONAL, [[F_NUMBER, 1]]],
    [0x8827, SHORT, [ISO]],
    [0x9000, UNDEFINED, Buffer.from('0230', 'latin1')],
    [0xa001, SHORT, [1]], // sRGB
    [0xa002, LONG, [width]],
    [0xa003, LONG, [height]],
  ];
  const typeSize = { [ASCII]: 1, [SHORT]: 2, [LONG]: 4, [RATIONAL]: 8, [UNDEFINED]: 1 };
  const countOf = (entry) => entry[2].length; // bytes for ASCII/UNDEFINED, values otherwise
  const ifdSize = (ifd) => 2 + 12 * ifd.length + 4;
  const extSize = (ifd) =>
    ifd.reduce((s, e) => {
      const n = countOf(e) * typeSize[e[1]];
      return s + (n > 4 ? n + (n & 1) : 0);
    }, 0);
  const ifd0Off = 8;
  const exifOff = ifd0Off + ifdSize(ifd0) + extSize(ifd0);
  const total = exifOff + ifdSize(exifIfd) + extSize(exifIfd);
  ifd0.find((e) => e[0] === 0x8769)[2] = [exifOff];

  const out = Buffer.alloc(total);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(ifd0Off, 4);
  const writeValue = (type, v, at) => {
    if (Buffer.isBuffer(v)) return void v.copy(out, at);
    v.forEach((x, i) => {
      if (type === SHORT) out.writeUInt16LE(x, at + 2 * i);
      else if (type === LONG) out.writeUInt32LE(x, at + 4 * i);
      else if (type === RATIONAL) {
        out.writeUInt32LE(x[0], at + 8 * i);
        out.writeUInt32LE(x[1], at + 8 * i + 4);
      }
    });
  };
  const writeIfd = (ifd, off) => {
    out.writeUInt16LE(ifd.length, off);
    let ext = off + ifdSize(ifd);
    ifd.forEach((e, i) => {
      const [tag, type, v] = e;
      const at = off + 2 + 12 * i;
      const count = countOf(e);
      const n = count * typeSize[type];
      out.writeUInt16LE(tag, at);
      out.writeUInt16LE(type, at + 2);
      out.writeUInt32LE(count, at + 4);
      if (n <= 4) writeValue(type, v, at + 8);
      else {
        out.writeUInt32LE(ext, at + 8);
        writeValue(type, v, ext);
        ext += n + (n & 1);
      }
    });
    out.writeUInt32LE(0, off + 2 + 12 * ifd.length); // no next IFD
  };
  writeIfd(ifd0, ifd0Off);
  writeIfd(exifIfd, exifOff);
  return out;
}

// ---------------------------------------------------------------- encoders

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, payload) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(payload.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), payload])), 0);
  return Buffer.concat([head, payload, crc]);
}

/** Opaque 8-bit RGB PNG with an eXIf chunk right after IHDR (so before IDAT). */
function encodePng(frame, tiff) {
  const png = PNG.sync.write({ width: frame.width, height: frame.height, data: frame.data }, { colorType: 2, inputColorType: 6, deflateLevel: 9, deflateStrategy: 3, filterType: -1 });
  const ihdrEnd = 8 + 8 + 13 + 4;
  if (png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('unexpected PNG layout');
  return Buffer.concat([png.subarray(0, ihdrEnd), pngChunk('eXIf', tiff), png.subarray(ihdrEnd)]);
}

/** Baseline JPEG with an APP1 Exif segment inserted right after SOI. */
function encodeJpeg(frame, tiff, quality = JPEG_QUALITY) {
  const jpg = Buffer.from(jpeg.encode(frame, quality).data);
  if (jpg[0] !== 0xff || jpg[1] !== 0xd8) throw new Error('unexpected JPEG layout');
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpg.subarray(0, 2), app1, payload, jpg.subarray(2)]);
}

// ---------------------------------------------------------------- main

function write(file, bytes) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  console.log(`  ${path.relative(ROOT, file).padEnd(40)} ${String(bytes.length).padStart(8)} B`);
}

function fmtTime([num, den]) {
  return den === 1 ? `${num} s` : `${num}/${den} s`;
}

/**
 * Renders a bracket set. evs: relative EVs, darkest first; midTimeExp: log2 of the
 * EV 0 exposure time. Returns [{frame, tiff, seconds, ev}].
 */
function renderSet(img, k, evs, midTimeExp, describe) {
  return evs.map((ev, i) => {
    const frame = expose(img, k * 2 ** ev);
    const exposure = timeRational(midTimeExp + ev);
    const tiff = buildExifTiff({
      description: describe(ev, i),
      exposure,
      width: img.width,
      height: img.height,
    });
    console.log(`    EV ${ev >= 0 ? '+' : ''}${ev}  t=${fmtTime(exposure).padEnd(8)} clipped at 0: ${(100 * frame.clipLow).toFixed(2).padStart(6)} %   at 255: ${(100 * frame.clipHigh).toFixed(2).padStart(6)} %`);
    return { frame, tiff, seconds: exposure[0] / exposure[1], ev };
  });
}

// The 3-clause BSD licence in the wording ILM used for OpenEXR at the time.
export const BSD3 = (year) => `Copyright (c) ${year}, Industrial Light & Magic, a division of Lucas
Digital Ltd. LLC

All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are
met:
*       Redistributions of source code must retain the above copyright
notice, this list of conditions and the following disclaimer.
*       Redistributions in binary form must reproduce the above
copyright notice, this list of conditions and the following disclaimer
in the documentation and/or other materials provided with the
distribution.
*       Neither the name of Industrial Light & Magic nor the names of
its contributors may be used to endorse or promote products derived
from this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS
"AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT
LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR
A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT
OWNER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL,
SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT
LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY
THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
(INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.`;

function notice(what, kLines) {
  return `# Image notice

${what}

## Origin

The images are rendered from two of the OpenEXR sample images by Industrial
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

## How the brackets were rendered

\`scripts/make-brackets.mjs\` (run with \`npm run fixtures\`) reads the linear
radiance maps and renders each bracket with a synthetic camera, per pixel and
channel:

    v = clamp(radiance * k * 2^EV, 0, 1)
    v' = v <= 0.0031308 ? 12.92 v : 1.055 v^(1/2.4) - 0.055   (sRGB OETF)
    byte = round(v' * 255)

The camera meters what it frames: k is chosen so that the log-average
luminance (0.2126 R + 0.7152 G + 0.0722 B) of the rendered region maps to the
scene's key value at EV 0: 0.09 for GoldenGate (dusk) and 0.045 for StillLife
(a dark room lit by oil lamps). Brackets are 2 EV apart.

${kLines}

Each file carries EXIF (JPEG: APP1; PNG: eXIf chunk)
with Make "HDR Studio", Model "synthetic render", Orientation 1, FNumber 8,
ISO 100 and an ExposureTime that is an exact power of two of seconds,
doubling per +1 EV. The exposure values are made up to match the rendering;
they are not the original capture settings. The script is deterministic.

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

function main() {
  if (!fs.existsSync(HDR_DIR)) {
    console.error(`make-brackets: input folder not found: ${HDR_DIR}\n` + 'It must hold GoldenGate.exr and StillLife.exr (OpenEXR sample images, BSD-3-Clause, ILM).');
    process.exit(1);
  }
  for (const f of ['GoldenGate.exr', 'StillLife.exr']) {
    if (!fs.existsSync(path.join(HDR_DIR, f))) {
      console.error(`make-brackets: missing ${path.join(HDR_DIR, f)}`);
      process.exit(1);
    }
  }

  const gg = loadExr(path.join(HDR_DIR, 'GoldenGate.exr'));
  const sl = loadExr(path.join(HDR_DIR, 'StillLife.exr'));
  const kGG = GG_KEY / logAverageLuminance(gg);
  console.log(`GoldenGate ${gg.width}x${gg.height}  key=${GG_KEY}  k=${kGG.toPrecision(6)}`);
  console.log(`StillLife  ${sl.width}x${sl.height}  key=${SL_KEY}`);

  const GG_DESC = (ev) => `Synthetic bracket (EV ${ev >= 0 ? '+' : ''}${ev}) rendered from the ILM OpenEXR sample image GoldenGate.exr (BSD-3-Clause)`;
  const SL_DESC = (ev) => `Synthetic bracket (EV ${ev >= 0 ? '+' : ''}${ev}) rendered from the ILM OpenEXR sample image StillLife.exr (BSD-3-Clause)`;

  // 1. public/sample: full-size GoldenGate, EV -2/0/+2, JPEG.
  console.log('public/sample (GoldenGate, full size):');
  const sample = renderSet(gg, kGG, [-2, 0, 2], -6, GG_DESC);
  const sampleFiles = sample.map((_, i) => `goldengate-${i + 1}.jpg`);
  sample.forEach((b, i) => write(path.join(SAMPLE_DIR, sampleFiles[i]), encodeJpeg(b.frame, b.tiff)));
  write(path.join(SAMPLE_DIR, 'manifest.json'), Buffer.from(`${JSON.stringify({ name: 'goldengate', files: sampleFiles }, null, 2)}\n`));
  write(
    path.join(SAMPLE_DIR, 'NOTICE.md'),
    Buffer.from(
      notice(
        'The sample brackets `goldengate-1.jpg` .. `goldengate-3.jpg` (EV -2, 0, +2, full size 1262x860) ' + 'are synthetic exposures rendered from GoldenGate.exr.',
        `Here: GoldenGate, whole image, k = ${kGG.toPrecision(6)}; exposure times 1/256, 1/64, 1/16 s.`,
      ),
    ),
  );

  // 2.-4. e2e fixtures: 320x256 PNG crops.
  const manifest = {};
  const fixtureSet = (name, prefix, img, k, evs, midTimeExp, describe) => {
    console.log(`e2e/fixtures/${name}:`);
    const set = renderSet(img, k, evs, midTimeExp, describe);
    const files = set.map((_, i) => `${prefix}-${i + 1}.png`);
    set.forEach((b, i) => write(path.join(FIXTURE_DIR, name, files[i]), encodePng(b.frame, b.tiff)));
    manifest[name] = {
      files,
      exposureTime: set.map((b) => b.seconds),
      fNumber: F_NUMBER,
      iso: ISO,
      width: img.width,
      height: img.height,
    };
  };
  // GoldenGate crop: sky, city lights, the north tower and the dark wooded headland.
  const GG_CROP = { x: 40, y: 300 };
  const ggCrop = crop(gg, GG_CROP.x, GG_CROP.y, CROP_W, CROP_H);
  const kGGCrop = GG_KEY / logAverageLuminance(ggCrop);
  console.log(`GoldenGate crop k=${kGGCrop.toPrecision(6)}`);
  fixtureSet('goldengate-3', 'gg', ggCrop, kGGCrop, [-2, 0, 2], -6, GG_DESC);
  // StillLife crop: the oil lamp flames and the dark background around them.
  const SL_CROP = { x: 230, y: 280 };
  const slCrop = crop(sl, SL_CROP.x, SL_CROP.y, CROP_W, CROP_H);
  const kSLCrop = SL_KEY / logAverageLuminance(slCrop);
  console.log(`StillLife crop k=${kSLCrop.toPrecision(6)}`);
  fixtureSet('stilllife-5', 'sl', slCrop, kSLCrop, [-4, -2, 0, 2, 4], -2, SL_DESC);
  write(path.join(FIXTURE_DIR, 'manifest.json'), Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));

  // 5. bad inputs.
  console.log('e2e/fixtures/bad:');
  write(path.join(FIXTURE_DIR, 'bad/not-an-image.jpg'), Buffer.from('This is not an image.\nIt is plain text with a .jpg name,\nused to test that the app rejects it.\n'));
  // A small JPEG of the crop's middle bracket, cut after 35 % of its bytes.
  const mid = renderSet(ggCrop, kGGCrop, [0], -6, GG_DESC)[0];
  const whole = encodeJpeg(mid.frame, mid.tiff);
  write(path.join(FIXTURE_DIR, 'bad/truncated.jpg'), whole.subarray(0, Math.floor(whole.length * 0.35)));
  write(path.join(FIXTURE_DIR, 'bad/empty.png'), Buffer.alloc(0));
  const small = renderSet(halve(ggCrop), kGGCrop, [0], -6, GG_DESC)[0];
  write(path.join(FIXTURE_DIR, 'bad/other-size.png'), encodePng(small.frame, small.tiff));

  write(
    path.join(FIXTURE_DIR, 'NOTICE.md'),
    Buffer.from(
      notice(
        `The PNG fixtures are 320x256 crops (GoldenGate.exr at x=${GG_CROP.x}, y=${GG_CROP.y}; ` +
          `StillLife.exr at x=${SL_CROP.x}, y=${SL_CROP.y}) rendered as synthetic brackets. ` +
          '`bad/other-size.png` is the GoldenGate crop box-filtered to 160x128, and `bad/truncated.jpg` ' +
          'is the first 35 % of a JPEG of that crop (EV 0).',
        `Here: the GoldenGate crop, k = ${kGGCrop.toPrecision(6)}, exposure times 1/256, 1/64, 1/16 s ` +
          '(`bad/` files: EV 0, the same k); the StillLife crop, ' +
          `k = ${kSLCrop.toPrecision(6)}, exposure times 1/64, 1/16, 1/4, 1, 4 s. StillLife.exr has exact zeros ` +
          'in many green and blue samples of its dark areas, so those stay 0 in every bracket.',
      ),
    ),
  );
}

// Run only when executed, not when another script imports loadExr.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
