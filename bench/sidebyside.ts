// The side-by-side workload: Prometheus 2.42 reading the blocks vs
// parquet-gateway serving the same data converted into a FILESYSTEM and an
// S3 bucket. Every case runs cold (all servers restarted before each run)
// and warm (after a warm-up, repeated with the sides alternating), and
// records every run: latency, the answer, and for the gateway the object
// storage requests and bytes the run cost (deltas of serve's /metrics).

import { cpSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Matcher } from "../src/model/matchers.js";
import { parseSelector } from "../src/model/selector.js";
import { GatewayClient, PromClient, type Answer } from "./clients.js";
import { counterDelta, memStatus, scrapeObjstore, startPrometheus, startServe, type ObjstoreCounters, type Prometheus, type Serve } from "./procs.js";

export const SIDES = ["prometheus", "gateway-fs", "gateway-s3"] as const;
export type Side = (typeof SIDES)[number];
export type GatewaySide = Exclude<Side, "prometheus">;
export type Phase = "cold" | "warm";

export interface Run {
  side: Side;
  phase: Phase;
  rep: number;
  ms: number;
  answer: Answer;
  /** Gateway only: object-storage requests and bytes of this run. */
  objstore?: ObjstoreCounters;
}

export interface CaseSpec {
  id: string;
  title: string;
  group: "side-by-side" | "store" | "promql";
  /** What each side is asked, for the report. */
  prometheus: string;
  gateway: string;
  /** Answer fields that must agree between the sides. */
  compare: readonly (keyof Answer)[];
  prom(p: PromClient): Promise<Answer>;
  gw(g: GatewayClient): Promise<Answer>;
}

export interface CaseResult {
  id: string;
  title: string;
  group: CaseSpec["group"];
  prometheus: string;
  gateway: string;
  runs: Run[];
  /** Peak RSS (VmHWM, KiB) of each side's server process, max over the phase's processes. */
  peakRssKiB: Record<Side, Record<Phase, number>>;
  /** Whether every side returned the same counts (the compared fields). */
  answersAgree: boolean;
  disagreement?: string;
}

export interface Budget {
  coldReps: number;
  warmup: number;
  warmMin: number;
  warmMax: number;
  /** Stop adding warm reps after this long (per case, all sides). */
  warmBudgetMs: number;
}

/** Prometheus on its own copy of the blocks and a serve per bucket, restartable together. */
export class Servers {
  prom?: Prometheus;
  serves: Partial<Record<GatewaySide, Serve>> = {};
  clients?: { prom: PromClient; gw: Record<GatewaySide, GatewayClient> };

  private constructor(
    private readonly promData: string,
    private readonly buckets: Record<GatewaySide, string>,
  ) {}

