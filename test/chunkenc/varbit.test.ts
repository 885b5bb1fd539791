// varbit ints/uints and the bit stream primitives underneath them.

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  BitReader,
  BitWriter,
  ChunkDecodeError,
  readVarbitInt,
  readVarbitUint,
  writeVarbitInt,
  writeVarbitUint,
} from "../../src/chunkenc/index.js";

/** Bits written by f, as a "0101…" string (header-less writer). */
function bitsOf(f: (w: BitWriter) => void): string {
  const w = new BitWriter(0);
  f(w);
  const bytes = w.bytes();
  return Array.from(bytes, (b) => b.toString(2).padStart(8, "0"))
    .join("")
    .slice(0, w.bitLength);
}

function readerOf(bits: string): BitReader {
  const padded = bits.padEnd(Math.ceil(bits.length / 8) * 8, "0");
  const bytes = new Uint8Array(padded.length / 8);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(padded.slice(i * 8, i * 8 + 8), 2);
  return new BitReader(bytes);
}

describe("varbit int", () => {
  // Boundaries of every bucket, from varbit.go's bitRange.
  const cases: [number, string][] = [
    [0, "0"],
    [1, "10001"],
    [4, "10100"],
    [-3, "10101"],
    [5, "110000101"],
    [-4, "110111100"],
    [32, "110100000"],
    [-31, "110100001"],
    [33, "1110000100001"],
    [256, "1110100000000"],
    [-255, "1110100000001"],
    [2048, "11110100000000000"],
    [-2047, "11110100000000001"],
  ];
  test.each(cases)("%d is written as %s", (v, bits) => {
    expect(bitsOf((w) => writeVarbitInt(w, v))).toBe(bits);
    expect(readVarbitInt(readerOf(bits), "test")).toBe(v);
  });

  test("bucket widths: 18, 25 and 56 bits", () => {
    expect(bitsOf((w) => writeVarbitInt(w, 2049)).length).toBe(6 + 18);
    expect(bitsOf((w) => writeVarbitInt(w, 131072)).length).toBe(6 + 18);
    expect(bitsOf((w) => writeVarbitInt(w, 131073)).length).toBe(7 + 25);
    expect(bitsOf((w) => writeVarbitInt(w, -16777215)).length).toBe(7 + 25);
    expect(bitsOf((w) => writeVarbitInt(w, 16777217)).length).toBe(8 + 56);
    expect(bitsOf((w) => writeVarbitInt(w, -(2 ** 53 - 1))).length).toBe(8 + 56);
  });

  test("56- and 64-bit payloads beyond 2^53 decode to the exact double when it exists", () => {
    // 56-bit: 2^55 is the largest positive value, -(2^55-1) the smallest.
    expect(readVarbitInt(readerOf("11111110" + "1" + "0".repeat(55)), "t")).toBe(2 ** 55);
    expect(readVarbitInt(readerOf("11111110" + "1" + "0".repeat(54) + "1"), "t")).toBe(-(2 ** 55 - 1));
    // 64-bit two's complement.
    expect(readVarbitInt(readerOf("11111111" + "1" + "0".repeat(63)), "t")).toBe(-(2 ** 63));
    expect(readVarbitInt(readerOf("11111111" + "0001" + "0".repeat(60)), "t")).toBe(2 ** 60);
    expect(readVarbitInt(readerOf("11111111" + "1".repeat(64)), "t")).toBe(-1);
    expect(readVarbitUint(readerOf("11111111" + "1" + "0".repeat(63)), "t")).toBe(2 ** 63);
    expect(readVarbitUint(readerOf("11111110" + "1".repeat(56)), "t")).toBe(2 ** 56 - 1);
  });

  test("round trip over all safe integers (property)", () => {
    const arb = fc.oneof(
      fc.integer({ min: -300, max: 300 }),
      fc.integer({ min: -(2 ** 26), max: 2 ** 26 }),
      fc.maxSafeInteger(),
      fc.maxSafeNat().map((x) => (x === 0 ? 0 : -x)),
    );
    fc.assert(
      fc.property(fc.array(arb, { minLength: 1, maxLength: 20 }), (vs) => {
        const w = new BitWriter(0);
        for (const v of vs) writeVarbitInt(w, v);
        const r = new BitReader(w.bytes());
        for (const v of vs) expect(readVarbitInt(r, "t")).toBe(v);
      }),
      { numRuns: 1000 },
    );
  });

  test("rejects values that are not safe integers", () => {
    expect(() => writeVarbitInt(new BitWriter(0), 2 ** 53)).toThrow(RangeError);
    expect(() => writeVarbitInt(new BitWriter(0), 0.5)).toThrow(RangeError);
  });
});

