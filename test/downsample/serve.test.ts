// Serving downsampled data: resolution picked per unit as Thanos' getFor does
// (coarsest level <= max_resolution_window, finer levels fill the gaps), only
// the requested aggregates returned, chunk time ranges and samples equal to
// the reference, Info advertising the resolutions, and the same over gRPC.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GrpcClient } from "../../src/api/grpc/client.js";
import { Aggr, StoreService, type SeriesResponse } from "../../src/api/grpc/gen/store/storepb/rpc.js";
import { Chunk_Encoding, LabelMatcher_Type as MT, type Series } from "../../src/api/grpc/gen/store/storepb/types.js";
import { startGrpcServer } from "../../src/api/grpc/server.js";
import { decodeXor } from "../../src/chunkenc/index.js";
import { downsampleUnit } from "../../src/convert/downsample_units.js";
import { formatLabels } from "../../src/model/labels.js";
import { parseSelector } from "../../src/model/selector.js";
import type { Bucket } from "../../src/objstore/bucket.js";
import type { Aggr as AggrName, SelectRequest, StoreSeries } from "../../src/store/api.js";
import { discoverUnits } from "../../src/store/discovery.js";
import { pickResolution } from "../../src/store/resolution.js";
import { createLogger } from "../../src/util/log.js";
import { newTestBucket, type TestBucket } from "../helpers/buckets.js";
import { convertOk } from "../helpers/convert.js";
import { meteredStore, type MeteredStore } from "../helpers/store.js";
import { backfill, genOpenMetrics, type OmSeries } from "./openmetrics.js";
import { refAggr, refExpand, refRaw, type P, type RefChunk } from "./reference.js";

const T0 = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;
const WINDOW = 8 * 3_600_000;
const ALL: AggrName[] = ["count", "sum", "min", "max", "counter"];

let data: { dir: string; cleanup(): void };
let series: OmSeries[];
let tb: TestBucket;
let mixed: TestBucket;
let bucket: Bucket;
let mixedBucket: Bucket;
let ms: MeteredStore;
let mixedStore: MeteredStore;

beforeAll(async () => {
  const om = genOpenMetrics({ start: T0 + 600_000, end: T0 + 40 * 3_600_000, counters: 5, gauges: 3, seed: 11, intervalMs: 20_000 });
  series = om.series;
  data = await backfill(om.text);
  tb = await newTestBucket("FILESYSTEM");
  await convertOk(tb, data.dir, ["--downsample"]);
  bucket = tb.open();
  ms = meteredStore(bucket);
  await ms.store.sync();
  // Mixed: only the first day's unit gets aggregates.
  mixed = await newTestBucket("FILESYSTEM");
  await convertOk(mixed, data.dir);
  mixedBucket = mixed.open();
  const { units } = await discoverUnits(mixedBucket);
  await downsampleUnit(mixedBucket, units[0]!, { createdBy: "test" }, createLogger("silent"));
  mixedStore = meteredStore(mixedBucket);
  await mixedStore.store.sync();
}, 300_000);

afterAll(async () => {
  await bucket?.close();
  await mixedBucket?.close();
  tb?.cleanup();
  mixed?.cleanup();
  data?.cleanup();
});

async function select(store: MeteredStore, req: Partial<SelectRequest>): Promise<StoreSeries[]> {
  const r = await store.store.select({ minTime: 0, maxTime: Number.MAX_SAFE_INTEGER, matchers: parseSelector('{__name__=~".+"}'), ...req });
  const out: StoreSeries[] = [];
  for await (const s of r.series) out.push(s);
  return out;
}

