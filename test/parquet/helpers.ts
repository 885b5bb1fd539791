// Shared pieces of the Parquet tests: a FilesystemBucket in a temp dir, a
// bucket wrapper counting ranged reads, and a deterministic labels+chunks
// dataset shaped like the research bake-off's.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { Bucket, ListOptions, ObjectAttributes } from "../../src/objstore/bucket.js";
import { FilesystemBucket } from "../../src/objstore/filesystem.js";
import {
  chunksFileColumns,
  dataColumnName,
  encodeColIndexes,
  encodeSeriesHash,
  footerKv,
  labelColumnName,
  labelsFileLayout,
  labelsSortingColumns,
  COL_INDEXES_COLUMN,
  SERIES_HASH_COLUMN,
  stableSeriesHash,
} from "../../src/parquet/schema.js";
import type { ColumnValues, ParquetColumnSpec, ParquetStreamWriterOptions } from "../../src/parquet/writer.js";

export async function tempBucket(): Promise<{ bucket: FilesystemBucket; dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "pgw-parquet-"));
  return { bucket: new FilesystemBucket(dir), dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Counts ranged reads (requests and bytes) of an inner bucket. */
export class CountingBucket implements Bucket {
  readonly kind = "COUNTING";
  rangeRequests = 0;
  rangeBytes = 0;
  headRequests = 0;
  readonly ranges: { offset: number; length: number }[] = [];
  constructor(private readonly inner: Bucket) {}
  reset(): void {
    this.rangeRequests = 0;
    this.rangeBytes = 0;
    this.headRequests = 0;
    this.ranges.length = 0;
  }
  get(key: string): Promise<Buffer> {
    return this.inner.get(key);
  }
  getRange(key: string, offset: number, length: number): Promise<Buffer> {
    this.rangeRequests++;
    this.rangeBytes += length;
    this.ranges.push({ offset, length });
    return this.inner.getRange(key, offset, length);
  }
  attributes(key: string): Promise<ObjectAttributes> {
    this.headRequests++;
    return this.inner.attributes(key);
  }
  exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }
  list(prefix: string, opts?: ListOptions): AsyncIterable<string> {
    return this.inner.list(prefix, opts);
  }
  upload(key: string, body: Readable | Buffer | Uint8Array): Promise<void> {
    return this.inner.upload(key, body);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pseudo-random bytes, about a quarter of them zero (XOR chunks compress about that much). */
export function fillBytes(b: Uint8Array, rnd: () => number): void {
  for (let k = 0; k < b.length; k += 4) {
    const x = Math.floor(rnd() * 4294967296);
    for (let j = 0; j < 4 && k + j < b.length; j++) {
      const byte = (x >>> (j * 8)) & 0xff;
      b[k + j] = byte < 64 ? 0 : byte;
    }
  }
}

/** A metric name longer than 64 bytes: its statistics must survive untruncated (limit 128). */
export const LONG_METRIC_NAME = `zz_${"very_long_metric_name_".repeat(4)}total`;

export const LABEL_NAMES = ["__name__", "cluster", "instance", "job", "pod", "zone"] as const;
export const BLOB_WINDOWS = 3;
export const MIN_T = 1_700_000_000_000;
export const WINDOW_MS = 8 * 3600_000;

export interface Dataset {
  rows: number;
  columns: Record<string, ColumnValues>;
  specs: ParquetColumnSpec[];
  blobBytes: number;
}

/**
 * Rows sorted by __name__ (200 names, the last one long). `pod` is
 * high-cardinality (~rows/2 distinct), `zone` exists only on even rows of
 * the first half, so the second row group's zone chunk is all null. Blobs
 * are 100-300 random bytes, a quarter of them zeros, 5% empty cells.
 */
export function makeDataset(rows: number, seed = 1): Dataset {
  const rnd = prng(seed);
  const layout = labelsFileLayout(LABEL_NAMES);
  const names = Array.from({ length: 200 }, (_, i) => (i === 199 ? LONG_METRIC_NAME : `metric_${String(i).padStart(3, "0")}_seconds`));
  const cols: Record<string, (string | null)[]> = {};
  for (const l of LABEL_NAMES) cols[labelColumnName(l)] = new Array<string | null>(rows);
  const colIndexes = new Array<Uint8Array>(rows);
  const hashes = new Array<Uint8Array>(rows);
  const blobs: Uint8Array[][] = Array.from({ length: BLOB_WINDOWS }, () => new Array<Uint8Array>(rows));
  let blobBytes = 0;
  // Cells are copies from a random pool: cheap to make, still incompressible across a page.
  const pool = new Uint8Array(4 << 20);
  fillBytes(pool, rnd);
  for (let i = 0; i < rows; i++) {
    const labels: { name: string; value: string }[] = [
      { name: "__name__", value: names[Math.floor((i * names.length) / rows)]! },
      { name: "cluster", value: `cluster-${i % 5}` },
      { name: "instance", value: `10.0.${Math.floor(rnd() * 2000) % 256}.${i % 2000}:9100` },
      { name: "job", value: `job-${Math.floor(rnd() * 20)}` },
      { name: "pod", value: `pod-${Math.floor(rnd() * (rows / 2)).toString(36)}-${(i * 7919) % 1000}` },
    ];
    if (i < rows / 2 && i % 2 === 0) labels.push({ name: "zone", value: `zone-${i % 3}` });
    labels.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const l of LABEL_NAMES) cols[labelColumnName(l)]![i] = null;
    for (const l of labels) cols[labelColumnName(l.name)]![i] = l.value;
    colIndexes[i] = encodeColIndexes(labels.map((l) => layout.columnIndexOf(l.name)));
    hashes[i] = encodeSeriesHash(stableSeriesHash(labels));
    for (let w = 0; w < BLOB_WINDOWS; w++) {
      if (rnd() < 0.05) {
        blobs[w]![i] = new Uint8Array(0);
        continue;
      }
      const len = 100 + Math.floor(rnd() * 201);
      const at = Math.floor(rnd() * (pool.length - len));
      blobs[w]![i] = pool.slice(at, at + len);
      blobBytes += len;
    }
  }
  const columns: Record<string, ColumnValues> = { ...cols, [COL_INDEXES_COLUMN]: colIndexes, [SERIES_HASH_COLUMN]: hashes };
  for (let w = 0; w < BLOB_WINDOWS; w++) columns[dataColumnName(w)] = blobs[w]!;
  return { rows, columns, specs: [...layout.columns, ...chunksFileColumns(BLOB_WINDOWS)], blobBytes };
}

/** Rows [start, end) of every column. */
export function sliceColumns(columns: Record<string, ColumnValues>, start: number, end: number): Record<string, ColumnValues> {
  const out: Record<string, ColumnValues> = {};
  for (const [k, v] of Object.entries(columns)) out[k] = v.slice(start, end);
  return out;
}

export function datasetWriterOptions(ds: Dataset): Omit<ParquetStreamWriterOptions, "sink"> {
  return {
    columns: ds.specs,
    kv: footerKv({ minT: MIN_T, maxT: MIN_T + BLOB_WINDOWS * WINDOW_MS - 1, dataColDurationMs: WINDOW_MS, kind: "labels", sortBy: ["__name__"], resolutionMs: 0 }),
    bloomFilterColumns: [labelColumnName("__name__")],
    sortingColumns: labelsSortingColumns(["__name__"]),
  };
}

export function bytesEqual(a: Uint8Array | null | undefined, b: Uint8Array | null | undefined): boolean {
  if (!a || !b) return a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
