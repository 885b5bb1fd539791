// `dump --resolution 5m|1h`: the stored aggregates, one line per aggregate
// sample: `{labels} <aggregate> <value> <timestamp_ms>`. Series in label
// order; per series the aggregates in Thanos order (count, sum, min, max,
// counter), each with its samples in time order. The counter lines are the
// stored counter chunks as they are: each chunk's first raw value, the
// cumulative value of each window, and the last raw value repeated at the
// last window's timestamp. Histogram aggregates are not printed.

import { AGGR_NAMES } from "../chunkenc/aggr.js";
import { decodeXor, Encoding } from "../chunkenc/index.js";
import { RES_1H, RES_5M, type AggResolution, type AggrChunk } from "../downsample/types.js";
import { compareLabels, formatLabels, type Labels } from "../model/labels.js";
import type { Matcher } from "../model/matchers.js";
import type { Bucket } from "../objstore/bucket.js";
import { scanAggShard, type ScannedAggSeries } from "../store/agg_scan.js";
import { discoverUnits } from "../store/discovery.js";
import { formatFloatG } from "../util/gofmt.js";
import type { LineWriter } from "../util/output.js";
import { rowsInLabelOrder, sortedScan } from "./dump.js";
import { FlagError } from "./flags.js";

export function parseResolutionFlag(v: string): AggResolution {
  if (v === "5m") return RES_5M;
  if (v === "1h") return RES_1H;
  throw new FlagError(`--resolution ${JSON.stringify(v)}: want 5m or 1h`);
}

interface Cursor {
  it: AsyncIterator<ScannedAggSeries>;
  head: ScannedAggSeries | undefined;
}

export async function dumpAggregates(bucket: Bucket, matchers: Matcher[], mint: number, maxt: number, res: AggResolution, w: LineWriter): Promise<void> {
  const { units } = await discoverUnits(bucket);
  const cursors: Cursor[] = [];
  for (const u of units) {
    if (!u.meta.resolutions.includes(res) || u.meta.dataMaxTime < mint || u.meta.dataMinTime > maxt) continue;
    for (let s = 0; s < u.meta.shards.length; s++) {
      const ordered = rowsInLabelOrder(u.meta.sortBy, u.meta.shards[s]!.labelNames);
      const it = sortedScan(scanAggShard(bucket, u.prefix, u.meta, s, res, mint, maxt), matchers, ordered)[Symbol.asyncIterator]();
      cursors.push({ it, head: (await it.next()).value ?? undefined });
    }
  }
  for (;;) {
    let min: Labels | undefined;
    for (const c of cursors) if (c.head && (!min || compareLabels(c.head.labels, min) < 0)) min = c.head.labels;
    if (!min) break;
    const chunks: AggrChunk[] = [];
    for (const c of cursors) {
      while (c.head && compareLabels(c.head.labels, min) === 0) {
        chunks.push(...c.head.chunks);
        c.head = (await c.it.next()).value ?? undefined;
      }
    }
    chunks.sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
    const prefix = formatLabels(min) + " ";
    for (let i = 0; i < AGGR_NAMES.length; i++) {
      for (const c of chunks) {
        const s = c.subs[i];
        if (!s || s.encoding !== Encoding.XOR) continue;
        const fs = decodeXor(s.data);
        for (let k = 0; k < fs.n; k++) {
          const t = fs.t[k]!;
          if (t < mint || t > maxt) continue;
          await w.write(`${prefix}${AGGR_NAMES[i]} ${formatFloatG(fs.v[k]!)} ${t}\n`);
        }
      }
    }
  }
  await w.flush();
}
