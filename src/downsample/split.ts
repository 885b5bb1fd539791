// Fits downsampled chunks from Thanos blocks into a unit's column windows. A
// chunk whose samples all lie in one window is kept byte for byte (no
// recomputation). A chunk that crosses a window edge or the partition edge is
// cut by sample time, each aggregate separately. Cutting a counter chunk keeps
// what the reset-applying reader computes: inside a chunk it compares
// consecutive values exactly as it compares the last value of one chunk with
// the first of the next, so the pieces read back to the same increases.

import { AggrType, type AggrSubChunks, type SubChunk } from "../chunkenc/aggr.js";
import { decodeFloatHistogram, FloatHistogramEncoder } from "../chunkenc/float_histogram.js";
import { decodeHistogram, HistogramEncoder } from "../chunkenc/histogram.js";
import { histogramChunkHeader } from "../chunkenc/histogram_meta.js";
import { Encoding, type CounterResetHint, type FloatHistogramSample, type HistogramSample } from "../chunkenc/types.js";
import { decodeXor, encodeXor } from "../chunkenc/xor.js";
import type { AggrChunk, ColumnWindows } from "./types.js";

interface DecodedSub {
  ts: ArrayLike<number>;
  n: number;
  /** Re-encodes samples [from, to) as a chunk of their own. */
  encode(from: number, to: number): SubChunk;
}

function decodeSub(s: SubChunk): DecodedSub {
  if (s.encoding === Encoding.XOR) {
    const f = decodeXor(s.data);
    return { ts: f.t, n: f.n, encode: (from, to) => ({ encoding: Encoding.XOR, data: encodeXor(f.t, f.v, from, to) }) };
  }
  if (s.encoding === Encoding.Histogram || s.encoding === Encoding.FloatHistogram) {
    const header = histogramChunkHeader(s.data);
    const float = s.encoding === Encoding.FloatHistogram;
    const hs: (HistogramSample | FloatHistogramSample)[] = float ? decodeFloatHistogram(s.data) : decodeHistogram(s.data);
    return {
      ts: hs.map((h) => h.t),
      n: hs.length,
      encode: (from, to) => {
        // A reset claim about the chunk's first sample does not carry over to a later piece.
        const h: CounterResetHint = from === 0 || header === "gauge" ? header : "unknown";
        if (float) {
          const e = new FloatHistogramEncoder(h);
          for (let i = from; i < to; i++) e.append(hs[i] as FloatHistogramSample);
          return { encoding: s.encoding, data: e.bytes() };
        }
        const e = new HistogramEncoder(h);
        for (let i = from; i < to; i++) e.append(hs[i] as HistogramSample);
        return { encoding: s.encoding, data: e.bytes() };
      },
    };
  }
  throw new Error(`unsupported aggregate sub-chunk encoding ${s.encoding}`);
}

/** Per window, the chunks (pass-through or cut) in (minTime, maxTime) order, exact duplicates dropped. */
export function splitAtWindows(chunks: readonly AggrChunk[], w: ColumnWindows): AggrChunk[][] {
  const out: AggrChunk[][] = Array.from({ length: w.count }, () => []);
  const windowOf = (t: number): number => (t < w.start || t >= w.end ? -1 : Math.min(w.count - 1, Math.floor((t - w.start) / w.durationMs)));
  for (const c of chunks) {
    const decoded = c.subs.map((s) => (s ? decodeSub(s) : undefined));
    const touched = new Set<number>();
    let outside = false;
    for (const d of decoded) {
      if (!d) continue;
      for (let i = 0; i < d.n; i++) {
        const k = windowOf(d.ts[i]!);
        if (k < 0) outside = true;
        else touched.add(k);
      }
    }
    if (touched.size === 0) continue;
    if (touched.size === 1 && !outside) {
      const k = [...touched][0]!;
      if (windowOf(c.minTime) === k && windowOf(c.maxTime) === k) {
        out[k]!.push(c);
        continue;
      }
    }
    for (const k of [...touched].sort((a, b) => a - b)) {
      const piece = cutPiece(decoded, (t) => windowOf(t) === k);
      if (piece) out[k]!.push(piece);
    }
  }
  for (const list of out) {
    list.sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
    for (let i = list.length - 1; i > 0; i--) if (list[i]!.minTime === list[i - 1]!.minTime && list[i]!.maxTime === list[i - 1]!.maxTime) list.splice(i, 1);
  }
  return out;
}

function cutPiece(decoded: (DecodedSub | undefined)[], inside: (t: number) => boolean): AggrChunk | undefined {
  const subs: AggrSubChunks = [undefined, undefined, undefined, undefined, undefined];
  let mint = Infinity;
  let maxt = -Infinity;
  let cmint = Infinity;
  let cmaxt = -Infinity;
  decoded.forEach((d, i) => {
    if (!d) return;
    let from = -1;
    let to = -1;
    for (let k = 0; k < d.n; k++) {
      if (!inside(d.ts[k]!)) continue;
      if (from < 0) from = k;
      to = k + 1;
    }
    if (from < 0) return;
    subs[i] = d.encode(from, to);
    const lo = d.ts[from]!;
    const hi = d.ts[to - 1]!;
    // The chunk's range is that of its aggregate points; the counter may add its raw first value before them.
    if (i === AggrType.counter) {
      cmint = Math.min(cmint, lo);
      cmaxt = Math.max(cmaxt, hi);
    } else {
      mint = Math.min(mint, lo);
      maxt = Math.max(maxt, hi);
    }
  });
  if (mint === Infinity) {
    if (cmint === Infinity) return undefined;
    mint = cmint;
    maxt = cmaxt;
  }
  return { minTime: mint, maxTime: maxt, subs };
}
