// Native histograms and float samples of block-native-histograms, compared at
// the decoded-sample level: every sample read back from the converted units
// (discoverUnits + scanShard + chunkenc decoders) must equal the same series
// read from the source block, bit for bit, including the StaleNaN markers.
// Once with chunks passed through, once with 1m windows that cut every
// histogram chunk and force re-encoding.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decodeFloatHistogram,
  decodeHistogram,
  decodeXor,
  Encoding,
  FloatHistogramEncoder,
  HistogramEncoder,
  histogramChunkHeader,
  type FloatHistogramSample,
  type HistogramSample,
} from "../../src/chunkenc/index.js";
import { rechunkSeries, type RechunkStats } from "../../src/convert/rechunk.js";
import { formatLabels } from "../../src/model/labels.js";
import type { Block } from "../../src/tsdb/block.js";
import { openLocalBlocks } from "../../src/tsdb/open.js";
import { readSeriesData, selectSeries, type AnyHistogram, type SeriesPart } from "../../src/tsdb/querier.js";
import { newTestBucket } from "../helpers/buckets.js";
import { convertOk, fx, readConverted, type ConvertedSeries } from "../helpers/convert.js";

const MIN = Number.MIN_SAFE_INTEGER;
const MAX = Number.MAX_SAFE_INTEGER;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Raw bits of a float, as hex: tells NaN payloads and -0 apart. */
function bits(v: number): string {
  f64[0] = v;
  return u32[1]!.toString(16).padStart(8, "0") + u32[0]!.toString(16).padStart(8, "0");
}
const STALE_BITS = "7ff0000000000002";

interface Decoded {
  floats: { t: number; bits: string }[];
  histograms: AnyHistogram[];
  /** Index into histograms of the first sample of each converted chunk. */
  chunkStarts: Set<number>;
}

function decodeConverted(rows: ConvertedSeries[]): Decoded {
  const out: Decoded = { floats: [], histograms: [], chunkStarts: new Set() };
  const chunks = rows.flatMap((r) => r.chunks).sort((a, b) => a.minTime - b.minTime);
  for (const c of chunks) {
    if (c.encoding === Encoding.XOR) {
      const fs = decodeXor(c.data);
      expect(fs.n).toBeGreaterThan(0);
      expect([fs.t[0], fs.t[fs.n - 1]]).toEqual([c.minTime, c.maxTime]);
      for (let i = 0; i < fs.n; i++) out.floats.push({ t: fs.t[i]!, bits: bits(fs.v[i]!) });
    } else {
      const hs: AnyHistogram[] = c.encoding === Encoding.Histogram ? decodeHistogram(c.data) : decodeFloatHistogram(c.data);
      expect(c.encoding === Encoding.Histogram || c.encoding === Encoding.FloatHistogram).toBe(true);
      expect([hs[0]!.t, hs[hs.length - 1]!.t]).toEqual([c.minTime, c.maxTime]);
      out.chunkStarts.add(out.histograms.length);
      out.histograms.push(...hs);
    }
  }
  return out;
}

/** Everything a histogram sample carries except the counter reset hint, floats as bits. */
function histView(h: AnyHistogram): Record<string, unknown> {
  const common = {
    t: h.t,
    stale: h.stale,
    schema: h.schema,
    zeroThreshold: bits(h.zeroThreshold),
    zeroCount: bits(h.zeroCount),
    count: bits(h.count),
    sum: bits(h.sum),
    positiveSpans: h.positiveSpans.map((s) => [s.offset, s.length]),
    negativeSpans: h.negativeSpans.map((s) => [s.offset, s.length]),
  };
  if ("positiveDeltas" in h) {
    const i = h as HistogramSample;
    return { ...common, kind: "int", positiveDeltas: [...i.positiveDeltas], negativeDeltas: [...i.negativeDeltas] };
  }
  const f = h as FloatHistogramSample;
  return { ...common, kind: "float", positiveCounts: f.positiveCounts.map(bits), negativeCounts: f.negativeCounts.map(bits) };
}

let blocks: Block[];
beforeAll(async () => {
  blocks = await openLocalBlocks(fx("block-native-histograms"));
});
afterAll(async () => {
  await Promise.all((blocks ?? []).map((b) => b.close()));
});

