// Thanos' ApplyCounterResetsSeriesIterator (pkg/compact/downsample/
// downsample.go) over decoded counter chunks: turns counter aggregates (or raw
// counter samples) into one monotonic series, detecting resets inside and
// between chunks.
//
// A counter chunk starts with a raw value and ends by repeating its last
// timestamp with the last raw value. A sample whose timestamp equals the
// previous one is therefore not output: it only replaces the value the next
// sample is compared with. Earlier timestamps (overlaps) are skipped, and so
// are NaN values.

import type { FloatSamples } from "../chunkenc/types.js";
import { SampleList } from "./aggregator.js";

export interface CounterResult {
  /** (t, cumulative value) per output sample. */
  samples: SampleList;
  /** The last raw value seen: the final repeated-timestamp sample, if any. */
  lastV: number;
}

export function applyCounterResets(chunks: readonly FloatSamples[]): CounterResult {
  const out = new SampleList();
  let total = 0;
  let lastT = 0;
  let lastV = 0;
  let totalV = 0;
  for (const c of chunks) {
    for (let i = 0; i < c.n; i++) {
      const t = c.t[i]!;
      const v = c.v[i]!;
      if (Number.isNaN(v)) continue;
      if (total === 0) {
        total++;
        lastT = t;
        lastV = v;
        totalV = v;
        out.push(t, totalV);
        continue;
      }
      if (t > lastT) {
        totalV += v >= lastV ? v - lastV : v;
        lastT = t;
        lastV = v;
        total++;
        out.push(t, totalV);
      } else if (t === lastT) {
        lastV = v;
      }
    }
  }
  return { samples: out, lastV };
}
