// Reader adapter edge cases: files from another writer (no page index on
// single-page chunks, SNAPPY), request counting for index reads, and clear
// errors for objects that aren't Parquet.

import { parquetWriteBuffer } from "hyparquet-writer";
import { afterEach, describe, expect, it } from "vitest";
import {
  openParquet,
  readBinaryColumnRows,
  readBloomFilter,
  readColumnIndex,
  readColumnRows,
  readOffsetIndex,
  readStringColumnRows,
} from "../../src/parquet/reader.js";
import { createParquetStreamWriter } from "../../src/parquet/writer.js";
import { CountingBucket, tempBucket } from "./helpers.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function env(): Promise<Awaited<ReturnType<typeof tempBucket>>> {
  const e = await tempBucket();
  cleanups.push(e.cleanup);
  return e;
}

describe("files from plain hyparquet-writer", () => {
  const N = 3000;
  const strings = Array.from({ length: N }, (_, i) => (i % 5 === 0 ? null : `s${i % 300}`));
  const blobs = Array.from({ length: N }, (_, i) => Uint8Array.from([i & 0xff, i >> 8, 7]));
  const ints = Array.from({ length: N }, (_, i) => i);

  for (const pageSize of [1 << 20, 256]) {
    it(`reads ${pageSize > 1000 ? "single-page chunks without a page index" : "multi-page chunks"}`, async () => {
      const { bucket } = await env();
      const buf = parquetWriteBuffer({
        columnData: [
          { name: "s", data: strings, type: "STRING", nullable: true },
          { name: "b", data: blobs, type: "BYTE_ARRAY", nullable: false },
          { name: "i", data: ints, type: "INT32", nullable: false },
        ],
        rowGroupSize: 1000,
        pageSize,
      });
      await bucket.upload("h.parquet", new Uint8Array(buf));
      const f = await openParquet(bucket, "h.parquet");
      const hasIndex = f.chunk(0, "b").offset_index_offset !== undefined;
      expect(hasIndex).toBe(pageSize < 1000);
      expect(await readOffsetIndex(f, 0, "b")).toEqual(hasIndex ? expect.anything() : undefined);
      expect(await readStringColumnRows(f, "s", 0, N)).toEqual(strings);
      const got = await readBinaryColumnRows(f, "b", 995, 2005);
      got.forEach((g, i) => expect([...g!]).toEqual([...blobs[995 + i]!]));
      await expect(readColumnRows(f, "i", 0, 1)).rejects.toThrow(/INT32, not BYTE_ARRAY/);
      await expect(readBinaryColumnRows(f, "s", 0, 1)).rejects.toThrow(/UTF-8 column/);
      await expect(readStringColumnRows(f, "b", 0, 1)).rejects.toThrow(/not a UTF-8 column/);
      expect(await readBloomFilter(f, 0, "s")).toBeUndefined();
    });
  }
});

describe("index reads", () => {
  it("come from the footer fetch for small files, and offset indexes are cached", async () => {
    const { bucket } = await env();
    const counting = new CountingBucket(bucket);
    const parts: Uint8Array[] = [];
    const writer = createParquetStreamWriter({
      columns: [
        { name: "l_x", type: "string", optional: true, encoding: "RLE_DICTIONARY", statistics: true },
        { name: "d", type: "binary", optional: false, encoding: "DELTA_LENGTH_BYTE_ARRAY", statistics: false },
      ],
      kv: {},
      bloomFilterColumns: ["l_x"],
      pageSizeBytes: 1024,
      sink: (c) => void parts.push(c),
    });
    await writer.writeRowGroup({ l_x: Array.from({ length: 2000 }, (_, i) => `x${i % 40}`), d: Array.from({ length: 2000 }, () => new Uint8Array(40)) });
    await writer.finish();
    await bucket.upload("s.parquet", Buffer.concat(parts));

    const f = await openParquet(counting, "s.parquet", { size: Buffer.concat(parts).length });
    expect(counting.rangeRequests).toBe(1);
    counting.reset();
    expect((await readOffsetIndex(f, 0, "d"))!.page_locations.length).toBeGreaterThan(10);
    expect((await readColumnIndex(f, 0, "l_x"))!.minValues[0]).toBe("x0");
    expect(await readBloomFilter(f, 0, "l_x")).toBeDefined();
    expect(counting.rangeRequests).toBe(0); // all inside the cached tail

    // A small first fetch: open pulls the page indexes in with one more GET, then reads cost nothing.
    counting.reset();
    const g = await openParquet(counting, "s.parquet", { footerFetchSize: 600 });
    expect(counting.rangeRequests).toBeLessThanOrEqual(3);
    counting.reset();
    await readOffsetIndex(g, 0, "d");
    await readColumnIndex(g, 0, "l_x");
    expect(counting.rangeRequests).toBe(0);
  });
});

describe("errors", () => {
  it("rejects objects that are not Parquet files", async () => {
    const { bucket } = await env();
    await bucket.upload("tiny", Buffer.from("PAR1"));
    await bucket.upload("text", Buffer.from("hello world, this is not parquet at all"));
    await bucket.upload("badlen", Buffer.concat([Buffer.from("PAR1"), Buffer.alloc(8), Buffer.from([0xff, 0xff, 0, 0]), Buffer.from("PAR1")]));
    await bucket.upload("garbage", Buffer.concat([Buffer.from("PAR1"), Buffer.alloc(30, 7), Buffer.from([10, 0, 0, 0]), Buffer.from("PAR1")]));
    await expect(openParquet(bucket, "tiny")).rejects.toThrow(/too small/);
    await expect(openParquet(bucket, "text")).rejects.toThrow(/text: not a Parquet file/);
    await expect(openParquet(bucket, "badlen")).rejects.toThrow(/corrupt Parquet footer/);
    await expect(openParquet(bucket, "garbage")).rejects.toThrow(/garbage: cannot parse Parquet footer/);
    await expect(openParquet(bucket, "missing")).rejects.toThrow(/not found/);
  });
});
