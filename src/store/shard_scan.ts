// Sequential scan of a shard: every row's labels and the chunk cells of the
// windows overlapping [mint, maxt], one row group at a time. Used by `dump`
// and other whole-shard tools; the StoreAPI read path selects rows instead.

import { decodeChunkCell, type CellChunk } from "../parquet/schema.js";
import { dataColumnName, labelColumnName } from "../parquet/schema.js";
import { openParquet, readBinaryColumnRows, readStringColumnRows } from "../parquet/reader.js";
import { shardFile, type UnitMeta } from "../parquet/layout.js";
import type { Bucket } from "../objstore/bucket.js";
import type { Labels } from "../model/labels.js";

export interface ScannedSeries {
  labels: Labels;
  /** Chunks of the overlapping windows, in time order. */
  chunks: CellChunk[];
}

export async function* scanShard(bucket: Bucket, prefix: string, meta: UnitMeta, shard: number, mint: number, maxt: number): AsyncGenerator<ScannedSeries> {
  const sm = meta.shards[shard]!;
  const [lf, cf] = await Promise.all([
    openParquet(bucket, prefix + shardFile(shard, "labels"), sm.files.labels !== undefined ? { size: sm.files.labels } : {}),
    openParquet(bucket, prefix + shardFile(shard, "chunks"), sm.files.chunks !== undefined ? { size: sm.files.chunks } : {}),
  ]);
  if (lf.numRows !== cf.numRows) throw new Error(`${prefix}: shard ${shard} labels and chunks files disagree on rows (${lf.numRows} vs ${cf.numRows})`);
  const windows: number[] = [];
  for (let w = 0; w < meta.dataColumns; w++) {
    const ws = meta.minTime + w * meta.dataColDurationMs;
    const we = ws + meta.dataColDurationMs - 1;
    if (we >= mint && ws <= maxt) windows.push(w);
  }
  const starts = lf.rowGroupStarts;
  for (let rg = 0; rg + 1 < starts.length; rg++) {
    const a = starts[rg]!;
    const b = starts[rg + 1]!;
    const labelCols = await Promise.all(sm.labelNames.map((n) => readStringColumnRows(lf, labelColumnName(n), a, b)));
    const dataCols = await Promise.all(windows.map((w) => readBinaryColumnRows(cf, dataColumnName(w), a, b)));
    for (let r = 0; r < b - a; r++) {
      const labels: Labels = [];
      sm.labelNames.forEach((name, i) => {
        const v = labelCols[i]![r];
        if (v !== null && v !== undefined && v !== "") labels.push({ name, value: v });
      });
      const chunks: CellChunk[] = [];
      for (const col of dataCols) {
        const cell = col[r];
        if (cell) for (const c of decodeChunkCell(cell)) chunks.push(c);
      }
      yield { labels, chunks };
    }
  }
}
