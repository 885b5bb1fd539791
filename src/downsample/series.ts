// Per series: the downsampled chunks of every column window, at each
// resolution a unit stores. A resolution comes either from downsampled source
// blocks ("source": their chunks, fitted into windows) or is computed
// ("compute": 5m from the raw samples of the window, 1h from the window's 5m
// chunks). Each column window is downsampled like a block of its own, so a
// chunk never crosses a window.

import { decodeXor } from "../chunkenc/xor.js";
import { Encoding, type FloatSamples } from "../chunkenc/types.js";
import { expandChunk, SampleList } from "./aggregator.js";
import { downsampleAggrChunks } from "./aggr_level.js";
import { downsampleRaw } from "./raw.js";
import { splitAtWindows } from "./split.js";
import { RES_1H, RES_5M, type AggResolution, type AggrChunk, type ColumnWindows } from "./types.js";

export type AggOrigin = "source" | "compute";

// Reused across calls (synchronous, so never shared): no per-window allocations.
const scratchRun = new SampleList(4096);
const scratchChunk: FloatSamples = { n: 0, t: new Float64Array(128), v: new Float64Array(128) };

/** How each stored resolution is obtained; a missing key is not stored. */
export type AggPlan = Partial<Record<AggResolution, AggOrigin>>;

export interface SeriesAggInput {
  /** The window's raw chunks in time order (as written to the chunks file), for computing 5m. */
  raw?: readonly (readonly { encoding: number; data: Uint8Array }[])[];
  /** Downsampled chunks of the series from source blocks, ascending. */
  source?: Partial<Record<AggResolution, readonly AggrChunk[]>>;
}

export function seriesAggregates(input: SeriesAggInput, plan: AggPlan, w: ColumnWindows): Map<AggResolution, AggrChunk[][]> {
  const out = new Map<AggResolution, AggrChunk[][]>();
  const empty = (): AggrChunk[][] => Array.from({ length: w.count }, () => []);
  const five = plan[RES_5M];
  if (five === "source") out.set(RES_5M, splitAtWindows(input.source?.[RES_5M] ?? [], w));
  else if (five === "compute") {
    const per = empty();
    input.raw?.forEach((cs, i) => {
      if (i < w.count) per[i] = downsampleRawWindow(cs);
    });
    out.set(RES_5M, per);
  }
  const hour = plan[RES_1H];
  if (hour === "source") out.set(RES_1H, splitAtWindows(input.source?.[RES_1H] ?? [], w));
  else if (hour === "compute") {
    const base = out.get(RES_5M) ?? splitAtWindows(input.source?.[RES_5M] ?? [], w);
    out.set(RES_1H, base.map((cs) => downsampleAggrChunks(cs, RES_5M, RES_1H)));
  }
  return out;
}

/**
 * Raw chunks of one window to 5m chunks. Float samples are downsampled in
 * runs: a histogram chunk ends a run, as Thanos cuts at every float/histogram
 * switch. Histogram samples themselves are not aggregated.
 */
export function downsampleRawWindow(chunks: readonly { encoding: number; data: Uint8Array }[]): AggrChunk[] {
  const out: AggrChunk[] = [];
  const run = scratchRun;
  run.clear();
  const flush = (): void => {
    if (run.n) out.push(...downsampleRaw(run, RES_5M));
    run.clear();
  };
  for (const c of chunks) {
    if (c.encoding === Encoding.XOR) expandChunk(decodeXor(c.data, scratchChunk), run);
    else flush();
  }
  flush();
  return out;
}
