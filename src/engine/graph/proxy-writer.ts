// The proxy graph's merge (or fusion) given by the full-size one (issue 15,
// "tiling must not cost more than 15 %"): a sweep that makes the full-size
// result tile by tile anyway (the merge's statistics, the fusion's settled
// picture) box-averages each tile by k into the proxy's texture as it goes
// (view/passes/proxy-down.ts), so the proxy graph need not merge or fuse its
// own box-averaged brackets. The preview at rest is then the export's
// picture, downsampled, as on the whole-image graph.
import type { ProxyDownPass } from '../view/passes/proxy-down';
import type { RegionSource } from './region-source';
import type { Rect } from './region';

/** Where a sweep writes the proxy: its texture (the image's size ÷ k, rounded up) and k. */
export interface ProxyTarget {
  readonly texture: GPUTexture;
  readonly k: number;
}

/** `inner`, whose every produced tile is also box-averaged into the proxy. Tiles' cores must be on multiples of k. */
export class ProxyWriter implements RegionSource {
  readonly width: number;
  readonly height: number;
  /** Pixels of the image written so far. */
  private written = 0;

  constructor(
    private readonly inner: RegionSource,
    private readonly pass: ProxyDownPass,
    private readonly target: ProxyTarget,
  ) {
    this.width = inner.width;
    this.height = inner.height;
    const { texture, k } = target;
    if (texture.width !== Math.ceil(this.width / k) || texture.height !== Math.ceil(this.height / k)) {
      throw new Error(`ProxyWriter: a ${texture.width}×${texture.height} proxy is not a ${this.width}×${this.height} image ÷ ${k}`);
    }
  }

  /** Every pixel of the proxy has been written (the sweep's tiles partition the image). */
  get complete(): boolean {
    return this.written === this.width * this.height;
  }

  prepare(): Promise<void> {
    return this.inner.prepare();
  }

  async produce(rect: Rect): Promise<GPUTexture> {
    const { k } = this.target;
    if (rect.x % k !== 0 || rect.y % k !== 0) throw new Error(`ProxyWriter: tile ${rect.x},${rect.y} is not on a multiple of ${k}`);
    const texture = await this.inner.produce(rect);
    this.pass.run(texture, rect, this.target.texture, this.target.k);
    this.written += rect.width * rect.height;
    return texture;
  }
}
