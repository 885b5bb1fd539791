// Turns a series' source chunks into the chunks of each column window.
// A chunk that lies inside one window, overlaps no other chunk and is not
// touched by a tombstone is passed through byte for byte. Everything else —
// chunks crossing a window edge, overlapping chunks from several blocks,
// tombstoned chunks — is decoded, clipped, merged by timestamp (duplicates
// dropped, first block wins, as in vertical compaction) and re-encoded:
// XOR chunks of at most 120 samples, histogram chunks cut like Prometheus.

import {
  chunkNumSamples,
  decodeFloatHistogram,
  decodeHistogram,
  decodeXor,
  Encoding,
  encodeXor,
  FloatHistogramEncoder,
  histogramChunkHeader,
  HistogramEncoder,
  type CounterResetHint,
  type FloatHistogramSample,
  type FloatSamples,
  type HistogramSample,
} from "../chunkenc/index.js";
import { CorruptBlockError } from "../tsdb/errors.js";
import type { ChunkMeta } from "../tsdb/index_reader.js";
import type { SeriesPart } from "../tsdb/querier.js";
import type { Interval } from "../tsdb/tombstones.js";

export const MAX_SAMPLES_PER_CHUNK = 120;

export interface OutChunk {
  encoding: number;
  minTime: number;
  maxTime: number;
  data: Uint8Array;
  samples: number;
}

export interface Windows {
  start: number;
  durationMs: number;
  count: number;
  /** Partition end (exclusive): the last window is clipped to it. */
  end: number;
}

export interface RechunkStats {
  passthrough: number;
  reencoded: number;
}

interface Item {
  partIndex: number;
  part: SeriesPart;
  meta: ChunkMeta;
}

/** Per window, the series' chunks in time order. */
export async function rechunkSeries(parts: readonly SeriesPart[], w: Windows, stats: RechunkStats): Promise<OutChunk[][]> {
  const out: OutChunk[][] = [];
  for (let i = 0; i < w.count; i++) {
    const ws = w.start + i * w.durationMs;
    const we = Math.min(ws + w.durationMs, w.end) - 1; // inclusive
    const items: Item[] = [];
    parts.forEach((part, partIndex) => {
      for (const meta of part.entry.chunks) if (meta.maxTime >= ws && meta.minTime <= we) items.push({ partIndex, part, meta });
    });
    items.sort((a, b) => a.meta.minTime - b.meta.minTime || a.meta.maxTime - b.meta.maxTime || a.partIndex - b.partIndex);
    const chunks: OutChunk[] = [];
    for (let k = 0; k < items.length; ) {
      let end = items[k]!.meta.maxTime;
      let j = k + 1;
      while (j < items.length && items[j]!.meta.minTime <= end) end = Math.max(end, items[j++]!.meta.maxTime);
      await emitCluster(items.slice(k, j), ws, we, chunks, stats);
      k = j;
    }
    out.push(chunks);
  }
  return out;
}

