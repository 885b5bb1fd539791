// Byte-bounded caches with hit/miss metrics: one for Parquet metadata (opened
// files: footer, schema, page indexes), one optional for data page ranges.

import { LRUCache } from "lru-cache";
import { Counter, register, type Registry } from "prom-client";

export interface CacheMetrics {
  requests: Counter<"cache" | "result">;
}

const metricsByRegistry = new WeakMap<Registry, CacheMetrics>();

export function cacheMetrics(registry: Registry = register): CacheMetrics {
  let m = metricsByRegistry.get(registry);
  if (!m) {
    m = {
      requests: new Counter({ name: "parquet_gateway_cache_requests_total", help: "Cache lookups by cache and result (hit or miss).", labelNames: ["cache", "result"], registers: [registry] }),
    };
    metricsByRegistry.set(registry, m);
  }
  return m;
}

export class ByteCache<V extends object> {
  private readonly lru: LRUCache<string, V>;
  constructor(
    readonly name: string,
    maxBytes: number,
    sizeOf: (v: V) => number,
    private readonly metrics: CacheMetrics,
  ) {
    this.lru = new LRUCache<string, V>({ maxSize: Math.max(1, maxBytes), sizeCalculation: (v) => Math.max(1, sizeOf(v)) });
  }

  get(key: string): V | undefined {
    const v = this.lru.get(key);
    this.metrics.requests.inc({ cache: this.name, result: v ? "hit" : "miss" });
    return v;
  }

  set(key: string, v: V): void {
    this.lru.set(key, v);
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  /** Drops every entry whose key starts with prefix (a unit that went away). */
  deletePrefix(prefix: string): void {
    for (const k of [...this.lru.keys()]) if (k.startsWith(prefix)) this.lru.delete(k);
  }

  get size(): number {
    return this.lru.calculatedSize;
  }
}
