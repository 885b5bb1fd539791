// Reads series and samples across one or more blocks: series from all blocks
// are merged in label order, and their samples merged by timestamp with
// duplicates dropped, the way Prometheus' merge querier reads overlapping
// blocks. Tombstones and the [mint, maxt] range (inclusive) are applied.

import { decodeFloatHistogram, decodeHistogram, decodeXor, Encoding } from "../chunkenc/index.js";
import type { FloatHistogramSample, FloatSamples, HistogramSample } from "../chunkenc/types.js";
import { compareLabels, type Labels } from "../model/labels.js";
import type { Matcher } from "../model/matchers.js";
import type { Block } from "./block.js";
import { CorruptBlockError } from "./errors.js";
import type { SeriesEntry } from "./index_reader.js";
import { coversRange, isDeleted } from "./tombstones.js";

export interface SeriesPart {
  block: Block;
  entry: SeriesEntry;
}

export interface MergedSeries {
  labels: Labels;
  parts: SeriesPart[];
}

export type AnyHistogram = HistogramSample | FloatHistogramSample;

export interface SeriesData {
  floats: FloatSamples;
  histograms: AnyHistogram[];
}

/** Series matching `matchers` with at least one chunk overlapping [mint, maxt], in label order. */
export async function* selectSeries(blocks: readonly Block[], matchers: readonly Matcher[], mint: number, maxt: number): AsyncGenerator<MergedSeries> {
  const its: AsyncIterator<SeriesEntry>[] = [];
  const heads: (SeriesPart | undefined)[] = [];
  for (const b of blocks) {
    if (b.meta.maxTime <= mint || b.meta.minTime > maxt) continue;
    const it = b.series(await b.postings(matchers))[Symbol.asyncIterator]();
    its.push(it);
    heads.push(await nextInRange(b, it, mint, maxt));
  }
  for (;;) {
    let min: Labels | undefined;
    for (const h of heads) if (h && (!min || compareLabels(h.entry.labels, min) < 0)) min = h.entry.labels;
    if (!min) return;
    const parts: SeriesPart[] = [];
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h && compareLabels(h.entry.labels, min) === 0) {
        parts.push(h);
        heads[i] = await nextInRange(h.block, its[i]!, mint, maxt);
      }
    }
    yield { labels: min, parts };
  }
}

async function nextInRange(block: Block, it: AsyncIterator<SeriesEntry>, mint: number, maxt: number): Promise<SeriesPart | undefined> {
  for (;;) {
    const r = await it.next();
    if (r.done) return undefined;
    if (hasDataInRange(block, r.value, mint, maxt)) return { block, entry: r.value };
  }
}

/** True when the series has a chunk overlapping [mint, maxt] that tombstones do not fully delete. */
export function hasDataInRange(block: Block, e: SeriesEntry, mint: number, maxt: number): boolean {
  const tomb = block.deleted(e.ref);
  return e.chunks.some((c) => c.maxTime >= mint && c.minTime <= maxt && !coversRange(c.minTime, c.maxTime, tomb));
}

/** Decodes a merged series' samples within [mint, maxt], tombstones applied. */
export async function readSeriesData(s: MergedSeries, mint: number, maxt: number): Promise<SeriesData> {
  const lists: SeriesData[] = [];
  for (const p of s.parts) lists.push(await readPart(p, mint, maxt));
  if (lists.length === 1) return lists[0]!;
  return mergeData(lists);
}

