// Reading our Parquet files from a Bucket with hyparquet: the footer in one
// ranged GET (when the size is known), then only the pages a row range
// needs, located through the offset index. hyparquet decodes the pages.

import { parquetMetadata, parquetSchema, readColumnIndex as parseColumnIndex, readOffsetIndex as parseOffsetIndex } from "hyparquet";
import type { AsyncBuffer, ColumnChunk, FileMetaData, OffsetIndex, RowGroup, SchemaElement, SchemaTree } from "hyparquet";
import { hashParquetValue, readBloomFilter as parseBloomFilter, sbbfContains } from "hyparquet/src/bloom.js";
import { parquetHeader, readColumn, readPage } from "hyparquet/src/column.js";
import { DEFAULT_PARSERS } from "hyparquet/src/convert.js";
import type { Bucket } from "../objstore/bucket.js";
import { bucketAsyncBuffer } from "./bucket-buffer.js";
import { zstdDecompress } from "./zstd.js";

export const DEFAULT_FOOTER_FETCH_SIZE = 64 * 1024;
const PARQUET_MAGIC = 0x31524150;

export type CellValue = string | Uint8Array | null;
export type { FileMetaData, OffsetIndex };

export interface BloomFilter {
  numBytes: number;
  blocks: Uint32Array;
}

export interface ColumnIndexInfo {
  nullPages: boolean[];
  /** Page bounds: strings for UTF-8 columns, bytes otherwise. Empty on null pages. */
  minValues: (string | Uint8Array)[];
  maxValues: (string | Uint8Array)[];
  boundaryOrder: "UNORDERED" | "ASCENDING" | "DESCENDING";
  nullCounts: bigint[] | undefined;
}

type ColumnDecoder = Parameters<typeof readColumn>[2];

const decompressors = { ZSTD: zstdDecompress };
const binaryParsers = { ...DEFAULT_PARSERS, stringFromBytes: (b: Uint8Array): Uint8Array => b };

/** An opened Parquet object: footer metadata plus lazily loaded, cached offset indexes. */
export class ParquetFile {
  readonly kv: Readonly<Record<string, string>>;
  /** Leaf column names in schema order (the order s_col_indexes refers to). */
  readonly columnNames: readonly string[];
  /** First row of each row group, plus the total row count at the end. */
  readonly rowGroupStarts: readonly number[];
  readonly numRows: number;
  private readonly leaves: Map<string, { index: number; path: SchemaTree[] }>;
  private readonly offsetIndexes = new Map<string, Promise<OffsetIndex | undefined>>();

  constructor(
    readonly bucket: Bucket,
    readonly key: string,
    readonly size: number,
    readonly metadata: FileMetaData,
    /** Range reads of this object; slices inside the footer fetch cost no request. */
    readonly buffer: AsyncBuffer,
    /** Approximate memory held for this file's metadata (footer bytes kept plus parsed form). */
    readonly metadataBytes = 0,
  ) {
    const kv: Record<string, string> = {};
    for (const { key: k, value } of metadata.key_value_metadata ?? []) kv[k] = value ?? "";
    this.kv = kv;
    const tree = parquetSchema(metadata);
    this.leaves = new Map();
    const names: string[] = [];
    for (const child of tree.children) {
      if (child.children.length) continue; // our files are flat; nested columns are not addressable here
      this.leaves.set(child.element.name, { index: names.length, path: [tree, child] });
      names.push(child.element.name);
    }
    this.columnNames = names;
    const starts = [0];
    for (const rg of metadata.row_groups) starts.push(starts[starts.length - 1]! + Number(rg.num_rows));
    this.rowGroupStarts = starts;
    this.numRows = starts[starts.length - 1]!;
  }

  get rowGroupCount(): number {
    return this.metadata.row_groups.length;
  }

  hasColumn(column: string): boolean {
    return this.leaves.has(column);
  }

  /** Leaf position of a column (what s_col_indexes and sorting_columns store). */
  columnIndexOf(column: string): number {
    return this.leaf(column).index;
  }

