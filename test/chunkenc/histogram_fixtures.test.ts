// Real Prometheus 2.42 integer histogram chunks: byte-identical re-encoding,
// and decoded values checked against Prometheus' own /api/v1/query answer.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  decodeHistogram,
  Encoding,
  HistogramEncoder,
  histogramChunkHeader,
  type HistogramSample,
  type Span,
} from "../../src/chunkenc/index.js";
import { FIXTURES, fixtureSegment, readSegment, type RawChunk } from "./segment.js";

function histogramChunks(): RawChunk[] {
  return readSegment(fixtureSegment("block-native-histograms")).filter((c) => c.encoding === Encoding.Histogram);
}

/** [bucket index, absolute count] for every bucket of the spans, running-summing the deltas. */
function absoluteBuckets(spans: Span[], deltas: number[]): [number, number][] {
  const out: [number, number][] = [];
  let idx = 0;
  let k = 0;
  let count = 0;
  for (const s of spans) {
    idx += s.offset;
    for (let j = 0; j < s.length; j++) {
      count += deltas[k++];
      out.push([idx, count]);
      idx++;
    }
  }
  if (k !== deltas.length) throw new Error(`spans describe ${k} buckets, ${deltas.length} deltas given`);
  return out;
}

/** Canonical text of one sample: time, count, sum and every non-empty bucket. */
function keyOfDecoded(h: HistogramSample): string {
  const parts: string[] = [];
  for (const [i, c] of absoluteBuckets(h.negativeSpans, h.negativeDeltas)) if (c !== 0) parts.push(`n${i}=${c}`);
  if (h.zeroCount !== 0) parts.push(`z${h.zeroThreshold}=${h.zeroCount}`);
  for (const [i, c] of absoluteBuckets(h.positiveSpans, h.positiveDeltas)) if (c !== 0) parts.push(`p${i}=${c}`);
  return `${h.t}|${h.count}|${h.sum}|${parts.sort().join(",")}`;
}

type ApiBucket = [number, string, string, string];
interface ApiAnswer {
  data: { result: { metric: Record<string, string>; histograms: [number, { count: string; sum: string; buckets?: ApiBucket[] }][] }[] };
}

const SCHEMA = 3;

/** Bucket index whose upper bound (by magnitude) is b, checking the bound is exactly on the schema grid. */
function indexOfBound(b: number): number {
  const i = Math.round(Math.log2(b) * 2 ** SCHEMA);
  // Plain throw: this runs ~100k times, expect() would dominate the test time.
  if (!(Math.abs(b / 2 ** (i / 2 ** SCHEMA) - 1) < 1e-12)) throw new Error(`bound ${b} is not on the schema ${SCHEMA} grid`);
  return i;
}

function keyOfApi(ts: number, h: { count: string; sum: string; buckets?: ApiBucket[] }): string {
  const parts: string[] = [];
  for (const [rule, lo, hi, c] of h.buckets ?? []) {
    const lower = Number(lo);
    const upper = Number(hi);
    if (rule === 3) {
      parts.push(`z${upper}=${Number(c)}`);
    } else if (upper > 0) {
      // Positive bucket i is (2^((i-1)/8), 2^(i/8)].
      const i = indexOfBound(upper);
      const ok = rule === 0 && indexOfBound(lower) === i - 1;
      parts.push(ok ? `p${i}=${Number(c)}` : `bad-positive-bucket:${rule}:${lo}:${hi}`);
    } else {
      // Negative bucket i is [-2^(i/8), -2^((i-1)/8)).
      const i = indexOfBound(-lower);
      const ok = rule === 1 && indexOfBound(-upper) === i - 1;
      parts.push(ok ? `n${i}=${Number(c)}` : `bad-negative-bucket:${rule}:${lo}:${hi}`);
    }
  }
  return `${Math.round(ts * 1000)}|${Number(h.count)}|${Number(h.sum)}|${parts.sort().join(",")}`;
}

describe("integer histogram chunks of a real block", () => {
  test("all 7 chunks decode and re-encode byte-identically", () => {
    const chunks = histogramChunks();
    expect(chunks.length).toBe(7);
    const headers: string[] = [];
    for (const c of chunks) {
      const header = histogramChunkHeader(c.data);
      headers.push(header);
      const hs = decodeHistogram(c.data);
      expect(hs.length).toBe((c.data[0] << 8) | c.data[1]);
      const enc = new HistogramEncoder(header);
      for (const h of hs) enc.append(h);
      expect(enc.numSamples).toBe(hs.length);
      expect(Buffer.from(enc.bytes()).toString("hex")).toBe(Buffer.from(c.data).toString("hex"));
    }
    expect(headers.filter((h) => h === "reset").length).toBe(1);
    expect(headers.filter((h) => h === "unknown").length).toBe(6);
  });

  test("per-sample counter reset hints follow Prometheus 2.42", () => {
    for (const c of histogramChunks()) {
      const header = histogramChunkHeader(c.data);
      const hs = decodeHistogram(c.data);
      expect(hs[0].counterResetHint).toBe(header === "reset" ? "reset" : "unknown");
      for (const h of hs.slice(1)) expect(h.counterResetHint).toBe("not_reset");
    }
  });

  test("the default encoder header is the first sample's hint", () => {
    const reset = histogramChunks().find((c) => histogramChunkHeader(c.data) === "reset");
    expect(reset).toBeDefined();
    const enc = new HistogramEncoder();
    for (const h of decodeHistogram(reset!.data)) enc.append(h);
    expect(Buffer.from(enc.bytes()).equals(Buffer.from(reset!.data))).toBe(true);
  });

  test("stale markers: none among histogram samples, and stale is false everywhere", () => {
    const all = histogramChunks().flatMap((c) => decodeHistogram(c.data));
    expect(all.filter((h) => h.stale)).toEqual([]);
    for (const h of all) expect(Number.isNaN(h.sum)).toBe(false);
  });

  test("all 675 samples match Prometheus' /api/v1/query answer (count, sum, every bucket)", () => {
    const api = JSON.parse(readFileSync(join(FIXTURES, "block-native-histograms.api-query.json"), "utf8")) as ApiAnswer;
    const want = api.data.result.flatMap((s) => s.histograms.map(([ts, h]) => keyOfApi(ts, h))).sort();
    const decoded = histogramChunks().flatMap((c) => decodeHistogram(c.data));
    for (const h of decoded) {
      expect(h.schema).toBe(SCHEMA);
      expect(h.zeroThreshold).toBe(2 ** -128);
    }
    const got = decoded.filter((h) => !h.stale).map(keyOfDecoded).sort();
    expect(want.length).toBe(675);
    expect(got.length).toBe(675);
    // Compare in slices so a failure shows the differing samples, not 675 strings.
    for (let i = 0; i < want.length; i += 25) expect(got.slice(i, i + 25)).toEqual(want.slice(i, i + 25));
  });
});
