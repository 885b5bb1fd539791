// Adds 5m and 1h aggregate files to units already in a bucket (the
// `downsample` command). Per shard, the raw chunks are read row group by row
// group from the chunks file and the aggregate files are written with the
// same row groups; then the unit's meta.json is uploaded again, last, listing
// the new files and resolutions. Until then readers keep using the old meta,
// which does not mention the new files, so the switch is atomic.

import type { Bucket } from "../objstore/bucket.js";
import { shardFile, UNIT_META, type UnitMeta } from "../parquet/layout.js";
import { openParquet, readBinaryColumnRows, type ParquetFile } from "../parquet/reader.js";
import { AGGREGATES, aggColumnName, dataColumnName, decodeChunkCell, type Aggregate } from "../parquet/schema.js";
import type { UnitRef } from "../store/discovery.js";
import type { Logger } from "../util/log.js";
import { decodeAggCells } from "../downsample/cells.js";
import type { AggPlan } from "../downsample/series.js";
import { AGG_RESOLUTIONS, canComputeResolution, RES_1H, RES_5M, type AggrChunk, type ColumnWindows } from "../downsample/types.js";
import { ShardAggWriter } from "./agg_writer.js";

export interface DownsampleOptions {
  createdBy: string;
  pageSizeBytes?: number;
}

export type DownsampleResult = { status: "skipped"; reason: string } | { status: "written"; meta: UnitMeta; added: number[] };

/** The resolutions `downsample` can add to a unit that lacks them. */
export function missingResolutions(meta: UnitMeta): AggPlan {
  const w = { start: meta.minTime, end: meta.maxTime, durationMs: meta.dataColDurationMs };
  const has = (r: number): boolean => meta.resolutions.includes(r);
  const plan: AggPlan = {};
  if (!has(RES_5M) && has(0) && canComputeResolution(RES_5M, w)) plan[RES_5M] = "compute";
  if (!has(RES_1H) && (has(RES_5M) || plan[RES_5M]) && canComputeResolution(RES_1H, w)) plan[RES_1H] = "compute";
  return plan;
}

export async function downsampleUnit(bucket: Bucket, unit: UnitRef, opts: DownsampleOptions, log: Logger): Promise<DownsampleResult> {
  const meta = unit.meta;
  const plan = missingResolutions(meta);
  const added: number[] = AGG_RESOLUTIONS.filter((r) => plan[r]);
  if (added.length === 0) {
    const reason = meta.resolutions.includes(RES_5M) ? "already downsampled" : meta.resolutions.includes(0) ? "partition or column width not a multiple of the resolution" : "no raw data";
    return { status: "skipped", reason };
  }
  const windows: ColumnWindows = { start: meta.minTime, durationMs: meta.dataColDurationMs, count: meta.dataColumns, end: meta.maxTime };
  const shards = structuredClone(meta.shards);
  let addedBytes = 0;
  for (let si = 0; si < meta.shards.length; si++) {
    const sizes = await downsampleShard(bucket, unit, si, plan, windows, opts);
    Object.assign(shards[si]!.files, sizes);
    for (const b of Object.values(sizes)) addedBytes += b;
    log.debug({ unit: unit.prefix, shard: si, sizes }, "shard downsampled");
  }
  const next: UnitMeta = {
    ...meta,
    resolutions: [...new Set([...meta.resolutions, ...added])].sort((a, b) => a - b),
    shards,
    stats: { ...meta.stats, bytes: meta.stats.bytes + addedBytes },
    // A new createdAt makes serving stores reload the unit.
    createdAt: new Date().toISOString(),
  };
  await bucket.upload(unit.prefix + UNIT_META, Buffer.from(JSON.stringify(next, null, 2) + "\n"));
  return { status: "written", meta: next, added };
}

async function downsampleShard(bucket: Bucket, unit: UnitRef, si: number, plan: AggPlan, windows: ColumnWindows, opts: DownsampleOptions): Promise<Record<string, number>> {
  const sm = unit.meta.shards[si]!;
  const open = (kind: "chunks" | "agg-5m"): Promise<ParquetFile> => openParquet(bucket, unit.prefix + shardFile(si, kind), sm.files[kind] !== undefined ? { size: sm.files[kind] } : {});
  const cf = await open("chunks");
  if (cf.numRows !== sm.rows) throw new Error(`${unit.prefix}: shard ${si} chunks file has ${cf.numRows} rows, meta.json says ${sm.rows}`);
  // 1h alone is computed from the unit's existing 5m file.
  const fiveFile = !plan[RES_5M] && plan[RES_1H] ? await open("agg-5m") : undefined;
  const aw = new ShardAggWriter(bucket, unit.prefix, si, plan, windows, { sortBy: unit.meta.sortBy, createdBy: opts.createdBy, ...(opts.pageSizeBytes ? { pageSizeBytes: opts.pageSizeBytes } : {}) });
  try {
    for (let rg = 0; rg < cf.rowGroupCount; rg++) {
      const a = cf.rowGroupStarts[rg]!;
      const b = cf.rowGroupStarts[rg + 1]!;
      const data = plan[RES_5M] ? await Promise.all(Array.from({ length: windows.count }, (_, w) => readBinaryColumnRows(cf, dataColumnName(w), a, b))) : [];
      const five = fiveFile ? await readAggRows(fiveFile, windows.count, a, b) : undefined;
      for (let r = 0; r < b - a; r++) {
        const raw = data.map((col) => (col[r] ? [...decodeChunkCell(col[r]!)] : []));
        aw.addRow({ raw, ...(five ? { source: { [RES_5M]: five[r]! } } : {}) });
      }
      await aw.flush();
    }
    return await aw.finish();
  } catch (e) {
    await aw.abort(e as Error);
    throw e;
  }
}

/** Every row's downsampled chunks (all windows, ascending) from an aggregate file. */
async function readAggRows(f: ParquetFile, windows: number, a: number, b: number): Promise<AggrChunk[][]> {
  const cols = new Map<Aggregate, (Uint8Array | null)[][]>();
  for (const aggr of AGGREGATES) cols.set(aggr, await Promise.all(Array.from({ length: windows }, (_, w) => readBinaryColumnRows(f, aggColumnName(aggr, w), a, b))));
  const out: AggrChunk[][] = [];
  for (let r = 0; r < b - a; r++) {
    const list: AggrChunk[] = [];
    for (let w = 0; w < windows; w++) {
      const cells: Partial<Record<Aggregate, Uint8Array | null>> = {};
      for (const aggr of AGGREGATES) cells[aggr] = cols.get(aggr)![w]![r] ?? null;
      list.push(...decodeAggCells(cells));
    }
    out.push(list);
  }
  return out;
}
