// Drafts: the merge or the fusion run on the proxy set (the brackets
// box-downsampled to canvas size, passes/proxy.ts) instead of full size.
// The pipeline shows a draft while the full-size result is stale and edits
// are still moving (a load, a drag of a fusion weight or of an exposure) and
// the full-size result once they pause, as it does for local detail; exports
// never read a draft. A draft is an approximation of the downsampled
// full-size result, not equal to it: the merge averages codes before the
// camera response, and the fusion's pyramid has fewer fine levels.
import { Fusion } from './fusion';
import { LuminancePass } from './passes/luminance';
import { MergePass } from './passes/merge';
import { ProxyPass } from './passes/proxy';
import type { Resources } from './gpu/resources';
import type { Params } from './params';
import type { ResponseLuts } from './response';
import type { Mode } from './types';

/** What a draft caches: the proxy brackets, and the proxy merge (with its stats) or fusion. */
export type DraftPart = 'brackets' | 'merge' | 'fusion';

export class Draft {
  private readonly proxy: ProxyPass;
  private readonly merge: MergePass;
  private readonly luminance: LuminancePass;
  private readonly fusion: Fusion;
  private radiance: GPUTexture | null = null;
  /** Parts that are stale (all of them until a first draft). */
  readonly dirty = new Set<DraftPart>(['brackets', 'merge', 'fusion']);
  /** Identity and size of what the proxy brackets were made from. */
  private key = '';
  /** How many times each part ran: tests check a drag re-runs only the draft. */
  readonly runs: Record<DraftPart, number> = { brackets: 0, merge: 0, fusion: 0 };

  constructor(
    device: GPUDevice,
    private readonly res: Resources,
  ) {
    this.proxy = new ProxyPass(device, res);
    this.merge = new MergePass(device, res);
    this.luminance = new LuminancePass(device, res);
    this.fusion = new Fusion(device, res);
  }

  setBlackLevel(black: number): void {
    this.merge.setBlackLevel(black);
  }

  setResponse(luts: ResponseLuts): void {
    this.merge.setResponse(luts);
  }

  setParams(params: Params): void {
    this.fusion.setParams(params);
  }

  /** The draft's luminance stats (merge mode), for the tone mapper. */
  get stats(): GPUBuffer {
    return this.luminance.stats;
  }

  /**
   * Encode what is stale for this mode: the proxy brackets (width × height)
   * when the brackets (key: their identity) or the size changed, then the
   * merge and its stats or the fusion. Returns the draft image.
   */
  encode(encoder: GPUCommandEncoder, mode: Mode, brackets: GPUTexture, exposures: GPUBuffer, key: string, width: number, height: number): GPUTexture {
    const k = `${key}|${width}|${height}`;
    if (k !== this.key || this.dirty.has('brackets') || !this.proxy.result) {
      this.key = k;
      this.proxy.bind(brackets, width, height);
      this.proxy.encode(encoder);
      this.runs.brackets++;
      this.dirty.delete('brackets');
      this.dirty.add('merge').add('fusion');
    }
    const proxy = this.proxy.result!;
    if (mode === 'fusion') {
      if (this.dirty.has('fusion') || !this.fusion.result) {
        this.fusion.bind(proxy);
        this.fusion.encode(encoder);
        this.runs.fusion++;
        this.dirty.delete('fusion');
      }
      return this.fusion.result!;
    }
    if (!this.radiance || this.radiance.width !== width || this.radiance.height !== height) {
      this.res.release(this.radiance);
      this.radiance = this.res.texture({
        label: 'draft.radiance',
        size: [width, height],
        format: 'rgba32float',
        usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
      });
      this.luminance.bind(this.radiance);
      this.dirty.add('merge');
    }
    if (this.dirty.has('merge')) {
      this.merge.bind(proxy, exposures, this.radiance);
      this.merge.encode(encoder);
      this.luminance.encode(encoder);
      this.runs.merge++;
      this.dirty.delete('merge');
    }
    return this.radiance;
  }

  /** Everything image-sized goes (new brackets); the passes and their small buffers stay. */
  release(): void {
    this.proxy.release();
    this.fusion.release();
    this.res.release(this.radiance);
    this.radiance = null;
    this.key = '';
    this.dirty.add('brackets').add('merge').add('fusion');
  }
}
