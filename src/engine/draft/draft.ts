// Drafts: the merge or the fusion run on the proxy set (the brackets
// box-downsampled to canvas size, passes/proxy.ts) instead of full size.
// The pipeline shows a draft while the full-size result is stale and edits
// are still moving (a load, a drag of a fusion weight or of an exposure) and
// the full-size result once they pause, as it does for local detail; exports
// never read a draft. A draft is an approximation of the downsampled
// full-size result, not equal to it: the merge averages codes before the
// camera response, and the fusion's pyramid has fewer fine levels.
import { Fusion } from '../fusion/fusion';
import { LuminancePass } from '../luminance/passes/luminance';
import { MergePass } from '../merge/passes/merge';
import { ProxyPass } from './passes/proxy';
import type { Resources } from '../gpu/resources';
import type { Params } from '../params';
import type { ResponseLuts } from '../merge/response';
import type { Mode } from '../types';

// The scheduler (graph/operators.ts) decides when each part runs: the proxy
// brackets ('draftBrackets'), and from them the merge with its statistics
// ('draftMerge') or the fusion ('draftFusion').
export class Draft {
  private readonly proxy: ProxyPass;
  private readonly merge: MergePass;
  private readonly luminance: LuminancePass;
  private readonly fusion: Fusion;
  private radiance: GPUTexture | null = null;

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

  /** The proxy brackets: the brackets box-downsampled to width × height. */
  encodeBrackets(encoder: GPUCommandEncoder, brackets: GPUTexture, width: number, height: number): void {
    this.proxy.bind(brackets, width, height);
    this.proxy.encode(encoder);
  }

  /** The merge of the proxy brackets, and its statistics. */
  encodeMerge(encoder: GPUCommandEncoder, exposures: GPUBuffer): void {
    const proxy = this.proxy.result!;
    const { width, height } = proxy;
    if (!this.radiance || this.radiance.width !== width || this.radiance.height !== height) {
      this.res.release(this.radiance);
      this.radiance = this.res.texture({
        label: 'draft.radiance',
        size: [width, height],
        format: 'rgba32float',
        usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC,
      });
      this.luminance.bind(this.radiance);
    }
    this.merge.bind(proxy, exposures, this.radiance);
    this.merge.encode(encoder);
    this.luminance.encode(encoder);
  }

  /** The fusion of the proxy brackets. */
  encodeFusion(encoder: GPUCommandEncoder): void {
    this.fusion.bind(this.proxy.result!);
    this.fusion.encode(encoder);
  }

  /** The draft image of a mode, as last encoded. */
  image(mode: Mode): GPUTexture {
    const image = mode === 'fusion' ? this.fusion.result : this.radiance;
    if (!image) throw new Error(`draft: no ${mode} draft yet`);
    return image;
  }

  /** Everything image-sized goes (new brackets); the passes and their small buffers stay. */
  release(): void {
    this.proxy.release();
    this.fusion.release();
    this.res.release(this.radiance);
    this.radiance = null;
  }
}