async function readPart(p: SeriesPart, mint: number, maxt: number): Promise<SeriesData> {
  const tomb = p.block.deleted(p.entry.ref);
  let t: Float64Array = new Float64Array(256);
  let v: Float64Array = new Float64Array(256);
  let n = 0;
  const histograms: AnyHistogram[] = [];
  const scratch: FloatSamples = { n: 0, t: new Float64Array(128), v: new Float64Array(128) };
  for (const c of p.entry.chunks) {
    if (c.maxTime < mint || c.minTime > maxt) continue;
    const raw = await p.block.chunk(c.ref);
    const where = (): string => `${p.block.source.location} series ${p.entry.ref} chunk ${c.ref}`;
    if (raw.encoding === Encoding.XOR) {
      let fs: FloatSamples;
      try {
        fs = decodeXor(raw.data, scratch);
      } catch (e) {
        throw new CorruptBlockError(where(), c.ref % 0x100000000, (e as Error).message, { cause: e });
      }
      if (n + fs.n > t.length) {
        const cap = Math.max(t.length * 2, n + fs.n);
        t = grow(t, cap);
        v = grow(v, cap);
      }
      const tv = new Uint32Array(v.buffer);
      const sv = new Uint32Array(fs.v.buffer, fs.v.byteOffset, fs.v.length * 2);
      for (let i = 0; i < fs.n; i++) {
        const ts = fs.t[i]!;
        if (ts < mint || ts > maxt || isDeleted(ts, tomb)) continue;
        t[n] = ts;
        // Copy raw bits so NaN payloads (staleness markers) survive.
        tv[2 * n] = sv[2 * i]!;
        tv[2 * n + 1] = sv[2 * i + 1]!;
        n++;
      }
    } else if (raw.encoding === Encoding.Histogram || raw.encoding === Encoding.FloatHistogram) {
      let hs: AnyHistogram[];
      try {
        hs = raw.encoding === Encoding.Histogram ? decodeHistogram(raw.data) : decodeFloatHistogram(raw.data);
      } catch (e) {
        throw new CorruptBlockError(where(), c.ref % 0x100000000, (e as Error).message, { cause: e });
      }
      for (const h of hs) if (h.t >= mint && h.t <= maxt && !isDeleted(h.t, tomb)) histograms.push(h);
    } else {
      // 0xff is Thanos' downsampled AggrChunk: valid, but aggregates rather than samples (see src/chunkenc/aggr.ts).
      const what = raw.encoding === 0xff ? "a Thanos downsampled chunk (encoding 0xff), which holds aggregates, not raw samples" : `unknown chunk encoding ${raw.encoding}`;
      throw new CorruptBlockError(where(), c.ref % 0x100000000, what);
    }
  }
  return { floats: { n, t, v }, histograms };
}

function grow(a: Float64Array, cap: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}

/** Merges per-block sample lists by timestamp; on equal timestamps the first block wins. */
function mergeData(lists: SeriesData[]): SeriesData {
  let total = 0;
  for (const l of lists) total += l.floats.n;
  const t = new Float64Array(total);
  const v = new Float64Array(total);
  const out = new Uint32Array(v.buffer);
  const idx = new Array<number>(lists.length).fill(0);
  let n = 0;
  for (;;) {
    let best = -1;
    let bt = Infinity;
    for (let k = 0; k < lists.length; k++) {
      const f = lists[k]!.floats;
      if (idx[k]! < f.n && f.t[idx[k]!]! < bt) {
        bt = f.t[idx[k]!]!;
        best = k;
      }
    }
    if (best < 0) break;
    const f = lists[best]!.floats;
    const src = new Uint32Array(f.v.buffer, f.v.byteOffset, f.v.length * 2);
    const i = idx[best]!;
    t[n] = bt;
    out[2 * n] = src[2 * i]!;
    out[2 * n + 1] = src[2 * i + 1]!;
    n++;
    for (let k = 0; k < lists.length; k++) {
      const fk = lists[k]!.floats;
      while (idx[k]! < fk.n && fk.t[idx[k]!] === bt) idx[k]!++;
    }
  }
  const hs: AnyHistogram[] = [];
  const seen = new Set<number>();
  for (const l of lists) for (const h of l.histograms) if (!seen.has(h.t)) (seen.add(h.t), hs.push(h));
  hs.sort((a, b) => a.t - b.t);
  return { floats: { n, t, v }, histograms: hs };
}
