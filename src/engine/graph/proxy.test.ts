// proxyBrackets (graph/proxy.ts): each proxy pixel is the rounded mean of
// its k × k block, clipped at the image's edge, the same whichever path made
// it (the packed 8-bit path for k = 2, the general one otherwise), against
// the definition written out here.
import { describe, expect, it } from 'vitest';
import { proxyBrackets } from './proxy';
import type { Bracket } from '../types';

function reference(b: Bracket, k: number): number[] {
  const w = Math.ceil(b.width / k);
  const h = Math.ceil(b.height / k);
  const out: number[] = [];
  for (let by = 0; by < h; by++)
    for (let bx = 0; bx < w; bx++)
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        let n = 0;
        for (let y = by * k; y < Math.min(b.height, by * k + k); y++)
          for (let x = bx * k; x < Math.min(b.width, bx * k + k); x++) {
            sum += b.pixels[(y * b.width + x) * 4 + c]!;
            n++;
          }
        out.push(Math.round(sum / n));
      }
  return out;
}

/** Codes from a hash, the extremes included (sums of 255s and halves that round up). */
const codes = (n: number, max: number) => Array.from({ length: n }, (_, i) => (i % 11 === 0 ? max : i % 13 === 0 ? 0 : (Math.imul(i, 2654435761) >>> 7) % (max + 1)));

describe('proxyBrackets', () => {
  it.each([
    [7, 5, 2],
    [8, 6, 2],
    [1, 1, 2],
    [9, 7, 3],
    [10, 3, 4],
  ])('%i×%i 8-bit, k = %i: the rounded block means', (width, height, k) => {
    const b: Bracket = { width, height, exposure: 1, pixels: Uint8Array.from(codes(width * height * 4, 255)) };
    const [p] = proxyBrackets([b], k);
    expect(p!.width).toBe(Math.ceil(width / k));
    expect(p!.height).toBe(Math.ceil(height / k));
    expect(p!.pixels).toBeInstanceOf(Uint8Array);
    expect(Array.from(p!.pixels)).toEqual(reference(b, k));
  });

  it('8-bit pixels at an unaligned offset, and 16-bit ones, give the same means', () => {
    const [width, height] = [7, 5];
    const data = codes(width * height * 4, 255);
    const backing = new Uint8Array(data.length + 1);
    backing.set(data, 1);
    const unaligned: Bracket = { width, height, exposure: 1, pixels: backing.subarray(1) };
    expect(Array.from(proxyBrackets([unaligned], 2)[0]!.pixels)).toEqual(reference(unaligned, 2));
    const wide: Bracket = { width, height, exposure: 1, pixels: Uint16Array.from(codes(width * height * 4, 65535)) };
    const [p] = proxyBrackets([wide], 2);
    expect(p!.pixels).toBeInstanceOf(Uint16Array);
    expect(Array.from(p!.pixels)).toEqual(reference(wide, 2));
  });
});
