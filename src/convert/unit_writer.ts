// Writes one unit (a time partition of a stream): shards of labels + chunks
// Parquet files streamed straight into the bucket, then meta.json last, which
// publishes the unit. Two passes over the merged series order: the first cuts
// shards (by rows and by label-column count, so the labels schema of each
// shard is known before its first row is written), the second writes them.

import { labelsToRecord, type Labels } from "../model/labels.js";
import type { Bucket } from "../objstore/bucket.js";
import { ObjectNotFoundError } from "../objstore/errors.js";
import { FORMAT_VERSION, parseUnitMeta, shardFile, STREAM_META, UNIT_META, UnitMetaError, unitPrefix, type ShardMeta, type UnitMeta } from "../parquet/layout.js";
import {
  chunksFileColumns,
  dataColumnName,
  encodeChunkCell,
  encodeColIndexes,
  footerKv,
  labelColumnName,
  labelsFileLayout,
  labelsSortingColumns,
  seriesHashCell,
} from "../parquet/schema.js";
import { bucketUploadSink } from "../parquet/sink.js";
import { createParquetStreamWriter, type ColumnValues, type ParquetStreamWriter } from "../parquet/writer.js";
import type { Block } from "../tsdb/block.js";
import type { Unit } from "./plan.js";
import { readSourceAggrChunks } from "./agg_sources.js";
import { planResolutions } from "./agg_plan.js";
import { ShardAggWriter } from "./agg_writer.js";
import { rechunkSeries, type RechunkStats } from "./rechunk.js";
import { orderedSeries } from "./series_order.js";

export interface WriteOptions {
  sortBy: string[];
  dataColDurationMs: number;
  rowGroupRows: number;
  maxShardRows: number;
  maxShardLabelColumns: number;
  pageSizeBytes?: number;
  force: boolean;
  createdBy: string;
  /** Compute 5m and 1h aggregates from raw data (convert --downsample). */
  downsample?: boolean;
}

export interface UnitProgress {
  onSeries?(n: number, bytes: number): void;
}

export type UnitResult = { status: "skipped"; meta: UnitMeta } | { status: "written"; meta: UnitMeta } | { status: "empty" };

interface ShardPlan {
  rows: number;
  names: Set<string>;
}

/**
 * The unit's published meta when it is up to date — converted from the same
 * source blocks with the same layout options — and --force is not set.
 */
export async function publishedMeta(bucket: Bucket, unit: Unit, opts: WriteOptions): Promise<UnitMeta | undefined> {
  if (opts.force) return undefined;
  const existing = await readExistingMeta(bucket, unitPrefix(unit.stream, unit.start, unit.end - unit.start) + UNIT_META);
  if (!existing || existing === "invalid") return undefined;
  const sources = unit.blocks.map((b) => b.meta.ulid).sort();
  const same = sameSources(existing.sources, sources) && existing.dataColDurationMs === opts.dataColDurationMs && existing.sortBy.join(",") === opts.sortBy.join(",");
  // Resolutions added since (e.g. by `downsample`) still count as up to date.
  const resolutions = planResolutions(unit, opts).resolutions.every((r) => existing.resolutions.includes(r));
  return same && resolutions ? existing : undefined;
}

