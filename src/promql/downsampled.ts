// Reading downsampled data the way the Thanos querier does (pkg/query/iter.go):
// with one aggregate requested, each chunk's aggregate (or its raw data,
// for parts the store answered raw) — COUNTER through the counter-reset
// iterator; with COUNT and SUM, raw data where present and sum/count
// otherwise. The result is handed on as plain XOR chunks, so the PromQL
// Queryable over the store reads it like raw data. Chunks are taken in time
// order and a sample not after the previous one is skipped, as Thanos'
// chunk series iterator does.

import { decodeXor, encodeXor, Encoding, type FloatSamples } from "../chunkenc/index.js";
import { wordsOf } from "../chunkenc/floatbits.js";
import { SampleList } from "../downsample/aggregator.js";
import { applyCounterResets } from "../downsample/counter.js";
import { StoreError, type Aggr, type StoreChunk, type StoreSeries } from "../store/api.js";

/** XOR chunks carry a uint16 sample count; keep re-encoded chunks well below it. */
const SAMPLES_PER_CHUNK = 4096;

interface Piece {
  minTime: number;
  samples: FloatSamples;
}

/** The series with its aggregate chunks turned into float XOR chunks; series without them unchanged. */
export function aggregatesAsRaw(s: StoreSeries, aggrs: readonly Aggr[]): StoreSeries {
  if (!s.aggrChunks || s.aggrChunks.length === 0) return s;
  const single = aggrs.length === 1 ? aggrs[0]! : undefined;
  const average = aggrs.length === 2 && aggrs.includes("count") && aggrs.includes("sum");
  if (!single && !average) throw new StoreError("internal", `unexpected result aggregate type [${aggrs.join(" ")}]`);
  const pieces: Piece[] = [];
  const keep: StoreChunk[] = [];
  for (const c of s.chunks) {
    if (c.encoding === Encoding.XOR) pieces.push({ minTime: c.minTime, samples: decodeXor(c.data) });
    else keep.push(c); // native histograms: read as they are
  }
  for (const ac of s.aggrChunks) {
    if (single) {
      const c = ac.aggrs[single];
      // Histogram aggregates are not read by this engine.
      if (c && c.encoding === Encoding.XOR) pieces.push({ minTime: ac.minTime, samples: decodeXor(c.data) });
      continue;
    }
    const cnt = ac.aggrs.count;
    const sum = ac.aggrs.sum;
    if (!cnt || !sum || cnt.encoding !== Encoding.XOR || sum.encoding !== Encoding.XOR) continue;
    pieces.push({ minTime: ac.minTime, samples: averageOf(decodeXor(cnt.data), decodeXor(sum.data)) });
  }
  pieces.sort((a, b) => a.minTime - b.minTime);
  const merged = single === "counter" ? applyCounterResets(pieces.map((p) => p.samples)).samples : concat(pieces);
  return { labels: s.labels, chunks: [...keep, ...toXorChunks(merged)] };
}

/** downsample.AverageChunkIterator: sum/count at timestamps that must line up. */
function averageOf(cnt: FloatSamples, sum: FloatSamples): FloatSamples {
  if (cnt.n !== sum.n) throw new StoreError("internal", "sum and count iterator not aligned");
  const out = new SampleList(cnt.n);
  for (let i = 0; i < cnt.n; i++) {
    if (cnt.t[i] !== sum.t[i]) throw new StoreError("internal", "sum and count timestamps not aligned");
    out.push(cnt.t[i]!, sum.v[i]! / cnt.v[i]!);
  }
  return out;
}

/** Chunks in order, skipping overlaps (a sample not after the last one taken); value bits kept. */
function concat(pieces: readonly Piece[]): FloatSamples {
  const out = new SampleList();
  let lastT = -Infinity;
  for (const p of pieces) {
    const words = wordsOf(p.samples.v);
    for (let i = 0; i < p.samples.n; i++) {
      const t = p.samples.t[i]!;
      if (t <= lastT) continue;
      out.pushFrom(p.samples, words, i);
      lastT = t;
    }
  }
  return out;
}

function toXorChunks(s: FloatSamples): StoreChunk[] {
  const out: StoreChunk[] = [];
  for (let from = 0; from < s.n; from += SAMPLES_PER_CHUNK) {
    const to = Math.min(s.n, from + SAMPLES_PER_CHUNK);
    out.push({ minTime: s.t[from]!, maxTime: s.t[to - 1]!, encoding: Encoding.XOR, data: encodeXor(s.t, s.v, from, to) });
  }
  return out;
}
