// Writer behaviour on small files: sinks and backpressure, uploads and their
// failures, input validation, row-group splitting, forced dictionaries and
// page indexes on tiny chunks.

import { Writable } from "node:stream";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parquetMetadata } from "hyparquet";
import { afterEach, describe, expect, it } from "vitest";
import type { Bucket } from "../../src/objstore/bucket.js";
import { openParquet, readColumnIndex, readColumnRows, readOffsetIndex } from "../../src/parquet/reader.js";
import { bucketUploadSink } from "../../src/parquet/sink.js";
import { createParquetStreamWriter, type ParquetColumnSpec } from "../../src/parquet/writer.js";
import { tempBucket } from "./helpers.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const SPECS: ParquetColumnSpec[] = [
  { name: "l_a", type: "string", optional: true, encoding: "RLE_DICTIONARY", statistics: true },
  { name: "blob", type: "binary", optional: false, encoding: "DELTA_LENGTH_BYTE_ARRAY", statistics: false },
];

function rows(n: number, offset = 0): { l_a: (string | null)[]; blob: Uint8Array[] } {
  return {
    l_a: Array.from({ length: n }, (_, i) => ((i + offset) % 7 === 0 ? null : `value-${i + offset}`)),
    blob: Array.from({ length: n }, (_, i) => new Uint8Array(64).fill((i + offset) % 251)),
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function bucket(): Promise<Bucket> {
  const env = await tempBucket();
  cleanups.push(env.cleanup);
  return env.bucket;
}

describe("sinks", () => {
  it("emits the whole file, in order, to a function sink", async () => {
    const parts: Uint8Array[] = [];
    const w = createParquetStreamWriter({ columns: SPECS, kv: { k: "v" }, sink: (c) => void parts.push(c) });
    await w.writeRowGroup(rows(1000));
    const result = await w.finish();
    const file = concat(parts);
    expect(file.length).toBe(result.bytes);
    expect(Buffer.from(file.subarray(0, 4)).toString()).toBe("PAR1");
    const meta = parquetMetadata(file);
    expect(Number(meta.num_rows)).toBe(1000);
    expect(meta.key_value_metadata).toEqual([{ key: "k", value: "v" }]);
  });

  it("waits for an async sink before going on", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let received = 0;
    const w = createParquetStreamWriter({
      columns: SPECS,
      kv: {},
      pageSizeBytes: 1024,
      sink: async (c) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 1));
        received += c.length;
        inFlight--;
      },
    });
    await w.writeRowGroup(rows(20_000));
    expect(received).toBe(w.bytesWritten); // resolved only after the sink took everything
    await w.finish();
    expect(maxInFlight).toBe(1);
  });

  it("respects a Writable's backpressure and ends it", async () => {
    const parts: Uint8Array[] = [];
    let maxBuffered = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _enc, cb) {
        parts.push(new Uint8Array(chunk));
        setTimeout(cb, 1);
      },
    });
    const w = createParquetStreamWriter({ columns: SPECS, kv: {}, sink: slow, rowGroupRows: 5000 });
    for (let g = 0; g < 4; g++) {
      await w.writeRowGroup(rows(5000, g * 5000));
      maxBuffered = Math.max(maxBuffered, slow.writableLength);
    }
    const result = await w.finish();
    expect(slow.writableFinished).toBe(true);
    expect(concat(parts).length).toBe(result.bytes);
    // When a row group resolves, at most one spilled buffer (≤ 1 MiB) is still queued.
    expect(maxBuffered).toBeLessThanOrEqual(1 << 20);
  });

  it("streams into Bucket.upload", async () => {
    const b = await bucket();
    const { sink, done } = bucketUploadSink(b, "x/1.parquet");
    const w = createParquetStreamWriter({ columns: SPECS, kv: {}, sink });
    await w.writeRowGroup(rows(3000));
    await w.finish();
    await done;
    const f = await openParquet(b, "x/1.parquet");
    expect(await readColumnRows(f, "l_a", 0, 3)).toEqual([null, "value-1", "value-2"]);
  });

  it("fails instead of hanging when the upload fails, and never commits an object", async () => {
    const b = await bucket();
    const failing: Bucket = Object.create(b) as Bucket;
    failing.upload = async () => {
      throw new Error("upload refused");
    };
    const { sink, done } = bucketUploadSink(failing, "x/2.parquet");
    const w = createParquetStreamWriter({ columns: SPECS, kv: {}, sink });
    await expect(
      (async () => {
        for (let g = 0; g < 50; g++) await w.writeRowGroup(rows(2000, g));
        await w.finish();
      })(),
    ).rejects.toThrow(/upload refused|closed/);
    await expect(done).rejects.toThrow("upload refused");
    expect(await b.exists("x/2.parquet")).toBe(false);
  });

  it("abort() makes the upload fail", async () => {
    const b = await bucket();
    const { sink, done } = bucketUploadSink(b, "x/3.parquet");
    const w = createParquetStreamWriter({ columns: SPECS, kv: {}, sink });
    await w.writeRowGroup(rows(100));
    w.abort(new Error("changed my mind"));
    await expect(done).rejects.toThrow();
    expect(await b.exists("x/3.parquet")).toBe(false);
    await expect(w.finish()).rejects.toThrow(/failed/);
  });
});

