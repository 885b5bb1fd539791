// The Prometheus HTTP API of the gateway against Prometheus 2.42 on the same
// blocks: the same requests must get the same status and byte-identical
// bodies (JSON shapes, value and timestamp formatting, error types and
// messages). Plus what needs no reference: GET vs POST, readiness, methods,
// CORS, compression, max_source_resolution, external-label selectors.

import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestBucket } from "../../helpers/buckets.js";
import { call, convertedBucket, fixtureBlocks, Prometheus, prometheusBinary, startGateway, type ApiJson, type Gateway, type HttpAnswer } from "./gateway.js";
import { T0 } from "./queries.js";

const H = 3_600_000;
const gauge = "demo_memory_usage_bytes";
const counter = "demo_http_requests_total";

let tb: TestBucket;
let gw: Gateway;

beforeAll(async () => {
  tb = await convertedBucket(fixtureBlocks("blocks-1k-6h", "block-native-histograms"));
  gw = await startGateway(tb, { now: () => T0 + 3 * H });
}, 300_000);

afterAll(async () => {
  await gw?.close();
  tb?.cleanup();
});

const s = (ms: number): string => String(ms / 1000);
const range = (query: string, start: number, end: number, step: string): Record<string, string> => ({ query, start: s(start), end: s(end), step });

