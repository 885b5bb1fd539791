// Writes a 100k-row labels+chunks file through the streaming writer into a
// bucket, reads it back through the reader adapter, and checks the footer
// settings the design requires.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ColumnChunk, FileMetaData } from "hyparquet";
import { readBloomFilter, readColumnIndex, readColumnRows, readOffsetIndex, bloomFilterMightContain, openParquet, type ParquetFile } from "../../src/parquet/reader.js";
import { COL_INDEXES_COLUMN, dataColumnName, decodeColIndexes, labelColumnName, parseLabelColumnName, SERIES_HASH_COLUMN } from "../../src/parquet/schema.js";
import { bucketUploadSink } from "../../src/parquet/sink.js";
import { createParquetStreamWriter } from "../../src/parquet/writer.js";
import { bytesEqual, CountingBucket, datasetWriterOptions, LABEL_NAMES, LONG_METRIC_NAME, makeDataset, sliceColumns, tempBucket, type Dataset } from "./helpers.js";

const ROWS = 100_000;
const KEY = "unit/0.parquet";

let ds: Dataset;
let env: Awaited<ReturnType<typeof tempBucket>>;
let file: ParquetFile;
let meta: FileMetaData;
let fileSize: number;

function chunkOf(rg: number, column: string): ColumnChunk {
  return file.chunk(rg, column);
}

beforeAll(async () => {
  ds = makeDataset(ROWS);
  env = await tempBucket();
  const { sink, done } = bucketUploadSink(env.bucket, KEY);
  const writer = createParquetStreamWriter({ ...datasetWriterOptions(ds), sink });
  const t0 = performance.now();
  await writer.writeRowGroup(sliceColumns(ds.columns, 0, ROWS / 2));
  await writer.writeRowGroup(sliceColumns(ds.columns, ROWS / 2, ROWS));
  const result = await writer.finish();
  await done;
  const seconds = (performance.now() - t0) / 1000;
  fileSize = result.bytes;
  console.log(
    `parquet write: ${ROWS} rows in ${seconds.toFixed(2)} s = ${Math.round(ROWS / seconds)} rows/s; ` +
      `${(result.bytes / 1e6).toFixed(1)} MB out (${(result.bytes / 1e6 / seconds).toFixed(1)} MB/s), ` +
      `${(ds.blobBytes / 1e6).toFixed(1)} MB of blob input (${(ds.blobBytes / 1e6 / seconds).toFixed(1)} MB/s)`,
  );
  file = await openParquet(env.bucket, KEY);
  meta = file.metadata;
}, 600_000);

afterAll(async () => {
  await env?.cleanup();
});

