// Malformed chunks: decoders must either decode something or throw
// ChunkDecodeError — never hang, and never leak RangeError/TypeError.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ChunkDecodeError, decodeChunkSamples, Encoding, chunkNumSamples } from "../../src/chunkenc/index.js";
import { fixtureSegment, readSegment } from "./segment.js";

interface Sample {
  encoding: number;
  data: Uint8Array;
}

function corpus(): Sample[] {
  const out: Sample[] = [];
  const real = readSegment(fixtureSegment("block-1k-2h"));
  // Every 40th chunk of the big block keeps the test fast but varied.
  for (let i = 0; i < real.length; i += 40) out.push(real[i]);
  out.push(...readSegment(fixtureSegment("block-native-histograms")));
  out.push(...readSegment(fixtureSegment("block-edge-values")));
  const golden = JSON.parse(readFileSync(new URL("./golden/prometheus-v2.42.json", import.meta.url), "utf8")) as {
    histograms: { chunk: string }[];
    float_histograms: { chunk: string }[];
  };
  for (const c of golden.histograms) out.push({ encoding: Encoding.Histogram, data: new Uint8Array(Buffer.from(c.chunk, "hex")) });
  for (const c of golden.float_histograms) {
    out.push({ encoding: Encoding.FloatHistogram, data: new Uint8Array(Buffer.from(c.chunk, "hex")) });
  }
  return out;
}

const chunks = corpus();

/** Decodes; returns "ok" or "decode-error", rethrows anything else. */
function tryDecode(encoding: number, data: Uint8Array): "ok" | "decode-error" {
  try {
    const d = decodeChunkSamples(encoding, data);
    const n = d.encoding === Encoding.XOR ? d.floats.n : d.encoding === Encoding.Histogram ? d.histograms.length : d.floatHistograms.length;
    // A successful decode yields exactly the announced number of samples.
    expect(n).toBe(chunkNumSamples(encoding, data));
    return "ok";
  } catch (e) {
    if (e instanceof ChunkDecodeError) return "decode-error";
    throw e;
  }
}

describe("corrupt chunks", () => {
  test("corpus has all three encodings", () => {
    const encs = new Set(chunks.map((c) => c.encoding));
    expect(encs).toEqual(new Set([Encoding.XOR, Encoding.Histogram, Encoding.FloatHistogram]));
  });

  test("every truncation throws ChunkDecodeError once real bits are missing", () => {
    let errors = 0;
    for (const c of chunks) {
      // All cut points of small chunks; for the big histogram chunks a spread plus the tail.
      const step = c.data.length > 400 ? 13 : 1;
      const lens = new Set<number>();
      for (let len = 0; len < c.data.length; len += step) lens.add(len);
      for (let len = Math.max(0, c.data.length - 16); len < c.data.length; len++) lens.add(len);
      for (const len of lens) {
        const r = tryDecode(c.encoding, c.data.subarray(0, len));
        // At most one trailing byte of a Prometheus chunk is unused padding.
        if (len < c.data.length - 1) expect(r, `encoding ${c.encoding}, ${len}/${c.data.length} bytes`).toBe("decode-error");
        if (r === "decode-error") errors++;
      }
    }
    expect(errors).toBeGreaterThan(5_000);
  });

  test("truncation errors name what was being read and where", () => {
    const xor = chunks.find((c) => c.encoding === Encoding.XOR)!;
    expect(() => decodeChunkSamples(Encoding.XOR, xor.data.subarray(0, 20))).toThrow(/reading (value|timestamp) of sample \d+ at bit offset \d+ \(need \d+ bits, \d+ left of 160\)/);
    expect(() => decodeChunkSamples(Encoding.XOR, xor.data.subarray(0, 1))).toThrow(ChunkDecodeError);
    const hist = chunks.find((c) => c.encoding === Encoding.Histogram)!;
    expect(() => decodeChunkSamples(Encoding.Histogram, hist.data.subarray(0, 4))).toThrow(/bit offset \d+/);
  });

  test("random byte flips decode or throw ChunkDecodeError (property)", () => {
    const mutation = fc.record({
      chunk: fc.integer({ min: 0, max: chunks.length - 1 }),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
    });
    const seen = { ok: 0, "decode-error": 0 };
    fc.assert(
      fc.property(mutation, ({ chunk, edits }) => {
        const c = chunks[chunk];
        const data = c.data.slice();
        for (const [at, v] of edits) data[at % data.length] ^= v || 1;
        seen[tryDecode(c.encoding, data)]++;
      }),
      { numRuns: 3000 },
    );
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen["decode-error"]).toBeGreaterThan(0);
  });

  test("random bytes and huge sample counts never hang or throw other errors (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(Encoding.XOR, Encoding.Histogram, Encoding.FloatHistogram),
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.boolean(),
        (encoding, data, maxCount) => {
          if (maxCount && data.length >= 2) data[0] = data[1] = 0xff;
          tryDecode(encoding, data);
        },
      ),
      { numRuns: 3000 },
    );
  });

  test("unknown encodings are a ChunkDecodeError", () => {
    expect(() => decodeChunkSamples(0x81, new Uint8Array([0, 0]))).toThrow(ChunkDecodeError);
    expect(() => decodeChunkSamples(4, new Uint8Array([0, 0]))).toThrow(/unsupported chunk encoding 4/);
  });
});
