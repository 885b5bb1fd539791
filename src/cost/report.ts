// Turns measurements into a monthly cost report: per-query requests and
// bytes, then storage + requests + egress per pricing profile, for the
// Parquet bucket and for keeping the same data as TSDB blocks.

import { formatDuration } from "../util/duration.js";
import { cacheHitRatio, getRequests, type RequestCounts, type WorkloadMeasurement } from "./measure.js";
import { priceMonth, type MonthlyCost, type MonthlyUsage, type PricingProfile } from "./pricing.js";
import { STORED_KINDS, type StoredBytes } from "./stored.js";
import { THANOS, type FetchCost, type TsdbQueryModel } from "./tsdb_model.js";
import { formatBytes } from "../util/bytesize.js";
import { formatInt, textTable } from "../util/text_table.js";

/** Report tables are indented by two spaces. */
const table = (header: string[], rows: string[][], align: string): string[] => textTable(header, rows, align, "  ");

export const DAYS_PER_MONTH = 30;
const MONTH_MS = DAYS_PER_MONTH * 86_400_000;

export type CacheAssumption = "warm" | "cold";

export interface TsdbComparison {
  /** Where the stored bytes come from. */
  source: "tsdb.path" | "unit meta";
  storedBytes: number;
  /** Present with --tsdb.path: the per-query store-gateway model. */
  model?: {
    blocks: number;
    indexHeader: FetchCost;
    sync: { gets: number; lists: number };
    queries: TsdbQueryModel[];
  };
}

export interface CostReport {
  bucket: string;
  assume: CacheAssumption;
  syncIntervalMs: number;
  daysPerMonth: number;
  stored: StoredBytes;
  measurement: WorkloadMeasurement;
  tsdb: TsdbComparison;
  monthly: {
    profile: PricingProfile;
    gateway: { usage: MonthlyUsage; cost: MonthlyCost };
    tsdb: { usage: MonthlyUsage; cost: MonthlyCost } | undefined;
  }[];
}

export function buildReport(args: {
  bucket: string;
  assume: CacheAssumption;
  syncIntervalMs: number;
  stored: StoredBytes;
  measurement: WorkloadMeasurement;
  tsdb: TsdbComparison;
  profiles: readonly PricingProfile[];
}): CostReport {
  const { measurement: m, tsdb } = args;
  const perMonth = (rate: number): number => rate * DAYS_PER_MONTH;
  const syncs = MONTH_MS / args.syncIntervalMs;
  const gw: MonthlyUsage = { storedBytes: args.stored.totalBytes, gets: getRequests(m.sync) * syncs, lists: m.sync.list * syncs, readBytes: m.sync.bytes * syncs };
  for (const q of m.queries) {
    const c = q[args.assume];
    const n = perMonth(q.query.ratePerDay);
    gw.gets += getRequests(c) * n;
    gw.lists += c.list * n;
    gw.readBytes += c.bytes * n;
  }
  let ts: MonthlyUsage | undefined;
  if (tsdb.model) {
    const tsyncs = MONTH_MS / THANOS.syncIntervalMs;
    ts = { storedBytes: tsdb.storedBytes, gets: tsdb.model.sync.gets * tsyncs, lists: tsdb.model.sync.lists * tsyncs, readBytes: 0 };
    m.queries.forEach((q, i) => {
      const c = tsdb.model!.queries[i]![args.assume];
      const n = perMonth(q.query.ratePerDay);
      ts!.gets += c.gets * n;
      ts!.readBytes += c.bytes * n;
    });
  }
  return {
    bucket: args.bucket,
    assume: args.assume,
    syncIntervalMs: args.syncIntervalMs,
    daysPerMonth: DAYS_PER_MONTH,
    stored: args.stored,
    measurement: m,
    tsdb,
    monthly: args.profiles.map((p) => ({
      profile: p,
      gateway: { usage: gw, cost: priceMonth(p, gw) },
      tsdb: ts ? { usage: ts, cost: priceMonth(p, ts) } : tsdb.storedBytes ? storageOnly(p, tsdb.storedBytes) : undefined,
    })),
  };
}

/** Without the per-query model only the storage side of TSDB blocks is priced. */
function storageOnly(p: PricingProfile, bytes: number): { usage: MonthlyUsage; cost: MonthlyCost } {
  const usage = { storedBytes: bytes, gets: 0, lists: 0, readBytes: 0 };
  return { usage, cost: priceMonth(p, usage) };
}