  /** Copies the blocks for Prometheus: it writes into its data directory, so it never gets the originals. */
  static async prepare(blocksDir: string, work: string, buckets: Record<GatewaySide, string>): Promise<{ servers: Servers; copyMs: number }> {
    const promData = join(work, "prometheus-data");
    rmSync(promData, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    const t0 = performance.now();
    cpSync(blocksDir, promData, { recursive: true });
    for (const d of ["wal", "chunks_head", "lock", "queries.active"]) rmSync(join(promData, d), { recursive: true, force: true });
    return { servers: new Servers(promData, buckets), copyMs: performance.now() - t0 };
  }

  async start(): Promise<void> {
    const [prom, fs, s3] = await Promise.all([startPrometheus(this.promData), startServe(this.buckets["gateway-fs"]), startServe(this.buckets["gateway-s3"])]);
    this.prom = prom;
    this.serves = { "gateway-fs": fs, "gateway-s3": s3 };
    this.clients = { prom: new PromClient(prom.url), gw: { "gateway-fs": new GatewayClient(fs.grpc), "gateway-s3": new GatewayClient(s3.grpc) } };
  }

  async stop(): Promise<void> {
    if (this.clients) for (const c of Object.values(this.clients.gw)) c.close();
    this.clients = undefined;
    await Promise.all([this.prom?.stop(), ...Object.values(this.serves).map((s) => s.stop())]);
    this.prom = undefined;
    this.serves = {};
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  pid(side: Side): number {
    const p = side === "prometheus" ? this.prom : this.serves[side];
    if (!p) throw new Error(`${side} is not running`);
    return p.pid;
  }
}

async function runOnce(servers: Servers, c: CaseSpec, side: Side, phase: Phase, rep: number): Promise<Run> {
  const cl = servers.clients!;
  if (side === "prometheus") {
    const t0 = performance.now();
    const answer = await c.prom(cl.prom);
    return { side, phase, rep, ms: performance.now() - t0, answer };
  }
  const metrics = servers.serves[side]!.metricsUrl;
  const before = await scrapeObjstore(metrics);
  const t0 = performance.now();
  const answer = await c.gw(cl.gw[side]);
  const ms = performance.now() - t0;
  return { side, phase, rep, ms, answer, objstore: counterDelta(await scrapeObjstore(metrics), before) };
}

function rotate<T>(xs: readonly T[], k: number): T[] {
  return xs.map((_, i) => xs[(i + k) % xs.length]!);
}

export async function runCase(servers: Servers, c: CaseSpec, budget: Budget, log: (s: string) => void): Promise<CaseResult> {
  const runs: Run[] = [];
  const peak = Object.fromEntries(SIDES.map((s) => [s, { cold: 0, warm: 0 }])) as Record<Side, Record<Phase, number>>;
  const notePeak = (phase: Phase): void => {
    for (const s of SIDES) peak[s][phase] = Math.max(peak[s][phase], memStatus(servers.pid(s))?.vmHWMKiB ?? 0);
  };
  // Cold: fresh processes (empty in-process caches) before every measured run.
  for (let rep = 0; rep < budget.coldReps; rep++) {
    await servers.restart();
    for (const side of rotate(SIDES, rep)) runs.push(await runOnce(servers, c, side, "cold", rep));
    notePeak("cold");
  }
  // Warm: fresh processes again, so the warm peak RSS is this case's own.
  await servers.restart();
  for (let i = 0; i < budget.warmup; i++) for (const side of SIDES) await runOnce(servers, c, side, "warm", -1);
  const t0 = performance.now();
  for (let rep = 0; rep < budget.warmMax; rep++) {
    if (rep >= budget.warmMin && performance.now() - t0 > budget.warmBudgetMs) break;
    for (const side of rotate(SIDES, rep)) runs.push(await runOnce(servers, c, side, "warm", rep));
  }
  notePeak("warm");
  const agree = checkAnswers(c, runs);
  const med = (side: Side, phase: Phase): number => median(runs.filter((r) => r.side === side && r.phase === phase).map((r) => r.ms));
  log(`  ${c.id}: warm median ${SIDES.map((s) => `${s} ${med(s, "warm").toFixed(1)} ms`).join(", ")}; cold ${SIDES.map((s) => `${med(s, "cold").toFixed(1)}`).join("/")} ms${agree.ok ? "" : `; ANSWERS DIFFER: ${agree.why}`}`);
  return {
    id: c.id,
    title: c.title,
    group: c.group,
    prometheus: c.prometheus,
    gateway: c.gateway,
    runs,
    peakRssKiB: peak,
    answersAgree: agree.ok,
    ...(agree.ok ? {} : { disagreement: agree.why }),
  };
}

function checkAnswers(c: CaseSpec, runs: readonly Run[]): { ok: boolean; why: string } {
  const ref = runs.find((r) => r.side === "prometheus")?.answer;
  if (!ref) return { ok: false, why: "no prometheus run" };
  for (const r of runs) {
    for (const f of c.compare) {
      if (r.answer[f] !== ref[f]) return { ok: false, why: `${r.side} ${r.phase} #${r.rep}: ${f} ${r.answer[f]} vs prometheus ${ref[f]}` };
    }
  }
  return { ok: true, why: "" };
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Nearest-rank quantile (p99 of fewer than 100 runs is the slowest run). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  if (q === 0.5) {
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  }
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

export interface WorkloadChoice {
  /** Last sample of the data (ms); every query ends here. */
  end: number;
  metric1pct: { name: string; series: number };
  bigMetric: { name: string; series: number };
  regex: { selector: string };
  oneSeries: { selector: string };
  histogram: { name: string };
  totalSeries: number;
}

function matchers(sel: string): Matcher[] {
  return parseSelector(sel);
}

/** The cases, built around metrics picked from the data (see WorkloadChoice). */
export function buildCases(w: WorkloadChoice, withPromql: boolean): CaseSpec[] {
  const H = 3600_000;
  const end = w.end;
  const s24 = end - 24 * H;
  const s1 = end - H;
  const m1 = w.metric1pct.name;
  const big = w.bigMetric.name;
  const cases: CaseSpec[] = [
    {
      id: "label_names",
      title: "label names, 24h",
      group: "side-by-side",
      prometheus: "GET /api/v1/labels (24h)",
      gateway: "LabelNames (24h)",
      compare: ["values"],
      prom: (p) => p.labelNames(s24, end),
      gw: (g) => g.labelNames(s24, end),
    },
    {
      id: "label_values_pod",
      title: "label values of pod (high cardinality), 24h",
      group: "store",
      prometheus: "GET /api/v1/label/pod/values (24h)",
      gateway: "LabelValues pod (24h)",
      compare: ["values"],
      prom: (p) => p.labelValues("pod", s24, end),
      gw: (g) => g.labelValues("pod", s24, end),
    },
    {
      id: "series_metric",
      title: `series selection: one metric (${w.metric1pct.series} series, ~1%), 24h`,
      group: "side-by-side",
      prometheus: `GET /api/v1/series match[]=${m1}`,
      gateway: `Series {__name__="${m1}"} skip_chunks`,
      compare: ["series"],
      prom: (p) => p.series(m1, s24, end),
      gw: (g) => g.series(matchers(m1), s24, end, true),
    },
    {
      id: "series_whole_metric",
      title: `whole metric with skip_chunks (${w.bigMetric.series} series), 24h`,
      group: "store",
      prometheus: `GET /api/v1/series match[]=${big}`,
      gateway: `Series {__name__="${big}"} skip_chunks`,
      compare: ["series"],
      prom: (p) => p.series(big, s24, end),
      gw: (g) => g.series(matchers(big), s24, end, true),
    },
    {
      id: "raw_one_series_24h",
      title: "one series, raw samples, 24h",
      group: "store",
      prometheus: `GET /api/v1/query ${w.oneSeries.selector}[24h]`,
      gateway: "Series (all labels) + decode chunks",
      compare: ["series", "samples"],
      prom: (p) => p.rawSamples(w.oneSeries.selector, 24 * H, end),
      gw: (g) => g.series(matchers(w.oneSeries.selector), s24, end, false),
    },
    {
      id: "raw_metric_1h",
      title: `one metric (~1%), raw samples, 1h`,
      group: "side-by-side",
      prometheus: `GET /api/v1/query ${m1}[1h]`,
      gateway: `Series {__name__="${m1}"} + decode chunks`,
      compare: ["series", "samples"],
      prom: (p) => p.rawSamples(m1, H, end),
      gw: (g) => g.series(matchers(m1), s1, end, false),
    },
    {
      id: "raw_metric_24h",
      title: `one metric (~1%), raw samples, 24h`,
      group: "side-by-side",
      prometheus: `GET /api/v1/query ${m1}[24h]`,
      gateway: `Series {__name__="${m1}"} + decode chunks`,
      compare: ["series", "samples"],
      prom: (p) => p.rawSamples(m1, 24 * H, end),
      gw: (g) => g.series(matchers(m1), s24, end, false),
    },
    {
      id: "raw_regex_1h",
      title: "regex across metrics, raw samples, 1h",
      group: "store",
      prometheus: `GET /api/v1/query ${w.regex.selector}[1h]`,
      gateway: `Series ${w.regex.selector} + decode chunks`,
      compare: ["series", "samples"],
      prom: (p) => p.rawSamples(w.regex.selector, H, end),
      gw: (g) => g.series(matchers(w.regex.selector), s1, end, false),
    },
  ];
  if (withPromql) {
    const q1 = `sum by (job) (rate(${m1}[5m]))`;
    const q2 = `histogram_quantile(0.9, sum by (le) (rate(${w.histogram.name}[5m])))`;
    cases.push(
      {
        id: "promql_rate_24h",
        title: "PromQL range query: sum by (job) (rate(...[5m])), 24h, step 60s",
        group: "promql",
        prometheus: `GET /api/v1/query_range ${q1}`,
        gateway: "src/promql engine over StoreAPI (querier role)",
        compare: ["series", "samples"],
        prom: (p) => p.queryRange(q1, s24, end, 60_000),
        gw: async (g) => (await import("./promql.js")).gatewayRangeQuery(g, q1, s24, end, 60_000),
      },
      {
        id: "promql_histogram_quantile_6h",
        title: "PromQL range query: histogram_quantile(0.9, ...), 6h, step 60s",
        group: "promql",
        prometheus: `GET /api/v1/query_range ${q2}`,
        gateway: "src/promql engine over StoreAPI (querier role)",
        compare: ["series", "samples"],
        prom: (p) => p.queryRange(q2, end - 6 * H, end, 60_000),
        gw: async (g) => (await import("./promql.js")).gatewayRangeQuery(g, q2, end - 6 * H, end, 60_000),
      },
    );
  }
  return cases;
}
