// `parquet-gateway dump`: prints converted data exactly as `promtool tsdb
// dump` prints the source blocks: float samples, series in label order across
// every unit and shard, samples in time order. External labels are not
// printed, as promtool does not print them either.

import type { Command } from "commander";
import { decodeXor, Encoding, type FloatSamples } from "../chunkenc/index.js";
import { compareLabels, compareStrings, formatLabels, type Labels } from "../model/labels.js";
import { matchLabels, type Matcher } from "../model/matchers.js";
import { parseSelector } from "../model/selector.js";
import type { Bucket } from "../objstore/bucket.js";
import { discoverUnits } from "../store/discovery.js";
import { scanShard, type ScannedSeries } from "../store/shard_scan.js";
import { formatFloatG } from "../util/gofmt.js";
import { LineWriter } from "../util/output.js";
import { addBucketFlags, bucketFromFlags } from "./bucket_flags.js";
import { parseTimeFlag } from "./flags.js";
import { dumpAggregates, parseResolutionFlag } from "./dump_aggregates.js";

export function registerDump(program: Command): void {
  const cmd = program.command("dump").description("print converted samples like `promtool tsdb dump` prints the source");
  addBucketFlags(cmd);
  cmd
    .option("--match <selector>", "series selector")
    .option("--min-time <ms>", "minimum timestamp (inclusive, ms)")
    .option("--max-time <ms>", "maximum timestamp (inclusive, ms)")
    .option("--resolution <res>", "print the 5m or 1h aggregates instead of raw samples: `{labels} <aggregate> <value> <timestamp_ms>`")
    .action(async (o: { "objstore.configFile"?: string; "objstore.config"?: string; match?: string; minTime?: string; maxTime?: string; resolution?: string }) => {
      const res = o.resolution === undefined ? undefined : parseResolutionFlag(o.resolution);
      const matchers = o.match ? parseSelector(o.match) : [];
      const mint = parseTimeFlag(o.minTime, Number.MIN_SAFE_INTEGER, "--min-time");
      const maxt = parseTimeFlag(o.maxTime, Number.MAX_SAFE_INTEGER, "--max-time");
      const bucket = await bucketFromFlags(o["objstore.configFile"], o["objstore.config"]);
      try {
        if (res !== undefined) await dumpAggregates(bucket, matchers, mint, maxt, res, new LineWriter(process.stdout));
        else await dumpBucket(bucket, matchers, mint, maxt, new LineWriter(process.stdout));
      } finally {
        await bucket.close();
      }
    });
}

interface Cursor {
  it: AsyncIterator<ScannedSeries>;
  head: ScannedSeries | undefined;
}

export async function dumpBucket(bucket: Bucket, matchers: Matcher[], mint: number, maxt: number, w: LineWriter): Promise<void> {
  const { units } = await discoverUnits(bucket);
  const cursors: Cursor[] = [];
  for (const u of units) {
    if (u.meta.dataMaxTime < mint || u.meta.dataMinTime > maxt) continue;
    for (let s = 0; s < u.meta.shards.length; s++) {
      const ordered = rowsInLabelOrder(u.meta.sortBy, u.meta.shards[s]!.labelNames);
      const it = sortedScan(scanShard(bucket, u.prefix, u.meta, s, mint, maxt), matchers, ordered)[Symbol.asyncIterator]();
      cursors.push({ it, head: (await it.next()).value ?? undefined });
    }
  }
  const scratch: FloatSamples = { n: 0, t: new Float64Array(128), v: new Float64Array(128) };
  for (;;) {
    let min: Labels | undefined;
    for (const c of cursors) if (c.head && (!min || compareLabels(c.head.labels, min) < 0)) min = c.head.labels;
    if (!min) break;
    const chunks = [];
    for (const c of cursors) {
      while (c.head && compareLabels(c.head.labels, min) === 0) {
        chunks.push(...c.head.chunks);
        c.head = (await c.it.next()).value ?? undefined;
      }
    }
    chunks.sort((a, b) => a.minTime - b.minTime);
    const prefix = formatLabels(min) + " ";
    let last = -Infinity;
    for (const ch of chunks) {
      if (ch.encoding !== Encoding.XOR || ch.maxTime < mint || ch.minTime > maxt) continue;
      const fs = decodeXor(ch.data, scratch);
      for (let i = 0; i < fs.n; i++) {
        const t = fs.t[i]!;
        if (t < mint || t > maxt || t <= last) continue;
        last = t;
        await w.write(prefix + formatFloatG(fs.v[i]!) + " " + t + "\n");
      }
    }
  }
  await w.flush();
}

/**
 * Rows are ordered by the sort labels first. That equals full label order
 * when the only sort label is __name__ and every other label name sorts after
 * it; otherwise the shard is buffered and re-sorted (a slow path for dumps).
 */
export async function* sortedScan<T extends { labels: Labels }>(rows: AsyncIterable<T>, matchers: Matcher[], inLabelOrder: boolean): AsyncGenerator<T> {
  const buffered: T[] = [];
  let prev: Labels | undefined;
  for await (const s of rows) {
    if (inLabelOrder && s.labels[0]?.name !== "__name__") inLabelOrder = false;
    if (!inLabelOrder) {
      buffered.push(s);
      continue;
    }
    if (prev && compareLabels(prev, s.labels) >= 0) throw new Error(`shard rows out of order at ${formatLabels(s.labels)}`);
    prev = s.labels;
    if (matchLabels(matchers, s.labels)) yield s;
  }
  buffered.sort((a, b) => compareLabels(a.labels, b.labels));
  for (const s of buffered) if (matchLabels(matchers, s.labels)) yield s;
}

export function rowsInLabelOrder(sortBy: readonly string[], labelNames: readonly string[]): boolean {
  return sortBy.length === 1 && sortBy[0] === "__name__" && labelNames.every((n) => n === "__name__" || compareStrings(n, "__name__") > 0);
}
