// What `parquet-gateway inspect` reports: streams, units (published or
// ignored, and why), shards, and per Parquet file its row groups and columns.
// Only footers and offset indexes are read, never data pages, so inspecting
// a large bucket costs a few small requests per file. Consistency between
// meta.json, the objects and their footers is checked along the way.

import { readOffsetIndex as parseOffsetIndex } from "hyparquet";
import type { OffsetIndex } from "hyparquet";
import { labelsFromRecord } from "../model/labels.js";
import type { Bucket } from "../objstore/bucket.js";
import { ObjectNotFoundError } from "../objstore/errors.js";
import { DELETION_MARK, parsePartitionName, parseUnitMeta, STREAM_META, streamId, UNIT_META, type UnitMeta } from "../parquet/layout.js";
import { openParquet, readOffsetIndex, type ParquetFile } from "../parquet/reader.js";
import { KV_DATA_COL_DURATION_MS, KV_FILE_KIND, KV_MAX_T, KV_MIN_T, parseDataColumnName, parseLabelColumnName, type FileKind } from "../parquet/schema.js";

export interface InspectOptions {
  /** Only units whose prefix (`<stream>/<partition>/`) contains this. */
  unit?: string;
  /** Per-column details; reads every chunk's offset index for page counts. */
  columns?: boolean;
  /** Objects read in parallel (default 8). */
  concurrency?: number;
}

export interface StreamReport {
  id: string;
  /** External labels from stream.json; null when it is missing or unreadable. */
  labels: Record<string, string> | null;
  units: number;
  problems: string[];
}

/**
 * published: served by readers. unpublished: no meta.json (being written,
 * or abandoned). deleted: deletion-mark.json present. invalid: meta.json
 * does not parse; discovery fails on such a unit.
 */
export type UnitStatus = "published" | "unpublished" | "deleted" | "invalid";

export interface ObjectReport {
  name: string;
  size: number;
}

export interface UnitReport {
  prefix: string;
  stream: string;
  partition: string;
  /** From the partition name: [startMs, startMs + durationMs). */
  startMs: number;
  durationMs: number;
  status: UnitStatus;
  /** Why readers skip the unit; absent when published. */
  reason?: string;
  /** Parsed meta.json, when present and valid. */
  meta: UnitMeta | null;
  /** Every object directly under the unit prefix, with its size. */
  objects: ObjectReport[];
  /** Shards with their files; only for published units. */
  shards: ShardReport[];
  problems: string[];
}

export interface ShardReport {
  shard: number;
  /** From meta.json; null for a shard file meta.json does not describe. */
  rows: number | null;
  labelNames: string[];
  files: FileReport[];
}

export interface FileReport {
  key: string;
  name: string;
  /** From the object name `<shard>.<kind>.parquet`. */
  kind: FileKind;
  /** Object size in the bucket. */
  size: number;
  /** Set when the footer could not be read; the fields below are then zero. */
  error?: string;
  rows: number;
  createdBy: string;
  kv: Record<string, string>;
  /** Leaf columns in schema order. */
  columnNames: string[];
  /** Column chunks as stored, and before compression. size = 4 (magic) + compressedBytes + pageIndexBytes + bloomBytes + footerBytes. */
  compressedBytes: number;
  uncompressedBytes: number;
  pageIndexBytes: number;
  bloomBytes: number;
  /** Footer metadata, its length and the trailing magic. */
  footerBytes: number;
  rowGroups: RowGroupReport[];
  /** Only with InspectOptions.columns. */
  columns?: ColumnReport[];
}

export interface RowGroupReport {
  index: number;
  firstRow: number;
  rows: number;
  compressedBytes: number;
  uncompressedBytes: number;
}

export interface ColumnReport {
  name: string;
  physicalType: string;
  logicalType: string | null;
  repetition: string;
  compressedBytes: number;
  uncompressedBytes: number;
  /** Union over the column's chunks, in first-seen order. */
  encodings: string[];
  codecs: string[];
  /** Column chunks (one per row group), and how many of them have each index. */
  chunks: number;
  columnIndexChunks: number;
  offsetIndexChunks: number;
  bloomFilterChunks: number;
  hasColumnIndex: boolean;
  hasOffsetIndex: boolean;
  hasBloomFilter: boolean;
  bloomBytes: number;
  /** Data pages, counted in the offset indexes; null if a chunk has none. */
  pages: number | null;
  /** Chunks with footer min/max statistics. */
  statisticsChunks: number;
}

export interface KindTotals {
  files: number;
  bytes: number;
  compressedBytes: number;
  uncompressedBytes: number;
}

