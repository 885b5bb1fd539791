// Property: random histogram sequences with one layout survive the encoders
// and decoders unchanged; encoders enforce Prometheus' chunk rules.

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  decodeFloatHistogram,
  decodeHistogram,
  FloatHistogramEncoder,
  HistogramEncoder,
  histogramChunkHeader,
  type CounterResetHint,
  type FloatHistogramSample,
  type HistogramSample,
  type Span,
} from "../../src/chunkenc/index.js";

const hintArb = fc.constantFrom<CounterResetHint>("unknown", "reset", "not_reset", "gauge");
const spansArb: fc.Arbitrary<Span[]> = fc.array(
  fc.record({ offset: fc.integer({ min: -60, max: 60 }), length: fc.integer({ min: 0, max: 5 }) }),
  { maxLength: 4 },
);
const zeroThresholdArb = fc.oneof(
  fc.constant(0),
  fc.constant(2 ** -128),
  fc.integer({ min: -300, max: 20 }).map((e) => 2 ** e),
  fc.double({ min: 1e-12, max: 1e3, noNaN: true }),
);
/** Safe integers, biased to small ones but reaching the 56-bit varbit form. */
const bigCount = fc.oneof(
  fc.integer({ min: 0, max: 100 }),
  fc.integer({ min: 0, max: 2 ** 32 }),
  fc.integer({ min: 0, max: 2 ** 51 }),
);
const tStep = fc.oneof(fc.constant(15_000), fc.integer({ min: 0, max: 1 << 22 }), fc.integer({ min: 0, max: 2 ** 40 }));
const sumArb = fc.oneof(fc.double(), fc.constant(-0), fc.integer().map((i) => i / 7));

const layoutArb = fc.record({
  schema: fc.integer({ min: -4, max: 8 }),
  zeroThreshold: zeroThresholdArb,
  positiveSpans: spansArb,
  negativeSpans: spansArb,
});
const nBuckets = (s: Span[]): number => s.reduce((a, x) => a + x.length, 0);

function sampleHint(header: CounterResetHint, i: number): CounterResetHint {
  if (header === "gauge") return "gauge";
  if (i > 0) return "not_reset";
  return header === "reset" ? "reset" : "unknown";
}

const intChunkArb = fc
  .record({ layout: layoutArb, header: hintArb, n: fc.integer({ min: 1, max: 30 }), stale: fc.integer({ min: 0, max: 3 }) })
  .chain(({ layout, header, n, stale }) => {
    const np = nBuckets(layout.positiveSpans);
    const nn = nBuckets(layout.negativeSpans);
    const sample = fc.record({
      dt: tStep,
      count: bigCount,
      zeroCount: bigCount,
      sum: sumArb,
      pos: fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { minLength: np, maxLength: np }),
      neg: fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { minLength: nn, maxLength: nn }),
    });
    return fc.record({
      layout: fc.constant(layout),
      header: fc.constant(header),
      t0: fc.integer({ min: -(2 ** 45), max: 2 ** 45 }),
      samples: fc.array(sample, { minLength: n, maxLength: n }),
      stale: fc.array(tStep, { minLength: stale, maxLength: stale }),
    });
  });

type IntChunk = typeof intChunkArb extends fc.Arbitrary<infer T> ? T : never;

function buildInt(c: IntChunk): HistogramSample[] {
  let t = c.t0;
  const out: HistogramSample[] = c.samples.map((s, i) => {
    if (i > 0) t += s.dt;
    return {
      t,
      counterResetHint: sampleHint(c.header, i),
      ...c.layout,
      zeroCount: s.zeroCount,
      count: s.count,
      sum: s.sum,
      stale: false,
      positiveDeltas: s.pos,
      negativeDeltas: s.neg,
    };
  });
  for (const dt of c.stale) {
    t += dt;
    out.push({
      t,
      counterResetHint: "unknown",
      schema: 0,
      zeroThreshold: 0,
      zeroCount: 0,
      count: 0,
      sum: Number.NaN, // the stale flag, not the NaN bits, marks it
      stale: true,
      positiveSpans: [],
      negativeSpans: [],
      positiveDeltas: [],
      negativeDeltas: [],
    });
  }
  return out;
}

function toFloat(h: HistogramSample): FloatHistogramSample {
  const { positiveDeltas, negativeDeltas, ...rest } = h;
  const abs = (d: number[]): number[] => {
    let c = 0;
    return d.map((x) => (c += x) / 3);
  };
  return { ...rest, count: h.count / 2, positiveCounts: abs(positiveDeltas), negativeCounts: abs(negativeDeltas) };
}

