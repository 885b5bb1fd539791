// Differential test through remote read: Prometheus 2.42 "A" serves the
// fixture blocks itself; Prometheus 2.42 "B" starts empty and reads
// everything from the gateway's /api/v1/read (read_recent: true). Both run
// the same PromQL engine, so every query_range and query answer must be
// identical — series, timestamps and the exact value strings. Remote-read
// failures only show up in B as warnings (with empty data), so any warning
// fails the test.

import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestBucket } from "../../helpers/buckets.js";
import { call, convertedBucket, fixtureBlocks, Prometheus, prometheusBinary, startGateway, type ApiJson, type Gateway } from "./gateway.js";
import { instantQueries, rangeQueries, staleQueries, staleWindow, windows, type Window } from "./queries.js";

const available = existsSync(prometheusBinary);

describe.skipIf(!available)("remote read differential (Prometheus 2.42 over the gateway vs on the blocks)", () => {
  let tb: TestBucket;
  let gw: Gateway;
  let a: Prometheus;
  let b: Prometheus;
  const reads: { count: number } = { count: 0 };

  beforeAll(async () => {
    const blocks = fixtureBlocks("blocks-1k-6h", "block-native-histograms");
    tb = await convertedBucket(blocks);
    gw = await startGateway(tb);
    const config = [
      "global: {scrape_interval: 15s, evaluation_interval: 1m}",
      "remote_read:",
      `  - url: ${gw.url}/api/v1/read`,
      "    name: gateway",
      "    read_recent: true",
      "",
    ].join("\n");
    [a, b] = await Promise.all([Prometheus.start({ blocks }), Prometheus.start({ config })]);
  }, 300_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await gw?.close();
    tb?.cleanup();
  });

  async function both(path: string, params: Record<string, string>): Promise<[ApiJson, ApiJson]> {
    reads.count++;
    const [ra, rb] = await Promise.all([call(a.url, path, params, "POST"), call(b.url, path, params, "POST")]);
    return [JSON.parse(ra.body) as ApiJson, JSON.parse(rb.body) as ApiJson];
  }

  function rangeParams(query: string, w: Window): Record<string, string> {
    return { query, start: String(w.startMs / 1000), end: String(w.endMs / 1000), step: String(w.stepMs / 1000) };
  }

  const cases: { query: string; w: Window }[] = [
    ...rangeQueries.map((query, i) => ({ query, w: windows[i % windows.length]! })),
    // Every fourth query again at fine steps.
    ...rangeQueries.filter((_, i) => i % 4 === 0).map((query) => ({ query, w: windows[1]! })),
    ...staleQueries.map((query) => ({ query, w: staleWindow })),
  ];

  it(`${cases.length} query_range answers are identical`, { timeout: 300_000 }, async () => {
    const failures: string[] = [];
    let points = 0;
    let nonEmpty = 0;
    // Four in flight: each query makes B send one remote read per selector.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length) {
        const c = cases[next++]!;
        const [ra, rb] = await both("/api/v1/query_range", rangeParams(c.query, c.w));
        const where = `${c.query} @${c.w.name}`;
        if (ra.status !== "success") failures.push(`${where}: A failed: ${ra.error}`);
        else if (rb.status !== "success") failures.push(`${where}: B failed: ${rb.error}`);
        else if (ra.warnings?.length || rb.warnings?.length) failures.push(`${where}: warnings A=${JSON.stringify(ra.warnings)} B=${JSON.stringify(rb.warnings)}`);
        else if (JSON.stringify(ra.data) !== JSON.stringify(rb.data)) failures.push(`${where}: results differ\nA: ${JSON.stringify(ra.data).slice(0, 400)}\nB: ${JSON.stringify(rb.data).slice(0, 400)}`);
        else {
          const result = (ra.data as { result: { values: unknown[] }[] }).result;
          if (result.length > 0) nonEmpty++;
          for (const s of result) points += s.values.length;
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(failures, failures.join("\n\n")).toEqual([]);
    // The comparison must have had something to compare.
    expect(nonEmpty).toBeGreaterThan(cases.length * 0.8);
    expect(points).toBeGreaterThan(10_000);
  });

  it("instant query answers are identical", async () => {
    for (const q of instantQueries) {
      const [ra, rb] = await both("/api/v1/query", { query: q.query, time: String(q.timeMs / 1000) });
      expect(ra.status, ra.error).toBe("success");
      expect(rb.warnings, q.query).toBeUndefined();
      expect(rb, q.query).toEqual(ra);
    }
  });

  it("/api/v1/series answers are identical", async () => {
    for (const m of ['demo_memory_usage_bytes{job="api"}', '{__name__=~"demo_api.*",le="+Inf"}', "demo_intermittent_metric"]) {
      const [ra, rb] = await both("/api/v1/series", { "match[]": m, start: "1704067200", end: "1795343500" });
      expect(ra.status).toBe("success");
      expect(rb, m).toEqual(ra);
      expect((ra.data as unknown[]).length, m).toBeGreaterThan(0);
    }
  });
});
