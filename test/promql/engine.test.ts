import { describe, expect, it } from "vitest";
import { encodeXor, type FloatSamples } from "../../src/chunkenc/index.js";
import { HI, LO, wordsOf } from "../../src/chunkenc/floatbits.js";
import { compareLabels, labelsFromRecord, type Labels } from "../../src/model/labels.js";
import { matchLabels, type Matcher } from "../../src/model/matchers.js";
import type { SelectResult as StoreSelectResult, Store, StoreSeries } from "../../src/store/api.js";
import { Engine } from "../../src/promql/engine.js";
import { PromQLError } from "../../src/promql/errors.js";
import { formatFloatF } from "../../src/promql/gofloat.js";
import { histogramWarning } from "../../src/promql/select.js";
import { isStaleAt, type Queryable, type SelectHints, type SelectResult, type Series } from "../../src/promql/storage.js";
import { storeQueryable } from "../../src/promql/store_queryable.js";

/** Samples; "stale" writes the exact StaleNaN bits (a JS number may lose the NaN payload). */
function samples(points: [number, number | "stale"][]): FloatSamples {
  const t = new Float64Array(points.length);
  const v = new Float64Array(points.length);
  const w = wordsOf(v);
  points.forEach(([ts, val], i) => {
    t[i] = ts;
    if (val === "stale") {
      w[2 * i + HI] = 0x7ff00000;
      w[2 * i + LO] = 0x00000002;
    } else {
      v[i] = val;
    }
  });
  return { n: points.length, t, v };
}

interface SelectCall {
  mint: number;
  maxt: number;
  matchers: string[];
  hints: SelectHints;
}

/** An in-memory Queryable that records its calls. */
class MemQueryable implements Queryable {
  readonly calls: SelectCall[] = [];
  delayMs = 0;
  constructor(private readonly data: Series[]) {
    data.sort((a, b) => compareLabels(a.labels, b.labels));
  }
  async select(mint: number, maxt: number, matchers: readonly Matcher[], hints: SelectHints, signal?: AbortSignal): Promise<SelectResult> {
    this.calls.push({ mint, maxt, matchers: matchers.map(String), hints });
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    signal?.throwIfAborted();
    const series = this.data.filter((s) => matchLabels(matchers, s.labels));
    return { series, warnings: [] };
  }
}

const ls = (rec: Record<string, string>): Labels => labelsFromRecord(rec);

/** One sample every 15s from 0 to 600s with value t/1000. */
function linear(labels: Record<string, string>): Series {
  const pts: [number, number][] = [];
  for (let t = 0; t <= 600000; t += 15000) pts.push([t, t / 1000]);
  return { labels: ls(labels), floats: samples(pts) };
}

describe("engine: selection and hints", () => {
  it("selects with Prometheus' time ranges and hints", async () => {
    const q = new MemQueryable([linear({ __name__: "foo", job: "a" })]);
    const e = new Engine();
    const S = 3_600_000;
    const E = 7_200_000;
    await e.rangeQuery(q, "sum by (job) (rate(foo[5m]))", S, E, 60000);
    await e.rangeQuery(q, "sum without (job) (foo)", S, E, 60000);
    await e.rangeQuery(q, "max_over_time(foo[10m:1m] offset 5m)", S, E, 60000);
    await e.rangeQuery(q, "foo @ 100 + foo offset 1h", S, E, 60000);
    await e.instantQuery(q, "count_over_time(foo[2m:])", E);
    expect(q.calls).toEqual([
      { mint: S - 300000, maxt: E, matchers: ['__name__="foo"'], hints: { func: "rate", rangeMs: 300000, stepMs: 60000 } },
      { mint: S - 300000, maxt: E, matchers: ['__name__="foo"'], hints: { func: "sum", rangeMs: 0, stepMs: 60000, by: false, grouping: ["job"] } },
      { mint: S - 300000 - 600000 - 300000, maxt: E - 300000, matchers: ['__name__="foo"'], hints: { func: "max_over_time", rangeMs: 0, stepMs: 60000 } },
      { mint: 100000 - 300000, maxt: 100000, matchers: ['__name__="foo"'], hints: { func: "", rangeMs: 0, stepMs: 60000 } },
      { mint: S - 3600000 - 300000, maxt: E - 3600000, matchers: ['__name__="foo"'], hints: { func: "", rangeMs: 0, stepMs: 60000 } },
      { mint: E - 120000 - 300000, maxt: E, matchers: ['__name__="foo"'], hints: { func: "count_over_time", rangeMs: 0, stepMs: 60000 } },
    ]);
  });

  it("warns about ignored native histograms", async () => {
    const q: Queryable = {
      select: async () => ({ series: [{ labels: ls({ __name__: "h" }), floats: samples([]), histograms: [] }, { labels: ls({ __name__: "h", a: "1" }), floats: samples([]), histograms: [{} as never] }], warnings: ["w"] }),
    };
    const res = await new Engine().instantQuery(q, "h", 1000);
    expect(res.value).toEqual({ resultType: "vector", result: [] });
    expect(res.warnings).toEqual(["w", histogramWarning]);
  });
});

