// The Thanos Query API (thanos.Query over gRPC) of `serve`, in-process over
// converted fixtures: its answers must equal the HTTP API's for the same
// queries, and follow the Thanos wire rules — frames (warnings first,
// series or batches, stats last), one sample per instant series, sorted
// labels, replica-label removal, sharding, errors as gRPC statuses — and
// Info must advertise it.

import { status as Status, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GrpcClient } from "../../../src/api/grpc/client.js";
import { QueryService, type QueryRangeRequest, type QueryRangeResponse, type QueryRequest, type QueryResponse } from "../../../src/api/grpc/gen/api/query/querypb/query.js";
import { InfoService } from "../../../src/api/grpc/gen/info/infopb/rpc.js";
import type { TimeSeries } from "../../../src/api/grpc/gen/store/storepb/prompb/types.js";
import type { Init } from "../../../src/api/grpc/wire.js";
import { compareStrings, labelsFromRecord } from "../../../src/model/labels.js";
import type { TestBucket } from "../../helpers/buckets.js";
import { call, convertedBucket, fixtureBlocks, startGateway, type Gateway } from "../http/gateway.js";
import { instantQueries, N0, rangeQueries, staleQueries, staleWindow, T0, windows } from "../http/queries.js";

const H = 3_600_000;
const NOW = T0 + 3 * H;

let tb: TestBucket;
let gw: Gateway;
let client: GrpcClient;

beforeAll(async () => {
  tb = await convertedBucket(fixtureBlocks("blocks-1k-6h", "block-native-histograms"));
  gw = await startGateway(tb, { externalLabels: { region: "eu", replica: "r1" }, now: () => NOW });
  client = new GrpcClient(gw.grpcAddress);
}, 300_000);

afterAll(async () => {
  client?.close();
  await gw?.close();
  tb?.cleanup();
});

type Frame = QueryResponse | QueryRangeResponse;

function seriesOf(frames: Frame[]): TimeSeries[] {
  const out: TimeSeries[] = [];
  for (const f of frames) {
    if (f.result?.$case === "timeseries") out.push(f.result.timeseries);
    else if (f.result?.$case === "timeseriesBatch") out.push(...f.result.timeseriesBatch.series);
  }
  return out;
}

const query = (req: Init<QueryRequest>): Promise<QueryResponse[]> => client.collect(QueryService.Query, req);
const queryRange = (req: Init<QueryRangeRequest>): Promise<QueryRangeResponse[]> => client.collect(QueryService.QueryRange, req);

function rejected(p: Promise<unknown>): Promise<ServiceError> {
  return p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e as ServiceError,
  );
}

/** Normalised series: label record key and [ms, value] points. */
type Norm = { key: string; points: [number, number][] };

function fromGrpc(ts: TimeSeries[]): Norm[] {
  return ts.map((s) => ({ key: JSON.stringify(s.labels.map((l) => [l.name, l.value])), points: s.samples.map((x): [number, number] => [x.timestamp, x.value]) }));
}

function parseValue(v: string): number {
  return v === "NaN" ? NaN : v === "+Inf" ? Infinity : v === "-Inf" ? -Infinity : Number(v);
}

