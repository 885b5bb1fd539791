// Streaming Parquet writer over hyparquet-writer's column encoder.
//
// hyparquet-writer's ParquetWriter encodes pages well but cannot set
// per-column page sizes or truncation, writes page indexes only for chunks
// with several pages, and has no sorting_columns. So this module assembles
// row groups itself from writeColumn (pages, dictionaries, encodings), builds
// the page indexes (page-index.ts), and reuses the library's bloom filter and
// footer serialisers. Output leaves after every column chunk, through a sink
// with backpressure, so memory stays within one row group.

import { BloomBuilder, writeBlooms } from "hyparquet-writer/src/bloom.js";
import { writeColumn } from "hyparquet-writer/src/column.js";
import { writeMetadata } from "hyparquet-writer/src/metadata.js";
import {
  buildColumnIndex,
  completeOffsetIndex,
  serializeColumnIndex,
  serializeOffsetIndex,
  writePageIndexes,
  type OffsetIndex,
  type PendingChunkIndexes,
  type SchemaElement,
  type WrittenChunk,
} from "./page-index.js";
import { sinkAdapter, SpillingByteWriter, type ParquetSink, type SinkAdapter } from "./sink.js";
import { DEFAULT_ZSTD_LEVEL, zstdCompressor } from "./zstd.js";

/** One leaf column. Only flat BYTE_ARRAY columns are needed by our files. */
export interface ParquetColumnSpec {
  name: string;
  /** "string": UTF-8 (JS strings). "binary": raw bytes (Uint8Array). */
  type: "string" | "binary";
  optional: boolean;
  /** RLE_DICTIONARY is always honoured, even when the dictionary would not halve the size. */
  encoding: "RLE_DICTIONARY" | "PLAIN" | "DELTA_LENGTH_BYTE_ARRAY" | "DELTA_BYTE_ARRAY";
  /** Chunk-level min/max/null count in the footer. Off for blobs: costly and useless for pruning. */
  statistics: boolean;
  /** Overrides the writer's page size for this column. */
  pageSizeBytes?: number;
  /** Bytes kept of each ColumnIndex page bound (default: statisticsTruncateLength with statistics, else 16). */
  indexTruncateLength?: number;
}

export interface SortingColumnSpec {
  column: string;
  descending?: boolean;
  nullsFirst?: boolean;
}

export type StringColumnValues = (string | null)[];
export type BinaryColumnValues = (Uint8Array | null)[];
export type ColumnValues = StringColumnValues | BinaryColumnValues;

export interface ParquetStreamWriterOptions {
  columns: readonly ParquetColumnSpec[];
  sink: ParquetSink;
  kv: Readonly<Record<string, string>>;
  /** Largest row group; bigger batches are split at multiples of it (default 100,000). */
  rowGroupRows?: number;
  /** Target uncompressed page size (default 32 KiB): small pages keep selective reads small. */
  pageSizeBytes?: number;
  /** Bytes kept of string min/max statistics, at least 64 (default 128). */
  statisticsTruncateLength?: number;
  bloomFilterColumns?: readonly string[];
  /** Bloom filter false-positive rate (default 0.01). */
  bloomFilterFpp?: number;
  /** Declared on every row group. */
  sortingColumns?: readonly SortingColumnSpec[];
  zstdLevel?: number;
  createdBy?: string;
  /** End a Writable sink on finish() (default true). */
  endSink?: boolean;
}

export interface ParquetWriteResult {
  bytes: number;
  rows: number;
  rowGroups: number;
}

export const DEFAULT_ROW_GROUP_ROWS = 100_000;
export const DEFAULT_PAGE_SIZE_BYTES = 32 * 1024;
export const DEFAULT_STATISTICS_TRUNCATE_LENGTH = 128;
export const MIN_STATISTICS_TRUNCATE_LENGTH = 64;
const BLOB_INDEX_TRUNCATE_LENGTH = 16;
const PARQUET_MAGIC = 0x31524150; // "PAR1" little-endian

type ColumnEncoder = Parameters<typeof writeColumn>[0]["column"];
type PageData = Parameters<typeof writeColumn>[0]["pageData"];
type FileMetaData = Parameters<typeof writeMetadata>[1];
type RowGroup = FileMetaData["row_groups"][number];
type SortingColumn = NonNullable<RowGroup["sorting_columns"]>[number];

