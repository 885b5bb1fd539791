// The Queryable the query APIs hand to the engine, acting as a Thanos
// querier over the store: per-request settings applied to every select —
// downsampling window (capped per select as Thanos does since v0.38) and
// aggregates read back as Thanos' querier reads them (downsampled.ts),
// replica-label removal, partial response, query sharding — and
// external-label-only selectors widened so they select like Prometheus
// instead of being refused.

import { Matcher, MatchType } from "../model/matchers.js";
import type { Labels } from "../model/labels.js";
import type { Queryable, SelectHints, SelectResult } from "./storage.js";
import { storeQueryable } from "./store_queryable.js";
import type { Aggr, SelectRequest, Store } from "../store/api.js";
import { xxhash64Into } from "../util/xxhash64.js";
import { aggregatesAsRaw } from "./downsampled.js";

export interface ShardSpec {
  shardIndex: number;
  totalShards: number;
  by: boolean;
  labels: readonly string[];
}

export interface ApiQueryableOptions {
  /** Thanos max_resolution_window in ms (0 = raw data only). */
  maxResolutionMs?: number;
  /** Label names removed from every series (dedup with replica labels). */
  withoutReplicaLabels?: readonly string[];
  /** Unit failures become warnings instead of failing the query. */
  partialResponse?: boolean;
  /** Keep only the series of this shard (Thanos ShardInfo). */
  shard?: ShardSpec;
}

/** Functions that need two samples in their range: Thanos caps the window at range/2 for them. */
const TWO_SAMPLE_FUNCS = new Set(["rate", "irate", "increase", "delta", "idelta", "deriv", "predict_linear", "holt_winters", "double_exponential_smoothing"]);

/** Thanos maxResolutionFromSelectHints. */
export function maxResolutionForSelect(windowMs: number, hints: SelectHints): number {
  const range = hints.rangeMs ?? 0;
  if (range > 0 && TWO_SAMPLE_FUNCS.has(hints.func ?? "")) return Math.min(windowMs, Math.trunc(range / 2));
  return windowMs;
}

/** Thanos aggrsFromFunc: the downsampled aggregates a selector's wrapping function reads. */
export function aggrsFromFunc(f: string): Aggr[] {
  if (f === "min" || f.startsWith("min_")) return ["min"];
  if (f === "max" || f.startsWith("max_")) return ["max"];
  if (f === "count" || f.startsWith("count_")) return ["count"];
  if (f.startsWith("sum_")) return ["sum"];
  if (f === "increase" || f === "rate" || f === "irate" || f === "resets" || f === "xincrease" || f === "xrate") return ["counter"];
  return ["count", "sum"];
}

/** External label names of the store's streams. */
export function externalLabelNames(store: Store): Set<string> {
  const names = new Set<string>();
  for (const ls of store.info().labelSets) for (const l of ls) names.add(l.name);
  return names;
}

const MATCH_ANY_NAME = new Matcher(MatchType.RE, "__name__", ".*");

/**
 * The store refuses selectors whose matchers all name external labels (a
 * Thanos TSDB-store rule); Prometheus and the Thanos querier answer them. A
 * match-everything __name__ matcher keeps the meaning and passes the check.
 */
export function widenExternalOnly(ms: readonly Matcher[], extNames: ReadonlySet<string>): Matcher[] {
  if (ms.length > 0 && ms.every((m) => extNames.has(m.name))) return [...ms, MATCH_ANY_NAME];
  return [...ms];
}

const SEP = 0xff;
const hashOut = new Uint32Array(2);
const enc = new TextEncoder();

/** storepb ShardMatcher: xxhash64 over name 0xff value 0xff of the sharding labels, mod total. */
export function inShard(ls: Labels, s: ShardSpec): boolean {
  if (s.totalShards < 1) return true;
  const set = new Set(s.labels);
  const parts: number[] = [];
  for (const l of ls) {
    if (set.has(l.name) !== s.by) continue;
    for (const b of enc.encode(l.name)) parts.push(b);
    parts.push(SEP);
    for (const b of enc.encode(l.value)) parts.push(b);
    parts.push(SEP);
  }
  xxhash64Into(Uint8Array.from(parts), hashOut);
  const h = (BigInt(hashOut[1]!) << 32n) | BigInt(hashOut[0]!);
  return h % BigInt(s.totalShards) === BigInt(s.shardIndex);
}

export function apiQueryable(store: Store, opts: ApiQueryableOptions = {}): Queryable {
  const extNames = externalLabelNames(store);
  const window = opts.maxResolutionMs ?? 0;
  return {
    async select(mint, maxt, matchers, hints, signal): Promise<SelectResult> {
      const extra: Partial<SelectRequest> = {};
      if (window > 0) {
        extra.maxResolutionWindow = maxResolutionForSelect(window, hints);
        extra.aggregates = aggrsFromFunc(hints.func ?? "");
      }
      if (opts.withoutReplicaLabels?.length) extra.withoutReplicaLabels = [...opts.withoutReplicaLabels];
      if (opts.partialResponse) extra.partialResponse = true;
      // storeQueryable builds the SelectRequest; this view of the store adds the request settings.
      const aggrs = extra.aggregates ?? [];
      const view: Store = {
        info: () => store.info(),
        select: async (req) => {
          const r = await store.select({ ...req, ...extra });
          if (window === 0) return r;
          // Downsampled parts come as aggregates; read them as Thanos' querier does.
          return {
            get warnings() {
              return r.warnings;
            },
            series: (async function* () {
              for await (const s of r.series) yield aggregatesAsRaw(s, aggrs);
            })(),
          };
        },
        labelNames: (req) => store.labelNames(req),
        labelValues: (name, req) => store.labelValues(name, req),
      };
      const res = await storeQueryable(view).select(mint, maxt, widenExternalOnly(matchers, extNames), hints, signal);
      const shard = opts.shard;
      if (shard && shard.totalShards >= 1) return { series: res.series.filter((s) => inShard(s.labels, shard)), warnings: res.warnings };
      return res;
    },
  };
}