  element(column: string): SchemaElement {
    return this.leaf(column).path[1]!.element;
  }

  rowGroup(i: number): RowGroup {
    const rg = this.metadata.row_groups[i];
    if (!rg) throw new RangeError(`${this.key}: row group ${i} out of range (file has ${this.rowGroupCount})`);
    return rg;
  }

  chunk(rowGroup: number, column: string): ColumnChunk {
    const chunk = this.rowGroup(rowGroup).columns[this.leaf(column).index];
    if (!chunk?.meta_data) throw new Error(`${this.key}: row group ${rowGroup} has no metadata for column ${column}`);
    return chunk;
  }

  /** @internal */
  schemaPath(column: string): SchemaTree[] {
    return this.leaf(column).path;
  }

  /** @internal cached per (row group, column); a failed load is retried next time */
  cachedOffsetIndex(rowGroup: number, column: string, load: () => Promise<OffsetIndex | undefined>): Promise<OffsetIndex | undefined> {
    const k = `${rowGroup}\u0000${column}`;
    let p = this.offsetIndexes.get(k);
    if (!p) {
      p = load();
      p.catch(() => this.offsetIndexes.delete(k));
      this.offsetIndexes.set(k, p);
    }
    return p;
  }

  private leaf(column: string): { index: number; path: SchemaTree[] } {
    const leaf = this.leaves.get(column);
    if (!leaf) throw new Error(`${this.key}: no column ${column}`);
    return leaf;
  }
}

/** Fetches bytes [start, end) of an object; lets callers put caches and prefetching under the reader. */
export type RangeFetcher = (bucket: Bucket, key: string, start: number, end: number) => Promise<Uint8Array>;

export interface OpenParquetOptions {
  /** Object size when known (e.g. from meta.json); saves a HEAD request. */
  size?: number;
  /** How data ranges are fetched after open (default: a ranged GET each). */
  fetch?: RangeFetcher;
  /** Bytes fetched from the end of the object on open (default 64 KiB). */
  footerFetchSize?: number;
}

/** Opens a Parquet object: one ranged GET for the footer unless it is larger than footerFetchSize. */
export async function openParquet(bucket: Bucket, key: string, opts: OpenParquetOptions = {}): Promise<ParquetFile> {
  const size = opts.size ?? (await bucket.attributes(key)).size;
  if (!Number.isSafeInteger(size) || size < 12) throw new Error(`${key}: ${size} bytes is too small for a Parquet file`);
  const fetchSize = Math.min(size, opts.footerFetchSize ?? DEFAULT_FOOTER_FETCH_SIZE);
  if (!(fetchSize >= 8)) throw new RangeError(`footerFetchSize must be at least 8, got ${opts.footerFetchSize}`);

  let tailOffset = size - fetchSize;
  let tail: Uint8Array = await bucket.getRange(key, tailOffset, fetchSize);
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  if (view.getUint32(tail.length - 4, true) !== PARQUET_MAGIC) throw new Error(`${key}: not a Parquet file (no PAR1 trailer)`);
  const metadataLength = view.getUint32(tail.length - 8, true);
  if (metadataLength + 12 > size) throw new Error(`${key}: corrupt Parquet footer (metadata length ${metadataLength}, size ${size})`);
  if (metadataLength + 8 > tail.length) {
    const start = size - 8 - metadataLength;
    const head = await bucket.getRange(key, start, tailOffset - start);
    const joined = new Uint8Array(head.length + tail.length);
    joined.set(head, 0);
    joined.set(tail, head.length);
    tail = joined;
    tailOffset = start;
  }
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(tail, { geoparquet: false });
  } catch (err) {
    throw new Error(`${key}: cannot parse Parquet footer: ${(err as Error).message}`, { cause: err });
  }
  // Page indexes and bloom filters sit just before the footer: pull them into
  // the cached tail now, so pruning never pays a request for them later.
  let indexStart = tailOffset;
  for (const rg of metadata.row_groups) {
    for (const c of rg.columns) {
      for (const off of [c.column_index_offset, c.offset_index_offset, c.meta_data?.bloom_filter_offset]) {
        if (off !== undefined && Number(off) < indexStart) indexStart = Number(off);
      }
    }
  }
  if (indexStart < tailOffset) {
    const head = await bucket.getRange(key, indexStart, tailOffset - indexStart);
    const joined = new Uint8Array(head.length + tail.length);
    joined.set(head, 0);
    joined.set(tail, head.length);
    tail = joined;
    tailOffset = indexStart;
  }
  // The parsed footer costs a few times its encoded size in JS objects.
  return new ParquetFile(bucket, key, size, metadata, bucketAsyncBuffer(bucket, key, size, { offset: tailOffset, bytes: tail }, opts.fetch), tail.length * 4);
}

