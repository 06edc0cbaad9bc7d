// CPU reference of shaders/fusion/fusion-seed.wgsl: the top band of a tile's
// collapse in tiled exposure fusion is the whole image's result at level F,
// cropped to the tile's level-F rectangle.

import type { Rect } from '../../graph/region';
import type { FloatImage } from '../../types';

/** `src` (RGBA float) over `crop` (inside it), as a crop-sized image. */
export function seedBand(src: FloatImage, crop: Rect): FloatImage {
  if (crop.x < 0 || crop.y < 0 || crop.x + crop.width > src.width || crop.y + crop.height > src.height) {
    throw new Error(`seedBand: crop ${crop.x},${crop.y} ${crop.width}×${crop.height} is outside the ${src.width}×${src.height} source`);
  }
  const data = new Float32Array(crop.width * crop.height * 4);
  for (let y = 0; y < crop.height; y++) {
    const s = ((crop.y + y) * src.width + crop.x) * 4;
    data.set(src.data.subarray(s, s + crop.width * 4), y * crop.width * 4);
  }
  return { width: crop.width, height: crop.height, data };
}