describe("engine: evaluation", () => {
  const q = new MemQueryable([
    linear({ __name__: "foo", job: "a" }),
    linear({ __name__: "foo", job: "b" }),
    { labels: ls({ __name__: "stale", job: "a" }), floats: samples([[0, 1], [15000, 2], [30000, "stale"], [60000, 4]]) },
  ]);
  const e = new Engine();

  it("returns vectors stamped with the evaluation time", async () => {
    const res = await e.instantQuery(q, "foo", 100000);
    expect(res.value).toEqual({
      resultType: "vector",
      result: [
        { metric: ls({ __name__: "foo", job: "a" }), t: 100000, v: 90 },
        { metric: ls({ __name__: "foo", job: "b" }), t: 100000, v: 90 },
      ],
    });
  });

  it("returns raw samples for range selectors, scalars and strings", async () => {
    const m = await e.instantQuery(q, 'foo{job="a"}[30s]', 60000);
    expect(m.value).toEqual({ resultType: "matrix", result: [{ metric: ls({ __name__: "foo", job: "a" }), t: [30000, 45000, 60000], v: [30, 45, 60] }] });
    expect((await e.instantQuery(q, "1 + time()", 5000)).value).toEqual({ resultType: "scalar", result: { t: 5000, v: 6 } });
    expect((await e.instantQuery(q, '"hi"', 5000)).value).toEqual({ resultType: "string", result: { t: 5000, v: "hi" } });
  });

  it("applies the lookback delta inclusively and ends series at staleness markers", async () => {
    const at = async (query: string, t: number): Promise<number[]> => {
      const r = await e.instantQuery(q, query, t);
      return r.value.resultType === "vector" ? r.value.result.map((s) => s.v) : [];
    };
    expect(await at('foo{job="a"}', 600000 + 300000)).toEqual([600]);
    expect(await at('foo{job="a"}', 600000 + 300001)).toEqual([]);
    expect(await at("stale", 29999)).toEqual([2]);
    expect(await at("stale", 30000)).toEqual([]);
    expect(await at("stale", 59999)).toEqual([]);
    expect(await at("stale", 60000)).toEqual([4]);
    // Range selectors skip the marker rather than ending at it.
    expect(await at("count_over_time(stale[1m])", 60000)).toEqual([3]);
  });

  it("sorts range results by labels", async () => {
    const r = await e.rangeQuery(q, 'foo{job="b"} or foo{job="a"}', 0, 60000, 30000);
    expect(r.value.resultType).toBe("matrix");
    if (r.value.resultType !== "matrix") return;
    expect(r.value.result.map((s) => s.metric.find((l) => l.name === "job")?.value)).toEqual(["a", "b"]);
  });

  it("rejects range queries of range vectors and strings", async () => {
    await expect(e.rangeQuery(q, "foo[5m]", 0, 60000, 15000)).rejects.toThrow('invalid expression type "range vector" for range query, must be Scalar or instant Vector');
    await expect(e.rangeQuery(q, '"x"', 0, 60000, 15000)).rejects.toMatchObject({ kind: "bad_data" });
  });
});