export function formatReport(r: CostReport): string[] {
  const out: string[] = [];
  const s = r.stored;
  out.push(`STORED  ${r.bucket}: ${s.units} units`);
  out.push(
    ...table(
      ["KIND", "OBJECTS", "BYTES", "SHARE"],
      [
        ...STORED_KINDS.filter((k) => s.byKind[k].objects > 0).map((k) => [k, formatInt(s.byKind[k].objects), formatBytes(s.byKind[k].bytes), pct(s.byKind[k].bytes / Math.max(1, s.totalBytes))]),
        ["total", formatInt(STORED_KINDS.reduce((a, k) => a + s.byKind[k].objects, 0)), formatBytes(s.totalBytes), ""],
      ],
      "lrrr",
    ),
  );
  const t = r.tsdb;
  out.push(`TSDB blocks: ${formatBytes(t.storedBytes)} (${t.source === "tsdb.path" ? `${t.model?.blocks ?? 0} blocks under --tsdb.path` : "sourceBytes of the unit metas"}); Parquet ÷ TSDB = ${t.storedBytes ? (s.totalBytes / t.storedBytes).toFixed(3) : "-"}`);
  out.push("");
  out.push(`QUERIES  each ends at the newest sample (${new Date(s.maxTime).toISOString()}); cold = fresh store, warm = same query again`);
  const rows = r.measurement.queries.map((q, i) => {
    const model = t.model?.queries[i];
    const what = q.query.type === "series" ? `${q.answer.series} series, ${formatInt(q.answer.samples)} samples` : `${q.answer.values} values`;
    return [
      q.query.name,
      formatDuration(q.query.rangeMs),
      fmtNum(q.query.ratePerDay),
      what,
      `${getRequests(q.cold)} / ${formatBytes(q.cold.bytes)}`,
      `${getRequests(q.warm)} / ${formatBytes(q.warm.bytes)}`,
      hit(q.warm),
      model ? `${model.cold.gets} / ${formatBytes(model.cold.bytes)}` : "-",
      model ? `${model.warm.gets} / ${formatBytes(model.warm.bytes)}` : "-",
    ];
  });
  out.push(...table(["QUERY", "RANGE", "PER DAY", "RETURNED", "GW COLD GET/BYTES", "GW WARM GET/BYTES", "WARM CACHE HIT", "TSDB COLD GET/BYTES", "TSDB WARM GET/BYTES"], rows, "lrrlrrrrr"));
  const sy = r.measurement.sync;
  out.push(`gateway bucket sync every ${formatDuration(r.syncIntervalMs)}: ${getRequests(sy)} GET + ${sy.list} LIST, ${formatBytes(sy.bytes)}`);
  if (t.model) {
    out.push(`store gateway (model) sync every ${formatDuration(THANOS.syncIntervalMs)}: ${t.model.sync.gets} GET (deletion-mark probes) + ${t.model.sync.lists} LIST; index-header build once per start: ${t.model.indexHeader.gets} GET, ${formatBytes(t.model.indexHeader.bytes)}`);
  } else {
    out.push("per-query TSDB model: pass --tsdb.path with the source blocks (only storage is compared without it)");
  }
  out.push("");
  out.push(`MONTHLY COST (USD, ${r.daysPerMonth}-day month, ${r.assume} caches)`);
  out.push(
    ...table(
      ["PROFILE", "GW STORAGE", "GW REQUESTS", "GW EGRESS", "GW TOTAL", "TSDB STORAGE", "TSDB REQUESTS", "TSDB EGRESS", "TSDB TOTAL", "GW ÷ TSDB"],
      r.monthly.map((m) => [
        m.profile.name,
        usd(m.gateway.cost.storage),
        usd(m.gateway.cost.requests),
        usd(m.gateway.cost.egress),
        usd(m.gateway.cost.total),
        m.tsdb ? usd(m.tsdb.cost.storage) : "-",
        m.tsdb && t.model ? usd(m.tsdb.cost.requests) : "-",
        m.tsdb && t.model ? usd(m.tsdb.cost.egress) : "-",
        m.tsdb && t.model ? usd(m.tsdb.cost.total) : "-",
        m.tsdb && t.model && m.tsdb.cost.total > 0 ? (m.gateway.cost.total / m.tsdb.cost.total).toFixed(2) : "-",
      ]),
      "lrrrrrrrrr",
    ),
  );
  const g = r.monthly[0]?.gateway.usage;
  if (g) out.push(`monthly usage: gateway ${fmtNum(Math.round(g.gets))} GET, ${fmtNum(Math.round(g.lists))} LIST, ${formatBytes(g.readBytes)} read` + (r.monthly[0]?.tsdb && t.model ? `; TSDB ${fmtNum(Math.round(r.monthly[0].tsdb.usage.gets))} GET, ${fmtNum(Math.round(r.monthly[0].tsdb.usage.lists))} LIST, ${formatBytes(r.monthly[0].tsdb.usage.readBytes)} read` : ""));
  return out;
}

function hit(c: RequestCounts): string {
  const h = cacheHitRatio(c);
  return h === undefined ? "-" : pct(h);
}




function fmtNum(n: number): string {
  return Number.isInteger(n) ? formatInt(n) : String(n);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function usd(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(4);
}
