// Variable bit-width integers of Prometheus' native histogram chunks
// (varbit.go). A unary prefix of up to 8 one-bits selects the payload width.
//
// Numbers are JS doubles: exact for |v| <= 2^53. The 56/64-bit payloads are
// handled as (hi, lo) word pairs so no precision is lost below that limit.

import type { BitReader, BitWriter } from "./bstream.js";
import { TWO32, int64FromWords, int64Hi, int64Lo, uint64FromWords } from "./int64.js";

/** Payload width for a prefix of k one-bits (k = 0..8). */
const WIDTHS = [0, 3, 6, 9, 12, 18, 25, 56, 64] as const;

/** Consumes the unary prefix and returns the payload width it announces. */
function readPrefix(r: BitReader, what: string): number {
  const w = r.peek32();
  // Leading one-bits of the window, capped at 8 (the longest prefix).
  const ones = Math.min(Math.clz32(~w), 8);
  r.skip(ones === 8 ? 8 : ones + 1, what);
  return WIDTHS[ones];
}

export function readVarbitInt(r: BitReader, what: string): number {
  const width = readPrefix(r, what);
  if (width === 0) return 0;
  if (width <= 25) {
    const v = r.readBits(width, what);
    // Two's complement with range -(2^(w-1)-1) .. 2^(w-1).
    return v > 2 ** (width - 1) ? v - 2 ** width : v;
  }
  r.read64(width, what);
  let hi = r.hi;
  const lo = r.lo;
  if (width === 56) {
    // hi holds 24 bits; values above 2^55 are negative.
    if (hi > 0x800000 || (hi === 0x800000 && lo > 0)) hi -= 0x1000000;
    return hi * TWO32 + lo;
  }
  return int64FromWords(hi, lo);
}

export function readVarbitUint(r: BitReader, what: string): number {
  const width = readPrefix(r, what);
  if (width === 0) return 0;
  if (width <= 25) return r.readBits(width, what);
  r.read64(width, what);
  return uint64FromWords(r.hi, r.lo);
}

/** -(2^(n-1)-1) <= x <= 2^(n-1), Prometheus' bitRange. */
export function bitRange(x: number, n: number): boolean {
  const h = 2 ** (n - 1);
  return x >= 1 - h && x <= h;
}

function checkSafe(v: number, what: string): void {
  if (!Number.isSafeInteger(v)) throw new RangeError(`${what} must be a safe integer, got ${v}`);
}

/** Writes v (two's complement) in 56 or 64 bits. */
function writeWide(w: BitWriter, v: number, width: number): void {
  const hi = int64Hi(v);
  w.writeBits64(width === 56 ? hi & 0xffffff : hi, int64Lo(v), width);
}

export function writeVarbitInt(w: BitWriter, v: number): void {
  checkSafe(v, "varbit int");
  if (v === 0) {
    w.writeBit(0);
    return;
  }
  for (let k = 1; k <= 6; k++) {
    const width = WIDTHS[k];
    if (bitRange(v, width)) {
      // Prefix: k ones then a zero.
      w.writeBits(((1 << (k + 1)) - 2), k + 1);
      w.writeBits(v & ((1 << width) - 1), width);
      return;
    }
  }
  if (bitRange(v, 56)) {
    w.writeBits(0b11111110, 8);
    writeWide(w, v, 56);
  } else {
    w.writeBits(0b11111111, 8);
    writeWide(w, v, 64);
  }
}

export function writeVarbitUint(w: BitWriter, v: number): void {
  checkSafe(v, "varbit uint");
  if (v < 0) throw new RangeError(`varbit uint must not be negative, got ${v}`);
  if (v === 0) {
    w.writeBit(0);
    return;
  }
  for (let k = 1; k <= 6; k++) {
    const width = WIDTHS[k];
    if (v < 2 ** width) {
      w.writeBits(((1 << (k + 1)) - 2), k + 1);
      w.writeBits(v, width);
      return;
    }
  }
  if (v < 2 ** 56) {
    w.writeBits(0b11111110, 8);
    writeWide(w, v, 56);
  } else {
    w.writeBits(0b11111111, 8);
    writeWide(w, v, 64);
  }
}
