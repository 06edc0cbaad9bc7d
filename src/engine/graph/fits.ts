// Whether this machine can process a set at all, from its size alone (issue
// 15: "what is refused is what the machine cannot hold, said before
// decoding, with the numbers"). Any size opens; three things can still stop
// a set:
// - the decoded samples must fit the memory the host gives images (the
//   caller says how much: in the browser a share of navigator.deviceMemory);
// - each image must stay within the browser's canvas area (16384² pixels in
//   Chromium, Firefox and Safari alike), which JPEG and PNG encoding use;
// - even tiled, the costliest finish (fusion with local detail) must find a
//   tile plan within the GPU memory budget (graph/tiles.ts).
import { fitsMachine, gpuBudget, type MemoryLimits } from './budget';
import { finishFootprint } from './finish-footprint';
import { formatBytes } from './tiles';

/**
 * The memory a set's images may take on the host: three quarters of the
 * device's memory as the browser reports it (navigator.deviceMemory, in GB,
 * at most 8 in Chromium; 8 assumed where the browser does not say). The
 * decoded set must fit it (setFits), and what the tiled path keeps in CPU
 * memory fits in what the set leaves (Pipeline.setHostBudget).
 */
export function hostBytes(deviceMemoryGb: number | undefined): number {
  return 0.75 * (deviceMemoryGb ?? 8) * 2 ** 30;
}

/** hostBytes on this device (Node reports no deviceMemory: 8 GB assumed). */
export function deviceHostBytes(): number {
  return hostBytes((globalThis.navigator as { deviceMemory?: number } | undefined)?.deviceMemory);
}

/** The largest image the export's canvas encoders take: 16384 × 16384. */
export const MAX_IMAGE_PIXELS = 16384 * 16384;

export interface SetShape {
  readonly width: number;
  readonly height: number;
  /** Brackets; 1 for a radiance map. */
  readonly count: number;
  /** Decoded bytes per pixel of one image: 4 (8-bit RGBA), 8 (16-bit), 16 (a float radiance map). */
  readonly bytesPerPixel: number;
}

export type SetFit = { readonly ok: true } | { readonly ok: false; readonly message: string };

export interface FitChecks {
  /** The memory decoded images may take, in bytes (default: not checked). */
  readonly hostBytes?: number;
  /** Check the canvas area (default true; the engine alone, e.g. in Node, has no canvas). */
  readonly canvas?: boolean;
  /** The GPU memory budget set explicitly (default: from the limits, graph/budget.ts). */
  readonly budget?: number | null;
}

/** See the file header. */
export function setFits(set: SetShape, limits: MemoryLimits, checks: FitChecks = {}): SetFit {
  const { width, height, count, bytesPerPixel } = set;
  const { hostBytes = Infinity, canvas = true, budget = null } = checks;
  const pixels = width * height;
  const what = `${width}×${height} (${(pixels / 1e6).toFixed(1)} MP)`;
  if (canvas && pixels > MAX_IMAGE_PIXELS) {
    return { ok: false, message: `${what} is larger than the ${(MAX_IMAGE_PIXELS / 1e6).toFixed(0)} MP (16384×16384) a browser can encode as JPEG or PNG.` };
  }
  const decoded = pixels * bytesPerPixel * count;
  if (decoded > hostBytes) {
    const n = count === 1 ? 'the image takes' : `the ${count} images take`;
    return { ok: false, message: `${what}: decoded, ${n} ${formatBytes(decoded)} of memory; this device gives images about ${formatBytes(hostBytes)}.` };
  }
  const wide = bytesPerPixel === 8;
  const f = finishFootprint(width, height, count > 1 ? { count, wide } : null, count > 1 ? 'fusion' : 'merge', true);
  const fit = fitsMachine(width, height, count, 0, limits, gpuBudget(limits, budget ?? undefined), {
    sharedBytesPerPixel: f.bytesPerPixel,
    planeBytesPerPixel: 16,
    halo: f.halo,
    granularity: f.granularity,
    fixedBytes: f.fixedBytes,
  });
  return fit.ok ? { ok: true } : { ok: false, message: fit.message };
}
