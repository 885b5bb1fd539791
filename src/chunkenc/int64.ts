// 64-bit integers as (hi, lo) uint32 words, converted from/to JS numbers.
// Conversions are exact for safe integers (|v| <= 2^53 - 1).

export const TWO32 = 4294967296;

/** High word of the two's complement of v (signed int32). */
export function int64Hi(v: number): number {
  return Math.floor(v / TWO32) | 0;
}

/** Low word of the two's complement of v (unsigned). */
export function int64Lo(v: number): number {
  return (v - Math.floor(v / TWO32) * TWO32) >>> 0;
}

/** Words read as a signed int64. */
export function int64FromWords(hi: number, lo: number): number {
  return (hi | 0) * TWO32 + (lo >>> 0);
}

/** Words read as an unsigned int64. */
export function uint64FromWords(hi: number, lo: number): number {
  return (hi >>> 0) * TWO32 + (lo >>> 0);
}