/** Requests whose answers must equal Prometheus' byte for byte. */
const identical: [string, [string, string][] | Record<string, string>][] = [
  // Results.
  ["/api/v1/query_range", range(`${gauge}{job="api",type="rss"}`, T0 + H, T0 + H + 600_000, "60")],
  ["/api/v1/query_range", range(`rate(${counter}{job="db",code="500"}[5m])`, T0 + 2 * H + 500, T0 + 2 * H + 300_500, "37.5")],
  ["/api/v1/query_range", range(`sum by (job) (${gauge}) / 1e30`, T0 + H, T0 + H + 120_000, "1m")],
  ["/api/v1/query_range", range(`${gauge}{job="db",type="heap"} * 1e15`, T0 + H, T0 + H + 120_000, "1m")],
  ["/api/v1/query_range", range(`${gauge}{job="db",type="heap"} / 0`, T0 + H, T0 + H + 60_000, "30s")],
  ["/api/v1/query_range", range(`-${gauge}{job="db",type="heap"} / 0`, T0 + H, T0 + H + 60_000, "30s")],
  ["/api/v1/query_range", range(`(${gauge}{job="db",type="heap"} - ${gauge}{job="db",type="heap"}) / 0`, T0 + H, T0 + H + 60_000, "30s")],
  ["/api/v1/query_range", range(`-(${gauge}{job="db",type="heap"} * 0)`, T0 + H, T0 + H + 60_000, "30s")],
  ["/api/v1/query_range", range(`time()`, -1500, 1500, "0.5")],
  ["/api/v1/query_range", range(`nonexistent`, T0, T0 + H, "60")],
  ["/api/v1/query_range", { query: "vector(1)", start: "2024-01-01T00:00:00Z", end: "2024-01-01T01:00:00.5+01:00", step: "15m" }],
  ["/api/v1/query", { query: `${gauge}{job="api",type="heap"}`, time: s(T0 + 2 * H) }],
  ["/api/v1/query", { query: `${gauge}{job="api",type="heap"}[1m]`, time: s(T0 + 2 * H + 1) }],
  ["/api/v1/query", { query: `scalar(sum(${gauge}))`, time: s(T0 + 2 * H) }],
  ["/api/v1/query", { query: `"a<b>&\\"c\\u2028"`, time: "1704067200.123" }],
  ["/api/v1/query", { query: `1e-7`, time: s(T0) }],
  ["/api/v1/query", { query: `-1e21`, time: "-1.5" }],
  ["/api/v1/query", { query: `"x"`, time: "0.001" }],
  ["/api/v1/query", { query: `vector(1e-7)`, time: "1.5" }],
  ["/api/v1/query", { query: `vector(-1e21)`, time: "1.5" }],
  ["/api/v1/query", { query: `vector(2.5e-6) or label_replace(vector(123456789012345678901234), "a", "b", "", "")`, time: "1.5" }],
  ["/api/v1/query", { query: `label_replace(vector(1), "l", "x<&>y", "", "")`, time: s(T0) }],
  ["/api/v1/query", { query: `absent(nonexistent{a="b"})`, time: s(T0) }],
  // Time and duration forms.
  ...[
    "2024-01-01T00:00:00.123456789Z",
    "2024-01-01T00:00:00,5Z",
    "2024-01-01T1:02:03Z",
    "2024-01-01t00:00:00Z",
    "2024-01-01T00:00:00+01:30",
    "2024-01-01T00:00:00-00:00",
    "2024-01-01T00:00:00",
    "2024-13-01T00:00:00Z",
    "2024-02-29T23:59:59Z",
    "2023-02-29T00:00:00Z",
    "0x1p30",
    "0x1.8p1",
    "1e9",
    "+1e9",
    "-1.0005",
    "1.0005",
    "1704067200.9996",
    "1_000",
    "1__000",
    "_1",
    "1e1_0",
    "0x_1p0",
    "1e400",
    "1e-400",
    " 1",
  ].map((time): [string, Record<string, string>] => ["/api/v1/query", { query: "time()", time }]),
  ...["1h30m", "90s", "1.5", "0x1p2", "1e1", "1.5m", "1d", "", "5m1s", "1s5m", "10ms"].map((step): [string, Record<string, string>] => [
    "/api/v1/query_range",
    { query: "time()", start: "1704067200", end: "1704070800", step },
  ]),
  ["/api/v1/labels", { start: "-292273086-05-16T16:47:06Z", end: "292277025-08-18T07:12:54.999999999Z" }],
  ["/api/v1/series", { "match[]": "demo_intermittent_metric", start: "-292273086-05-16T16:47:06Z" }],
  // Series and labels.
  ["/api/v1/series", { "match[]": `${gauge}{job="api",type="rss"}`, start: s(T0), end: s(T0 + H) }],
  ["/api/v1/series", [["match[]", `${gauge}{instance="api-1:9100"}`], ["match[]", `${counter}{instance="api-1:9090",code="500"}`], ["match[]", `${gauge}{instance="api-1:9100",type="rss"}`]]],
  ["/api/v1/series", { "match[]": "nonexistent" }],
  ["/api/v1/series", { "match[]": "demo_intermittent_metric", start: "1795343000", end: "1795343500" }],
  ["/api/v1/series", { "match[]": `${gauge}{job="api"}`, start: "1704000000", end: "1704060000" }],
  ["/api/v1/labels", {}],
  ["/api/v1/labels", { start: s(T0), end: s(T0 + H) }],
  ["/api/v1/labels", { "match[]": counter }],
  ["/api/v1/labels", [["match[]", counter], ["match[]", "demo_intermittent_metric"]]],
  ["/api/v1/label/job/values", {}],
  ["/api/v1/label/code/values", { "match[]": `${counter}{job="api"}` }],
  ["/api/v1/label/nonexistent/values", {}],
  ["/api/v1/label/__name__/values", { start: "1795343000", end: "1795343500" }],
  // Errors.
  ["/api/v1/query_range", { query: "up", start: "x", end: "1", step: "1" }],
  ["/api/v1/query_range", { query: "up", start: "1", end: "", step: "1" }],
  ["/api/v1/query_range", { query: "up", start: "10", end: "1", step: "1" }],
  ["/api/v1/query_range", { query: "up", start: "1", end: "10", step: "0" }],
  ["/api/v1/query_range", { query: "up", start: "1", end: "10", step: "-1s" }],
  ["/api/v1/query_range", { query: "up", start: "1", end: "10", step: "1x" }],
  ["/api/v1/query_range", { query: "up", start: "1", end: "10", step: "1e300" }],
  ["/api/v1/query_range", { query: "up", start: "0", end: "11001", step: "1" }],
  ["/api/v1/query_range", { query: "up", start: "0", end: "11000", step: "1" }],
  ["/api/v1/query_range", { query: "up", start: "1", end: "10", step: "1", timeout: "soon" }],
  ["/api/v1/query_range", { query: "sum(", start: "1", end: "10", step: "1" }],
  ["/api/v1/query_range", { query: "up[5m]", start: "1", end: "10", step: "1" }],
  ["/api/v1/query_range", { query: '"str"', start: "1", end: "10", step: "1" }],
  ["/api/v1/query_range", range(`{__name__=~"demo_api_request_duration_seconds_(sum|count)"} * 1`, T0 + H, T0 + H + 60_000, "60")],
  ["/api/v1/query", { query: "sum(", time: "1" }],
  ["/api/v1/query", { query: "", time: "1" }],
  ["/api/v1/query", { query: "up", time: "yesterday" }],
  ["/api/v1/query", { query: "up", time: "2024-02-30T00:00:00Z" }],
  ["/api/v1/query", { query: "up", time: "1", timeout: "x" }],
  ["/api/v1/series", {}],
  ["/api/v1/series", { "match[]": "up{" }],
  ["/api/v1/series", { "match[]": `{job=~".*"}` }],
  ["/api/v1/series", [["match[]", `{job=~".*"}`], ["match[]", "up{"]]],
  ["/api/v1/series", { "match[]": "up", start: "abc" }],
  ["/api/v1/series", { "match[]": "up", end: "abc" }],
  ["/api/v1/labels", { "match[]": "up{" }],
  ["/api/v1/labels", { "match[]": `{job=~".*"}` }],
  ["/api/v1/labels", { start: "abc" }],
  ["/api/v1/label/1abc/values", {}],
  ["/api/v1/label/job/values", { "match[]": "up{" }],
  ["/api/v1/label/job/values", { end: "x" }],
];

