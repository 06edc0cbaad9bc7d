// The engine's instrumentation: what tests, benches and users' scripts read
// through `pipeline.debug`, kept off the engine's own face.
import type { Fusion, FusionPhase } from '../fusion/fusion';
import type { PresentPass } from '../present/passes/present';
import type { Stage } from './operators';
import type { Rect } from './region';

export interface PipelineDebug {
  /** How many times each operator has run (graph/operators.ts). */
  readonly runs: Readonly<Record<Stage, number>>;
  /** Draft parts run so far (proxy brackets, merges, fusions). */
  readonly draftRuns: Readonly<Record<'brackets' | 'merge' | 'fusion', number>>;
  /** The canvas as last presented (re-presented and copied back), with what present read. */
  readPresented(): ReturnType<PresentPass['readPresented']>;
  /** Fuse the current brackets again step by step, one submission per step: the GPU wall time of each phase (ms). */
  profileFusion(): Promise<Record<FusionPhase, number>>;
  /** The operators the next render would run, in order. */
  plan(opts?: { draft?: boolean }): Stage[];
  /** The tile cores of the last full-size tiled pass (export, radiance, zoomed view) of a set the whole-image graph does not take; null otherwise. */
  tiles(): readonly Rect[] | null;
}

/** Fuse brackets step by step, one submission per step, and return the GPU wall time of each phase (ms). For benchmarks only. */
export async function profileFusion(device: GPUDevice, fusion: Fusion, brackets: GPUTexture): Promise<Record<FusionPhase, number>> {
  fusion.bind(brackets);
  const times: Record<FusionPhase, number> = { weights: 0, pyramid: 0, blend: 0, collapse: 0 };
  for (const step of fusion.steps()) {
    const t0 = performance.now();
    const encoder = device.createCommandEncoder({ label: `profile.${step.phase}` });
    step.encode(encoder);
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    times[step.phase] += performance.now() - t0;
  }
  return times;
}
