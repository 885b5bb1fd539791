// `parquet-gateway serve` as users run it (the built CLI): the query flags
// reach the engine, and the Prometheus API, remote read and the gRPC Query
// API are wired in.

import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GrpcClient } from "../../../src/api/grpc/client.js";
import { QueryService } from "../../../src/api/grpc/gen/api/query/querypb/query.js";
import { InfoService } from "../../../src/api/grpc/gen/info/infopb/rpc.js";
import type { TestBucket } from "../../helpers/buckets.js";
import { CLI, runCli } from "../../helpers/cli.js";
import { call, convertedBucket, fixtureBlocks, type ApiJson } from "./gateway.js";
import { T0 } from "./queries.js";
import { freePort } from "../../helpers/ports.js";


let tb: TestBucket;
let proc: ChildProcess;
let http: string;
let grpc: string;

beforeAll(async () => {
  tb = await convertedBucket(fixtureBlocks("blocks-1k-6h"));
  const [hp, gp] = [await freePort(), await freePort()];
  http = `http://127.0.0.1:${hp}`;
  grpc = `127.0.0.1:${gp}`;
  proc = spawn(
    process.execPath,
    [CLI, "serve", "--objstore.config-file", tb.configFile, "--http-address", `127.0.0.1:${hp}`, "--grpc-address", grpc, "--query.lookback-delta", "1m", "--query.max-samples", "5000", "--query.timeout", "30s"],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LOG_LEVEL: "warn" } },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${http}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error("serve did not become ready");
    await new Promise((r) => setTimeout(r, 100));
  }
}, 300_000);

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    await exited;
  }
  tb?.cleanup();
});

describe("serve", () => {
  it("--query.lookback-delta sets the engine's lookback", async () => {
    const at = (T0 + 6 * 3_600_000 + 30_000) / 1000; // 45 s after the last samples
    const late = JSON.parse((await call(http, "/api/v1/query", { query: "count(demo_memory_usage_bytes)", time: String(at) })).body) as ApiJson;
    expect((late.data as { result: unknown[] }).result).toHaveLength(1);
    const later = JSON.parse((await call(http, "/api/v1/query", { query: "count(demo_memory_usage_bytes)", time: String(at + 60) })).body) as ApiJson;
    expect((later.data as { result: unknown[] }).result).toHaveLength(0);
  });

  it("--query.max-samples bounds queries", async () => {
    const r = await call(http, "/api/v1/query_range", { query: "demo_memory_usage_bytes", start: String(T0 / 1000), end: String(T0 / 1000 + 3600), step: "60" });
    expect(r.status).toBe(422);
    expect(JSON.parse(r.body)).toEqual({ status: "error", errorType: "execution", error: "query processing would load too many samples into memory in query execution" });
  });

  it("remote read and the gRPC Query API are served", async () => {
    const rr = await fetch(`${http}/api/v1/read`, { method: "POST", body: "x" });
    expect(rr.status).toBe(400);
    const client = new GrpcClient(grpc);
    try {
      expect((await client.unary(InfoService.Info, {})).query).toEqual({});
      const frames = await client.collect(QueryService.Query, { query: "1 + 1", timeSeconds: 10 });
      expect(frames[0]).toEqual({ result: { $case: "timeseries", timeseries: { labels: [], samples: [{ value: 2, timestamp: 10_000 }], exemplars: [], histograms: [] } } });
    } finally {
      client.close();
    }
  });

  it("refuses bad query flags", async () => {
    const r = await runCli(["serve", "--objstore.config-file", tb.configFile, "--query.timeout", "0s"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--query\.timeout/);
  });
});