describe.skipIf(!existsSync(prometheusBinary))("identical to Prometheus 2.42 on the same blocks", () => {
  let prom: Prometheus;
  beforeAll(async () => {
    prom = await Prometheus.start({ blocks: fixtureBlocks("blocks-1k-6h", "block-native-histograms") });
  }, 60_000);
  afterAll(async () => prom?.stop());

  it.each(identical.map(([path, params], i) => [i, path, params] as const))("#%i %s", async (_i, path, params) => {
    const [want, got] = await Promise.all([call(prom.url, path, params), call(gw.url, path, params)]);
    expect(got.status).toBe(want.status);
    expect(got.headers.get("content-type")).toBe(want.headers.get("content-type"));
    expect(got.body).toBe(want.body);
  });

  it("a request timeout: errorType timeout, 503, like Prometheus", async () => {
    const params = range(`sum(rate(${counter}[5m]))`, T0, T0 + 6 * H, "15");
    params["timeout"] = "0";
    const [want, got] = await Promise.all([call(prom.url, "/api/v1/query_range", params), call(gw.url, "/api/v1/query_range", params)]);
    expect(want.status).toBe(503);
    expect(got.status).toBe(503);
    const [w, g] = [JSON.parse(want.body) as ApiJson, JSON.parse(got.body) as ApiJson];
    expect(g.errorType).toBe(w.errorType);
    expect(g.error).toMatch(/^query timed out in /);
  });

  it("405 for unsupported methods, 204 for OPTIONS, as the Prometheus router answers", async () => {
    for (const [method, path] of [
      ["PUT", "/api/v1/query"],
      ["DELETE", "/api/v1/labels"],
      ["POST", "/api/v1/label/job/values"],
      ["OPTIONS", "/api/v1/query_range"],
    ] as const) {
      const [want, got] = await Promise.all([fetch(prom.url + path, { method }), fetch(gw.url + path, { method })]);
      expect(got.status, `${method} ${path}`).toBe(want.status);
    }
  });
});

