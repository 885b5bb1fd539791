// The gRPC layer against a real grpc-js client: Info, Series (streaming,
// batching, chunks, errors, warnings, cancellation, backpressure), label
// calls, health, reflection and keepalive. The store is an in-memory fake
// (test/api/memstore.ts): this tests the protocol mapping, not the store.

import http2 from "node:http2";
import { status as Status, Metadata, type ServiceError, type ClientReadableStream } from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer, type MethodDefinition } from "@grpc/proto-loader";
import { xxhash64 as referenceXxhash64 } from "hyparquet/src/xxhash.js";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { GrpcClient } from "../../src/api/grpc/client.js";
import { HealthCheckResponse_ServingStatus as Serving, HealthService } from "../../src/api/grpc/gen/grpc/health/v1/health.js";
import { ServerReflectionService as ReflectionV1 } from "../../src/api/grpc/gen/grpc/reflection/v1/reflection.js";
import { ServerReflectionService as ReflectionV1Alpha } from "../../src/api/grpc/gen/grpc/reflection/v1alpha/reflection.js";
import { InfoService } from "../../src/api/grpc/gen/info/infopb/rpc.js";
import { Aggr, StoreService, StoreType, type SeriesRequest, type SeriesResponse } from "../../src/api/grpc/gen/store/storepb/rpc.js";
import { Chunk_Encoding, LabelMatcher_Type as MT, PartialResponseStrategy, type Series } from "../../src/api/grpc/gen/store/storepb/types.js";
import { startGrpcServer, type GrpcServerOptions } from "../../src/api/grpc/server.js";
import type { Init } from "../../src/api/grpc/wire.js";
import { encodeXor } from "../../src/chunkenc/index.js";
import type { StoreChunk, StoreSeries } from "../../src/store/api.js";
import { StoreError } from "../../src/store/api.js";
import { startH2Proxy } from "./h2proxy.js";
import { lbls, MemStore, type MemStoreOptions } from "./memstore.js";

const log = pino({ level: "silent" });

function xorChunk(t0: number, n: number, seed: number): StoreChunk {
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = t0 + i * 15_000;
    v[i] = seed * 1000 + i * 1.5;
  }
  return { minTime: t0, maxTime: t0 + (n - 1) * 15_000, encoding: 1, data: encodeXor(t, v, 0, n) };
}

function bytes(n: number, fill: number): Uint8Array {
  return new Uint8Array(n).fill(fill);
}