async function emitCluster(cluster: Item[], ws: number, we: number, out: OutChunk[], stats: RechunkStats): Promise<void> {
  if (cluster.length === 1) {
    const { part, meta } = cluster[0]!;
    const tomb = part.block.deleted(part.entry.ref);
    if (meta.minTime >= ws && meta.maxTime <= we && !touches(meta, tomb)) {
      const raw = await readChunk(cluster[0]!);
      out.push({ encoding: raw.encoding, minTime: meta.minTime, maxTime: meta.maxTime, data: raw.data, samples: chunkNumSamples(raw.encoding, raw.data) });
      stats.passthrough++;
      return;
    }
  }
  stats.reencoded += cluster.length;
  const floats = new FloatBuf();
  const hists: HistRun[] = [];
  for (const it of cluster) {
    const raw = await readChunk(it);
    const tomb = it.part.block.deleted(it.part.entry.ref);
    const keep = (t: number): boolean => t >= ws && t <= we && !deletedAt(t, tomb);
    try {
      if (raw.encoding === Encoding.XOR) {
        const fs = decodeXor(raw.data, scratch);
        for (let i = 0; i < fs.n; i++) if (keep(fs.t[i]!)) floats.push(fs, i, it.partIndex);
      } else {
        const float = raw.encoding === Encoding.FloatHistogram;
        const samples = float ? decodeFloatHistogram(raw.data) : decodeHistogram(raw.data);
        const kept = (samples as (HistogramSample | FloatHistogramSample)[]).filter((s) => keep(s.t));
        // The header applies to the chunk's first sample; a clipped chunk starts mid-stream.
        const srcHeader = histogramChunkHeader(raw.data);
        const header: CounterResetHint = kept.length && kept[0] === samples[0] ? srcHeader : midStreamHeader(srcHeader);
        if (kept.length) hists.push({ float, header, samples: kept, partIndex: it.partIndex });
      }
    } catch (e) {
      if (e instanceof CorruptBlockError) throw e;
      throw new CorruptBlockError(`${it.part.block.source.location}/chunks`, it.meta.ref % 0x100000000, `chunk of series ${it.part.entry.ref}: ${(e as Error).message}`, { cause: e });
    }
  }
  const merged: OutChunk[] = [];
  floats.dedupe();
  for (let i = 0; i < floats.n; i += MAX_SAMPLES_PER_CHUNK) {
    const to = Math.min(floats.n, i + MAX_SAMPLES_PER_CHUNK);
    merged.push({ encoding: Encoding.XOR, minTime: floats.t[i]!, maxTime: floats.t[to - 1]!, data: encodeXor(floats.t, floats.v, i, to), samples: to - i });
  }
  for (const c of encodeHistRuns(dedupeHistRuns(hists, floats))) merged.push(c);
  merged.sort((a, b) => a.minTime - b.minTime);
  out.push(...merged);
}

const scratch: FloatSamples = { n: 0, t: new Float64Array(128), v: new Float64Array(128) };

async function readChunk(it: Item): Promise<{ encoding: number; data: Uint8Array }> {
  const raw = await it.part.block.chunk(it.meta.ref);
  if (raw.encoding !== Encoding.XOR && raw.encoding !== Encoding.Histogram && raw.encoding !== Encoding.FloatHistogram) {
    throw new CorruptBlockError(`${it.part.block.source.location}/chunks`, it.meta.ref % 0x100000000, `unknown chunk encoding ${raw.encoding} in series ${it.part.entry.ref}`);
  }
  return raw;
}

function touches(m: ChunkMeta, tomb: readonly Interval[] | undefined): boolean {
  return !!tomb && tomb.some((iv) => iv.minTime <= m.maxTime && iv.maxTime >= m.minTime);
}

function deletedAt(t: number, tomb: readonly Interval[] | undefined): boolean {
  return !!tomb && tomb.some((iv) => t >= iv.minTime && t <= iv.maxTime);
}

/** Float samples with raw value bits, tagged with their source part for dedupe priority. */
class FloatBuf {
  n = 0;
  t: Float64Array = new Float64Array(256);
  v: Float64Array = new Float64Array(256);
  private p: Uint16Array = new Uint16Array(256);

  push(fs: FloatSamples, i: number, part: number): void {
    if (this.n === this.t.length) this.grow();
    const dst = new Uint32Array(this.v.buffer);
    const src = new Uint32Array(fs.v.buffer, fs.v.byteOffset, fs.v.length * 2);
    this.t[this.n] = fs.t[i]!;
    dst[2 * this.n] = src[2 * i]!;
    dst[2 * this.n + 1] = src[2 * i + 1]!;
    this.p[this.n] = part;
    this.n++;
  }