async function readSlice(file: ParquetFile, start: number, end: number): Promise<Uint8Array> {
  return new Uint8Array(await file.buffer.slice(start, end));
}

/** The chunk's OffsetIndex (page offsets, sizes, first rows), or undefined if it has none. */
export function readOffsetIndex(file: ParquetFile, rowGroup: number, column: string): Promise<OffsetIndex | undefined> {
  const chunk = file.chunk(rowGroup, column);
  return file.cachedOffsetIndex(rowGroup, column, async () => {
    if (chunk.offset_index_offset === undefined || !chunk.offset_index_length) return undefined;
    const start = Number(chunk.offset_index_offset);
    const bytes = await readSlice(file, start, start + chunk.offset_index_length);
    return parseOffsetIndex({ view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 });
  });
}

/** The chunk's ColumnIndex (per-page bounds and null counts), or undefined if it has none. */
export async function readColumnIndex(file: ParquetFile, rowGroup: number, column: string): Promise<ColumnIndexInfo | undefined> {
  const chunk = file.chunk(rowGroup, column);
  if (chunk.column_index_offset === undefined || !chunk.column_index_length) return undefined;
  const start = Number(chunk.column_index_offset);
  const bytes = await readSlice(file, start, start + chunk.column_index_length);
  const element = file.element(column);
  const parsers = isUtf8(element) ? DEFAULT_PARSERS : binaryParsers;
  const ci = parseColumnIndex({ view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 }, element, parsers);
  // hyparquet types the bounds as bytes but converts them per the column's type.
  const bounds = (values: readonly unknown[]): (string | Uint8Array)[] =>
    values.map((v) => {
      if (typeof v === "string" || v instanceof Uint8Array) return v;
      throw new Error(`${file.key}: unexpected page bound type ${typeof v} in column ${column}`);
    });
  return {
    nullPages: ci.null_pages,
    minValues: bounds(ci.min_values),
    maxValues: bounds(ci.max_values),
    boundaryOrder: ci.boundary_order,
    nullCounts: ci.null_counts,
  };
}

/** The chunk's split-block bloom filter, or undefined if it has none. */
export async function readBloomFilter(file: ParquetFile, rowGroup: number, column: string): Promise<BloomFilter | undefined> {
  const meta = file.chunk(rowGroup, column).meta_data!;
  if (meta.bloom_filter_offset === undefined) return undefined;
  const start = Number(meta.bloom_filter_offset);
  // Writers that omit the length leave us to guess; ours always set it.
  const end = meta.bloom_filter_length ? start + meta.bloom_filter_length : Math.min(file.size, start + (1 << 20) + 64);
  const bytes = await readSlice(file, start, end);
  return parseBloomFilter({ view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 });
}

/** False only when the value is certainly absent from the chunk. */
export function bloomFilterMightContain(file: ParquetFile, column: string, filter: BloomFilter, value: string | Uint8Array): boolean {
  const hash = hashParquetValue(value, file.element(column));
  return hash === undefined ? true : sbbfContains(filter.blocks, hash);
}

function isUtf8(element: SchemaElement): boolean {
  return element.converted_type === "UTF8" || element.logical_type?.type === "STRING";
}

