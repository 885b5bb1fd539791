// A BucketStore over a test bucket, with its own metrics registry so tests can
// read exactly the requests and bytes one call cost.
import { Registry } from "prom-client";
import type { Bucket } from "../../src/objstore/bucket.js";
import { instrumentBucket, objstoreMetrics } from "../../src/objstore/index.js";
import { BucketStore, type BucketStoreOptions } from "../../src/store/bucket_store.js";
import { NO_LIMITS } from "../../src/store/limits.js";
import { createLogger } from "../../src/util/log.js";

export interface MeteredStore {
  store: BucketStore;
  registry: Registry;
  /** Current value of parquet_gateway_objstore_read_bytes_total. */
  readBytes(): Promise<number>;
  /** Current total of parquet_gateway_objstore_requests_total for an operation. */
  requests(op: string): Promise<number>;
}

export function meteredStore(bucket: Bucket, opts: Partial<BucketStoreOptions> = {}): MeteredStore {
  const registry = new Registry();
  const b = instrumentBucket(bucket, objstoreMetrics(registry));
  const store = new BucketStore(b, {
    externalLabels: {},
    metadataCacheBytes: 256 << 20,
    dataCacheBytes: 0,
    coalesceGapBytes: 64 << 10,
    fetchConcurrency: 4,
    limits: NO_LIMITS,
    log: createLogger("silent"),
    ...opts,
  });
  const value = async (name: string, label?: Record<string, string>): Promise<number> => {
    const m = await registry.getSingleMetric(name)?.get();
    let sum = 0;
    for (const v of m?.values ?? []) {
      if (label && !Object.entries(label).every(([k, x]) => v.labels[k] === x)) continue;
      sum += v.value;
    }
    return sum;
  };
  return {
    store,
    registry,
    readBytes: () => value("parquet_gateway_objstore_read_bytes_total"),
    requests: (op) => value("parquet_gateway_objstore_requests_total", { operation: op }),
  };
}
