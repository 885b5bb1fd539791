// Shared shapes of the downsampling code: resolutions, and one downsampled
// chunk (Thanos AggrChunk with its chunk-meta time range).

import type { AggrSubChunks } from "../chunkenc/aggr.js";
import type { FileKind } from "../parquet/schema.js";

/** Thanos ResLevel1 and ResLevel2 (pkg/compact/downsample/downsample.go), ms. */
export const RES_5M = 300_000;
export const RES_1H = 3_600_000;
export const AGG_RESOLUTIONS = [RES_5M, RES_1H] as const;
export type AggResolution = (typeof AGG_RESOLUTIONS)[number];

export function isAggResolution(r: number): r is AggResolution {
  return r === RES_5M || r === RES_1H;
}

export function aggFileKind(r: AggResolution): FileKind {
  return r === RES_5M ? "agg-5m" : "agg-1h";
}

/** "5m" / "1h" for flags and logs. */
export function resolutionName(r: AggResolution): string {
  return r === RES_5M ? "5m" : "1h";
}

/**
 * One downsampled chunk: the sub-chunk of each aggregate plus the time range
 * Thanos puts in its chunk meta (first and last aggregate point; the counter
 * sub-chunk's first sample, the raw value it starts from, may lie before it
 * within the same resolution window).
 */
export interface AggrChunk {
  minTime: number;
  maxTime: number;
  subs: AggrSubChunks;
}

/** Column windows of a unit: [start + i*durationMs, ...), the last clipped to end. */
export interface ColumnWindows {
  start: number;
  durationMs: number;
  count: number;
  end: number;
}

/** Inclusive bounds of window i. */
export function windowRange(w: ColumnWindows, i: number): { ws: number; we: number } {
  const ws = w.start + i * w.durationMs;
  return { ws, we: Math.min(ws + w.durationMs, w.end) - 1 };
}

/**
 * Aggregates can be computed for a unit only when every resolution window
 * lies inside one column window, i.e. the partition start, the partition
 * length and the column width are all multiples of the resolution.
 */
export function canComputeResolution(r: AggResolution, w: { start: number; end: number; durationMs: number }): boolean {
  return w.start % r === 0 && (w.end - w.start) % r === 0 && w.durationMs % r === 0;
}
