// Column names, windows, footer keys and cell encodings, checked against the
// bytes parquet-common's Go code produces (binary.PutUvarint / PutVarint).

import fc from "fast-check";
import { xxhash64 } from "hyparquet/src/xxhash.js";
import { describe, expect, it } from "vitest";
import {
  aggColumnName,
  aggFileColumns,
  ChunkCellError,
  chunksFileColumns,
  dataColumnName,
  decodeChunkCell,
  decodeColIndexes,
  decodeSeriesHash,
  encodeChunkCell,
  encodeColIndexes,
  encodeSeriesHash,
  footerKv,
  labelColumnName,
  labelsFileLayout,
  parseAggColumnName,
  parseDataColumnName,
  parseFooterKv,
  parseLabelColumnName,
  stableSeriesHash,
  windowBounds,
  windowCount,
  windowIndex,
  type CellChunk,
} from "../../src/parquet/schema.js";
import { compareUtf8 } from "../../src/parquet/compare.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const decodeAll = (cell: Uint8Array): CellChunk[] => [...decodeChunkCell(cell)];

describe("column names", () => {
  it("follows parquet-common's names", () => {
    expect(labelColumnName("__name__")).toBe("l___name__");
    expect(parseLabelColumnName("l___name__")).toBe("__name__");
    expect(parseLabelColumnName("l_")).toBeUndefined();
    expect(parseLabelColumnName("s_data_0")).toBeUndefined();
    expect(dataColumnName(0)).toBe("s_data_0");
    expect(dataColumnName(12)).toBe("s_data_12");
    expect(parseDataColumnName("s_data_12")).toBe(12);
    expect(parseDataColumnName("s_data_012")).toBeUndefined();
    expect(parseDataColumnName("s_data_x")).toBeUndefined();
    expect(aggColumnName("counter", 2)).toBe("s_counter_2");
    expect(parseAggColumnName("s_counter_2")).toEqual({ aggr: "counter", window: 2 });
    expect(parseAggColumnName("s_count_0")).toEqual({ aggr: "count", window: 0 });
    expect(parseAggColumnName("s_data_0")).toBeUndefined();
    expect(() => dataColumnName(-1)).toThrow(RangeError);
    expect(() => labelColumnName("")).toThrow(RangeError);
  });

  it("orders label columns by UTF-8 bytes, first, so s_col_indexes mean the same as in parquet-common", () => {
    const layout = labelsFileLayout(["job", "__name__", "\u{1F600}", "\uFFFD", "Zone", "job"]);
    expect(layout.labelNames).toEqual(["Zone", "__name__", "job", "\uFFFD", "\u{1F600}"]);
    expect(layout.columns.map((c) => c.name)).toEqual(["l_Zone", "l___name__", "l_job", "l_\uFFFD", "l_\u{1F600}", "s_col_indexes", "s_series_hash"]);
    expect(layout.columnIndexOf("job")).toBe(2);
    expect(() => layout.columnIndexOf("nope")).toThrow(/no column/);
    expect(layout.columns.slice(0, 5).every((c) => c.optional && c.encoding === "RLE_DICTIONARY" && c.type === "string" && c.statistics)).toBe(true);
    const [colIdx, hash] = layout.columns.slice(5);
    expect(colIdx).toMatchObject({ type: "binary", optional: false, encoding: "DELTA_BYTE_ARRAY", statistics: false });
    expect(hash).toMatchObject({ type: "binary", optional: false, encoding: "PLAIN", statistics: false });
  });

  it("compares strings in UTF-8 byte order", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        const want = Math.sign(Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));
        expect(Math.sign(compareUtf8(a, b))).toBe(want);
      }),
    );
  });

  it("lays out chunk and aggregate files", () => {
    expect(chunksFileColumns(3).map((c) => c.name)).toEqual(["s_data_0", "s_data_1", "s_data_2"]);
    expect(chunksFileColumns(1)[0]).toMatchObject({ type: "binary", optional: false, encoding: "DELTA_LENGTH_BYTE_ARRAY", statistics: false });
    const agg = aggFileColumns(2).map((c) => c.name);
    expect(agg).toEqual(["s_count_0", "s_count_1", "s_sum_0", "s_sum_1", "s_min_0", "s_min_1", "s_max_0", "s_max_1", "s_counter_0", "s_counter_1"]);
  });
});

describe("time windows", () => {
  const H8 = 8 * 3600_000;
  it("maps times to columns like parquet-common's DataColumIdx", () => {
    expect(windowIndex(1000, 1000, H8)).toBe(0);
    expect(windowIndex(1000 + H8 - 1, 1000, H8)).toBe(0);
    expect(windowIndex(1000 + H8, 1000, H8)).toBe(1);
    expect(windowIndex(0, 1000, H8)).toBe(0); // before minT: first column
    expect(windowIndex(1000 + 5 * H8, 1000, H8)).toBe(5); // not clamped
    expect(() => windowIndex(0, 0, 0)).toThrow(RangeError);
  });
  it("counts columns as the Builder does (maxT inclusive)", () => {
    expect(windowCount(0, 24 * 3600_000 - 1, H8)).toBe(3);
    expect(windowCount(0, 24 * 3600_000, H8)).toBe(4);
    expect(windowCount(5, 5, H8)).toBe(1);
    expect(windowBounds(2, 100, H8)).toEqual({ start: 100 + 2 * H8, end: 100 + 3 * H8 });
  });
});

