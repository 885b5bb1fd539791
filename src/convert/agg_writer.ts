// Writes a shard's aggregate files (N.agg-5m.parquet, N.agg-1h.parquet) next
// to its labels and chunks files: the same rows, and a row group exactly
// where the caller flushes the other files' row groups. Cells are computed
// per row from the series' raw chunks and/or downsampled source chunks.

import type { Bucket } from "../objstore/bucket.js";
import { shardFile } from "../parquet/layout.js";
import { AGGREGATES, aggColumnName, aggFileColumns, footerKv, type FileKind } from "../parquet/schema.js";
import { bucketUploadSink } from "../parquet/sink.js";
import { createParquetStreamWriter, type ColumnValues, type ParquetStreamWriter } from "../parquet/writer.js";
import { encodeAggCells } from "../downsample/cells.js";
import { seriesAggregates, type AggPlan, type SeriesAggInput } from "../downsample/series.js";
import { AGG_RESOLUTIONS, aggFileKind, type AggResolution, type ColumnWindows } from "../downsample/types.js";

export interface AggFileOptions {
  sortBy: readonly string[];
  pageSizeBytes?: number;
  createdBy: string;
}

/** What one row added: for unit totals and progress. */
export interface AggRowStats {
  bytes: number;
  chunks: number;
  minTime: number;
  maxTime: number;
}

interface OpenFile {
  res: AggResolution;
  kind: FileKind;
  writer: ParquetStreamWriter;
  out: ReturnType<typeof bucketUploadSink>;
  /** Per column (aggregate-major, as aggFileColumns), the buffered cells. */
  cells: Uint8Array[][];
}

export class ShardAggWriter {
  private readonly files: OpenFile[] = [];

  constructor(
    bucket: Bucket,
    prefix: string,
    shard: number,
    private readonly plan: AggPlan,
    private readonly windows: ColumnWindows,
    opts: AggFileOptions,
  ) {
    for (const res of AGG_RESOLUTIONS) {
      if (!plan[res]) continue;
      const kind = aggFileKind(res);
      const out = bucketUploadSink(bucket, prefix + shardFile(shard, kind));
      const kv = footerKv({ minT: windows.start, maxT: windows.end - 1, dataColDurationMs: windows.durationMs, kind, sortBy: opts.sortBy, resolutionMs: res });
      const writer = createParquetStreamWriter({
        columns: aggFileColumns(windows.count),
        sink: out.sink,
        kv,
        rowGroupRows: Number.MAX_SAFE_INTEGER,
        createdBy: opts.createdBy,
        ...(opts.pageSizeBytes ? { pageSizeBytes: opts.pageSizeBytes } : {}),
      });
      this.files.push({ res, kind, writer, out, cells: this.newCells() });
    }
  }

  get enabled(): boolean {
    return this.files.length > 0;
  }

  private newCells(): Uint8Array[][] {
    return Array.from({ length: AGGREGATES.length * this.windows.count }, () => []);
  }

  /** Computes one row's aggregates and buffers its cells in every file. */
  addRow(input: SeriesAggInput): AggRowStats {
    const st: AggRowStats = { bytes: 0, chunks: 0, minTime: Infinity, maxTime: -Infinity };
    if (!this.enabled) return st;
    const per = seriesAggregates(input, this.plan, this.windows);
    for (const f of this.files) {
      const windows = per.get(f.res)!;
      for (let w = 0; w < this.windows.count; w++) {
        const chunks = windows[w] ?? [];
        const cells = encodeAggCells(chunks);
        cells.forEach((cell, a) => {
          f.cells[a * this.windows.count + w]!.push(cell);
          st.bytes += cell.length;
        });
        for (const c of chunks) {
          st.chunks++;
          if (c.minTime < st.minTime) st.minTime = c.minTime;
          if (c.maxTime > st.maxTime) st.maxTime = c.maxTime;
        }
      }
    }
    return st;
  }

  /** Writes the buffered rows as one row group of every file. */
  async flush(): Promise<void> {
    await Promise.all(
      this.files.map((f) => {
        const cols: Record<string, ColumnValues> = {};
        AGGREGATES.forEach((aggr, a) => {
          for (let w = 0; w < this.windows.count; w++) cols[aggColumnName(aggr, w)] = f.cells[a * this.windows.count + w]!;
        });
        f.cells = this.newCells();
        return f.writer.writeRowGroup(cols);
      }),
    );
  }

  /** Finishes every file; returns their sizes by kind. */
  async finish(): Promise<Partial<Record<FileKind, number>>> {
    const sizes: Partial<Record<FileKind, number>> = {};
    const results = await Promise.all(this.files.map((f) => f.writer.finish()));
    await Promise.all(this.files.map((f) => f.out.done));
    this.files.forEach((f, i) => (sizes[f.kind] = results[i]!.bytes));
    return sizes;
  }

  async abort(e: Error): Promise<void> {
    for (const f of this.files) {
      f.writer.abort(e);
      f.out.sink.destroy(e);
    }
    await Promise.allSettled(this.files.map((f) => f.out.done));
  }
}
