// An independent reader (DuckDB) opens our file: data, footer and bloom
// filter must mean to it what we meant.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COL_INDEXES_COLUMN, dataColumnName, labelColumnName, SERIES_HASH_COLUMN } from "../../src/parquet/schema.js";
import { createParquetStreamWriter } from "../../src/parquet/writer.js";
import { datasetWriterOptions, LABEL_NAMES, LONG_METRIC_NAME, makeDataset, sliceColumns, tempBucket, type Dataset } from "./helpers.js";

const ROWS = 100_000;

let ds: Dataset;
let env: Awaited<ReturnType<typeof tempBucket>>;
let path: string;
let db: DuckDBInstance;
let conn: DuckDBConnection;

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const r = await conn.runAndReadAll(sql);
  return r.getRowObjectsJS() as Record<string, unknown>[];
}

beforeAll(async () => {
  ds = makeDataset(ROWS, 7);
  env = await tempBucket();
  const parts: Uint8Array[] = [];
  const w = createParquetStreamWriter({ ...datasetWriterOptions(ds), sink: (c) => void parts.push(c) });
  await w.writeRowGroup(sliceColumns(ds.columns, 0, ROWS / 2));
  await w.writeRowGroup(sliceColumns(ds.columns, ROWS / 2, ROWS));
  await w.finish();
  path = join(env.dir, "interop.parquet");
  await writeFile(path, Buffer.concat(parts));
  db = await DuckDBInstance.create(":memory:");
  conn = await db.connect();
}, 600_000);

afterAll(async () => {
  conn?.closeSync();
  db?.closeSync();
  await env?.cleanup();
});

const src = (): string => `read_parquet('${path}', file_row_number = true)`;

describe("DuckDB reads our files", () => {
  it("counts rows and distinct high-cardinality labels", async () => {
    const pod = labelColumnName("pod");
    const [row] = await query(`select count(*) as n, count(distinct ${pod}) as pods, count(l_zone) as zones from ${src()}`);
    expect(Number(row!["n"])).toBe(ROWS);
    expect(Number(row!["pods"])).toBe(new Set(ds.columns[pod] as (string | null)[]).size);
    expect(Number(row!["zones"])).toBe(ds.columns[labelColumnName("zone")]!.filter((v) => v !== null).length);
  });

  it("returns the label values and cells we wrote", async () => {
    const picks = [0, 1, 49_999, 50_000, 77_777, ROWS - 1];
    const cols = LABEL_NAMES.map(labelColumnName);
    const rows = await query(
      `select file_row_number as r, ${cols.join(", ")}, ` +
        `hex(${COL_INDEXES_COLUMN}) as ci, hex(${SERIES_HASH_COLUMN}) as h, hex(${dataColumnName(2)}) as d2 ` +
        `from ${src()} where file_row_number in (${picks.join(",")}) order by r`,
    );
    expect(rows.map((r) => Number(r["r"]))).toEqual(picks);
    const hex = (v: unknown): string => Buffer.from(v as Uint8Array).toString("hex").toUpperCase();
    for (const r of rows) {
      const i = Number(r["r"]);
      for (const c of cols) expect(r[c], `${c} row ${i}`).toBe(ds.columns[c]![i]);
      expect(r["ci"]).toBe(hex(ds.columns[COL_INDEXES_COLUMN]![i]));
      expect(r["h"]).toBe(hex(ds.columns[SERIES_HASH_COLUMN]![i]));
      expect(r["d2"]).toBe(hex(ds.columns[dataColumnName(2)]![i]));
    }
    const [long] = await query(`select count(*) as n from ${src()} where l___name__ = '${LONG_METRIC_NAME}'`);
    expect(Number(long!["n"])).toBe((ds.columns["l___name__"] as string[]).filter((v) => v === LONG_METRIC_NAME).length);
  });

  it("sums blob lengths like we do", async () => {
    const sums = await query(`select ${[0, 1, 2].map((w) => `sum(octet_length(${dataColumnName(w)})) as s${w}`).join(", ")} from ${src()}`);
    for (const w of [0, 1, 2]) {
      const want = (ds.columns[dataColumnName(w)] as Uint8Array[]).reduce((a, b) => a + b.length, 0);
      expect(Number(sums[0]![`s${w}`])).toBe(want);
    }
  });

  it("sees ZSTD, dictionaries, statistics and bloom filters in the footer", async () => {
    const meta = await query(
      `select row_group_id, path_in_schema, compression, encodings, stats_min_value, stats_max_value, bloom_filter_offset ` +
        `from parquet_metadata('${path}')`,
    );
    expect(meta.length).toBe(2 * ds.specs.length);
    for (const m of meta) expect(m["compression"]).toBe("ZSTD");
    const labelCols = new Set(LABEL_NAMES.map(labelColumnName));
    for (const m of meta.filter((x) => labelCols.has(String(x["path_in_schema"])))) {
      expect(String(m["encodings"])).toContain("RLE_DICTIONARY");
    }
    const name = meta.find((m) => m["path_in_schema"] === "l___name__" && Number(m["row_group_id"]) === 1)!;
    expect(name["stats_max_value"]).toBe(LONG_METRIC_NAME);
    expect(name["bloom_filter_offset"]).not.toBeNull();
    const kv = await query(`select decode(key) as k, decode(value) as v from parquet_kv_metadata('${path}')`);
    expect(kv.find((r) => r["k"] === "data_col_duration_ms")?.["v"]).toBe(String(8 * 3600_000));
  });

  it("probes our bloom filters", async () => {
    const present = (ds.columns["l___name__"] as string[])[10]!;
    const probe = async (v: string): Promise<boolean[]> =>
      (await query(`select row_group_id, bloom_filter_excludes as ex from parquet_bloom_probe('${path}', 'l___name__', '${v}') order by 1`)).map((r) => Boolean(r["ex"]));
    expect(await probe(present)).toEqual([false, true]); // in row group 0 only
    expect(await probe(LONG_METRIC_NAME)).toEqual([true, false]);
    expect(await probe("no_such_metric_anywhere")).toEqual([true, true]);
  });
});
