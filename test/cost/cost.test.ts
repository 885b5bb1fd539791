// `parquet-gateway cost`: the per-query requests and bytes the tool reports
// are what the gateway itself counts for the same queries — checked against
// a separately metered store and against a real `serve` process' /metrics —
// plus the pricing, workload and Thanos-model pieces.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GrpcClient } from "../../src/api/grpc/client.js";
import { StoreService } from "../../src/api/grpc/gen/store/storepb/rpc.js";
import { getRequests, measureWorkload, runQuery, SERVE_DEFAULTS, type WorkloadMeasurement } from "../../src/cost/measure.js";
import { BUILTIN_PROFILES, loadPricing, PricingError, priceMonth } from "../../src/cost/pricing.js";
import { buildReport, DAYS_PER_MONTH } from "../../src/cost/report.js";
import { storedBytes } from "../../src/cost/stored.js";
import { openTsdbModel, partition, THANOS, type TsdbBlocksModel } from "../../src/cost/tsdb_model.js";
import { parseWorkload, WorkloadError, type WorkloadQuery } from "../../src/cost/workload.js";
import type { Bucket } from "../../src/objstore/bucket.js";
import { newTestBucket, type TestBucket } from "../helpers/buckets.js";
import { CLI, runCli } from "../helpers/cli.js";
import { convertOk, fx } from "../helpers/convert.js";
import { meteredStore } from "../helpers/store.js";

const SRC = fx("blocks-1k-6h");

let tb: TestBucket;
let bucket: Bucket;
let queries: WorkloadQuery[];
let workloadFile: string;
let tmp: string;
let measured: WorkloadMeasurement;
let model: TsdbBlocksModel;

/** A workload over names that exist in the fixture: one metric, a regex over several, a series lookup and label calls. */
function workloadYaml(metric: string, prefix: string): string {
  return `queries:
  - name: one metric 1h
    selector: '${metric}'
    range: 1h
    rate_per_day: 1440
  - name: one metric 6h
    selector: '${metric}'
    range: 6h
    rate_per_day: 96
  - name: regex 2h
    matchers: ['__name__=~"${prefix}_.+"', 'job!="nope"']
    range: 2h
    rate_per_day: 24
  - name: series lookup
    selector: '{__name__="${metric}"}'
    range: 6h
    skip_chunks: true
    rate_per_day: 500
  - name: instance values
    type: label_values
    label: instance
    range: 6h
    rate_per_day: 200
  - name: names
    type: label_names
    range: 6h
    rate_per_day: 50
`;
}

beforeAll(async () => {
  tb = await newTestBucket("FILESYSTEM");
  await convertOk(tb, SRC);
  bucket = tb.open();
  // Pick a mid-sized metric and its prefix from the data itself.
  const probe = meteredStore(bucket);
  await probe.store.sync();
  const names = (await probe.store.labelValues("__name__", { minTime: 0, maxTime: Number.MAX_SAFE_INTEGER, matchers: [] })).values;
  const metric = names.find((n) => n.endsWith("_http_requests_total")) ?? names[0]!;
  tmp = mkdtempSync(join(tmpdir(), "pgw-cost-"));
  workloadFile = join(tmp, "workload.yaml");
  writeFileSync(workloadFile, workloadYaml(metric, metric.split("_")[0]!));
  queries = parseWorkload(workloadYaml(metric, metric.split("_")[0]!));
  measured = await measureWorkload(bucket, queries);
  model = await openTsdbModel(SRC);
}, 120_000);

