// A synthetic moving object for the deghosting tests, bench and quality
// runs: brackets of a radiance map through a camera curve, with and without an
// object pasted where it stands in each bracket, and a noise model
// (reference/deghost.ts is the weights' CPU reference).
import type { Bracket, FloatImage } from '../../types';
import type { CameraCurve, RadianceMap } from '../../reference/camera';
import type * as CameraModule from '../../reference/camera';
import { linearToSrgb } from '../../reference/color';
import { rng } from '../../reference/random';

export interface MovingObject {
  /** The object's radiance (RGBA float; alpha ignored), pasted as it is. */
  readonly patch: FloatImage;
  /** Its top-left corner in each bracket, or null where the bracket does not show it. */
  readonly positions: readonly (readonly [number, number] | null)[];
}

export interface GhostScene {
  /** The brackets without the object. */
  readonly clean: Bracket[];
  /** The same brackets, the object pasted into those with a position. */
  readonly ghosted: Bracket[];
  /** 1 where the object is in any bracket (its path), else 0. */
  readonly path: Uint8Array;
}

/** A w × h crop of a map at (x0, y0), scaled by `gain`. */
export function cropMap(map: FloatImage, x0: number, y0: number, w: number, h: number, gain = 1): FloatImage {
  const data = new Float32Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) data[(y * w + x) * 4 + c] = map.data[((y0 + y) * map.width + x0 + x) * 4 + c]! * gain;
      data[(y * w + x) * 4 + 3] = 1;
    }
  }
  return { width: w, height: h, data };
}

/**
 * The synthetic camera of ./camera.ts, passed in: the engine shares this
 * module's maths, so it must not import camera.ts (Node's fs) itself.
 */
export type Camera = Pick<typeof CameraModule, 'loadRadianceMap' | 'meter' | 'shootBrackets'>;

/** Brackets of `map` through `curves` at these exposures (camera.shootBrackets), with and without the object. */
export function movingObjectScene(camera: Camera, map: FloatImage, object: MovingObject, curves: readonly [CameraCurve, CameraCurve, CameraCurve], gain: number, exposures: readonly number[]): GhostScene {
  const { width, height } = map;
  const clean = camera.shootBrackets(map, curves, gain, exposures);
  const path = new Uint8Array(width * height);
  const ghosted = exposures.map((e, i) => {
    const at = object.positions[i];
    if (!at) return clean[i]!;
    const data = new Float32Array(map.data);
    const { patch } = object;
    for (let y = 0; y < patch.height; y++) {
      for (let x = 0; x < patch.width; x++) {
        const px = at[0] + x;
        const py = at[1] + y;
        if (px < 0 || py < 0 || px >= width || py >= height) continue;
        for (let c = 0; c < 3; c++) data[(py * width + px) * 4 + c] = patch.data[(y * patch.width + x) * 4 + c]!;
        path[py * width + px] = 1;
      }
    }
    return camera.shootBrackets({ width, height, data }, curves, gain, [e])[0]!;
  });
  return { clean, ghosted, path };
}

/**
 * The brackets with Gaussian noise of `sigma` codes added to every colour
 * sample that is not clipped (0 and 255 stay: a sensor clips after its noise),
 * rounded and clamped to 0..255; deterministic.
 */
export function addNoise(brackets: readonly Bracket[], sigma: number, seed: number): Bracket[] {
  const random = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return brackets.map((b) => {
    const pixels = new Uint8Array(b.pixels.length);
    for (let i = 0; i < pixels.length; i++) {
      const v = b.pixels[i]!;
      pixels[i] = i % 4 === 3 || v === 0 || v === 255 ? v : Math.min(255, Math.max(0, Math.round(v + sigma * gauss())));
    }
    return { ...b, pixels };
  });
}

/** Five exposures 2 stops apart, relative to the metered one (as response.test.ts). */
export const GHOST_EXPOSURES = [1 / 16, 1 / 4, 1, 4, 16] as const;
/** The moving object's size: a 24 × 18 crop from the middle of the other map. */
export const GHOST_PATCH = [24, 18] as const;

export interface GhostCase {
  /** The scene; the object comes from the other map. */
  readonly map: RadianceMap;
  /** Bright: the object's log-average at 4× the scene's key (2 stops up); dark: at 1/8 (3 stops down). */
  readonly kind: 'bright' | 'dark';
  /** The two brackets that show the object, and where (top-left corners). */
  readonly brackets: readonly [number, number];
  readonly positions: readonly [readonly [number, number], readonly [number, number]];
}

/** A bright object from the still life in brackets 1 and 3 of goldengate (about 4 % of the frame each; bracket 1 is the automatic reference). */
export const BRIGHT_OBJECT_CASE: GhostCase = {
  map: 'goldengate',
  kind: 'bright',
  brackets: [1, 3],
  positions: [
    [12, 10],
    [80, 50],
  ],
};

/**
 * A committed radiance map shot through the sRGB curve at GHOST_EXPOSURES
 * (metered to a key of 0.18), with a textured object from the other map
 * pasted into two brackets at two places.
 */
export function ghostScene(c: GhostCase, camera: Camera): GhostScene {
  const map = camera.loadRadianceMap(c.map);
  const other = camera.loadRadianceMap(c.map === 'goldengate' ? 'stilllife' : 'goldengate');
  const gain = camera.meter(map, 0.18);
  const [w, h] = GHOST_PATCH;
  const crop = cropMap(other, (other.width - w) >> 1, (other.height - h) >> 1, w, h);
  const key = c.kind === 'bright' ? 4 : 1 / 8;
  // meter(crop, k) scales the crop's log-average to k; the camera then multiplies by gain.
  const patch = cropMap(crop, 0, 0, w, h, camera.meter(crop, 0.18 * key) / gain);
  const positions: (readonly [number, number] | null)[] = GHOST_EXPOSURES.map(() => null);
  positions[c.brackets[0]] = c.positions[0];
  positions[c.brackets[1]] = c.positions[1];
  const srgb = [linearToSrgb, linearToSrgb, linearToSrgb] as const;
  return movingObjectScene(camera, map, { patch, positions }, srgb, gain, GHOST_EXPOSURES);
}
