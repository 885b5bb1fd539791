// Page indexes (ColumnIndex + OffsetIndex) for every column chunk.
// hyparquet-writer only writes them for chunks with more than one page, and
// arrow-rs readers ignore the whole page index when any chunk lacks one. So
// we take its OffsetIndex (or make the one-page one it skipped), build the
// ColumnIndex from the chunk's values, serialise both right after the row
// group, and append them at the end of the file, before the bloom filters.

import { ByteWriter } from "hyparquet-writer";
import type { writeColumn } from "hyparquet-writer/src/column.js";
import { serializeTCompactProtocol } from "hyparquet-writer/src/thrift.js";
import { unconvertMinMax } from "hyparquet-writer/src/unconvert.js";
import type { Writer } from "hyparquet-writer/src/types.js";
import { compareBytes, compareUtf8 } from "./compare.js";

type ColumnResult = ReturnType<typeof writeColumn>;
export type WrittenChunk = ColumnResult["chunk"];
export type OffsetIndex = NonNullable<ColumnResult["offsetIndex"]>;
export type SchemaElement = Parameters<typeof writeColumn>[0]["column"]["element"];

export type BoundaryOrder = "UNORDERED" | "ASCENDING" | "DESCENDING";
const BOUNDARY_ORDERS: readonly BoundaryOrder[] = ["UNORDERED", "ASCENDING", "DESCENDING"];

export interface ColumnIndexData {
  null_pages: boolean[];
  min_values: Uint8Array[];
  max_values: Uint8Array[];
  boundary_order: BoundaryOrder;
  null_counts: bigint[];
}

export type CellValue = string | Uint8Array | null;

/** The OffsetIndex writeColumn built, or the single-page one it skipped. */
export function completeOffsetIndex(result: ColumnResult): OffsetIndex {
  if (result.offsetIndex && result.offsetIndex.page_locations.length > 0) return result.offsetIndex;
  const meta = result.chunk.meta_data;
  if (!meta) throw new Error("column chunk without metadata");
  const chunkEnd = result.chunk.file_offset + meta.total_compressed_size;
  return {
    page_locations: [
      {
        offset: meta.data_page_offset,
        compressed_page_size: Number(chunkEnd - meta.data_page_offset),
        first_row_index: 0n,
      },
    ],
  };
}

function isString(v: CellValue): v is string {
  return typeof v === "string";
}

/** Encoded, truncated bound; copied so it never pins the input's buffer. */
function bound(value: string | Uint8Array, element: SchemaElement, isMax: boolean, truncateLength: number): Uint8Array {
  const out = unconvertMinMax(value, element, isMax, truncateLength);
  if (!out) throw new Error(`cannot encode a page bound for column ${element.name}`);
  return value instanceof Uint8Array && out.buffer === value.buffer ? out.slice() : out;
}

/**
 * Builds the ColumnIndex of a flat column chunk: per page, null flag, null
 * count and min/max truncated to truncateLength bytes (a min is a prefix, a
 * max is rounded up, so both stay valid bounds).
 */
export function buildColumnIndex(
  values: readonly CellValue[],
  offsetIndex: OffsetIndex,
  element: SchemaElement,
  truncateLength: number,
): ColumnIndexData {
  const pages = offsetIndex.page_locations;
  const index: ColumnIndexData = { null_pages: [], min_values: [], max_values: [], boundary_order: "UNORDERED", null_counts: [] };
  for (let p = 0; p < pages.length; p++) {
    const start = Number(pages[p]!.first_row_index);
    const end = p + 1 < pages.length ? Number(pages[p + 1]!.first_row_index) : values.length;
    let min: string | Uint8Array | undefined;
    let max: string | Uint8Array | undefined;
    let nulls = 0;
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (v === null || v === undefined) {
        nulls++;
        continue;
      }
      if (min === undefined || max === undefined) {
        min = max = v;
      } else if (isString(v)) {
        if (compareUtf8(v, min as string) < 0) min = v;
        else if (compareUtf8(v, max as string) > 0) max = v;
      } else {
        if (compareBytes(v, min as Uint8Array) < 0) min = v;
        else if (compareBytes(v, max as Uint8Array) > 0) max = v;
      }
    }
    const nullPage = min === undefined || max === undefined;
    index.null_pages.push(nullPage);
    index.null_counts.push(BigInt(nulls));
    // Spec: an all-null page stores empty byte strings as its bounds.
    index.min_values.push(nullPage ? new Uint8Array(0) : bound(min!, element, false, truncateLength));
    index.max_values.push(nullPage ? new Uint8Array(0) : bound(max!, element, true, truncateLength));
  }
  index.boundary_order = boundaryOrder(index);
  return index;
}

/** Order of the stored (truncated) bounds over non-null pages, which is what readers search. */
function boundaryOrder(index: ColumnIndexData): BoundaryOrder {
  let ascending = true;
  let descending = true;
  let prev = -1;
  for (let p = 0; p < index.null_pages.length; p++) {
    if (index.null_pages[p]) continue;
    if (prev >= 0) {
      const dMin = compareBytes(index.min_values[prev]!, index.min_values[p]!);
      const dMax = compareBytes(index.max_values[prev]!, index.max_values[p]!);
      if (dMin > 0 || dMax > 0) ascending = false;
      if (dMin < 0 || dMax < 0) descending = false;
    }
    prev = p;
  }
  return ascending ? "ASCENDING" : descending ? "DESCENDING" : "UNORDERED";
}

/** A chunk's page indexes, serialised as soon as its row group is written (far smaller than the JS objects). */
export interface PendingChunkIndexes {
  chunk: WrittenChunk;
  columnIndex: Uint8Array;
  offsetIndex: Uint8Array;
  bloomFilter?: Uint32Array;
}

function serialize(fill: (w: Writer) => void): Uint8Array {
  const w = new ByteWriter(256);
  fill(w);
  return w.getBytes().slice();
}

export function serializeColumnIndex(ci: ColumnIndexData): Uint8Array {
  return serialize((w) =>
    serializeTCompactProtocol(w, {
      field_1: ci.null_pages,
      field_2: ci.min_values,
      field_3: ci.max_values,
      field_4: BOUNDARY_ORDERS.indexOf(ci.boundary_order),
      field_5: ci.null_counts,
    }),
  );
}

export function serializeOffsetIndex(oi: OffsetIndex): Uint8Array {
  return serialize((w) =>
    serializeTCompactProtocol(w, {
      field_1: oi.page_locations.map((p) => ({
        field_1: p.offset,
        field_2: p.compressed_page_size,
        field_3: p.first_row_index,
      })),
    }),
  );
}

/**
 * Writes every ColumnIndex, then every OffsetIndex (parquet-mr's layout) and
 * records their locations in the chunks' metadata.
 */
export function writePageIndexes(writer: Writer, pending: readonly PendingChunkIndexes[]): void {
  for (const { chunk, columnIndex } of pending) {
    chunk.column_index_offset = BigInt(writer.offset);
    chunk.column_index_length = columnIndex.length;
    writer.appendBytes(columnIndex);
  }
  for (const { chunk, offsetIndex } of pending) {
    chunk.offset_index_offset = BigInt(writer.offset);
    chunk.offset_index_length = offsetIndex.length;
    writer.appendBytes(offsetIndex);
  }
}