describe("footer key-values", () => {
  it("writes parquet-common's keys and reads them back", () => {
    const kv = footerKv({ minT: -5, maxT: 86_399_999, dataColDurationMs: 28_800_000, kind: "agg-5m", sortBy: ["__name__", "job"], resolutionMs: 300_000 });
    expect(kv["minT"]).toBe("-5");
    expect(kv["maxT"]).toBe("86399999");
    expect(kv["data_col_duration_ms"]).toBe("28800000");
    expect(parseFooterKv(kv)).toEqual({
      minT: -5,
      maxT: 86_399_999,
      dataColDurationMs: 28_800_000,
      kind: "agg-5m",
      sortBy: ["__name__", "job"],
      resolutionMs: 300_000,
      formatVersion: 1,
    });
  });
  it("reads a parquet-common footer with defaults for our keys", () => {
    expect(parseFooterKv({ minT: "0", maxT: "100", data_col_duration_ms: "50" })).toMatchObject({ kind: "labels", sortBy: ["__name__"], resolutionMs: 0, formatVersion: 0 });
  });
  it("rejects broken footers clearly", () => {
    expect(() => parseFooterKv({ maxT: "1", data_col_duration_ms: "1" })).toThrow(/missing key minT/);
    expect(() => parseFooterKv({ minT: "x", maxT: "1", data_col_duration_ms: "1" })).toThrow(/not an integer/);
    expect(() => parseFooterKv({ minT: "0", maxT: "1", data_col_duration_ms: "0" })).toThrow(/duration/);
    expect(() => parseFooterKv({ minT: "0", maxT: "1", data_col_duration_ms: "1", "parquet_gateway.file_kind": "x" })).toThrow(/kind/);
  });
});

describe("s_col_indexes", () => {
  it("is Go binary.PutVarint (zigzag) of the count and the sorted indexes", () => {
    // PutVarint(3)=06, (0)=00, (2)=04, (5)=0a; (64)=8001
    expect(hex(encodeColIndexes([5, 0, 2]))).toBe("0600040a");
    expect(hex(encodeColIndexes([64]))).toBe("028001");
    expect(hex(encodeColIndexes([]))).toBe("00");
    expect(decodeColIndexes(Uint8Array.from([0x06, 0x00, 0x04, 0x0a]))).toEqual([0, 2, 5]);
  });
  it("round-trips", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat({ max: 40_000 }), { maxLength: 300 }), (idx) => {
        expect(decodeColIndexes(encodeColIndexes(idx))).toEqual([...idx].sort((a, b) => a - b));
      }),
    );
  });
  it("rejects malformed cells", () => {
    expect(() => decodeColIndexes(new Uint8Array(0))).toThrow(/truncated/);
    expect(() => decodeColIndexes(Uint8Array.from([0x06, 0x00]))).toThrow(/does not fit|truncated/);
    expect(() => decodeColIndexes(Uint8Array.from([0x01]))).toThrow(/count -1/);
    expect(() => decodeColIndexes(Uint8Array.from([0x02, 0x01]))).toThrow(/negative/);
    expect(() => decodeColIndexes(Uint8Array.from([0xfe, 0xff, 0xff, 0xff, 0x0f]))).toThrow(/does not fit/);
    expect(() => encodeColIndexes([-1])).toThrow(RangeError);
  });
});

describe("s_series_hash", () => {
  it("is 8 big-endian bytes", () => {
    expect(hex(encodeSeriesHash(0x0102030405060708n))).toBe("0102030405060708");
    expect(decodeSeriesHash(encodeSeriesHash(2n ** 64n - 1n))).toBe(2n ** 64n - 1n);
    expect(() => decodeSeriesHash(new Uint8Array(7))).toThrow(/8 bytes/);
    expect(() => encodeSeriesHash(-1n)).toThrow(RangeError);
  });
  it("hashes labels like Prometheus labels.StableHash", () => {
    // xxhash64 reference vectors.
    expect(xxhash64(new Uint8Array(0))).toBe(0xef46db3751d8e999n);
    expect(xxhash64(new TextEncoder().encode("abc"))).toBe(0x44bc2cf5ad770999n);
    expect(stableSeriesHash([])).toBe(0xef46db3751d8e999n);
    const bytes = Uint8Array.from([...Buffer.from("__name__"), 0xff, ...Buffer.from("up"), 0xff, ...Buffer.from("job"), 0xff, ...Buffer.from("\u00e9"), 0xff]);
    expect(
      stableSeriesHash([
        { name: "__name__", value: "up" },
        { name: "job", value: "\u00e9" },
      ]),
    ).toBe(xxhash64(bytes));
  });
});