describe("input and layout", () => {
  it("rejects bad batches clearly and stays usable", async () => {
    const parts: Uint8Array[] = [];
    const w = createParquetStreamWriter({ columns: SPECS, kv: {}, sink: (c) => void parts.push(c) });
    await expect(w.writeRowGroup({ l_a: ["x"] })).rejects.toThrow(/column blob is missing/);
    await expect(w.writeRowGroup({ l_a: ["x"], blob: [] })).rejects.toThrow(/blob has 0 rows, expected 1/);
    await expect(w.writeRowGroup({ l_a: ["x"], blob: [null] })).rejects.toThrow(/blob is required but row 0 is null/);
    await expect(w.writeRowGroup({ l_a: [new Uint8Array(1)], blob: [new Uint8Array(1)] })).rejects.toThrow(/l_a row 0: expected string/);
    await expect(w.writeRowGroup({ l_a: ["x"], blob: [new Uint8Array(1)], extra: ["y"] })).rejects.toThrow(/extra is not in the schema/);
    await w.writeRowGroup(rows(10));
    await w.finish();
    expect(Number(parquetMetadata(concat(parts)).num_rows)).toBe(10);
    expect(() => createParquetStreamWriter({ columns: SPECS, kv: {}, sink: () => {}, statisticsTruncateLength: 16 })).toThrow(/≥ 64/);
    expect(() => createParquetStreamWriter({ columns: SPECS, kv: {}, sink: () => {}, sortingColumns: [{ column: "nope" }] })).toThrow(/nope/);
    expect(() => createParquetStreamWriter({ columns: [...SPECS, SPECS[0]!], kv: {}, sink: () => {} })).toThrow(/duplicate/);
  });

  it("splits a large batch into row groups of rowGroupRows", async () => {
    const parts: Uint8Array[] = [];
    const w = createParquetStreamWriter({ columns: SPECS, kv: {}, sink: (c) => void parts.push(c), rowGroupRows: 100 });
    await w.writeRowGroup(rows(250));
    await w.writeRowGroup(rows(0));
    const result = await w.finish();
    expect(result).toMatchObject({ rows: 250, rowGroups: 3 });
    expect(parquetMetadata(concat(parts)).row_groups.map((g) => Number(g.num_rows))).toEqual([100, 100, 50]);
  });

  it("keeps a dictionary for all-distinct values, and indexes single-row chunks", async () => {
    const b = await bucket();
    const { sink, done } = bucketUploadSink(b, "x/4.parquet");
    const w = createParquetStreamWriter({ columns: SPECS, kv: {}, sink, sortingColumns: [{ column: "l_a" }] });
    const distinct = Array.from({ length: 5000 }, (_, i) => `unique-${i}-${"x".repeat(i % 50)}`);
    await w.writeRowGroup({ l_a: distinct, blob: distinct.map(() => new Uint8Array(3)) });
    await w.writeRowGroup({ l_a: [null], blob: [new Uint8Array(0)] });
    await w.finish();
    await done;
    const f = await openParquet(b, "x/4.parquet");
    const m0 = f.chunk(0, "l_a").meta_data!;
    expect(m0.encodings).toContain("RLE_DICTIONARY");
    expect(m0.dictionary_page_offset).toBeTypeOf("bigint");
    for (const col of ["l_a", "blob"]) {
      const oi = (await readOffsetIndex(f, 1, col))!;
      const ci = (await readColumnIndex(f, 1, col))!;
      expect(oi.page_locations).toHaveLength(1);
      expect(ci.nullPages).toEqual([col === "l_a"]);
    }
    expect(await readColumnRows(f, "l_a", 4999, 5001)).toEqual([distinct[4999], null]);
    expect(f.metadata.row_groups.every((g) => g.sorting_columns?.[0]?.column_idx === 0)).toBe(true);
  });

  it("does not retain short blob inputs (kept whole as page bounds) after a row group", async () => {
    const w = createParquetStreamWriter({ columns: SPECS, kv: {}, sink: () => {} });
    let arena: Uint8Array | undefined = new Uint8Array(1 << 20);
    const ref = new WeakRef(arena.buffer);
    // 8-byte cells are shorter than the bound truncation, so bounds must be copies.
    let blob: Uint8Array[] | undefined = Array.from({ length: 100 }, (_, i) => arena!.subarray(i * 8, i * 8 + 8));
    await w.writeRowGroup({ l_a: blob.map(() => "a"), blob });
    arena = undefined;
    blob = undefined;
    await new Promise((r) => setImmediate(r));
    gc();
    await new Promise((r) => setImmediate(r));
    expect(ref.deref()).toBeUndefined();
    await w.finish();
  });
});