interface PreparedColumn {
  spec: ParquetColumnSpec;
  element: SchemaElement;
  encoder: ColumnEncoder;
  indexTruncateLength: number;
  bloom: boolean;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  return v;
}

function schemaElement(spec: ParquetColumnSpec): SchemaElement {
  const repetition_type = spec.optional ? "OPTIONAL" : "REQUIRED";
  return spec.type === "string"
    ? { name: spec.name, type: "BYTE_ARRAY", repetition_type, converted_type: "UTF8", logical_type: { type: "STRING" } }
    : { name: spec.name, type: "BYTE_ARRAY", repetition_type };
}

export class ParquetStreamWriter {
  private readonly out = new SpillingByteWriter();
  private readonly sink: SinkAdapter;
  private readonly schema: SchemaElement[];
  private readonly columns: PreparedColumn[];
  private readonly sorting: SortingColumn[] | undefined;
  private readonly rowGroupRows: number;
  private readonly statsTruncate: number;
  private readonly bloomFpp: number;
  private readonly kv: { key: string; value: string }[];
  private readonly createdBy: string;
  private readonly rowGroups: RowGroup[] = [];
  private readonly pending: PendingChunkIndexes[] = [];
  private numRows = 0;
  private state: "open" | "busy" | "finished" | "failed" = "open";

  constructor(opts: ParquetStreamWriterOptions) {
    if (opts.columns.length === 0) throw new Error("parquet writer needs at least one column");
    this.rowGroupRows = positiveInt("rowGroupRows", opts.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS);
    const pageSize = positiveInt("pageSizeBytes", opts.pageSizeBytes ?? DEFAULT_PAGE_SIZE_BYTES);
    this.statsTruncate = opts.statisticsTruncateLength ?? DEFAULT_STATISTICS_TRUNCATE_LENGTH;
    if (!(this.statsTruncate === Infinity || (Number.isSafeInteger(this.statsTruncate) && this.statsTruncate >= MIN_STATISTICS_TRUNCATE_LENGTH))) {
      throw new RangeError(`statisticsTruncateLength must be an integer ≥ ${MIN_STATISTICS_TRUNCATE_LENGTH} or Infinity, got ${this.statsTruncate}`);
    }
    this.bloomFpp = opts.bloomFilterFpp ?? 0.01;
    if (!(this.bloomFpp > 0 && this.bloomFpp < 1)) throw new RangeError(`bloomFilterFpp must be in (0, 1), got ${this.bloomFpp}`);

    const names = new Set<string>();
    for (const c of opts.columns) {
      if (c.name === "") throw new Error("parquet column name must not be empty");
      if (names.has(c.name)) throw new Error(`duplicate parquet column ${c.name}`);
      names.add(c.name);
    }
    const bloomColumns = new Set(opts.bloomFilterColumns ?? []);
    for (const b of bloomColumns) if (!names.has(b)) throw new Error(`bloom filter column ${b} is not in the schema`);

    const compressors = { ZSTD: zstdCompressor(opts.zstdLevel ?? DEFAULT_ZSTD_LEVEL) };
    const root: SchemaElement = { name: "schema", num_children: opts.columns.length };
    this.columns = opts.columns.map((spec) => {
      const element = schemaElement(spec);
      const encoder: ColumnEncoder = {
        columnName: spec.name,
        element,
        schemaPath: [root, element],
        codec: "ZSTD",
        compressors,
        stats: spec.statistics,
        statisticsTruncateLength: this.statsTruncate,
        pageSize: positiveInt(`pageSizeBytes of ${spec.name}`, spec.pageSizeBytes ?? pageSize),
        // Page indexes are ours; bloom filters too, built from distinct values only.
        columnIndex: false,
        offsetIndex: true,
        encoding: spec.encoding,
        bloomFilter: false,
      };
      const indexTruncateLength = spec.indexTruncateLength ?? (spec.statistics ? this.statsTruncate : BLOB_INDEX_TRUNCATE_LENGTH);
      if (indexTruncateLength !== Infinity) positiveInt(`indexTruncateLength of ${spec.name}`, indexTruncateLength);
      return { spec, element, encoder, indexTruncateLength, bloom: bloomColumns.has(spec.name) };
    });
    this.schema = [root, ...this.columns.map((c) => c.element)];

    const leafIndex = new Map(opts.columns.map((c, i) => [c.name, i]));
    this.sorting = opts.sortingColumns?.length
      ? opts.sortingColumns.map((s) => {
          const column_idx = leafIndex.get(s.column);
          if (column_idx === undefined) throw new Error(`sorting column ${s.column} is not in the schema`);
          return { column_idx, descending: s.descending ?? false, nulls_first: s.nullsFirst ?? true };
        })
      : undefined;

    this.kv = Object.entries(opts.kv).map(([key, value]) => ({ key, value }));
    this.createdBy = opts.createdBy ?? "parquet-gateway (hyparquet-writer)";
    this.sink = sinkAdapter(opts.sink, opts.endSink ?? true);
    this.out.appendUint32(PARQUET_MAGIC);
  }

