// Full-resolution downloads: the finished picture (PNG, JPEG, 16-bit PNG,
// Ultra HDR) and the radiance map (OpenEXR, Radiance .hdr). Each renders on
// the GPU, encodes (the HDR-side encoders in a worker), and downloads, with
// its steps shown as progress; failures are reported, and the current edit is
// untouched. JPEG outputs carry the reference (middle) bracket's EXIF, with
// Orientation reset, the old thumbnail unlinked and the new pixel size.
import { adjustExif, insertExif } from '../io/exif-copy';
import { encodeImage, saveBlob } from '../io/encode';
import { encodeOffThread } from '../io/encode-off-thread';
import type { Bridge } from '../bridge';
import { referenceBracket, type EditStore } from '../state/store';

export type DownloadKind = 'png' | 'jpeg' | 'png16' | 'uhdr' | 'exr' | 'hdr';

export interface DownloadSpec {
  /** Button text. */
  readonly label: string;
  readonly title: string;
  /** Appended to the set name. */
  readonly suffix: string;
  /** The picture (tone-mapped or fused) or the radiance map. */
  readonly group: 'picture' | 'radiance';
}

export const DOWNLOADS: Record<DownloadKind, DownloadSpec> = {
  png: { label: 'PNG', suffix: '-hdr.png', group: 'picture', title: 'The finished picture as an 8-bit PNG' },
  jpeg: { label: 'JPEG', suffix: '-hdr.jpg', group: 'picture', title: 'The finished picture as a JPEG at the quality set here, with the middle bracket’s EXIF' },
  png16: { label: '16-bit PNG', suffix: '-hdr-16bit.png', group: 'picture', title: 'The finished picture as a 16-bit PNG: no 8-bit step, for further editing without banding' },
  uhdr: {
    label: 'Ultra HDR',
    suffix: '-ultrahdr.jpg',
    group: 'picture',
    title: 'A JPEG with a gain map (Ultra HDR): the finished picture everywhere, with the highlights’ real brightness on HDR displays',
  },
  exr: {
    label: 'EXR',
    suffix: '-hdr.exr',
    group: 'radiance',
    title: 'The radiance map as OpenEXR (half float, scene-linear; 1.0 = linear 1.0 in the middle bracket)',
  },
  hdr: { label: '.hdr', suffix: '-hdr.hdr', group: 'radiance', title: 'The radiance map as Radiance RGBE (.hdr), on the same scale as the EXR' },
};

export const DOWNLOAD_KINDS = Object.keys(DOWNLOADS) as DownloadKind[];

/** The reference bracket's EXIF for a JPEG of this size, or null when it has none (PNG brackets). */
export function jpegExif(store: EditStore, width: number, height: number): Uint8Array | null {
  const segment = referenceBracket(store.getState().brackets)?.exifSegment;
  return segment ? adjustExif(segment, { resetOrientation: true, dropThumbnail: true, width, height }) : null;
}

const bytesOf = async (blob: Blob) => new Uint8Array(await blob.arrayBuffer());

export async function exportResult(store: EditStore, bridge: Bridge, kind: DownloadKind): Promise<void> {
  const { begin, end, setProgress, report } = store.getState();
  const { pipeline } = bridge.engine;
  const spec = DOWNLOADS[kind];
  const steps = kind === 'uhdr' ? 3 : 2;
  let done = 0;
  const step = (text: string) => setProgress({ step: text, done: done++, total: steps });
  begin('export');
  try {
    const { params, jpegQuality, setName } = store.getState();
    const render = 'Rendering full resolution';
    const radiance = 'Reading the radiance map';
    let blob: Blob;
    switch (kind) {
      case 'png':
      case 'jpeg': {
        step(render);
        const { width, height, data } = await pipeline.exportRgba8(params);
        step(`Encoding ${kind.toUpperCase()}`);
        blob = await encodeImage(data, width, height, kind, jpegQuality);
        const exif = kind === 'jpeg' ? jpegExif(store, width, height) : null;
        if (exif) blob = new Blob([insertExif(await bytesOf(blob), exif) as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
        break;
      }
      case 'png16': {
        step(render);
        const { width, height, data } = await pipeline.exportRgba16(params);
        step('Encoding 16-bit PNG');
        blob = await encodeOffThread({ kind: 'png16', width, height, pixels: data });
        break;
      }
      case 'exr':
      case 'hdr': {
        step(radiance);
        const image = await pipeline.readRadiance();
        step(kind === 'exr' ? 'Encoding OpenEXR' : 'Encoding Radiance HDR');
        blob = await encodeOffThread({ kind, radiance: image });
        break;
      }
      case 'uhdr': {
        step(render);
        const sdr = await pipeline.exportRgba8(params);
        step(radiance);
        const image = await pipeline.readRadiance();
        step('Encoding Ultra HDR');
        const exif = jpegExif(store, sdr.width, sdr.height);
        blob = await encodeOffThread({ kind: 'uhdr', sdr: sdr.data, radiance: image, exif, quality: jpegQuality });
        break;
      }
    }
    saveBlob(blob, `${setName || 'hdr'}${spec.suffix}`);
  } catch (err) {
    report(`${spec.label} download failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    setProgress(null);
    end('export');
  }
}
