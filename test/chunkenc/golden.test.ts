// Chunks written by Prometheus v2.42's own appenders (see golden/README.md):
// our encoders must produce the same bytes and our decoders the same inputs.

import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  decodeFloatHistogram,
  decodeHistogram,
  decodeXor,
  FloatHistogramEncoder,
  HistogramEncoder,
  histogramChunkHeader,
  XorEncoder,
  type CounterResetHint,
  type FloatHistogramSample,
  type HistogramSample,
  type Span,
} from "../../src/chunkenc/index.js";

interface GoldenHistogramSample {
  t: string;
  schema: number;
  zt: string;
  count: string;
  zc: string;
  sum: string;
  stale: boolean;
  ps: [number, number][];
  ns: [number, number][];
  pb: string[];
  nb: string[];
}
interface GoldenHistogramChunk {
  header: CounterResetHint;
  samples: GoldenHistogramSample[];
  chunk: string;
}
interface Golden {
  xor: { t: string[]; v: string[]; chunk: string }[];
  histograms: GoldenHistogramChunk[];
  float_histograms: GoldenHistogramChunk[];
}

const golden = JSON.parse(
  readFileSync(new URL("./golden/prometheus-v2.42.json", import.meta.url), "utf8"),
) as Golden;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
function fromHex(bits: string): number {
  const b = BigInt(`0x${bits}`);
  u32[1] = Number(b >> 32n);
  u32[0] = Number(b & 0xffffffffn);
  return f64[0];
}
function toHex(v: number): string {
  f64[0] = v;
  return ((BigInt(u32[1]) << 32n) | BigInt(u32[0])).toString(16);
}
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
const spans = (s: [number, number][]): Span[] => s.map(([offset, length]) => ({ offset, length }));

/** The hint Prometheus' iterator reports for sample i of a chunk with this header. */
function hint(header: CounterResetHint, i: number): CounterResetHint {
  if (header === "gauge") return "gauge";
  if (i > 0) return "not_reset";
  return header === "reset" ? "reset" : "unknown";
}

function intSample(g: GoldenHistogramSample, hintValue: CounterResetHint): HistogramSample {
  return {
    t: Number(g.t),
    counterResetHint: hintValue,
    schema: g.schema,
    zeroThreshold: fromHex(g.zt),
    zeroCount: Number(g.zc),
    count: Number(g.count),
    sum: fromHex(g.sum),
    stale: g.stale,
    positiveSpans: spans(g.ps),
    negativeSpans: spans(g.ns),
    positiveDeltas: g.pb.map(Number),
    negativeDeltas: g.nb.map(Number),
  };
}

function floatSample(g: GoldenHistogramSample, hintValue: CounterResetHint): FloatHistogramSample {
  return {
    t: Number(g.t),
    counterResetHint: hintValue,
    schema: g.schema,
    zeroThreshold: fromHex(g.zt),
    zeroCount: fromHex(g.zc),
    count: fromHex(g.count),
    sum: fromHex(g.sum),
    stale: g.stale,
    positiveSpans: spans(g.ps),
    negativeSpans: spans(g.ns),
    positiveCounts: g.pb.map(fromHex),
    negativeCounts: g.nb.map(fromHex),
  };
}

describe("golden chunks from Prometheus v2.42 appenders", () => {
  test("fixture covers the interesting cases", () => {
    expect(golden.xor.length).toBe(30);
    expect(golden.histograms.length).toBe(50);
    expect(golden.float_histograms.length).toBe(50);
    for (const set of [golden.histograms, golden.float_histograms]) {
      const headers = new Set(set.map((c) => c.header));
      expect(headers).toEqual(new Set(["unknown", "reset", "not_reset", "gauge"]));
      expect(set.some((c) => c.samples.some((s) => s.stale))).toBe(true);
    }
  });

  test("XOR: encoder bytes and decoded samples match", () => {
    for (const [k, c] of golden.xor.entries()) {
      const enc = new XorEncoder();
      c.t.forEach((t, i) => enc.append(Number(t), fromHex(c.v[i])));
      expect(hex(enc.bytes()), `xor case ${k}`).toBe(c.chunk);
      const s = decodeXor(unhex(c.chunk));
      expect(Array.from(s.t.subarray(0, s.n), String)).toEqual(c.t);
      expect(Array.from(s.v.subarray(0, s.n), toHex)).toEqual(c.v);
    }
  });

  test("integer histograms: encoder bytes and decoded samples match", () => {
    for (const [k, c] of golden.histograms.entries()) {
      const enc = new HistogramEncoder(c.header);
      c.samples.forEach((g, i) => enc.append(intSample(g, hint(c.header, i))));
      expect(hex(enc.bytes()), `histogram case ${k}`).toBe(c.chunk);

      const data = unhex(c.chunk);
      expect(histogramChunkHeader(data)).toBe(c.header);
      const got = decodeHistogram(data);
      expect(got.length).toBe(c.samples.length);
      got.forEach((h, i) => {
        const g = c.samples[i];
        expect(h.t).toBe(Number(g.t));
        expect(h.stale).toBe(g.stale);
        expect(toHex(h.sum)).toBe(g.sum);
        if (g.stale) return;
        expect(h).toEqual({ ...intSample(g, hint(c.header, i)), sum: h.sum });
      });
    }
  });

  test("float histograms: encoder bytes and decoded samples match", () => {
    for (const [k, c] of golden.float_histograms.entries()) {
      const enc = new FloatHistogramEncoder(c.header);
      c.samples.forEach((g, i) => enc.append(floatSample(g, hint(c.header, i))));
      expect(hex(enc.bytes()), `float histogram case ${k}`).toBe(c.chunk);

      const data = unhex(c.chunk);
      const got = decodeFloatHistogram(data);
      expect(got.length).toBe(c.samples.length);
      got.forEach((h, i) => {
        const g = c.samples[i];
        expect(h.t).toBe(Number(g.t));
        expect(h.stale).toBe(g.stale);
        expect(toHex(h.sum)).toBe(g.sum);
        if (g.stale) return;
        expect(toHex(h.count)).toBe(g.count);
        expect(toHex(h.zeroCount)).toBe(g.zc);
        expect(toHex(h.zeroThreshold)).toBe(g.zt);
        expect(h.positiveCounts.map(toHex)).toEqual(g.pb);
        expect(h.negativeCounts.map(toHex)).toEqual(g.nb);
        expect(h.positiveSpans).toEqual(spans(g.ps));
        expect(h.negativeSpans).toEqual(spans(g.ns));
        expect(h.schema).toBe(g.schema);
        expect(h.counterResetHint).toBe(hint(c.header, i));
      });
    }
  });

  test("stale histogram samples decode like Prometheus: only t and the StaleNaN sum", () => {
    let seen = 0;
    for (const c of golden.histograms) {
      for (const h of decodeHistogram(unhex(c.chunk))) {
        if (!h.stale) continue;
        seen++;
        expect(toHex(h.sum)).toBe("7ff0000000000002");
        expect([h.count, h.zeroCount, h.positiveDeltas.length, h.negativeDeltas.length]).toEqual([0, 0, 0, 0]);
      }
    }
    for (const c of golden.float_histograms) {
      for (const h of decodeFloatHistogram(unhex(c.chunk))) {
        if (!h.stale) continue;
        seen++;
        expect(toHex(h.sum)).toBe("7ff0000000000002");
        expect([h.count, h.zeroCount, h.positiveCounts.length, h.negativeCounts.length]).toEqual([0, 0, 0, 0]);
      }
    }
    expect(seen).toBeGreaterThan(10);
  });
});
