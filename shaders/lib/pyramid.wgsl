// Burt & Adelson 1983 pyramid sampling, shared by the pyramid passes, exposure
// fusion, local tone mapping and deghosting. 5-tap binomial kernel [1 4 6 4 1]/16, borders
// mirrored about the edge samples of the fine level (reflect-101, OpenCV's
// BORDER_REFLECT_101), so an edge pixel sees the image continue smoothly and
// leaves no border artefact; expand mirrors the same way (expand_index), which
// keeps a fusion of odd-sized images exactly symmetric under flips.
// Level l+1 of a w x h level is ((w+1)/2) x ((h+1)/2): odd sizes lose nothing.
// The CPU reference is src/engine/reference/pyramid.ts.
// Shaders call pyr_reduce / pyr_expand on a texture_2d and pyr_reduce_layer /
// pyr_expand_layer on one layer of a texture_2d_array: the same loops, as WGSL
// has no function generic over the texture type; no shader keeps its own copy.

const PYR_KERNEL = array<f32, 5>(0.0625, 0.25, 0.375, 0.25, 0.0625);

// Mirror index i into [0, n) about the edge samples (reflect-101).
fn reflect101(i: i32, n: i32) -> i32 {
  if (n == 1) {
    return 0;
  }
  var j = select(i, -i, i < 0);
  j = select(j, 2 * n - 2 - j, j >= n);
  return clamp(j, 0, n - 1);
}

// Reduce: the 5x5 binomial blur of `src` sampled at (2x, 2y).
fn pyr_reduce(src: texture_2d<f32>, p: vec2u) -> vec4f {
  let n = vec2i(textureDimensions(src));
  let c = vec2i(p) * 2;
  var sum = vec4f(0.0);
  for (var j = -2; j <= 2; j++) {
    let y = reflect101(c.y + j, n.y);
    var row = vec4f(0.0);
    for (var i = -2; i <= 2; i++) {
      row += PYR_KERNEL[i + 2] * textureLoad(src, vec2i(reflect101(c.x + i, n.x), y), 0);
    }
    sum += PYR_KERNEL[j + 2] * row;
  }
  return sum;
}

// pyr_reduce of layer `layer` of a 2d-array texture.
fn pyr_reduce_layer(src: texture_2d_array<f32>, p: vec2u, layer: u32) -> vec4f {
  let n = vec2i(textureDimensions(src));
  let c = vec2i(p) * 2;
  var sum = vec4f(0.0);
  for (var j = -2; j <= 2; j++) {
    let y = reflect101(c.y + j, n.y);
    var row = vec4f(0.0);
    for (var i = -2; i <= 2; i++) {
      row += PYR_KERNEL[i + 2] * textureLoad(src, vec2i(reflect101(c.x + i, n.x), y), layer, 0);
    }
    sum += PYR_KERNEL[j + 2] * row;
  }
  return sum;
}

// Coarse index j of an n-sample axis under a fine axis of `fine` samples: coarse
// j sits at fine 2j, mirrored outside about the fine edge samples, so j -> -j on
// the left and j -> fine - 1 - j on the right (reflect-101 of the coarse axis
// when fine is odd; the last coarse sample repeats when fine is even).
fn expand_index(j: i32, n: i32, fine: i32) -> i32 {
  var k = select(j, -j, j < 0);
  k = select(k, fine - 1 - k, k >= n);
  return clamp(k, 0, n - 1);
}

// The 1-D expand taps of fine index x: coarse indices (before mirroring) and weights.
// Even x = 2j: {j-1, j, j+1} weighted {1, 6, 1}/8; odd x = 2j+1: {j, j+1} weighted {1, 1}/2.
struct ExpandTaps {
  first: i32,
  w: vec3f,
}

fn expand_taps(x: i32) -> ExpandTaps {
  if ((x & 1) == 0) {
    return ExpandTaps(x / 2 - 1, vec3f(0.125, 0.75, 0.125));
  }
  return ExpandTaps((x - 1) / 2, vec3f(0.5, 0.5, 0.0));
}

// Expand: the coarse level `src` interpolated at pixel p of a fine level of
// size `fine` (twice the coarse size, or one less where the fine size is odd).
fn pyr_expand(src: texture_2d<f32>, p: vec2u, fine: vec2u) -> vec4f {
  let n = vec2i(textureDimensions(src));
  let f = vec2i(fine);
  let tx = expand_taps(i32(p.x));
  let ty = expand_taps(i32(p.y));
  var sum = vec4f(0.0);
  for (var j = 0; j < 3; j++) {
    if (ty.w[j] == 0.0) {
      continue;
    }
    let y = expand_index(ty.first + j, n.y, f.y);
    var row = vec4f(0.0);
    for (var i = 0; i < 3; i++) {
      if (tx.w[i] == 0.0) {
        continue;
      }
      row += tx.w[i] * textureLoad(src, vec2i(expand_index(tx.first + i, n.x, f.x), y), 0);
    }
    sum += ty.w[j] * row;
  }
  return sum;
}

// pyr_expand of layer `layer` of a 2d-array texture.
fn pyr_expand_layer(src: texture_2d_array<f32>, p: vec2u, fine: vec2u, layer: u32) -> vec4f {
  let n = vec2i(textureDimensions(src));
  let f = vec2i(fine);
  let tx = expand_taps(i32(p.x));
  let ty = expand_taps(i32(p.y));
  var sum = vec4f(0.0);
  for (var j = 0; j < 3; j++) {
    if (ty.w[j] == 0.0) {
      continue;
    }
    let y = expand_index(ty.first + j, n.y, f.y);
    var row = vec4f(0.0);
    for (var i = 0; i < 3; i++) {
      if (tx.w[i] == 0.0) {
        continue;
      }
      row += tx.w[i] * textureLoad(src, vec2i(expand_index(tx.first + i, n.x, f.x), y), layer, 0);
    }
    sum += ty.w[j] * row;
  }
  return sum;
}
