// What the PromQL engine needs from storage: series with their raw samples
// for a time range. Stores implement Queryable; see store_queryable.ts and
// tsdb_queryable.ts for adapters.

import type { FloatHistogramSample, FloatSamples, HistogramSample } from "../chunkenc/types.js";
import { HI, LO, wordsOf } from "../chunkenc/floatbits.js";
import type { Labels } from "../model/labels.js";
import type { Matcher } from "../model/matchers.js";

/**
 * Prometheus' storage.SelectHints: how the engine will use the data, so a
 * store can prune or pre-aggregate. All optional; a store may ignore them.
 */
export interface SelectHints {
  /** Innermost surrounding function or aggregation, e.g. "rate", "sum". */
  func?: string;
  /** Range of the enclosing range selector in ms (0 for instant selectors). */
  rangeMs?: number;
  /** Evaluation step in ms (query step, or the innermost subquery step). */
  stepMs?: number;
  /** Grouping labels when the direct parent is an aggregation. */
  grouping?: string[];
  /** true for `by` (and for aggregations without modifier), false for `without`. */
  by?: boolean;
}

export interface Series {
  /** Sorted label set including __name__. */
  labels: Labels;
  /**
   * Float samples in strictly increasing time order within [mint, maxt].
   * Values keep their NaN payloads: staleness markers are the exact bits
   * 0x7ff0000000000002 (StaleNaN).
   */
  floats: FloatSamples;
  /**
   * Native histogram samples. The engine does not evaluate native
   * histograms yet: it ignores them and adds a query warning.
   */
  histograms?: (HistogramSample | FloatHistogramSample)[];
}

export interface SelectResult {
  /** Series sorted by labels (compareLabels), each label set once. */
  series: Series[];
  /** Non-fatal problems (e.g. partial data); surfaced as query warnings. */
  warnings: string[];
}

export interface Queryable {
  /**
   * Series matching all matchers with samples in [mint, maxt] (inclusive ms).
   * Rejecting with an error fails the query as a storage error.
   */
  select(mint: number, maxt: number, matchers: readonly Matcher[], hints: SelectHints, signal?: AbortSignal): Promise<SelectResult>;
}

/** value.IsStaleNaN on the raw bits of v[i] (words = wordsOf(v)). */
export function isStaleAt(words: Uint32Array, i: number): boolean {
  return words[2 * i + HI] === 0x7ff00000 && words[2 * i + LO] === 0x00000002;
}

/** True when any of the first n samples is a staleness marker. */
export function hasStaleMarker(fs: FloatSamples): boolean {
  const w = wordsOf(fs.v);
  for (let i = 0; i < fs.n; i++) if (isStaleAt(w, i)) return true;
  return false;
}