export interface Totals {
  streams: number;
  units: number;
  ignoredUnits: number;
  shards: number;
  files: number;
  rows: number;
  series: number;
  chunks: number;
  samples: number;
  bytes: number;
  compressedBytes: number;
  uncompressedBytes: number;
  /** uncompressed / compressed column bytes, 0 when nothing was read. */
  compressionRatio: number;
  byKind: Partial<Record<FileKind, KindTotals>>;
  problems: number;
}

export interface BucketInspection {
  streams: StreamReport[];
  units: UnitReport[];
  totals: Totals;
}

const SHARD_FILE_RE = /^(\d+)\.(labels|chunks|agg-5m|agg-1h)\.parquet$/;
const KIND_ORDER: readonly FileKind[] = ["labels", "chunks", "agg-5m", "agg-1h"];

export async function inspectBucket(bucket: Bucket, opts: InspectOptions = {}): Promise<BucketInspection> {
  const limit = opts.concurrency ?? 8;
  const streams: StreamReport[] = [];
  const units: UnitReport[] = [];
  for await (const dir of bucket.list("", { recursive: false })) {
    if (!dir.endsWith("/")) continue;
    const unitDirs: string[] = [];
    let hasStreamMeta = false;
    for await (const entry of bucket.list(dir, { recursive: false })) {
      if (entry === dir + STREAM_META) hasStreamMeta = true;
      else if (entry.endsWith("/") && parsePartitionName(entry.slice(dir.length, -1))) unitDirs.push(entry);
    }
    // Neither stream.json nor a partition: not ours (e.g. a TSDB block directory).
    if (!hasStreamMeta && unitDirs.length === 0) continue;
    const selected = unitDirs.filter((u) => opts.unit === undefined || u.includes(opts.unit));
    if (opts.unit !== undefined && selected.length === 0) continue;
    const stream = await inspectStream(bucket, dir.slice(0, -1), hasStreamMeta);
    stream.units = selected.length;
    streams.push(stream);
    for (const u of selected) units.push(await inspectUnit(bucket, u, limit, opts.columns === true));
  }
  units.sort((a, b) => a.startMs - b.startMs || (a.prefix < b.prefix ? -1 : 1));
  return { streams, units, totals: totals(streams, units) };
}

async function inspectStream(bucket: Bucket, id: string, hasMeta: boolean): Promise<StreamReport> {
  const report: StreamReport = { id, labels: null, units: 0, problems: [] };
  if (!hasMeta) {
    report.problems.push(`no ${STREAM_META}`);
    return report;
  }
  try {
    const raw: unknown = JSON.parse((await bucket.get(`${id}/${STREAM_META}`)).toString("utf8"));
    const s = raw as { id?: unknown; labels?: unknown };
    if (typeof s.labels !== "object" || s.labels === null || Object.values(s.labels).some((v) => typeof v !== "string")) {
      report.problems.push(`${STREAM_META}: labels are not a string map`);
      return report;
    }
    report.labels = s.labels as Record<string, string>;
    if (s.id !== id) report.problems.push(`${STREAM_META}: id ${JSON.stringify(s.id)} differs from the directory name`);
    const derived = streamId(labelsFromRecord(report.labels));
    if (derived !== id) report.problems.push(`${STREAM_META}: labels hash to stream id ${derived}, not ${id}`);
  } catch (e) {
    report.problems.push(`${STREAM_META}: ${(e as Error).message}`);
  }
  return report;
}

