// `parquet-gateway tsdb dump|analyze DIR`: reads TSDB blocks directly.
// `dump` prints exactly what `promtool tsdb dump` prints (float samples only,
// series in label order, Go %g values).

import type { Command } from "commander";
import { formatLabels } from "../model/labels.js";
import type { Matcher } from "../model/matchers.js";
import { parseSelector } from "../model/selector.js";
import { openLocalBlocks } from "../tsdb/open.js";
import { readSeriesData, selectSeries } from "../tsdb/querier.js";
import { analyzeBlocks } from "../tsdb/analyze.js";
import { formatFloatG } from "../util/gofmt.js";
import { LineWriter } from "../util/output.js";
import { parseTimeFlag } from "./flags.js";

export function registerTsdb(program: Command): void {
  const tsdb = program.command("tsdb").description("inspect Prometheus TSDB blocks directly");
  tsdb
    .command("dump")
    .description("print samples like `promtool tsdb dump`")
    .argument("<dir>", "a block directory or a directory of blocks")
    .option("--match <selector>", "series selector, e.g. 'up{job=\"x\"}'")
    .option("--min-time <ms>", "minimum timestamp (inclusive, ms)")
    .option("--max-time <ms>", "maximum timestamp (inclusive, ms)")
    .action(async (dir: string, opts: { match?: string; minTime?: string; maxTime?: string }) => {
      const matchers: Matcher[] = opts.match ? parseSelector(opts.match) : [];
      const mint = parseTimeFlag(opts.minTime, Number.MIN_SAFE_INTEGER, "--min-time");
      const maxt = parseTimeFlag(opts.maxTime, Number.MAX_SAFE_INTEGER, "--max-time");
      await dumpBlocks(dir, matchers, mint, maxt);
    });
  tsdb
    .command("analyze")
    .description("print series count, label cardinalities and chunk statistics")
    .argument("<dir>", "a block directory or a directory of blocks")
    .option("--limit <n>", "rows per table", "20")
    .action(async (dir: string, opts: { limit: string }) => {
      const blocks = await openLocalBlocks(dir);
      try {
        const w = new LineWriter(process.stdout);
        for (const b of blocks) await analyzeBlocks(b, parseInt(opts.limit, 10), w);
        await w.flush();
      } finally {
        await Promise.all(blocks.map((b) => b.close()));
      }
    });
}

export async function dumpBlocks(dir: string, matchers: Matcher[], mint: number, maxt: number): Promise<void> {
  const blocks = await openLocalBlocks(dir);
  const w = new LineWriter(process.stdout);
  try {
    for await (const s of selectSeries(blocks, matchers, mint, maxt)) {
      const data = await readSeriesData(s, mint, maxt);
      const prefix = formatLabels(s.labels) + " ";
      const { n, t, v } = data.floats;
      for (let i = 0; i < n; i++) await w.write(prefix + formatFloatG(v[i]!) + " " + t[i] + "\n");
    }
    await w.flush();
  } finally {
    await Promise.all(blocks.map((b) => b.close()));
  }
}
