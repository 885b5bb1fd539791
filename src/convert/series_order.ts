// The converter's series order: by the sort labels (default __name__), then by
// the full label set, merged across all source blocks of a unit. The index
// already orders series by full label set, so each block only needs a stable
// re-sort of its refs by the ranks of their sort-label values; ranks come from
// the postings offset table, without reading series entries.

import { compareLabels, compareStrings, type Labels } from "../model/labels.js";
import type { Block } from "../tsdb/block.js";
import { hasDataInRange, type MergedSeries, type SeriesPart } from "../tsdb/querier.js";

export interface OrderedSeries extends MergedSeries {
  /** Ranks of the sort-label values (0 = label absent), comparable across blocks. */
  sortKey: Uint32Array;
}

interface Cursor {
  block: Block;
  refs: Uint32Array;
  ranks: Uint32Array[];
  order: Uint32Array;
  pos: number;
  head: OrderedSeries | undefined;
}

export async function* orderedSeries(blocks: readonly Block[], sortBy: readonly string[], mint: number, maxt: number): AsyncGenerator<OrderedSeries> {
  const rankOf = sortBy.map((name) => {
    const values = new Set<string>();
    for (const b of blocks) for (const v of b.index.labelValues(name)) values.add(v);
    const sorted = [...values].sort(compareStrings);
    return new Map(sorted.map((v, i) => [v, i + 1]));
  });
  const cursors: Cursor[] = [];
  for (const block of blocks) {
    const refs = await block.index.allPostings();
    const ranks: Uint32Array[] = [];
    for (let k = 0; k < sortBy.length; k++) {
      const r = new Uint32Array(refs.length);
      for (const [v, rank] of rankOf[k]!) {
        const p = await block.index.postings(sortBy[k]!, v);
        // Both lists ascend: walk them together.
        let j = 0;
        for (let i = 0; i < p.length; i++) {
          while (refs[j]! < p[i]!) j++;
          r[j] = rank;
        }
      }
      ranks.push(r);
    }
    const order = sortByRanks(ranks, refs.length);
    const c: Cursor = { block, refs, ranks, order, pos: 0, head: undefined };
    await advance(c, mint, maxt);
    cursors.push(c);
  }
  for (;;) {
    let min: OrderedSeries | undefined;
    for (const c of cursors) if (c.head && (!min || compareOrdered(c.head, min) < 0)) min = c.head;
    if (!min) return;
    const parts: SeriesPart[] = [];
    const labels: Labels = min.labels;
    const sortKey = min.sortKey;
    for (const c of cursors) {
      if (c.head && compareOrdered(c.head, min) === 0) {
        parts.push(...c.head.parts);
        await advance(c, mint, maxt);
      }
    }
    yield { labels, parts, sortKey };
  }
}

function compareOrdered(a: OrderedSeries, b: OrderedSeries): number {
  for (let i = 0; i < a.sortKey.length; i++) if (a.sortKey[i] !== b.sortKey[i]) return a.sortKey[i]! - b.sortKey[i]!;
  return compareLabels(a.labels, b.labels);
}

async function advance(c: Cursor, mint: number, maxt: number): Promise<void> {
  while (c.pos < c.order.length) {
    const i = c.order[c.pos++]!;
    const entry = await c.block.index.series(c.refs[i]!);
    if (!hasDataInRange(c.block, entry, mint, maxt)) continue;
    const sortKey = new Uint32Array(c.ranks.length);
    for (let k = 0; k < c.ranks.length; k++) sortKey[k] = c.ranks[k]![i]!;
    c.head = { labels: entry.labels, parts: [{ block: c.block, entry }], sortKey };
    return;
  }
  c.head = undefined;
}

/**
 * Indices 0..n-1 ordered by the rank arrays (first array most significant),
 * ties kept in index order. Stable counting sorts, least significant key
 * first: linear time, where a comparator sort over 10^6 refs is not.
 */
export function sortByRanks(ranks: readonly Uint32Array[], n: number): Uint32Array {
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let next = new Uint32Array(n);
  for (let k = ranks.length - 1; k >= 0; k--) {
    const r = ranks[k]!;
    let max = 0;
    for (let i = 0; i < n; i++) if (r[i]! > max) max = r[i]!;
    const counts = new Uint32Array(max + 2);
    for (let i = 0; i < n; i++) counts[r[i]! + 1]!++;
    for (let v = 1; v < counts.length; v++) counts[v]! += counts[v - 1]!;
    for (let i = 0; i < n; i++) {
      const idx = order[i]!;
      next[counts[r[idx]!]!++] = idx;
    }
    [order, next] = [next, order];
  }
  return order;
}