async function inspectUnit(bucket: Bucket, prefix: string, limit: number, columns: boolean): Promise<UnitReport> {
  const [stream, partition] = prefix.slice(0, -1).split("/") as [string, string];
  const { startMs, durationMs } = parsePartitionName(partition)!;
  const names: string[] = [];
  for await (const k of bucket.list(prefix, { recursive: false })) if (!k.endsWith("/")) names.push(k.slice(prefix.length));
  const objects = await mapLimit(names, limit, async (name) => ({ name, size: (await bucket.attributes(prefix + name)).size }));
  const report: UnitReport = { prefix, stream, partition, startMs, durationMs, status: "published", meta: null, objects, shards: [], problems: [] };

  const has = new Set(names);
  let metaError: string | undefined;
  if (has.has(UNIT_META)) {
    try {
      report.meta = parseUnitMeta(await bucket.get(prefix + UNIT_META), prefix + UNIT_META);
    } catch (e) {
      if (!(e instanceof ObjectNotFoundError)) metaError = (e as Error).message;
    }
  }
  // Discovery's order: no meta.json, then the deletion mark, then a meta.json it cannot parse.
  if (!report.meta && metaError === undefined) {
    report.status = "unpublished";
    report.reason = `no ${UNIT_META} (unpublished)`;
  } else if (has.has(DELETION_MARK)) {
    report.status = "deleted";
    report.reason = `${DELETION_MARK} present`;
  } else if (metaError !== undefined) {
    report.status = "invalid";
    report.reason = metaError;
    // discoverUnits throws on such a unit, so every reader of the bucket fails.
    report.problems.push(`${UNIT_META} is invalid: ${metaError}`);
  }
  if (report.status !== "published" || !report.meta) return report;

  const meta = report.meta;
  checkUnitMeta(report, meta);
  const sizes = new Map(objects.map((o) => [o.name, o.size]));
  const byShard = new Map<number, string[]>();
  for (const name of names) {
    const m = SHARD_FILE_RE.exec(name);
    if (!m) continue;
    const shard = Number(m[1]);
    let list = byShard.get(shard);
    if (!list) byShard.set(shard, (list = []));
    list.push(name);
  }
  const shardNumbers = [...new Set([...meta.shards.keys(), ...byShard.keys()])].sort((a, b) => a - b);
  const tasks: { shard: ShardReport; name: string; kind: FileKind }[] = [];
  for (const s of shardNumbers) {
    const sm = meta.shards[s];
    const shard: ShardReport = { shard: s, rows: sm?.rows ?? null, labelNames: sm ? [...sm.labelNames] : [], files: [] };
    const listed = byShard.get(s) ?? [];
    report.shards.push(shard);
    if (!sm) report.problems.push(`shard ${s}: files ${listed.join(", ")} are not described by ${UNIT_META}`);
    for (const kind of KIND_ORDER) {
      const name = `${s}.${kind}.parquet`;
      // meta.json is only partly validated by parseUnitMeta: tolerate missing objects.
      const metaSize = sm?.files?.[kind];
      if (!sizes.has(name)) {
        if (metaSize !== undefined || (sm && (kind === "labels" || kind === "chunks"))) report.problems.push(`shard ${s}: ${name} is missing`);
        continue;
      }
      if (metaSize !== undefined && metaSize !== sizes.get(name)) report.problems.push(`shard ${s}: ${name} is ${sizes.get(name)} bytes, ${UNIT_META} says ${metaSize}`);
      tasks.push({ shard, name, kind });
    }
  }
  const files = await mapLimit(tasks, limit, (t) => inspectFile(bucket, prefix + t.name, t.name, t.kind, sizes.get(t.name)!, columns));
  tasks.forEach((t, i) => t.shard.files.push(files[i]!));
  for (const sh of report.shards) checkShard(report, meta, sh);
  return report;
}

function checkUnitMeta(report: UnitReport, meta: UnitMeta): void {
  const p = report.problems;
  if (meta.stream.id !== report.stream) p.push(`${UNIT_META}: stream id ${meta.stream.id} differs from the directory ${report.stream}`);
  if (meta.minTime !== report.startMs || meta.maxTime !== report.startMs + report.durationMs) {
    p.push(`${UNIT_META}: time range [${meta.minTime}, ${meta.maxTime}) differs from the partition name ${report.partition}`);
  }
  if (meta.dataMinTime < meta.minTime || meta.dataMaxTime >= meta.maxTime) {
    p.push(`${UNIT_META}: data range [${meta.dataMinTime}, ${meta.dataMaxTime}] reaches outside the partition [${meta.minTime}, ${meta.maxTime})`);
  }
  if (!meta.stats) {
    p.push(`${UNIT_META}: no stats`);
    return;
  }
  const rows = meta.shards.reduce((a, s) => a + s.rows, 0);
  if (rows !== meta.stats.series) p.push(`${UNIT_META}: shards hold ${rows} rows but stats.series is ${meta.stats.series}`);
  const bytes = meta.shards.reduce((a, s) => a + Object.values(s.files ?? {}).reduce((x, y) => x + (y ?? 0), 0), 0);
  if (bytes !== meta.stats.bytes) p.push(`${UNIT_META}: shard files add up to ${bytes} bytes but stats.bytes is ${meta.stats.bytes}`);
}

