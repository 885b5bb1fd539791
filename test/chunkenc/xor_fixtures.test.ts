// Real Prometheus 2.42 chunks: every XOR chunk must decode and re-encode to the
// exact bytes Prometheus wrote.

import { describe, expect, test } from "vitest";
import { decodeXor, encodeXor, Encoding, XorEncoder, xorSampleCount } from "../../src/chunkenc/index.js";
import { fixtureSegment, readSegment, type RawChunk } from "./segment.js";

function xorChunks(fixture: string): RawChunk[] {
  return readSegment(fixtureSegment(fixture)).filter((c) => c.encoding === Encoding.XOR);
}

function words(v: Float64Array, i: number): [number, number] {
  const u = new Uint32Array(v.buffer, v.byteOffset + i * 8, 2);
  return [u[1], u[0]]; // [hi, lo] on little-endian hosts
}

function roundTripAll(chunks: RawChunk[]): { samples: number; mismatches: number[] } {
  let samples = 0;
  const mismatches: number[] = [];
  for (const c of chunks) {
    const s = decodeXor(c.data);
    expect(s.n).toBe(xorSampleCount(c.data));
    samples += s.n;
    const again = encodeXor(s.t, s.v, 0, s.n);
    if (Buffer.compare(Buffer.from(again), Buffer.from(c.data)) !== 0) mismatches.push(c.offset);
  }
  return { samples, mismatches };
}

describe("XOR chunks of real blocks", () => {
  test("1k-series block: all 4000 chunks decode and re-encode byte-identically", () => {
    const chunks = xorChunks("block-1k-2h");
    expect(chunks.length).toBe(4000);
    const { samples, mismatches } = roundTripAll(chunks);
    expect(mismatches).toEqual([]);
    expect(samples).toBe(480_000);
  });

  test("1k-series block: timestamps increase within each chunk and values are finite", () => {
    const bad: string[] = [];
    for (const c of xorChunks("block-1k-2h")) {
      const s = decodeXor(c.data);
      for (let i = 1; i < s.n; i++) if (!(s.t[i] > s.t[i - 1])) bad.push(`${c.offset}: t[${i}]`);
      for (let i = 0; i < s.n; i++) if (!Number.isFinite(s.v[i])) bad.push(`${c.offset}: v[${i}]`);
      // The block covers 2024-01-01T00:00Z..02:00Z.
      if (s.t[0] < 1704067200000 || s.t[s.n - 1] >= 1704067200000 + 2 * 3600 * 1000) bad.push(`${c.offset}: range`);
    }
    expect(bad).toEqual([]);
  });

  test("XorEncoder.append gives the same bytes as encodeXor", () => {
    for (const c of xorChunks("block-1k-2h").slice(0, 200)) {
      const s = decodeXor(c.data);
      const e = new XorEncoder();
      for (let i = 0; i < s.n; i++) e.append(s.t[i], s.v[i]);
      expect(e.numSamples).toBe(s.n);
      expect(Buffer.from(e.bytes()).equals(Buffer.from(c.data))).toBe(true);
    }
  });

  test("decoding into a reused buffer gives the same samples", () => {
    const chunks = xorChunks("block-1k-2h").slice(0, 50);
    const out = { n: 0, t: new Float64Array(4), v: new Float64Array(4) };
    for (const c of chunks) {
      const fresh = decodeXor(c.data);
      const reused = decodeXor(c.data, out);
      expect(reused).toBe(out);
      expect(reused.n).toBe(fresh.n);
      expect(Array.from(reused.t.subarray(0, reused.n))).toEqual(Array.from(fresh.t.subarray(0, fresh.n)));
      expect(Buffer.from(reused.v.buffer, 0, reused.n * 8).equals(Buffer.from(fresh.v.buffer, 0, fresh.n * 8))).toBe(true);
    }
  });

  test("native-histograms block: XOR chunks round-trip and hold exactly 4 StaleNaN markers", () => {
    const chunks = xorChunks("block-native-histograms");
    expect(chunks.length).toBe(13);
    const { mismatches } = roundTripAll(chunks);
    expect(mismatches).toEqual([]);
    let stale = 0;
    let otherNaN = 0;
    for (const c of chunks) {
      const s = decodeXor(c.data);
      for (let i = 0; i < s.n; i++) {
        const [hi, lo] = words(s.v, i);
        if (hi === 0x7ff00000 && lo === 0x00000002) stale++;
        else if (Number.isNaN(s.v[i])) otherNaN++;
      }
    }
    expect(stale).toBe(4);
    expect(otherNaN).toBe(0);
  });

  test("edge-values block: 1, NaN, +Inf, -0 with their exact bits and timestamps", () => {
    const chunks = xorChunks("block-edge-values");
    expect(chunks.length).toBe(1);
    const { mismatches } = roundTripAll(chunks);
    expect(mismatches).toEqual([]);
    const s = decodeXor(chunks[0].data);
    expect(s.n).toBe(4);
    expect(Array.from(s.t.subarray(0, 4))).toEqual([1704067200001, 1704067215500, 1704067230000, 1704067245000]);
    const bits = [0, 1, 2, 3].map((i) => words(s.v, i).map((w) => w.toString(16).padStart(8, "0")).join(""));
    // 1.0, Go's math.NaN() (what promtool parsed "NaN" into), +Inf, -0.
    expect(bits).toEqual(["3ff0000000000000", "7ff8000000000001", "7ff0000000000000", "8000000000000000"]);
  });
});