describe("HTTP API", () => {
  const requests: [string, [string, string][]][] = [
    ["/api/v1/query", [["query", `sum by (job) (rate(${counter}[5m]))`], ["time", s(T0 + 2 * H)]]],
    ["/api/v1/query_range", [["query", `topk(2, ${gauge})`], ["start", s(T0)], ["end", s(T0 + H)], ["step", "5m"]]],
    ["/api/v1/series", [["match[]", `${gauge}{job="db"}`], ["match[]", `${counter}{job="db",code="200"}`], ["start", s(T0)], ["end", s(T0 + 1000)]]],
    ["/api/v1/labels", [["match[]", `${counter}{job="db"}`]]],
    ["/api/v1/query_range", [["query", "sum("], ["start", "1"], ["end", "2"], ["step", "1"]]],
  ];

  it.each(requests)("GET and POST give the same answer: %s", async (path, params) => {
    const [g, p] = await Promise.all([call(gw.url, path, params, "GET"), call(gw.url, path, params, "POST")]);
    expect(p.status).toBe(g.status);
    expect(p.body).toBe(g.body);
  });

  it("POST body values come before URL query values, like Go's r.Form", async () => {
    const r = await fetch(`${gw.url}/api/v1/query?query=2`, { method: "POST", body: "query=1&time=10", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(await r.text()).toBe('{"status":"success","data":{"resultType":"scalar","result":[10,"1"]}}');
  });

  it("success and error JSON shapes", async () => {
    const v = JSON.parse((await call(gw.url, "/api/v1/query", { query: `${gauge}{job="api",type="rss",instance="api-0:9100"}`, time: s(T0 + H) })).body) as ApiJson;
    expect(v).toEqual({
      status: "success",
      data: { resultType: "vector", result: [{ metric: { __name__: gauge, instance: "api-0:9100", job: "api", type: "rss" }, value: [(T0 + H) / 1000, expect.any(String)] }] },
    });
    const m = JSON.parse((await call(gw.url, "/api/v1/query_range", range(`${gauge}{job="api",type="rss",instance="api-0:9100"}`, T0, T0 + 120_000, "60"))).body) as ApiJson;
    expect(m).toEqual({
      status: "success",
      data: { resultType: "matrix", result: [{ metric: { __name__: gauge, instance: "api-0:9100", job: "api", type: "rss" }, values: [0, 1, 2].map((i) => [T0 / 1000 + 60 * i, expect.stringMatching(/^\d+(\.\d+)?$/)]) }] },
    });
    const e = await call(gw.url, "/api/v1/query", { query: "up", time: "x" });
    expect(e.status).toBe(400);
    expect(JSON.parse(e.body)).toEqual({ status: "error", errorType: "bad_data", error: `invalid parameter "time": Invalid time value for 'time': cannot parse "x" to a valid timestamp` });
    const x = await call(gw.url, "/api/v1/query", { query: `{__name__=~"demo_api_request_duration_seconds_(sum|count)"} * 1`, time: s(T0 + H) });
    expect(x.status).toBe(422);
    expect((JSON.parse(x.body) as ApiJson).errorType).toBe("execution");
  });

  it("instant queries default to now", async () => {
    const r = JSON.parse((await call(gw.url, "/api/v1/query", { query: "time()" })).body) as ApiJson;
    expect(r.data).toEqual({ resultType: "scalar", result: [(T0 + 3 * H) / 1000, String((T0 + 3 * H) / 1000)] });
  });

  it("503 Service Unavailable until ready", async () => {
    gw.setReady(false);
    try {
      const r = await call(gw.url, "/api/v1/labels", {});
      expect(r.status).toBe(503);
      expect(r.body).toBe("Service Unavailable");
      const rr = await fetch(`${gw.url}/api/v1/read`, { method: "POST", body: "" });
      expect(rr.status).toBe(503);
    } finally {
      gw.setReady(true);
    }
  });

  it("compresses with gzip or deflate when accepted, like Prometheus' CompressionHandler", async () => {
    const { request } = await import("node:http");
    const { gunzipSync, inflateSync } = await import("node:zlib");
    const raw = (enc: string): Promise<{ headers: Record<string, unknown>; body: Buffer }> =>
      new Promise((resolve, reject) => {
        const req = request(`${gw.url}/api/v1/labels`, { headers: { "accept-encoding": enc } }, (res) => {
          const parts: Buffer[] = [];
          res.on("data", (d: Buffer) => parts.push(d));
          res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
        });
        req.on("error", reject);
        req.end();
      });
    const plain = await raw("identity");
    const gz = await raw("br, gzip");
    const df = await raw("deflate");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(df.headers["content-encoding"]).toBe("deflate");
    expect(gunzipSync(gz.body).toString()).toBe(plain.body.toString());
    expect(inflateSync(df.body).toString()).toBe(plain.body.toString());
  });

  it("CORS headers for requests with an Origin", async () => {
    const r = await fetch(`${gw.url}/api/v1/labels`, { headers: { origin: "http://example.com" } });
    expect(r.headers.get("access-control-allow-origin")).toBe("*");
    expect(r.headers.get("access-control-allow-methods")).toBe("GET, POST, OPTIONS");
    const n = await fetch(`${gw.url}/api/v1/labels`);
    expect(n.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("max_source_resolution: auto and durations accepted (raw data answers), negatives and garbage refused", async () => {
    const base = range(`sum(rate(${counter}[10m]))`, T0 + H, T0 + 2 * H, "300");
    const raw = await call(gw.url, "/api/v1/query_range", base);
    for (const v of ["auto", "5m", "1h", "0"]) {
      const r = await call(gw.url, "/api/v1/query_range", { ...base, max_source_resolution: v });
      expect(r.status, v).toBe(200);
      expect(r.body, v).toBe(raw.body);
    }
    const neg = await call(gw.url, "/api/v1/query_range", { ...base, max_source_resolution: "-1" });
    expect(neg.status).toBe(400);
    expect(JSON.parse(neg.body)).toEqual({ status: "error", errorType: "bad_data", error: "negative 'max_source_resolution' is not accepted. Try a positive integer" });
    const bad = await call(gw.url, "/api/v1/query", { query: "1", max_source_resolution: "abc" });
    expect(JSON.parse(bad.body)).toEqual({ status: "error", errorType: "bad_data", error: `'max_source_resolution' parameter: cannot parse "abc" to a valid duration` });
  });

  it("404 for unknown API paths under /api/v1/label/", async () => {
    const r = await fetch(`${gw.url}/api/v1/label/job`);
    expect(r.status).toBe(404);
  });
});

describe("selectors on external labels only", () => {
  let ext: Gateway;
  beforeAll(async () => {
    ext = await startGateway(tb, { externalLabels: { region: "eu" } });
  });
  afterAll(async () => ext?.close());

  const count = async (g: Gateway, match: string): Promise<number> => {
    const r: HttpAnswer = await call(g.url, "/api/v1/series", { "match[]": match, start: s(T0), end: s(T0 + 60_000) });
    expect(r.status, r.body).toBe(200);
    return (JSON.parse(r.body) as { data: unknown[] }).data.length;
  };

  it("select every series of a matching stream, none of another (as Prometheus and the Thanos querier do)", async () => {
    const all = await count(ext, `{__name__=~".+"}`);
    expect(all).toBeGreaterThan(900);
    expect(await count(ext, `{region="eu"}`)).toBe(all);
    expect(await count(ext, `{region="us"}`)).toBe(0);
    const q = JSON.parse((await call(ext.url, "/api/v1/query", { query: `count({region="eu"})`, time: s(T0 + 60_000) })).body) as ApiJson;
    expect(q.data).toEqual({ resultType: "vector", result: [{ metric: {}, value: [(T0 + 60_000) / 1000, String(all)] }] });
  });
});