/** 150 float series (2 XOR chunks each) plus one histogram and one float-histogram series. */
function fixture(): StoreSeries[] {
  const out: StoreSeries[] = [];
  for (let k = 0; k < 150; k++) {
    out.push({
      labels: lbls({ __name__: "up", job: `job-${String(k).padStart(3, "0")}`, region: "eu" }),
      chunks: [xorChunk(0, 120, k), xorChunk(1_800_000, 7 + (k % 50), k)],
    });
  }
  out.push({ labels: lbls({ __name__: "h", kind: "int", region: "eu" }), chunks: [{ minTime: 5, maxTime: 9, encoding: 2, data: bytes(300, 7) }] });
  out.push({ labels: lbls({ __name__: "h", kind: "float", region: "eu" }), chunks: [{ minTime: 5, maxTime: 9, encoding: 3, data: bytes(40, 9) }] });
  return out;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(
  storeOpts: MemStoreOptions = {},
  serverOpts: Partial<GrpcServerOptions> = {},
  series: StoreSeries[] = fixture(),
): Promise<{ store: MemStore; client: GrpcClient; port: number; setReady(r: boolean): void }> {
  const store = new MemStore(series, storeOpts);
  let ready = true;
  const server = await startGrpcServer({ address: "127.0.0.1:0", store, log, ready: () => ready, shutdownGraceMs: 500, ...serverOpts });
  cleanups.push(() => server.close());
  const client = new GrpcClient(`127.0.0.1:${server.port}`);
  cleanups.push(() => client.close());
  return { store, client, port: server.port, setReady: (r) => (ready = r) };
}

const all: Init<SeriesRequest>["matchers"] = [{ type: MT.RE, name: "__name__", value: ".+" }];

function seriesOf(frames: SeriesResponse[]): Series[] {
  const out: Series[] = [];
  for (const f of frames) {
    if (f.result?.$case === "series") out.push(f.result.series);
    else if (f.result?.$case === "batch") out.push(...f.result.batch.series);
  }
  return out;
}

function rejected(p: Promise<unknown>): Promise<ServiceError> {
  return p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e as ServiceError,
  );
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

describe("Info", () => {
  it("thanos.info.Info/Info advertises a store with label sets and tsdb_infos", async () => {
    const { client } = await start({
      info: { minTime: 1000, maxTime: 9_000_000, labelSets: [lbls({ region: "eu" }), lbls({ region: "us", replica: "a" })] },
    });
    const info = await client.unary(InfoService.Info, {});
    expect(info.ComponentType).toBe("store");
    expect(info.labelSets).toEqual([
      { labels: [{ name: "region", value: "eu" }] },
      {
        labels: [
          { name: "region", value: "us" },
          { name: "replica", value: "a" },
        ],
      },
    ]);
    expect(info.store).toEqual({
      minTime: 1000,
      maxTime: 9_000_000,
      supportsSharding: false,
      supportsWithoutReplicaLabels: true,
      supportsProjections: false,
      tsdbInfos: [
        { labels: { labels: [{ name: "region", value: "eu" }] }, minTime: 1000, maxTime: 9_000_000 },
        {
          labels: {
            labels: [
              { name: "region", value: "us" },
              { name: "replica", value: "a" },
            ],
          },
          minTime: 1000,
          maxTime: 9_000_000,
        },
      ],
    });
    // Only the Store API is advertised.
    expect(info.rules).toBeUndefined();
    expect(info.query).toBeUndefined();
    expect(info.metricMetadata).toBeUndefined();
    expect(info.targets).toBeUndefined();
    expect(info.exemplars).toBeUndefined();
    expect(info.status).toBeUndefined();
  });

  it("fails with UNAVAILABLE while not ready", async () => {
    const { client, setReady } = await start();
    setReady(false);
    const e = await rejected(client.unary(InfoService.Info, {}));
    expect(e.code).toBe(Status.UNAVAILABLE);
    expect(e.details).toContain("not ready");
    const legacy = await rejected(client.unary(StoreService.Info, {}));
    expect(legacy.code).toBe(Status.UNAVAILABLE);
    setReady(true);
    expect((await client.unary(InfoService.Info, {})).ComponentType).toBe("store");
  });

  it("falls back to the configured external labels when the store has no label set", async () => {
    const { client } = await start({ info: { labelSets: [] } }, { externalLabels: { cluster: "c1" } });
    const info = await client.unary(InfoService.Info, {});
    expect(info.labelSets).toEqual([{ labels: [{ name: "cluster", value: "c1" }] }]);
    expect(info.store?.tsdbInfos).toHaveLength(1);
  });

  it("legacy thanos.Store/Info has the same data in the old shape", async () => {
    const { client } = await start({ info: { minTime: 5, maxTime: 6, labelSets: [lbls({ region: "eu" })] } });
    const info = await client.unary(StoreService.Info, {});
    expect(info).toEqual({
      labels: [],
      minTime: 5,
      maxTime: 6,
      storeType: StoreType.STORE,
      labelSets: [{ labels: [{ name: "region", value: "eu" }] }],
    });
  });
});

describe("Series", () => {
  it("maps every request field onto SelectRequest", async () => {
    const { client, store } = await start();
    await client.collect(StoreService.Series, {
      minTime: -5,
      maxTime: 1_000_000,
      matchers: [
        { type: MT.EQ, name: "__name__", value: "up" },
        { type: MT.NEQ, name: "job", value: "x" },
        { type: MT.RE, name: "job", value: "job-0.*" },
        { type: MT.NRE, name: "job", value: "job-01.*" },
      ],
      maxResolutionWindow: 300_000,
      aggregates: [Aggr.COUNT, Aggr.SUM, Aggr.RAW, Aggr.COUNT],
      partialResponseStrategy: PartialResponseStrategy.ABORT,
      skipChunks: true,
      withoutReplicaLabels: ["replica", "rule_replica"],
      limit: 7,
      responseBatchSize: 64,
    });
    expect(store.selects).toHaveLength(1);
    const r = store.selects[0]!;
    expect(r.minTime).toBe(-5);
    expect(r.maxTime).toBe(1_000_000);
    expect(r.matchers.map(String)).toEqual(['__name__="up"', 'job!="x"', 'job=~"job-0.*"', 'job!~"job-01.*"']);
    expect(r.skipChunks).toBe(true);
    expect(r.withoutReplicaLabels).toEqual(["replica", "rule_replica"]);
    expect(r.limit).toBe(7);
    expect(r.maxResolutionWindow).toBe(300_000);
    expect(r.aggregates).toEqual(["count", "sum"]);
    expect(r.signal).toBeInstanceOf(AbortSignal);
  });

  it("passes Go's MinInt64/MaxInt64 time bounds through as the extreme numbers", async () => {
    const { client, store } = await start();
    await client.collect(StoreService.Series, { minTime: -(2 ** 63), maxTime: 2 ** 63, matchers: all });
    expect(store.selects[0]!.minTime).toBe(-(2 ** 63));
    expect(store.selects[0]!.maxTime).toBe(2 ** 63);
  });

  it("batch size 0/1 sends only series frames, 64 sends batch frames of at most 64, same series sequence", async () => {
    const { client } = await start();
    const f0 = await client.collect(StoreService.Series, { minTime: 0, maxTime: 1e10, matchers: all });
    const f1 = await client.collect(StoreService.Series, { minTime: 0, maxTime: 1e10, matchers: all, responseBatchSize: 1 });
    const f64 = await client.collect(StoreService.Series, { minTime: 0, maxTime: 1e10, matchers: all, responseBatchSize: 64 });
    const f7 = await client.collect(StoreService.Series, { minTime: 0, maxTime: 1e10, matchers: all, responseBatchSize: 7 });
    expect(f0.every((f) => f.result?.$case === "series")).toBe(true);
    expect(f1.every((f) => f.result?.$case === "series")).toBe(true);
    expect(f0).toHaveLength(152);
    expect(f64.every((f) => f.result?.$case === "batch")).toBe(true);
    expect(f64.map((f) => (f.result?.$case === "batch" ? f.result.batch.series.length : -1))).toEqual([64, 64, 24]);
    expect(f7.every((f) => f.result?.$case === "batch" && f.result.batch.series.length <= 7)).toBe(true);
    const s0 = seriesOf(f0);
    expect(seriesOf(f1)).toEqual(s0);
    expect(seriesOf(f64)).toEqual(s0);
    expect(seriesOf(f7)).toEqual(s0);
    // Sorted by labels, as the store produced them.
    expect(s0[0]!.labels).toEqual([
      { name: "__name__", value: "h" },
      { name: "kind", value: "float" },
      { name: "region", value: "eu" },
    ]);
  });

  it("flushes a batch early at maxBatchBytes", async () => {
    const { client } = await start({}, { maxBatchBytes: 4096 });
    const frames = await client.collect(StoreService.Series, { minTime: 0, maxTime: 1e10, matchers: all, responseBatchSize: 64 });
    expect(frames.length).toBeGreaterThan(3);
    expect(seriesOf(frames)).toHaveLength(152);
  });

  it("maps chunk encodings (Prometheus - 1), times, data and hash = xxhash64(data)", async () => {
    const series = fixture();
    const { client } = await start({}, {}, series);
    const got = seriesOf(await client.collect(StoreService.Series, { minTime: 0, maxTime: 1e10, matchers: all, responseBatchSize: 64 }));
    const byKey = new Map(series.map((s) => [JSON.stringify(s.labels), s]));
    let chunks = 0;
    for (const s of got) {
      const want = byKey.get(JSON.stringify(s.labels))!;
      expect(s.chunks).toHaveLength(want.chunks.length);
      s.chunks.forEach((ac, i) => {
        const c = want.chunks[i]!;
        expect(ac.minTime).toBe(c.minTime);
        expect(ac.maxTime).toBe(c.maxTime);
        expect(ac.raw).toBeDefined();
        expect(ac.count ?? ac.sum ?? ac.min ?? ac.max ?? ac.counter).toBeUndefined();
        expect(ac.raw!.type).toBe(c.encoding - 1);
        expect(Buffer.from(ac.raw!.data).equals(Buffer.from(c.data))).toBe(true);
        expect(ac.raw!.hash).toBe(referenceXxhash64(c.data));
        expect(ac.raw!.hash).not.toBe(0n);
        chunks++;
      });
    }
    expect(chunks).toBe(302);
    const types = new Set(got.flatMap((s) => s.chunks.map((c) => c.raw!.type)));
    expect([...types].sort()).toEqual([Chunk_Encoding.XOR, Chunk_Encoding.HISTOGRAM, Chunk_Encoding.FLOAT_HISTOGRAM]);
  });

  it("sends hash 0 when hashing is off", async () => {
    const { client } = await start({}, { hashChunks: false });
    const got = seriesOf(await client.collect(StoreService.Series, { minTime: 0, maxTime: 1e10, matchers: all }));
    expect(got.flatMap((s) => s.chunks.map((c) => c.raw!.hash))).toEqual(new Array(302).fill(0n));
  });

  it("skip_chunks sends series without chunks", async () => {
    const { client } = await start();
    const got = seriesOf(await client.collect(StoreService.Series, { minTime: 0, maxTime: 1e10, matchers: all, skipChunks: true }));
    expect(got).toHaveLength(152);
    expect(got.every((s) => s.chunks.length === 0)).toBe(true);
  });

  it("puts downsampled aggregates in the AggrChunk aggregate fields, merged with raw chunks by time", async () => {
    const agg: StoreSeries = {
      labels: lbls({ __name__: "d", region: "eu" }),
      chunks: [xorChunk(10_000_000, 5, 1)],
      aggrChunks: [
        { minTime: 0, maxTime: 999, aggrs: { count: xorChunk(0, 3, 2), sum: xorChunk(0, 3, 3) } },
        { minTime: 1000, maxTime: 1999, aggrs: { counter: { minTime: 1000, maxTime: 1999, encoding: 3, data: bytes(20, 1) } } },
      ],
    };
    const { client } = await start({}, {}, [agg]);
    const [s] = seriesOf(await client.collect(StoreService.Series, { minTime: 0, maxTime: 1e10, matchers: all, aggregates: [Aggr.COUNT, Aggr.SUM] }));
    expect(s!.chunks.map((c) => [c.minTime, c.maxTime])).toEqual([
      [0, 999],
      [1000, 1999],
      [10_000_000, 10_000_000 + 4 * 15_000],
    ]);
    const [a, b, raw] = s!.chunks;
    expect(a!.raw).toBeUndefined();
    expect(a!.count!.type).toBe(Chunk_Encoding.XOR);
    expect(a!.count!.hash).toBe(referenceXxhash64(agg.aggrChunks![0]!.aggrs.count!.data));
    expect(Buffer.from(a!.sum!.data).equals(agg.aggrChunks![0]!.aggrs.sum!.data)).toBe(true);
    expect(a!.min ?? a!.max ?? a!.counter).toBeUndefined();
    expect(b!.counter!.type).toBe(Chunk_Encoding.FLOAT_HISTOGRAM);
    expect(b!.count ?? b!.sum).toBeUndefined();
    expect(Buffer.from(raw!.raw!.data).equals(agg.chunks[0]!.data)).toBe(true);
  });

  it("rejects a request without matchers with INVALID_ARGUMENT", async () => {
    const { client, store } = await start();
    const e = await rejected(client.collect(StoreService.Series, { minTime: 0, maxTime: 10 }));
    expect(e.code).toBe(Status.INVALID_ARGUMENT);
    expect(e.details).toBe("no matchers specified");
    expect(store.selects).toHaveLength(0);
  });

  it("rejects an invalid regex with INVALID_ARGUMENT and a precise message", async () => {
    const { client, store } = await start();
    const e = await rejected(
      client.collect(StoreService.Series, { minTime: 0, maxTime: 10, matchers: [{ type: MT.RE, name: "job", value: "a(b" }] }),
    );
    expect(e.code).toBe(Status.INVALID_ARGUMENT);
    expect(e.details).toContain('invalid regular expression "a(b" for label "job"');
    expect(store.selects).toHaveLength(0);
    const e2 = await rejected(client.collect(StoreService.Series, { minTime: 0, maxTime: 10, matchers: [{ type: 9, name: "job", value: "a" }] }));
    expect(e2.code).toBe(Status.INVALID_ARGUMENT);
    expect(e2.details).toContain("unrecognized label matcher type 9");
  });

  it.each([
    ["invalid_argument", Status.INVALID_ARGUMENT],
    ["resource_exhausted", Status.RESOURCE_EXHAUSTED],
    ["unavailable", Status.UNAVAILABLE],
    ["canceled", Status.CANCELLED],
    ["internal", Status.INTERNAL],
  ] as const)("maps StoreError %s from select() to gRPC status %i", async (code, want) => {
    const { client } = await start({ failSelect: new StoreError(code, `boom ${code}`) });
    const e = await rejected(client.collect(StoreService.Series, { minTime: 0, maxTime: 10, matchers: all }));
    expect(e.code).toBe(want);
    expect(e.details).toBe(`boom ${code}`);
  });

  it("fails mid-stream with the store's status after the series sent so far", async () => {
    const { client } = await start({ failAfter: { n: 10, error: new StoreError("resource_exhausted", "exceeded series limit") } });
    const frames: SeriesResponse[] = [];
    const call = client.serverStream(StoreService.Series, { minTime: 0, maxTime: 1e10, matchers: all });
    const e = await new Promise<ServiceError>((resolve, reject) => {
      call.on("data", (f: SeriesResponse) => frames.push(f));
      call.on("error", resolve);
      call.on("end", () => reject(new Error("ended without error")));
    });
    expect(e.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(e.details).toBe("exceeded series limit");
    expect(seriesOf(frames)).toHaveLength(10);
  });

  it("UNAVAILABLE for data calls while not ready", async () => {
    const { client, setReady } = await start();
    setReady(false);
    expect((await rejected(client.collect(StoreService.Series, { matchers: all }))).code).toBe(Status.UNAVAILABLE);
    expect((await rejected(client.unary(StoreService.LabelNames, {}))).code).toBe(Status.UNAVAILABLE);
    expect((await rejected(client.unary(StoreService.LabelValues, { label: "job" }))).code).toBe(Status.UNAVAILABLE);
  });

  it.each([
    [0, PartialResponseStrategy.WARN, false],
    [64, PartialResponseStrategy.WARN, false],
    [64, PartialResponseStrategy.ABORT, false],
    [1, PartialResponseStrategy.WARN, true],
  ])("sends store warnings as warning frames after the series (batch %i, strategy %i, disabled %s)", async (batch, strategy, disabled) => {
    const { client } = await start({ warnings: ["first warning", "second warning"] });
    const frames = await client.collect(StoreService.Series, {
      minTime: 0,
      maxTime: 1e10,
      matchers: [{ type: MT.EQ, name: "__name__", value: "up" }],
      responseBatchSize: batch,
      partialResponseStrategy: strategy,
      partialResponseDisabled: disabled,
    });
    const kinds = frames.map((f) => f.result?.$case);
    const firstWarning = kinds.indexOf("warning");
    expect(firstWarning).toBe(frames.length - 2);
    expect(kinds.slice(0, firstWarning).every((k) => k === (batch > 1 ? "batch" : "series"))).toBe(true);
    expect(frames.slice(firstWarning).map((f) => (f.result?.$case === "warning" ? f.result.warning : ""))).toEqual([
      "first warning",
      "second warning",
    ]);
    expect(seriesOf(frames)).toHaveLength(150);
  });

  it("client cancellation aborts the store's iteration", async () => {
    const { client, store } = await start({ endless: true });
    const aborted = store.aborted();
    const call = client.serverStream(StoreService.Series, { minTime: 0, maxTime: 1e10, matchers: all });
    call.on("error", () => {});
    await new Promise<void>((resolve) => {
      let n = 0;
      call.on("data", () => {
        if (++n === 200) {
          call.cancel();
          resolve();
        }
      });
    });
    await withTimeout(aborted, 5000, "the store's signal to abort");
    await withTimeout(
      (async () => {
        while (!store.lastIteration?.finished) await new Promise((r) => setTimeout(r, 10));
      })(),
      5000,
      "the iteration to end",
    );
    expect(store.lastIteration).toEqual({ finished: true, aborted: true });
    const produced = store.produced;
    await new Promise((r) => setTimeout(r, 200));
    expect(store.produced).toBe(produced);
  });

  it("a deadline aborts the store's iteration too", async () => {
    const { client, store } = await start({ endless: true });
    const aborted = store.aborted();
    const call = client.serverStream(StoreService.Series, { minTime: 0, maxTime: 1e10, matchers: all }, { deadline: Date.now() + 300 });
    call.on("data", () => {});
    const e = await new Promise<ServiceError>((resolve) => call.on("error", resolve));
    expect(e.code).toBe(Status.DEADLINE_EXCEEDED);
    await withTimeout(aborted, 5000, "the store's signal to abort");
  });

  it("applies backpressure: a client that stops reading stops the store", async () => {
    const { client, store } = await start({ endless: true });
    const call: ClientReadableStream<SeriesResponse> = client.serverStream(StoreService.Series, { minTime: 0, maxTime: 1e10, matchers: all });
    call.on("error", () => {});
    await new Promise<void>((resolve) => call.once("data", () => resolve()));
    call.pause();
    await new Promise((r) => setTimeout(r, 1000));
    const a = store.produced;
    await new Promise((r) => setTimeout(r, 500));
    const b = store.produced;
    // ~1 KiB per series: the HTTP/2 window (64 KiB) and a few stream buffers, not unbounded.
    expect(b).toBe(a);
    expect(b).toBeLessThan(1000);
    call.resume();
    let more = 0;
    await new Promise<void>((resolve) =>
      call.on("data", () => {
        if (++more === 2000) resolve();
      }),
    );
    expect(store.produced).toBeGreaterThan(b + 1000);
    call.cancel();
  });
});

describe("LabelNames / LabelValues", () => {
  it("map start/end/matchers/limit/without_replica_labels and return names, values and warnings", async () => {
    const { client, store } = await start({ warnings: ["w"] });
    const names = await client.unary(StoreService.LabelNames, {
      start: 10,
      end: 20,
      matchers: [{ type: MT.EQ, name: "__name__", value: "h" }],
      withoutReplicaLabels: ["replica"],
      limit: 5,
      partialResponseStrategy: PartialResponseStrategy.ABORT,
    });
    expect(names).toEqual({ names: ["__name__", "kind", "region"], warnings: ["w"] });
    const values = await client.unary(StoreService.LabelValues, {
      label: "kind",
      start: 30,
      end: 40,
      matchers: [{ type: MT.RE, name: "__name__", value: "h|x" }],
      withoutReplicaLabels: ["replica"],
      limit: 3,
    });
    expect(values).toEqual({ values: ["float", "int"], warnings: ["w"] });
    const [n, v] = store.labelRequests;
    expect(n!.kind).toBe("names");
    expect(n!.req.minTime).toBe(10);
    expect(n!.req.maxTime).toBe(20);
    expect(n!.req.matchers.map(String)).toEqual(['__name__="h"']);
    expect(n!.req.withoutReplicaLabels).toEqual(["replica"]);
    expect(n!.req.limit).toBe(5);
    expect(n!.req.signal).toBeInstanceOf(AbortSignal);
    expect(v!.kind).toBe("values");
    expect(v!.name).toBe("kind");
    expect(v!.req.minTime).toBe(30);
    expect(v!.req.maxTime).toBe(40);
    expect(v!.req.matchers.map(String)).toEqual(['__name__=~"h|x"']);
    expect(v!.req.limit).toBe(3);
  });

  it("LabelNames accepts no matchers", async () => {
    const { client } = await start();
    const r = await client.unary(StoreService.LabelNames, { start: 0, end: 1 });
    expect(r.names).toEqual(["__name__", "job", "kind", "region"]);
    expect(r.warnings).toEqual([]);
  });

  it("LabelValues with an empty label name is INVALID_ARGUMENT", async () => {
    const { client, store } = await start();
    const e = await rejected(client.unary(StoreService.LabelValues, { label: "", start: 0, end: 1 }));
    expect(e.code).toBe(Status.INVALID_ARGUMENT);
    expect(e.details).toBe("label name parameter cannot be empty");
    expect(store.labelRequests).toHaveLength(0);
  });

  it("bad matchers and store errors map to statuses", async () => {
    const { client } = await start();
    const e = await rejected(client.unary(StoreService.LabelNames, { matchers: [{ type: MT.NRE, name: "a", value: "(" }] }));
    expect(e.code).toBe(Status.INVALID_ARGUMENT);
    const { client: c2 } = await start({ failSelect: new StoreError("resource_exhausted", "too many") });
    expect((await rejected(c2.unary(StoreService.LabelValues, { label: "job" }))).code).toBe(Status.RESOURCE_EXHAUSTED);
    expect((await rejected(c2.unary(StoreService.LabelNames, {}))).code).toBe(Status.RESOURCE_EXHAUSTED);
  });
});

describe("health", () => {
  it("Check: SERVING when ready, NOT_SERVING when not, NOT_FOUND for unknown services", async () => {
    const { client, setReady } = await start();
    expect(await client.unary(HealthService.Check, { service: "" })).toEqual({ status: Serving.SERVING });
    expect(await client.unary(HealthService.Check, { service: "thanos.Store" })).toEqual({ status: Serving.SERVING });
    expect(await client.unary(HealthService.Check, { service: "thanos.info.Info" })).toEqual({ status: Serving.SERVING });
    expect((await rejected(client.unary(HealthService.Check, { service: "nope" }))).code).toBe(Status.NOT_FOUND);
    setReady(false);
    expect(await client.unary(HealthService.Check, { service: "" })).toEqual({ status: Serving.NOT_SERVING });
  });

  it("Watch sends the status at once and then its changes", async () => {
    const { client, setReady } = await start({}, { healthPollIntervalMs: 20 });
    setReady(false);
    const call = client.serverStream(HealthService.Watch, { service: "thanos.Store" });
    call.on("error", () => {});
    const seen: number[] = [];
    const got = (n: number): Promise<void> =>
      withTimeout(
        (async () => {
          while (seen.length < n) await new Promise((r) => setTimeout(r, 5));
        })(),
        3000,
        `${n} health updates`,
      );
    call.on("data", (r: { status: number }) => seen.push(r.status));
    await got(1);
    setReady(true);
    await got(2);
    setReady(false);
    await got(3);
    expect(seen).toEqual([Serving.NOT_SERVING, Serving.SERVING, Serving.NOT_SERVING]);
    call.cancel();
    const unknown = client.serverStream(HealthService.Watch, { service: "nope" });
    unknown.on("error", () => {});
    const first = await new Promise<{ status: number }>((resolve) => unknown.once("data", resolve));
    expect(first.status).toBe(Serving.SERVICE_UNKNOWN);
    unknown.cancel();
  });
});

describe("reflection", () => {
  const services = [
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
    "thanos.Store",
    "thanos.info.Info",
  ];

  it.each([
    ["v1", ReflectionV1],
    ["v1alpha", ReflectionV1Alpha],
  ] as const)("%s lists the services", async (_v, svc) => {
    const { client } = await start();
    const call = client.bidi(svc.ServerReflectionInfo);
    const res = new Promise<unknown>((resolve) => call.once("data", resolve));
    call.write({ host: "h", messageRequest: { $case: "listServices", listServices: "*" } });
    const r = (await res) as Awaited<ReturnType<typeof ReflectionV1.ServerReflectionInfo.responseDeserialize>>;
    call.end();
    expect(r.validHost).toBe("h");
    expect(r.originalRequest?.messageRequest).toEqual({ $case: "listServices", listServices: "*" });
    expect(r.messageResponse?.$case).toBe("listServicesResponse");
    if (r.messageResponse?.$case !== "listServicesResponse") return;
    expect(r.messageResponse.listServicesResponse.service.map((s) => s.name)).toEqual(services);
  });

  it("serves descriptors a dynamic client (like grpcurl) can call the server with", async () => {
    const { client } = await start({ info: { minTime: 3, maxTime: 4, labelSets: [lbls({ region: "eu" })] } });
    const call = client.bidi(ReflectionV1.ServerReflectionInfo);
    const responses: Awaited<ReturnType<typeof ReflectionV1.ServerReflectionInfo.responseDeserialize>>[] = [];
    call.on("data", (r: (typeof responses)[number]) => responses.push(r));
    const ask = async (req: Parameters<typeof call.write>[0], n: number): Promise<void> => {
      call.write(req);
      await withTimeout(
        (async () => {
          while (responses.length < n) await new Promise((r) => setTimeout(r, 5));
        })(),
        3000,
        "reflection response",
      );
    };
    await ask({ messageRequest: { $case: "fileContainingSymbol", fileContainingSymbol: "thanos.info.Info" } }, 1);
    await ask({ messageRequest: { $case: "fileContainingSymbol", fileContainingSymbol: "thanos.Store.Series" } }, 2);
    await ask({ messageRequest: { $case: "fileContainingSymbol", fileContainingSymbol: "no.such.Symbol" } }, 3);
    await ask({ messageRequest: { $case: "fileByFilename", fileByFilename: "store/storepb/rpc.proto" } }, 4);
    call.end();
    const files = (i: number): Uint8Array[] => {
      const m = responses[i]!.messageResponse;
      if (m?.$case !== "fileDescriptorResponse") throw new Error(`response ${i} is ${m?.$case}`);
      return m.fileDescriptorResponse.fileDescriptorProto;
    };
    // Info's file plus its dependency; then Store's file plus only the deps not sent yet.
    expect(files(0)).toHaveLength(2);
    expect(files(1).length).toBeGreaterThanOrEqual(2);
    const err = responses[2]!.messageResponse;
    expect(err?.$case === "errorResponse" && err.errorResponse.errorCode).toBe(Status.NOT_FOUND);
    expect(files(3)).toHaveLength(1); // asked again: the file itself only

    // Build a FileDescriptorSet (field 1 = file) from what reflection sent and
    // let proto-loader/protobufjs make a client from it, as grpcurl would.
    const parts: Buffer[] = [];
    for (const fd of [...files(0), ...files(1)]) parts.push(Buffer.from([0x0a]), varint(fd.length), Buffer.from(fd));
    const pkg = loadFileDescriptorSetFromBuffer(Buffer.concat(parts), { keepCase: true, longs: String, defaults: true });
    const infoSvc = pkg["thanos.info.Info"];
    const legacySvc = pkg["thanos.Store"];
    if (!isService(infoSvc) || !isService(legacySvc)) throw new Error("services missing from reflected descriptors");
    expect(Object.keys(legacySvc).sort()).toEqual(["Info", "LabelNames", "LabelValues", "Series"]);
    const m = infoSvc["Info"]!;
    const res = await new Promise<object>((resolve, reject) =>
      client.raw.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, {}, new Metadata(), {}, (e, r) =>
        e ? reject(e) : resolve(r!),
      ),
    );
    expect(res).toMatchObject({
      ComponentType: "store",
      label_sets: [{ labels: [{ name: "region", value: "eu" }] }],
      store: { min_time: "3", max_time: "4", supports_without_replica_labels: true, supports_sharding: false },
    });
  });
});

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

function isService(d: unknown): d is Record<string, MethodDefinition<object, object>> {
  return typeof d === "object" && d !== null && Object.values(d).every((m: unknown) => typeof m === "object" && m !== null && "path" in m);
}

describe("keepalive", () => {
  it("tolerates a client pinging every 10 s (the Thanos querier's setting): no GOAWAY over 25 s", { timeout: 40_000 }, async () => {
    const { port } = await start();
    const proxy = await startH2Proxy(port);
    cleanups.push(() => proxy.close());
    const client = new GrpcClient(`127.0.0.1:${proxy.port}`, {
      "grpc.keepalive_time_ms": 10_000,
      "grpc.keepalive_timeout_ms": 5_000,
      "grpc.keepalive_permit_without_calls": 1,
    });
    cleanups.push(() => client.close());
    expect((await client.unary(InfoService.Info, {})).ComponentType).toBe("store");
    const channel = client.raw.getChannel();
    const states: number[] = [];
    let watching = true;
    cleanups.push(() => void (watching = false));
    const watch = (): void => {
      const s = channel.getConnectivityState(false);
      channel.watchConnectivityState(s, Infinity, () => {
        if (!watching) return;
        states.push(channel.getConnectivityState(false));
        watch();
      });
    };
    watch();
    await new Promise((r) => setTimeout(r, 25_000));
    expect(proxy.counts.clientPings).toBeGreaterThanOrEqual(2);
    expect(proxy.counts.serverPingAcks).toBeGreaterThanOrEqual(proxy.counts.clientPings);
    expect(proxy.counts.serverGoaways).toEqual([]);
    expect(states).toEqual([]); // stayed READY the whole time
    expect((await client.unary(InfoService.Info, {})).ComponentType).toBe("store");
    expect(proxy.counts.connections).toBe(1);
  });

  it("acks pings at a far higher rate than the querier's without GOAWAY", async () => {
    const { port } = await start();
    const session = http2.connect(`http://127.0.0.1:${port}`);
    cleanups.push(() => void session.destroy());
    const goaways: number[] = [];
    session.on("goaway", (code: number) => goaways.push(code));
    session.on("error", () => {});
    await new Promise<void>((resolve) => session.once("connect", () => resolve()));
    let acked = 0;
    for (let i = 0; i < 40; i++) {
      await new Promise<void>((resolve, reject) =>
        session.ping((err) => {
          if (err) reject(err);
          else {
            acked++;
            resolve();
          }
        }),
      );
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(acked).toBe(40);
    expect(goaways).toEqual([]);
    expect(session.closed || session.destroyed).toBe(false);
  });
});
