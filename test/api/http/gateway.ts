// Test harness for the API layers: fixtures converted with the CLI into a
// FILESYSTEM bucket, then `serve`'s pieces started in-process (BucketStore,
// HTTP server with the Prometheus API and remote read, gRPC server with the
// Query API) on free ports; plus a Prometheus 2.42 runner for differential
// checks (on blocks, or empty with a remote_read config).

import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { startGrpcServer } from "../../../src/api/grpc/server.js";
import { promApiRoutes } from "../../../src/api/http/prom_api.js";
import { remoteReadHandler, type RemoteReadOptions } from "../../../src/api/http/remote_read.js";
import { startHttpServer } from "../../../src/api/http/server.js";
import type { Bucket } from "../../../src/objstore/bucket.js";
import { Engine } from "../../../src/promql/engine.js";
import type { BucketStore } from "../../../src/store/bucket_store.js";
import { createLogger } from "../../../src/util/log.js";
import { newTestBucket, type TestBucket } from "../../helpers/buckets.js";
import { runCli } from "../../helpers/cli.js";
import { fx } from "../../helpers/convert.js";
import { meteredStore } from "../../helpers/store.js";
import { freePort } from "../../helpers/ports.js";

export const prometheusBinary = process.env.PROMETHEUS ?? "/usr/bin/prometheus";

/** Block directories of fixtures (each fixture dir holds ULID dirs). */
export function fixtureBlocks(...names: string[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    const dir = fx(n);
    for (const e of readdirSync(dir)) if (statSync(join(dir, e)).isDirectory()) out.push(join(dir, e));
  }
  return out;
}

/** Copies blocks into one fresh directory (Prometheus and the converter each get their own copy). */
export function copyBlocks(blocks: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "pgw-blocks-"));
  for (const b of blocks) cpSync(b, join(dir, b.split("/").pop()!), { recursive: true });
  return dir;
}

/** A FILESYSTEM bucket with the blocks converted by the CLI. */
export async function convertedBucket(blocks: readonly string[]): Promise<TestBucket> {
  const tb = await newTestBucket("FILESYSTEM");
  const src = copyBlocks(blocks);
  try {
    const r = await runCli(["convert", "--tsdb.path", src, "--objstore.config-file", tb.configFile], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
  return tb;
}

export interface Gateway {
  store: BucketStore;
  engine: Engine;
  /** http://127.0.0.1:PORT */
  url: string;
  grpcAddress: string;
  setReady(r: boolean): void;
  close(): Promise<void>;
}

export interface GatewayOptions {
  externalLabels?: Record<string, string>;
  remoteRead?: Partial<RemoteReadOptions>;
  /** Fixed "now" for instant queries without a time. */
  now?: () => number;
}

/** `serve` in-process over a bucket. */
export async function startGateway(tb: TestBucket, opts: GatewayOptions = {}): Promise<Gateway> {
  const bucket: Bucket = tb.open();
  const { store } = meteredStore(bucket, { externalLabels: opts.externalLabels ?? {} });
  await store.sync();
  const log = createLogger("silent");
  const engine = new Engine();
  let isReady = true;
  const ready = (): boolean => isReady && store.ready;
  const api = promApiRoutes({ store, engine, ready, log, ...(opts.now ? { now: opts.now } : {}) });
  const http = await startHttpServer({
    address: "127.0.0.1:0",
    ready,
    routes: { ...api.routes, "/api/v1/read": remoteReadHandler({ store, ready, log, ...opts.remoteRead }) },
    prefixRoutes: api.prefixRoutes,
  });
  const grpc = await startGrpcServer({ address: "127.0.0.1:0", store, log, ready, query: { engine, ...(opts.now ? { now: opts.now } : {}) }, shutdownGraceMs: 200 });
  return {
    store,
    engine,
    url: `http://127.0.0.1:${http.port}`,
    grpcAddress: `127.0.0.1:${grpc.port}`,
    setReady: (r) => void (isReady = r),
    close: async () => {
      http.server.closeAllConnections();
      await Promise.all([http.close(), grpc.close()]);
      await bucket.close();
    },
  };
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/** GET or POST (form-encoded) of an API path with parameters (repeated keys allowed). */
export async function call(base: string, path: string, params: [string, string][] | Record<string, string>, method: "GET" | "POST" = "GET", headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const qs = new URLSearchParams(Array.isArray(params) ? params : Object.entries(params)).toString();
  const r =
    method === "GET"
      ? await fetch(`${base}${path}${qs ? "?" + qs : ""}`, { headers })
      : await fetch(`${base}${path}`, { method: "POST", body: qs, headers: { "content-type": "application/x-www-form-urlencoded", ...headers } });
  return { status: r.status, headers: r.headers, body: await r.text() };
}


/** Prometheus 2.42 on a temporary data dir: a copy of `blocks`, or empty. */
export class Prometheus {
  private constructor(
    private readonly proc: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    private readonly log: string[],
  ) {}

  logTail(): string {
    return this.log.join("").slice(-4000);
  }

  static async start(opts: { blocks?: readonly string[]; config?: string }): Promise<Prometheus> {
    const dir = mkdtempSync(join(tmpdir(), "pgw-prom-"));
    const data = join(dir, "data");
    for (const b of opts.blocks ?? []) cpSync(b, join(data, b.split("/").pop()!), { recursive: true });
    const config = join(dir, "prometheus.yml");
    writeFileSync(config, opts.config ?? "global: {scrape_interval: 15s, evaluation_interval: 1m}\n");
    const port = await freePort();
    const log: string[] = [];
    const proc = spawn(
      prometheusBinary,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${data}`,
        "--storage.tsdb.retention.time=100y",
        "--storage.tsdb.min-block-duration=2h",
        "--storage.tsdb.max-block-duration=2h",
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    proc.stdout?.on("data", (b: Buffer) => log.push(b.toString()));
    proc.stderr?.on("data", (b: Buffer) => log.push(b.toString()));
    const p = new Prometheus(proc, dir, `http://127.0.0.1:${port}`, log);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null) {
        await p.stop();
        throw new Error(`prometheus exited with ${proc.exitCode}: ${log.join("").slice(-2000)}`);
      }
      try {
        if ((await fetch(`${p.url}/-/ready`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await p.stop();
        throw new Error(`prometheus not ready: ${log.join("").slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return p;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.proc.once("exit", () => resolve()));
      this.proc.kill("SIGTERM");
      const timer = setTimeout(() => this.proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A parsed API response. */
export interface ApiJson {
  status: string;
  data?: unknown;
  errorType?: string;
  error?: string;
  warnings?: string[];
}
