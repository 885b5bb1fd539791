// A Queryable straight over local TSDB blocks (src/tsdb), so the engine can
// be tested against Prometheus reading the very same blocks.

import type { Block } from "../tsdb/block.js";
import { openLocalBlocks } from "../tsdb/open.js";
import { readSeriesData, selectSeries } from "../tsdb/querier.js";
import type { Matcher } from "../model/matchers.js";
import type { Queryable, SelectResult, Series } from "./storage.js";

export class TsdbQueryable implements Queryable {
  private constructor(private readonly blocks: Block[]) {}

  /** Opens DIR (one block, or a directory of blocks). */
  static async open(dir: string): Promise<TsdbQueryable> {
    return new TsdbQueryable(await openLocalBlocks(dir));
  }

  static fromBlocks(blocks: Block[]): TsdbQueryable {
    return new TsdbQueryable(blocks);
  }

  async select(mint: number, maxt: number, matchers: readonly Matcher[], _hints: unknown, signal?: AbortSignal): Promise<SelectResult> {
    const series: Series[] = [];
    for await (const s of selectSeries(this.blocks, matchers, mint, maxt)) {
      signal?.throwIfAborted();
      const data = await readSeriesData(s, mint, maxt);
      if (data.floats.n === 0 && data.histograms.length === 0) continue;
      series.push(data.histograms.length > 0 ? { labels: s.labels, floats: data.floats, histograms: data.histograms } : { labels: s.labels, floats: data.floats });
    }
    return { series, warnings: [] };
  }

  async close(): Promise<void> {
    await Promise.all(this.blocks.map((b) => b.close()));
  }
}
