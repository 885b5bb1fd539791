// A Queryable over the project's Store: decodes the XOR chunks of each
// series, merges them in time order (dropping duplicate timestamps, as the
// Prometheus merge querier does) and trims to [mint, maxt].

import { decodeFloatHistogram, decodeHistogram, decodeXor, Encoding, type FloatHistogramSample, type FloatSamples, type HistogramSample } from "../chunkenc/index.js";
import { wordsOf } from "../chunkenc/floatbits.js";
import type { Matcher } from "../model/matchers.js";
import type { Store, StoreChunk } from "../store/api.js";
import type { Queryable, SelectHints, SelectResult, Series } from "./storage.js";

export function storeQueryable(store: Store): Queryable {
  return {
    async select(mint: number, maxt: number, matchers: readonly Matcher[], _hints: SelectHints, signal?: AbortSignal): Promise<SelectResult> {
      const res = await store.select({ minTime: mint, maxTime: maxt, matchers: [...matchers], ...(signal ? { signal } : {}) });
      const series: Series[] = [];
      const scratch: FloatSamples = { n: 0, t: new Float64Array(128), v: new Float64Array(128) };
      for await (const s of res.series) {
        signal?.throwIfAborted();
        const floats = mergeChunks(s.chunks, mint, maxt, scratch);
        const histograms = histogramSamples(s.chunks, mint, maxt);
        if (floats.n === 0 && histograms.length === 0) continue;
        series.push(histograms.length > 0 ? { labels: s.labels, floats, histograms } : { labels: s.labels, floats });
      }
      return { series, warnings: res.warnings };
    },
  };
}

/** Decodes XOR chunks into one sample list within [mint, maxt], sorted, unique timestamps. */
export function mergeChunks(chunks: readonly StoreChunk[], mint: number, maxt: number, scratch: FloatSamples): FloatSamples {
  let t: Float64Array = new Float64Array(256);
  let v: Float64Array = new Float64Array(256);
  let n = 0;
  let sorted = true;
  const sorter = [...chunks].sort((a, b) => a.minTime - b.minTime);
  for (const c of sorter) {
    if (c.encoding !== Encoding.XOR || c.maxTime < mint || c.minTime > maxt) continue;
    const fs = decodeXor(c.data, scratch);
    if (n + fs.n > t.length) {
      const cap = Math.max(t.length * 2, n + fs.n);
      t = grow(t, cap);
      v = grow(v, cap);
    }
    // Copy the raw bits: staleness markers are NaNs that must keep their payload.
    const dst = wordsOf(v);
    const src = wordsOf(fs.v);
    for (let i = 0; i < fs.n; i++) {
      const ts = fs.t[i]!;
      if (ts < mint || ts > maxt) continue;
      if (n > 0 && ts <= t[n - 1]!) {
        if (ts === t[n - 1]!) continue;
        sorted = false;
      }
      t[n] = ts;
      dst[2 * n] = src[2 * i]!;
      dst[2 * n + 1] = src[2 * i + 1]!;
      n++;
    }
  }
  return sorted ? { n, t, v } : sortUnique(t, v, n);
}

/** Native histogram samples in [mint, maxt], time-ordered, first of a timestamp kept. */
function histogramSamples(chunks: readonly StoreChunk[], mint: number, maxt: number): (HistogramSample | FloatHistogramSample)[] {
  const out: (HistogramSample | FloatHistogramSample)[] = [];
  for (const c of chunks) {
    if (c.maxTime < mint || c.minTime > maxt) continue;
    if (c.encoding === Encoding.Histogram) out.push(...decodeHistogram(c.data));
    else if (c.encoding === Encoding.FloatHistogram) out.push(...decodeFloatHistogram(c.data));
  }
  const seen = new Set<number>();
  return out
    .filter((h) => h.t >= mint && h.t <= maxt)
    .sort((a, b) => a.t - b.t)
    .filter((h) => !seen.has(h.t) && (seen.add(h.t), true));
}

function grow(a: Float64Array, cap: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}

/** Overlapping chunks: stable sort by time, first sample of a timestamp wins. */
function sortUnique(t: Float64Array, v: Float64Array, n: number): FloatSamples {
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => t[a]! - t[b]! || a - b);
  const ot = new Float64Array(n);
  const ov = new Float64Array(n);
  const src = wordsOf(v);
  const dst = wordsOf(ov);
  let m = 0;
  for (const i of idx) {
    if (m > 0 && ot[m - 1] === t[i]) continue;
    ot[m] = t[i]!;
    dst[2 * m] = src[2 * i]!;
    dst[2 * m + 1] = src[2 * i + 1]!;
    m++;
  }
  return { n: m, t: ot, v: ov };
}