function fromHttp(result: { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[]): Norm[] {
  return result.map((r) => ({
    key: JSON.stringify(labelsFromRecord(r.metric).map((l) => [l.name, l.value])),
    points: (r.values ?? (r.value ? [r.value] : [])).map(([t, v]): [number, number] => [Math.round(t * 1000), parseValue(v)]),
  }));
}

describe("Info", () => {
  it("advertises the Query API and tsdb_infos with the external labels", async () => {
    const info = await client.unary(InfoService.Info, {});
    expect(info.query).toEqual({});
    expect(info.store?.tsdbInfos.length).toBeGreaterThan(0);
    for (const t of info.store!.tsdbInfos) {
      expect(t.labels?.labels).toEqual([
        { name: "region", value: "eu" },
        { name: "replica", value: "r1" },
      ]);
      expect(t.minTime).toBeLessThanOrEqual(t.maxTime);
    }
  });
});

describe("answers equal the HTTP API's", () => {
  const cases = [
    ...rangeQueries.map((q, i) => ({ q, w: windows[i % windows.length]! })),
    ...staleQueries.map((q) => ({ q, w: staleWindow })),
  ];

  it(`QueryRange: ${cases.length} queries`, { timeout: 120_000 }, async () => {
    const diffs: string[] = [];
    for (const { q, w } of cases) {
      // The Query API speaks whole seconds.
      const [start, end, step] = [Math.floor(w.startMs / 1000), Math.floor(w.endMs / 1000), Math.max(1, Math.floor(w.stepMs / 1000))];
      const [frames, http] = await Promise.all([
        queryRange({ query: q, startTimeSeconds: start, endTimeSeconds: end, intervalSeconds: step }),
        call(gw.url, "/api/v1/query_range", { query: q, start: String(start), end: String(end), step: String(step) }),
      ]);
      const h = JSON.parse(http.body) as { status: string; data: { result: never[] }; warnings?: string[] };
      expect(h.status, q).toBe("success");
      const got = fromGrpc(seriesOf(frames));
      const want = fromHttp(h.data.result);
      if (JSON.stringify(got) !== JSON.stringify(want)) diffs.push(`${q} @${w.name}`);
      // Frames: warnings first (when any), stats last.
      expect(frames.at(-1)?.result?.$case, q).toBe("stats");
      const warn = frames.filter((f) => f.result?.$case === "warnings");
      if (h.warnings) expect(warn.map((f) => (f.result as { warnings: string }).warnings)).toEqual([h.warnings.join(", ")]);
      else expect(warn).toEqual([]);
      for (const s of seriesOf(frames)) {
        expect([...s.labels].sort((x, y) => compareStrings(x.name, y.name)), q).toEqual(s.labels);
        expect(s.histograms).toEqual([]);
      }
    }
    expect(diffs).toEqual([]);
  });

  it("Query: instant vectors have one sample per series, at the query time", async () => {
    for (const { query: q, timeMs } of instantQueries) {
      const [frames, http] = await Promise.all([query({ query: q, timeSeconds: Math.floor(timeMs / 1000) }), call(gw.url, "/api/v1/query", { query: q, time: String(Math.floor(timeMs / 1000)) })]);
      const h = JSON.parse(http.body) as { data: { resultType: string; result: unknown } };
      const series = seriesOf(frames);
      expect(frames.at(-1)?.result?.$case).toBe("stats");
      switch (h.data.resultType) {
        case "vector":
          expect(fromGrpc(series), q).toEqual(fromHttp(h.data.result as never[]));
          for (const s of series) expect(s.samples.map((x) => x.timestamp)).toEqual([Math.floor(timeMs / 1000) * 1000]);
          break;
        case "scalar": {
          const [t, v] = h.data.result as [number, string];
          expect(series).toEqual([{ labels: [], samples: [{ timestamp: t * 1000, value: parseValue(v) }], exemplars: [], histograms: [] }]);
          break;
        }
        default:
          // Matrix and string results of instant queries: no series (as Thanos).
          expect(series, q).toEqual([]);
      }
    }
  });

  it("time_seconds 0 evaluates at the server's now", async () => {
    const frames = await query({ query: "time()" });
    expect(seriesOf(frames)[0]!.samples).toEqual([{ timestamp: NOW, value: NOW / 1000 }]);
  });
});

describe("frames", () => {
  const req = { query: `demo_memory_usage_bytes{job="api",type="rss"}`, startTimeSeconds: (T0 + H) / 1000, endTimeSeconds: (T0 + H) / 1000 + 300, intervalSeconds: 60 };

  it("timeseries_batch only when response_batch_size > 1, with at most that many series", async () => {
    const single = await queryRange(req);
    const one = await queryRange({ ...req, responseBatchSize: 1 });
    const batched = await queryRange({ ...req, responseBatchSize: 7 });
    for (const f of [...single, ...one]) expect(["timeseries", "stats"]).toContain(f.result?.$case);
    const batches = batched.filter((f) => f.result?.$case === "timeseriesBatch");
    expect(batched.filter((f) => f.result?.$case === "timeseries")).toEqual([]);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) expect(b.result?.$case === "timeseriesBatch" && b.result.timeseriesBatch.series.length).toBeLessThanOrEqual(7);
    expect(seriesOf(batched)).toEqual(seriesOf(single));
    expect(seriesOf(one)).toEqual(seriesOf(single));
    expect(batched.at(-1)).toEqual({ result: { $case: "stats", stats: { samplesTotal: 0, peakSamples: 0 } } });
  });

  it("instant queries batch too", async () => {
    const frames = await query({ query: `demo_memory_usage_bytes{job="api"}`, timeSeconds: (T0 + H) / 1000, responseBatchSize: 1000 });
    expect(frames.map((f) => f.result?.$case)).toEqual(["timeseriesBatch", "stats"]);
  });

  it("engine warnings go first, joined with \", \"", async () => {
    const frames = await queryRange({ query: `{__name__=~"nh_.+|demo_intermittent_metric"}`, startTimeSeconds: Math.floor(N0 / 1000), endTimeSeconds: Math.floor(N0 / 1000) + 60, intervalSeconds: 10 });
    expect(frames[0]?.result?.$case).toBe("warnings");
    expect(frames.at(-1)?.result?.$case).toBe("stats");
  });
});