/** Decoded stale samples carry the real StaleNaN; compare everything else. */
function withoutSum<T extends { sum: number }>(xs: T[]): Omit<T, "sum">[] {
  return xs.map(({ sum: _sum, ...rest }) => rest);
}

describe("histogram round trip (property)", () => {
  test("integer histograms: decode(encode(samples)) == samples", () => {
    fc.assert(
      fc.property(intChunkArb, (c) => {
        const samples = buildInt(c);
        const enc = new HistogramEncoder(c.header);
        for (const s of samples) enc.append(s);
        const bytes = enc.bytes();
        expect(histogramChunkHeader(bytes)).toBe(c.header);
        const got = decodeHistogram(bytes);
        expect(withoutSum(got)).toEqual(withoutSum(samples));
        got.forEach((h, i) => (h.stale ? expect(Number.isNaN(h.sum)).toBe(true) : expect(Object.is(h.sum, samples[i].sum)).toBe(true)));
        // Re-encoding the decoded samples is stable.
        const again = new HistogramEncoder(c.header);
        for (const h of got) again.append(h);
        expect(Buffer.from(again.bytes()).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  test("float histograms: decode(encode(samples)) == samples", () => {
    fc.assert(
      fc.property(intChunkArb, (c) => {
        const samples = buildInt(c).map(toFloat);
        const enc = new FloatHistogramEncoder(c.header);
        for (const s of samples) enc.append(s);
        const bytes = enc.bytes();
        const got = decodeFloatHistogram(bytes);
        expect(withoutSum(got)).toEqual(withoutSum(samples));
        got.forEach((h, i) => (h.stale ? expect(Number.isNaN(h.sum)).toBe(true) : expect(Object.is(h.sum, samples[i].sum)).toBe(true)));
        const again = new FloatHistogramEncoder(c.header);
        for (const h of got) again.append(h);
        expect(Buffer.from(again.bytes()).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("histogram encoder rules", () => {
  const base: HistogramSample = {
    t: 1000,
    counterResetHint: "unknown",
    schema: 3,
    zeroThreshold: 2 ** -128,
    zeroCount: 1,
    count: 5,
    sum: 2.5,
    stale: false,
    positiveSpans: [{ offset: 2, length: 2 }],
    negativeSpans: [],
    positiveDeltas: [3, -2],
    negativeDeltas: [],
  };

  test("a sample with a different layout is rejected", () => {
    const enc = new HistogramEncoder();
    enc.append(base);
    expect(() => enc.append({ ...base, t: 2000, schema: 2 })).toThrow(/layout/);
    expect(() => enc.append({ ...base, t: 2000, zeroThreshold: 0.001 })).toThrow(/layout/);
    expect(() => enc.append({ ...base, t: 2000, positiveSpans: [{ offset: 3, length: 2 }] })).toThrow(/layout/);
    const fenc = new FloatHistogramEncoder();
    fenc.append({ ...base, positiveCounts: [3, 1], negativeCounts: [] });
    expect(() =>
      fenc.append({ ...base, t: 2000, negativeSpans: [{ offset: 0, length: 1 }], positiveCounts: [3, 1], negativeCounts: [1] }),
    ).toThrow(/layout/);
  });

  test("bucket arrays must match the spans", () => {
    expect(() => new HistogramEncoder().append({ ...base, positiveDeltas: [1] })).toThrow(RangeError);
  });

  test("only stale samples may follow a stale sample", () => {
    const enc = new HistogramEncoder();
    enc.append(base);
    enc.append({ ...base, t: 2000, stale: true });
    enc.append({ ...base, t: 3000, stale: true });
    expect(() => enc.append({ ...base, t: 4000 })).toThrow(/stale/);
    const got = decodeHistogram(enc.bytes());
    expect(got.map((h) => h.stale)).toEqual([false, true, true]);
  });

  test("a stale sample is recognised by its sum bits even without the flag", () => {
    const f = new Float64Array(1);
    const u = new Uint32Array(f.buffer);
    u[1] = 0x7ff00000;
    u[0] = 2;
    const enc = new HistogramEncoder();
    enc.append(base);
    enc.append({ ...base, t: 2000, sum: f[0] });
    expect(decodeHistogram(enc.bytes())[1].stale).toBe(true);
  });

  test("counts must be non-negative safe integers", () => {
    expect(() => new HistogramEncoder().append({ ...base, count: 2 ** 53 })).toThrow(RangeError);
    expect(() => new HistogramEncoder().append({ ...base, count: -1 })).toThrow(RangeError);
    expect(() => new HistogramEncoder().append({ ...base, count: 1.5 })).toThrow(RangeError);
  });
});
