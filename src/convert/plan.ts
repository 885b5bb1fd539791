// Conversion planning: blocks are grouped into streams by their external
// labels (Thanos meta, overridden by --label), and each stream's time range is
// cut into UTC-aligned partitions. A unit is one (stream, partition) with the
// source blocks that overlap it.

import { labelsFromRecord, type Labels } from "../model/labels.js";
import { streamId } from "../parquet/layout.js";
import type { SourceBlock } from "./sources.js";

export interface Unit {
  stream: string;
  externalLabels: Labels;
  /** [start, end) in ms, UTC aligned. */
  start: number;
  end: number;
  blocks: SourceBlock[];
}

export interface PlanOptions {
  partitionMs: number;
  /** External labels that override or extend the blocks' own. */
  labels: Record<string, string>;
}

export const DAY_MS = 86_400_000;

export function checkPartition(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 7_200_000 || ms > DAY_MS || DAY_MS % ms !== 0) {
    throw new RangeError(`--partition must divide 24h and be between 2h and 24h, got ${ms} ms`);
  }
}

export function planUnits(blocks: readonly SourceBlock[], opts: PlanOptions): Unit[] {
  checkPartition(opts.partitionMs);
  const streams = new Map<string, { labels: Labels; blocks: SourceBlock[] }>();
  for (const b of blocks) {
    const ext = labelsFromRecord({ ...b.meta.thanos.labels, ...opts.labels });
    const id = streamId(ext);
    let s = streams.get(id);
    if (!s) streams.set(id, (s = { labels: ext, blocks: [] }));
    s.blocks.push(b);
  }
  const units: Unit[] = [];
  for (const [id, s] of [...streams].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const byStart = new Map<number, SourceBlock[]>();
    for (const b of s.blocks) {
      // maxTime is exclusive: the last sample is at maxTime - 1.
      for (let p = Math.floor(b.meta.minTime / opts.partitionMs) * opts.partitionMs; p < b.meta.maxTime; p += opts.partitionMs) {
        let list = byStart.get(p);
        if (!list) byStart.set(p, (list = []));
        list.push(b);
      }
    }
    for (const [start, bs] of [...byStart].sort((a, b) => a[0] - b[0])) {
      units.push({ stream: id, externalLabels: s.labels, start, end: start + opts.partitionMs, blocks: bs.sort((a, b) => a.meta.minTime - b.meta.minTime || (a.meta.ulid < b.meta.ulid ? -1 : 1)) });
    }
  }
  return units;
}