describe("request settings", () => {
  const q = { query: `demo_memory_usage_bytes{job="api",type="rss",instance="api-0:9100"}`, timeSeconds: (T0 + H) / 1000 };

  it("replica_labels are removed when dedup is enabled", async () => {
    const plain = seriesOf(await query(q));
    expect(plain[0]!.labels.map((l) => l.name)).toContain("replica");
    const dedup = seriesOf(await query({ ...q, replicaLabels: ["replica"], enableDedup: true }));
    expect(dedup[0]!.labels.map((l) => l.name)).not.toContain("replica");
    expect(dedup[0]!.labels.map((l) => l.name)).toContain("region");
    expect(dedup[0]!.samples).toEqual(plain[0]!.samples);
    // Without enableDedup the replica labels stay (Thanos strips them only when deduplicating).
    const kept = seriesOf(await query({ ...q, replicaLabels: ["replica"] }));
    expect(kept[0]!.labels).toEqual(plain[0]!.labels);
  });

  it("shard_info: the shards partition the result", async () => {
    const all = { query: `demo_memory_usage_bytes{job="api"}`, timeSeconds: (T0 + H) / 1000 };
    const whole = seriesOf(await query(all)).map((s) => JSON.stringify(s.labels));
    for (const by of [true, false]) {
      const parts: string[][] = [];
      for (let i = 0; i < 3; i++) parts.push(seriesOf(await query({ ...all, shardInfo: { shardIndex: i, totalShards: 3, by, labels: ["instance"] } })).map((s) => JSON.stringify(s.labels)));
      expect(parts.flat().sort()).toEqual([...whole].sort());
      expect(parts.filter((p) => p.length > 0).length).toBeGreaterThan(1);
    }
  });

  it("lookback_delta_seconds overrides the engine's lookback", async () => {
    const late = { query: `count(demo_memory_usage_bytes)`, timeSeconds: (T0 + 6 * H) / 1000 + 120 };
    expect(seriesOf(await query(late))).toHaveLength(1);
    expect(seriesOf(await query({ ...late, lookbackDeltaSeconds: 60 }))).toHaveLength(0);
  });

  it("max_resolution_seconds is accepted (raw data answers)", async () => {
    expect(seriesOf(await query({ ...q, maxResolutionSeconds: 3600 }))).toEqual(seriesOf(await query(q)));
  });
});

describe("errors", () => {
  it("a query that does not parse: INVALID_ARGUMENT", async () => {
    const e = await rejected(query({ query: "sum(", timeSeconds: 1 }));
    expect(e.code).toBe(Status.INVALID_ARGUMENT);
    expect(e.details).toBe("1:5: parse error: unclosed left parenthesis");
  });

  it("an unknown engine: INVALID_ARGUMENT", async () => {
    const e = await rejected(query({ query: "1", engine: 7 }));
    expect(e.code).toBe(Status.INVALID_ARGUMENT);
    expect(e.details).toBe("invalid engine parameter");
  });

  it("an evaluation error: ABORTED, as Thanos answers engine errors", async () => {
    const bad = `{__name__=~"demo_api_request_duration_seconds_(sum|count)"} * 1`;
    const e = await rejected(query({ query: bad, timeSeconds: (T0 + H) / 1000 }));
    expect(e.code).toBe(Status.ABORTED);
    expect(e.details).toMatch(/vector cannot contain metrics with the same labelset/);
    const r = await rejected(queryRange({ query: bad, startTimeSeconds: (T0 + H) / 1000, endTimeSeconds: (T0 + H) / 1000 + 60, intervalSeconds: 60, enablePartialResponse: true }));
    expect(r.code).toBe(Status.ABORTED);
  });

  it("with enablePartialResponse an instant query's error becomes a warnings frame", async () => {
    const frames = await query({ query: `{__name__=~"demo_api_request_duration_seconds_(sum|count)"} * 1`, timeSeconds: (T0 + H) / 1000, enablePartialResponse: true });
    expect(frames).toHaveLength(1);
    expect(frames[0]!.result?.$case).toBe("warnings");
  });

  it("a range query with a zero step or a range-vector expression: INVALID_ARGUMENT", async () => {
    expect((await rejected(queryRange({ query: "1", startTimeSeconds: 1, endTimeSeconds: 2, intervalSeconds: 0 }))).code).toBe(Status.INVALID_ARGUMENT);
    expect((await rejected(queryRange({ query: "up[5m]", startTimeSeconds: 1, endTimeSeconds: 2, intervalSeconds: 1 }))).code).toBe(Status.INVALID_ARGUMENT);
  });

  it("an expired timeout: DEADLINE_EXCEEDED", async () => {
    const e = await rejected(queryRange({ query: "sum(rate(demo_http_requests_total[5m]))", startTimeSeconds: T0 / 1000, endTimeSeconds: T0 / 1000 + 6 * 3600, intervalSeconds: 15, timeoutSeconds: -1 }));
    expect(e.code).toBe(Status.DEADLINE_EXCEEDED);
    expect(e.details).toMatch(/^query timed out in /);
  });

  it("UNAVAILABLE before the store is ready", async () => {
    gw.setReady(false);
    try {
      expect((await rejected(query({ query: "1" }))).code).toBe(Status.UNAVAILABLE);
    } finally {
      gw.setReady(true);
    }
  });
});
