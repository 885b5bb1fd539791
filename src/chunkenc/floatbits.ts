// float64 <-> (hi, lo) uint32 words. Going through typed arrays keeps NaN
// payloads intact, which plain number arithmetic would not guarantee.

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

f64[0] = 1; // 0x3ff00000_00000000: the high word is the non-zero one
/** Index of the low / high 32-bit word of a float64 inside a Uint32Array view. */
export const LO = u32[0] === 0 ? 0 : 1;
export const HI = 1 - LO;

/** High 32 bits (sign, exponent, top of mantissa) of v, unsigned. */
export function hiBits(v: number): number {
  f64[0] = v;
  return u32[HI];
}

/** Low 32 bits of the mantissa of v, unsigned. */
export function loBits(v: number): number {
  f64[0] = v;
  return u32[LO];
}

export function fromBits(hi: number, lo: number): number {
  u32[HI] = hi;
  u32[LO] = lo;
  return f64[0];
}

/** A Uint32Array over the same memory as a Float64Array, for bit-exact writes. */
export function wordsOf(a: Float64Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
}
