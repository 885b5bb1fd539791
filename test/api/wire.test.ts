// The protobuf runtime and the generated codecs at byte level: the examples of
// the Thanos wire spec, 64-bit handling, packed fields, oneofs, unknown fields
// and malformed input.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Histogram, Sample } from "../../src/api/grpc/gen/store/storepb/prompb/types.js";
import { InfoResponse, StoreInfo } from "../../src/api/grpc/gen/info/infopb/rpc.js";
import { SeriesRequest, SeriesResponse } from "../../src/api/grpc/gen/store/storepb/rpc.js";
import { AggrChunk, Chunk, LabelMatcher, LabelMatcher_Type } from "../../src/api/grpc/gen/store/storepb/types.js";
import { Label } from "../../src/api/grpc/gen/store/labelpb/types.js";
import { fromBinary, int64Size, Reader, toBinary, WireError, Writer } from "../../src/api/grpc/wire.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("wire spec examples", () => {
  it("LabelMatcher{RE, a, b} and {EQ, a, b} (thanos-wire §1.9)", () => {
    expect(hex(toBinary(LabelMatcher, { type: LabelMatcher_Type.RE, name: "a", value: "b" }))).toBe("08021201611a0162");
    expect(hex(toBinary(LabelMatcher, { type: LabelMatcher_Type.EQ, name: "a", value: "b" }))).toBe("1201611a0162");
    expect(fromBinary(LabelMatcher, unhex("08021201611a0162"))).toEqual({ type: 2, name: "a", value: "b" });
  });

  it("field numbers of the messages the querier exchanges", () => {
    // SeriesRequest: min_time=1 max_time=2 matchers=3 max_resolution_window=4 aggregates=5 (packed)
    // partial_response_disabled=6 strategy=7 skip_chunks=8 without_replica_labels=14 limit=15 response_batch_size=16
    const b = toBinary(SeriesRequest, {
      minTime: 1,
      maxTime: 2,
      matchers: [{ name: "a" }],
      maxResolutionWindow: 3,
      aggregates: [1, 2],
      partialResponseDisabled: true,
      partialResponseStrategy: 1,
      skipChunks: true,
      queryHints: { stepMillis: 4 },
      shardInfo: { shardIndex: 5 },
      withoutReplicaLabels: ["r"],
      limit: 6,
      responseBatchSize: 64,
    });
    expect(hex(b)).toBe(
      "0801" + "1002" + "1a03120161" + "2003" + "2a020102" + "3001" + "3801" + "4001" + "62020804" + "6a020805" + "720172" + "7806" + "800140",
    );
    // StoreInfo: min_time=1 max_time=2 supports_sharding=3 (4 reserved) supports_without_replica_labels=5 tsdb_infos=6 supports_projections=7
    expect(
      hex(
        toBinary(StoreInfo, {
          minTime: 1,
          maxTime: 2,
          supportsSharding: true,
          supportsWithoutReplicaLabels: true,
          tsdbInfos: [{ minTime: 3 }],
          supportsProjections: true,
        }),
      ),
    ).toBe("0801" + "1002" + "1801" + "2801" + "32021003" + "3801");
    // InfoResponse: label_sets=1 ComponentType=2 store=3 ... query=8 status=9
    expect(hex(toBinary(InfoResponse, { labelSets: [{}], ComponentType: "store", store: {}, query: {}, status: {} }))).toBe(
      "0a00" + "1205" + Buffer.from("store").toString("hex") + "1a00" + "4200" + "4a00",
    );
    // SeriesResponse oneof: series=1 warning=2 hints=3 batch=4; an empty warning is still sent (oneof presence)
    expect(hex(toBinary(SeriesResponse, { result: { $case: "warning", warning: "" } }))).toBe("1200");
    expect(hex(toBinary(SeriesResponse, { result: { $case: "batch", batch: {} } }))).toBe("2200");
    // prometheus_copy.Sample: value=1 (double) timestamp=2
    expect(hex(toBinary(Sample, { value: 1, timestamp: 2 }))).toBe("09000000000000f03f" + "1002");
  });
});