function checkRange(file: ParquetFile, rowStart: number, rowEnd: number): void {
  if (!(Number.isSafeInteger(rowStart) && Number.isSafeInteger(rowEnd) && rowStart >= 0 && rowStart <= rowEnd && rowEnd <= file.numRows)) {
    throw new RangeError(`${file.key}: invalid row range [${rowStart}, ${rowEnd}) of ${file.numRows} rows`);
  }
}

/**
 * Values of one BYTE_ARRAY column for rows [rowStart, rowEnd) of the file.
 * Reads, per row group, only the pages overlapping the range (plus the
 * dictionary page). UTF-8 columns give strings, others Uint8Array.
 */
export async function readColumnRows(file: ParquetFile, column: string, rowStart: number, rowEnd: number): Promise<CellValue[]> {
  checkRange(file, rowStart, rowEnd);
  const element = file.element(column);
  if (element.type !== "BYTE_ARRAY") throw new Error(`${file.key}: column ${column} is ${element.type}, not BYTE_ARRAY`);
  const parts: Promise<CellValue[]>[] = [];
  const starts = file.rowGroupStarts;
  for (let rg = 0; rg < file.rowGroupCount; rg++) {
    const gs = starts[rg]!;
    const ge = starts[rg + 1]!;
    if (ge <= rowStart || gs >= rowEnd || gs === ge) continue;
    parts.push(readRowGroupRows(file, rg, column, Math.max(rowStart, gs) - gs, Math.min(rowEnd, ge) - gs));
  }
  const results = await Promise.all(parts);
  return results.length === 1 ? results[0]! : results.flat();
}

export async function readStringColumnRows(file: ParquetFile, column: string, rowStart: number, rowEnd: number): Promise<(string | null)[]> {
  if (!isUtf8(file.element(column))) throw new Error(`${file.key}: column ${column} is not a UTF-8 column`);
  const values = await readColumnRows(file, column, rowStart, rowEnd);
  return values.map((v) => {
    if (typeof v === "string" || v === null) return v;
    throw new Error(`${file.key}: column ${column} decoded a non-string value`);
  });
}

export async function readBinaryColumnRows(file: ParquetFile, column: string, rowStart: number, rowEnd: number): Promise<(Uint8Array | null)[]> {
  if (isUtf8(file.element(column))) throw new Error(`${file.key}: column ${column} is a UTF-8 column`);
  const values = await readColumnRows(file, column, rowStart, rowEnd);
  return values.map((v) => {
    if (v instanceof Uint8Array || v === null) return v;
    throw new Error(`${file.key}: column ${column} decoded a string value`);
  });
}

/**
 * Byte spans of a column chunk that reading rows [start, end) of row group
 * `rg` touches: the dictionary page (if any) and the data pages covering the
 * rows, found through the offset index. Exposed so callers can prefetch
 * exactly what readColumnRows will request.
 */
export async function rowRangeSpans(file: ParquetFile, rg: number, column: string, start: number, end: number): Promise<{ spans: [number, number][]; firstRow: number }> {
  const meta = file.chunk(rg, column).meta_data!;
  const chunkStart = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
  const chunkEnd = chunkStart + Number(meta.total_compressed_size);
  const offsetIndex = await readOffsetIndex(file, rg, column);
  if (!offsetIndex || offsetIndex.page_locations.length === 0) return { spans: [[chunkStart, chunkEnd]], firstRow: 0 };
  const pages = offsetIndex.page_locations;
  const first = lastPageStartingAtOrBefore(pages, start);
  const last = lastPageStartingAtOrBefore(pages, end - 1);
  const firstRow = Number(pages[first]!.first_row_index);
  const dataStart = Number(pages[first]!.offset);
  const dataEnd = Number(pages[last]!.offset) + pages[last]!.compressed_page_size;
  // Bytes before the first data page are the dictionary page (some writers omit dictionary_page_offset).
  const dictEnd = Number(pages[0]!.offset);
  if (chunkStart >= dictEnd) return { spans: [[dataStart, dataEnd]], firstRow };
  if (dictEnd === dataStart) return { spans: [[chunkStart, dataEnd]], firstRow };
  return { spans: [[chunkStart, dictEnd], [dataStart, dataEnd]], firstRow };
}

