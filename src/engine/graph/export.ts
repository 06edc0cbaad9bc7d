// The export operator: the full-size source tone-mapped and curved with the
// export's params, read back as sRGB RGBA (8 bits, or float for 16-bit
// files). Its passes share the preview's compiled pipelines.
import { CurvePass } from '../curve/passes/curve';
import { TonemapPass } from '../tonemap/passes/tonemap';
import { readTexture } from '../gpu/readback';
import type { Resources } from '../gpu/resources';
import type { Params } from '../params';
import type { Mode } from '../types';

export type ExportFormat = 'rgba8unorm' | 'rgba32float';

export interface Finished {
  width: number;
  height: number;
  data: ArrayBuffer;
}

export class Exporter {
  private readonly tone: TonemapPass;
  private readonly curve: CurvePass;
  /** The 16-bit export: the same curve, kept in float (made on first use). */
  private curve16: CurvePass | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    /** The baked tone curves, shared with the preview. */
    private readonly luts: GPUBuffer,
    shareTone: TonemapPass,
    shareCurve: CurvePass,
  ) {
    this.tone = new TonemapPass(device, res, 'tonemap.export', shareTone);
    this.curve = new CurvePass(device, 'curve.export', shareCurve);
  }

  /** Tone-map and curve the whole source with these params, and read it back. */
  async finish(mode: Mode, source: GPUTexture, stats: GPUBuffer, params: Params, format: ExportFormat): Promise<Finished> {
    const { width, height } = source;
    const curve = format === 'rgba8unorm' ? this.curve : (this.curve16 ??= new CurvePass(this.device, 'curve.export16', this.curve, 'rgba32float'));
    const toned = this.res.texture({ label: 'tonemap.export', size: [width, height], format: 'rgba32float', usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING });
    const out = this.res.texture({ label: 'curve.export', size: [width, height], format, usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.COPY_SRC });
    try {
      this.tone.setParams(params);
      this.tone.bind(mode, source, stats, toned);
      curve.bind(toned, this.luts, out);
      const encoder = this.device.createCommandEncoder({ label: 'pipeline.export' });
      this.tone.encode(encoder);
      curve.encode(encoder);
      this.device.queue.submit([encoder.finish()]);
      return { width, height, data: await readTexture(this.device, out, format === 'rgba8unorm' ? 4 : 16, 'export') };
    } finally {
      this.res.release(toned);
      this.res.release(out);
    }
  }
}

/** Float samples (sRGB-encoded, 0..1) as 16-bit values, rounded, clamped. */
export function toUnorm16(data: ArrayBuffer): Uint16Array<ArrayBuffer> {
  const f = new Float32Array(data);
  const out = new Uint16Array(f.length);
  for (let i = 0; i < f.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, f[i]!)) * 65535);
  return out;
}
