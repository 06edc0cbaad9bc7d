// What a finished tile of the tiled graph (./tiled-image.ts) holds: bytes per
// read pixel, halo, granularity and the whole-image part, from the operators'
// own footprints (merge, tiled fusion, tiled local detail). The tile plan and
// the size check before decoding (./fits.ts) both size tiles with it.
import { defaultFineLevels as fusionFineLevels, tiledFusionCoarseBytes, tiledFusionFootprint } from '../fusion/tiled-fusion-size';
import { coarseBytes as detailCoarseBytes, defaultFineLevels as detailFineLevels, tiledLocalDetailFootprint } from '../local-detail/tiled-local-detail';
import { pyramidLevelCount } from '../pyramid/pyramid';
import type { Mode } from '../types';

/** Bytes per pixel a finished tile holds beyond its source: the source's result, the tone-mapped and curved images and the read-back copy (16 B each at most). */
export const FINISH_BYTES_PER_PIXEL = 64;

/** F of the tiled fusion: the default, at least 1 and below the pyramid's top. */
export function fusionLevels(width: number, height: number): number {
  return Math.max(1, Math.min(fusionFineLevels(width, height), pyramidLevelCount(width, height) - 1));
}

/** What a finished tile holds: bytes per read pixel, the halo per side, the granularity, and the whole-image bytes (coarse levels). */
export interface Footprint {
  readonly bytesPerPixel: number;
  readonly halo: number;
  readonly granularity: number;
  readonly fixedBytes: number;
}

/** The footprint of a finished tile of a width × height image: brackets (or a radiance map: null) through merge or fusion, with or without local detail. */
export function finishFootprint(width: number, height: number, brackets: { count: number; wide: boolean } | null, mode: Mode, detail: boolean): Footprint {
  let bytesPerPixel = FINISH_BYTES_PER_PIXEL;
  let halo = 0;
  let granularity = 1;
  let fixedBytes = 0;
  const b = brackets;
  if (mode === 'fusion' && b) {
    const levels = fusionLevels(width, height);
    const f = tiledFusionFootprint(b.count, b.wide, levels);
    bytesPerPixel += f.bytesPerPixel;
    halo += f.halo;
    granularity = f.granularity;
    fixedBytes += tiledFusionCoarseBytes({ width, height }, b.count, levels);
  } else {
    bytesPerPixel += b ? b.count * (b.wide ? 8 : 4) + 16 : 16;
  }
  if (detail) {
    const levels = detailFineLevels(width, height);
    const f = tiledLocalDetailFootprint(levels);
    bytesPerPixel += f.bytesPerPixel;
    halo += f.halo;
    granularity = Math.max(granularity, f.granularity);
    fixedBytes += detailCoarseBytes(width, height, levels);
  }
  return { bytesPerPixel, halo, granularity, fixedBytes };
}
