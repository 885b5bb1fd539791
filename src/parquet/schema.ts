// The one module that owns every column name, cell encoding and footer key of
// our Parquet files. Names and encodings follow prometheus-community/
// parquet-common (schema/schema.go, schema/schema_builder.go,
// schema/encoder.go) so its readers can open our labels and chunks files.

import { xxhash64Into } from "../util/xxhash64.js";
import { compareUtf8 } from "./compare.js";
import { putUvarint, putZigzag, uvarintSize, VarintError, VarintReader, zigzagSize } from "./varint.js";
import type { ParquetColumnSpec, SortingColumnSpec } from "./writer.js";

// ---------------------------------------------------------------------------
// Column names

export const LABEL_COLUMN_PREFIX = "l_";
export const DATA_COLUMN_PREFIX = "s_data_";
export const COL_INDEXES_COLUMN = "s_col_indexes";
export const SERIES_HASH_COLUMN = "s_series_hash";
export const METRIC_NAME_LABEL = "__name__";

export const AGGREGATES = ["count", "sum", "min", "max", "counter"] as const;
export type Aggregate = (typeof AGGREGATES)[number];

export function labelColumnName(labelName: string): string {
  if (labelName === "") throw new RangeError("label name must not be empty");
  return LABEL_COLUMN_PREFIX + labelName;
}

/** The label name of an `l_<name>` column, or undefined for any other column. */
export function parseLabelColumnName(column: string): string | undefined {
  if (!column.startsWith(LABEL_COLUMN_PREFIX) || column.length === LABEL_COLUMN_PREFIX.length) return undefined;
  return column.slice(LABEL_COLUMN_PREFIX.length);
}

function checkWindow(i: number): void {
  if (!Number.isSafeInteger(i) || i < 0) throw new RangeError(`window index must be a non-negative integer, got ${i}`);
}