  /** Bytes produced so far (including any not yet accepted by the sink). */
  get bytesWritten(): number {
    return this.out.offset;
  }

  get rowsWritten(): number {
    return this.numRows;
  }

  /**
   * Writes one batch of rows, given column by column, as one row group (or
   * several of rowGroupRows when larger). Resolves once the sink accepted the
   * bytes. Calls must not overlap.
   */
  async writeRowGroup(columns: Readonly<Record<string, ColumnValues>>): Promise<void> {
    this.enter("writeRowGroup");
    let rows: number;
    try {
      rows = this.validate(columns);
    } catch (err) {
      this.state = "open"; // nothing was written; the file is still good
      throw err;
    }
    try {
      for (let start = 0; start < rows; start += this.rowGroupRows) {
        await this.writeOneRowGroup(columns, start, Math.min(rows, start + this.rowGroupRows));
      }
      this.state = "open";
    } catch (err) {
      this.fail(err);
      throw err;
    }
  }

  /** Writes page indexes, bloom filters and the footer; ends a Writable sink. */
  async finish(): Promise<ParquetWriteResult> {
    this.enter("finish");
    try {
      writePageIndexes(this.out, this.pending);
      writeBlooms(
        this.out,
        this.pending.map((p) => ({ chunk: p.chunk, bloomFilter: p.bloomFilter })),
      );
      const metadata: FileMetaData = {
        version: 2,
        created_by: this.createdBy,
        schema: this.schema,
        num_rows: BigInt(this.numRows),
        row_groups: this.rowGroups,
        key_value_metadata: this.kv,
        metadata_length: 0, // not serialised; writeMetadata appends the real length
      };
      writeMetadata(this.out, metadata, this.statsTruncate);
      this.out.appendUint32(PARQUET_MAGIC);
      await this.drain();
      await this.sink.end();
      this.state = "finished";
      return { bytes: this.out.offset, rows: this.numRows, rowGroups: this.rowGroups.length };
    } catch (err) {
      this.fail(err);
      throw err;
    }
  }

  /** Gives up on the file: a Writable sink is destroyed, so an upload fails instead of committing. */
  abort(err: Error = new Error("parquet write aborted")): void {
    if (this.state === "finished" || this.state === "failed") return;
    this.fail(err);
  }

  private enter(op: string): void {
    if (this.state !== "open") throw new Error(`parquet writer: ${op} called while ${this.state}`);
    this.state = "busy";
  }

  private fail(err: unknown): void {
    this.state = "failed";
    this.sink.abort(err instanceof Error ? err : new Error(String(err)));
  }

  private validate(columns: Readonly<Record<string, ColumnValues>>): number {
    for (const name of Object.keys(columns)) {
      if (!this.columns.some((c) => c.spec.name === name)) throw new Error(`column ${name} is not in the schema`);
    }
    let rows = -1;
    for (const { spec } of this.columns) {
      const values = columns[spec.name];
      if (!Array.isArray(values)) throw new Error(`column ${spec.name} is missing`);
      if (rows < 0) rows = values.length;
      else if (values.length !== rows) throw new Error(`column ${spec.name} has ${values.length} rows, expected ${rows}`);
      const expected = spec.type === "string" ? "string" : "Uint8Array";
      for (let i = 0; i < values.length; i++) {
        const v: unknown = values[i];
        if (v === null || v === undefined) {
          if (!spec.optional) throw new Error(`column ${spec.name} is required but row ${i} is null`);
        } else if (spec.type === "string" ? typeof v !== "string" : !(v instanceof Uint8Array)) {
          throw new Error(`column ${spec.name} row ${i}: expected ${expected}, got ${typeof v}`);
        }
      }
    }
    return rows;
  }

