// The batch command's output files: the app's downloads (src/ui/export.ts),
// written in Node. The app's pure-TS encoders where it has them (16-bit PNG,
// OpenEXR, Radiance, Ultra HDR); for the 8-bit PNG and JPEG, which the app
// leaves to the browser's canvas, pngjs and jpeg-js.
import { PNG } from 'pngjs';
import type { Pipeline } from '../engine';
import type { FloatImage } from '../engine/types';
import { adjustExif, insertExif } from '../io/exif-copy';
import { encodeExr } from '../io/exr';
import { encodePng16 } from '../io/png16';
import { encodeRadiance } from '../io/radiance';
import { encodeJpegRgba, encodeUltraHdr } from '../io/ultrahdr';
import type { Format } from './args';

/** File name endings, the same as the app's downloads (DOWNLOADS[kind].suffix; export.test.ts checks). */
export const SUFFIX: Readonly<Record<Format, string>> = {
  png: '-hdr.png',
  jpeg: '-hdr.jpg',
  png16: '-hdr-16bit.png',
  uhdr: '-ultrahdr.jpg',
  exr: '-hdr.exr',
  hdr: '-hdr.hdr',
};

/** What the progress line says while a format is made. */
export const FORMAT_LABEL: Readonly<Record<Format, string>> = {
  png: 'PNG',
  jpeg: 'JPEG',
  png16: '16-bit PNG',
  uhdr: 'Ultra HDR',
  exr: 'OpenEXR',
  hdr: 'Radiance HDR',
};

/** An 8-bit RGB PNG of RGBA8 pixels (alpha is opaque in every export). */
export function encodePng8(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const png = new PNG({ width, height, colorType: 2, inputColorType: 6, inputHasAlpha: true });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  const out = PNG.sync.write(png, { colorType: 2, inputColorType: 6, inputHasAlpha: true });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export interface ExportContext {
  readonly pipeline: Pipeline;
  /** JPEG quality 1..100. */
  readonly quality: number;
  /** The reference (middle) bracket's EXIF payload, JPEG brackets only. */
  readonly exif: Uint8Array | null;
}

/**
 * Makes each format's bytes, rendering on the GPU only what the formats
 * need, once per set: the finished picture at 8 bits (PNG, JPEG, Ultra HDR),
 * at 16 bits (16-bit PNG), the radiance map (EXR, .hdr, Ultra HDR).
 */
export class Exporter {
  private sdr: Promise<{ width: number; height: number; data: Uint8Array<ArrayBuffer> }> | null = null;
  private radiance: Promise<FloatImage> | null = null;

  constructor(private readonly ctx: ExportContext) {}

  private picture() {
    return (this.sdr ??= this.ctx.pipeline.exportRgba8());
  }

  private radianceMap() {
    return (this.radiance ??= this.ctx.pipeline.readRadiance());
  }

  /** JPEG outputs carry the middle bracket's EXIF as the app's do: orientation reset, thumbnail dropped, new size. */
  private jpegExif(width: number, height: number): Uint8Array | null {
    return this.ctx.exif ? adjustExif(this.ctx.exif, { resetOrientation: true, dropThumbnail: true, width, height }) : null;
  }

  async encode(format: Format): Promise<Uint8Array> {
    switch (format) {
      case 'png': {
        const { width, height, data } = await this.picture();
        return encodePng8(data, width, height);
      }
      case 'jpeg': {
        const { width, height, data } = await this.picture();
        const bytes = encodeJpegRgba(data, width, height, this.ctx.quality);
        const exif = this.jpegExif(width, height);
        return exif ? insertExif(bytes, exif) : bytes;
      }
      case 'png16': {
        const { width, height, data } = await this.ctx.pipeline.exportRgba16();
        return encodePng16(data, width, height);
      }
      case 'exr':
        return encodeExr(await this.radianceMap());
      case 'hdr':
        return encodeRadiance(await this.radianceMap());
      case 'uhdr': {
        const sdr = await this.picture();
        const radiance = await this.radianceMap();
        const result = await encodeUltraHdr(sdr.data, radiance, { quality: this.ctx.quality, exif: this.jpegExif(sdr.width, sdr.height) });
        return result.bytes;
      }
    }
  }
}
