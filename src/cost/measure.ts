// Runs workload queries against a bucket through the real read path (a
// BucketStore over an instrumented bucket with its own metrics registry) and
// records what each query cost in object-storage requests and bytes, cold
// (fresh store: empty caches) and warm (the same query again).

import { register, Registry } from "prom-client";
import type { Bucket } from "../objstore/bucket.js";
import { instrumentBucket, METRIC_NAMES, objstoreMetrics } from "../objstore/index.js";
import { BucketStore, type BucketStoreOptions } from "../store/bucket_store.js";
import { NO_LIMITS } from "../store/limits.js";
import { createLogger } from "../util/log.js";
import type { WorkloadQuery } from "./workload.js";

export interface RequestCounts {
  get: number;
  getRange: number;
  head: number;
  list: number;
  /** Bytes returned by get and get_range. */
  bytes: number;
  cacheHits: number;
  cacheMisses: number;
  ms: number;
}

export interface QueryAnswer {
  series: number;
  chunks: number;
  chunkBytes: number;
  /** Samples in the returned chunks (whole chunks, as the StoreAPI sends them). */
  samples: number;
  /** label_names / label_values answers. */
  values: number;
}

export interface QueryMeasurement {
  query: WorkloadQuery;
  minTime: number;
  maxTime: number;
  answer: QueryAnswer;
  cold: RequestCounts;
  warm: RequestCounts;
}

export interface WorkloadMeasurement {
  /** Requests of one bucket sync (unit discovery), which serve repeats every --sync-interval. */
  sync: RequestCounts;
  queries: QueryMeasurement[];
}

export type StoreSettings = Pick<BucketStoreOptions, "metadataCacheBytes" | "dataCacheBytes" | "coalesceGapBytes" | "fetchConcurrency">;

/** The defaults of `parquet-gateway serve`. */
export const SERVE_DEFAULTS: StoreSettings = { metadataCacheBytes: 256 << 20, dataCacheBytes: 0, coalesceGapBytes: 64 << 10, fetchConcurrency: 8 };

/** A store whose every object-storage request is counted in its own registry. */
export class MeteredBucketStore {
  readonly registry = new Registry();
  readonly store: BucketStore;

  constructor(bucket: Bucket, settings: StoreSettings = SERVE_DEFAULTS) {
    const b = instrumentBucket(bucket, objstoreMetrics(this.registry));
    this.store = new BucketStore(b, { ...settings, externalLabels: {}, limits: NO_LIMITS, log: createLogger("silent") });
  }

  /** Current counter values; subtract two snapshots to get one operation's cost. */
  async snapshot(): Promise<RequestCounts> {
    const req = await counterValues(this.registry, METRIC_NAMES.requests);
    const cache = await counterValues(register, "parquet_gateway_cache_requests_total");
    const sum = (vals: CounterValue[], want: Record<string, string>): number =>
      vals.filter((v) => Object.entries(want).every(([k, x]) => v.labels[k] === x)).reduce((a, v) => a + v.value, 0);
    return {
      get: sum(req, { operation: "get" }),
      getRange: sum(req, { operation: "get_range" }),
      head: sum(req, { operation: "head" }),
      list: sum(req, { operation: "list" }),
      bytes: sum(await counterValues(this.registry, METRIC_NAMES.readBytes), {}),
      cacheHits: sum(cache, { result: "hit" }),
      cacheMisses: sum(cache, { result: "miss" }),
      ms: performance.now(),
    };
  }

  async measure<T>(fn: () => Promise<T>): Promise<{ value: T; counts: RequestCounts }> {
    const before = await this.snapshot();
    const value = await fn();
    return { value, counts: diff(await this.snapshot(), before) };
  }
}

interface CounterValue {
  labels: Record<string, string | number>;
  value: number;
}

async function counterValues(reg: Registry, name: string): Promise<CounterValue[]> {
  const m = reg.getSingleMetric(name);
  if (!m) return [];
  return (await m.get()).values.map((v) => ({ labels: v.labels as Record<string, string | number>, value: v.value }));
}

export function diff(a: RequestCounts, b: RequestCounts): RequestCounts {
  return {
    get: a.get - b.get,
    getRange: a.getRange - b.getRange,
    head: a.head - b.head,
    list: a.list - b.list,
    bytes: a.bytes - b.bytes,
    cacheHits: a.cacheHits - b.cacheHits,
    cacheMisses: a.cacheMisses - b.cacheMisses,
    ms: a.ms - b.ms,
  };
}

/** GET-priced requests: get, get_range and head. */
export function getRequests(c: RequestCounts): number {
  return c.get + c.getRange + c.head;
}

export function cacheHitRatio(c: RequestCounts): number | undefined {
  const n = c.cacheHits + c.cacheMisses;
  return n === 0 ? undefined : c.cacheHits / n;
}

/** Time range of a query: `range` long, ending at the newest sample the store has. */
export function queryRange(store: BucketStore, q: WorkloadQuery): { minTime: number; maxTime: number } {
  const maxTime = store.info().maxTime;
  return { minTime: maxTime - q.rangeMs, maxTime };
}

/** Runs one query to completion, consuming every series and chunk as a client would. */
export async function runQuery(store: BucketStore, q: WorkloadQuery, minTime: number, maxTime: number): Promise<QueryAnswer> {
  const answer: QueryAnswer = { series: 0, chunks: 0, chunkBytes: 0, samples: 0, values: 0 };
  const req = { minTime, maxTime, matchers: q.matchers };
  switch (q.type) {
    case "series": {
      const res = await store.select({ ...req, skipChunks: q.skipChunks });
      for await (const s of res.series) {
        answer.series++;
        for (const c of s.chunks) {
          answer.chunks++;
          answer.chunkBytes += c.data.length;
          // XOR and histogram chunks start with a big-endian uint16 sample count.
          if (c.data.length >= 2) answer.samples += (c.data[0]! << 8) | c.data[1]!;
        }
      }
      break;
    }
    case "label_names":
      answer.values = (await store.labelNames(req)).names.length;
      break;
    case "label_values":
      answer.values = (await store.labelValues(q.label!, req)).values.length;
      break;
  }
  return answer;
}

/**
 * Measures every query: cold on a fresh store (after one sync, whose cost is
 * reported separately), then warm (the same query again on that store).
 */
export async function measureWorkload(bucket: Bucket, queries: readonly WorkloadQuery[], settings: StoreSettings = SERVE_DEFAULTS): Promise<WorkloadMeasurement> {
  let sync: RequestCounts | undefined;
  const out: QueryMeasurement[] = [];
  for (const q of queries) {
    const m = new MeteredBucketStore(bucket, settings);
    const s = await m.measure(() => m.store.sync());
    sync ??= s.counts;
    const { minTime, maxTime } = queryRange(m.store, q);
    const cold = await m.measure(() => runQuery(m.store, q, minTime, maxTime));
    const warm = await m.measure(() => runQuery(m.store, q, minTime, maxTime));
    out.push({ query: q, minTime, maxTime, answer: cold.value, cold: cold.counts, warm: warm.counts });
  }
  if (!sync) {
    const m = new MeteredBucketStore(bucket, settings);
    sync = (await m.measure(() => m.store.sync())).counts;
  }
  return { sync, queries: out };
}
