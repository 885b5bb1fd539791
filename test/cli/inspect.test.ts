// `parquet-gateway inspect` on a converted FILESYSTEM bucket: what it reports
// must match meta.json, the objects on disk and the writer's layout, and it
// must get there from footers and offset indexes alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../helpers/cli.js";
import { newTestBucket, type TestBucket } from "../helpers/buckets.js";
import type { Bucket } from "../../src/objstore/bucket.js";
import { DEFAULT_FOOTER_FETCH_SIZE } from "../../src/parquet/reader.js";
import { inspectBucket, type BucketInspection, type ColumnReport, type FileReport, type UnitReport } from "../../src/store/inspect.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/blocks-1k-6h", import.meta.url));
const UNIT = "e3b0c44298fc1c14/20240101T000000Z-24h/";
const ROW_GROUP_ROWS = 300;

let b: TestBucket;
let dataDir: string;
const unitDir = (): string => join(dataDir, UNIT);

async function inspect(...args: string[]): Promise<string> {
  const r = await runCli(["inspect", "--objstore.config-file", b.configFile, ...args]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r.stdout;
}

async function inspectJson(...args: string[]): Promise<BucketInspection> {
  return JSON.parse(await inspect("--json", ...args)) as BucketInspection;
}

function theUnit(r: BucketInspection): UnitReport {
  expect(r.units.map((u) => u.prefix)).toEqual([UNIT]);
  return r.units[0]!;
}

function file(u: UnitReport, name: string): FileReport {
  const f = u.shards.flatMap((s) => s.files).find((x) => x.name === name);
  if (!f) throw new Error(`no ${name} in the report`);
  return f;
}

function column(f: FileReport, name: string): ColumnReport {
  const c = f.columns?.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${name} in ${f.name}`);
  return c;
}

beforeAll(async () => {
  b = await newTestBucket("FILESYSTEM");
  dataDir = /directory: (.*)/.exec(b.yaml)![1]!;
  // Several row groups, so alignment and the row-group sums mean something.
  const r = await runCli(["convert", "--tsdb.path", FIXTURE, "--objstore.config-file", b.configFile, "--row-group-rows", String(ROW_GROUP_ROWS), "--no-progress"], { timeoutMs: 240_000 });
  expect(r.code).toBe(0);
});

afterAll(() => b?.cleanup());

describe("inspect --json of a converted unit", () => {
  let r: BucketInspection;
  let u: UnitReport;
  beforeAll(async () => {
    r = await inspectJson("--columns");
    u = theUnit(r);
  });

  it("lists the stream, one published unit and its sources", () => {
    expect(r.streams).toEqual([{ id: "e3b0c44298fc1c14", labels: {}, units: 1, problems: [] }]);
    expect(u.status).toBe("published");
    expect(u.problems).toEqual([]);
    expect(r.totals).toMatchObject({ streams: 1, units: 1, ignoredUnits: 0, shards: 1, files: 2, rows: 1000, series: 1000, samples: 1_440_000, problems: 0 });
    const ulids = readdirSync(FIXTURE).filter((n) => /^[0-9A-Z]{26}$/.test(n)).sort();
    expect(ulids.length).toBe(3);
    expect(u.meta!.sources).toEqual(ulids);
    expect(u.meta!.dataMinTime).toBeGreaterThanOrEqual(u.startMs);
    expect(u.meta!.dataMaxTime).toBeLessThan(u.startMs + u.durationMs);
    expect(u.shards.map((s) => s.rows)).toEqual([1000]);
    expect(u.shards[0]!.labelNames).toContain("__name__");
  });

  it("reports object sizes equal to the files on disk, and accounts for every byte", () => {
    const onDisk = Object.fromEntries(readdirSync(unitDir()).map((n) => [n, statSync(join(unitDir(), n)).size]));
    expect(Object.fromEntries(u.objects.map((o) => [o.name, o.size]))).toEqual(onDisk);
    for (const name of ["0.labels.parquet", "0.chunks.parquet"]) {
      const f = file(u, name);
      expect(f.error).toBeUndefined();
      expect(f.size).toBe(onDisk[name]);
      expect(f.size).toBe(u.meta!.shards[0]!.files[f.kind]);
      // magic + column chunks + page indexes + bloom filters + footer
      expect(4 + f.compressedBytes + f.pageIndexBytes + f.bloomBytes + f.footerBytes).toBe(f.size);
    }
    expect(r.totals.byKind.labels!.bytes).toBe(onDisk["0.labels.parquet"]);
    expect(r.totals.byKind.chunks!.bytes).toBe(onDisk["0.chunks.parquet"]);
    expect(r.totals.bytes).toBe(u.meta!.stats.bytes);
  });

  it("reports row groups that sum to the rows and align across the shard's files", () => {
    const labels = file(u, "0.labels.parquet");
    const chunks = file(u, "0.chunks.parquet");
    for (const f of [labels, chunks]) {
      expect(f.rows).toBe(1000);
      expect(f.rowGroups.reduce((a, g) => a + g.rows, 0)).toBe(1000);
      expect(f.rowGroups.every((g) => g.rows <= ROW_GROUP_ROWS)).toBe(true);
      expect(f.rowGroups.map((g) => g.firstRow)).toEqual(f.rowGroups.map((_, i) => f.rowGroups.slice(0, i).reduce((a, g) => a + g.rows, 0)));
      expect(f.rowGroups.reduce((a, g) => a + g.compressedBytes, 0)).toBe(f.compressedBytes);
    }
    expect(labels.rowGroups.length).toBe(Math.ceil(1000 / ROW_GROUP_ROWS));
    expect(chunks.rowGroups.map((g) => g.rows)).toEqual(labels.rowGroups.map((g) => g.rows));
  });

  it("reports the footer key-values", () => {
    const m = u.meta!;
    expect(file(u, "0.labels.parquet").kv).toMatchObject({ minT: String(m.minTime), maxT: String(m.maxTime - 1), data_col_duration_ms: String(m.dataColDurationMs), "parquet_gateway.file_kind": "labels", "parquet_gateway.sort_by": "__name__" });
    expect(file(u, "0.chunks.parquet").kv["parquet_gateway.file_kind"]).toBe("chunks");
  });

  it("reports every column with a column index, an offset index and pages", () => {
    const labels = file(u, "0.labels.parquet");
    const chunks = file(u, "0.chunks.parquet");
    expect(labels.columns!.map((c) => c.name)).toEqual([...u.shards[0]!.labelNames.map((n) => `l_${n}`), "s_col_indexes", "s_series_hash"]);
    expect(chunks.columns!.map((c) => c.name)).toEqual(Array.from({ length: u.meta!.dataColumns }, (_, i) => `s_data_${i}`));
    for (const c of [...labels.columns!, ...chunks.columns!]) {
      expect(c.chunks, c.name).toBe(labels.rowGroups.length);
      expect(c.hasColumnIndex, c.name).toBe(true);
      expect(c.hasOffsetIndex, c.name).toBe(true);
      expect(c.pages, c.name).toBeGreaterThanOrEqual(c.chunks);
      expect(c.codecs, c.name).toEqual(["ZSTD"]);
      expect(c.physicalType).toBe("BYTE_ARRAY");
    }
    // The big window holds the data and spans many 32 KiB pages.
    expect(column(chunks, "s_data_0").pages).toBeGreaterThan(100);
  });

  it("reports encodings, repetition and statistics per column kind", () => {
    const labels = file(u, "0.labels.parquet");
    for (const c of labels.columns!.filter((x) => x.name.startsWith("l_"))) {
      expect(c.encodings, c.name).toEqual(["PLAIN", "RLE_DICTIONARY"]);
      expect(c.logicalType).toBe("STRING");
      expect(c.repetition).toBe("OPTIONAL");
      expect(c.statisticsChunks, c.name).toBeGreaterThan(0);
    }
    expect(column(labels, "s_col_indexes")).toMatchObject({ encodings: ["DELTA_BYTE_ARRAY"], repetition: "REQUIRED", logicalType: null, statisticsChunks: 0 });
    expect(column(labels, "s_series_hash")).toMatchObject({ encodings: ["PLAIN"], repetition: "REQUIRED", statisticsChunks: 0 });
    for (const c of file(u, "0.chunks.parquet").columns!) expect(c).toMatchObject({ encodings: ["DELTA_LENGTH_BYTE_ARRAY"], repetition: "REQUIRED", statisticsChunks: 0 });
  });

  it("reports a bloom filter on l___name__ only", () => {
    const all = u.shards.flatMap((s) => s.files).flatMap((f) => f.columns!);
    expect(all.filter((c) => c.hasBloomFilter).map((c) => c.name)).toEqual(["l___name__"]);
    expect(all.filter((c) => c.bloomFilterChunks > 0 && !c.hasBloomFilter)).toEqual([]);
    expect(column(file(u, "0.labels.parquet"), "l___name__").bloomBytes).toBe(file(u, "0.labels.parquet").bloomBytes);
  });

  it("reports compressed ≤ uncompressed where the data compresses", () => {
    const labels = file(u, "0.labels.parquet");
    const chunks = file(u, "0.chunks.parquet");
    // Repetitive text, varint lists, hashes' length prefixes, and a lot of chunk data.
    for (const c of [column(labels, "l_instance"), column(labels, "s_col_indexes"), column(labels, "s_series_hash"), column(chunks, "s_data_0")]) {
      expect(c.compressedBytes, c.name).toBeLessThanOrEqual(c.uncompressedBytes);
    }
    for (const f of [labels, chunks]) expect(f.compressedBytes).toBeLessThanOrEqual(f.uncompressedBytes);
    expect(r.totals.compressionRatio).toBeGreaterThanOrEqual(1);
    // Column sizes add up to the file's.
    for (const f of [labels, chunks]) expect(f.columns!.reduce((a, c) => a + c.compressedBytes, 0)).toBe(f.compressedBytes);
  });

  it("omits column details without --columns", async () => {
    const plain = theUnit(await inspectJson());
    expect(plain.shards[0]!.files.every((f) => f.columns === undefined)).toBe(true);
    expect(plain.shards[0]!.files.map((f) => f.rowGroups.length)).toEqual([4, 4]);
  });
});

describe("inspect text output", () => {
  it("prints aligned tables for streams, units, files, row groups and totals", async () => {
    const out = await inspect();
    expect(out).toContain(`UNIT ${UNIT}  published`);
    expect(out).toMatch(/sources\s+3: 01M81C9HWEF165PFKDSXPXC4DN 01M81C9JYR9RPWXTMA8EC0M0WW 01M81C9M2D6XR9M96RYDEV1W5X/);
    expect(out).toMatch(/units\s+1 published, 0 ignored/);
    expect(out).not.toContain("COLUMN INDEX");
    const lines = out.split("\n");
    const header = lines.findIndex((l) => l.trimStart().startsWith("FILE "));
    expect(header).toBeGreaterThan(0);
    // Right-aligned ROWS: every row ends its cell where the header does.
    const end = lines[header]!.indexOf("ROWS") + "ROWS".length;
    for (const l of lines.slice(header + 1, header + 3)) {
      expect(l.trimStart()).toMatch(/^0\.(labels|chunks)\.parquet/);
      expect(l.slice(end - "1,000".length, end)).toBe("1,000");
    }
    expect(out).toMatch(/^TOTALS$/m);
  });

  it("prints column details with --columns", async () => {
    const out = await inspect("--columns");
    expect(out).toMatch(/COLUMN\s+TYPE\s+COMPRESSED\s+UNCOMPRESSED\s+RATIO\s+PAGES\s+ENCODINGS\s+CODEC\s+COLUMN INDEX\s+OFFSET INDEX\s+BLOOM/);
    expect(out).toMatch(/l___name__\s+BYTE_ARRAY\/STRING\?.*PLAIN,RLE_DICTIONARY\s+ZSTD\s+yes\s+yes\s+yes \(/);
    expect(out).toMatch(/s_data_0\s+BYTE_ARRAY\s.*DELTA_LENGTH_BYTE_ARRAY\s+ZSTD\s+yes\s+yes\s+no/);
  });

  it("filters units by --unit", async () => {
    expect(theUnit(await inspectJson("--unit", "T000000Z-24h")).status).toBe("published");
    const none = await inspectJson("--unit", "no-such-unit");
    expect(none.units).toEqual([]);
    expect(none.streams).toEqual([]);
    expect(none.totals.units).toBe(0);
  });
});

describe("inspect reads only footers and offset indexes", () => {
  it("fetches no more of the chunks file than the footer tail and its indexes", async () => {
    const reads = new Map<string, number>();
    const wholeGets: string[] = [];
    const bucket = b.open();
    const counting: Bucket = {
      kind: bucket.kind,
      get: (key) => {
        wholeGets.push(key);
        return bucket.get(key);
      },
      getRange: (key, offset, length) => {
        reads.set(key, (reads.get(key) ?? 0) + length);
        return bucket.getRange(key, offset, length);
      },
      attributes: (key) => bucket.attributes(key),
      exists: (key) => bucket.exists(key),
      list: (prefix, opts) => bucket.list(prefix, opts),
      upload: (key, body) => bucket.upload(key, body),
      delete: (key) => bucket.delete(key),
      close: () => bucket.close(),
    };
    try {
      const r = await inspectBucket(counting, { columns: true });
      const chunks = file(theUnit(r), "0.chunks.parquet");
      expect(chunks.size).toBeGreaterThan(1 << 20);
      // The index region (page indexes, bloom filters) lies between the data and the footer.
      expect(reads.get(UNIT + "0.chunks.parquet")).toBeLessThanOrEqual(DEFAULT_FOOTER_FETCH_SIZE + chunks.pageIndexBytes + chunks.bloomBytes);
      expect(wholeGets.filter((k) => k.endsWith(".parquet"))).toEqual([]);
    } finally {
      await counting.close();
    }
  });
});

describe("inspect of units readers ignore", () => {
  const metaPath = (): string => join(unitDir(), "meta.json");
  let saved: string;
  beforeAll(() => {
    saved = readFileSync(metaPath(), "utf8");
  });
  afterAll(() => {
    writeFileSync(metaPath(), saved);
    rmSync(join(unitDir(), "deletion-mark.json"), { force: true });
  });

  it("shows a unit without meta.json as ignored (unpublished), with its objects", async () => {
    rmSync(metaPath());
    try {
      const r = await inspectJson("--columns");
      const u = theUnit(r);
      expect(u.status).toBe("unpublished");
      expect(u.reason).toMatch(/no meta\.json/);
      expect(u.meta).toBeNull();
      expect(u.shards).toEqual([]);
      expect(u.objects.map((o) => o.name).sort()).toEqual(["0.chunks.parquet", "0.labels.parquet"]);
      expect(r.totals).toMatchObject({ units: 0, ignoredUnits: 1, files: 0, bytes: 0, problems: 0 });
      const text = await inspect();
      expect(text).toContain(`UNIT ${UNIT}  IGNORED (unpublished): no meta.json (unpublished)`);
      expect(text).toMatch(/objects\s+0\.chunks\.parquet [0-9.]+ MiB, 0\.labels\.parquet [0-9.]+ KiB/);
      expect(text).toMatch(/units\s+0 published, 1 ignored/);
    } finally {
      writeFileSync(metaPath(), saved);
    }
  });

  it("shows a deletion-marked unit as ignored (deleted)", async () => {
    writeFileSync(join(unitDir(), "deletion-mark.json"), "{}\n");
    try {
      const u = theUnit(await inspectJson());
      expect(u.status).toBe("deleted");
      expect(u.reason).toMatch(/deletion-mark\.json/);
      expect(u.meta?.sources.length).toBe(3);
      expect(u.shards).toEqual([]);
      expect(await inspect()).toContain("IGNORED (deleted)");
    } finally {
      rmSync(join(unitDir(), "deletion-mark.json"));
    }
  });

  it("shows an unparsable meta.json as invalid, and counts it as a problem", async () => {
    writeFileSync(metaPath(), "{");
    try {
      const r = await inspectJson();
      expect(theUnit(r).status).toBe("invalid");
      expect(r.totals.problems).toBe(1);
    } finally {
      writeFileSync(metaPath(), saved);
    }
  });

  it("reports meta.json that disagrees with the objects", async () => {
    const meta = JSON.parse(saved) as { shards: { files: { labels: number } }[] };
    meta.shards[0]!.files.labels += 1;
    writeFileSync(metaPath(), JSON.stringify(meta));
    try {
      const u = theUnit(await inspectJson());
      expect(u.status).toBe("published");
      expect(u.problems.join("\n")).toMatch(/0\.labels\.parquet is \d+ bytes, meta\.json says \d+/);
      expect(await inspect()).toMatch(/^ {2}! shard 0: 0\.labels\.parquet is/m);
    } finally {
      writeFileSync(metaPath(), saved);
    }
  });
});
