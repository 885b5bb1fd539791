// An independent reader (DuckDB) opens the converted 0.labels.parquet and
// 0.chunks.parquet of block-1k-2h straight from the FILESYSTEM bucket and
// agrees with the unit meta and the source index on rows and label values.
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FilesystemBucket } from "../../src/objstore/filesystem.js";
import { shardFile, type UnitMeta } from "../../src/parquet/layout.js";
import { dataColumnName, labelColumnName } from "../../src/parquet/schema.js";
import { discoverUnits } from "../../src/store/discovery.js";
import type { Block } from "../../src/tsdb/block.js";
import { openLocalBlocks } from "../../src/tsdb/open.js";
import { newTestBucket, type TestBucket } from "../helpers/buckets.js";
import { convertOk, fx } from "../helpers/convert.js";

let b: TestBucket;
let blk: Block;
let meta: UnitMeta;
let labelsPath: string;
let chunksPath: string;
let db: DuckDBInstance;
let conn: DuckDBConnection;

async function query(sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}
const sqlStr = (s: string): string => `'${s.replace(/'/g, "''")}'`;

beforeAll(async () => {
  b = await newTestBucket("FILESYSTEM");
  await convertOk(b, fx("block-1k-2h"));
  const bucket = b.open();
  const { units } = await discoverUnits(bucket);
  expect(units.length).toBe(1);
  meta = units[0]!.meta;
  const dir = join((bucket as FilesystemBucket).root, units[0]!.prefix);
  labelsPath = join(dir, shardFile(0, "labels"));
  chunksPath = join(dir, shardFile(0, "chunks"));
  await bucket.close();
  [blk] = (await openLocalBlocks(fx("block-1k-2h"))) as [Block];
  db = await DuckDBInstance.create(":memory:");
  conn = await db.connect();
});

afterAll(async () => {
  conn?.closeSync();
  db?.closeSync();
  await blk?.close();
  b?.cleanup();
});

const labels = (): string => `read_parquet(${sqlStr(labelsPath)}, file_row_number = true)`;
const chunks = (): string => `read_parquet(${sqlStr(chunksPath)}, file_row_number = true)`;

describe("DuckDB reads converted units", () => {
  it("row counts equal the unit's series count and the source's", async () => {
    const [l] = await query(`select count(*) as n from ${labels()}`);
    const [c] = await query(`select count(*) as n from ${chunks()}`);
    expect(meta.shards.length).toBe(1);
    expect(meta.stats.series).toBe(1000);
    expect(Number(l!["n"])).toBe(meta.stats.series);
    expect(Number(c!["n"])).toBe(meta.stats.series);
    expect((await blk.index.allPostings()).length).toBe(meta.stats.series);
  });

  it("distinct metric names equal the source index's, in sorted row order", async () => {
    const name = labelColumnName("__name__");
    const rows = await query(`select distinct ${name} as v from ${labels()} order by v`);
    expect(rows.map((r) => r["v"])).toEqual([...blk.index.labelValues("__name__")].sort());
    // Rows are sorted by __name__ (the --sort-by default).
    const [unsorted] = await query(`select count(*) as n from (select ${name} < lag(${name}) over (order by file_row_number) as bad from ${labels()}) where bad`);
    expect(Number(unsorted!["n"])).toBe(0);
  });

  it("label columns, values and per-value row counts match the source index", async () => {
    const names = blk.index.labelNames().sort();
    expect([...meta.shards[0]!.labelNames].sort()).toEqual(names);
    const cols = (await query(`describe select * from ${labels()}`)).map((r) => r["column_name"]);
    for (const n of names) expect(cols).toContain(labelColumnName(n));
    for (const n of names) {
      const col = labelColumnName(n);
      const rows = await query(`select ${col} as v, count(*) as n from ${labels()} where ${col} is not null group by all order by v`);
      const want = [...blk.index.labelValues(n)].sort();
      expect(rows.map((r) => r["v"]), `values of ${n}`).toEqual(want);
      // A few values per label: their row counts equal the postings list lengths.
      for (const v of [want[0]!, want[Math.floor(want.length / 2)]!, want[want.length - 1]!]) {
        const got = rows.find((r) => r["v"] === v)!;
        expect(Number(got["n"]), `${n}=${v}`).toBe((await blk.index.postings(n, v)).length);
      }
    }
  });

  it("chunk cells: window 0 holds every series' data, later windows are empty; footers name the file kinds", async () => {
    expect(meta.dataColumns).toBe(3);
    const [r] = await query(
      `select count(*) filter (where octet_length(${dataColumnName(0)}) > 0) as w0, ` +
        `coalesce(max(octet_length(${dataColumnName(1)})), 0) as w1, coalesce(max(octet_length(${dataColumnName(2)})), 0) as w2 from ${chunks()}`,
    );
    expect([Number(r!["w0"]), Number(r!["w1"]), Number(r!["w2"])]).toEqual([1000, 0, 0]);
    const kv = async (path: string): Promise<Record<string, string>> => {
      const rows = await query(`select decode(key) as k, decode(value) as v from parquet_kv_metadata(${sqlStr(path)})`);
      return Object.fromEntries(rows.map((x) => [String(x["k"]), String(x["v"])]));
    };
    expect(await kv(labelsPath)).toMatchObject({ "parquet_gateway.file_kind": "labels", minT: String(meta.minTime), maxT: String(meta.maxTime - 1) });
    expect(await kv(chunksPath)).toMatchObject({ "parquet_gateway.file_kind": "chunks", data_col_duration_ms: String(8 * 3_600_000) });
  });
});
