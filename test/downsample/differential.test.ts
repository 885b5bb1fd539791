// src/downsample against the plain reference in reference.ts, on generated
// series with counter resets, gaps, irregular intervals, NaN values and
// staleness markers (exact StaleNaN bits in Float64Arrays). Every aggregate of
// every chunk, at 5m (from raw) and at 1h (from 5m), must match sample for
// sample, plus a few hand-computed cases.
import { describe, expect, it } from "vitest";
import { AGGR_NAMES } from "../../src/chunkenc/aggr.js";
import { decodeXor, Encoding, encodeXor } from "../../src/chunkenc/index.js";
import { wordsOf } from "../../src/chunkenc/floatbits.js";
import { expandChunk, SampleList } from "../../src/downsample/aggregator.js";
import { downsampleAggrChunks } from "../../src/downsample/aggr_level.js";
import { downsampleRaw } from "../../src/downsample/raw.js";
import { downsampleRawWindow } from "../../src/downsample/series.js";
import { RES_1H, RES_5M, type AggrChunk } from "../../src/downsample/types.js";
import { Rng } from "../../tools/prng.js";
import { refAggr, refExpand, refRaw, type P, type RawChunk, type RefChunk } from "./reference.js";

const T0 = Date.UTC(2024, 0, 1);

function setStale(v: Float64Array, i: number): void {
  const w = wordsOf(v);
  // little-endian words: low then high
  w[2 * i] = 0x00000002;
  w[2 * i + 1] = 0x7ff00000;
}

function setBits(v: Float64Array, i: number, hi: number, lo: number): void {
  const w = wordsOf(v);
  w[2 * i] = lo;
  w[2 * i + 1] = hi;
}

/** A raw series as Prometheus would chunk it (120 samples per chunk). */
function genSeries(seed: number, span: number, kind: "counter" | "gauge"): RawChunk[] {
  const rng = new Rng(seed, kind === "counter" ? 1 : 2);
  const ts: number[] = [];
  const vs: number[] = [];
  const stale: number[] = [];
  const otherNaN: number[] = [];
  let t = T0 + rng.int(90_000);
  let v = rng.range(0, 1000);
  while (t < T0 + span) {
    const r = rng.next();
    if (r < 0.02) {
      t += rng.int(3_600_000); // gap of up to an hour
    } else if (r < 0.04) {
      stale.push(ts.length); // staleness marker, then a gap
      ts.push(t);
      vs.push(0);
      t += rng.int(1_800_000);
      continue;
    }
    if (kind === "counter") v = rng.next() < 0.03 ? rng.range(0, 5) : v + rng.range(0, 20);
    else v = rng.normal() * 100;
    if (rng.next() < 0.01) {
      vs.push(Number.NaN);
      if (rng.next() < 0.5) otherNaN.push(ts.length);
    } else vs.push(rng.next() < 0.01 ? -0 : v);
    ts.push(t);
    t += 1_000 + rng.int(rng.next() < 0.5 ? 15_000 : 120_000); // irregular intervals
  }
  const chunks: RawChunk[] = [];
  for (let i = 0; i < ts.length; i += 120) {
    const tt = Float64Array.from(ts.slice(i, i + 120));
    const vv = Float64Array.from(vs.slice(i, i + 120));
    for (const k of stale) if (k >= i && k < i + 120) setStale(vv, k - i);
    // A NaN that is not the staleness marker (one payload bit off): kept as a plain NaN.
    for (const k of otherNaN) if (k >= i && k < i + 120) setBits(vv, k - i, 0x7ff00000, 0x00000003);
    chunks.push({ t: tt, v: vv });
  }
  return chunks;
}

function toXor(chunks: RawChunk[]): { encoding: number; data: Uint8Array }[] {
  return chunks.map((c) => ({ encoding: Encoding.XOR, data: encodeXor(c.t, c.v, 0, c.t.length) }));
}

function decoded(c: AggrChunk): RefChunk {
  const get = (i: number): P[] => {
    const s = c.subs[i];
    if (!s) return [];
    expect(s.encoding).toBe(Encoding.XOR);
    const f = decodeXor(s.data);
    return Array.from({ length: f.n }, (_, k) => ({ t: f.t[k]!, v: f.v[k]! }));
  };
  return { minTime: c.minTime, maxTime: c.maxTime, count: get(0), sum: get(1), min: get(2), max: get(3), counter: get(4) };
}

function same(a: number, b: number): boolean {
  return (Number.isNaN(a) && Number.isNaN(b)) || Object.is(a, b);
}

function expectSameChunks(got: RefChunk[], want: RefChunk[], what: string): void {
  expect(got.length, `${what}: chunk count`).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    expect([g.minTime, g.maxTime], `${what}: chunk ${i} range`).toEqual([w.minTime, w.maxTime]);
    for (const a of AGGR_NAMES) {
      const ga = g[a];
      const wa = w[a];
      expect(ga.map((p) => p.t), `${what}: chunk ${i} ${a} timestamps`).toEqual(wa.map((p) => p.t));
      ga.forEach((p, k) => {
        if (!same(p.v, wa[k]!.v)) expect.fail(`${what}: chunk ${i} ${a} sample ${k} at ${p.t}: got ${p.v}, want ${wa[k]!.v}`);
      });
    }
  });
}