describe("native histograms: decoded samples equal the source", () => {
  const cases: [string, string[], (chunks: number) => void][] = [
    ["chunks passed through (8h windows)", [], (chunks) => expect(chunks).toBe(20)],
    // 1m windows cut the 2-minute source chunks: histogram chunks are decoded, clipped and re-encoded.
    ["chunks re-encoded at 1m window edges", ["--partition", "2h", "--chunks.column-duration", "1m"], (chunks) => expect(chunks).toBeGreaterThan(40)],
  ];
  for (const [name, args, checkChunks] of cases) {
    it(name, async () => {
      const b = await newTestBucket("FILESYSTEM");
      const bucket = b.open();
      try {
        await convertOk(b, fx("block-native-histograms"), args);
        const conv = await readConverted(bucket);
        let series = 0;
        let floats = 0;
        let stale = 0;
        let histograms = 0;
        let chunks = 0;
        let hintChecked = 0;
        for await (const s of selectSeries(blocks, [], MIN, MAX)) {
          const key = formatLabels(s.labels);
          const rows = conv.get(key);
          expect(rows, `converted series ${key}`).toBeDefined();
          expect(rows!.length, `one row for ${key}`).toBe(1);
          conv.delete(key);
          series++;
          chunks += rows![0]!.chunks.length;
          const want = await readSeriesData(s, MIN, MAX);
          const got = decodeConverted(rows!);

          const wantFloats = Array.from({ length: want.floats.n }, (_, i) => ({ t: want.floats.t[i]!, bits: bits(want.floats.v[i]!) }));
          expect(got.floats.length, `float samples of ${key}`).toBe(wantFloats.length);
          for (let i = 0; i < wantFloats.length; i++) {
            expect(got.floats[i], `${key} float sample ${i}`).toEqual(wantFloats[i]);
            if (wantFloats[i]!.bits === STALE_BITS) stale++;
          }
          floats += wantFloats.length;

          expect(got.histograms.length, `histogram samples of ${key}`).toBe(want.histograms.length);
          for (let i = 0; i < want.histograms.length; i++) {
            const w = want.histograms[i]!;
            const g = got.histograms[i]!;
            expect(histView(g), `${key} histogram sample ${i} at ${w.t}`).toEqual(histView(w));
            // Hints must match, except that a chunk the converter starts
            // mid-way through a source chunk may say "unknown" where the
            // source implied "not_reset". A reset or gauge hint is never lost.
            if (!(got.chunkStarts.has(i) && g.counterResetHint === "unknown" && w.counterResetHint === "not_reset")) {
              expect(g.counterResetHint, `${key} hint of histogram sample ${i} at ${w.t}`).toBe(w.counterResetHint);
              hintChecked++;
            }
          }
          histograms += want.histograms.length;
        }
        expect([...conv.keys()], "converted series absent from the source").toEqual([]);
        expect({ series, floats, histograms, stale }).toEqual({ series: 10, floats: 1459, histograms: 675, stale: 4 });
        expect(hintChecked).toBeGreaterThan(600);
        checkChunks(chunks);
      } finally {
        await bucket.close();
        b.cleanup();
      }
    });
  }
});

// The fixture has no gauge histograms (promtool cannot backfill any), so this
// one drives rechunkSeries directly with a synthetic gauge chunk cut by windows.
describe("gauge histograms stay gauges when re-encoded", () => {
  const gauge = (t: number, i: number): HistogramSample => ({
    t,
    counterResetHint: "gauge",
    schema: 1,
    zeroThreshold: 0.001,
    zeroCount: 1,
    count: 1 + (i % 3) + 2,
    sum: 10 - i,
    stale: false,
    positiveSpans: [{ offset: 0, length: 2 }],
    negativeSpans: [],
    positiveDeltas: [i % 3, 2 - (i % 3)],
    negativeDeltas: [],
  });
  const fgauge = (t: number, i: number): FloatHistogramSample => {
    const { positiveDeltas: _p, negativeDeltas: _n, ...rest } = gauge(t, i);
    return { ...rest, positiveCounts: [i % 3, 2], negativeCounts: [] };
  };

  for (const float of [false, true]) {
    it(float ? "float histogram chunk" : "integer histogram chunk", async () => {
      const enc = float ? new FloatHistogramEncoder() : new HistogramEncoder();
      const ts = Array.from({ length: 30 }, (_, i) => 1_000 + i * 10_000); // 5 minutes, 10s apart
      ts.forEach((t, i) => (float ? (enc as FloatHistogramEncoder).append(fgauge(t, i)) : (enc as HistogramEncoder).append(gauge(t, i))));
      const data = enc.bytes();
      expect(histogramChunkHeader(data)).toBe("gauge");
      const encoding = float ? Encoding.FloatHistogram : Encoding.Histogram;
      const block = { source: { location: "mem" }, deleted: () => undefined, chunk: async () => ({ encoding, data }) } as unknown as Block;
      const part: SeriesPart = { block, entry: { ref: 1, labels: [], chunks: [{ ref: 8, minTime: ts[0]!, maxTime: ts[ts.length - 1]! }] } };
      const stats: RechunkStats = { passthrough: 0, reencoded: 0 };
      const perWindow = await rechunkSeries([part], { start: 0, durationMs: 60_000, count: 6, end: 360_000 }, stats);
      expect(stats).toEqual({ passthrough: 0, reencoded: 5 });
      const out = perWindow.flat();
      expect(out.length).toBe(5);
      const decoded = out.flatMap((c): AnyHistogram[] => (float ? decodeFloatHistogram(c.data) : decodeHistogram(c.data)));
      expect(decoded.map((h) => h.t)).toEqual(ts);
      for (const c of out) expect(histogramChunkHeader(c.data)).toBe("gauge");
      expect(new Set(decoded.map((h) => h.counterResetHint))).toEqual(new Set(["gauge"]));
    });
  }
});
