// src/util/xxhash64.ts (non-BigInt XXH64) against published vectors and the
// BigInt reference implementation that ships with hyparquet.

import fc from "fast-check";
import { xxhash64 as reference } from "hyparquet/src/xxhash.js";
import { describe, expect, it } from "vitest";
import { xxhash64, xxhash64Into } from "../../src/util/xxhash64.js";

const enc = new TextEncoder();

describe("xxhash64", () => {
  it.each([
    ["", 0xef46db3751d8e999n],
    ["a", 0xd24ec4f1a98c6e5bn],
    ["as", 0x1c330fb2d66be179n],
    ["asd", 0x631c37ce72a97393n],
    ["asdf", 0x415872f599cea71en],
    ["abc", 0x44bc2cf5ad770999n],
    ["Call me Ishmael. Some years ago--never mind how long precisely-", 0x02a2e85470d6fd96n],
  ])("known vector %j", (s, want) => {
    expect(xxhash64(enc.encode(s))).toBe(want);
  });

  it("matches the reference for every length 0..300 (all code paths: stripes, 8/4/1-byte tails)", () => {
    for (let n = 0; n <= 300; n++) {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = (i * 131 + n * 7) & 255;
      expect(xxhash64(b)).toBe(reference(b));
    }
  });

  it("matches the reference on random data and seeds", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (b, seed) => {
        expect(xxhash64(b)).toBe(reference(b));
        expect(xxhash64(b, seed)).toBe(reference(b, seed));
      }),
      { numRuns: 300 },
    );
  });

  it("hashes a view (byteOffset) the same as a copy; xxhash64Into gives low/high halves", () => {
    const big = new Uint8Array(1000).map((_, i) => i * 17);
    const view = big.subarray(13, 613);
    const out = new Uint32Array(2);
    xxhash64Into(view, out);
    const h = reference(view.slice());
    expect(out[0]).toBe(Number(h & 0xffffffffn));
    expect(out[1]).toBe(Number(h >> 32n));
  });
});