/** Footer against meta.json, and the row-group alignment of the shard's files. */
function checkShard(report: UnitReport, meta: UnitMeta, sh: ShardReport): void {
  const p = report.problems;
  const ok = sh.files.filter((f) => f.error === undefined);
  for (const f of sh.files) if (f.error !== undefined) p.push(`${f.name}: ${f.error}`);
  for (const f of ok) {
    if (sh.rows !== null && f.rows !== sh.rows) p.push(`${f.name}: ${f.rows} rows, ${UNIT_META} says ${sh.rows}`);
    const kind = f.kv[KV_FILE_KIND];
    if (kind !== undefined && kind !== f.kind) p.push(`${f.name}: footer file kind ${kind}`);
    const want: [string, number][] = [
      [KV_MIN_T, meta.minTime],
      [KV_MAX_T, meta.maxTime - 1],
      [KV_DATA_COL_DURATION_MS, meta.dataColDurationMs],
    ];
    for (const [k, v] of want) if (f.kv[k] !== String(v)) p.push(`${f.name}: footer ${k}=${JSON.stringify(f.kv[k] ?? null)}, expected ${v}`);
  }
  const [first, ...rest] = ok;
  if (first) {
    const bounds = first.rowGroups.map((g) => g.rows).join(",");
    for (const f of rest) {
      if (f.rowGroups.map((g) => g.rows).join(",") !== bounds) p.push(`shard ${sh.shard}: row groups of ${f.name} do not align with ${first.name}`);
    }
  }
  for (const f of ok) {
    if (f.kind === "labels") {
      const labels = f.columnNames.map(parseLabelColumnName).filter((n): n is string => n !== undefined);
      if (sh.rows !== null && labels.join("\u0000") !== sh.labelNames.join("\u0000")) p.push(`${f.name}: label columns differ from ${UNIT_META} labelNames`);
    }
    if (f.kind === "chunks") {
      const windows = f.columnNames.filter((c) => parseDataColumnName(c) !== undefined).length;
      if (windows !== meta.dataColumns) p.push(`${f.name}: ${windows} data columns, ${UNIT_META} says ${meta.dataColumns}`);
    }
  }
}

async function inspectFile(bucket: Bucket, key: string, name: string, kind: FileKind, size: number, withColumns: boolean): Promise<FileReport> {
  const report: FileReport = {
    key,
    name,
    kind,
    size,
    rows: 0,
    createdBy: "",
    kv: {},
    columnNames: [],
    pageIndexBytes: 0,
    bloomBytes: 0,
    footerBytes: 0,
    compressedBytes: 0,
    uncompressedBytes: 0,
    rowGroups: [],
  };
  let file: ParquetFile;
  try {
    file = await openParquet(bucket, key, { size });
  } catch (e) {
    report.error = (e as Error).message;
    return report;
  }
  const md = file.metadata;
  report.rows = file.numRows;
  report.createdBy = md.created_by ?? "";
  report.kv = { ...file.kv };
  report.columnNames = [...file.columnNames];
  report.footerBytes = md.metadata_length + 8;
  md.row_groups.forEach((rg, i) => {
    let compressed = 0;
    let uncompressed = 0;
    for (const c of rg.columns) {
      const m = c.meta_data;
      if (m) {
        compressed += Number(m.total_compressed_size);
        uncompressed += Number(m.total_uncompressed_size);
        report.bloomBytes += m.bloom_filter_length ?? 0;
      }
      report.pageIndexBytes += (c.column_index_length ?? 0) + (c.offset_index_length ?? 0);
    }
    report.rowGroups.push({ index: i, firstRow: file.rowGroupStarts[i]!, rows: Number(rg.num_rows), compressedBytes: compressed, uncompressedBytes: uncompressed });
    report.compressedBytes += compressed;
    report.uncompressedBytes += uncompressed;
  });
  if (withColumns) {
    try {
      report.columns = await columnReports(file);
    } catch (e) {
      report.error = `offset index: ${(e as Error).message}`;
    }
  }
  return report;
}

