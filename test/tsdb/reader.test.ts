// In-process checks of the block reader: exact bits, native histograms against
// the Prometheus API, matcher selection against brute force, and reading the
// same block through a bucket with ranged GETs.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Block } from "../../src/tsdb/block.js";
import { openLocalBlocks } from "../../src/tsdb/open.js";
import { readSeriesData, selectSeries } from "../../src/tsdb/querier.js";
import { LocalBlockSource, BucketBlockSource } from "../../src/tsdb/source.js";
import { FilesystemBucket } from "../../src/objstore/filesystem.js";
import { parseSelector } from "../../src/model/selector.js";
import { matchLabels } from "../../src/model/matchers.js";
import { formatLabels } from "../../src/model/labels.js";
import type { HistogramSample } from "../../src/chunkenc/types.js";

const fx = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const ALL = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] as const;

function bits(v: Float64Array, i: number): string {
  const u = new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
  return u[2 * i + 1]!.toString(16).padStart(8, "0") + u[2 * i]!.toString(16).padStart(8, "0");
}

describe("block reader", () => {
  it("keeps staleness markers bit for bit", async () => {
    const blocks = await openLocalBlocks(fx("block-native-histograms"));
    const stale: number[] = [];
    for await (const s of selectSeries(blocks, [], ...ALL)) {
      const d = await readSeriesData(s, ...ALL);
      for (let i = 0; i < d.floats.n; i++) if (bits(d.floats.v, i) === "7ff0000000000002") stale.push(d.floats.t[i]!);
    }
    expect(stale).toEqual([1795343190392, 1795343250392, 1795343310392, 1795343370392]);
    await Promise.all(blocks.map((b) => b.close()));
  });

  it("reads NaN, +Inf and -0 exactly", async () => {
    const blocks = await openLocalBlocks(fx("block-edge-values"));
    const seen: string[] = [];
    for await (const s of selectSeries(blocks, [], ...ALL)) {
      const d = await readSeriesData(s, ...ALL);
      for (let i = 0; i < d.floats.n; i++) seen.push(`${d.floats.t[i]} ${bits(d.floats.v, i)}`);
    }
    expect(seen).toContain("1704067245000 8000000000000000"); // -0
    expect(seen).toContain("1704067230000 7ff0000000000000"); // +Inf
    expect(seen.some((x) => x.startsWith("1704067215500 7ff8"))).toBe(true); // NaN
    await Promise.all(blocks.map((b) => b.close()));
  });

  it("native histogram samples equal the Prometheus API answer", async () => {
    type ApiBucket = [number, string, string, string];
    type ApiSeries = { metric: Record<string, string>; histograms: [number, { count: string; sum: string; buckets: ApiBucket[] }][] };
    const api = JSON.parse(readFileSync(fx("block-native-histograms.api-query.json"), "utf8")) as { data: { result: ApiSeries[] } };
    const blocks = await openLocalBlocks(fx("block-native-histograms"));
    const end = 1795343399392;
    let compared = 0;
    for (const series of api.data.result) {
      const sel = parseSelector(`{${Object.entries(series.metric).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}`);
      const got: HistogramSample[] = [];
      for await (const s of selectSeries(blocks, sel, end - 600000, end)) {
        // Prometheus range selectors are left-open: (end-10m, end].
        got.push(...((await readSeriesData(s, end - 600000 + 1, end)).histograms as HistogramSample[]));
      }
      expect(got.length).toBe(series.histograms.length);
      series.histograms.forEach(([ts, h], i) => {
        const g = got[i]!;
        expect(g.t).toBe(Math.round(ts * 1000));
        expect(g.count).toBe(Number(h.count));
        expect(g.sum).toBe(Number(h.sum));
        const ours = apiBuckets(g);
        expect(ours.length).toBe(h.buckets.length);
        ours.forEach((b, j) => {
          const want = h.buckets[j]!;
          expect(b[0]).toBe(want[0]);
          expect(b[1]).toBeCloseTo(Number(want[1]), 12);
          expect(b[2]).toBeCloseTo(Number(want[2]), 12);
          expect(b[3]).toBe(Number(want[3]));
        });
        compared++;
      });
    }
    expect(compared).toBe(675);
    await Promise.all(blocks.map((b) => b.close()));
  });

  it("selects the same series through postings as a brute-force scan", async () => {
    const [b] = await openLocalBlocks(fx("block-1k-2h"));
    const all: { ref: number; labels: string; ls: import("../../src/model/labels.js").Labels }[] = [];
    for await (const s of b!.series(await b!.postings([]))) all.push({ ref: s.ref, labels: formatLabels(s.labels), ls: s.labels });
    expect(all.length).toBe(1000);
    const selectors = [
      'demo_http_requests_total{code="500"}',
      '{__name__=~"demo_.*", code!="200"}',
      '{__name__=~".+", code=""}',
      '{__name__=~"demo_api.*", le=~"0\\\\.(1|5)|\\\\+Inf"}',
      '{job=~"api|db", code!~"5.."}',
      '{__name__!="demo_memory_usage_bytes", instance=~".*:8080"}',
      'nonexistent_metric',
      '{__name__=~"demo.+", code=~"2.*|"}',
    ];
    for (const sel of selectors) {
      const ms = parseSelector(sel);
      const want = all.filter((s) => matchLabels(ms, s.ls)).map((s) => s.ref);
      const got = [...(await b!.postings(ms))];
      expect(got, sel).toEqual(want);
    }
    await b!.close();
  });

  it("reads a block from a bucket with ranged reads, identical to local", async () => {
    const root = fx("block-1k-2h");
    const bucket = new FilesystemBucket(root);
    const ulid = "01M81C8ZSCQXTCPJQRKEHEEMV8";
    const viaBucket = await Block.open(new BucketBlockSource(bucket, ulid));
    const local = await Block.open(new LocalBlockSource(`${root}/${ulid}`));
    const a = [];
    const b = [];
    for await (const s of selectSeries([viaBucket], parseSelector('{__name__=~"demo_api.*"}'), ...ALL)) a.push([formatLabels(s.labels), (await readSeriesData(s, ...ALL)).floats.n]);
    for await (const s of selectSeries([local], parseSelector('{__name__=~"demo_api.*"}'), ...ALL)) b.push([formatLabels(s.labels), (await readSeriesData(s, ...ALL)).floats.n]);
    expect(a.length).toBe(260);
    expect(a).toEqual(b);
    await Promise.all([viaBucket.close(), local.close(), bucket.close()]);
  });
});

/** Converts an integer histogram to the API's [rule, lower, upper, count] buckets (empty ones omitted). */
function apiBuckets(h: HistogramSample): [number, number, number, number][] {
  const base = Math.pow(2, Math.pow(2, -h.schema));
  const expand = (spans: { offset: number; length: number }[], deltas: number[]): [number, number][] => {
    const out: [number, number][] = [];
    let idx = 0;
    let k = 0;
    let cur = 0;
    spans.forEach((sp) => {
      idx += sp.offset;
      for (let j = 0; j < sp.length; j++) {
        cur += deltas[k++]!;
        out.push([idx, cur]);
        idx++;
      }
    });
    return out;
  };
  const res: [number, number, number, number][] = [];
  const neg = expand(h.negativeSpans, h.negativeDeltas).reverse();
  for (const [i, c] of neg) if (c) res.push([1, -Math.pow(base, i), -Math.pow(base, i - 1), c]);
  if (h.zeroCount) res.push([3, -h.zeroThreshold, h.zeroThreshold, h.zeroCount]);
  for (const [i, c] of expand(h.positiveSpans, h.positiveDeltas)) if (c) res.push([0, Math.pow(base, i - 1), Math.pow(base, i), c]);
  return res;
}