async function readRowGroupRows(file: ParquetFile, rg: number, column: string, start: number, end: number): Promise<CellValue[]> {
  const meta = file.chunk(rg, column).meta_data!;
  const { spans, firstRow } = await rowRangeSpans(file, rg, column, start, end);
  const parts = await Promise.all(spans.map(([a, b]) => readSlice(file, a, b)));
  let bytes: Uint8Array;
  if (parts.length === 1) bytes = parts[0]!;
  else {
    bytes = new Uint8Array(parts[0]!.length + parts[1]!.length);
    bytes.set(parts[0]!, 0);
    bytes.set(parts[1]!, parts[0]!.length);
  }

  const decoder = columnDecoder(file, column, meta);
  const groupRows = Number(file.rowGroup(rg).num_rows);
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  const { data, skipped } = readColumn(reader, { groupStart: 0, selectStart: start - firstRow, selectEnd: end - firstRow, groupRows }, decoder);

  // data holds rows from firstRow + skipped onwards, page by page.
  const out = new Array<CellValue>(end - start);
  let want = start - firstRow - skipped;
  let filled = 0;
  for (const page of data) {
    if (want >= page.length) {
      want -= page.length;
      continue;
    }
    for (let i = want; i < page.length && filled < out.length; i++) out[filled++] = cell(page[i], file, column);
    want = 0;
    if (filled === out.length) break;
  }
  if (filled !== out.length) {
    throw new Error(`${file.key}: column ${column} row group ${rg} decoded ${filled} of ${out.length} rows in [${start}, ${end})`);
  }
  return out;
}

function cell(v: unknown, file: ParquetFile, column: string): CellValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" || v instanceof Uint8Array) return v;
  throw new Error(`${file.key}: unexpected ${typeof v} value in column ${column}`);
}

/** Index of the last page whose first row is ≤ row. */
function lastPageStartingAtOrBefore(pages: OffsetIndex["page_locations"], row: number): number {
  let lo = 0;
  let hi = pages.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (Number(pages[mid]!.first_row_index) <= row) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The dictionary of a dictionary-encoded column chunk, decoded to strings (or
 * bytes), without reading any data page. Undefined when the chunk has none.
 */
export async function readDictionary(file: ParquetFile, rowGroup: number, column: string): Promise<CellValue[] | undefined> {
  const meta = file.chunk(rowGroup, column).meta_data!;
  const oi = await readOffsetIndex(file, rowGroup, column);
  const chunkStart = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
  const firstData = oi?.page_locations[0] ? Number(oi.page_locations[0].offset) : Number(meta.data_page_offset);
  if (firstData <= chunkStart) return undefined;
  const bytes = await readSlice(file, chunkStart, firstData);
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  const header = parquetHeader(reader);
  if (header.type !== "DICTIONARY_PAGE") return undefined;
  const decoder = columnDecoder(file, column, meta);
  const page = readPage(reader, header, decoder, undefined, undefined, 0);
  const values = (page.data ?? []) as ArrayLike<unknown>;
  const utf8 = isUtf8(file.element(column));
  const out = new Array<CellValue>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v instanceof Uint8Array ? (utf8 ? textDecoder.decode(v) : v) : (v as CellValue);
  }
  return out;
}

const textDecoder = new TextDecoder();

/** hyparquet's decoder settings for one column chunk: bytes stay bytes (we decode UTF-8 ourselves). */
function columnDecoder(file: ParquetFile, column: string, meta: NonNullable<ColumnChunk["meta_data"]>): ColumnDecoder {
  return {
    pathInSchema: [column],
    type: meta.type,
    element: file.element(column),
    schemaPath: file.schemaPath(column),
    codec: meta.codec,
    parsers: DEFAULT_PARSERS,
    compressors: decompressors,
    utf8: false,
  };
}