afterAll(async () => {
  await model?.close();
  await bucket?.close();
  tb?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("per-query measurement", () => {
  it("equals what a separately metered store counts for the same queries, cold and warm", async () => {
    for (const m of measured.queries) {
      const ms = meteredStore(bucket, SERVE_DEFAULTS);
      await ms.store.sync();
      const phase = async (): Promise<{ gets: number; bytes: number; lists: number }> => {
        const [g0, r0, h0, l0, b0] = [await ms.requests("get"), await ms.requests("get_range"), await ms.requests("head"), await ms.requests("list"), await ms.readBytes()];
        await runQuery(ms.store, m.query, m.minTime, m.maxTime);
        const [g1, r1, h1, l1, b1] = [await ms.requests("get"), await ms.requests("get_range"), await ms.requests("head"), await ms.requests("list"), await ms.readBytes()];
        return { gets: g1 - g0 + (r1 - r0) + (h1 - h0), lists: l1 - l0, bytes: b1 - b0 };
      };
      const cold = await phase();
      const warm = await phase();
      expect({ q: m.query.name, ...cold }).toEqual({ q: m.query.name, gets: getRequests(m.cold), lists: m.cold.list, bytes: m.cold.bytes });
      expect({ q: m.query.name, ...warm }).toEqual({ q: m.query.name, gets: getRequests(m.warm), lists: m.warm.list, bytes: m.warm.bytes });
    }
  });

  it("reads something for every query, less when warm, and warm runs hit the metadata cache", () => {
    for (const m of measured.queries) {
      if (m.query.type === "label_names") continue; // answered from the unit metas
      expect(getRequests(m.cold), m.query.name).toBeGreaterThan(0);
      expect(m.warm.bytes, m.query.name).toBeLessThan(m.cold.bytes);
      expect(m.warm.cacheHits, m.query.name).toBeGreaterThan(0);
    }
    const lookup = measured.queries.find((m) => m.query.name === "series lookup")!;
    expect(lookup.answer.series).toBeGreaterThan(0);
    expect(lookup.answer.chunks).toBe(0);
    const one = measured.queries.find((m) => m.query.name === "one metric 6h")!;
    expect(one.answer.samples).toBeGreaterThan(0);
    expect(measured.sync.list).toBeGreaterThan(0);
  });

  it("equals the /metrics deltas of a real serve process answering over gRPC (cold, fresh process)", async () => {
    const target = measured.queries.find((m) => m.query.name === "one metric 6h")!;
    const srv = await startServe(tb.configFile);
    try {
      const before = await objstoreCounters(srv.metrics);
      const client = new GrpcClient(srv.grpc);
      try {
        const call = client.serverStream(StoreService.Series, {
          minTime: target.minTime,
          maxTime: target.maxTime,
          matchers: target.query.matchers.map((m) => ({ type: m.type, name: m.name, value: m.value })),
        });
        let series = 0;
        for await (const f of call) {
          if (f.result?.$case === "series") series++;
          else if (f.result?.$case === "batch") series += f.result.batch.series.length;
        }
        expect(series).toBe(target.answer.series);
      } finally {
        client.close();
      }
      const after = await objstoreCounters(srv.metrics);
      expect({ gets: after.gets - before.gets, bytes: after.bytes - before.bytes }).toEqual({ gets: getRequests(target.cold), bytes: target.cold.bytes });
    } finally {
      await srv.stop();
    }
  }, 60_000);
});

describe("cost CLI", () => {
  it("reports the same per-query counts as the library, the TSDB model, and prices them", async () => {
    const pricing = join(tmp, "pricing.yaml");
    writeFileSync(pricing, "profiles:\n  flat:\n    storage_per_gb_month: 1\n    get_per_1k: 1\n    egress_per_gb: 1\n");
    const r = await runCli(["cost", "--objstore.config-file", tb.configFile, "--workload", workloadFile, "--pricing", pricing, "--profile", "flat,r2", "--tsdb.path", SRC, "--json"], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      stored: { totalBytes: number; sourceBytes: number; byKind: Record<string, { bytes: number }> };
      measurement: WorkloadMeasurement;
      tsdb: { source: string; storedBytes: number; model: { queries: { cold: { gets: number } }[] } };
      monthly: { profile: { name: string }; gateway: { usage: { gets: number; lists: number; readBytes: number; storedBytes: number }; cost: { storage: number; requests: number; egress: number; total: number } } }[];
    };
    expect(j.measurement.queries.map((q) => [getRequests(q.cold), q.cold.bytes, getRequests(q.warm), q.warm.bytes])).toEqual(
      measured.queries.map((q) => [getRequests(q.cold), q.cold.bytes, getRequests(q.warm), q.warm.bytes]),
    );
    expect(j.stored.byKind["labels"]!.bytes).toBeGreaterThan(0);
    expect(j.stored.byKind["chunks"]!.bytes).toBeGreaterThan(j.stored.byKind["labels"]!.bytes);
    expect(j.tsdb.source).toBe("tsdb.path");
    expect(j.tsdb.storedBytes).toBeGreaterThan(0);
    expect(j.tsdb.model.queries).toHaveLength(queries.length);
    expect(j.monthly.map((m) => m.profile.name)).toEqual(["flat", "r2"]);
    // flat: $1 per GB-month, per 1k GET (and LIST), per GB read.
    const flat = j.monthly[0]!.gateway;
    expect(flat.cost.storage).toBeCloseTo(flat.usage.storedBytes / 1e9, 9);
    expect(flat.cost.requests).toBeCloseTo((flat.usage.gets + flat.usage.lists) / 1000, 9);
    expect(flat.cost.egress).toBeCloseTo(flat.usage.readBytes / 1e9, 9);
    // Monthly GETs: each query's warm GETs × rate × days, plus one sync per minute.
    const expected = measured.queries.reduce((a, q) => a + getRequests(q.warm) * q.query.ratePerDay * DAYS_PER_MONTH, 0) + getRequests(measured.sync) * DAYS_PER_MONTH * 1440;
    expect(flat.usage.gets).toBeCloseTo(expected, 6);
  }, 90_000);

  it("prints a text report with the cost table", async () => {
    const r = await runCli(["cost", "--objstore.config-file", tb.configFile, "--workload", workloadFile, "--profile", "s3-standard"], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^STORED/m);
    expect(r.stdout).toMatch(/MONTHLY COST/);
    expect(r.stdout).toMatch(/s3-standard/);
    expect(r.stdout).toMatch(/pass --tsdb.path/);
  }, 60_000);

  it("rejects an unknown profile and a bad workload with messages naming them", async () => {
    const bad = await runCli(["cost", "--objstore.config-file", tb.configFile, "--workload", workloadFile, "--profile", "nope"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--profile nope: unknown profile/);
    const wl = join(tmp, "bad.yaml");
    writeFileSync(wl, "queries:\n  - name: x\n    range: 1h\n    rate_per_day: 1\n");
    const r2 = await runCli(["cost", "--objstore.config-file", tb.configFile, "--workload", wl]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/query "x": a series query needs selector or matchers/);
  });
});

describe("Thanos store-gateway model", () => {
  it("touches only blocks in range, fetches no chunks for skip_chunks, and caches postings and series when warm", async () => {
    for (const [i, m] of measured.queries.entries()) {
      const t = await model.query(m.query, m.minTime, m.maxTime);
      // Three 2h blocks; queries end at the last sample.
      const blocks = m.query.rangeMs <= 3_600_000 ? 1 : m.query.rangeMs >= 6 * 3_600_000 ? 3 : t.blocks;
      expect(t.blocks, m.query.name).toBe(blocks);
      if (m.query.type !== "series" || m.query.skipChunks) expect(t.chunks.gets, m.query.name).toBe(0);
      else {
        expect(t.chunks.gets, m.query.name).toBeGreaterThan(0);
        // Thanos over-reads each chunk range by its 16 kB estimate: never less than the chunks themselves.
        expect(t.chunks.bytes, m.query.name).toBeGreaterThanOrEqual(measured.queries[i]!.answer.chunkBytes * 0.5);
      }
      expect(t.warm.gets).toBe(t.chunks.gets);
      expect(t.cold.gets).toBe(t.postings.gets + t.series.gets + t.chunks.gets);
    }
    const names = await model.query(queries.find((q) => q.type === "label_names")!, 0, Number.MAX_SAFE_INTEGER);
    expect(names.cold.gets).toBe(0); // answered from the index-header
    expect(model.blocks).toBe(3);
    expect(model.indexHeader.gets).toBe(12);
  });

  it("partitions ranges like Thanos' gap-based partitioner", () => {
    expect(partition([[0, 10], [20, 30], [1000, 1010]], 100)).toEqual([[0, 30], [1000, 1010]]);
    expect(partition([[0, 10], [5, 8]], 0)).toEqual([[0, 10]]);
    expect(partition([], THANOS.partitionerMaxGapBytes)).toEqual([]);
  });
});

describe("pricing and workload files", () => {
  it("has the built-in profiles and lets a file override a field or add a profile", () => {
    expect(BUILTIN_PROFILES.map((p) => p.name)).toEqual(expect.arrayContaining(["s3-standard", "s3-ia", "r2"]));
    expect(loadPricing().get("r2")!.egressPerGB).toBe(0);
    const p = loadPricing("profiles:\n  s3-standard: {egress_per_gb: 0}\n  onprem: {storage_per_gb_month: 0.01, get_per_1k: 0, egress_per_gb: 0}\n");
    expect(p.get("s3-standard")!.egressPerGB).toBe(0);
    expect(p.get("s3-standard")!.storagePerGBMonth).toBe(0.023);
    expect(p.get("onprem")!.listPer1k).toBe(0);
    expect(() => loadPricing("profiles:\n  x: {get_per_1k: 1}\n")).toThrow(PricingError);
    expect(() => loadPricing("profiles:\n  r2: {egres_per_gb: 1}\n")).toThrow(/unknown field "egres_per_gb"/);
    expect(() => loadPricing("profiles:\n  r2: {get_per_1k: -1}\n")).toThrow(/non-negative/);
  });

  it("prices storage, requests and egress (plus retrieval) per month", () => {
    const ia = loadPricing().get("s3-ia")!;
    const c = priceMonth(ia, { storedBytes: 100e9, gets: 2_000_000, lists: 1000, readBytes: 10e9 });
    expect(c.storage).toBeCloseTo(1.25, 9);
    expect(c.requests).toBeCloseTo(2 + 0.01, 9);
    expect(c.egress).toBeCloseTo(10 * (0.09 + 0.01), 9);
    expect(c.total).toBeCloseTo(c.storage + c.requests + c.egress, 9);
  });

  it("parses selectors, matchers, label calls and rejects mistakes", () => {
    const q = parseWorkload("- {name: a, selector: 'up{job=\"x\"}', range: 90m, rate_per_day: 2.5}\n- {name: b, matchers: ['__name__=\"up\"'], range: 1d, skip_chunks: true, rate_per_day: 1}\n");
    expect(q[0]!.matchers.map(String)).toEqual(['__name__="up"', 'job="x"']);
    expect(q[0]!.rangeMs).toBe(90 * 60_000);
    expect(q[1]!.skipChunks).toBe(true);
    expect(q[1]!.rangeMs).toBe(86_400_000);
    expect(() => parseWorkload("queries: []")).toThrow(WorkloadError);
    expect(() => parseWorkload("- {name: a, selector: 'up', range: 1h}")).toThrow(/rate_per_day/);
    expect(() => parseWorkload("- {name: a, selector: 'up{', range: 1h, rate_per_day: 1}")).toThrow(/query "a"/);
    expect(() => parseWorkload("- {name: a, selector: up, matchers: [], range: 1h, rate_per_day: 1}")).toThrow(/not both/);
    expect(() => parseWorkload("- {name: a, type: label_values, range: 1h, rate_per_day: 1}")).toThrow(/needs label/);
    expect(() => parseWorkload("- {name: a, selector: up, range: 1h, rate_per_day: 1, rate: 2}")).toThrow(/unknown field "rate"/);
  });

  it("reports stored bytes by kind and the units' source bytes", async () => {
    const s = await storedBytes(bucket);
    expect(s.units).toBe(1);
    expect(s.byKind.labels.objects).toBeGreaterThan(0);
    expect(s.byKind.other.objects).toBeGreaterThanOrEqual(2); // meta.json, stream.json
    expect(s.totalBytes).toBe(Object.values(s.byKind).reduce((a, k) => a + k.bytes, 0));
    expect(s.sourceBytes).toBeGreaterThan(0);
    const r = buildReport({ bucket: "t", assume: "warm", syncIntervalMs: 60_000, stored: s, measurement: measured, tsdb: { source: "unit meta", storedBytes: s.sourceBytes }, profiles: [loadPricing().get("r2")!] });
    expect(r.monthly[0]!.tsdb!.cost.requests).toBe(0); // storage only without the model
  });
});

// --- a real serve process

async function startServe(configFile: string): Promise<{ grpc: string; metrics: string; stop(): Promise<void> }> {
  const p = spawn(process.execPath, [CLI, "serve", "--objstore.config-file", configFile, "--grpc-address", "127.0.0.1:0", "--http-address", "127.0.0.1:0", "--sync-interval", "1h"], { stdio: ["ignore", "ignore", "pipe"] });
  const ports = await new Promise<{ grpcPort: number; httpPort: number }>((resolve, reject) => {
    let buf = "";
    p.stderr.setEncoding("utf8").on("data", (d: string) => {
      buf += d;
      const line = buf.split("\n").find((l) => l.includes('"serving"'));
      if (line) resolve(JSON.parse(line) as { grpcPort: number; httpPort: number });
    });
    p.once("exit", (code) => reject(new Error(`serve exited ${code}: ${buf}`)));
  });
  const http = `http://127.0.0.1:${ports.httpPort}`;
  for (let i = 0; i < 200; i++) {
    const r = await fetch(`${http}/-/ready`).catch(() => undefined);
    if (r?.ok) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  return {
    grpc: `127.0.0.1:${ports.grpcPort}`,
    metrics: `${http}/metrics`,
    stop: async () => {
      const exited = new Promise((res) => p.once("exit", res));
      p.kill("SIGTERM");
      await exited;
    },
  };
}

async function objstoreCounters(url: string): Promise<{ gets: number; bytes: number }> {
  const text = await (await fetch(url)).text();
  let gets = 0;
  for (const m of text.matchAll(/^parquet_gateway_objstore_requests_total\{operation="(get|get_range|head)"\} (\S+)$/gm)) gets += Number(m[2]);
  const bytes = Number(/^parquet_gateway_objstore_read_bytes_total (\S+)$/m.exec(text)?.[1] ?? 0);
  return { gets, bytes };
}
