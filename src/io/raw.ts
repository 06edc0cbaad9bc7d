// Camera RAW brackets through LibRaw (libraw-wasm: LibRaw compiled to
// WebAssembly, run in a Web Worker of its own, ./raw.worker.ts). Each file is developed
// the way an HDR merge wants it (RAW_SETTINGS): demosaiced (AHD), white
// balanced as shot, the camera matrix to linear sRGB primaries, no gamma and
// no auto-brightening, 16 bits per sample: linear values, so the merge uses
// the 'linear' response, and equal scene radiance gives equal values / exposure
// across the set. The exposure comes from the file's metadata (ExposureTime,
// FNumber, ISO), as EXIF does for JPEGs.
//
// Tried: DNG (uncompressed, written by the tests from a radiance fixture).
// LibRaw reads most vendor formats (CR2, CR3, NEF, ARW, RAF, ORF, RW2, …),
// but none of those has been tried here.
import type { LibRawSettings } from 'libraw-wasm';
import type { ExifExposure } from '../state/store';
import { FileProblem } from './problem';

/** LibRaw's processing for linear HDR input (dcraw's -4 -w -o 1 -H 0 -q 3). */
export const RAW_SETTINGS: LibRawSettings = {
  outputBps: 16,
  // LibRaw's params.gamm as it is (gamm[0] = 1 / power, gamm[1] = toe slope; LibRaw fills
  // gamm[2..5]): power 1, slope 1 is linear. libraw-wasm 1.6.0 copies the array only when it
  // has all 6 entries and silently keeps the default BT.709 curve otherwise, though its
  // types say 2.
  gamm: [1, 1, 0, 0, 0, 0] as number[] as [number, number],
  noAutoBright: true,
  useCameraWb: true,
  useAutoWb: false,
  // sRGB primaries (linear, since gamm is 1).
  outputColor: 1,
  // Clip highlights at the white level, so a saturated photosite reads 65535 (clipped) in every channel.
  highlight: 0,
  // AHD demosaicing.
  userQual: 3,
  halfSize: false,
};

/** What decodeRaw needs of LibRaw: the wasm module's class (raw.worker.ts in the browser, test/support/libraw-node.ts in Node). */
export interface RawEngine {
  open(bytes: Uint8Array<ArrayBuffer>, settings: LibRawSettings): unknown;
  metadata(full?: boolean): unknown;
  imageData(): unknown;
}

export interface RawImage {
  readonly width: number;
  readonly height: number;
  /** Linear RGBA, 0..65535, alpha 65535. */
  readonly pixels: Uint16Array;
  readonly exif: ExifExposure | null;
  /** Make and model, for messages. */
  readonly camera: string;
}

interface Developed {
  width: number;
  height: number;
  colors: number;
  bits: number;
  data: Uint8Array | Uint16Array;
}

interface RawMetadata {
  camera_make?: string;
  camera_model?: string;
  iso_speed?: number;
  shutter?: number;
  aperture?: number;
}

const positive = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);

/**
 * Develop a RAW file with RAW_SETTINGS into linear 16-bit RGBA. Throws an
 * Error whose message follows the file name. `bytes` may be transferred to
 * the engine's worker: pass a copy you do not need afterwards.
 */
export async function decodeRaw(bytes: Uint8Array<ArrayBuffer>, engine: RawEngine): Promise<RawImage> {
  try {
    await engine.open(bytes, RAW_SETTINGS);
  } catch (err) {
    throw new FileProblem(`could not be opened as a camera RAW file (${err instanceof Error ? err.message : String(err)}).`, { cause: err });
  }
  const meta = ((await engine.metadata(false)) ?? {}) as RawMetadata;
  let img: Developed | undefined;
  try {
    img = (await engine.imageData()) as Developed | undefined;
  } catch (err) {
    throw new FileProblem(`could not be developed by LibRaw (${err instanceof Error ? err.message : String(err)}).`, { cause: err });
  }
  if (!img || !(img.width > 0) || !(img.height > 0)) throw new FileProblem('could not be developed by LibRaw (no image).');
  const { width, height, colors } = img;
  if (img.bits !== 16 || !(img.data instanceof Uint16Array)) throw new FileProblem(`came out of LibRaw with ${img.bits}-bit samples, not 16.`);
  if (img.data.length < width * height * colors) throw new FileProblem('came out of LibRaw shorter than its size.');
  const n = width * height;
  const pixels = new Uint16Array(n * 4);
  const src = img.data;
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) pixels[p * 4 + c] = src[p * colors + (colors >= 3 ? c : 0)]!;
    pixels[p * 4 + 3] = 65535;
  }
  const exif: ExifExposure = { exposureTime: positive(meta.shutter), fNumber: positive(meta.aperture), iso: positive(meta.iso_speed) };
  return {
    width,
    height,
    pixels,
    exif: exif.exposureTime || exif.fNumber || exif.iso ? exif : null,
    camera: [meta.camera_make, meta.camera_model].filter(Boolean).join(' '),
  };
}
