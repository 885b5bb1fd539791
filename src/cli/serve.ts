// `parquet-gateway serve`: the Thanos StoreAPI and Query API over gRPC and
// the HTTP endpoints (Prometheus query API, remote read), answering from the
// Parquet units in the bucket.

import type { Command } from "commander";
import { promApiRoutes } from "../api/http/prom_api.js";
import { remoteReadHandler } from "../api/http/remote_read.js";
import { startHttpServer } from "../api/http/server.js";
import { Engine } from "../promql/engine.js";
import { BucketStore } from "../store/bucket_store.js";
import { parseByteSize } from "../util/bytesize.js";
import { parseDuration } from "../util/duration.js";
import { createLogger } from "../util/log.js";
import { addBucketFlags, bucketFromFlags, collectLabel } from "./bucket_flags.js";
import { FlagError } from "./flags.js";

interface ServeFlags {
  "objstore.configFile"?: string;
  "objstore.config"?: string;
  grpcAddress: string;
  httpAddress: string;
  label: Record<string, string>;
  syncInterval: string;
  "cache.metadataSize": string;
  "cache.dataSize": string;
  "store.fetch.coalesceGap": string;
  "store.fetch.concurrency": string;
  "store.limits.requestSeries": string;
  "store.limits.requestChunkBytes": string;
  "store.limits.requestSamples": string;
  "store.limits.concurrentRequests": string;
  "query.lookbackDelta": string;
  "query.maxSamples": string;
  "query.timeout": string;
}

export function registerServe(program: Command): void {
  const cmd = program.command("serve").description("serve the Thanos StoreAPI (gRPC) and HTTP endpoints from converted Parquet units");
  addBucketFlags(cmd);
  cmd
    .option("--grpc-address <host:port>", "gRPC listen address (StoreAPI, Query API, Info, health, reflection)", "127.0.0.1:10901")
    .option("--http-address <host:port>", "HTTP listen address (Prometheus API /api/v1/*, remote read /api/v1/read, /metrics, /-/ready, /-/healthy)", "127.0.0.1:10902")
    .option("--label <name=value>", "external label added to every stream, overriding a stream's own (repeatable)", collectLabel, {})
    .option("--sync-interval <duration>", "how often the bucket is scanned for new or deleted units", "1m")
    .option("--cache.metadata-size <bytes>", "memory for Parquet footers and page indexes", "256MiB")
    .option("--cache.data-size <bytes>", "memory for fetched data pages (0 disables)", "0")
    .option("--store.fetch.coalesce-gap <bytes>", "page ranges closer than this are fetched in one GET", "64KiB")
    .option("--store.fetch.concurrency <n>", "concurrent GETs per request", "8")
    .option("--store.limits.request-series <n>", "most series one request may select (0 = unlimited)", "0")
    .option("--store.limits.request-chunk-bytes <bytes>", "most chunk bytes one request may fetch (0 = unlimited)", "0")
    .option("--store.limits.request-samples <n>", "most samples one request may fetch (0 = unlimited)", "0")
    .option("--store.limits.concurrent-requests <n>", "most requests served at once; more get ResourceExhausted (0 = unlimited)", "0")
    .option("--query.lookback-delta <duration>", "how far back PromQL instant selectors look for a sample", "5m")
    .option("--query.max-samples <n>", "most samples a PromQL query may hold in memory at once", "50000000")
    .option("--query.timeout <duration>", "longest a PromQL query may run", "2m")
    .action(async (raw: Record<string, unknown>) => {
      const f = raw as unknown as ServeFlags;
      const log = createLogger();
      const int = (v: string, flag: string): number => {
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n < 0) throw new FlagError(`${flag}: want a non-negative integer, got ${JSON.stringify(v)}`);
        return n;
      };
      const bucket = await bucketFromFlags(f["objstore.configFile"], f["objstore.config"]);
      const store = new BucketStore(bucket, {
        externalLabels: f.label,
        metadataCacheBytes: parseByteSize(f["cache.metadataSize"], "--cache.metadata-size"),
        dataCacheBytes: parseByteSize(f["cache.dataSize"], "--cache.data-size"),
        coalesceGapBytes: parseByteSize(f["store.fetch.coalesceGap"], "--store.fetch.coalesce-gap"),
        fetchConcurrency: Math.max(1, int(f["store.fetch.concurrency"], "--store.fetch.concurrency")),
        limits: {
          maxSeries: int(f["store.limits.requestSeries"], "--store.limits.request-series"),
          maxChunkBytes: parseByteSize(f["store.limits.requestChunkBytes"], "--store.limits.request-chunk-bytes"),
          maxSamples: int(f["store.limits.requestSamples"], "--store.limits.request-samples"),
          maxConcurrent: int(f["store.limits.concurrentRequests"], "--store.limits.concurrent-requests"),
        },
        log,
      });
      const syncMs = parseDuration(f.syncInterval);
      const positiveMs = (v: string, flag: string): number => {
        const ms = parseDuration(v);
        if (!(ms > 0)) throw new FlagError(`${flag}: want a positive duration, got ${JSON.stringify(v)}`);
        return ms;
      };
      const engine = new Engine({
        lookbackDeltaMs: positiveMs(f["query.lookbackDelta"], "--query.lookback-delta"),
        maxSamples: int(f["query.maxSamples"], "--query.max-samples"),
        timeoutMs: positiveMs(f["query.timeout"], "--query.timeout"),
      });
      const ready = (): boolean => store.ready;
      const api = promApiRoutes({ store, engine, ready, log });
      const http = await startHttpServer({
        address: f.httpAddress,
        ready,
        routes: { ...api.routes, "/api/v1/read": remoteReadHandler({ store, ready, log }) },
        prefixRoutes: api.prefixRoutes,
      });
      // Loaded on demand: the gRPC stack is heavy and only serve needs it.
      const { startGrpcServer } = await import("../api/grpc/server.js");
      const grpc = await startGrpcServer({ address: f.grpcAddress, store, log, ready, query: { engine } });
      log.info({ grpc: f.grpcAddress, http: f.httpAddress, grpcPort: grpc.port, httpPort: http.port }, "serving");
      const sync = async (): Promise<void> => {
        try {
          await store.sync();
        } catch (e) {
          log.error({ err: (e as Error).message }, "bucket sync failed; keeping the units already loaded");
        }
      };
      await sync();
      const timer = setInterval(() => void sync(), syncMs);
      const stop = async (sig: string): Promise<void> => {
        log.info({ signal: sig }, "shutting down");
        clearInterval(timer);
        await Promise.allSettled([grpc.close(), http.close()]);
        await bucket.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void stop("SIGINT"));
      process.once("SIGTERM", () => void stop("SIGTERM"));
      await new Promise<never>(() => {});
    });
}
