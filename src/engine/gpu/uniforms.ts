// Uniform buffers filled by field name, with the layout reflected from the
// WGSL that declares them: the shader is the layout's source of truth, so
// offsets, padding and types are never packed by hand or by position.
//
// Why webgpu-utils (greggman, pinned 2.1.1): house-style.md §6 asks that
// "makeShaderDataDefinitions/makeStructuredView fill the buffers" and §3
// shows it doing exactly this (`defs.uniforms.x` → `view.set({...})` →
// writeBuffer). It is maintained, small, has no dependencies beyond its WGSL
// parser (wgsl_reflect), knows WGSL's alignment and size rules for every type
// (a vec3f after an f32, arrays of structs), and runs in the browser and in
// Node alike, so the unit tests reflect the same source the app compiles.
// Writing a WGSL struct parser of our own would be the duplicate §25 warns of.
// Its `set` silently ignores names the struct lacks; UniformBlock adds the
// strictness: an unknown or missing field throws.
import './reflect-globals';
import { makeShaderDataDefinitions, makeStructuredView, type StructuredView, type VariableDefinition } from 'webgpu-utils';
import type { Resources } from './resources';

/** webgpu-utils' reflection, for other uses (a storage struct): import it from here, so reflect-globals loads first. */
export { makeShaderDataDefinitions, makeStructuredView };

/** A field of a reflected uniform struct: its name and WGSL type ('f32', 'u32', 'vec4f', …). */
export interface UniformField {
  readonly name: string;
  readonly type: string;
}

/** Reflection is ~10-90 ms per shader: once per source text. */
const definitions = new Map<string, ReturnType<typeof makeShaderDataDefinitions>>();

/** The reflected definition of `var<uniform> variable` in source (the whole module: the pass's WGSL with its libs). */
export function uniformDefinition(source: string, variable: string): VariableDefinition {
  let defs = definitions.get(source);
  if (!defs) definitions.set(source, (defs = makeShaderDataDefinitions(source)));
  const def = defs.uniforms[variable];
  if (!def) throw new Error(`uniforms: no var<uniform> ${variable} (has ${Object.keys(defs.uniforms).join(', ') || 'none'})`);
  return def;
}

type StructDef = { fields: Record<string, { offset: number; type: { type?: string } }>; size: number };

function structOf(def: VariableDefinition, variable: string): StructDef {
  const t = def.typeDefinition as Partial<StructDef>;
  if (!t.fields) throw new Error(`uniforms: var<uniform> ${variable} is not a struct`);
  return t as StructDef;
}

/** The fields of the struct of `var<uniform> variable`, in offset order (nested structs and arrays show as type '?'). */
export function uniformFields(source: string, variable: string): UniformField[] {
  const { fields } = structOf(uniformDefinition(source, variable), variable);
  return Object.entries(fields)
    .sort((a, b) => a[1].offset - b[1].offset)
    .map(([name, f]) => ({ name, type: f.type.type ?? '?' }));
}

/** Padding fields (`pad`, `_pad0`, …) need no value. */
const isPadding = (name: string): boolean => /^_?pad\d*$/.test(name);

/** Integer fields take Math.round of the value; u32 saturates at 0 as WGSL's u32(f32) does (NaN → 0). */
function toField(type: string, v: number): number {
  if (type === 'u32') return Number.isFinite(v) ? Math.max(0, Math.round(v)) : 0;
  if (type === 'i32') return Number.isFinite(v) ? Math.round(v) : 0;
  return v;
}

/**
 * The bytes of `count` copies of a WGSL uniform struct, `stride` bytes apart
 * (256: WebGPU's default minUniformBufferOffsetAlignment, for bindings at an
 * offset), sized in multiples of 16. set() takes an object keyed by the WGSL
 * field names. No GPU: UniformBlock adds the buffer.
 */
export class UniformData {
  /** The struct's fields, in offset order. */
  readonly fields: readonly UniformField[];
  /** Bytes of one struct (what a binding of one copy spans). */
  readonly size: number;
  readonly data: ArrayBuffer;
  private readonly views: StructuredView[];
  private readonly types: Map<string, string>;

  constructor(
    readonly label: string,
    source: string,
    variable: string,
    readonly count = 1,
    readonly stride = 256,
  ) {
    const def = uniformDefinition(source, variable);
    const struct = structOf(def, variable);
    this.fields = uniformFields(source, variable);
    this.types = new Map(this.fields.map((f) => [f.name, f.type]));
    this.size = struct.size;
    if (count > 1 && stride < struct.size) throw new Error(`${label}: stride ${stride} < struct size ${struct.size}`);
    this.data = new ArrayBuffer(Math.ceil(((count - 1) * stride + struct.size) / 16) * 16);
    this.views = Array.from({ length: count }, (_, i) => makeStructuredView(def, this.data, i * stride));
  }

  /** Throws unless the struct has exactly these fields (padding aside), names and types, in any order. */
  expectFields(want: readonly UniformField[]): void {
    const key = (fs: readonly UniformField[]) =>
      fs
        .filter((f) => !isPadding(f.name))
        .map((f) => `${f.name}: ${f.type}`)
        .sort()
        .join(', ');
    if (key(want) !== key(this.fields)) throw new Error(`${this.label}: the WGSL struct has {${key(this.fields)}}, the schema {${key(want)}}`);
  }

  /** Copy `index`'s fields from values, keyed by WGSL field name: every field but padding, and nothing else. */
  set(values: Readonly<Record<string, number>>, index = 0): void {
    const view = this.views[index];
    if (!view) throw new Error(`${this.label}: no copy ${index} of ${this.count}`);
    for (const name of Object.keys(values)) if (!this.types.has(name)) throw new Error(`${this.label}: the struct has no field ${name}`);
    const out: Record<string, number> = {};
    for (const { name, type } of this.fields) {
      const v = values[name];
      if (v === undefined) {
        if (isPadding(name)) continue;
        throw new Error(`${this.label}: no value for field ${name}`);
      }
      out[name] = toField(type, v);
    }
    view.set(out);
  }
}

/** UniformData with its uniform buffer (made through Resources, so destroyAll() frees it). */
export class UniformBlock extends UniformData {
  readonly buffer: GPUBuffer;

  constructor(
    private readonly device: GPUDevice,
    res: Resources,
    label: string,
    source: string,
    variable: string,
    count = 1,
    stride = 256,
  ) {
    super(label, source, variable, count, stride);
    this.buffer = res.buffer({ label, size: this.data.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  }

  /** Upload every copy. */
  write(): void {
    this.device.queue.writeBuffer(this.buffer, 0, this.data);
  }
}
