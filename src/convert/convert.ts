// The conversion run: plan units, then write them one at a time (bounded
// memory), opening each source block once and closing it when no remaining
// unit needs it. A corrupt block fails the units that need it — nothing is
// published for them — while every other unit still converts.

import type { Bucket } from "../objstore/bucket.js";
import type { Block } from "../tsdb/block.js";
import { CorruptBlockError } from "../tsdb/errors.js";
import type { Logger } from "../util/log.js";
import { planUnits, type PlanOptions, type Unit } from "./plan.js";
import { openSource, type SourceBlock } from "./sources.js";
import { publishedMeta, writeUnit, type WriteOptions } from "./unit_writer.js";
import { unitPrefix } from "../parquet/layout.js";

export interface ConvertOptions extends WriteOptions, PlanOptions {}

export interface ConvertProgress {
  start(totalUnits: number, totalSeries: number): void;
  unitDone(): void;
  series(n: number, bytes: number): void;
  stop(): void;
}

export interface ConvertSummary {
  units: number;
  written: number;
  skipped: number;
  empty: number;
  failed: { unit: string; error: string }[];
  series: number;
  samples: number;
  chunks: number;
  sourceBytes: number;
  outputBytes: number;
}

export async function convertBlocks(sources: readonly SourceBlock[], bucket: Bucket, opts: ConvertOptions, log: Logger, progress?: ConvertProgress): Promise<ConvertSummary> {
  const units = planUnits(sources, opts);
  const remaining = new Map<SourceBlock, number>();
  for (const u of units) for (const b of u.blocks) remaining.set(b, (remaining.get(b) ?? 0) + 1);
  const open = new Map<SourceBlock, Block>();
  const bad = new Map<SourceBlock, string>();
  const sum: ConvertSummary = { units: units.length, written: 0, skipped: 0, empty: 0, failed: [], series: 0, samples: 0, chunks: 0, sourceBytes: 0, outputBytes: 0 };
  progress?.start(units.length, units.reduce((a, u) => a + Math.max(...u.blocks.map((b) => b.meta.stats.numSeries ?? 0)), 0));
  try {
    for (const u of units) {
      const name = unitPrefix(u.stream, u.start, u.end - u.start);
      try {
        const badBlock = u.blocks.find((b) => bad.has(b));
        if (badBlock) throw new Error(`source block ${badBlock.meta.ulid} is corrupt: ${bad.get(badBlock)}`);
        const current = await publishedMeta(bucket, u, opts);
        if (current) {
          sum.skipped++;
          log.info({ unit: name }, "unit already converted from the same blocks; skipping (use --force to redo)");
          continue;
        }
        const blocks: Block[] = [];
        for (const b of u.blocks) blocks.push(await openBlock(b, open, bad));
        const t0 = performance.now();
        const r = await writeUnit(bucket, u, blocks, opts, { onSeries: (n, bytes) => progress?.series(n, bytes) });
        if (r.status === "written") {
          sum.written++;
          sum.series += r.meta.stats.series;
          sum.samples += r.meta.stats.samples;
          sum.chunks += r.meta.stats.chunks;
          sum.sourceBytes += r.meta.stats.sourceBytes;
          sum.outputBytes += r.meta.stats.bytes;
          log.info({ unit: name, series: r.meta.stats.series, samples: r.meta.stats.samples, shards: r.meta.shards.length, bytes: r.meta.stats.bytes, seconds: +((performance.now() - t0) / 1000).toFixed(2) }, "unit converted");
        } else if (r.status === "skipped") {
          sum.skipped++;
          log.info({ unit: name }, "unit already converted from the same blocks; skipping (use --force to redo)");
        } else {
          sum.empty++;
          log.info({ unit: name }, "no series in partition");
        }
      } catch (e) {
        const msg = (e as Error).message;
        if (e instanceof CorruptBlockError) {
          // Block directories are named by ULID, locally and in buckets alike.
          const culprit = u.blocks.find((b) => e.file.includes(b.meta.ulid));
          if (culprit) bad.set(culprit, msg);
        }
        sum.failed.push({ unit: name, error: msg });
        log.error({ unit: name, blocks: u.blocks.map((b) => b.meta.ulid), err: msg }, "unit conversion failed; nothing published for it");
      } finally {
        progress?.unitDone();
        await release(u, remaining, open);
      }
    }
  } finally {
    progress?.stop();
    await Promise.all([...open.values()].map((b) => b.close()));
  }
  return sum;
}

async function openBlock(b: SourceBlock, open: Map<SourceBlock, Block>, bad: Map<SourceBlock, string>): Promise<Block> {
  let blk = open.get(b);
  if (blk) return blk;
  try {
    blk = await openSource(b);
  } catch (e) {
    bad.set(b, (e as Error).message);
    throw e;
  }
  open.set(b, blk);
  return blk;
}

async function release(u: Unit, remaining: Map<SourceBlock, number>, open: Map<SourceBlock, Block>): Promise<void> {
  for (const b of u.blocks) {
    const n = (remaining.get(b) ?? 1) - 1;
    remaining.set(b, n);
    if (n === 0) {
      await open.get(b)?.close();
      open.delete(b);
    }
  }
}
