// The GPU memory budget and the "can this machine process this set at all"
// check that runs before any bracket is decoded (issue 15, "Any size").
//
// WebGPU does not say how much memory the GPU has; the only size hints are the
// limits. maxBufferSize is the one implementations scale with the device: on
// Metal it comes from MTLDevice.maxBufferLength, which grows with the device's
// memory (about 256 MiB on an iPhone 6, 750 MiB on an iPhone 8, 1 GiB on an
// iPad Pro; gpuweb/gpuweb#1371), while D3D12 and Vulkan adapters in Chromium
// report about 2 GiB, some 4 GiB (gpuweb#3700, #6338); the spec's baseline is
// 256 MiB. On iOS that value is already a third or more of the device's RAM
// (an iPhone 8 has 2 GiB), so the default budget is one maxBufferSize: the
// whole working set of a tile may be as large as the largest buffer the
// implementation admits, no larger. A baseline adapter gets 256 MiB (a tile
// of 2 MP at 128 B/px), an iPad-Pro-class one about 1 GiB.
// The result is capped at 2 GiB because going over the real memory does not
// fail with a catchable error: the browser loses the device (the page goes
// blank), and on integrated GPUs, phones and tablets the memory is shared with
// the system, the compositor and other tabs. Below the cap, bigger tiles only
// save halo overhead; past it they risk the device. maxStorageBufferBindingSize
// does not enter the budget; it caps each single buffer (maxBufferBytes). A
// caller (a setting, a test) may set the budget explicitly with gpuBudget.

import { formatBytes, planTiles, TilePlanError, type TilePlan } from './tiles';

/** The subset of GPUSupportedLimits the budget reads. */
export interface MemoryLimits {
  readonly maxBufferSize: number;
  readonly maxStorageBufferBindingSize: number;
  readonly maxTextureDimension2D: number;
}

/** The default budget's cap (see the file header). */
export const BUDGET_CAP_BYTES = 2 * 1024 ** 3;
/** The default budget as a multiple of maxBufferSize (see the file header). */
export const BUDGET_BUFFER_MULTIPLE = 1;
/** No budget below this is accepted (a 256×256 rgba32f tile with a few intermediates). */
export const MIN_BUDGET_BYTES = 16 * 1024 ** 2;

function checkLimits(fn: string, limits: MemoryLimits): void {
  for (const key of ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxTextureDimension2D'] as const) {
    const v = limits[key];
    if (!(Number.isFinite(v) && v > 0)) throw new Error(`${fn}: limit ${key} ${v} must be a positive number`);
  }
}

/** min(BUDGET_CAP_BYTES, BUDGET_BUFFER_MULTIPLE · maxBufferSize), at least MIN_BUDGET_BYTES. */
export function defaultGpuBudget(limits: MemoryLimits): number {
  checkLimits('defaultGpuBudget', limits);
  return Math.max(MIN_BUDGET_BYTES, Math.min(BUDGET_CAP_BYTES, BUDGET_BUFFER_MULTIPLE * limits.maxBufferSize));
}

/** The budget to use: `override` (bytes, >= MIN_BUDGET_BYTES) where given, else defaultGpuBudget(limits). */
export function gpuBudget(limits: MemoryLimits, override?: number): number {
  if (override === undefined) return defaultGpuBudget(limits);
  if (!(Number.isFinite(override) && override >= MIN_BUDGET_BYTES)) {
    throw new Error(`gpuBudget: ${override} bytes is not a usable budget (at least ${formatBytes(MIN_BUDGET_BYTES)})`);
  }
  return Math.floor(override);
}

/** The most bytes one buffer may hold on this device: a storage binding is capped by both limits. */
export function maxBufferBytes(limits: MemoryLimits): number {
  return Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
}

export interface FitOptions {
  /** Bytes per pixel the work holds whatever the bracket count (accumulators, the result). Default 0. */
  readonly sharedBytesPerPixel?: number;
  /** The largest single buffer, in bytes per pixel (an rgba32f plane: 16). Default: none checked. */
  readonly planeBytesPerPixel?: number;
  /** Halo and granularity of the tiled work (tiles.ts). Defaults 0 and 1. */
  readonly halo?: number;
  readonly granularity?: number;
  /** Bytes a tile holds whatever its size. Default 0. */
  readonly fixedBytes?: number;
}

export type FitResult =
  | {
      readonly ok: true;
      /** Bytes the work would hold on the whole image at once. */
      readonly neededBytes: number;
      readonly budgetBytes: number;
      /** The tiles (one where the whole image fits). */
      readonly plan: TilePlan;
    }
  | {
      readonly ok: false;
      readonly neededBytes: number;
      readonly budgetBytes: number;
      /** For the person: image size, megapixels, bracket count, memory needed and available. */
      readonly message: string;
    };

/**
 * Whether `brackets` images of width × height can be processed on this
 * device, tiled where needed, decided from the sizes alone (before decoding).
 * The work holds brackets · bytesPerPixel + sharedBytesPerPixel bytes per
 * pixel. Not ok when no tile plan fits (tiles.ts planTiles), with a message
 * naming the numbers.
 */
export function fitsMachine(width: number, height: number, brackets: number, bytesPerPixel: number, limits: MemoryLimits, budget: number, options: FitOptions = {}): FitResult {
  checkLimits('fitsMachine', limits);
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1)) throw new Error(`fitsMachine: bad image size ${width}×${height}`);
  if (!(Number.isInteger(brackets) && brackets >= 1)) throw new Error(`fitsMachine: bracket count ${brackets} must be an integer >= 1`);
  const perPixel = brackets * bytesPerPixel + (options.sharedBytesPerPixel ?? 0);
  const neededBytes = width * height * perPixel + (options.fixedBytes ?? 0);
  const plane = options.planeBytesPerPixel;
  try {
    const plan = planTiles({
      width,
      height,
      bytesPerPixel: perPixel,
      fixedBytes: options.fixedBytes ?? 0,
      halo: options.halo ?? 0,
      granularity: options.granularity ?? 1,
      budgetBytes: budget,
      maxTextureDimension2D: limits.maxTextureDimension2D,
      ...(plane === undefined ? {} : { planeBytesPerPixel: plane, maxBufferBytes: maxBufferBytes(limits) }),
    });
    return { ok: true, neededBytes, budgetBytes: budget, plan };
  } catch (e) {
    if (!(e instanceof TilePlanError)) throw e;
    const mp = ((width * height) / 1e6).toFixed(1);
    const message =
      `${width}×${height} (${mp} MP), ${brackets} bracket${brackets === 1 ? '' : 's'}: ` +
      `needs ${formatBytes(neededBytes)} of GPU memory at once, ${formatBytes(budget)} available, and even tiled it does not fit. ${e.message}`;
    return { ok: false, neededBytes, budgetBytes: budget, message };
  }
}
