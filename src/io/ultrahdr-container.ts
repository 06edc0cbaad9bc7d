// The Ultra HDR file layout (ultrahdr.ts makes the pictures): the primary
// SDR JPEG and the gain-map JPEG joined as libultrahdr lays them out, with the
// XMP (hdrgm), ISO 21496-1 and MPF segments that tell a reader where the gain
// map is and how to apply it.
import { concatBytes } from './bytes';
import { jpegHeaderSegments, segment } from './exif-copy';
import type { GainMapMetadata } from './ultrahdr';

const XMP_NAMESPACE = 'http://ns.adobe.com/xap/1.0/\0';
const ISO_NAMESPACE = 'urn:iso:std:iso:ts:21496:-1\0';
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP2 = 0xe2;
const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
const startsWithText = (bytes: Uint8Array, text: string): boolean => bytes.length >= text.length && [...text].every((ch, i) => bytes[i] === ch.charCodeAt(0));

/** Numbers as XMP writes them: plain decimal, enough digits to round-trip a float. */
const num = (v: number): string => String(Number(v.toPrecision(9)));

function primaryXmp(gainMapLength: number): string {
  return [
    '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="hdr-studio">',
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '  <rdf:Description rdf:about=""',
    '    xmlns:Container="http://ns.google.com/photos/1.0/container/"',
    '    xmlns:Item="http://ns.google.com/photos/1.0/container/item/"',
    '    xmlns:hdrgm="http://ns.adobe.com/hdr-gain-map/1.0/"',
    '   hdrgm:Version="1.0">',
    '   <Container:Directory>',
    '    <rdf:Seq>',
    '     <rdf:li rdf:parseType="Resource">',
    '      <Container:Item Item:Semantic="Primary" Item:Mime="image/jpeg"/>',
    '     </rdf:li>',
    '     <rdf:li rdf:parseType="Resource">',
    `      <Container:Item Item:Semantic="GainMap" Item:Mime="image/jpeg" Item:Length="${gainMapLength}"/>`,
    '     </rdf:li>',
    '    </rdf:Seq>',
    '   </Container:Directory>',
    '  </rdf:Description>',
    ' </rdf:RDF>',
    '</x:xmpmeta>',
  ].join('\n');
}

function gainMapXmp(m: GainMapMetadata): string {
  return [
    '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="hdr-studio">',
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '  <rdf:Description rdf:about=""',
    '    xmlns:hdrgm="http://ns.adobe.com/hdr-gain-map/1.0/"',
    '   hdrgm:Version="1.0"',
    `   hdrgm:GainMapMin="${num(m.gainMapMin)}"`,
    `   hdrgm:GainMapMax="${num(m.gainMapMax)}"`,
    `   hdrgm:Gamma="${num(m.gamma)}"`,
    `   hdrgm:OffsetSDR="${num(m.offsetSdr)}"`,
    `   hdrgm:OffsetHDR="${num(m.offsetHdr)}"`,
    `   hdrgm:HDRCapacityMin="${num(m.hdrCapacityMin)}"`,
    `   hdrgm:HDRCapacityMax="${num(m.hdrCapacityMax)}"`,
    '   hdrgm:BaseRenditionIsHDR="False"/>',
    ' </rdf:RDF>',
    '</x:xmpmeta>',
  ].join('\n');
}

/** A rational n/d close to x, d a power of two as large as the 32-bit fields allow. */
function fraction(x: number, signed: boolean): [number, number] {
  const a = Math.abs(x);
  const bits = Math.max(0, Math.min(28, (signed ? 30 : 31) - Math.ceil(Math.log2(Math.max(a, 1)))));
  const d = 2 ** bits;
  return [Math.round(x * d), d];
}

/**
 * ISO 21496-1 metadata: versions (u16 0, 0), flags (use base colour space,
 * one channel), then numerator/denominator pairs, big-endian: base and
 * alternate HDR headroom (u32), gain map min and max (s32/u32), gamma
 * (u32/u32), base and alternate offsets (s32/u32).
 */
export function isoGainMapMetadata(m: GainMapMetadata): Uint8Array {
  const out = new Uint8Array(5 + 8 * 7);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 0); // minimum_version
  dv.setUint16(2, 0); // writer_version
  out[4] = 0x40; // use_base_colour_space; single channel; no common denominator
  let o = 5;
  const put = (x: number, signed: boolean): void => {
    const [nume, deno] = fraction(x, signed);
    if (signed) dv.setInt32(o, nume);
    else dv.setUint32(o, Math.max(0, nume));
    dv.setUint32(o + 4, deno);
    o += 8;
  };
  put(m.hdrCapacityMin, false); // base_hdr_headroom
  put(m.hdrCapacityMax, false); // alternate_hdr_headroom
  put(m.gainMapMin, true);
  put(m.gainMapMax, true);
  put(m.gamma, false);
  put(m.offsetSdr, true); // base_offset
  put(m.offsetHdr, true); // alternate_offset
  return out;
}

