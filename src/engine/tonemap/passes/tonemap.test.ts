// The tone-mapping pass (shaders/tonemap/tonemap.wgsl + lib/operators.wgsl) against
// its CPU reference (reference/tonemap.ts), on the real GPU path in Node (npm
// `webgpu`: Dawn, on Chromium's SwiftShader where there is no GPU driver),
// with its uniform struct filled by field name (gpu/uniforms.ts).
//
// Then the claim of params.ts: a new slider on one operator is three places.
// A schema with one more tonemap param (pbrDesaturation, the Kd of Khronos
// PBR Neutral, a constant 0.15 in the shipped shader), the WGSL patched by
// string to carry it in struct ToneParams and read it in a test-only
// pbr_neutral, and its CPU reference (reference/display.ts pbrNeutral's
// desaturation): TonemapPass, gpu/uniforms.ts and params.ts are used as
// they are, and the value reaches the shader.
import { describe, expect, it } from 'vitest';
import colorLib from '../../../../shaders/lib/color.wgsl?raw';
import operatorsLib from '../../../../shaders/lib/operators.wgsl?raw';
import statsLib from '../../../../shaders/lib/stats.wgsl?raw';
import tonemapWgsl from '../../../../shaders/tonemap/tonemap.wgsl?raw';
import { nodeGpu } from '../../../cli/gpu';
import { readTexture } from '../../gpu/readback';
import { Resources } from '../../gpu/resources';
import { shaderSource } from '../../gpu/shader';
import { makeShaderDataDefinitions, makeStructuredView } from '../../gpu/uniforms';
import { OPERATOR_IDS, RATIO_OPERATORS } from '../operators';
import { defaultParams, PARAMS, type ParamSpec, type Params } from '../../params';
import { clamp, linearToSrgb } from '../../reference/color';
import { operatorStats, preExposure, type OperatorStats } from '../reference/operators';
import { pbrNeutral } from '../reference/display';
import type { Rgb } from '../reference/rgb';
import { rng } from '../../reference/random';
import { compressGamut, finishFusedImage, saturateRatio, tonemapImage } from '../reference/tonemap';
import type { FloatImage } from '../../types';
import { TonemapPass, type TonemapSource } from './tonemap';

const found = await nodeGpu().then(
  (g) => ({ gpu: g.gpu, reason: '' }),
  (err: unknown) => ({ gpu: null, reason: err instanceof Error ? err.message : String(err) }),
);
// Skip where no adapter can be had, but never in CI: there (Debian with the chromium package) it must run.
const skip = !found.gpu && !process.env.CI;

const [W, H] = [19, 11];
/** Display-encoded floats in [0, 1]: f32 against float64 through pow, log and exp (measured: up to 6.4e-6, AgX). */
const TOLERANCE = 1e-4;

/** Radiance over 2^-10 .. 2^10 with colour, a few pixels black, every fourth a saturated primary (out of gamut where bright: compress_gamut). */
function radiance(): FloatImage {
  const next = rng(11);
  const data = new Float32Array(W * H * 4);
  for (let i = 0; i < W * H; i++) {
    const l = 2 ** (next() * 20 - 10);
    for (let c = 0; c < 3; c++) data[i * 4 + c] = i % 37 === 0 ? 0 : l * (i % 4 === 1 ? (c === i % 3 ? 1.5 : 0.05) : 0.3 + next());
    data[i * 4 + 3] = 1;
  }
  return { width: W, height: H, data };
}

/** struct Stats of lib/stats.wgsl, filled by field name (as the luminance pass writes it). */
function statsBytes(s: OperatorStats): ArrayBuffer {
  const view = makeStructuredView(makeShaderDataDefinitions(shaderSource(tonemapWgsl, ['color', 'stats', 'operators'])).storages.stats!);
  view.set({ log_avg: s.logAvg, min_l: s.minL, max_l: s.maxL, mean_r: s.meanR, mean_g: s.meanG, mean_b: s.meanB });
  return view.arrayBuffer;
}

interface Rig {
  device: GPUDevice;
  res: Resources;
  img: FloatImage;
  stats: OperatorStats;
  /** Tone-map img with these params through a pass built from source: rgba32float, W × H × 4. */
  run(params: Readonly<Record<string, number>> & { toneOperator: number }, source?: TonemapSource, mode?: 'merge' | 'fusion'): Promise<Float32Array>;
  /** A fused image (sRGB-encoded, −0.1 … 1.6: what a fusion pushes past black and white included) in the same texture's place, for mode 'fusion'. */
  fused: FloatImage;
  /** A pass from this source, to see it refused. */
  make(source: TonemapSource): TonemapPass;
}

