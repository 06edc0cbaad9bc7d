import { describe, expect, it } from 'vitest';
import { halfBits, halfToFloat, unorm16AsHalf, unorm16HalfTable } from './half';

// The exhaustive loops take a second alone, more on a busy 2-core machine.
describe('half floats', { timeout: 60_000 }, () => {
  it('encodes normals, subnormals, specials and rounds to nearest even', () => {
    expect(halfBits(1)).toBe(0x3c00);
    expect(halfBits(-2)).toBe(0xc000);
    expect(halfBits(65504)).toBe(0x7bff);
    expect(halfBits(65519)).toBe(0x7bff);
    expect(halfBits(65520)).toBe(0x7c00);
    expect(halfBits(2 ** -24)).toBe(0x0001);
    expect(halfBits(2 ** -14)).toBe(0x0400);
    expect(halfBits(0)).toBe(0);
    expect(halfBits(-0)).toBe(0x8000);
    expect(halfBits(Infinity)).toBe(0x7c00);
    expect(halfBits(NaN)).toBe(0x7e00);
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1).
    expect(halfBits(1 + 2 ** -11)).toBe(0x3c00);
    expect(halfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    // Just under the smallest normal rounds up into it.
    expect(halfBits(2 ** -14 - 2 ** -26)).toBe(0x0400);
  });

  it('every finite half round-trips', () => {
    for (let h = 0; h < 0x7c00; h++) {
      expect(halfBits(halfToFloat(h))).toBe(h);
      expect(halfBits(halfToFloat(h | 0x8000))).toBe(h | 0x8000);
    }
  });

  it('16-bit values keep 11 significant bits: relative error ≤ 2^-11, absolute ≤ 2^-25 near black', () => {
    const table = unorm16HalfTable();
    let worstRel = 0;
    for (let v = 1; v < 65536; v++) {
      const x = v / 65535;
      const h = halfToFloat(table[v]!);
      // Nearest: no half lies closer to x than the chosen one.
      const up = halfToFloat(table[v]! + 1);
      const down = halfToFloat(table[v]! - 1);
      expect(Math.abs(h - x)).toBeLessThanOrEqual(Math.min(Math.abs(up - x), Math.abs(down - x)));
      if (x >= 2 ** -14) worstRel = Math.max(worstRel, Math.abs(h - x) / x);
      else expect(Math.abs(h - x)).toBeLessThanOrEqual(2 ** -25);
    }
    expect(worstRel).toBeLessThanOrEqual(2 ** -11);
    expect(unorm16AsHalf(0)).toBe(0);
    expect(unorm16AsHalf(65535)).toBe(1);
    // In 8-bit codes: the top octave keeps 1/16 of a code.
    for (let v = 32768; v < 65536; v += 97) expect(Math.abs(unorm16AsHalf(v) - v / 65535) * 255).toBeLessThanOrEqual(1 / 16);
  });
});
