// OpenEXR export of the radiance map: one part, scan lines, channels B, G, R
// as half floats, ZIP compression (16 lines a block, zlib), Rec. 709
// chromaticities. Half keeps ~3 significant digits over 2^-24..65504, which is
// what compositors and HDR editors expect of a merged exposure; alpha carries
// nothing in a radiance map, so it is not written. The header, the block writer
// (reorder, predictor, zlib) and the half conversion are hdrify's; this module
// picks the channels and keeps the caller's pixels untouched (hdrify's own
// writeExr always writes RGBA and sanitises its input in place).

// Deep imports on purpose: hdrify's index also loads its gain-map code, which
// installs a global Buffer polyfill as a side effect.
import { CHROMATICITIES_REC709 } from 'hdrify/dist/color/chromaticities.js';
import { HALF, ZIP_COMPRESSION } from 'hdrify/dist/exr/exrConstants.js';
import { buildExrHeader, buildMagicAndVersion } from 'hdrify/dist/exr/exrHeaderBuilder.js';
import type { ExrChannel } from 'hdrify/dist/exr/exrTypes.js';
import { buildExrOffsetTableFromBlocks, getBlockCount, getBlockHeight } from 'hdrify/dist/exr/writeExrOffsetTable.js';
import { writeExrScanBlock } from 'hdrify/dist/exr/writeExrScanBlock.js';
import type { HdrifyImage } from 'hdrify/dist/hdrifyImage.js';
import type { FloatImage } from '../engine/types';
import { concatBytes } from './bytes';

export const EXR_EXTENSION = 'exr';
export const EXR_MIME = 'image/x-exr';

/** The largest finite half float. */
export const HALF_MAX = 65504;

const channel = (name: string): ExrChannel => ({ name, pixelType: HALF, pLinear: 0, reserved: 0, xSampling: 1, ySampling: 1 });
/** OpenEXR wants the channel list sorted by name. */
const RGB_CHANNELS: readonly ExrChannel[] = [channel('B'), channel('G'), channel('R')];

/**
 * Encodes a linear RGBA float image as a half-float RGB OpenEXR file with ZIP
 * compression. Values are stored as they are (scene-linear, any scale);
 * NaN becomes 0 and magnitudes past 65504 are clamped to ±65504 rather than
 * turning into infinities. Negative values are kept (EXR allows them).
 * The input is not modified.
 */
export function encodeExr(image: FloatImage): Uint8Array {
  const { width, height } = image;
  if (!(width > 0 && height > 0) || image.data.length < width * height * 4) {
    throw new Error(`encodeExr: ${width}×${height} needs ${width * height * 4} floats, got ${image.data.length}.`);
  }
  const hdrifyImage: HdrifyImage = { width, height, data: halfSafe(image.data), linearColorSpace: 'linear-rec709' };
  const channels = [...RGB_CHANNELS];
  const magicVersion = buildMagicAndVersion();
  const header = buildExrHeader({ width, height, compression: ZIP_COMPRESSION, channels, chromaticities: CHROMATICITIES_REC709 });
  const blockCount = getBlockCount(height, ZIP_COMPRESSION);
  const blockHeight = getBlockHeight(ZIP_COMPRESSION);
  const blocks: Uint8Array[] = [];
  for (let b = 0; b < blockCount; b++) {
    const firstLineY = b * blockHeight;
    blocks.push(
      writeExrScanBlock({
        hdrifyImage,
        firstLineY,
        lineCount: Math.min(blockHeight, height - firstLineY),
        compression: ZIP_COMPRESSION,
        channels,
      }),
    );
  }
  const offsetTable = buildExrOffsetTableFromBlocks({ offsetTableStart: magicVersion.length + header.length, blocks });
  return concatBytes([magicVersion, header, offsetTable, ...blocks]);
}

/** The data itself when every value is finite and within half range, else a clamped copy. */
function halfSafe(data: Float32Array): Float32Array {
  let clean = true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    // NaN fails both comparisons, so it lands here too.
    if (!(v <= HALF_MAX && v >= -HALF_MAX)) {
      clean = false;
      break;
    }
  }
  if (clean) return data;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    out[i] = Number.isNaN(v) ? 0 : Math.max(-HALF_MAX, Math.min(HALF_MAX, v));
  }
  return out;
}
