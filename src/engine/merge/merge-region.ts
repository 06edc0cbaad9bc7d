// The merge as a region operator (issue 15): the radiance map over any
// rectangle, from the brackets' same rectangle (the merge reads one pixel of
// each bracket: footprint 0), uploaded from CPU memory tile by tile. The
// whole-image merge (passes/merge.ts bound to the uploaded set) stays the
// path for sets that fit; this one runs the same pass on a tile's upload, so
// a tile equals the whole-image merge's pixels over it. No deghosting: its
// weights are made on the whole image (a limit of the tiled path).
import { MergePass } from './passes/merge';
import type { ResponseLuts } from './response';
import type { Resources } from '../gpu/resources';
import { regionUsage, type BracketSource, type RegionSource } from '../graph/region-source';
import type { Rect } from '../graph/region';

export class MergeRegion implements RegionSource {
  readonly width: number;
  readonly height: number;
  private readonly pass: MergePass;
  private readonly exposures: GPUBuffer;

  constructor(
    private readonly device: GPUDevice,
    private readonly res: Resources,
    private readonly brackets: BracketSource,
  ) {
    this.width = brackets.width;
    this.height = brackets.height;
    this.pass = new MergePass(device, res);
    this.exposures = brackets.exposureBuffer();
  }

  setBlackLevel(black: number): void {
    this.pass.setBlackLevel(black);
  }

  setResponse(luts: ResponseLuts): void {
    this.pass.setResponse(luts);
  }

  /** New relative exposures (one per bracket, same order). */
  setExposures(exposures: readonly number[]): void {
    if (exposures.length !== this.brackets.count) throw new Error(`MergeRegion: ${exposures.length} exposures for ${this.brackets.count} brackets`);
    this.device.queue.writeBuffer(this.exposures, 0, new Float32Array(exposures));
  }

  prepare(): Promise<void> {
    return Promise.resolve();
  }

  produce(rect: Rect): Promise<GPUTexture> {
    const tile = this.brackets.upload(rect, 'merge-region.brackets');
    const out = this.res.texture({ label: 'merge-region.radiance', size: [rect.width, rect.height], format: 'rgba32float', usage: regionUsage() });
    this.pass.bind(tile, this.exposures, out, null);
    const encoder = this.device.createCommandEncoder({ label: 'merge-region' });
    this.pass.encode(encoder);
    this.device.queue.submit([encoder.finish()]);
    // Destroyed textures live on until the work submitted with them is done.
    this.res.release(tile);
    return Promise.resolve(out);
  }

  release(): void {
    this.res.release(this.exposures);
  }
}
