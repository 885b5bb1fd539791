// Aggregate cells of the agg-5m / agg-1h files: the cell of column
// s_<aggr>_<i> holds, for each downsampled chunk of the series in window i,
// one chunk record (the chunks-file cell format) with that aggregate's
// sub-chunk. Every record of one downsampled chunk carries the same
// minTime/maxTime, the chunk's Thanos time range, which is how a reader puts
// the aggregates of one chunk back together. An aggregate the chunk lacks
// still gets a record, with encoding 0 and no data, so that reading one
// column tells every chunk apart and a missing aggregate can be reported.

import { AGGR_NAMES, emptySubChunks, type AggrName } from "../chunkenc/aggr.js";
import { decodeChunkCell, encodeChunkCell, type CellChunk } from "../parquet/schema.js";
import type { AggrChunk } from "./types.js";

const EMPTY = new Uint8Array(0);

/** Record encoding of "this chunk has no such aggregate". */
export const ABSENT_AGGREGATE = 0;

/** The five cells (count, sum, min, max, counter) of one window. */
export function encodeAggCells(chunks: readonly AggrChunk[]): Uint8Array[] {
  return AGGR_NAMES.map((_, i) => {
    const recs: CellChunk[] = [];
    for (const c of chunks) {
      const s = c.subs[i];
      recs.push(s ? { encoding: s.encoding, minTime: c.minTime, maxTime: c.maxTime, data: s.data } : { encoding: ABSENT_AGGREGATE, minTime: c.minTime, maxTime: c.maxTime, data: EMPTY });
    }
    return recs.length ? encodeChunkCell(recs) : EMPTY;
  });
}

/** One window's chunks rebuilt from the cells of some aggregates (others stay absent). */
export function decodeAggCells(cells: Partial<Record<AggrName, Uint8Array | null | undefined>>): AggrChunk[] {
  const byRange = new Map<string, AggrChunk>();
  AGGR_NAMES.forEach((name, i) => {
    const cell = cells[name];
    if (!cell || cell.length === 0) return;
    for (const r of decodeChunkCell(cell)) {
      const key = `${r.minTime}:${r.maxTime}`;
      let c = byRange.get(key);
      if (!c) byRange.set(key, (c = { minTime: r.minTime, maxTime: r.maxTime, subs: emptySubChunks() }));
      if (r.encoding !== ABSENT_AGGREGATE) c.subs[i] = { encoding: r.encoding, data: r.data };
    }
  });
  return [...byRange.values()].sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
}