describe("100k-row file", () => {
  it("has the rows, row groups and footer key-values written", () => {
    expect(file.size).toBe(fileSize);
    expect(file.numRows).toBe(ROWS);
    expect(file.rowGroupCount).toBe(2);
    expect(file.rowGroupStarts).toEqual([0, ROWS / 2, ROWS]);
    expect(file.columnNames).toEqual(ds.specs.map((s) => s.name));
    expect(file.kv["minT"]).toBe(String(1_700_000_000_000));
    expect(file.kv["data_col_duration_ms"]).toBe(String(8 * 3600_000));
  });

  it("reads back every value of every column", async () => {
    for (const spec of ds.specs) {
      const got = await readColumnRows(file, spec.name, 0, ROWS);
      const want = ds.columns[spec.name]!;
      expect(got.length, spec.name).toBe(ROWS);
      let mismatches = 0;
      let firstBad = -1;
      for (let i = 0; i < ROWS; i++) {
        const g = got[i];
        const w = want[i];
        const ok = spec.type === "string" ? g === w : g instanceof Uint8Array && w instanceof Uint8Array && bytesEqual(g, w);
        if (!ok) {
          mismatches++;
          if (firstBad < 0) firstBad = i;
        }
      }
      expect(mismatches, `${spec.name}: first mismatch at row ${firstBad}`).toBe(0);
    }
  });

  it("reads row ranges within and across row groups", async () => {
    for (const [s, e] of [
      [0, 1],
      [49_995, 50_005],
      [50_000, 50_001],
      [99_990, 100_000],
      [12_345, 12_345],
    ] as const) {
      for (const col of [labelColumnName("pod"), labelColumnName("zone"), dataColumnName(1), COL_INDEXES_COLUMN]) {
        const got = await readColumnRows(file, col, s, e);
        const want = ds.columns[col]!.slice(s, e);
        expect(got.length).toBe(e - s);
        got.forEach((g, i) => {
          const w = want[i];
          if (typeof w === "string" || w === null) expect(g).toBe(w);
          else expect(bytesEqual(g as Uint8Array, w)).toBe(true);
        });
      }
    }
    await expect(readColumnRows(file, dataColumnName(0), 5, ROWS + 1)).rejects.toThrow(/invalid row range/);
    await expect(readColumnRows(file, "nope", 0, 1)).rejects.toThrow(/no column nope/);
  });

  it("s_col_indexes point at the file's label columns", async () => {
    const cells = await readColumnRows(file, COL_INDEXES_COLUMN, 0, 10);
    const zone = await readColumnRows(file, labelColumnName("zone"), 0, 10);
    cells.forEach((c, i) => {
      const names = decodeColIndexes(c as Uint8Array).map((idx) => parseLabelColumnName(file.columnNames[idx]!));
      expect(names).toEqual(LABEL_NAMES.filter((l) => l !== "zone" || zone[i] !== null));
    });
  });

  it("writes ZSTD, a column index and an offset index for every column chunk", () => {
    let chunks = 0;
    for (const rg of meta.row_groups) {
      for (const c of rg.columns) {
        chunks++;
        expect(c.meta_data?.codec).toBe("ZSTD");
        expect(c.column_index_offset, c.meta_data?.path_in_schema.join()).toBeTypeOf("bigint");
        expect(c.column_index_length).toBeGreaterThan(0);
        expect(c.offset_index_offset).toBeTypeOf("bigint");
        expect(c.offset_index_length).toBeGreaterThan(0);
      }
    }
    expect(chunks).toBe(2 * ds.specs.length);
  });

  it("page indexes describe the pages exactly, single-page chunks included", async () => {
    let singlePage = 0;
    for (let rg = 0; rg < 2; rg++) {
      const rows = Number(meta.row_groups[rg]!.num_rows);
      for (const name of file.columnNames) {
        const c = chunkOf(rg, name);
        const m = c.meta_data!;
        const oi = (await readOffsetIndex(file, rg, name))!;
        const ci = (await readColumnIndex(file, rg, name))!;
        const pages = oi.page_locations;
        if (pages.length === 1) singlePage++;
        expect(pages[0]!.offset).toBe(m.data_page_offset);
        expect(pages[0]!.first_row_index).toBe(0n);
        for (let p = 1; p < pages.length; p++) {
          expect(pages[p]!.offset).toBe(pages[p - 1]!.offset + BigInt(pages[p - 1]!.compressed_page_size));
          expect(pages[p]!.first_row_index).toBeGreaterThan(pages[p - 1]!.first_row_index);
          expect(Number(pages[p]!.first_row_index)).toBeLessThan(rows);
        }
        const last = pages[pages.length - 1]!;
        const chunkStart = m.dictionary_page_offset ?? m.data_page_offset;
        expect(last.offset + BigInt(last.compressed_page_size)).toBe(chunkStart + m.total_compressed_size);
        expect(ci.nullPages.length).toBe(pages.length);
        expect(ci.minValues.length).toBe(pages.length);
        expect(ci.nullCounts?.length).toBe(pages.length);
      }
    }
    // Low-cardinality label chunks fit in one page: exactly the case hyparquet-writer skips.
    expect(singlePage).toBeGreaterThan(0);
  });

  it("column index bounds hold every page's values", async () => {
    const col = labelColumnName("__name__");
    const ci = (await readColumnIndex(file, 0, col))!;
    const oi = (await readOffsetIndex(file, 0, col))!;
    expect(ci.boundaryOrder).toBe("ASCENDING"); // rows are sorted by __name__
    const values = ds.columns[col]!;
    oi.page_locations.forEach((p, i) => {
      const start = Number(p.first_row_index);
      const end = i + 1 < oi.page_locations.length ? Number(oi.page_locations[i + 1]!.first_row_index) : ROWS / 2;
      for (let r = start; r < end; r++) {
        const v = values[r] as string;
        expect(v >= (ci.minValues[i] as string) && v <= (ci.maxValues[i] as string)).toBe(true);
      }
    });
    // zone exists only in the first half: the second row group's zone pages are all null.
    const zone = (await readColumnIndex(file, 1, labelColumnName("zone")))!;
    expect(zone.nullPages.every(Boolean)).toBe(true);
    expect(zone.nullCounts?.reduce((a, b) => a + b, 0n)).toBe(BigInt(ROWS / 2));
  });

  it("dictionary-encodes every label column, the high-cardinality one included", () => {
    for (const rg of meta.row_groups) {
      for (const l of LABEL_NAMES) {
        const m = rg.columns[file.columnIndexOf(labelColumnName(l))]!.meta_data!;
        expect(m.dictionary_page_offset, l).toBeTypeOf("bigint");
        expect(m.encodings).toContain("RLE_DICTIONARY");
        const dataPages = m.encoding_stats?.filter((s) => s.page_type === "DATA_PAGE_V2") ?? [];
        expect(dataPages.length).toBeGreaterThan(0);
        expect(dataPages.every((s) => s.encoding === "RLE_DICTIONARY")).toBe(true);
      }
      expect(rg.columns[file.columnIndexOf(dataColumnName(0))]!.meta_data!.encodings).toContain("DELTA_LENGTH_BYTE_ARRAY");
      expect(rg.columns[file.columnIndexOf(COL_INDEXES_COLUMN)]!.meta_data!.encodings).toContain("DELTA_BYTE_ARRAY");
    }
  });

  it("keeps label statistics at least 64 bytes and leaves blob columns without statistics", async () => {
    for (const rg of meta.row_groups) {
      for (const l of LABEL_NAMES) {
        const s = rg.columns[file.columnIndexOf(labelColumnName(l))]!.meta_data!.statistics;
        expect(s?.null_count, l).toBeTypeOf("bigint");
      }
      for (const c of [dataColumnName(0), COL_INDEXES_COLUMN, SERIES_HASH_COLUMN]) {
        expect(rg.columns[file.columnIndexOf(c)]!.meta_data!.statistics).toBeUndefined();
      }
    }
    expect(LONG_METRIC_NAME.length).toBeGreaterThan(64);
    const name = labelColumnName("__name__");
    const stats = meta.row_groups[1]!.columns[file.columnIndexOf(name)]!.meta_data!.statistics!;
    expect(stats.max_value).toBe(LONG_METRIC_NAME);
    expect(stats.is_max_value_exact).not.toBe(false);
    const ci = (await readColumnIndex(file, 1, name))!;
    expect(ci.maxValues[ci.maxValues.length - 1]).toBe(LONG_METRIC_NAME);
  });

  it("has a bloom filter on __name__ only, and it answers membership", async () => {
    const name = labelColumnName("__name__");
    for (let rg = 0; rg < 2; rg++) {
      for (const c of file.columnNames) {
        const m = chunkOf(rg, c).meta_data!;
        if (c === name) {
          expect(m.bloom_filter_offset).toBeTypeOf("bigint");
          expect(m.bloom_filter_length).toBeGreaterThan(0);
        } else {
          expect(m.bloom_filter_offset, c).toBeUndefined();
        }
      }
    }
    const bloom0 = (await readBloomFilter(file, 0, name))!;
    const bloom1 = (await readBloomFilter(file, 1, name))!;
    const names = ds.columns[name] as string[];
    expect(bloomFilterMightContain(file, name, bloom0, names[0]!)).toBe(true);
    expect(bloomFilterMightContain(file, name, bloom1, LONG_METRIC_NAME)).toBe(true);
    const absent = Array.from({ length: 50 }, (_, i) => `absent_metric_${i}`);
    expect(absent.filter((v) => bloomFilterMightContain(file, name, bloom0, v)).length).toBeLessThan(5);
  });

  it("declares sorting_columns on every row group", () => {
    for (const rg of meta.row_groups) {
      expect(rg.sorting_columns).toEqual([{ column_idx: file.columnIndexOf(labelColumnName("__name__")), descending: false, nulls_first: true }]);
    }
  });

  it("reads 10 blob rows with at most two pages of I/O", async () => {
    const counting = new CountingBucket(env.bucket);
    const f = await openParquet(counting, KEY, { size: fileSize });
    // The footer, then the page indexes before it (this file's are larger than the first fetch).
    expect(counting.rangeRequests).toBeLessThanOrEqual(2);
    expect(counting.headRequests).toBe(0);
    counting.reset();

    const col = dataColumnName(1);
    const got = await readColumnRows(f, col, 50_000, 50_010);
    got.forEach((g, i) => expect(bytesEqual(g as Uint8Array, ds.columns[col]![50_000 + i] as Uint8Array)).toBe(true));

    const rg = 1;
    const oi = (await readOffsetIndex(f, rg, col))!;
    const maxPage = Math.max(...oi.page_locations.map((p) => p.compressed_page_size));
    const chunkSize = Number(f.chunk(rg, col).meta_data!.total_compressed_size);
    console.log(
      `selective read: ${counting.rangeRequests} requests, ${counting.rangeBytes} bytes (chunk ${chunkSize} bytes, ` +
        `${oi.page_locations.length} pages, largest ${maxPage})`,
    );
    expect(counting.rangeRequests).toBeLessThanOrEqual(1);
    expect(counting.rangeBytes).toBeLessThanOrEqual(2 * maxPage);
    expect(counting.rangeBytes).toBeLessThan(chunkSize / 50);
  });

  it("needs a HEAD without a known size, and a second GET when the footer is bigger than the first fetch", async () => {
    const counting = new CountingBucket(env.bucket);
    const f = await openParquet(counting, KEY, { footerFetchSize: 1024 });
    expect(counting.headRequests).toBe(1);
    // Footer tail, the rest of the footer, then the page indexes.
    expect(counting.rangeRequests).toBe(3);
    expect(f.numRows).toBe(ROWS);
    const pods = await readColumnRows(f, labelColumnName("pod"), 70_000, 70_005);
    expect(pods).toEqual(ds.columns[labelColumnName("pod")]!.slice(70_000, 70_005));
  });
});