describe("chunk cells", () => {
  it("matches parquet-common's header bytes: uvarint encoding, mint, maxt, len (no zigzag)", () => {
    const cell = encodeChunkCell([{ encoding: 1, minTime: 1000, maxTime: 2000, data: Uint8Array.from([7, 8, 9]) }]);
    expect(hex(cell)).toBe("01" + "e807" + "d00f" + "03" + "070809");
    // Go: binary.PutUvarint(uint64(int64(-1))) is ten bytes.
    const neg = encodeChunkCell([{ encoding: 2, minTime: -1, maxTime: 0, data: new Uint8Array(0) }]);
    expect(hex(neg)).toBe("02" + "ffffffffffffffffff01" + "00" + "00");
    expect(decodeAll(neg)).toEqual([{ encoding: 2, minTime: -1, maxTime: 0, data: new Uint8Array(0) }]);
    expect(encodeChunkCell([]).length).toBe(0);
    expect(decodeAll(new Uint8Array(0))).toEqual([]);
  });

  const chunkArb = fc
    .record({
      encoding: fc.integer({ min: 0, max: 255 }),
      a: fc.oneof(fc.integer({ min: -(2 ** 40), max: 2 ** 45 }), fc.constantFrom(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 0, -1)),
      d: fc.oneof(fc.nat({ max: 8 * 3600_000 }), fc.constant(0)),
      data: fc.uint8Array({ maxLength: 300 }),
    })
    .map(({ encoding, a, d, data }) => ({ encoding, minTime: a, maxTime: Math.min(a + d, Number.MAX_SAFE_INTEGER), data }));

  it("round-trips any chunk list, with data as views of the cell", () => {
    fc.assert(
      fc.property(fc.array(chunkArb, { maxLength: 8 }), (chunks) => {
        const cell = encodeChunkCell(chunks);
        const got = decodeAll(cell);
        expect(got.length).toBe(chunks.length);
        got.forEach((g, i) => {
          const w = chunks[i]!;
          expect([g.encoding, g.minTime, g.maxTime]).toEqual([w.encoding, w.minTime, w.maxTime]);
          expect(hex(g.data)).toBe(hex(w.data));
          expect(g.data.buffer).toBe(cell.buffer); // no copy
        });
      }),
    );
  });

  it("rejects every truncation that doesn't end on a chunk boundary", () => {
    fc.assert(
      fc.property(fc.array(chunkArb, { minLength: 1, maxLength: 4 }), (chunks) => {
        const cell = encodeChunkCell(chunks);
        const boundaries = new Set<number>([0]);
        let end = 0;
        for (const c of chunks) {
          end += encodeChunkCell([c]).length;
          boundaries.add(end);
        }
        for (let cut = 0; cut < cell.length; cut++) {
          const prefix = cell.subarray(0, cut);
          if (boundaries.has(cut)) expect(() => decodeAll(prefix)).not.toThrow();
          else expect(() => decodeAll(prefix)).toThrow(ChunkCellError);
        }
      }),
    );
  });

  it("fails fast, never hangs, on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          let total = 0;
          for (const c of decodeChunkCell(bytes)) total += c.data.length + 1;
          expect(total).toBeLessThanOrEqual(bytes.length);
        } catch (err) {
          expect(err).toBeInstanceOf(ChunkCellError);
        }
      }),
    );
  });

  it("explains malformed cells", () => {
    const ok = encodeChunkCell([{ encoding: 1, minTime: 10, maxTime: 20, data: new Uint8Array(50) }]);
    expect(() => decodeAll(ok.subarray(0, 20))).toThrow(/truncated chunk cell: chunk 0 at offset 0 declares 50 data bytes but only \d+ remain/);
    expect(() => decodeAll(Uint8Array.from([0x01, 0x80]))).toThrow(/chunk 0 header at offset 0: truncated chunk min time varint/);
    expect(() => decodeAll(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))).toThrow(/overflows 64 bits/);
    expect(() => decodeAll(Uint8Array.from([0x01, 0x05, 0x04, 0x00]))).toThrow(/minTime 5 after maxTime 4/);
    expect(() => decodeAll(Uint8Array.from([0x80, 0x02, 0x00, 0x00, 0x00]))).toThrow(/encoding 256/);
    // A time of 2^62 is a valid int64 but not a safe JS integer.
    expect(() => decodeAll(Uint8Array.from([0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x00, 0x00]))).toThrow(/safe integer/);
    // Chunks before a malformed one are still delivered.
    const two = new Uint8Array([...ok, 0x01]);
    const it = decodeChunkCell(two);
    expect(it.next().value).toMatchObject({ minTime: 10 });
    expect(() => it.next()).toThrow(ChunkCellError);
  });

  it("validates chunks on encode", () => {
    const d = new Uint8Array(1);
    expect(() => encodeChunkCell([{ encoding: 256, minTime: 0, maxTime: 0, data: d }])).toThrow(/encoding/);
    expect(() => encodeChunkCell([{ encoding: 1, minTime: 2, maxTime: 1, data: d }])).toThrow(/after maxTime/);
    expect(() => encodeChunkCell([{ encoding: 1, minTime: 0.5, maxTime: 1, data: d }])).toThrow(/safe integers/);
  });
});
