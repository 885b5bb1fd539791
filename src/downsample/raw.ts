// Raw samples to downsampled chunks (Thanos DownsampleRaw, downsampleRawLoop
// and downsampleFloatBatch): the samples are cut into batches that end on a
// window boundary, and each batch becomes one chunk holding a point per
// resolution window for count, sum, min, max and counter.

import { emptySubChunks, AggrType } from "../chunkenc/aggr.js";
import { Encoding, type FloatSamples } from "../chunkenc/types.js";
import { XorEncoder } from "../chunkenc/xor.js";
import { currentWindow, downsampleBatch, FloatAggregator, SampleList, targetChunkCount } from "./aggregator.js";
import type { AggrChunk } from "./types.js";

// Reused across calls (synchronous, so never shared).
const scratchBatch = new SampleList(4096);

/** Thanos assumes one-minute raw data when sizing chunks. */
const ASSUMED_RAW_INTERVAL_MS = 60_000;

/**
 * Downsamples one run of float samples (already expanded: no staleness
 * markers, ascending, t >= 0). Plain NaN values still count when sizing
 * chunks and cutting batches, and are dropped inside each batch, as Thanos
 * does.
 */
export function downsampleRaw(data: FloatSamples, res: number): AggrChunk[] {
  const n = data.n;
  if (n === 0) return [];
  const numChunks = targetChunkCount(data.t[0]!, data.t[n - 1]!, ASSUMED_RAW_INTERVAL_MS, res, n);
  const batchSize = Math.trunc(n / numChunks) + 1;
  const out: AggrChunk[] = [];
  const batch = scratchBatch;
  let start = 0;
  while (start < n) {
    let j = Math.min(batchSize, n - start);
    // Extend the batch to the end of the window its last sample falls in.
    const curW = currentWindow(data.t[start + j - 1]!, res);
    while (start + j < n && data.t[start + j]! <= curW) j++;
    batch.clear();
    for (let i = start; i < start + j; i++) {
      const v = data.v[i]!;
      if (!Number.isNaN(v)) batch.push(data.t[i]!, v);
    }
    start += j;
    if (batch.n > 0) out.push(downsampleFloatBatch(batch, res));
  }
  return out;
}

function downsampleFloatBatch(batch: FloatSamples, res: number): AggrChunk {
  const enc = [new XorEncoder(), new XorEncoder(), new XorEncoder(), new XorEncoder(), new XorEncoder()] as const;
  let mint = Infinity;
  let maxt = -Infinity;
  // The counter starts with the batch's first raw sample, so readers can
  // detect a reset between this chunk and the previous one.
  enc[AggrType.counter].append(batch.t[0]!, batch.v[0]!);
  const lastT = downsampleBatch(batch, 0, batch.n, res, new FloatAggregator(), (t, a) => {
    if (t < mint) mint = t;
    if (t > maxt) maxt = t;
    enc[AggrType.count].append(t, a.count);
    enc[AggrType.sum].append(t, a.sum);
    enc[AggrType.min].append(t, a.min);
    enc[AggrType.max].append(t, a.max);
    enc[AggrType.counter].append(t, a.counter);
  });
  // ...and ends with the last raw value at the last point's timestamp: the
  // repeated timestamp marks it as the true last value.
  enc[AggrType.counter].append(lastT, batch.v[batch.n - 1]!);
  const subs = emptySubChunks();
  for (let i = 0; i < 5; i++) subs[i] = { encoding: Encoding.XOR, data: enc[i as 0 | 1 | 2 | 3 | 4].bytes() };
  return { minTime: mint, maxTime: maxt, subs };
}
