// What every tone-mapping operator of the CPU reference (./operators.ts,
// ./display.ts) shares: an RGB triple, the input cap and the f32-safe pow of
// shaders/lib/color.wgsl.

export type Rgb = readonly [number, number, number];

/** Inputs are capped here (f32 headroom for the squares and powers below). */
export const RADIANCE_MAX = 1e20;
/** Negative values are taken as 0, and values capped at RADIANCE_MAX. */
export const sanitise = (v: number): number => Math.min(RADIANCE_MAX, Math.max(0, v));

/** x^y for x >= 0, as the WGSL pow0 (shaders/lib/color.wgsl) computes it: x <= 0 → (y == 0 ? 1 : 0). */
export function powNonNeg(x: number, y: number): number {
  if (x <= 0) return y === 0 ? 1 : 0;
  return Math.pow(Math.max(x, 1e-30), y);
}
