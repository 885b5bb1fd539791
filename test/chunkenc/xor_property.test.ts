// Property: any increasing timestamps and any float64 bit patterns survive
// XorEncoder -> decodeXor bit for bit.

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { decodeXor, encodeXor, XorEncoder } from "../../src/chunkenc/index.js";

/** A float64 as [hi, lo] words, biased towards the values that matter. */
const valueWords: fc.Arbitrary<[number, number]> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff })) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<[number, number]>(
      [0x7ff00000, 0x00000002], // StaleNaN
      [0x7ff80000, 0x00000001], // Go math.NaN()
      [0x7ff80000, 0x00000000], // JS NaN
      [0xfff12345, 0x6789abcd], // negative NaN with payload
      [0x7ff00000, 0x00000000], // +Inf
      [0xfff00000, 0x00000000], // -Inf
      [0x00000000, 0x00000000], // +0
      [0x80000000, 0x00000000], // -0
      [0x00000000, 0x00000001], // smallest subnormal
      [0x3ff00000, 0x00000000], // 1
    ),
  },
  // Nearby doubles exercise the reuse-window ("10") path.
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 1000 }).map((i): [number, number] => [0x40590000, i]) },
);

/** Timestamp deltas spanning every dod bucket, including raw 64-bit jumps. */
const delta = fc.oneof(
  fc.constant(15000),
  fc.integer({ min: 14990, max: 15010 }),
  fc.integer({ min: 0, max: 20000 }),
  fc.integer({ min: 0, max: 600_000 }),
  fc.integer({ min: 0, max: 2 ** 20 + 5 }),
  fc.integer({ min: 0, max: 2 ** 40 }),
);

const series = fc.record({
  t0: fc.oneof(fc.integer({ min: -(2 ** 50), max: 2 ** 50 }), fc.constant(1704067200000)),
  deltas: fc.array(delta, { minLength: 0, maxLength: 200 }),
  values: fc.array(valueWords, { minLength: 1, maxLength: 201 }),
});

function words(v: Float64Array, i: number): [number, number] {
  const u = new Uint32Array(v.buffer, v.byteOffset + i * 8, 2);
  return [u[1], u[0]];
}

describe("XOR round trip (property)", () => {
  test("timestamps and value bits survive encode/decode", () => {
    fc.assert(
      fc.property(series, ({ t0, deltas, values }) => {
        const n = Math.min(deltas.length + 1, values.length);
        const enc = new XorEncoder();
        const ts: number[] = [];
        let t = t0;
        for (let i = 0; i < n; i++) {
          if (i > 0) t += deltas[i - 1];
          ts.push(t);
          enc.appendBits(t, values[i][0], values[i][1]);
        }
        const bytes = enc.bytes();
        const s = decodeXor(bytes);
        expect(s.n).toBe(n);
        for (let i = 0; i < n; i++) {
          expect(s.t[i]).toBe(ts[i]);
          expect(words(s.v, i)).toEqual([values[i][0] >>> 0, values[i][1] >>> 0]);
        }
        // encodeXor copies the decoded bits back into the very same chunk.
        expect(Buffer.from(encodeXor(s.t, s.v, 0, s.n)).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  test("decreasing timestamps (negative deltas and dods) also round-trip", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 45), max: 2 ** 45 }), { minLength: 1, maxLength: 50 }), (ts) => {
        const enc = new XorEncoder();
        ts.forEach((t, i) => enc.append(t, i));
        const s = decodeXor(enc.bytes());
        expect(Array.from(s.t.subarray(0, s.n))).toEqual(ts);
        expect(Array.from(s.v.subarray(0, s.n))).toEqual(ts.map((_, i) => i));
      }),
      { numRuns: 1000 },
    );
  });

  test("sub-ranges via encodeXor decode to the same slice", () => {
    fc.assert(
      fc.property(fc.array(valueWords, { minLength: 1, maxLength: 150 }), fc.nat(), fc.nat(), (vals, a, b) => {
        const n = vals.length;
        const t = Float64Array.from(vals, (_, i) => 1_700_000_000_000 + i * 15_000 + (i % 3));
        const v = new Float64Array(n);
        const u = new Uint32Array(v.buffer);
        vals.forEach(([hi, lo], i) => {
          u[2 * i + 1] = hi;
          u[2 * i] = lo;
        });
        const from = a % n;
        const to = from + (b % (n - from + 1));
        const s = decodeXor(encodeXor(t, v, from, to));
        expect(s.n).toBe(to - from);
        for (let i = 0; i < s.n; i++) {
          expect(s.t[i]).toBe(t[from + i]);
          expect(words(s.v, i)).toEqual(words(v, from + i));
        }
      }),
      { numRuns: 1000 },
    );
  });

  test("dod bucket boundaries use Prometheus' bit ranges and decode back", () => {
    // Bucket n holds -(2^(n-1)-1) .. 2^(n-1); the prefix plus payload sizes are 16, 20, 24, 68 bits.
    const cases: [number, number][] = [[0, 1]];
    for (const [n, size] of [[14, 16], [17, 20], [20, 24]] as const) {
      const h = 2 ** (n - 1);
      cases.push([h, size], [-(h - 1), size], [1, 16], [-1, 16]);
    }
    cases.push([2 ** 13 + 1, 20], [-(2 ** 13), 20], [2 ** 16 + 1, 24], [-(2 ** 16), 24]);
    cases.push([2 ** 19 + 1, 68], [-(2 ** 19), 68], [2 ** 40, 68], [-(2 ** 40), 68]);
    for (const [dod, dodBits] of cases) {
      const ts = [2 ** 41, 2 ** 41 + 1000, 2 ** 41 + 2000 + dod];
      const enc = new XorEncoder();
      for (const t of ts) enc.append(t, 0);
      const bytes = enc.bytes();
      // t0 varint (7 bytes: 2^41 zigzags to 2^42) + v0 + t1-t0 uvarint (2 bytes) + 1 bit + dod + 1 bit.
      expect(bytes.length, `dod ${dod}`).toBe(2 + Math.ceil((56 + 64 + 16 + 1 + dodBits + 1) / 8));
      expect(Array.from(decodeXor(bytes).t.subarray(0, 3)), `dod ${dod}`).toEqual(ts);
    }
  });

  test("encoder rejects non-integer timestamps and more than 65535 samples", () => {
    expect(() => new XorEncoder().append(1.5, 0)).toThrow(RangeError);
    expect(() => new XorEncoder().append(2 ** 60, 0)).toThrow(RangeError);
    const enc = new XorEncoder();
    for (let i = 0; i < 0xffff; i++) enc.append(i, 0);
    expect(() => enc.append(0xffff, 0)).toThrow(RangeError);
    expect(decodeXor(enc.bytes()).n).toBe(0xffff);
  });
});