export async function writeUnit(bucket: Bucket, unit: Unit, blocks: readonly Block[], opts: WriteOptions, progress: UnitProgress = {}): Promise<UnitResult> {
  const prefix = unitPrefix(unit.stream, unit.start, unit.end - unit.start);
  const sources = unit.blocks.map((b) => b.meta.ulid).sort();
  const current = await publishedMeta(bucket, unit, opts);
  if (current) return { status: "skipped", meta: current };
  const existing = await readExistingMeta(bucket, prefix + UNIT_META);
  // Unpublish first: readers must never see the old meta over new shard files.
  if (existing) await bucket.delete(prefix + UNIT_META);
  await ensureStream(bucket, unit);

  const maxt = unit.end - 1;
  const plan: ShardPlan[] = [];
  let cur: ShardPlan | undefined;
  for await (const s of orderedSeries(blocks, opts.sortBy, unit.start, maxt)) {
    const newNames = s.labels.filter((l) => !cur?.names.has(l.name)).length;
    if (!cur || cur.rows >= opts.maxShardRows || (cur.rows > 0 && cur.names.size + newNames > opts.maxShardLabelColumns)) {
      plan.push((cur = { rows: 0, names: new Set() }));
    }
    cur.rows++;
    for (const l of s.labels) cur.names.add(l.name);
  }
  if (plan.length === 0) {
    await removeStaleShards(bucket, prefix, 0);
    return { status: "empty" };
  }

  const windows = Math.ceil((unit.end - unit.start) / opts.dataColDurationMs);
  const stats: RechunkStats = { passthrough: 0, reencoded: 0 };
  const totals = { series: 0, chunks: 0, samples: 0, bytes: 0, dataMin: Infinity, dataMax: -Infinity, aggChunks: 0 };
  const { plan: aggPlan, resolutions } = planResolutions(unit, opts);
  const colWindows = { start: unit.start, durationMs: opts.dataColDurationMs, count: windows, end: unit.end };
  const shards: ShardMeta[] = [];
  const it = orderedSeries(blocks, opts.sortBy, unit.start, maxt)[Symbol.asyncIterator]();
  for (let si = 0; si < plan.length; si++) {
    const p = plan[si]!;
    const layout = labelsFileLayout(p.names);
    const kv = footerKv({ minT: unit.start, maxT: maxt, dataColDurationMs: opts.dataColDurationMs, kind: "labels", sortBy: opts.sortBy, resolutionMs: 0 });
    const labelsOut = bucketUploadSink(bucket, prefix + shardFile(si, "labels"));
    const chunksOut = bucketUploadSink(bucket, prefix + shardFile(si, "chunks"));
    // Upload failures surface through `done`. Without a listener, an abort that
    // comes before the upload starts reading the stream is an unhandled
    // 'error' event, which kills the whole run instead of failing this unit.

    const common = { rowGroupRows: Number.MAX_SAFE_INTEGER, createdBy: opts.createdBy, ...(opts.pageSizeBytes ? { pageSizeBytes: opts.pageSizeBytes } : {}) };
    const lw = createParquetStreamWriter({ ...common, columns: layout.columns, sink: labelsOut.sink, kv, bloomFilterColumns: [labelColumnName("__name__")].filter((c) => layout.columns.some((x) => x.name === c)), sortingColumns: labelsSortingColumns(opts.sortBy.filter((l) => p.names.has(l))) });
    const cw = createParquetStreamWriter({ ...common, columns: chunksFileColumns(windows), sink: chunksOut.sink, kv: footerKv({ minT: unit.start, maxT: maxt, dataColDurationMs: opts.dataColDurationMs, kind: "chunks", sortBy: opts.sortBy, resolutionMs: 0 }) });
    const aw = new ShardAggWriter(bucket, prefix, si, aggPlan, colWindows, { sortBy: opts.sortBy, createdBy: opts.createdBy, ...(opts.pageSizeBytes ? { pageSizeBytes: opts.pageSizeBytes } : {}) });
    try {
      let batch = newBatch(layout.labelNames, windows);
      const indexOf = layout.columnIndexOf.bind(layout);
      const colIndexCells = new Map<string, Uint8Array>();
      for (let r = 0; r < p.rows; r++) {
        const n = await it.next();
        if (n.done) throw new Error(`series order changed between passes in unit ${prefix}`);
        const s = n.value;
        const rawParts = s.parts.filter((p) => p.block.meta.thanos.resolution === 0);
        const perWindow = await rechunkSeries(rawParts, colWindows, stats);
        addRow(batch, s.labels, indexOf, colIndexCells);
        let rowBytes = 0;
        if (aw.enabled) {
          // Aggregates come from the same merged, tombstone-applied chunks the chunks file gets.
          const aggParts = s.parts.filter((p) => p.block.meta.thanos.resolution !== 0);
          const source = aggParts.length ? await readSourceAggrChunks(aggParts, unit.start, maxt) : {};
          const a = aw.addRow({ raw: perWindow, source });
          rowBytes += a.bytes;
          totals.aggChunks += a.chunks;
          if (a.minTime < totals.dataMin) totals.dataMin = a.minTime;
          if (a.maxTime > totals.dataMax) totals.dataMax = a.maxTime;
        }
        perWindow.forEach((chunks, w) => {
          const cell = encodeChunkCell(chunks);
          rowBytes += cell.length;
          batch.data[w]!.push(cell);
          for (const c of chunks) {
            totals.chunks++;
            totals.samples += c.samples;
            if (c.minTime < totals.dataMin) totals.dataMin = c.minTime;
            if (c.maxTime > totals.dataMax) totals.dataMax = c.maxTime;
          }
        });
        batch.rows++;
        batch.bytes += rowBytes;
        totals.series++;
        progress.onSeries?.(1, rowBytes);
        if (batch.rows >= opts.rowGroupRows || batch.bytes >= ROW_GROUP_MAX_BYTES) {
          await Promise.all([flushBatch(batch, lw, cw), aw.flush()]);
          batch = newBatch(layout.labelNames, windows);
        }
      }
      if (batch.rows > 0) await Promise.all([flushBatch(batch, lw, cw), aw.flush()]);
      const [lr, cr, aggSizes] = await Promise.all([lw.finish(), cw.finish(), aw.finish()]);
      await Promise.all([labelsOut.done, chunksOut.done]);
      totals.bytes += lr.bytes + cr.bytes;
      for (const b of Object.values(aggSizes)) totals.bytes += b;
      shards.push({ rows: p.rows, labelNames: [...layout.labelNames], files: { labels: lr.bytes, chunks: cr.bytes, ...aggSizes } });
    } catch (e) {
      lw.abort(e as Error);
      cw.abort(e as Error);
      labelsOut.sink.destroy(e as Error);
      chunksOut.sink.destroy(e as Error);
      await Promise.allSettled([labelsOut.done, chunksOut.done, aw.abort(e as Error)]);
      throw e;
    }
  }
  if (totals.chunks === 0 && totals.aggChunks === 0) {
    // Tombstones deleted everything in range: publish nothing.
    await removeStaleShards(bucket, prefix, 0);
    return { status: "empty" };
  }
  await removeStaleShards(bucket, prefix, shards.length);
  const meta: UnitMeta = {
    version: FORMAT_VERSION,
    stream: { id: unit.stream, labels: labelsToRecord(unit.externalLabels) },
    minTime: unit.start,
    maxTime: unit.end,
    dataMinTime: totals.dataMin,
    dataMaxTime: totals.dataMax,
    dataColDurationMs: opts.dataColDurationMs,
    dataColumns: windows,
    sortBy: opts.sortBy,
    resolutions,
    shards,
    sources,
    stats: { series: totals.series, chunks: totals.chunks, samples: totals.samples, sourceBytes: unit.blocks.reduce((a, b) => a + b.bytes, 0), bytes: totals.bytes },
    createdAt: new Date().toISOString(),
    createdBy: opts.createdBy,
  };
  await bucket.upload(prefix + UNIT_META, Buffer.from(JSON.stringify(meta, null, 2) + "\n"));
  return { status: "written", meta };
}

