// `parquet-gateway serve`: the Thanos StoreAPI over gRPC and the HTTP
// endpoints, answering from the Parquet units in the bucket.

import type { Command } from "commander";
import { startHttpServer } from "../api/http/server.js";
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
}

export function registerServe(program: Command): void {
  const cmd = program.command("serve").description("serve the Thanos StoreAPI (gRPC) and HTTP endpoints from converted Parquet units");
  addBucketFlags(cmd);
  cmd
    .option("--grpc-address <host:port>", "gRPC listen address (StoreAPI, Info, health, reflection)", "127.0.0.1:10901")
    .option("--http-address <host:port>", "HTTP listen address (/metrics, /-/ready, /-/healthy)", "127.0.0.1:10902")
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
      const http = await startHttpServer({ address: f.httpAddress, ready: () => store.ready });
      // Loaded on demand: the gRPC stack is heavy and only serve needs it.
      const { startGrpcServer } = await import("../api/grpc/server.js");
      const grpc = await startGrpcServer({ address: f.grpcAddress, store, log, ready: () => store.ready });
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
