import { describe, expect, it } from 'vitest';
import { loadRadianceMap } from '../engine/reference/camera';
import { halfBits, halfToFloat } from '../engine/half';
import { encodeExr } from './exr';
import { decodeRadianceFile } from './hdr-in';
import { encodeRadiance } from './radiance';

describe('decodeRadianceFile', () => {
  const map = loadRadianceMap('stilllife');

  it('OpenEXR (half, ZIP): every value as the file holds it, alpha 1', () => {
    const { image, note } = decodeRadianceFile(encodeExr(map), 'exr');
    expect([image.width, image.height]).toEqual([map.width, map.height]);
    expect(note).toBe('');
    for (let i = 0; i < map.data.length; i++) {
      const want = i % 4 === 3 ? 1 : halfToFloat(halfBits(map.data[i]!));
      if (image.data[i] !== want) throw new Error(`sample ${i}: ${image.data[i]} ≠ ${want}`);
    }
  });

  // The writer rounds for readers of m · 2^(e − 136); Radiance's reader (color.c) adds half a
  // step: at most one step of 2^e / 256, 1/128 of the pixel's largest channel.
  it('Radiance RGBE: within one mantissa step, same orientation', () => {
    const { image } = decodeRadianceFile(encodeRadiance(map), 'hdr');
    expect([image.width, image.height]).toEqual([map.width, map.height]);
    let worst = 0;
    for (let p = 0; p < map.width * map.height; p++) {
      const max = Math.max(map.data[p * 4]!, map.data[p * 4 + 1]!, map.data[p * 4 + 2]!);
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(image.data[p * 4 + c]! - map.data[p * 4 + c]!) / max);
      expect(image.data[p * 4 + 3]).toBe(1);
    }
    expect(worst).toBeLessThanOrEqual(1 / 128 + 2e-5); // + f32 rounding
  });

  it('negative samples become 0, garbage is reported', () => {
    const bad = { width: 2, height: 1, data: Float32Array.from([-1, 0.5, 0.25, 1, 2, 3, 4, 1]) };
    const { image } = decodeRadianceFile(encodeExr(bad), 'exr');
    expect(Array.from(image.data)).toEqual([0, 0.5, 0.25, 1, 2, 3, 4, 1]);
    expect(() => decodeRadianceFile(new TextEncoder().encode('#?RADIANCE\ngarbage'), 'hdr')).toThrow(/could not be decoded as Radiance HDR/);
  });
});
