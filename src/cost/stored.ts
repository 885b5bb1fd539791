// What a bucket of converted data stores, by file kind: Parquet file sizes
// come from the published units' meta.json, everything else (meta.json,
// stream.json, files of unpublished units) from a listing plus HEAD.

import type { Bucket } from "../objstore/bucket.js";
import type { FileKind } from "../parquet/schema.js";
import { discoverUnits } from "../store/discovery.js";

export type StoredKind = FileKind | "other";
export const STORED_KINDS: readonly StoredKind[] = ["labels", "chunks", "agg-5m", "agg-1h", "other"];

export interface StoredBytes {
  units: number;
  byKind: Record<StoredKind, { objects: number; bytes: number }>;
  totalBytes: number;
  /** Sum of the units' stats.sourceBytes: the TSDB blocks they were converted from. */
  sourceBytes: number;
  /** Newest sample in the bucket, ms (queries end here). */
  maxTime: number;
}

const SHARD_FILE = /^(?:.*\/)?(\d+)\.(labels|chunks|agg-5m|agg-1h)\.parquet$/;

export async function storedBytes(bucket: Bucket): Promise<StoredBytes> {
  const { units } = await discoverUnits(bucket);
  const known = new Map<string, number>();
  let sourceBytes = 0;
  let maxTime = Number.MIN_SAFE_INTEGER;
  for (const u of units) {
    sourceBytes += u.meta.stats?.sourceBytes ?? 0;
    maxTime = Math.max(maxTime, u.meta.dataMaxTime);
    u.meta.shards.forEach((s, i) => {
      for (const [kind, size] of Object.entries(s.files ?? {})) if (typeof size === "number") known.set(`${u.prefix}${i}.${kind}.parquet`, size);
    });
  }
  const byKind = Object.fromEntries(STORED_KINDS.map((k) => [k, { objects: 0, bytes: 0 }])) as StoredBytes["byKind"];
  for await (const key of bucket.list("", { recursive: true })) {
    const m = SHARD_FILE.exec(key);
    const kind: StoredKind = m ? (m[2] as FileKind) : "other";
    const size = known.get(key) ?? (await bucket.attributes(key)).size;
    byKind[kind].objects++;
    byKind[kind].bytes += size;
  }
  const totalBytes = STORED_KINDS.reduce((a, k) => a + byKind[k].bytes, 0);
  return { units: units.length, byKind, totalBytes, sourceBytes, maxTime };
}
