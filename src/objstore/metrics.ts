// Prometheus instrumentation for any Bucket. Counts logical operations as the
// layers above see them (retries inside a bucket are not extra requests),
// except listings, which count once per backend page (ListObjectsV2 call).

import { Counter, Histogram, register, type Registry } from "prom-client";
import type { Readable } from "node:stream";
import type { Bucket, ListOptions, ObjectAttributes } from "./bucket.js";
import { ObjectNotFoundError } from "./errors.js";

export type ObjstoreOperation = "get" | "get_range" | "head" | "list" | "upload" | "delete";

export const OBJSTORE_OPERATIONS: readonly ObjstoreOperation[] = ["get", "get_range", "head", "list", "upload", "delete"];

export interface ObjstoreMetrics {
  readonly requests: Counter<"operation">;
  readonly failures: Counter<"operation">;
  readonly readBytes: Counter;
  readonly duration: Histogram<"operation">;
}

export const METRIC_NAMES = {
  requests: "parquet_gateway_objstore_requests_total",
  failures: "parquet_gateway_objstore_request_failures_total",
  readBytes: "parquet_gateway_objstore_read_bytes_total",
  duration: "parquet_gateway_objstore_request_duration_seconds",
} as const;

// Object-store latencies range from sub-millisecond (local disk) to minutes (large uploads).
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

const perRegistry = new WeakMap<Registry, ObjstoreMetrics>();

/**
 * The objstore metrics of a registry, created on first use. Calling it again
 * (for a second bucket, or after a module reload) returns the same metrics
 * instead of failing with "already registered".
 */
export function objstoreMetrics(registry: Registry = register): ObjstoreMetrics {
  const cached = perRegistry.get(registry);
  if (cached) return cached;
  const requests = existingOr(registry, METRIC_NAMES.requests, isCounter, () =>
    new Counter({
      name: METRIC_NAMES.requests,
      help: "Object-store requests by operation (each list page counts once; exists counts as head).",
      labelNames: ["operation"],
      registers: [registry],
    }),
  );
  const failures = existingOr(registry, METRIC_NAMES.failures, isCounter, () =>
    new Counter({
      name: METRIC_NAMES.failures,
      help: "Object-store requests that failed, by operation (a missing object is not a failure).",
      labelNames: ["operation"],
      registers: [registry],
    }),
  );
  const readBytes = existingOr(registry, METRIC_NAMES.readBytes, isCounter, () =>
    new Counter({
      name: METRIC_NAMES.readBytes,
      help: "Bytes returned by object-store get and get_range.",
      registers: [registry],
    }),
  );
  const duration = existingOr(registry, METRIC_NAMES.duration, isHistogram, () =>
    new Histogram({
      name: METRIC_NAMES.duration,
      help: "Object-store request latency in seconds, by operation.",
      labelNames: ["operation"],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
  );
  // Export every operation from the start so rate() works before first use.
  for (const operation of OBJSTORE_OPERATIONS) {
    requests.inc({ operation }, 0);
    failures.inc({ operation }, 0);
    duration.zero({ operation });
  }
  const metrics: ObjstoreMetrics = { requests, failures, readBytes, duration };
  perRegistry.set(registry, metrics);
  return metrics;
}

function isCounter(m: unknown): m is Counter<"operation"> {
  return m instanceof Counter;
}

function isHistogram(m: unknown): m is Histogram<"operation"> {
  return m instanceof Histogram;
}

function existingOr<T>(registry: Registry, name: string, is: (m: unknown) => m is T, create: () => T): T {
  const existing = registry.getSingleMetric(name);
  if (existing === undefined) return create();
  if (is(existing)) return existing;
  throw new Error(`metric ${name} is already registered with a different type`);
}

/** Wraps bucket so every operation is counted and timed in metrics. */
export function instrumentBucket(bucket: Bucket, metrics: ObjstoreMetrics): Bucket {
  return new InstrumentedBucket(bucket, metrics);
}

class InstrumentedBucket implements Bucket {
  readonly kind: string;
  readonly listPages?: (prefix: string, opts?: ListOptions) => AsyncIterable<string[]>;

  constructor(
    private readonly inner: Bucket,
    private readonly m: ObjstoreMetrics,
  ) {
    this.kind = inner.kind;
    if (inner.listPages) {
      const pages = inner.listPages.bind(inner);
      this.listPages = (prefix, opts) => this.countPages(pages(prefix, opts));
    }
  }

  get(key: string): Promise<Buffer> {
    return this.observe("get", async () => {
      const data = await this.inner.get(key);
      this.m.readBytes.inc(data.length);
      return data;
    });
  }

  getRange(key: string, offset: number, length: number): Promise<Buffer> {
    return this.observe("get_range", async () => {
      const data = await this.inner.getRange(key, offset, length);
      this.m.readBytes.inc(data.length);
      return data;
    });
  }

  attributes(key: string): Promise<ObjectAttributes> {
    return this.observe("head", () => this.inner.attributes(key));
  }

  exists(key: string): Promise<boolean> {
    return this.observe("head", () => this.inner.exists(key));
  }

  async *list(prefix: string, opts?: ListOptions): AsyncIterable<string> {
    if (this.listPages) {
      for await (const page of this.listPages(prefix, opts)) yield* page;
      return;
    }
    // No pages: the whole listing is one request, timed across the iteration.
    const labels = { operation: "list" as const };
    this.m.requests.inc(labels);
    const end = this.m.duration.startTimer(labels);
    try {
      yield* this.inner.list(prefix, opts);
    } catch (err) {
      this.m.failures.inc(labels);
      throw err;
    } finally {
      end();
    }
  }

  upload(key: string, body: Readable | Buffer | Uint8Array): Promise<void> {
    return this.observe("upload", () => this.inner.upload(key, body));
  }

  delete(key: string): Promise<void> {
    return this.observe("delete", () => this.inner.delete(key));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async observe<T>(operation: ObjstoreOperation, fn: () => Promise<T>): Promise<T> {
    const labels = { operation };
    this.m.requests.inc(labels);
    const end = this.m.duration.startTimer(labels);
    try {
      return await fn();
    } catch (err) {
      // Following Thanos: a missing object is an expected answer, not a failure.
      if (!(err instanceof ObjectNotFoundError)) this.m.failures.inc(labels);
      throw err;
    } finally {
      end();
    }
  }

  /** Counts and times each page fetch; the final "no more pages" step is not a request. */
  private async *countPages(pages: AsyncIterable<string[]>): AsyncIterable<string[]> {
    const labels = { operation: "list" as const };
    const it = pages[Symbol.asyncIterator]();
    try {
      for (;;) {
        const start = process.hrtime.bigint();
        let next: IteratorResult<string[]>;
        try {
          next = await it.next();
        } catch (err) {
          this.m.requests.inc(labels);
          this.m.failures.inc(labels);
          throw err;
        }
        if (next.done) return;
        this.m.requests.inc(labels);
        this.m.duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
        yield next.value;
      }
    } finally {
      await it.return?.();
    }
  }
}
