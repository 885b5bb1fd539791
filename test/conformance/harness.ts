// Conformance harness: real TSDB blocks written by promtool from the designed
// OpenMetrics text, Thanos external labels injected into their meta.json,
// converted with the CLI into a FILESYSTEM or S3 bucket, and served by an
// in-process BucketStore behind the real gRPC server. Tests talk to it only
// through the typed grpc-js client.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { ServiceError } from "@grpc/grpc-js";
import { xxhash64 as referenceXxhash64 } from "hyparquet/src/xxhash.js";
import { afterAll, beforeAll, expect } from "vitest";
import { GrpcClient } from "../../src/api/grpc/client.js";
import { StoreService, type SeriesRequest, type SeriesResponse } from "../../src/api/grpc/gen/store/storepb/rpc.js";
import type { Series } from "../../src/api/grpc/gen/store/storepb/types.js";
import { startGrpcServer, type GrpcServer } from "../../src/api/grpc/server.js";
import type { Init } from "../../src/api/grpc/wire.js";
import { decodeXor } from "../../src/chunkenc/index.js";
import type { Bucket, ListOptions, ObjectAttributes } from "../../src/objstore/bucket.js";
import type { BucketStore } from "../../src/store/bucket_store.js";
import { NO_LIMITS, type Limits } from "../../src/store/limits.js";
import { createLogger } from "../../src/util/log.js";
import { newTestBucket, type BucketKind, type TestBucket } from "../helpers/buckets.js";
import { runCli } from "../helpers/cli.js";
import { meteredStore } from "../helpers/store.js";
import { startS3, type TestS3 } from "../setup/s3.js";
import { cmpPairs, STREAM_IDS, STREAMS, openMetrics, type LabelPairs } from "./design.js";

/** Writes the three streams' blocks with promtool into one data dir; returns it (caller removes `root`). */
export function buildBlocks(): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), "pgw-conformance-"));
  const dir = join(root, "blocks");
  mkdirSync(dir);
  for (const id of STREAM_IDS) {
    const om = join(root, `${id}.om`);
    const out = join(root, `out-${id}`);
    mkdirSync(out);
    writeFileSync(om, openMetrics(id));
    execFileSync("promtool", ["tsdb", "create-blocks-from", "openmetrics", om, out], { stdio: ["ignore", "ignore", "pipe"] });
    for (const ulid of readdirSync(out)) {
      const metaPath = join(out, ulid, "meta.json");
      const meta = JSON.parse(readFileSync(metaPath, "utf8")) as Record<string, unknown>;
      meta["thanos"] = { labels: STREAMS[id], downsample: { resolution: 0 }, source: "test" };
      writeFileSync(metaPath, JSON.stringify(meta, null, "\t"));
      renameSync(join(out, ulid), join(dir, ulid));
    }
  }
  return { root, dir };
}

export async function convertInto(b: TestBucket, blocksDir: string, args: readonly string[] = []): Promise<void> {
  const r = await runCli(["convert", "--tsdb.path", blocksDir, "--objstore.config-file", b.configFile, "--no-progress", ...args], { timeoutMs: 60_000 });
  expect(r.stderr, r.stderr).not.toMatch(/"level":50/);
  expect(r.code, r.stderr).toBe(0);
}

/** Copies every object of one bucket into another (cheaper than converting again). */
export async function copyBucket(from: Bucket, to: Bucket): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of from.list("", { recursive: true })) keys.push(k);
  for (const k of keys) await to.upload(k, await from.get(k));
  return keys;
}

export interface Served {
  store: BucketStore;
  client: GrpcClient;
  port: number;
  close(): Promise<void>;
}

/** A BucketStore over `bucket`, synced, behind a gRPC server on a free port. */
export interface ServeOptions {
  limits?: Partial<Limits>;
  /** false: start unsynced (not ready). */
  sync?: boolean;
  dataCacheBytes?: number;
  /** `serve --label`: added to every stream's external labels, overriding. */
  externalLabels?: Record<string, string>;
}

export async function serve(bucket: Bucket, opts: ServeOptions = {}): Promise<Served> {
  const { store } = meteredStore(bucket, {
    limits: { ...NO_LIMITS, ...opts.limits },
    dataCacheBytes: opts.dataCacheBytes ?? 0,
    externalLabels: opts.externalLabels ?? {},
  });
  if (opts.sync !== false) await store.sync();
  const server: GrpcServer = await startGrpcServer({ address: "127.0.0.1:0", store, log: createLogger("silent"), ready: () => store.ready, shutdownGraceMs: 200 });
  const client = new GrpcClient(`127.0.0.1:${server.port}`);
  return {
    store,
    client,
    port: server.port,
    close: async () => {
      client.close();
      await server.close();
    },
  };
}

export interface SeriesAnswer {
  frames: SeriesResponse[];
  series: Series[];
  warnings: string[];
}

/** All frames of a Series call, with series and batch.series flattened in order; every answer must be sorted and free of duplicates. */
export async function callSeries(client: GrpcClient, req: Init<SeriesRequest>): Promise<SeriesAnswer> {
  const frames = await client.collect(StoreService.Series, req);
  const series: Series[] = [];
  const warnings: string[] = [];
  for (const f of frames) {
    if (f.result?.$case === "series") series.push(f.result.series);
    else if (f.result?.$case === "batch") series.push(...f.result.batch.series);
    else if (f.result?.$case === "warning") warnings.push(f.result.warning);
  }
  expectSortedUnique(series);
  return { frames, series, warnings };
}

export function pairsOf(s: Series): LabelPairs {
  return s.labels.map((l) => [l.name, l.value]);
}

/** The call must fail; returns its status. */
export async function rejected(p: Promise<unknown>): Promise<ServiceError> {
  return p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e as ServiceError,
  );
}