/** The reference chunks of a generated series over [mint, maxt], per 24h unit and 8h window. */
function reference(s: OmSeries, res: 300_000 | 3_600_000, days?: number[]): RefChunk[] {
  const out: RefChunk[] = [];
  for (let day = Math.floor(s.t[0]! / DAY) * DAY; day <= s.t[s.t.length - 1]!; day += DAY) {
    if (days && !days.includes(day)) continue;
    for (let ws = day; ws < day + DAY; ws += WINDOW) {
      const i = s.t.flatMap((t, k) => (t >= ws && t < ws + WINDOW ? [k] : []));
      if (!i.length) continue;
      const five = refRaw(refExpand([{ t: Float64Array.from(i.map((k) => s.t[k]!)), v: Float64Array.from(i.map((k) => s.v[k]!)) }]), 300_000);
      out.push(...(res === 300_000 ? five : refAggr(five, 300_000, 3_600_000)));
    }
  }
  return out;
}

function points(data: Uint8Array): P[] {
  const f = decodeXor(data);
  return Array.from({ length: f.n }, (_, k) => ({ t: f.t[k]!, v: f.v[k]! }));
}

describe("resolution selection (Thanos getFor, per unit)", () => {
  it("picks the coarsest resolution not above the window, falling back to finer ones", () => {
    expect(pickResolution([0, 300_000, 3_600_000], 0)).toBe(0);
    expect(pickResolution([0, 300_000, 3_600_000], 299_999)).toBe(0);
    expect(pickResolution([0, 300_000, 3_600_000], 300_000)).toBe(300_000);
    expect(pickResolution([0, 300_000, 3_600_000], 3_599_999)).toBe(300_000);
    expect(pickResolution([0, 300_000, 3_600_000], 3_600_000)).toBe(3_600_000);
    expect(pickResolution([0, 300_000], 86_400_000)).toBe(300_000);
    expect(pickResolution([0], 86_400_000)).toBe(0);
    expect(pickResolution([300_000], 0)).toBeUndefined();
    expect(pickResolution([3_600_000], 300_000)).toBeUndefined();
  });
});

describe("Series at each resolution", () => {
  it("Info advertises the resolutions", () => {
    expect(ms.store.info().resolutions).toEqual([0, 300_000, 3_600_000]);
  });

  it("window 0 (and below 5m) returns raw chunks only", async () => {
    for (const w of [0, 299_999]) {
      const got = await select(ms, { maxResolutionWindow: w, aggregates: ALL });
      expect(got.length).toBe(series.length);
      for (const s of got) {
        expect(s.chunks.length).toBeGreaterThan(0);
        expect(s.aggrChunks).toBeUndefined();
      }
    }
  });

  it.each([300_000, 3_600_000] as const)("window %i returns every requested aggregate, equal to the reference", async (res) => {
    const got = await select(ms, { maxResolutionWindow: res === 300_000 ? 1_000_000 : 86_400_000, aggregates: ALL });
    expect(got.map((s) => formatLabels(s.labels))).toEqual(series.map((s) => s.key).sort());
    for (const s of got) {
      const om = series.find((x) => x.key === formatLabels(s.labels))!;
      const want = reference(om, res);
      expect(s.chunks).toEqual([]);
      expect(s.aggrChunks!.map((c) => [c.minTime, c.maxTime])).toEqual(want.map((c) => [c.minTime, c.maxTime]));
      s.aggrChunks!.forEach((c, i) => {
        for (const a of ALL) {
          expect(c.aggrs[a]!.encoding).toBe(1);
          expect(points(c.aggrs[a]!.data)).toEqual(want[i]![a]);
        }
      });
    }
  });

  it("returns only the requested aggregates, and chunks overlapping the range", async () => {
    const mint = T0 + 10 * 3_600_000;
    const maxt = T0 + 12 * 3_600_000;
    for (const aggs of [["count"], ["count", "sum"], ["counter"], ["min", "max"]] as AggrName[][]) {
      const got = await select(ms, { minTime: mint, maxTime: maxt, maxResolutionWindow: 300_000, aggregates: aggs });
      expect(got.length).toBeGreaterThan(0);
      for (const s of got) {
        for (const c of s.aggrChunks!) {
          expect(Object.keys(c.aggrs).sort()).toEqual([...aggs].sort());
          expect(c.maxTime >= mint && c.minTime <= maxt).toBe(true);
        }
      }
    }
  });

  it("with no aggregates requested, sends chunks with time ranges only (as Thanos does)", async () => {
    const got = await select(ms, { maxResolutionWindow: 300_000, aggregates: [] });
    expect(got.length).toBe(series.length);
    for (const s of got) for (const c of s.aggrChunks!) expect(c.aggrs).toEqual({});
  });

  it("fills units without aggregates with raw data (getFor's gap filling)", async () => {
    expect(mixedStore.store.info().resolutions).toEqual([0, 300_000, 3_600_000]);
    const got = await select(mixedStore, { maxResolutionWindow: 3_600_000, aggregates: ["count", "sum"] });
    expect(got.length).toBe(series.length);
    for (const s of got) {
      const om = series.find((x) => x.key === formatLabels(s.labels))!;
      // Day 1 at 1h from the downsampled unit; day 2 raw.
      const want = reference(om, 3_600_000, [T0]);
      expect(s.aggrChunks!.map((c) => [c.minTime, c.maxTime])).toEqual(want.map((c) => [c.minTime, c.maxTime]));
      expect(s.chunks.length).toBeGreaterThan(0);
      expect(s.chunks.every((c) => c.minTime >= T0 + DAY)).toBe(true);
    }
  });
});