  /** Sorts by (t, part) and keeps the first sample of each timestamp. */
  dedupe(): void {
    const idx = Array.from({ length: this.n }, (_, i) => i).sort((a, b) => this.t[a]! - this.t[b]! || this.p[a]! - this.p[b]! || a - b);
    const t = new Float64Array(this.n);
    const v = new Float64Array(this.n);
    const src = new Uint32Array(this.v.buffer);
    const dst = new Uint32Array(v.buffer);
    let n = 0;
    for (const i of idx) {
      if (n > 0 && t[n - 1] === this.t[i]) continue;
      t[n] = this.t[i]!;
      dst[2 * n] = src[2 * i]!;
      dst[2 * n + 1] = src[2 * i + 1]!;
      n++;
    }
    this.t = t;
    this.v = v;
    this.n = n;
  }

  has(t: number): boolean {
    let lo = 0;
    let hi = this.n - 1;
    while (lo <= hi) {
      const m = (lo + hi) >>> 1;
      if (this.t[m] === t) return true;
      if (this.t[m]! < t) lo = m + 1;
      else hi = m - 1;
    }
    return false;
  }

  private grow(): void {
    const cap = this.t.length * 2;
    const t = new Float64Array(cap);
    const v = new Float64Array(cap);
    const p = new Uint16Array(cap);
    t.set(this.t);
    new Uint32Array(v.buffer).set(new Uint32Array(this.v.buffer, 0, this.n * 2));
    p.set(this.p);
    this.t = t;
    this.v = v;
    this.p = p;
  }
}

interface HistRun {
  float: boolean;
  header: CounterResetHint;
  samples: (HistogramSample | FloatHistogramSample)[];
  partIndex: number;
}

/**
 * Header of a chunk cut from the middle of a source chunk: a reset or
 * not-reset claim about the first sample no longer holds, but "gauge" is the
 * histogram's type and covers every sample.
 */
function midStreamHeader(h: CounterResetHint): CounterResetHint {
  return h === "gauge" ? "gauge" : "unknown";
}

/** Drops histogram samples whose timestamp already has a sample (float or histogram) from an earlier part. */
function dedupeHistRuns(runs: HistRun[], floats: FloatBuf): HistRun[] {
  runs.sort((a, b) => a.partIndex - b.partIndex || a.samples[0]!.t - b.samples[0]!.t);
  const seen = new Set<number>();
  const out: HistRun[] = [];
  for (const r of runs) {
    const kept = r.samples.filter((s) => !seen.has(s.t) && !floats.has(s.t));
    for (const s of kept) seen.add(s.t);
    if (kept.length) out.push({ ...r, header: kept[0] === r.samples[0] ? r.header : midStreamHeader(r.header), samples: kept });
  }
  return out;
}

/** Each run shares one source chunk's layout; cut at 120 samples and after stale markers. */
function encodeHistRuns(runs: HistRun[]): OutChunk[] {
  const out: OutChunk[] = [];
  for (const r of runs) {
    let enc: HistogramEncoder | FloatHistogramEncoder | undefined;
    let first = 0;
    let header = r.header;
    const flush = (to: number): void => {
      if (!enc) return;
      out.push({ encoding: r.float ? Encoding.FloatHistogram : Encoding.Histogram, minTime: r.samples[first]!.t, maxTime: r.samples[to - 1]!.t, data: enc.bytes(), samples: enc.numSamples });
      enc = undefined;
      header = midStreamHeader(header);
    };
    for (let i = 0; i < r.samples.length; i++) {
      const s = r.samples[i]!;
      const prevStale = i > 0 && r.samples[i - 1]!.stale;
      if (enc && (enc.numSamples >= MAX_SAMPLES_PER_CHUNK || (prevStale && !s.stale))) flush(i);
      if (!enc) {
        enc = r.float ? new FloatHistogramEncoder(header) : new HistogramEncoder(header);
        first = i;
      }
      if (r.float) (enc as FloatHistogramEncoder).append(s as FloatHistogramSample);
      else (enc as HistogramEncoder).append(s as HistogramSample);
    }
    flush(r.samples.length);
  }
  return out;
}
