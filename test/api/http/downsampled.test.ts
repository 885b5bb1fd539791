// max_source_resolution over downsampled units: the store answers with
// aggregate chunks, which the query APIs read as the Thanos querier does
// (one aggregate, counter resets applied, or sum/count averages).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GrpcClient } from "../../../src/api/grpc/client.js";
import { QueryService } from "../../../src/api/grpc/gen/api/query/querypb/query.js";
import { aggregatesAsRaw } from "../../../src/promql/downsampled.js";
import { decodeXor, encodeXor } from "../../../src/chunkenc/index.js";
import type { StoreChunk, StoreSeries } from "../../../src/store/api.js";
import { newTestBucket, type TestBucket } from "../../helpers/buckets.js";
import { runCli } from "../../helpers/cli.js";
import { call, copyBlocks, fixtureBlocks, startGateway, type ApiJson, type Gateway } from "./gateway.js";
import { T0 } from "./queries.js";

const H = 3_600_000;

function xor(points: [number, number][]): StoreChunk {
  const t = Float64Array.from(points.map((p) => p[0]));
  const v = Float64Array.from(points.map((p) => p[1]));
  return { minTime: t[0]!, maxTime: t[t.length - 1]!, encoding: 1, data: encodeXor(t, v, 0, t.length) };
}

function points(s: StoreSeries): [number, number][] {
  const out: [number, number][] = [];
  for (const c of s.chunks) {
    const d = decodeXor(c.data);
    for (let i = 0; i < d.n; i++) out.push([d.t[i]!, d.v[i]!]);
  }
  return out;
}

describe("aggregatesAsRaw", () => {
  const labels = [{ name: "__name__", value: "x" }];

  it("leaves series without aggregates alone", () => {
    const s = { labels, chunks: [xor([[1, 1]])] };
    expect(aggregatesAsRaw(s, ["count", "sum"])).toBe(s);
  });

  it("averages sum/count; raw chunks stay; overlaps are skipped", () => {
    const s: StoreSeries = {
      labels,
      chunks: [xor([[0, 5], [100, 7], [700, 99]])],
      aggrChunks: [{ minTime: 600, maxTime: 1200, aggrs: { count: xor([[600, 2], [1200, 4]]), sum: xor([[600, 10], [1200, 2]]) } }],
    };
    // The aggregate chunk starts inside the raw one: its 600 point is an overlap.
    expect(points(aggregatesAsRaw(s, ["count", "sum"]))).toEqual([[0, 5], [100, 7], [700, 99], [1200, 0.5]]);
    expect(points(aggregatesAsRaw(s, ["sum"]))).toEqual([[0, 5], [100, 7], [700, 99], [1200, 2]]);
  });

  it("applies counter resets across chunks (the repeated last timestamp carries the raw value)", () => {
    const s: StoreSeries = {
      labels,
      chunks: [],
      aggrChunks: [
        { minTime: 0, maxTime: 600, aggrs: { counter: xor([[0, 10], [300, 20], [600, 30], [600, 30]]) } },
        // Reset: starts again from 5.
        { minTime: 900, maxTime: 1200, aggrs: { counter: xor([[900, 5], [1200, 8], [1200, 8]]) } },
      ],
    };
    expect(points(aggregatesAsRaw(s, ["counter"]))).toEqual([[0, 10], [300, 20], [600, 30], [900, 35], [1200, 38]]);
  });

  it("misaligned sum and count fail like Thanos' AverageChunkIterator", () => {
    const s: StoreSeries = { labels, chunks: [], aggrChunks: [{ minTime: 0, maxTime: 1, aggrs: { count: xor([[0, 1]]), sum: xor([[1, 1]]) } }] };
    expect(() => aggregatesAsRaw(s, ["count", "sum"])).toThrow("sum and count timestamps not aligned");
  });
});

describe("over a downsampled unit", () => {
  let tb: TestBucket;
  let gw: Gateway;

  beforeAll(async () => {
    tb = await newTestBucket("FILESYSTEM");
    const src = copyBlocks(fixtureBlocks("blocks-1k-6h"));
    const r = await runCli(["convert", "--tsdb.path", src, "--objstore.config-file", tb.configFile, "--downsample", "--no-progress"], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    gw = await startGateway(tb);
  }, 300_000);

  afterAll(async () => {
    await gw?.close();
    tb?.cleanup();
  });

  const instant = async (query: string, res: string): Promise<number> => {
    const r = JSON.parse((await call(gw.url, "/api/v1/query", { query, time: String((T0 + 4 * H) / 1000), max_source_resolution: res })).body) as ApiJson;
    expect(r.status, r.error).toBe("success");
    const result = (r.data as { result: { value: [number, string] }[] }).result;
    expect(result, `${query} at ${res}`).toHaveLength(1);
    return Number(result[0]!.value[1]);
  };

  it.each(["5m", "1h", "auto"])("answers from aggregates at %s like from raw data", async (res) => {
    expect(await instant("count(demo_memory_usage_bytes)", res)).toBe(await instant("count(demo_memory_usage_bytes)", "0s"));
    // MAX aggregate: the maximum over whole windows inside the range is exact.
    expect(await instant("max(max_over_time(demo_memory_usage_bytes[1h]))", res)).toBe(await instant("max(max_over_time(demo_memory_usage_bytes[1h]))", "0s"));
    // COUNTER aggregate: rates agree closely.
    const raw = await instant("sum(rate(demo_http_requests_total[1h]))", "0s");
    expect(Math.abs((await instant("sum(rate(demo_http_requests_total[1h]))", res)) - raw) / raw).toBeLessThan(0.01);
  });

  it("reads 5m points (one per window) when asked for the count of samples", async () => {
    expect(await instant("sum(count_over_time(demo_memory_usage_bytes[1h]))", "0s")).toBe(340 * 241);
    expect(await instant("sum(count_over_time(demo_memory_usage_bytes[1h]))", "5m")).toBe(340 * 12);
  });

  it("the gRPC Query API honours max_resolution_seconds the same way", async () => {
    const client = new GrpcClient(gw.grpcAddress);
    try {
      const frames = await client.collect(QueryService.Query, { query: "sum(count_over_time(demo_memory_usage_bytes[1h]))", timeSeconds: (T0 + 4 * H) / 1000, maxResolutionSeconds: 300 });
      const ts = frames.find((f) => f.result?.$case === "timeseries");
      expect(ts?.result?.$case === "timeseries" && ts.result.timeseries.samples[0]!.value).toBe(340 * 12);
    } finally {
      client.close();
    }
  });
});
