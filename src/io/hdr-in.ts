// Finished radiance maps opened for tone mapping alone (no merge): OpenEXR
// (any compression hdrify reads: none, RLE, ZIP, PIZ, PXR24, B44, DWA) and
// Radiance RGBE (.hdr). hdrify decodes; this module brings the pixels to what
// the engine's radiance texture holds: linear Rec. 709 RGB, alpha 1, no
// negative or non-finite values (hdrify's sanitising turns those into 0).
// Deep imports: hdrify's index also loads its gain-map code, which installs a
// global Buffer polyfill as a side effect (see exr.ts).
import { convertFloat32ToLinearColorSpace } from 'hdrify/dist/color/convert.js';
import { readExr } from 'hdrify/dist/exr/readExr.js';
import { readHdr } from 'hdrify/dist/hdr/readHdr.js';
import type { FloatImage } from '../engine/types';
import { FileProblem } from './problem';

export type RadianceKind = 'exr' | 'hdr';

export interface RadianceFile {
  readonly image: FloatImage;
  /** What was changed on the way in ('' when nothing): another colour space, values set to 0. */
  readonly note: string;
}

/** Decode an .exr or .hdr file. Throws an Error whose message follows the file name. */
export function decodeRadianceFile(bytes: Uint8Array, kind: RadianceKind): RadianceFile {
  let img;
  try {
    img = kind === 'exr' ? readExr(bytes) : readHdr(bytes, { headerStrict: false });
  } catch (err) {
    throw new FileProblem(`could not be decoded as ${kind === 'exr' ? 'OpenEXR' : 'Radiance HDR'} (${err instanceof Error ? err.message : String(err)}).`, { cause: err });
  }
  const { width, height } = img;
  if (!(width > 0 && height > 0) || img.data.length < width * height * 4) throw new FileProblem('holds no image.');
  const notes: string[] = [];
  let data = img.data;
  // hdrify reads RGBE as (m + 0.5) · 2^(e − 128) / 255; Radiance's own reader (color.c
  // colr_color) divides by 256. Its values are 256/255 too large: put them back.
  if (kind === 'hdr') for (let i = 0; i < data.length; i++) data[i]! *= 255 / 256;
  if (img.linearColorSpace !== 'linear-rec709') {
    data = convertFloat32ToLinearColorSpace(data, width, height, img.linearColorSpace, 'linear-rec709');
    notes.push(`converted from ${img.linearColorSpace} to linear Rec. 709 primaries`);
  }
  let clipped = 0;
  for (let i = 0; i < width * height * 4; i++) {
    if (i % 4 === 3) {
      data[i] = 1;
      continue;
    }
    const v = data[i]!;
    if (!(v >= 0) || !Number.isFinite(v)) {
      data[i] = 0;
      clipped++;
    }
  }
  if (clipped) notes.push(`${clipped} samples outside Rec. 709 or not finite set to 0`);
  return { image: { width, height, data: data.length === width * height * 4 ? data : data.slice(0, width * height * 4) }, note: notes.join('; ') };
}