/** CIPA DC-007 MP index IFD for two images, big-endian, offsets from its TIFF header. */
function mpf(primarySize: number, gainMapSize: number, gainMapOffset: number): Uint8Array {
  const out = new Uint8Array(4 + 8 + 2 + 3 * 12 + 4 + 2 * 16);
  const dv = new DataView(out.buffer);
  out.set(latin1('MPF\0'), 0);
  const t = 4; // TIFF header
  dv.setUint16(t, 0x4d4d); // "MM"
  dv.setUint16(t + 2, 42);
  dv.setUint32(t + 4, 8); // first IFD
  let o = t + 8;
  dv.setUint16(o, 3);
  o += 2;
  // MPFVersion, UNDEFINED × 4, "0100"
  dv.setUint16(o, 0xb000);
  dv.setUint16(o + 2, 7);
  dv.setUint32(o + 4, 4);
  out.set(latin1('0100'), o + 8);
  o += 12;
  // NumberOfImages, LONG × 1
  dv.setUint16(o, 0xb001);
  dv.setUint16(o + 2, 4);
  dv.setUint32(o + 4, 1);
  dv.setUint32(o + 8, 2);
  o += 12;
  // MPEntry, UNDEFINED × 32, at offset 50
  const entries = 8 + 2 + 3 * 12 + 4;
  dv.setUint16(o, 0xb002);
  dv.setUint16(o + 2, 7);
  dv.setUint32(o + 4, 32);
  dv.setUint32(o + 8, entries);
  o += 12;
  dv.setUint32(o, 0);
  o += 4; // no next IFD
  // Primary: baseline MP primary image, JPEG.
  dv.setUint32(o, 0x00030000);
  dv.setUint32(o + 4, primarySize);
  dv.setUint32(o + 8, 0);
  o += 16;
  // Gain map: JPEG, no type.
  dv.setUint32(o, 0);
  dv.setUint32(o + 4, gainMapSize);
  dv.setUint32(o + 8, gainMapOffset);
  return out;
}

/** The segments and scan of a JPEG after SOI, leaving out the given APP segments. */
function jpegBody(jpeg: Uint8Array, keep: (marker: number, payload: Uint8Array) => boolean): { leadingApp0: Uint8Array[]; rest: Uint8Array[] } {
  const segments = jpegHeaderSegments(jpeg);
  const leadingApp0: Uint8Array[] = [];
  const rest: Uint8Array[] = [];
  let from = 2;
  let leading = true;
  for (const s of segments) {
    const end = s.offset + 4 + s.payload.length;
    if (leading && s.marker === APP0) {
      leadingApp0.push(jpeg.subarray(s.offset, end));
      from = end;
      continue;
    }
    leading = false;
    if (!keep(s.marker, s.payload)) {
      if (s.offset > from) rest.push(jpeg.subarray(from, s.offset));
      from = end;
    }
  }
  rest.push(jpeg.subarray(from));
  return { leadingApp0, rest };
}

const isExifOrXmp = (marker: number, p: Uint8Array): boolean => marker === APP1 && (startsWithText(p, 'Exif\0\0') || startsWithText(p, XMP_NAMESPACE));
const isMpfOrIso = (marker: number, p: Uint8Array): boolean => marker === APP2 && (startsWithText(p, 'MPF\0') || startsWithText(p, ISO_NAMESPACE));

/**
 * Lays out an Ultra HDR file from an encoded SDR JPEG and an encoded gain-map
 * JPEG. Any EXIF, XMP, MPF or ISO 21496-1 segments of the inputs are dropped;
 * `exif`, when given, becomes the primary image's EXIF, otherwise the SDR
 * JPEG's own EXIF is kept.
 */
export function assembleUltraHdr(primaryJpeg: Uint8Array, gainMapJpeg: Uint8Array, metadata: GainMapMetadata, exif: Uint8Array | null = null): Uint8Array {
  const ownExif = jpegHeaderSegments(primaryJpeg).find((s) => s.marker === APP1 && startsWithText(s.payload, 'Exif\0\0'));
  const exifPayload = exif ?? ownExif?.payload ?? null;
  if (exifPayload && !startsWithText(exifPayload, 'Exif\0\0')) throw new Error('EXIF payload must start with "Exif\\0\\0".');

  // Gain-map image first: its length goes into the primary's XMP and MPF.
  const gm = jpegBody(gainMapJpeg, (m, p) => !isExifOrXmp(m, p) && !isMpfOrIso(m, p));
  const gainMap = concatBytes([
    new Uint8Array([0xff, 0xd8]),
    ...gm.leadingApp0,
    segment(APP1, concatBytes([latin1(XMP_NAMESPACE), new TextEncoder().encode(gainMapXmp(metadata))])),
    segment(APP2, concatBytes([latin1(ISO_NAMESPACE), isoGainMapMetadata(metadata)])),
    ...gm.rest,
  ]);

  const pm = jpegBody(primaryJpeg, (m, p) => !isExifOrXmp(m, p) && !isMpfOrIso(m, p));
  const head = concatBytes([
    new Uint8Array([0xff, 0xd8]),
    ...pm.leadingApp0,
    ...(exifPayload ? [segment(APP1, exifPayload)] : []),
    segment(APP1, concatBytes([latin1(XMP_NAMESPACE), new TextEncoder().encode(primaryXmp(gainMap.length))])),
    segment(APP2, concatBytes([latin1(ISO_NAMESPACE), new Uint8Array(4)])), // versions only
  ]);
  const rest = concatBytes(pm.rest);
  const mpfSegmentLength = 4 + mpf(0, 0, 0).length;
  const primarySize = head.length + mpfSegmentLength + rest.length;
  // MP offsets count from the MPF TIFF header: 4 bytes marker + length, 4 bytes "MPF\0".
  const tiffHeaderAt = head.length + 8;
  const mpfSegment = segment(APP2, mpf(primarySize, gainMap.length, primarySize - tiffHeaderAt));
  return concatBytes([head, mpfSegment, rest, gainMap]);
}
