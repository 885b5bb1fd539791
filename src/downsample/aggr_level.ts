// Downsampled chunks to a coarser resolution (Thanos downsampleAggr,
// downsampleAggrLoop, downsampleFloatAggrBatch, genericAggregate): 5m chunks
// are grouped along their own boundaries, because a counter chunk's first and
// last values are true raw values that must survive every level. Per group,
// count and sum are summed per window, min takes the min and max the max; the
// counter goes through the reset-applying iterator and is re-windowed.

import { AggrType, emptySubChunks, type SubChunk } from "../chunkenc/aggr.js";
import { Encoding, type FloatSamples } from "../chunkenc/types.js";
import { decodeXor, XorEncoder } from "../chunkenc/xor.js";
import { downsampleBatch, expandChunk, FloatAggregator, SampleList, targetChunkCount } from "./aggregator.js";
import { applyCounterResets } from "./counter.js";
import type { AggrChunk } from "./types.js";

/**
 * A histogram chunk carries its counter as a (float) histogram. Computing
 * histogram aggregates is not supported here; such chunks are left out.
 */
export function isHistogramAggrChunk(c: AggrChunk): boolean {
  const counter = c.subs[AggrType.counter];
  return counter !== undefined && (counter.encoding === Encoding.Histogram || counter.encoding === Encoding.FloatHistogram);
}

/**
 * Downsamples a series' chunks (ascending, not overlapping) from inRes to
 * outRes. Runs of float chunks are handled separately whenever a histogram
 * chunk interrupts them, as Thanos cuts at float/histogram switches.
 */
export function downsampleAggrChunks(chunks: readonly AggrChunk[], inRes: number, outRes: number): AggrChunk[] {
  const out: AggrChunk[] = [];
  let run: AggrChunk[] = [];
  const flush = (): void => {
    if (run.length) out.push(...downsampleFloatRun(run, inRes, outRes));
    run = [];
  };
  for (const c of chunks) {
    if (isHistogramAggrChunk(c)) flush();
    else run.push(c);
  }
  flush();
  return out;
}

function downsampleFloatRun(chunks: readonly AggrChunk[], inRes: number, outRes: number): AggrChunk[] {
  let numSamples = 0;
  for (const c of chunks) numSamples += countSamples(c);
  const numChunks = targetChunkCount(chunks[0]!.minTime, chunks[chunks.length - 1]!.maxTime, inRes, outRes, numSamples);
  // Thanos would loop forever on a zero batch size; at least one chunk per batch.
  const batchSize = Math.max(1, Math.trunc(chunks.length / numChunks));
  const out: AggrChunk[] = [];
  for (let i = 0; i < chunks.length; i += batchSize) {
    const c = downsampleBatchOfChunks(chunks.slice(i, i + batchSize), outRes);
    if (c) out.push(c);
  }
  return out;
}

/** AggrChunk.NumSamples: the count aggregate's sample count. */
function countSamples(c: AggrChunk): number {
  const s = c.subs[AggrType.count];
  return s && s.data.length >= 2 ? (s.data[0]! << 8) | s.data[1]! : 0;
}

function decodeFloatSub(s: SubChunk, what: string): FloatSamples {
  if (s.encoding !== Encoding.XOR) throw new Error(`${what} aggregate has chunk encoding ${s.encoding}, want XOR`);
  return decodeXor(s.data);
}

const GENERIC: readonly { at: 0 | 1 | 2 | 3; value: (a: FloatAggregator) => number }[] = [
  // A 5m count point is a number of samples: the coarser count is their sum.
  { at: AggrType.count, value: (a) => a.sum },
  { at: AggrType.sum, value: (a) => a.sum },
  { at: AggrType.min, value: (a) => a.min },
  { at: AggrType.max, value: (a) => a.max },
];

function downsampleBatchOfChunks(chunks: readonly AggrChunk[], res: number): AggrChunk | undefined {
  const subs = emptySubChunks();
  let mint = Infinity;
  let maxt = -Infinity;
  const track = (t: number): void => {
    if (t < mint) mint = t;
    if (t > maxt) maxt = t;
  };
  const buf = new SampleList();
  for (const { at, value } of GENERIC) {
    buf.clear();
    for (const c of chunks) {
      const s = c.subs[at];
      if (s) expandChunk(decodeFloatSub(s, "5m"), buf);
    }
    if (buf.n === 0) continue; // absent in every input chunk: absent in the output
    const enc = new XorEncoder();
    downsampleBatch(buf, 0, buf.n, res, new FloatAggregator(), (t, a) => {
      track(t);
      enc.append(t, value(a));
    });
    subs[at] = { encoding: Encoding.XOR, data: enc.bytes() };
  }

  const counters: FloatSamples[] = [];
  for (const c of chunks) {
    const s = c.subs[AggrType.counter];
    if (s) counters.push(decodeFloatSub(s, "counter"));
  }
  const { samples, lastV } = applyCounterResets(counters);
  buf.clear();
  expandChunk(samples, buf);
  if (buf.n > 0) {
    const enc = new XorEncoder();
    // Keep the first and last raw values, as for raw data.
    enc.append(buf.t[0]!, buf.v[0]!);
    const lastT = downsampleBatch(buf, 0, buf.n, res, new FloatAggregator(), (t, a) => {
      track(t);
      enc.append(t, a.counter);
    });
    enc.append(lastT, lastV);
    subs[AggrType.counter] = { encoding: Encoding.XOR, data: enc.bytes() };
  }
  if (mint === Infinity) return undefined;
  return { minTime: mint, maxTime: maxt, subs };
}
