// A small in-memory Store over a fixed list of series, for the protocol-mapping
// tests of the gRPC layer. It records every request it receives and can be
// told to fail, warn, pace its iteration or stream forever.

import type { Labels } from "../../src/model/labels.js";
import { compareLabels, compareStrings } from "../../src/model/labels.js";
import { matchLabels } from "../../src/model/matchers.js";
import type { LabelsRequest, SelectRequest, SelectResult, Store, StoreInfo, StoreSeries } from "../../src/store/api.js";
import { StoreError } from "../../src/store/api.js";

export interface MemStoreOptions {
  info?: Partial<StoreInfo>;
  warnings?: string[];
  /** Thrown by select() before any series. */
  failSelect?: StoreError;
  /** Thrown by the iterator after this many series. */
  failAfter?: { n: number; error: StoreError };
  /** Yield this many synthetic series after the fixed ones, forever if Infinity. */
  endless?: boolean;
  /** Await this before each series (pacing). */
  pace?: () => Promise<void>;
}

export class MemStore implements Store {
  readonly selects: SelectRequest[] = [];
  readonly labelRequests: { kind: "names" | "values"; name?: string; req: LabelsRequest }[] = [];
  /** Series the iterator has produced (counts synthetic ones). */
  produced = 0;
  /** Set when an iteration ends; `aborted` tells whether its signal had fired. */
  lastIteration: { finished: boolean; aborted: boolean } | undefined;
  private abortWaiters: (() => void)[] = [];

  constructor(
    readonly series: StoreSeries[],
    readonly opts: MemStoreOptions = {},
  ) {
    series.sort((a, b) => compareLabels(a.labels, b.labels));
  }

  info(): StoreInfo {
    return {
      minTime: 0,
      maxTime: 100_000,
      labelSets: [[{ name: "region", value: "eu" }]],
      resolutions: [0],
      streams: [],
      ...this.opts.info,
    };
  }

  /** Resolves when a select's signal fires. */
  aborted(): Promise<void> {
    return new Promise((resolve) => this.abortWaiters.push(resolve));
  }

  async select(req: SelectRequest): Promise<SelectResult> {
    this.selects.push(req);
    if (this.opts.failSelect) throw this.opts.failSelect;
    req.signal?.addEventListener("abort", () => {
      for (const w of this.abortWaiters.splice(0)) w();
    });
    const warnings: string[] = [];
    const matching = this.series.filter((s) => matchLabels(req.matchers, s.labels));
    const limit = req.limit && req.limit > 0 ? req.limit : Infinity;
    const self = this;
    const state = { finished: false, aborted: false };
    this.lastIteration = state;
    async function* gen(): AsyncGenerator<StoreSeries> {
      try {
        let n = 0;
        for (const s of matching) {
          if (n >= limit) break;
          if (self.opts.failAfter && n === self.opts.failAfter.n) throw self.opts.failAfter.error;
          if (self.opts.pace) await self.opts.pace();
          n++;
          self.produced++;
          yield req.skipChunks ? { labels: s.labels, chunks: [] } : s;
        }
        if (self.opts.endless) {
          for (let i = 0; ; i++) {
            if (req.signal?.aborted) return;
            if (self.opts.pace) await self.opts.pace();
            else await new Promise((r) => setImmediate(r));
            self.produced++;
            yield {
              labels: [{ name: "__name__", value: "endless" }, { name: "i", value: String(i).padStart(12, "0") }],
              chunks: [{ minTime: i, maxTime: i, encoding: 1, data: new Uint8Array(1000) }],
            };
          }
        }
        warnings.push(...(self.opts.warnings ?? []));
      } finally {
        state.finished = true;
        state.aborted = req.signal?.aborted ?? false;
      }
    }
    return { series: gen(), warnings };
  }

  async labelNames(req: LabelsRequest): Promise<{ names: string[]; warnings: string[] }> {
    this.labelRequests.push({ kind: "names", req });
    if (this.opts.failSelect) throw this.opts.failSelect;
    const names = new Set<string>();
    for (const s of this.series) if (matchLabels(req.matchers, s.labels)) for (const l of s.labels) names.add(l.name);
    return { names: [...names].sort(compareStrings), warnings: this.opts.warnings ?? [] };
  }

  async labelValues(name: string, req: LabelsRequest): Promise<{ values: string[]; warnings: string[] }> {
    this.labelRequests.push({ kind: "values", name, req });
    if (this.opts.failSelect) throw this.opts.failSelect;
    const values = new Set<string>();
    for (const s of this.series) {
      if (!matchLabels(req.matchers, s.labels)) continue;
      const v = s.labels.find((l) => l.name === name)?.value;
      if (v !== undefined) values.add(v);
    }
    return { values: [...values].sort(compareStrings), warnings: this.opts.warnings ?? [] };
  }
}

export function lbls(rec: Record<string, string>): Labels {
  return Object.entries(rec)
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => compareStrings(a.name, b.name));
}