describe("downsampling matches the reference", () => {
  const cases: [string, number, "counter" | "gauge"][] = [];
  for (let seed = 1; seed <= 40; seed++) cases.push([`seed ${seed}`, seed, seed % 3 === 0 ? "gauge" : "counter"]);

  it.each(cases)("%s: 5m from raw and 1h from 5m, every aggregate", (_, seed, kind) => {
    // Windows of 8h and 24h, as a unit's column windows would be.
    for (const span of [8 * 3_600_000, 24 * 3_600_000]) {
      const raw = genSeries(seed * 7 + span, span, kind);
      const five = downsampleRawWindow(toXor(raw));
      const ref5 = refRaw(refExpand(raw), RES_5M);
      expect(ref5.length).toBeGreaterThan(0);
      expectSameChunks(five.map(decoded), ref5, `5m span ${span}`);
      const hour = downsampleAggrChunks(five, RES_5M, RES_1H);
      expectSameChunks(hour.map(decoded), refAggr(ref5, RES_5M, RES_1H), `1h span ${span}`);
    }
  });

  it("cuts long, dense ranges into several chunks of at most about 140 points", () => {
    // 24h at 15s: 288 windows, so Thanos' sizing cuts 3 chunks.
    const n = (24 * 3_600_000) / 15_000;
    const raw: RawChunk = { t: Float64Array.from({ length: n }, (_, i) => T0 + i * 15_000), v: Float64Array.from({ length: n }, (_, i) => i) };
    const five = downsampleRawWindow(toXor([raw]));
    expectSameChunks(five.map(decoded), refRaw(refExpand([raw]), RES_5M), "dense");
    expect(five.length).toBe(3);
    for (const c of five) expect(decoded(c).count.length).toBeLessThanOrEqual(140);
  });
});

describe("hand-computed cases", () => {
  const s = (t: number, v: number): P => ({ t, v });

  it("5m: windows, capped last point, counter reset, first/last raw counter values", () => {
    const raw: RawChunk = { t: Float64Array.from([0, 60_000, 120_000, 300_000, 360_000].map((d) => T0 + d)), v: Float64Array.from([10, 20, 5, 7, 9]) };
    const [c, ...rest] = downsampleRawWindow(toXor([raw])).map(decoded);
    expect(rest).toEqual([]);
    const w1 = T0 + 299_999;
    const w2 = T0 + 360_000; // the window ends at T0+599999, capped at the last sample
    expect([c!.minTime, c!.maxTime]).toEqual([w1, w2]);
    expect(c!.count).toEqual([s(w1, 3), s(w2, 2)]);
    expect(c!.sum).toEqual([s(w1, 35), s(w2, 16)]);
    expect(c!.min).toEqual([s(w1, 5), s(w2, 7)]);
    expect(c!.max).toEqual([s(w1, 20), s(w2, 9)]);
    // 10, +10, reset adds 5 -> 25; +2, +2 -> 29; then the last raw value 9 at the last point.
    expect(c!.counter).toEqual([s(T0, 10), s(w1, 25), s(w2, 29), s(w2, 9)]);

    const [h] = downsampleAggrChunks(downsampleRawWindow(toXor([raw])), RES_5M, RES_1H).map(decoded);
    expect(h!.count).toEqual([s(w2, 5)]);
    expect(h!.sum).toEqual([s(w2, 51)]);
    expect(h!.min).toEqual([s(w2, 5)]);
    expect(h!.max).toEqual([s(w2, 20)]);
    expect(h!.counter).toEqual([s(T0, 10), s(w2, 29), s(w2, 9)]);
  });

  it("a reset between two 5m chunks is seen through the counters' first and last raw values", () => {
    const mk = (t: number[], v: number[]): AggrChunk => downsampleRaw(run(t, v), RES_5M)[0]!;
    // Chunk 1 ends at raw 100; chunk 2 starts at raw 3: a reset of 3.
    const a = mk([T0, T0 + 60_000], [90, 100]);
    const b = mk([T0 + 600_000, T0 + 660_000], [3, 4]);
    const [h] = downsampleAggrChunks([a, b], RES_5M, RES_1H).map(decoded);
    // 90 -> 100 (+10), reset: +3, +1 -> 104.
    expect(h!.counter).toEqual([s(T0, 90), s(T0 + 660_000, 104), s(T0 + 660_000, 4)]);
  });

  it("skips staleness markers by their exact bits; other NaNs only count for chunk sizing", () => {
    const t = Float64Array.from([T0, T0 + 1000, T0 + 2000, T0 + 3000]);
    const v = Float64Array.from([1, 0, 0, 4]);
    setStale(v, 1);
    setBits(v, 2, 0x7ff00000, 0x00000003);
    const out = new SampleList();
    expandChunk({ n: 4, t, v }, out);
    expect(Array.from(out.t.subarray(0, out.n))).toEqual([T0, T0 + 2000, T0 + 3000]);
    const [c] = downsampleRaw(out, RES_5M).map(decoded);
    expect(c!.count).toEqual([s(T0 + 3000, 2)]);
    expect(c!.sum).toEqual([s(T0 + 3000, 5)]);
  });

  it("drops samples before the epoch and out of order, as Thanos' chunk expansion does", () => {
    const out = new SampleList();
    expandChunk({ n: 4, t: Float64Array.from([-5, 10, 5, 20]), v: Float64Array.from([1, 2, 3, 4]) }, out);
    expect(Array.from(out.t.subarray(0, out.n))).toEqual([10, 20]);
  });
});

function run(t: number[], v: number[]): SampleList {
  const l = new SampleList();
  t.forEach((x, i) => l.push(x, v[i]!));
  return l;
}
