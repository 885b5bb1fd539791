// Column pruning of the aggregate files, in bytes fetched from the bucket:
// with footers and page indexes cached, a Series call over 7 days at 5m that
// asks for COUNT alone fetches at most 30% of what asking for all five
// aggregates fetches (each aggregate is its own column per window).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSelector } from "../../src/model/selector.js";
import type { Bucket } from "../../src/objstore/bucket.js";
import type { Aggr, StoreSeries } from "../../src/store/api.js";
import { discoverUnits } from "../../src/store/discovery.js";
import { newTestBucket, type TestBucket } from "../helpers/buckets.js";
import { convertOk } from "../helpers/convert.js";
import { meteredStore, type MeteredStore } from "../helpers/store.js";
import { backfill, genOpenMetrics } from "./openmetrics.js";

const T0 = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;

let data: { dir: string; cleanup(): void };
let tb: TestBucket;
let bucket: Bucket;
let ms: MeteredStore;

beforeAll(async () => {
  const om = genOpenMetrics({ start: T0, end: T0 + 7 * DAY, counters: 16, gauges: 8, seed: 3, intervalMs: 60_000 });
  data = await backfill(om.text, "24h");
  tb = await newTestBucket("FILESYSTEM");
  await convertOk(tb, data.dir, ["--downsample"]);
  bucket = tb.open();
  ms = meteredStore(bucket);
  await ms.store.sync();
}, 600_000);

afterAll(async () => {
  await bucket?.close();
  tb?.cleanup();
  data?.cleanup();
});

async function fetched(aggregates: Aggr[]): Promise<{ bytes: number; series: StoreSeries[] }> {
  const before = await ms.readBytes();
  const r = await ms.store.select({ minTime: T0, maxTime: T0 + 7 * DAY, matchers: parseSelector('{__name__=~"c_total|g"}'), maxResolutionWindow: 300_000, aggregates });
  const series: StoreSeries[] = [];
  for await (const s of r.series) series.push(s);
  return { bytes: (await ms.readBytes()) - before, series };
}

describe("aggregate column pruning", () => {
  it("COUNT alone over 7 days at 5m fetches <= 30% of the bytes of all five aggregates", async () => {
    const { units } = await discoverUnits(bucket);
    expect(units.length).toBeGreaterThanOrEqual(7);
    expect(units.every((u) => u.meta.resolutions.includes(300_000))).toBe(true);
    const all: Aggr[] = ["count", "sum", "min", "max", "counter"];
    // Warm the metadata caches: every labels and aggregate file's footer and page index.
    await fetched(all);
    const count = await fetched(["count"]);
    const five = await fetched(all);
    expect(count.series.length).toBe(24);
    expect(five.series.length).toBe(24);
    for (const s of count.series) for (const c of s.aggrChunks!) expect(Object.keys(c.aggrs)).toEqual(["count"]);
    const ratio = count.bytes / five.bytes;
    console.log(`aggregate pruning: COUNT ${count.bytes} B, all five ${five.bytes} B, ratio ${ratio.toFixed(3)}`);
    expect(count.bytes).toBeGreaterThan(0);
    expect(ratio).toBeLessThanOrEqual(0.3);
  });
});
