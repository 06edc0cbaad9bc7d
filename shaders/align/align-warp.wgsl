// Resample every bracket into the reference frame: layer k of the output at
// pixel x is the bracket's bilinear sample at M_k x (pixel centres at integer
// coordinates, the sample clamped to the bracket's edge), interpolating the
// encoded values as the CPU reference does (src/engine/reference/align.ts,
// warpRgba8). Alpha is the coverage: 1 where M_k x lies inside the bracket,
// 0 outside. The identity copies a layer exactly. The output may be a crop:
// its pixel x is at x + origin in the reference frame, folded into M on the
// CPU (passes/align-warp.ts).

// The brackets (rgba8unorm or rgba16float: the pass swaps the output format to match).
@group(0) @binding(0) var brackets: texture_2d_array<f32>;
// Three rows (xyz used) of each layer's 3×3 matrix: bracket coordinates = M · (x, y, 1).
@group(0) @binding(1) var<storage, read> matrices: array<vec4f>;
// The warped brackets: the same layers, the brackets' size or a crop of it.
@group(0) @binding(2) var dst: texture_storage_2d_array<rgba8unorm, write>;

// Inside the bracket up to this far beyond its edge samples (as the reference).
const EDGE = 0.001;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let dims = textureDimensions(brackets);
  let out = textureDimensions(dst);
  if (id.x >= out.x || id.y >= out.y) {
    return;
  }
  let layer = id.z;
  let p = vec3f(f32(id.x), f32(id.y), 1.0);
  let d = dot(matrices[3u * layer + 2u].xyz, p);
  let u = vec2f(dot(matrices[3u * layer].xyz, p), dot(matrices[3u * layer + 1u].xyz, p)) / d;
  let lim = vec2f(dims - 1u);
  let inside = all(u >= vec2f(-EDGE)) && all(u <= lim + EDGE);
  let c = clamp(u, vec2f(0.0), lim);
  let q0 = vec2u(floor(c));
  let q1 = min(q0 + 1u, dims - 1u);
  let f = c - vec2f(q0);
  let a = textureLoad(brackets, q0, layer, 0).rgb;
  let b = textureLoad(brackets, vec2u(q1.x, q0.y), layer, 0).rgb;
  let e = textureLoad(brackets, vec2u(q0.x, q1.y), layer, 0).rgb;
  let g = textureLoad(brackets, q1, layer, 0).rgb;
  let v = (1.0 - f.y) * ((1.0 - f.x) * a + f.x * b) + f.y * ((1.0 - f.x) * e + f.x * g);
  textureStore(dst, id.xy, layer, vec4f(v, select(0.0, 1.0, inside)));
}
