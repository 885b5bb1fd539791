// The hand-written Series frame encoder must produce exactly the bytes the
// generated codecs produce for the equivalent SeriesResponse message.

import fc from "fast-check";
import { xxhash64 as referenceXxhash64 } from "hyparquet/src/xxhash.js";
import { describe, expect, it } from "vitest";
import { SeriesResponse } from "../../src/api/grpc/gen/store/storepb/rpc.js";
import type { AggrChunk, Chunk, Series } from "../../src/api/grpc/gen/store/storepb/types.js";
import { SeriesFrameEncoder } from "../../src/api/grpc/series_encoder.js";
import { fromBinary, toBinary, type Init } from "../../src/api/grpc/wire.js";
import type { Aggr, StoreChunk, StoreSeries } from "../../src/store/api.js";

const AGGRS: Aggr[] = ["count", "sum", "min", "max", "counter"];

function wireChunk(c: StoreChunk, hash: boolean): Init<Chunk> {
  return { type: c.encoding - 1, data: c.data, hash: hash ? referenceXxhash64(c.data) : 0n };
}

/** The Series message the encoder should produce, built with the generated types. */
function expected(s: StoreSeries, hash: boolean, skipChunks: boolean): Init<Series> {
  const chunks: (Init<AggrChunk> & { minTime: number; maxTime: number })[] = s.chunks.map((c) => ({
    minTime: c.minTime,
    maxTime: c.maxTime,
    raw: wireChunk(c, hash),
  }));
  if (s.aggrChunks && s.aggrChunks.length > 0) {
    for (const a of s.aggrChunks) {
      const ac: Init<AggrChunk> & { minTime: number; maxTime: number } = { minTime: a.minTime, maxTime: a.maxTime };
      for (const name of AGGRS) {
        const c = a.aggrs[name];
        if (c) ac[name] = wireChunk(c, hash);
      }
      chunks.push(ac);
    }
    if (s.chunks.length > 0) chunks.sort((x, y) => x.minTime - y.minTime || x.maxTime - y.maxTime);
  }
  return { labels: s.labels, chunks: skipChunks ? [] : chunks };
}

const chunkArb: fc.Arbitrary<StoreChunk> = fc.record({
  minTime: fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constant(0)),
  maxTime: fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constant(0)),
  encoding: fc.constantFrom(1, 2, 3),
  data: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 100, maxLength: 400 })),
});

const seriesArb: fc.Arbitrary<StoreSeries> = fc.record(
  {
    labels: fc.array(fc.record({ name: fc.string({ maxLength: 20 }), value: fc.string({ unit: "grapheme", maxLength: 150 }) }), { maxLength: 6 }),
    chunks: fc.array(chunkArb, { maxLength: 5 }),
    aggrChunks: fc.array(
      fc.record({
        minTime: fc.integer(),
        maxTime: fc.integer(),
        aggrs: fc.record(
          { count: chunkArb, sum: chunkArb, min: chunkArb, max: chunkArb, counter: chunkArb },
          { requiredKeys: [] },
        ),
      }),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: ["labels", "chunks"] },
);

describe("SeriesFrameEncoder", () => {
  it("series frames equal the generated encoding", () => {
    fc.assert(
      fc.property(seriesArb, fc.boolean(), fc.boolean(), (s, hash, skip) => {
        const enc = new SeriesFrameEncoder({ hashChunks: hash, skipChunks: skip });
        enc.add(s);
        const got = enc.seriesFrame();
        const want = toBinary(SeriesResponse, { result: { $case: "series", series: expected(s, hash, skip) } });
        expect(got.toString("hex")).toBe(want.toString("hex"));
      }),
      { numRuns: 300 },
    );
  });

  it("batch frames equal the generated encoding", () => {
    fc.assert(
      fc.property(fc.array(seriesArb, { minLength: 1, maxLength: 8 }), fc.boolean(), (ss, hash) => {
        const enc = new SeriesFrameEncoder({ hashChunks: hash });
        for (const s of ss) enc.add(s);
        expect(enc.pendingCount).toBe(ss.length);
        const got = enc.batchFrame();
        expect(enc.pendingCount).toBe(0);
        const want = toBinary(SeriesResponse, { result: { $case: "batch", batch: { series: ss.map((s) => expected(s, hash, false)) } } });
        expect(got.toString("hex")).toBe(want.toString("hex"));
        // and it decodes back
        const d = fromBinary(SeriesResponse, got);
        expect(d.result?.$case === "batch" && d.result.batch.series.length).toBe(ss.length);
      }),
      { numRuns: 150 },
    );
  });

  it("rejects an unknown chunk encoding", () => {
    const enc = new SeriesFrameEncoder();
    expect(() => enc.add({ labels: [], chunks: [{ minTime: 0, maxTime: 1, encoding: 0xff, data: new Uint8Array(1) }] })).toThrow(
      /unsupported Prometheus chunk encoding 255/,
    );
  });
});
