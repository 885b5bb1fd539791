// Range fetching for the read path. A request first declares every byte range
// it will read (pages found through the offset index); nearby ranges are
// coalesced into one ranged GET (gap tunable) and fetched with bounded
// parallelism. The Parquet reader's later slice() calls are then served from
// the request's scope, found through AsyncLocalStorage, so hyparquet needs no
// knowledge of it. An optional byte-bounded cache sits under the scope.

import { AsyncLocalStorage } from "node:async_hooks";
import type { Bucket } from "../objstore/bucket.js";
import type { ByteCache } from "./cache.js";

export interface FetchOptions {
  /** Ranges closer than this are fetched as one GET. */
  coalesceGapBytes: number;
  /** Concurrent GETs per request. */
  concurrency: number;
  dataCache?: ByteCache<Uint8Array>;
}

interface Segment {
  start: number;
  bytes: Uint8Array;
}

export class FetchScope {
  private readonly segments = new Map<string, Segment[]>();
  constructor(readonly opts: FetchOptions) {}

  /**
   * Makes the given ranges of one object available to this scope: cached ones
   * directly, the rest fetched in coalesced GETs (and then cached, one entry
   * per requested range so later requests for the same pages hit).
   */
  async prefetch(bucket: Bucket, key: string, ranges: [number, number][]): Promise<void> {
    const cache = this.opts.dataCache;
    const misses: [number, number][] = [];
    for (const [s, e] of ranges) {
      if (e <= s || this.find(key, s, e)) continue;
      const hit = cache?.get(cacheKey(key, s, e));
      if (hit) this.add(key, s, hit);
      else misses.push([s, e]);
    }
    if (misses.length === 0) return;
    misses.sort((a, b) => a[0] - b[0]);
    const merged: { start: number; end: number; parts: [number, number][] }[] = [];
    for (const r of misses) {
      const last = merged[merged.length - 1];
      if (last && r[0] <= last.end + this.opts.coalesceGapBytes) {
        last.end = Math.max(last.end, r[1]);
        last.parts.push(r);
      } else merged.push({ start: r[0], end: r[1], parts: [r] });
    }
    await mapLimit(merged, this.opts.concurrency, async (m) => {
      const bytes = await bucket.getRange(key, m.start, m.end - m.start);
      this.add(key, m.start, bytes);
      if (cache) for (const [s, e] of m.parts) cache.set(cacheKey(key, s, e), bytes.slice(s - m.start, e - m.start));
    });
  }

  private add(key: string, start: number, bytes: Uint8Array): void {
    let list = this.segments.get(key);
    if (!list) this.segments.set(key, (list = []));
    list.push({ start, bytes });
  }

  find(key: string, start: number, end: number): Uint8Array | undefined {
    const list = this.segments.get(key);
    if (!list) return undefined;
    for (const seg of list) {
      if (start >= seg.start && end <= seg.start + seg.bytes.length) return seg.bytes.subarray(start - seg.start, end - seg.start);
    }
    return undefined;
  }
}

const storage = new AsyncLocalStorage<FetchScope>();

export function withScope<T>(scope: FetchScope, fn: () => Promise<T>): Promise<T> {
  return storage.run(scope, fn);
}

/** The reader's fetcher: the current request's scope, then the data cache, then the bucket. */
export async function scopedFetch(bucket: Bucket, key: string, start: number, end: number): Promise<Uint8Array> {
  const scope = storage.getStore();
  const hit = scope?.find(key, start, end);
  if (hit) return hit;
  return cachedGet(bucket, key, start, end, scope?.opts.dataCache);
}

function cacheKey(key: string, start: number, end: number): string {
  return `${key}\u0000${start}\u0000${end}`;
}

async function cachedGet(bucket: Bucket, key: string, start: number, end: number, cache: ByteCache<Uint8Array> | undefined): Promise<Uint8Array> {
  if (!cache) return bucket.getRange(key, start, end - start);
  const ck = cacheKey(key, start, end);
  const hit = cache.get(ck);
  if (hit) return hit;
  const bytes = await bucket.getRange(key, start, end - start);
  cache.set(ck, bytes);
  return bytes;
}

export async function mapLimit<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
}
