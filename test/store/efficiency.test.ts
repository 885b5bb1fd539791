// Byte efficiency of the read path: selecting one series out of 100,000, with
// footers and page indexes already cached, fetches at most twice the
// compressed size of the pages that hold that series' row.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { generatedBlock } from "../helpers/promtool.js";
import { newTestBucket, type TestBucket } from "../helpers/buckets.js";
import { meteredStore, type MeteredStore } from "../helpers/store.js";
import { parseSelector } from "../../src/model/selector.js";
import { labelsToRecord } from "../../src/model/labels.js";
import { readOffsetIndex, type ParquetFile } from "../../src/parquet/reader.js";
import type { ShardReader } from "../../src/store/shard.js";
import type { Bucket } from "../../src/objstore/bucket.js";

let tb: TestBucket;
let bucket: Bucket;
let ms: MeteredStore;

beforeAll(async () => {
  const { dir } = await generatedBlock(100_000, { duration: "30m", interval: "60s" });
  tb = await newTestBucket("FILESYSTEM");
  const r = await runCli(["convert", "--tsdb.path", dir, "--objstore.config-file", tb.configFile], { timeoutMs: 300_000 });
  expect(r.code, r.stderr).toBe(0);
  bucket = tb.open();
  ms = meteredStore(bucket);
  await ms.store.sync();
}, 600_000);

afterAll(async () => {
  await bucket?.close();
  tb?.cleanup();
});

/** Compressed bytes of the pages (plus dictionary pages) that hold `row`, over every column of a file. */
async function pageBytesForRow(f: ParquetFile, row: number, columns: readonly string[]): Promise<number> {
  let total = 0;
  for (let rg = 0; rg < f.rowGroupCount; rg++) {
    const gs = f.rowGroupStarts[rg]!;
    const ge = f.rowGroupStarts[rg + 1]!;
    if (row < gs || row >= ge) continue;
    for (const col of columns) {
      const oi = (await readOffsetIndex(f, rg, col))!;
      const pages = oi.page_locations;
      let p = 0;
      while (p + 1 < pages.length && Number(pages[p + 1]!.first_row_index) <= row - gs) p++;
      total += pages[p]!.compressed_page_size;
      const meta = f.chunk(rg, col).meta_data!;
      const chunkStart = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      if (Number(pages[0]!.offset) > chunkStart) total += Number(pages[0]!.offset) - chunkStart; // dictionary page
    }
  }
  return total;
}

describe("read path byte efficiency", () => {
  it("one series out of 100,000 fetches at most 2x the pages holding its row", async () => {
    const store = ms.store;
    // Warm the metadata cache (footers + page indexes) with an unrelated query.
    const warm = await store.select({ minTime: 0, maxTime: Number.MAX_SAFE_INTEGER, matchers: parseSelector('{__name__=~".+", job="nonexistent"}') });
    for await (const _ of warm.series) void _;
    // Pick a series in the middle of the shard.
    const probe = await store.select({ minTime: 0, maxTime: Number.MAX_SAFE_INTEGER, matchers: parseSelector('{__name__=~".+"}'), skipChunks: true, limit: 50_001 });
    let target: Record<string, string> | undefined;
    let i = 0;
    for await (const s of probe.series) if (i++ === 50_000) target = labelsToRecord(s.labels);
    expect(target).toBeDefined();

    const sel = Object.entries(target!).map(([k, v]) => ({ k, v }));
    const matchers = parseSelector(`{${sel.map(({ k, v }) => `${k}=${JSON.stringify(v)}`).join(",")}}`);
    const before = await ms.readBytes();
    const reqBefore = await ms.requests("get_range");
    const r = await store.select({ minTime: 0, maxTime: Number.MAX_SAFE_INTEGER, matchers });
    const got = [];
    for await (const s of r.series) got.push(s);
    const fetched = (await ms.readBytes()) - before;
    const requests = (await ms.requests("get_range")) - reqBefore;
    expect(got.length).toBe(1);
    expect(labelsToRecord(got[0]!.labels)).toEqual(target);
    expect(got[0]!.chunks.length).toBeGreaterThan(0);

    // The pages that hold this row: every label column it has, s_col_indexes, and its chunk columns.
    const units = (store as unknown as { units: Map<string, { shards: ShardReader[] }> }).units;
    const shard = [...units.values()][0]!.shards[0]!;
    const files = await shard.files();
    const row = await findRow(shard, target!);
    const labelCols = [...Object.keys(target!).map((n) => `l_${n}`), "s_col_indexes"];
    const dataCols = shard.windows(0, Number.MAX_SAFE_INTEGER).map((w) => `s_data_${w}`);
    const holding = (await pageBytesForRow(files.labels, row, labelCols)) + (await pageBytesForRow(files.chunks, row, dataCols));
    console.log(`one series of 100k: fetched ${fetched} bytes in ${requests} GETs; pages holding its row: ${holding} bytes (ratio ${(fetched / holding).toFixed(2)})`);
    expect(fetched).toBeGreaterThan(0);
    expect(fetched).toBeLessThanOrEqual(2 * holding);
  }, 120_000);
});

async function findRow(shard: ShardReader, target: Record<string, string>): Promise<number> {
  const { FetchScope } = await import("../../src/store/fetch_scope.js");
  const scope = new FetchScope({ coalesceGapBytes: 0, concurrency: 1 });
  const rows = await shard.selectRows(parseSelector(`{${Object.entries(target).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}`), scope);
  expect(rows.length).toBe(1);
  expect(rows[0]![1] - rows[0]![0]).toBe(1);
  return rows[0]![0];
}