async function rig(): Promise<Rig> {
  const adapter = await found.gpu!.requestAdapter();
  const device = await adapter!.requestDevice();
  const res = new Resources(device);
  const img = radiance();
  const stats = operatorStats(img);
  const src = res.texture({ label: 'tonemap.test.src', size: [W, H], format: 'rgba32float', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
  device.queue.writeTexture({ texture: src }, img.data, { bytesPerRow: W * 16 }, [W, H]);
  const bytes = statsBytes(stats);
  const statsBuffer = res.buffer({ label: 'tonemap.test.stats', size: bytes.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(statsBuffer, 0, bytes);
  const dst = res.texture({ label: 'tonemap.test.dst', size: [W, H], format: 'rgba32float', usage: GPUTextureUsage.STORAGE_BINDING | GPUTextureUsage.COPY_SRC });
  const make = (source: TonemapSource) => new TonemapPass(device, res, 'tonemap.test', undefined, source);
  const passes = new Map<string, TonemapPass>();
  const next = rng(5);
  const fused: FloatImage = { width: W, height: H, data: img.data.map((_, i) => (i % 4 === 3 ? 1 : next() * 1.7 - 0.1)) };
  const fusedSrc = res.texture({ label: 'tonemap.test.fused', size: [W, H], format: 'rgba32float', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
  device.queue.writeTexture({ texture: fusedSrc }, fused.data, { bytesPerRow: W * 16 }, [W, H]);
  return {
    device,
    res,
    img,
    stats,
    make,
    fused,
    async run(params, source, mode = 'merge') {
      // A pass per source and mode: one bound to the other mode would be rebound, its variant recompiled.
      const key = `${mode}:${source ? 'patched' : 'shipped'}`;
      let pass = passes.get(key);
      if (!pass) passes.set(key, (pass = source ? make(source) : new TonemapPass(device, res, 'tonemap.test')));
      pass.bind(mode, mode === 'fusion' ? fusedSrc : src, statsBuffer, dst);
      pass.setParams(params);
      const encoder = device.createCommandEncoder();
      pass.encode(encoder);
      device.queue.submit([encoder.finish()]);
      return new Float32Array(await readTexture(device, dst, 16, 'tonemap.test'));
    },
  };
}

/** Largest difference over r, g, b. */
function worst(got: Float32Array, want: Float32Array): number {
  let d = 0;
  for (let i = 0; i < got.length; i++) if (i % 4 !== 3) d = Math.max(d, Math.abs((got[i] ?? NaN) - (want[i] ?? NaN)));
  return Number.isNaN(d) ? Infinity : d;
}

describe.skipIf(skip)('tonemap pass (Dawn in Node) against reference/tonemap.ts', { timeout: 120_000 }, () => {
  it('every operator, at the defaults and with every param moved, within 1e-4', async () => {
    const r = await rig();
    const moved: Params = {
      ...defaultParams(),
      key: 0.3,
      whitePoint: 3,
      rdIntensity: 1.5,
      rdContrast: 0.6,
      rdLightAdaptation: 0.4,
      rdChromaticAdaptation: 0.7,
      dragoBias: 0.7,
      agxLook: 1,
      exposure: 0.75,
      saturation: 1.3,
      gamma: 1.2,
    };
    const report: string[] = [];
    for (const [i, id] of OPERATOR_IDS.entries()) {
      for (const [name, p] of [
        ['defaults', defaultParams()],
        ['moved', moved],
      ] as const) {
        const params = { ...p, toneOperator: i };
        const d = worst(await r.run(params), tonemapImage(r.img, r.stats, params).data);
        report.push(`${id} ${name}: ${d.toExponential(1)}`);
        expect(d, `${id} ${name}`).toBeLessThan(TOLERANCE);
      }
    }
    // The moved params reach the shader: the two settings give other pictures.
    const defaults = await r.run({ ...defaultParams(), toneOperator: 4 });
    expect(worst(await r.run({ ...moved, toneOperator: 4 }), defaults)).toBeGreaterThan(0.05);
    console.info(`tonemap pass vs reference, largest difference: ${report.join(', ')}`);
    r.res.destroyAll();
    r.device.destroy();
  });

  it('fusion finishing with its highlight roll-off and shadow toe, against finishFusedImage within 1e-4', async () => {
    const r = await rig();
    const clipped = await r.run({ ...defaultParams(), toneOperator: 0 }, undefined, 'fusion');
    for (const p of [defaultParams(), { ...defaultParams(), fusedWhite: 1.6 }, { ...defaultParams(), fusedBlack: -0.04 }, { ...defaultParams(), fusedWhite: 3.5, fusedBlack: -0.3, exposure: -0.4, saturation: 1.3 }]) {
      const got = await r.run({ ...p, toneOperator: 0 }, undefined, 'fusion');
      expect(worst(got, finishFusedImage(r.fused, p).data), `fusedWhite ${p.fusedWhite}, fusedBlack ${p.fusedBlack}`).toBeLessThan(TOLERANCE);
    }
    // The roll-off reaches the shader: at white 2, what the fusion pushed over 1 is no longer clipped.
    const rolled = await r.run({ ...defaultParams(), fusedWhite: 2, toneOperator: 0 }, undefined, 'fusion');
    expect(worst(rolled, clipped)).toBeGreaterThan(0.03);
    // ... and the toe: at black −0.05, what it pushed under 0 is no longer black.
    expect(worst(await r.run({ ...defaultParams(), fusedBlack: -0.05, toneOperator: 0 }, undefined, 'fusion'), clipped)).toBeGreaterThan(0.01);
    r.res.destroyAll();
    r.device.destroy();
  });

  it('a new slider on one operator is three places: schema entry, WGSL, CPU reference', async () => {
    const r = await rig();
    // 1. The schema entry (params.ts), here a copy of PARAMS with one more param.
    const schema: Readonly<Record<string, ParamSpec>> = {
      ...PARAMS,
      pbrDesaturation: { label: 'Desaturation', min: 0, max: 1, step: 0.01, default: 0.15, pass: 'tonemap', cost: 'uniform', modes: ['merge'], operators: ['pbrNeutral'] },
    };
    // 2. The WGSL: the field in struct ToneParams (first, so every other field moves: nothing is positional) and an operator reading it.
    const patch = (text: string, from: string, to: string): string => {
      expect(text, `patch target ${from}`).toContain(from);
      return text.replace(from, to);
    };
    const wgsl = patch(tonemapWgsl, 'struct ToneParams {', 'struct ToneParams {\n  pbrDesaturation: f32,');
    let operators = patch(operatorsLib, 'fn pbr_neutral(c_in: vec3f) -> vec3f {', 'fn pbr_neutral(c_in: vec3f, p: ToneParams) -> vec3f {');
    operators = patch(operators, 'let kd = 0.15;', 'let kd = p.pbrDesaturation;');
    operators = patch(operators, 'mapped = pbr_neutral(c * pre);', 'mapped = pbr_neutral(c * pre, p);');
    const source: TonemapSource = { wgsl, schema, libs: [colorLib, statsLib, operators] };
    // 3. The CPU reference: PBR Neutral with its Kd from the param, then as reference/tonemap.ts tonemapPixel.
    const reference = (p: Params & { pbrDesaturation: number }): Float32Array => {
      const out = new Float32Array(W * H * 4);
      const k = preExposure(p.exposure, r.stats.logAvg);
      for (let i = 0; i < W * H; i++) {
        const x: Rgb = [r.img.data[i * 4]! * k, r.img.data[i * 4 + 1]! * k, r.img.data[i * 4 + 2]! * k];
        let c: Rgb = pbrNeutral(x, p.pbrDesaturation);
        expect(RATIO_OPERATORS).not.toContain('pbrNeutral');
        c = saturateRatio([Math.max(c[0], 0), Math.max(c[1], 0), Math.max(c[2], 0)], p.saturation);
        c = compressGamut([Math.max(c[0], 0), Math.max(c[1], 0), Math.max(c[2], 0)]);
        out.set([...c.map((v) => linearToSrgb(clamp(Math.pow(v, 1 / p.gamma), 0, 1))), 1], i * 4);
      }
      return out;
    };

    const pbr = OPERATOR_IDS.indexOf('pbrNeutral');
    const base = { ...defaultParams(), exposure: 1, toneOperator: pbr };
    const stock = await r.run(base);
    // At its default the new param changes nothing against the shipped shader.
    const atDefault = await r.run({ ...base, pbrDesaturation: 0.15 }, source);
    expect(worst(atDefault, stock)).toBeLessThan(1e-6);
    for (const kd of [0, 0.6, 1]) {
      const p = { ...base, pbrDesaturation: kd };
      const got = await r.run(p, source);
      const d = worst(got, reference(p));
      expect(d, `Kd ${kd} against the reference`).toBeLessThan(TOLERANCE);
      // ... and the value reached the shader: the picture moved as far as the reference says.
      const moved = worst(reference(p), reference({ ...p, pbrDesaturation: 0.15 }));
      expect(moved, `Kd ${kd} moves the reference`).toBeGreaterThan(0.01);
      expect(Math.abs(worst(got, stock) - moved), `Kd ${kd} moves the GPU as much`).toBeLessThan(TOLERANCE);
    }
    // Another operator ignores it.
    const aces = { ...base, toneOperator: OPERATOR_IDS.indexOf('aces') };
    expect(worst(await r.run({ ...aces, pbrDesaturation: 0.9 }, source), await r.run(aces))).toBeLessThan(1e-6);

    // The schema and the WGSL must agree: either one alone is refused when the pass is built.
    expect(() => r.make({ wgsl, schema: PARAMS, libs: [colorLib, statsLib, operators] })).toThrow(/pbrDesaturation/);
    expect(() => r.make({ wgsl: tonemapWgsl, schema })).toThrow(/pbrDesaturation/);
    // ... and a missing value is refused when the params are set.
    const pass = r.make(source);
    expect(() => pass.setParams(base)).toThrow(/pbrDesaturation/);
    r.res.destroyAll();
    r.device.destroy();
  });
});