export function dataColumnName(window: number): string {
  checkWindow(window);
  return DATA_COLUMN_PREFIX + window;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** The window of an `s_data_<i>` column, or undefined. */
export function parseDataColumnName(column: string): number | undefined {
  if (!column.startsWith(DATA_COLUMN_PREFIX)) return undefined;
  const rest = column.slice(DATA_COLUMN_PREFIX.length);
  return DECIMAL.test(rest) ? Number(rest) : undefined;
}

export function aggColumnName(aggr: Aggregate, window: number): string {
  checkWindow(window);
  return `s_${aggr}_${window}`;
}

/** The aggregate and window of an `s_<aggr>_<i>` column, or undefined. */
export function parseAggColumnName(column: string): { aggr: Aggregate; window: number } | undefined {
  for (const aggr of AGGREGATES) {
    const prefix = `s_${aggr}_`;
    if (column.startsWith(prefix)) {
      const rest = column.slice(prefix.length);
      if (DECIMAL.test(rest)) return { aggr, window: Number(rest) };
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Time windows (one data/aggregate column per window)

function checkDuration(durationMs: number): void {
  if (!Number.isSafeInteger(durationMs) || durationMs <= 0) {
    throw new RangeError(`window duration must be a positive integer of milliseconds, got ${durationMs}`);
  }
}

/**
 * Window (column) holding timestamp t. Same rule as parquet-common's
 * DataColumIdx: times before minT map to window 0, which lets callers pass
 * a query's start time unclamped. Times after maxT give indexes past the
 * last column; callers clamp with windowCount.
 */
export function windowIndex(t: number, minT: number, durationMs: number): number {
  checkDuration(durationMs);
  if (t < minT) return 0;
  return Math.floor((t - minT) / durationMs);
}

/** Number of windows for [minT, maxT] (both inclusive), as parquet-common's Builder counts them. */
export function windowCount(minT: number, maxT: number, durationMs: number): number {
  checkDuration(durationMs);
  if (maxT < minT) throw new RangeError(`maxT ${maxT} is before minT ${minT}`);
  return Math.floor((maxT - minT) / durationMs) + 1;
}

/** [start, end) of window i. */
export function windowBounds(window: number, minT: number, durationMs: number): { start: number; end: number } {
  checkWindow(window);
  checkDuration(durationMs);
  const start = minT + window * durationMs;
  return { start, end: start + durationMs };
}

// ---------------------------------------------------------------------------
// Footer key-values

/** parquet-common's keys: decimal int64 milliseconds. maxT is inclusive. */
export const KV_MIN_T = "minT";
export const KV_MAX_T = "maxT";
export const KV_DATA_COL_DURATION_MS = "data_col_duration_ms";
/** Our own keys, namespaced so they never collide with parquet-common's. */
export const KV_FORMAT_VERSION = "parquet_gateway.format_version";
export const KV_FILE_KIND = "parquet_gateway.file_kind";
export const KV_SORT_BY = "parquet_gateway.sort_by";
export const KV_RESOLUTION_MS = "parquet_gateway.resolution_ms";

export const FORMAT_VERSION = 1;

export type FileKind = "labels" | "chunks" | "agg-5m" | "agg-1h";
const FILE_KINDS: readonly FileKind[] = ["labels", "chunks", "agg-5m", "agg-1h"];

export interface FooterInfo {
  minT: number;
  maxT: number;
  dataColDurationMs: number;
  kind: FileKind;
  /** Labels the rows are sorted by, before the full label set. */
  sortBy: readonly string[];
  /** Sample resolution: 0 for raw data, 300000 / 3600000 for aggregates. */
  resolutionMs: number;
  formatVersion: number;
}

export function footerKv(info: Omit<FooterInfo, "formatVersion">): Record<string, string> {
  for (const [k, v] of [
    ["minT", info.minT],
    ["maxT", info.maxT],
    ["resolutionMs", info.resolutionMs],
  ] as const) {
    if (!Number.isSafeInteger(v)) throw new RangeError(`${k} must be a safe integer, got ${v}`);
  }
  windowCount(info.minT, info.maxT, info.dataColDurationMs);
  for (const l of info.sortBy) {
    if (l === "" || l.includes(",")) throw new RangeError(`invalid sort label ${JSON.stringify(l)}`);
  }
  return {
    [KV_MIN_T]: String(info.minT),
    [KV_MAX_T]: String(info.maxT),
    [KV_DATA_COL_DURATION_MS]: String(info.dataColDurationMs),
    [KV_FORMAT_VERSION]: String(FORMAT_VERSION),
    [KV_FILE_KIND]: info.kind,
    [KV_SORT_BY]: info.sortBy.join(","),
    [KV_RESOLUTION_MS]: String(info.resolutionMs),
  };
}

function kvInt(kv: Readonly<Record<string, string>>, key: string, fallback?: number): number {
  const raw = kv[key];
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new Error(`parquet footer is missing key ${key}`);
  }
  if (!/^-?[0-9]+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new Error(`parquet footer key ${key} is not an integer: ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/**
 * Reads the footer keys. Files written by parquet-common carry only minT,
 * maxT and data_col_duration_ms; the rest fall back to its defaults.
 */
export function parseFooterKv(kv: Readonly<Record<string, string>>): FooterInfo {
  const minT = kvInt(kv, KV_MIN_T);
  const maxT = kvInt(kv, KV_MAX_T);
  const dataColDurationMs = kvInt(kv, KV_DATA_COL_DURATION_MS);
  windowCount(minT, maxT, dataColDurationMs);
  const kind = kv[KV_FILE_KIND] ?? "labels";
  if (!(FILE_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown parquet file kind ${JSON.stringify(kind)}`);
  const sortBy = kv[KV_SORT_BY];
  return {
    minT,
    maxT,
    dataColDurationMs,
    kind: kind as FileKind,
    sortBy: sortBy === undefined ? [METRIC_NAME_LABEL] : sortBy === "" ? [] : sortBy.split(","),
    resolutionMs: kvInt(kv, KV_RESOLUTION_MS, 0),
    formatVersion: kvInt(kv, KV_FORMAT_VERSION, 0),
  };
}

// ---------------------------------------------------------------------------
// Column layouts of each file kind

/** Label columns: optional UTF-8, dictionary encoded even when it doesn't halve the size. */
function labelColumnSpec(labelName: string): ParquetColumnSpec {
  return { name: labelColumnName(labelName), type: "string", optional: true, encoding: "RLE_DICTIONARY", statistics: true };
}

/** Chunk and aggregate cells: required BYTE_ARRAY, empty when the series has nothing in the window. */
function blobColumnSpec(name: string): ParquetColumnSpec {
  return { name, type: "binary", optional: false, encoding: "DELTA_LENGTH_BYTE_ARRAY", statistics: false };
}

export interface LabelsFileLayout {
  /** Label names in column order (UTF-8 byte order, deduplicated). */
  labelNames: readonly string[];
  columns: readonly ParquetColumnSpec[];
  /** Index of a label's column, as stored in s_col_indexes. */
  columnIndexOf(labelName: string): number;
}

/**
 * Labels file columns. parquet-go orders a group's fields by name, so in a
 * parquet-common file the `l_*` columns come first (`l_` < `s_`) and a
 * label's index in s_col_indexes is its position among them. We keep the same
 * order so those indexes mean the same thing in both.
 */
export function labelsFileLayout(labelNames: Iterable<string>): LabelsFileLayout {
  const names = [...new Set(labelNames)].sort(compareUtf8);
  const indexOf = new Map(names.map((n, i) => [n, i]));
  const columns: ParquetColumnSpec[] = names.map(labelColumnSpec);
  columns.push(
    // parquet-common: DELTA_BYTE_ARRAY, no page bounds.
    { name: COL_INDEXES_COLUMN, type: "binary", optional: false, encoding: "DELTA_BYTE_ARRAY", statistics: false },
    // parquet-common: plain BYTE_ARRAY of 8 big-endian bytes, no page bounds.
    { name: SERIES_HASH_COLUMN, type: "binary", optional: false, encoding: "PLAIN", statistics: false },
  );
  return {
    labelNames: names,
    columns,
    columnIndexOf(labelName: string): number {
      const i = indexOf.get(labelName);
      if (i === undefined) throw new Error(`label ${JSON.stringify(labelName)} has no column in this labels file`);
      return i;
    },
  };
}

/** `s_data_0..n-1` in window order (parquet-common files may order them by name; readers look columns up by name). */
export function chunksFileColumns(windows: number): ParquetColumnSpec[] {
  checkWindow(windows);
  return Array.from({ length: windows }, (_, i) => blobColumnSpec(dataColumnName(i)));
}

/** Aggregate-major: every window of `s_count_*`, then `s_sum_*`, and so on. */
export function aggFileColumns(windows: number): ParquetColumnSpec[] {
  checkWindow(windows);
  return AGGREGATES.flatMap((aggr) => Array.from({ length: windows }, (_, i) => blobColumnSpec(aggColumnName(aggr, i))));
}

/**
 * Declared sort order of a labels file: by the sort labels, ascending. A
 * series without a sort label sorts as if its value were "", i.e. first.
 */
export function labelsSortingColumns(sortBy: readonly string[]): SortingColumnSpec[] {
  return sortBy.map((l) => ({ column: labelColumnName(l), descending: false, nullsFirst: true }));
}

// ---------------------------------------------------------------------------
// s_col_indexes cell: which label columns a row has

/**
 * parquet-common's EncodeIntSlice: Go binary.PutVarint (zigzag) of the count,
 * then of each column index in ascending order. Indexes are positions in the
 * labels file's leaf columns.
 */
export function encodeColIndexes(indexes: readonly number[]): Uint8Array {
  const sorted = [...indexes].sort((a, b) => a - b);
  let size = zigzagSize(sorted.length);
  for (const i of sorted) {
    if (!Number.isSafeInteger(i) || i < 0) throw new RangeError(`column index must be a non-negative integer, got ${i}`);
    size += zigzagSize(i);
  }
  const out = new Uint8Array(size);
  let pos = putZigzag(out, 0, sorted.length);
  for (const i of sorted) pos = putZigzag(out, pos, i);
  return out;
}

export function decodeColIndexes(cell: Uint8Array): number[] {
  const r = new VarintReader(cell);
  const count = r.zigzag("s_col_indexes count");
  // Each index takes at least one byte, which bounds the allocation.
  if (count < 0 || count > r.remaining) {
    throw new VarintError(`s_col_indexes count ${count} does not fit the ${cell.length}-byte cell`);
  }
  const out = new Array<number>(count);
  for (let k = 0; k < count; k++) {
    const i = r.zigzag("s_col_indexes index");
    if (i < 0) throw new VarintError(`negative s_col_indexes index ${i}`);
    out[k] = i;
  }
  return out;
}

// ---------------------------------------------------------------------------
// s_series_hash cell

/** 8 bytes, big-endian, as parquet-common stores labels.StableHash. */
export function encodeSeriesHash(hash: bigint): Uint8Array {
  if (hash < 0n || hash >= 2n ** 64n) throw new RangeError(`series hash must be an unsigned 64-bit value, got ${hash}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, hash, false);
  return out;
}

export function decodeSeriesHash(cell: Uint8Array): bigint {
  if (cell.length !== 8) throw new VarintError(`s_series_hash cell must be 8 bytes, got ${cell.length}`);
  return new DataView(cell.buffer, cell.byteOffset, 8).getBigUint64(0, false);
}

/**
 * Prometheus labels.StableHash: xxhash64 (seed 0) of name 0xff value 0xff
 * for each label in name order. Labels must already be sorted by name.
 */
export function stableSeriesHash(labels: readonly { name: string; value: string }[]): bigint {
  const cell = seriesHashCell(labels);
  return new DataView(cell.buffer, cell.byteOffset, 8).getBigUint64(0, false);
}

let hashBuf = Buffer.allocUnsafe(4096);
const hashOut = new Uint32Array(2);

/**
 * The s_series_hash cell (8 bytes, big-endian) of a label set, computed
 * without BigInt or per-label allocations: the converter does this for every
 * series.
 */
export function seriesHashCell(labels: readonly { name: string; value: string }[]): Uint8Array {
  let need = 0;
  for (const l of labels) need += 3 * (l.name.length + l.value.length) + 2;
  if (need > hashBuf.length) hashBuf = Buffer.allocUnsafe(Math.max(need, hashBuf.length * 2));
  let pos = 0;
  for (const l of labels) {
    pos += hashBuf.write(l.name, pos, "utf8");
    hashBuf[pos++] = 0xff;
    pos += hashBuf.write(l.value, pos, "utf8");
    hashBuf[pos++] = 0xff;
  }
  xxhash64Into(hashBuf.subarray(0, pos), hashOut);
  const out = new Uint8Array(8);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, hashOut[1]!, false);
  dv.setUint32(4, hashOut[0]!, false);
  return out;
}

// ---------------------------------------------------------------------------
// Chunk cells (s_data_<i> and aggregate columns)

export interface CellChunk {
  /** Prometheus chunk encoding (1 XOR, 2 histogram, 3 float histogram). */
  encoding: number;
  /** First and last sample time in the chunk, milliseconds. */
  minTime: number;
  maxTime: number;
  /** The Prometheus chunk bytes, without the segment-file length/encoding/CRC framing. */
  data: Uint8Array;
}

/** A cell's bytes don't follow the chunk cell format. */
export class ChunkCellError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ChunkCellError";
  }
}

function checkChunk(c: CellChunk, k: number): void {
  if (!Number.isInteger(c.encoding) || c.encoding < 0 || c.encoding > 255) {
    throw new RangeError(`chunk ${k}: encoding must be an integer in [0, 255], got ${c.encoding}`);
  }
  if (!Number.isSafeInteger(c.minTime) || !Number.isSafeInteger(c.maxTime)) {
    throw new RangeError(`chunk ${k}: times must be safe integers, got [${c.minTime}, ${c.maxTime}]`);
  }
  if (c.minTime > c.maxTime) throw new RangeError(`chunk ${k}: minTime ${c.minTime} is after maxTime ${c.maxTime}`);
}

/**
 * parquet-common's cell format (schema/encoder.go Encode): for each chunk,
 * uvarint(encoding), uvarint(uint64(minTime)), uvarint(uint64(maxTime)),
 * uvarint(len(data)), then data. Times are not zigzagged. Written in one
 * allocation.
 */
export function encodeChunkCell(chunks: readonly CellChunk[]): Uint8Array {
  let size = 0;
  for (let k = 0; k < chunks.length; k++) {
    const c = chunks[k]!;
    checkChunk(c, k);
    size += uvarintSize(c.encoding) + uvarintSize(c.minTime) + uvarintSize(c.maxTime) + uvarintSize(c.data.length) + c.data.length;
  }
  const out = new Uint8Array(size);
  let pos = 0;
  for (const c of chunks) {
    pos = putUvarint(out, pos, c.encoding);
    pos = putUvarint(out, pos, c.minTime);
    pos = putUvarint(out, pos, c.maxTime);
    pos = putUvarint(out, pos, c.data.length);
    out.set(c.data, pos);
    pos += c.data.length;
  }
  return out;
}

/**
 * Iterates a cell's chunks; `data` views the cell (no copy). Throws
 * ChunkCellError on the first malformed or truncated record.
 */
export function* decodeChunkCell(cell: Uint8Array): Generator<CellChunk, void, undefined> {
  const r = new VarintReader(cell);
  let k = 0;
  while (r.remaining > 0) {
    const at = r.pos;
    let encoding: number;
    let minTime: number;
    let maxTime: number;
    let length: number;
    try {
      encoding = r.uvarint("chunk encoding");
      minTime = r.uvarintInt64("chunk min time");
      maxTime = r.uvarintInt64("chunk max time");
      length = r.uvarint("chunk length");
    } catch (err) {
      throw new ChunkCellError(`malformed chunk cell: chunk ${k} header at offset ${at}: ${(err as Error).message}`, { cause: err });
    }
    if (encoding > 255) throw new ChunkCellError(`malformed chunk cell: chunk ${k} at offset ${at} has encoding ${encoding} > 255`);
    if (minTime > maxTime) {
      throw new ChunkCellError(`malformed chunk cell: chunk ${k} at offset ${at} has minTime ${minTime} after maxTime ${maxTime}`);
    }
    if (length > r.remaining) {
      throw new ChunkCellError(
        `truncated chunk cell: chunk ${k} at offset ${at} declares ${length} data bytes but only ${r.remaining} remain`,
      );
    }
    const data = cell.subarray(r.pos, r.pos + length);
    r.pos += length;
    k++;
    yield { encoding, minTime, maxTime, data };
  }
}