async function columnReports(file: ParquetFile): Promise<ColumnReport[]> {
  const offsetIndexes = await allOffsetIndexes(file);
  return file.columnNames.map((name, leaf) => {
    const el = file.element(name);
    const r: ColumnReport = {
      name,
      physicalType: el.type ?? "",
      logicalType: el.logical_type?.type ?? el.converted_type ?? null,
      repetition: el.repetition_type ?? "REQUIRED",
      compressedBytes: 0,
      uncompressedBytes: 0,
      encodings: [],
      codecs: [],
      chunks: 0,
      columnIndexChunks: 0,
      offsetIndexChunks: 0,
      bloomFilterChunks: 0,
      hasColumnIndex: false,
      hasOffsetIndex: false,
      hasBloomFilter: false,
      bloomBytes: 0,
      pages: 0,
      statisticsChunks: 0,
    };
    file.metadata.row_groups.forEach((rg, g) => {
      const c = rg.columns[leaf];
      const m = c?.meta_data;
      if (!c || !m) return;
      r.chunks++;
      r.compressedBytes += Number(m.total_compressed_size);
      r.uncompressedBytes += Number(m.total_uncompressed_size);
      for (const e of m.encodings) if (!r.encodings.includes(e)) r.encodings.push(e);
      if (!r.codecs.includes(m.codec)) r.codecs.push(m.codec);
      if (c.column_index_offset !== undefined && c.column_index_length) r.columnIndexChunks++;
      if (c.offset_index_offset !== undefined && c.offset_index_length) r.offsetIndexChunks++;
      if (m.bloom_filter_offset !== undefined) {
        r.bloomFilterChunks++;
        r.bloomBytes += m.bloom_filter_length ?? 0;
      }
      const s = m.statistics;
      if (s && (s.min_value !== undefined || s.max_value !== undefined || s.min !== undefined || s.max !== undefined)) r.statisticsChunks++;
      const oi = offsetIndexes.get(`${g}/${leaf}`);
      r.pages = oi && r.pages !== null ? r.pages + oi.page_locations.length : null;
    });
    r.hasColumnIndex = r.chunks > 0 && r.columnIndexChunks === r.chunks;
    r.hasOffsetIndex = r.chunks > 0 && r.offsetIndexChunks === r.chunks;
    r.hasBloomFilter = r.chunks > 0 && r.bloomFilterChunks === r.chunks;
    return r;
  });
}

/**
 * Every chunk's offset index, keyed `rowGroup/leaf`. Our writer stores them
 * back to back, so one read of their span replaces a request per chunk; a
 * scattered layout falls back to one read each.
 */
async function allOffsetIndexes(file: ParquetFile): Promise<Map<string, OffsetIndex>> {
  const out = new Map<string, OffsetIndex>();
  const refs: { key: string; start: number; length: number; rg: number; column: string }[] = [];
  file.metadata.row_groups.forEach((rg, g) =>
    rg.columns.forEach((c, leaf) => {
      if (c.offset_index_offset === undefined || !c.offset_index_length) return;
      refs.push({ key: `${g}/${leaf}`, start: Number(c.offset_index_offset), length: c.offset_index_length, rg: g, column: file.columnNames[leaf]! });
    }),
  );
  if (refs.length === 0) return out;
  const lo = Math.min(...refs.map((r) => r.start));
  const hi = Math.max(...refs.map((r) => r.start + r.length));
  const total = refs.reduce((a, r) => a + r.length, 0);
  if (hi - lo <= 2 * total + 4096) {
    const span = new Uint8Array(await file.buffer.slice(lo, hi));
    for (const r of refs) {
      const view = new DataView(span.buffer, span.byteOffset + r.start - lo, r.length);
      out.set(r.key, parseOffsetIndex({ view, offset: 0 }));
    }
    return out;
  }
  await Promise.all(
    refs.map(async (r) => {
      const oi = await readOffsetIndex(file, r.rg, r.column);
      if (oi) out.set(r.key, oi);
    }),
  );
  return out;
}

function totals(streams: StreamReport[], units: UnitReport[]): Totals {
  const t: Totals = {
    streams: streams.length,
    units: 0,
    ignoredUnits: 0,
    shards: 0,
    files: 0,
    rows: 0,
    series: 0,
    chunks: 0,
    samples: 0,
    bytes: 0,
    compressedBytes: 0,
    uncompressedBytes: 0,
    compressionRatio: 0,
    byKind: {},
    problems: streams.reduce((a, s) => a + s.problems.length, 0),
  };
  for (const u of units) {
    t.problems += u.problems.length;
    if (u.status !== "published" || !u.meta) {
      t.ignoredUnits++;
      continue;
    }
    t.units++;
    t.series += u.meta.stats?.series ?? 0;
    t.chunks += u.meta.stats?.chunks ?? 0;
    t.samples += u.meta.stats?.samples ?? 0;
    for (const sh of u.shards) {
      t.shards++;
      t.rows += sh.rows ?? 0;
      for (const f of sh.files) {
        const k = (t.byKind[f.kind] ??= { files: 0, bytes: 0, compressedBytes: 0, uncompressedBytes: 0 });
        k.files++;
        k.bytes += f.size;
        k.compressedBytes += f.compressedBytes;
        k.uncompressedBytes += f.uncompressedBytes;
        t.files++;
        t.bytes += f.size;
        t.compressedBytes += f.compressedBytes;
        t.uncompressedBytes += f.uncompressedBytes;
      }
    }
  }
  t.compressionRatio = t.compressedBytes > 0 ? t.uncompressedBytes / t.compressedBytes : 0;
  return t;
}

/** Like Promise.all over items.map(fn), with at most `limit` calls in flight. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
