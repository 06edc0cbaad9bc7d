// CPU reference of the proxy set (shaders/draft/proxy.wgsl): each bracket
// box-downsampled as downsampleBox does, 8-bit brackets rounded to the
// nearest code as an rgba8unorm store rounds.
import type { FloatImage } from '../../types';
import { downsampleBox } from '../../reference/pipeline';

/** layers: the brackets as floats (codes / 255 for 8-bit ones); eightBit: quantise to k / 255. */
export function proxyBrackets(layers: readonly FloatImage[], width: number, height: number, eightBit: boolean): FloatImage[] {
  return layers.map((layer) => {
    const out = downsampleBox(layer, width, height);
    if (eightBit) for (let i = 0; i < out.data.length; i++) out.data[i] = Math.round(Math.min(1, Math.max(0, out.data[i]!)) * 255) / 255;
    return out;
  });
}
