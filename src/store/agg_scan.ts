// Sequential scan of a shard's aggregate file at one resolution: every row's
// labels and its downsampled chunks in the windows overlapping [mint, maxt].
// The aggregate counterpart of shard_scan.ts, used by `dump --resolution`.

import { decodeAggCells } from "../downsample/cells.js";
import { aggFileKind, type AggResolution, type AggrChunk } from "../downsample/types.js";
import type { Labels } from "../model/labels.js";
import type { Bucket } from "../objstore/bucket.js";
import { shardFile, type UnitMeta } from "../parquet/layout.js";
import { openParquet, readBinaryColumnRows, readStringColumnRows } from "../parquet/reader.js";
import { AGGREGATES, aggColumnName, labelColumnName, type Aggregate } from "../parquet/schema.js";

export interface ScannedAggSeries {
  labels: Labels;
  /** Downsampled chunks of the overlapping windows, ascending. */
  chunks: AggrChunk[];
}

export async function* scanAggShard(bucket: Bucket, prefix: string, meta: UnitMeta, shard: number, res: AggResolution, mint: number, maxt: number): AsyncGenerator<ScannedAggSeries> {
  const sm = meta.shards[shard]!;
  const kind = aggFileKind(res);
  const [lf, af] = await Promise.all([
    openParquet(bucket, prefix + shardFile(shard, "labels"), sm.files.labels !== undefined ? { size: sm.files.labels } : {}),
    openParquet(bucket, prefix + shardFile(shard, kind), sm.files[kind] !== undefined ? { size: sm.files[kind] } : {}),
  ]);
  if (lf.numRows !== af.numRows) throw new Error(`${prefix}: shard ${shard} labels and ${kind} files disagree on rows (${lf.numRows} vs ${af.numRows})`);
  const windows: number[] = [];
  for (let w = 0; w < meta.dataColumns; w++) {
    const ws = meta.minTime + w * meta.dataColDurationMs;
    if (ws + meta.dataColDurationMs - 1 >= mint && ws <= maxt) windows.push(w);
  }
  const starts = lf.rowGroupStarts;
  for (let rg = 0; rg + 1 < starts.length; rg++) {
    const a = starts[rg]!;
    const b = starts[rg + 1]!;
    const labelCols = await Promise.all(sm.labelNames.map((n) => readStringColumnRows(lf, labelColumnName(n), a, b)));
    const cols = new Map<Aggregate, (Uint8Array | null)[][]>();
    for (const aggr of AGGREGATES) cols.set(aggr, await Promise.all(windows.map((w) => readBinaryColumnRows(af, aggColumnName(aggr, w), a, b))));
    for (let r = 0; r < b - a; r++) {
      const labels: Labels = [];
      sm.labelNames.forEach((name, i) => {
        const v = labelCols[i]![r];
        if (v !== null && v !== undefined && v !== "") labels.push({ name, value: v });
      });
      const chunks: AggrChunk[] = [];
      windows.forEach((_, wi) => {
        const cells: Partial<Record<Aggregate, Uint8Array | null>> = {};
        for (const aggr of AGGREGATES) cells[aggr] = cols.get(aggr)![wi]![r] ?? null;
        for (const c of decodeAggCells(cells)) if (c.maxTime >= mint && c.minTime <= maxt) chunks.push(c);
      });
      yield { labels, chunks };
    }
  }
}
