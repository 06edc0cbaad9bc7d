// Pyramid geometry shared by the passes that build and collapse pyramids.

/** Levels of a full pyramid: floor(log2(min(w, h))) + 1 (as OpenCV's MergeMertens), at least 1. */
export function pyramidLevelCount(width: number, height: number): number {
  let levels = 1;
  for (let n = Math.min(width, height); n >= 2; n >>= 1) levels++;
  return levels;
}

/** Size of every level, finest first; each is ((w+1)/2, (h+1)/2) of the one before. */
export function pyramidSizes(width: number, height: number, levels = pyramidLevelCount(width, height)): [number, number][] {
  const sizes: [number, number][] = [[width, height]];
  while (sizes.length < levels) {
    const [w, h] = sizes[sizes.length - 1]!;
    sizes.push([(w + 1) >> 1, (h + 1) >> 1]);
  }
  return sizes;
}