/** labels.Compare-sorted, strictly (so also free of duplicates), with label names sorted and unique in each set. */
export function expectSortedUnique(series: Series[]): void {
  const ls = series.map(pairsOf);
  for (const p of ls) {
    for (let i = 1; i < p.length; i++) expect(Buffer.compare(Buffer.from(p[i - 1]![0]), Buffer.from(p[i]![0])), `label names of ${JSON.stringify(p)}`).toBeLessThan(0);
    for (const [n, v] of p) {
      expect(n).not.toBe("");
      expect(v, `empty value of ${n}`).not.toBe("");
    }
  }
  for (let i = 1; i < ls.length; i++) {
    expect(cmpPairs(ls[i - 1]!, ls[i]!), `series ${i - 1} and ${i} out of order or duplicated: ${JSON.stringify(ls[i - 1])} / ${JSON.stringify(ls[i])}`).toBeLessThan(0);
  }
}

export interface DecodedChunk {
  minTime: number;
  maxTime: number;
  samples: [number, number][];
}

/** Checks each raw chunk's invariants (XOR type, hash, time bounds = first/last sample) and decodes it. */
export function decodeChunks(s: Series): DecodedChunk[] {
  return s.chunks.map((c) => {
    expect(c.raw, "raw chunk").toBeDefined();
    const raw = c.raw!;
    expect(raw.type).toBe(0); // XOR
    expect(raw.hash).toBe(referenceXxhash64(raw.data));
    const d = decodeXor(raw.data);
    const samples: [number, number][] = [];
    for (let i = 0; i < d.n; i++) samples.push([d.t[i]!, d.v[i]!]);
    expect(samples.length).toBeGreaterThan(0);
    expect(c.minTime).toBe(samples[0]![0]);
    expect(c.maxTime).toBe(samples[samples.length - 1]![0]);
    return { minTime: c.minTime, maxTime: c.maxTime, samples };
  });
}

export function cleanupDir(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

export interface KindEnv {
  kind: BucketKind;
  bucket: TestBucket;
  /** The converted data, opened as an objstore Bucket (for copies and failure tests). */
  objstore: Bucket;
  served: Served;
  client: GrpcClient;
  /** A fresh bucket of the same kind (removed after the file). */
  newBucket(): Promise<TestBucket>;
}

/** Unit layouts the data is converted into: the default, and one that splits units into shards of several row groups. */
export type Layout = "default" | "sharded";
export const LAYOUT_ARGS: Record<Layout, string[]> = {
  default: [],
  sharded: ["--row-group-rows", "8", "--shard.max-rows", "24"],
};

export interface Conformance {
  /** Registers the per-kind setup in the current describe; the env is valid inside its tests. */
  useKind(kind: BucketKind, layout?: Layout): () => KindEnv;
}

/**
 * File-level setup: promtool blocks once, and an S3 server. Each kind then
 * converts them into its own bucket and serves them.
 */
export function useConformance(): Conformance {
  let root = "";
  let blocksDir = "";
  let s3: TestS3 | undefined;
  const extra: TestBucket[] = [];
  beforeAll(async () => {
    ({ root, dir: blocksDir } = buildBlocks());
    s3 = await startS3();
  });
  afterAll(async () => {
    for (const b of extra.splice(0)) b.cleanup();
    await s3?.stop();
    if (root) cleanupDir(root);
  });
  return {
    useKind(kind, layout = "default") {
      let env: KindEnv | undefined;
      beforeAll(async () => {
        const newBucket = async (): Promise<TestBucket> => {
          const b = await newTestBucket(kind, s3);
          extra.push(b);
          return b;
        };
        const bucket = await newBucket();
        await convertInto(bucket, blocksDir, LAYOUT_ARGS[layout]);
        const objstore = bucket.open();
        // S3 gets a data cache: it keeps hundreds of calls quick there, and
        // covers the cached read path while FILESYSTEM covers the uncached
        // one. The failure and limit tests use their own uncached stores.
        const served = await serve(objstore, { dataCacheBytes: kind === "S3" ? 64 << 20 : 0 });
        env = { kind, bucket, objstore, served, client: served.client, newBucket };
      });
      afterAll(async () => {
        await env?.served.close();
        await env?.objstore.close();
      });
      return () => env!;
    },
  };
}

/**
 * A bucket whose reads can be held at a gate: while held, every read waits
 * (so a request stays in flight as long as the test wants).
 */
export class GatedBucket implements Bucket {
  readonly kind: string;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  private waiting: (() => void)[] = [];

  constructor(private readonly inner: Bucket) {
    this.kind = inner.kind;
  }

  /** Holds reads until the returned function is called. */
  hold(): () => void {
    this.gate = new Promise<void>((r) => (this.open = r));
    return () => {
      this.gate = undefined;
      this.open?.();
    };
  }

  /** Resolves once some read is waiting at the gate. */
  blocked(): Promise<void> {
    return new Promise<void>((r) => this.waiting.push(r));
  }

  private async pass(): Promise<void> {
    if (!this.gate) return;
    for (const w of this.waiting.splice(0)) w();
    await this.gate;
  }

  async get(key: string): Promise<Buffer> {
    await this.pass();
    return this.inner.get(key);
  }
  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    await this.pass();
    return this.inner.getRange(key, offset, length);
  }
  async attributes(key: string): Promise<ObjectAttributes> {
    await this.pass();
    return this.inner.attributes(key);
  }
  exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }
  list(prefix: string, opts?: ListOptions): AsyncIterable<string> {
    return this.inner.list(prefix, opts);
  }
  upload(key: string, body: Readable | Buffer | Uint8Array): Promise<void> {
    return this.inner.upload(key, body);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  async close(): Promise<void> {}
}