describe("64-bit integers", () => {
  it("int64 saturates at the Go int64 range and rounds beyond 2^53 on decode", () => {
    expect(hex(toBinary(AggrChunk, { maxTime: 2 ** 63 }))).toBe("10ffffffffffffffff7f");
    expect(hex(toBinary(AggrChunk, { maxTime: Infinity }))).toBe("10ffffffffffffffff7f");
    expect(hex(toBinary(AggrChunk, { maxTime: Number.MAX_VALUE }))).toBe("10ffffffffffffffff7f");
    expect(hex(toBinary(AggrChunk, { minTime: -(2 ** 63) }))).toBe("0880808080808080808001");
    expect(hex(toBinary(AggrChunk, { minTime: -Infinity }))).toBe("0880808080808080808001");
    expect(hex(toBinary(AggrChunk, { minTime: -1 }))).toBe("08ffffffffffffffffff01");
    expect(fromBinary(AggrChunk, unhex("10ffffffffffffffff7f")).maxTime).toBe(2 ** 63);
    expect(fromBinary(AggrChunk, unhex("0880808080808080808001")).minTime).toBe(-(2 ** 63));
    expect(fromBinary(AggrChunk, unhex("08ffffffffffffffffff01")).minTime).toBe(-1);
    expect(int64Size(-1)).toBe(10);
    expect(int64Size(2 ** 63)).toBe(9);
  });

  it("int64 round-trips every safe integer", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(0, 2 ** 32, 2 ** 32 - 1, -(2 ** 32), 2 ** 53 - 1, -(2 ** 53) + 1)), (v) => {
        const b = toBinary(AggrChunk, { minTime: v, maxTime: v });
        const d = fromBinary(AggrChunk, b);
        expect(d.minTime).toBe(v);
        expect(d.maxTime).toBe(v);
        expect(b.length).toBe(v === 0 ? 0 : 2 * (1 + int64Size(v)));
      }),
    );
  });

  it("sint64/sint32 (zig-zag) round-trip", () => {
    fc.assert(
      fc.property(fc.array(fc.maxSafeInteger()), fc.integer(), (deltas, schema) => {
        const d = fromBinary(Histogram, toBinary(Histogram, { negativeDeltas: deltas, positiveDeltas: deltas, schema }));
        expect(d.negativeDeltas).toEqual(deltas);
        expect(d.positiveDeltas).toEqual(deltas);
        expect(d.schema).toBe(schema);
      }),
    );
    // zig-zag of -1 is 1, of 1 is 2
    expect(hex(toBinary(Histogram, { negativeDeltas: [-1, 1] }))).toBe("4a020102");
  });

  it("uint64 is an exact bigint (chunk hashes)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (h) => {
        expect(fromBinary(Chunk, toBinary(Chunk, { hash: h })).hash).toBe(h);
      }),
    );
    expect(hex(toBinary(Chunk, { hash: 2n ** 64n - 1n }))).toBe("18ffffffffffffffffff01");
  });
});

describe("fields", () => {
  it("decodes unpacked repeated scalars too", () => {
    // aggregates = 5 as three unpacked varints plus one packed run
    const b = unhex("2801 2802 2803 2a020405");
    expect(fromBinary(SeriesRequest, b).aggregates).toEqual([1, 2, 3, 4, 5]);
  });

  it("skips unknown fields of every wire type", () => {
    const label = toBinary(Label, { name: "n", value: "v" });
    const unknown = unhex("f807 2a" + "f907 0102030405060708" + "fa07 03 616263" + "fd07 01020304");
    const d = fromBinary(Label, Buffer.concat([unknown, label, unknown]));
    expect(d).toEqual({ name: "n", value: "v" });
  });

  it("a oneof keeps the last member seen", () => {
    const a = toBinary(SeriesResponse, { result: { $case: "warning", warning: "w" } });
    const b = toBinary(SeriesResponse, { result: { $case: "series", series: { labels: [{ name: "a", value: "b" }] } } });
    expect(fromBinary(SeriesResponse, Buffer.concat([a, b])).result?.$case).toBe("series");
    expect(fromBinary(SeriesResponse, Buffer.concat([b, a])).result).toEqual({ $case: "warning", warning: "w" });
  });

  it("strings: UTF-8, long values, nested length prefixes longer than one byte", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), fc.string({ maxLength: 300 }), (name, value) => {
        const m = { labels: [{ name, value }, { name: value, value: name }] };
        const d = fromBinary(SeriesResponse, toBinary(SeriesResponse, { result: { $case: "series", series: m } }));
        const want = (s: string): string => Buffer.from(s, "utf8").toString("utf8"); // lone surrogates become U+FFFD
        expect(d.result?.$case === "series" && d.result.series.labels).toEqual([
          { name: want(name), value: want(value) },
          { name: want(value), value: want(name) },
        ]);
      }),
    );
  });

  it("doubles keep their bits, including Prometheus' stale-marker NaN", () => {
    const stale = Buffer.from("7ff0000000000002", "hex").readDoubleBE(0);
    const b = toBinary(Sample, { value: stale, timestamp: 1 });
    expect(hex(b.subarray(0, 9))).toBe("09" + "020000000000f07f");
    const back = fromBinary(Sample, b).value;
    const bits = Buffer.alloc(8);
    bits.writeDoubleLE(back, 0);
    expect(hex(bits)).toBe("020000000000f07f");
  });

  it("Writer grows and moves fork()ed sections correctly", () => {
    const w = new Writer(1);
    const s = w.fork();
    w.raw(new Uint8Array(300).fill(7));
    w.ldelim(s);
    const out = w.finish();
    expect(hex(out.subarray(0, 2))).toBe("ac02");
    expect(out.length).toBe(302);
    expect(Buffer.from(new Reader(out).bytes()).equals(Buffer.alloc(300, 7))).toBe(true);
  });
});

describe("malformed input", () => {
  it("truncated messages, overruns and field 0 throw WireError", () => {
    expect(() => fromBinary(Label, unhex("0a05616263"))).toThrow(WireError);
    expect(() => fromBinary(Label, unhex("0a"))).toThrow(WireError);
    // a nested Label whose field runs past the Label's own length
    expect(() => fromBinary(SeriesRequest, unhex("1a02 1205 6161616161"))).toThrow(WireError);
    expect(() => fromBinary(Label, unhex("0001"))).toThrow(WireError);
    expect(() => fromBinary(Label, unhex("0f"))).toThrow(WireError);
    expect(() => fromBinary(Label, unhex("08ffffffffffffffffffffff01"))).toThrow(WireError);
  });
});