describe("engine: limits", () => {
  const q = new MemQueryable([linear({ __name__: "foo", job: "a" }), linear({ __name__: "foo", job: "b" })]);

  it("fails when a query would hold too many samples", async () => {
    const e = new Engine({ maxSamples: 50 });
    await expect(e.rangeQuery(q, "foo", 0, 600000, 15000)).rejects.toThrow(
      new PromQLError("execution", "query processing would load too many samples into memory in query execution"),
    );
    await expect(e.rangeQuery(q, "sum_over_time(foo[10m])", 0, 600000, 15000)).rejects.toMatchObject({ kind: "execution" });
    await expect(e.instantQuery(q, "foo", 100000)).resolves.toBeDefined();
  });

  it("times out", async () => {
    const slow = new MemQueryable([linear({ __name__: "foo" })]);
    slow.delayMs = 50;
    const e = new Engine({ timeoutMs: 10 });
    await expect(e.rangeQuery(slow, "foo", 0, 600000, 15000)).rejects.toMatchObject({ kind: "timeout", message: "query timed out in query preparation" });
  });

  it("is canceled by the caller's AbortSignal", async () => {
    const slow = new MemQueryable([linear({ __name__: "foo" })]);
    slow.delayMs = 50;
    const ac = new AbortController();
    const p = new Engine().rangeQuery(slow, "foo", 0, 600000, 15000, { signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ kind: "canceled" });
    await expect(new Engine().instantQuery(slow, "foo", 0, { signal: AbortSignal.abort() })).rejects.toMatchObject({ kind: "canceled" });
  });
});

describe("storeQueryable", () => {
  function chunk(points: [number, number | "stale"][]): StoreSeries["chunks"][number] {
    const f = samples(points);
    return { minTime: points[0]![0], maxTime: points[points.length - 1]![0], encoding: 1, data: encodeXor(f.t, f.v, 0, f.n) };
  }

  function fakeStore(series: StoreSeries[]): Store & { requests: { minTime: number; maxTime: number }[] } {
    const requests: { minTime: number; maxTime: number }[] = [];
    return {
      requests,
      info: () => ({ minTime: 0, maxTime: 0, labelSets: [], resolutions: [0], streams: [] }),
      labelNames: async () => ({ names: [], warnings: [] }),
      labelValues: async () => ({ values: [], warnings: [] }),
      select: async (req): Promise<StoreSelectResult> => {
        requests.push({ minTime: req.minTime, maxTime: req.maxTime });
        const matching = series.filter((s) => matchLabels(req.matchers, s.labels));
        return {
          series: (async function* () {
            yield* matching;
          })(),
          warnings: ["partial"],
        };
      },
    };
  }

  it("merges chunks in time order, drops duplicate timestamps, trims and keeps StaleNaN bits", async () => {
    const store = fakeStore([
      {
        labels: ls({ __name__: "x", a: "1" }),
        // Out of order and overlapping, with a duplicate at t=30.
        chunks: [chunk([[30, 3], [40, "stale"], [50, 5]]), chunk([[10, 1], [20, 2], [30, 99]])],
      },
      { labels: ls({ __name__: "x", a: "2" }), chunks: [chunk([[100, 1]])] },
    ]);
    const q = storeQueryable(store);
    const res = await q.select(15, 45, [], {});
    expect(store.requests).toEqual([{ minTime: 15, maxTime: 45 }]);
    expect(res.warnings).toEqual(["partial"]);
    expect(res.series).toHaveLength(1);
    const f = res.series[0]!.floats;
    expect([...f.t.subarray(0, f.n)]).toEqual([20, 30, 40]);
    expect(f.v[0]).toBe(2);
    expect([3, 99]).toContain(f.v[1]);
    expect(isStaleAt(wordsOf(f.v), 2)).toBe(true);
  });

  it("feeds the engine", async () => {
    const store = fakeStore([{ labels: ls({ __name__: "x" }), chunks: [chunk([[0, 1], [15000, 2], [30000, 3]])] }]);
    const r = await new Engine().instantQuery(storeQueryable(store), "sum_over_time(x[1m])", 30000);
    expect(r.value).toEqual({ resultType: "vector", result: [{ metric: [], t: 30000, v: 6 }] });
  });
});

describe("formatFloatF (strconv 'f', -1)", () => {
  it.each([
    [0, "0"],
    [-0, "-0"],
    [1.5, "1.5"],
    [1e21, "1000000000000000000000"],
    [1.5e-7, "0.00000015"],
    [123456789.125, "123456789.125"],
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
    [0.1 + 0.2, "0.30000000000000004"],
  ])("%s", (v, want) => expect(formatFloatF(v)).toBe(want));
});