  private async writeOneRowGroup(columns: Readonly<Record<string, ColumnValues>>, start: number, end: number): Promise<void> {
    const groupStart = this.out.offset;
    const chunks: WrittenChunk[] = [];
    for (const col of this.columns) {
      const all = columns[col.spec.name]!;
      const values = start === 0 && end === all.length ? all : all.slice(start, end);
      const pageData: PageData = {
        values,
        definitionLevels: col.spec.optional ? definitionLevels(values) : [],
        repetitionLevels: [],
        maxDefinitionLevel: col.spec.optional ? 1 : 0,
      };
      const result = writeColumn({ writer: this.out, column: col.encoder, pageData });
      const offsetIndex = completeOffsetIndex(result);
      const columnIndex = buildColumnIndex(values, offsetIndex, col.element, col.indexTruncateLength);
      const meta = result.chunk.meta_data;
      if (meta && !meta.encoding_stats) meta.encoding_stats = encodingStats(meta.encodings, meta.dictionary_page_offset !== undefined, offsetIndex);
      const bloomFilter = col.bloom ? buildBloomFilter(values, col.element, this.bloomFpp) : undefined;
      this.pending.push({
        chunk: result.chunk,
        columnIndex: serializeColumnIndex(columnIndex),
        offsetIndex: serializeOffsetIndex(offsetIndex),
        ...(bloomFilter ? { bloomFilter } : {}),
      });
      chunks.push(result.chunk);
      await this.drain();
    }
    let totalByteSize = 0n;
    for (const c of chunks) totalByteSize += c.meta_data?.total_uncompressed_size ?? 0n;
    this.rowGroups.push({
      columns: chunks,
      total_byte_size: totalByteSize,
      num_rows: BigInt(end - start),
      file_offset: BigInt(groupStart),
      total_compressed_size: BigInt(this.out.offset - groupStart),
      ...(this.sorting ? { sorting_columns: this.sorting } : {}),
    });
    this.numRows += end - start;
  }

  private async drain(): Promise<void> {
    for (const chunk of this.out.take()) await this.sink.write(chunk);
  }
}

export function createParquetStreamWriter(opts: ParquetStreamWriterOptions): ParquetStreamWriter {
  return new ParquetStreamWriter(opts);
}

function definitionLevels(values: ColumnValues): number[] {
  const levels = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) levels[i] = values[i] === null || values[i] === undefined ? 0 : 1;
  return levels;
}

type ColumnMeta = NonNullable<WrittenChunk["meta_data"]>;

/** writeColumn records page encoding stats only with statistics on; readers use them to know every page is dictionary encoded. */
function encodingStats(encodings: ColumnMeta["encodings"], hasDictionary: boolean, offsetIndex: OffsetIndex): NonNullable<ColumnMeta["encoding_stats"]> {
  const dataEncoding = encodings[encodings.length - 1] ?? "PLAIN";
  const stats: NonNullable<ColumnMeta["encoding_stats"]> = [];
  if (hasDictionary) stats.push({ page_type: "DICTIONARY_PAGE", encoding: "PLAIN", count: 1 });
  stats.push({ page_type: "DATA_PAGE_V2", encoding: dataEncoding, count: offsetIndex.page_locations.length });
  return stats;
}

/** Bloom filter over the distinct values only: hashing is the expensive part. */
function buildBloomFilter(values: ColumnValues, element: SchemaElement, fpp: number): Uint32Array | undefined {
  const builder = new BloomBuilder(element, { fpp });
  const seen = new Set<string | Uint8Array>();
  for (const v of values) {
    if (v === null || v === undefined || seen.has(v)) continue;
    seen.add(v);
    builder.insert(v);
  }
  return builder.finalize();
}