describe("varbit uint", () => {
  const cases: [number, number][] = [
    [0, 1],
    [7, 5],
    [8, 9],
    [63, 9],
    [64, 13],
    [511, 13],
    [4095, 17],
    [262143, 24],
    [262144, 32],
    [33554431, 32],
    [33554432, 64],
    [2 ** 53 - 1, 64],
  ];
  test.each(cases)("%d takes %d bits and round-trips", (v, n) => {
    const bits = bitsOf((w) => writeVarbitUint(w, v));
    expect(bits.length).toBe(n);
    expect(readVarbitUint(readerOf(bits), "t")).toBe(v);
  });

  test("counts above 2^32 keep full precision", () => {
    const vs = [2 ** 32, 2 ** 32 + 1, 2 ** 40 + 12345, 2 ** 53 - 1];
    const w = new BitWriter(0);
    for (const v of vs) writeVarbitUint(w, v);
    const r = new BitReader(w.bytes());
    expect(vs.map(() => readVarbitUint(r, "t"))).toEqual(vs);
  });

  test("rejects negative values", () => {
    expect(() => writeVarbitUint(new BitWriter(0), -1)).toThrow(RangeError);
  });
});

describe("bit stream", () => {
  test("reading past the end throws ChunkDecodeError naming the field and offset", () => {
    const r = new BitReader(new Uint8Array([0xff, 0x00]));
    expect(r.readBits(12, "a")).toBe(0xff0);
    expect(() => r.readBits(5, "the field")).toThrow(ChunkDecodeError);
    expect(() => r.readBits(5, "the field")).toThrow(/the field.*bit offset 12/);
    expect(r.readBits(4, "b")).toBe(0);
    expect(() => r.readBit("x")).toThrow(ChunkDecodeError);
    // A truncated varbit: prefix says 56 bits follow, only 8 do.
    expect(() => readVarbitInt(readerOf("11111110" + "1".repeat(8)), "bucket")).toThrow(/bucket/);
  });

  test("read64 returns hi/lo words at any alignment", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 1, max: 64 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (skip, n, bytes) => {
        const bits = Array.from(bytes, (b) => b.toString(2).padStart(8, "0")).join("");
        const r = new BitReader(bytes);
        r.pos = skip;
        r.read64(n, "t");
        const want = BigInt(`0b${bits.slice(skip, skip + n)}`);
        expect((BigInt(r.hi) << 32n) | BigInt(r.lo)).toBe(want);
        expect(r.pos).toBe(skip + n);
      }),
      { numRuns: 1000 },
    );
  });

  test("writer allocates bytes like Prometheus' bstream", () => {
    // A whole-byte write ending on a byte boundary leaves an extra zero byte.
    const a = new BitWriter(2);
    a.writeByte(0xab);
    expect(Array.from(a.bytes())).toEqual([0, 0, 0xab, 0]);
    a.writeBit(1);
    expect(Array.from(a.bytes())).toEqual([0, 0, 0xab, 0x80]);
    const b = new BitWriter(0);
    b.writeBits(0b101, 3);
    b.writeBits64(0x12345678, 0x9abcdef0, 64);
    expect(b.byteLength).toBe(9); // 67 bits
    b.writeBits(0b11111, 5);
    expect(b.byteLength).toBe(9); // 72 bits, last write not whole bytes: no extra byte
    b.writeBits(0xff, 8);
    expect(b.byteLength).toBe(10 + 1); // 80 bits ending in a whole-byte write
  });
});
