// Copies between a texture and an image kept row-major in a buffer (one texel
// of `texel` bytes per pixel, `width` px a row): a rectangle's rows are one
// copy where a row is a whole number of 256-byte steps (a buffer-texture
// copy's bytesPerRow must be), else one copy per row (a one-row copy needs
// no bytesPerRow). Used by the fusion's in-place keep (fusion/fine-bands.ts)
// and the region that serves it (graph/region-source.ts BufferRegion).

/** One copy: `rows` rows from row `y` of the rectangle, at `offset` in the buffer. */
export interface RowCopy {
  readonly offset: number;
  readonly bytesPerRow: number | undefined;
  readonly y: number;
  readonly rows: number;
}

/** The copies of rectangle `rect`'s rows within a row-major image `width` px wide. */
export function rectRowCopies(width: number, texel: number, rect: { x: number; y: number; height: number }): RowCopy[] {
  const row = width * texel;
  const at = (y: number) => ((rect.y + y) * width + rect.x) * texel;
  if (row % 256 === 0) return [{ offset: at(0), bytesPerRow: row, y: 0, rows: rect.height }];
  return Array.from({ length: rect.height }, (_, y) => ({ offset: at(y), bytesPerRow: undefined, y, rows: 1 }));
}
