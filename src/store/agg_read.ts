// The read path of a shard's aggregate files: for selected rows, the
// downsampled chunks overlapping [mint, maxt], reading only the requested
// aggregates' columns of the overlapping windows (one column per aggregate
// and window, so asking for COUNT alone reads a fifth of the data).

import { decodeAggCells } from "../downsample/cells.js";
import { aggFileKind, isAggResolution } from "../downsample/types.js";
import { shardFile } from "../parquet/layout.js";
import { openParquet, readColumnRows, type ParquetFile, type RangeFetcher } from "../parquet/reader.js";
import { aggColumnName } from "../parquet/schema.js";
import { StoreError, type Aggr, type StoreChunk, type StoreSeries } from "./api.js";
import type { ByteCache } from "./cache.js";
import type { FetchScope } from "./fetch_scope.js";
import { countRows, type RowRanges } from "./rows.js";
import type { ShardReader } from "./shard.js";

export type StoreAggrChunk = NonNullable<StoreSeries["aggrChunks"]>[number];

/** Opened aggregate files, footers cached like the labels and chunks files'. */
export class AggFiles {
  constructor(
    private readonly cache: ByteCache<ParquetFile>,
    private readonly fetch: RangeFetcher,
  ) {}

  async open(shard: ShardReader, resolution: number): Promise<ParquetFile> {
    if (!isAggResolution(resolution)) throw new StoreError("internal", `no aggregate files at resolution ${resolution}`);
    const kind = aggFileKind(resolution);
    const key = `${shard.key}.${kind}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const size = shard.meta.shards[shard.index]!.files[kind];
    const f = await openParquet(shard.bucket, shard.prefix + shardFile(shard.index, kind), { ...(size !== undefined ? { size } : {}), fetch: this.fetch });
    this.cache.set(key, f);
    return f;
  }

  deletePrefix(prefix: string): void {
    this.cache.deletePrefix(prefix);
  }
}

/**
 * Downsampled chunks per row of `ranges` (row order), each with only the
 * requested aggregates. As in Thanos, a requested aggregate missing from a
 * chunk is an error, and with no aggregates requested the chunks carry only
 * their time range (taken from the count column).
 */
export async function readAggChunks(shard: ShardReader, file: ParquetFile, aggrs: readonly Aggr[], ranges: RowRanges, mint: number, maxt: number, scope: FetchScope): Promise<StoreAggrChunk[][]> {
  const windows = shard.windows(mint, maxt);
  const read: readonly Aggr[] = aggrs.length ? aggrs : ["count"];
  const columns = read.flatMap((a) => windows.map((w) => aggColumnName(a, w)));
  await shard.prefetchRows(file, columns, ranges, scope);
  const n = countRows(ranges);
  // cells[aggr][window] = the column's cells for the selected rows
  const cells = new Map<Aggr, (Uint8Array | null)[][]>();
  for (const a of read) {
    const perWindow: (Uint8Array | null)[][] = [];
    for (const w of windows) {
      const col: (Uint8Array | null)[] = [];
      for (const [s, e] of ranges) for (const v of await readColumnRows(file, aggColumnName(a, w), s, e)) col.push(v instanceof Uint8Array ? v : null);
      perWindow.push(col);
    }
    cells.set(a, perWindow);
  }
  const out: StoreAggrChunk[][] = [];
  for (let r = 0; r < n; r++) {
    const list: StoreAggrChunk[] = [];
    windows.forEach((_, wi) => {
      const row: Partial<Record<Aggr, Uint8Array | null>> = {};
      for (const a of read) row[a] = cells.get(a)![wi]![r] ?? null;
      for (const c of decodeAggCells(row)) {
        if (c.maxTime < mint || c.minTime > maxt) continue;
        const out: Partial<Record<Aggr, StoreChunk>> = {};
        for (const a of aggrs) {
          const s = c.subs[AGGR_INDEX[a]];
          if (!s) throw new StoreError("aborted", `aggregate ${a} does not exist`);
          out[a] = { minTime: c.minTime, maxTime: c.maxTime, encoding: s.encoding, data: s.data };
        }
        list.push({ minTime: c.minTime, maxTime: c.maxTime, aggrs: out });
      }
    });
    out.push(list);
  }
  return out;
}

const AGGR_INDEX: Record<Aggr, 0 | 1 | 2 | 3 | 4> = { count: 0, sum: 1, min: 2, max: 3, counter: 4 };
