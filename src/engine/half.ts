// IEEE 754 binary16 ("half"): 16-bit brackets reach the GPU as rgba16float.
//
// A half has an 11-bit significand (10 stored + the implicit 1), so a value
// x = v / 65535 in [2^-14, 1] keeps a relative error of at most 2^-11
// (0.05 %) and below 2^-14 an absolute one of 2^-25 (subnormals). Against
// the integer grid: where x < 1/32 (v < 2048) the half is as fine as the
// 16-bit code or finer; in the top octave (x ≥ 1/2) it has 1024 steps where
// the integer has 32768, which is still 8 steps per 8-bit code there: a
// rounding error of at most 1/16 of an 8-bit code, against 1/2 for an 8-bit
// bracket.
// rgba16float is the only filterable 16-bit format of core WebGPU that
// fusion and the merge can read as texture_2d_array<f32> unchanged
// (rgba16unorm needs an optional feature, rgba16uint reads as integers,
// rgba32float doubles the memory).

/** Round half to even. */
function roundEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The binary16 bits nearest to x (round to nearest, ties to even); overflow gives ±Infinity, NaN a quiet NaN. */
export function halfBits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  // 65520 is halfway between 65504 (the largest half) and 65536: it and above round to infinity.
  if (a >= 65520) return sign | 0x7c00;
  // Subnormals (and zero) in units of 2^-24; 1024 of them carry into the smallest normal.
  if (a < 2 ** -14) return sign | roundEven(a * 2 ** 24);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  // a / 2^e is exact (a power-of-two scale), so is − 1 and × 1024: one rounding only.
  let m = roundEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

/** The value of binary16 bits. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

let unormTable: Uint16Array | null = null;

/** Half bits of v / 65535 for every 16-bit value v (made once, 128 KiB). */
export function unorm16HalfTable(): Uint16Array {
  if (!unormTable) {
    unormTable = new Uint16Array(65536);
    for (let v = 0; v < 65536; v++) unormTable[v] = halfBits(v / 65535);
  }
  return unormTable;
}

/** The value a 16-bit sample v has on the GPU: v / 65535 rounded to half. */
export function unorm16AsHalf(v: number): number {
  return halfToFloat(unorm16HalfTable()[v]!);
}
