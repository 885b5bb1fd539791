// Bucket layout of converted data, and the unit meta.json that publishes a
// unit. Converter, store and tools all go through this module for paths.
//
//   <stream-id>/stream.json                      external labels of the stream
//   <stream-id>/<YYYYMMDDTHHMMSSZ>-<dur>/        one unit: a time partition of a stream
//       <N>.labels.parquet  <N>.chunks.parquet   shard N (identical row order)
//       <N>.agg-5m.parquet  <N>.agg-1h.parquet   downsampled aggregates, when present
//       meta.json                                written last: publishes the unit
//       deletion-mark.json                       unit is being deleted: readers skip it

import { createHash } from "node:crypto";
import type { Labels } from "../model/labels.js";
import { FORMAT_VERSION, type FileKind } from "./schema.js";

export { FORMAT_VERSION };

export const UNIT_META = "meta.json";
export const DELETION_MARK = "deletion-mark.json";
export const STREAM_META = "stream.json";

const SEP = Buffer.from([0xff]);

/** Stable id of a stream (external-label set): first 16 hex digits of sha256 over UTF-8 name, 0xFF, value, 0xFF per label. */
export function streamId(ext: Labels): string {
  const h = createHash("sha256");
  for (const l of ext) h.update(l.name, "utf8").update(SEP).update(l.value, "utf8").update(SEP);
  return h.digest("hex").slice(0, 16);
}

export function partitionName(startMs: number, durationMs: number): string {
  const iso = new Date(startMs).toISOString(); // 2024-01-01T00:00:00.000Z
  const stamp = iso.slice(0, 19).replace(/[-:]/g, "") + "Z";
  return `${stamp}-${formatDur(durationMs)}`;
}

const PARTITION_RE = /^(\d{8}T\d{6}Z)-(\d+)(h|m)$/;

export function parsePartitionName(name: string): { startMs: number; durationMs: number } | undefined {
  const m = PARTITION_RE.exec(name);
  if (!m) return undefined;
  const s = m[1]!;
  const startMs = Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(9, 11), +s.slice(11, 13), +s.slice(13, 15));
  return { startMs, durationMs: +m[2]! * (m[3] === "h" ? 3600_000 : 60_000) };
}

function formatDur(ms: number): string {
  return ms % 3600_000 === 0 ? `${ms / 3600_000}h` : `${ms / 60_000}m`;
}

export function unitPrefix(stream: string, startMs: number, durationMs: number): string {
  return `${stream}/${partitionName(startMs, durationMs)}/`;
}

export function shardFile(shard: number, kind: FileKind): string {
  return `${shard}.${kind}.parquet`;
}

export interface ShardMeta {
  rows: number;
  /** Label names with a column in this shard's labels file, sorted. */
  labelNames: string[];
  /** Object sizes, by file kind. */
  files: Partial<Record<FileKind, number>>;
}

export interface UnitMeta {
  version: number;
  stream: { id: string; labels: Record<string, string> };
  /** Partition bounds: [minTime, maxTime), ms. */
  minTime: number;
  maxTime: number;
  /** First and last sample timestamps actually stored (inclusive). */
  dataMinTime: number;
  dataMaxTime: number;
  /** Width of each s_data_<i> column window, ms. */
  dataColDurationMs: number;
  dataColumns: number;
  sortBy: string[];
  /** Resolutions present: 0 raw, 300000 5m, 3600000 1h. */
  resolutions: number[];
  shards: ShardMeta[];
  /** Source block ULIDs, sorted. */
  sources: string[];
  stats: { series: number; chunks: number; samples: number; sourceBytes: number; bytes: number };
  createdAt: string;
  createdBy: string;
}

export class UnitMetaError extends Error {
  constructor(key: string, what: string) {
    super(`invalid unit meta ${key}: ${what}`);
    this.name = "UnitMetaError";
  }
}

export function parseUnitMeta(buf: Uint8Array, key: string): UnitMeta {
  let m: unknown;
  try {
    m = JSON.parse(Buffer.from(buf).toString("utf8"));
  } catch (e) {
    throw new UnitMetaError(key, (e as Error).message);
  }
  const u = m as Partial<UnitMeta>;
  if (typeof u !== "object" || u === null) throw new UnitMetaError(key, "not an object");
  if (u.version !== FORMAT_VERSION) throw new UnitMetaError(key, `unsupported format version ${JSON.stringify(u.version)}`);
  for (const k of ["minTime", "maxTime", "dataMinTime", "dataMaxTime", "dataColDurationMs", "dataColumns"] as const) {
    if (!Number.isSafeInteger(u[k])) throw new UnitMetaError(key, `${k} must be an integer`);
  }
  if (!Array.isArray(u.shards) || !u.shards.every((s) => Number.isSafeInteger(s.rows) && Array.isArray(s.labelNames))) throw new UnitMetaError(key, "invalid shards");
  if (!u.stream || typeof u.stream.id !== "string" || typeof u.stream.labels !== "object") throw new UnitMetaError(key, "invalid stream");
  if (!Array.isArray(u.sources) || !Array.isArray(u.sortBy) || !Array.isArray(u.resolutions)) throw new UnitMetaError(key, "invalid sources/sortBy/resolutions");
  return u as UnitMeta;
}