/** A row group may not hold more than this much chunk data: bounds converter memory. */
const ROW_GROUP_MAX_BYTES = 16 << 20;

interface Batch {
  rows: number;
  bytes: number;
  names: readonly string[];
  labels: (string | null)[][];
  colIndexes: Uint8Array[];
  hashes: Uint8Array[];
  data: Uint8Array[][];
}

function newBatch(names: readonly string[], windows: number): Batch {
  return { rows: 0, bytes: 0, names, labels: names.map(() => []), colIndexes: [], hashes: [], data: Array.from({ length: windows }, () => []) };
}

function addRow(b: Batch, labels: Labels, indexOf: (name: string) => number, colIndexCells: Map<string, Uint8Array>): void {
  const idx: number[] = [];
  for (const col of b.labels) col.push(null);
  let key = "";
  for (const l of labels) {
    const i = indexOf(l.name);
    b.labels[i]![b.labels[i]!.length - 1] = l.value;
    idx.push(i);
    key += i + ",";
  }
  // Series of one metric share their label names: encode each distinct set once.
  let cell = colIndexCells.get(key);
  if (!cell) colIndexCells.set(key, (cell = encodeColIndexes(idx)));
  b.colIndexes.push(cell);
  b.hashes.push(seriesHashCell(labels));
}

async function flushBatch(b: Batch, lw: ParquetStreamWriter, cw: ParquetStreamWriter): Promise<void> {
  const lcols: Record<string, ColumnValues> = {};
  b.names.forEach((n, i) => (lcols[labelColumnName(n)] = b.labels[i]!));
  lcols["s_col_indexes"] = b.colIndexes;
  lcols["s_series_hash"] = b.hashes;
  const ccols: Record<string, ColumnValues> = {};
  b.data.forEach((cells, w) => (ccols[dataColumnName(w)] = cells));
  await Promise.all([lw.writeRowGroup(lcols), cw.writeRowGroup(ccols)]);
}

/** The published meta, if any. An unparsable one counts as published-but-stale: it is replaced. */
async function readExistingMeta(bucket: Bucket, key: string): Promise<UnitMeta | "invalid" | undefined> {
  let buf: Uint8Array;
  try {
    buf = await bucket.get(key);
  } catch (e) {
    if (e instanceof ObjectNotFoundError) return undefined;
    throw e;
  }
  try {
    return parseUnitMeta(buf, key);
  } catch (e) {
    if (e instanceof UnitMetaError) return "invalid";
    throw e;
  }
}

function sameSources(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function ensureStream(bucket: Bucket, unit: Unit): Promise<void> {
  const key = `${unit.stream}/${STREAM_META}`;
  const want = { version: FORMAT_VERSION, id: unit.stream, labels: labelsToRecord(unit.externalLabels) };
  try {
    const have = JSON.parse(Buffer.from(await bucket.get(key)).toString("utf8")) as { labels?: Record<string, string> };
    if (JSON.stringify(have.labels) !== JSON.stringify(want.labels)) {
      throw new Error(`stream id collision: ${key} holds ${JSON.stringify(have.labels)}, not ${JSON.stringify(want.labels)}`);
    }
  } catch (e) {
    if (!(e instanceof ObjectNotFoundError)) throw e;
    await bucket.upload(key, Buffer.from(JSON.stringify(want, null, 2) + "\n"));
  }
}

/** Deletes shard files beyond the new shard count left by an earlier conversion. */
async function removeStaleShards(bucket: Bucket, prefix: string, shards: number): Promise<void> {
  for await (const key of bucket.list(prefix, { recursive: true })) {
    const m = /^(\d+)\.[a-z0-9-]+\.parquet$/.exec(key.slice(prefix.length));
    if (m && Number(m[1]) >= shards) await bucket.delete(key);
  }
}