describe("over gRPC", () => {
  let client: GrpcClient;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const server = await startGrpcServer({ address: "127.0.0.1:0", store: ms.store, log: pino({ level: "silent" }), ready: () => true, shutdownGraceMs: 500 });
    client = new GrpcClient(`127.0.0.1:${server.port}`);
    close = async () => {
      client.close();
      await server.close();
    };
  });
  afterAll(async () => close?.());

  function seriesOf(frames: SeriesResponse[]): Series[] {
    return frames.flatMap((f) => (f.result?.$case === "series" ? [f.result.series] : f.result?.$case === "batch" ? f.result.batch.series : []));
  }

  it("[COUNT, SUM] at window >= 5m: AggrChunks carry count and sum only, raw nil", async () => {
    const frames = await client.collect(StoreService.Series, {
      minTime: 0,
      maxTime: 1e13,
      matchers: [{ type: MT.RE, name: "__name__", value: "c_total" }],
      maxResolutionWindow: 300_000,
      aggregates: [Aggr.COUNT, Aggr.SUM],
    });
    const got = seriesOf(frames);
    expect(got.length).toBe(5);
    for (const s of got) {
      expect(s.chunks.length).toBeGreaterThan(0);
      for (const c of s.chunks) {
        expect(c.raw).toBeUndefined();
        expect(c.count!.type).toBe(Chunk_Encoding.XOR);
        expect(c.sum!.type).toBe(Chunk_Encoding.XOR);
        expect(c.min ?? c.max ?? c.counter).toBeUndefined();
      }
    }
  });

  it("window 0 returns raw chunks", async () => {
    const got = seriesOf(await client.collect(StoreService.Series, { minTime: 0, maxTime: 1e13, matchers: [{ type: MT.EQ, name: "__name__", value: "g" }], aggregates: [Aggr.COUNT] }));
    expect(got.length).toBe(3);
    for (const s of got) for (const c of s.chunks) expect(c.raw?.type).toBe(Chunk_Encoding.XOR);
  });

  it("serves any subset of the five aggregates that every chunk has", async () => {
    const ok = await client.collect(StoreService.Series, { minTime: 0, maxTime: 1e13, matchers: [{ type: MT.EQ, name: "__name__", value: "g" }], maxResolutionWindow: 3_600_000, aggregates: [Aggr.MIN, Aggr.MAX, Aggr.COUNTER] });
    expect(seriesOf(ok).length).toBe(3);
  });
});
