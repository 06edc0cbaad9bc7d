// WebGPU in Node for the batch command: Dawn through the npm package `webgpu`
// (0.6.2), handed to createEngine({ gpu }). The engine is the browser's, WGSL
// and all; only where the adapter comes from differs.
//
// Finding an adapter on Linux (Dawn uses Vulkan there):
//  1. Dawn dlopens the Vulkan loader by name, libvulkan.so.1. Machines that
//     have Chromium but not Debian's libvulkan1 still have Chromium's copy,
//     so when the system has none that one is loaded first, by path, and kept
//     resident; glibc then hands it to Dawn's dlopen by its soname.
//  2. VK_ICD_FILENAMES (or VK_DRIVER_FILES) set by the user: used as it is.
//  3. Otherwise, where a Vulkan driver other than Mesa's lavapipe (which Dawn
//     refuses) is installed, it is tried first: a real GPU wins.
//  4. Failing that, and where Chromium's SwiftShader driver exists, the
//     command points VK_ICD_FILENAMES at it (the software adapter Chromium
//     itself uses headless) and tries again. We set it only when no real
//     adapter was found, so a machine with a GPU and Chromium uses the GPU.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GpuUnavailableError } from '../engine';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const CHROMIUM_VULKAN = '/usr/lib/chromium/libvulkan.so.1';
/** dlopen flags (Linux, glibc): RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE (Node 20 names only the first two). */
const DLOPEN_RESIDENT = 0x2 | 0x100 | 0x1000;

/**
 * Every GPU object create() returned, for the life of the process: when
 * one is garbage-collected, dawn.node crashes or hangs (stack-notes).
 */
const instances: GPU[] = [];

export interface NodeGpu {
  readonly gpu: GPU;
  /** How the adapter was found, for the log ('' when nothing was changed). */
  readonly how: string;
}

/** Load a Vulkan loader for Dawn: the system's, else Chromium's. Returns which, or null. */
function loadVulkanLoader(): string | null {
  for (const path of ['libvulkan.so.1', CHROMIUM_VULKAN]) {
    try {
      process.dlopen({ exports: {} }, path, DLOPEN_RESIDENT);
    } catch (err) {
      // It is a library, not a Node addon: "did not self-register" means it loaded (and stays, RTLD_NODELETE).
      if (err instanceof Error && /self-register/.test(err.message)) return path;
    }
  }
  return null;
}

/** Vulkan driver manifests the loader would find by itself, but lavapipe's. */
function installedVulkanDrivers(): string[] {
  const dirs = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
  for (const d of (process.env.XDG_DATA_DIRS ?? '').split(':').filter(Boolean)) dirs.push(join(d, 'vulkan/icd.d'));
  const found: string[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (f.endsWith('.json') && !/lvp|lavapipe/.test(f)) found.push(join(dir, f));
  }
  return found;
}

const HIGH: GPURequestAdapterOptions = { powerPreference: 'high-performance' };

async function tryCreate(create: (flags: string[]) => GPU): Promise<GPU | null> {
  const gpu = create([]);
  instances.push(gpu);
  return (await gpu.requestAdapter(HIGH)) ? gpu : null;
}

/** A GPU object with at least one adapter, or a GpuUnavailableError saying what to install. */
export async function nodeGpu(): Promise<NodeGpu> {
  const linux = process.platform === 'linux';
  const loader = linux ? loadVulkanLoader() : null;
  // Imported only now: the Vulkan loader must be in place before Dawn looks for it.
  const { create, globals } = await import('webgpu');
  // GPUBufferUsage, GPUTextureUsage, GPUMapMode…: the engine reads them as globals, as in a browser.
  Object.assign(globalThis, globals);
  const userSet = !!(process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES);
  const swiftshader = linux && existsSync(SWIFTSHADER_ICD);
  const via = loader === CHROMIUM_VULKAN ? " and Chromium's Vulkan loader" : '';
  if (!linux || userSet || installedVulkanDrivers().length > 0 || !swiftshader) {
    const gpu = await tryCreate(create);
    if (gpu) return { gpu, how: loader === CHROMIUM_VULKAN ? "no system libvulkan.so.1: using Chromium's Vulkan loader" : '' };
  }
  if (!userSet && swiftshader) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    const gpu = await tryCreate(create);
    if (gpu) return { gpu, how: `no GPU driver found: using Chromium's SwiftShader${via} (software; VK_ICD_FILENAMES=${SWIFTSHADER_ICD})` };
  }
  throw new GpuUnavailableError(
    linux
      ? userSet
        ? `No WebGPU adapter: Dawn found no usable Vulkan driver at VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES}. Check that path, or unset it to let hdr-batch find a driver.`
        : `No WebGPU adapter: Dawn found no usable Vulkan driver. Install your GPU's Vulkan driver, or Debian's chromium package for its software driver (${SWIFTSHADER_ICD}).`
      : 'No WebGPU adapter: Dawn found no usable GPU on this machine.',
  );
}
