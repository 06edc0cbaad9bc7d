// rectRowCopies (gpu/image-rows.ts): one copy where a row is a multiple of
// 256 bytes, else one per row, at the rectangle's offsets.
import { describe, expect, it } from 'vitest';
import { rectRowCopies } from './image-rows';

describe('rectRowCopies', () => {
  it('rows of 48 × 16 B = 768 B (3 × 256): one copy, bytesPerRow the row', () => {
    expect(rectRowCopies(48, 16, { x: 3, y: 2, height: 4 })).toEqual([{ offset: (2 * 48 + 3) * 16, bytesPerRow: 768, y: 0, rows: 4 }]);
  });

  it('rows of 37 × 16 B: one copy per row, no bytesPerRow', () => {
    const copies = rectRowCopies(37, 16, { x: 5, y: 1, height: 3 });
    expect(copies).toEqual([0, 1, 2].map((y) => ({ offset: ((1 + y) * 37 + 5) * 16, bytesPerRow: undefined, y, rows: 1 })));
  });
});
