// Deterministic OpenMetrics test-data generator.
//
// Produces the text format `promtool tsdb create-blocks-from openmetrics`
// accepts: per family `# HELP`/`# TYPE`, then every series' samples in
// ascending time with explicit timestamps, and a final `# EOF`. Output is
// streamed with back-pressure because large runs reach gigabytes.
//
// Everything is a pure function of the options and the seed: series draw from
// their own PRNG streams, and timestamps and jitter are hashes of (seed,
// instance, scrape index), so identical options give byte-identical output.

import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { Command, InvalidArgumentError, Option } from "commander";
import { cliArg, formatDuration, isMainModule, parseDuration, parseTime } from "./common.js";
import { Rng, hashInts, seedToInt } from "./prng.js";

/** Bump whenever the output for given options changes: it keys the test block cache. */
export const GENERATOR_VERSION = 1;

/** 2024-01-01T00:00:00Z, aligned to 2h block boundaries. */
export const DEFAULT_START_MS = Date.UTC(2024, 0, 1);

/** Relative shares of the series budget per metric type. */
export interface Mix {
  counter: number;
  gauge: number;
  histogram: number;
}

export const MIX_PRESETS = {
  bench: { counter: 0.45, gauge: 0.3, histogram: 0.25 },
  counters: { counter: 1, gauge: 0, histogram: 0 },
  gauges: { counter: 0, gauge: 1, histogram: 0 },
  histograms: { counter: 0, gauge: 0, histogram: 1 },
} as const satisfies Record<string, Mix>;
export type MixPreset = keyof typeof MIX_PRESETS;

/**
 * "realistic": each instance scrapes at its own phase within the interval and
 * a few scrapes are off by some milliseconds, as with a real Prometheus.
 * "aligned": every sample sits exactly on start + k * interval.
 */
export type Timing = "realistic" | "aligned";

export interface GenerateOptions {
  /** Exact number of series to emit. */
  series: number;
  durationMs: number;
  intervalMs: number;
  /** Default DEFAULT_START_MS. */
  startMs?: number;
  /** Default 1. */
  seed?: number | string;
  /** Default "bench". */
  mix?: MixPreset | Mix;
  /** Default "realistic". */
  timing?: Timing;
  /** Called after each family with the number of series written so far. */
  onProgress?: (seriesDone: number, seriesTotal: number) => void;
}

export interface GenerateStats {
  series: number;
  samples: number;
  bytes: number;
  families: number;
  /** Distinct __name__ values (a histogram family contributes three). */
  metricNames: number;
  jobs: number;
  instances: number;
  pods: number;
  counterSeries: number;
  gaugeSeries: number;
  histogramSeries: number;
  /** Counter series and histogram label sets that contain a counter reset. */
  resets: number;
  minTimeMs: number;
  maxTimeMs: number;
}

// ---------------------------------------------------------------------------
// Catalogue

type Scope = "pod" | "node";

interface Dim {
  name: string;
  values: readonly string[];
  /** Relative frequencies; uniform when absent. */
  weights?: readonly number[];
}

interface CounterTemplate {
  kind: "counter";
  base: string;
  help: string;
  scope: Scope;
  dims: readonly Dim[];
  integer: boolean;
  /** log10 range of the per-second rate. */
  rate: readonly [number, number];
}

type GaugeModel = "bytes" | "smallInt" | "ratio" | "celsius" | "timestamp" | "const";

interface GaugeTemplate {
  kind: "gauge";
  base: string;
  help: string;
  scope: Scope;
  dims: readonly Dim[];
  model: GaugeModel;
}

interface HistogramTemplate {
  kind: "histogram";
  base: string;
  help: string;
  scope: Scope;
  dims: readonly Dim[];
  /** Finite upper bounds, ascending; +Inf is implicit. */
  buckets: readonly number[];
  integerSum: boolean;
}

type Template = CounterTemplate | GaugeTemplate | HistogramTemplate;

const METHOD: Dim = { name: "method", values: ["GET", "POST", "PUT", "DELETE"], weights: [60, 25, 10, 5] };
const CODE: Dim = {
  name: "code",
  values: ["200", "201", "204", "301", "400", "401", "404", "429", "500", "503"],
  weights: [70, 6, 4, 2, 3, 2, 6, 1, 4, 2],
};
const ROUTE: Dim = {
  name: "route",
  values: ["/", "/api/v1/items", "/api/v1/items/:id", "/api/v1/users", "/api/v1/orders", "/login", "/health", "/metrics"],
};

const COUNTERS: readonly CounterTemplate[] = [
  { kind: "counter", base: "http_requests", help: "HTTP requests handled.", scope: "pod", dims: [METHOD, CODE], integer: true, rate: [-1.5, 2.5] },
  { kind: "counter", base: "errors", help: "Errors by reason.", scope: "pod", dims: [{ name: "reason", values: ["timeout", "refused", "invalid", "internal"] }], integer: true, rate: [-1.5, 0.5] },
  { kind: "counter", base: "sent_bytes", help: "Bytes written to the network.", scope: "pod", dims: [], integer: true, rate: [2, 6] },
  { kind: "counter", base: "received_bytes", help: "Bytes read from the network.", scope: "pod", dims: [], integer: true, rate: [2, 6] },
  { kind: "counter", base: "cpu_seconds", help: "CPU time spent.", scope: "node", dims: [{ name: "mode", values: ["user", "system", "iowait", "idle", "irq"] }], integer: false, rate: [-2, 0] },
  { kind: "counter", base: "grpc_handled", help: "gRPC calls completed.", scope: "pod", dims: [{ name: "grpc_method", values: ["Get", "List", "Create", "Update", "Delete", "Watch"] }, { name: "grpc_code", values: ["OK", "NotFound", "Unavailable", "DeadlineExceeded"], weights: [90, 5, 3, 2] }], integer: true, rate: [-1, 2] },
  { kind: "counter", base: "messages_consumed", help: "Queue messages consumed.", scope: "pod", dims: [{ name: "topic", values: ["orders", "payments", "events", "audit", "emails"] }], integer: true, rate: [-0.5, 3] },
  { kind: "counter", base: "cache_lookups", help: "Cache lookups.", scope: "pod", dims: [{ name: "result", values: ["hit", "miss"], weights: [8, 2] }], integer: true, rate: [0, 3] },
];

const GAUGES: readonly GaugeTemplate[] = [
  { kind: "gauge", base: "memory_usage_bytes", help: "Resident memory.", scope: "pod", dims: [{ name: "type", values: ["rss", "heap", "stack", "cache"] }], model: "bytes" },
  { kind: "gauge", base: "open_connections", help: "Currently open connections.", scope: "pod", dims: [], model: "smallInt" },
  { kind: "gauge", base: "queue_length", help: "Items waiting in the queue.", scope: "pod", dims: [{ name: "queue", values: ["default", "high", "low", "retry"] }], model: "smallInt" },
  { kind: "gauge", base: "utilization_ratio", help: "Fraction of capacity in use.", scope: "pod", dims: [{ name: "resource", values: ["cpu", "disk", "pool"] }], model: "ratio" },
  { kind: "gauge", base: "temperature_celsius", help: "Sensor temperature.", scope: "node", dims: [{ name: "sensor", values: ["cpu0", "cpu1", "board", "nvme0"] }], model: "celsius" },
  { kind: "gauge", base: "last_success_timestamp_seconds", help: "Unix time of the last successful run.", scope: "pod", dims: [{ name: "task", values: ["backup", "sync", "compact", "report"] }], model: "timestamp" },
  { kind: "gauge", base: "build_info", help: "Build information; always 1.", scope: "pod", dims: [{ name: "version", values: ["1.4.2", "1.5.0", "1.5.1", "2.0.0-rc1"] }], model: "const" },
  { kind: "gauge", base: "free_disk_bytes", help: "Free space on a filesystem.", scope: "node", dims: [{ name: "mountpoint", values: ["/", "/var", "/data", "/boot"] }], model: "bytes" },
];

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BYTES_BUCKETS = [100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];
const EXP_BUCKETS = Array.from({ length: 10 }, (_, k) => 0.001 * 2 ** k);

const HISTOGRAMS: readonly HistogramTemplate[] = [
  { kind: "histogram", base: "request_duration_seconds", help: "Request latency.", scope: "pod", dims: [{ name: "method", values: ["GET", "POST"] }, ROUTE], buckets: SECONDS_BUCKETS, integerSum: false },
  { kind: "histogram", base: "response_size_bytes", help: "Response body size.", scope: "pod", dims: [ROUTE], buckets: BYTES_BUCKETS, integerSum: true },
  { kind: "histogram", base: "query_duration_seconds", help: "Database query latency.", scope: "pod", dims: [{ name: "operation", values: ["select", "insert", "update", "delete"] }], buckets: EXP_BUCKETS, integerSum: false },
];

const PREFIXES = [
  "api", "app", "http", "grpc", "db", "cache", "queue", "worker", "scheduler", "storage",
  "auth", "billing", "search", "ingest", "notifier", "gateway", "proxy", "process", "node", "runtime",
];

const JOBS: readonly { name: string; port: number }[] = [
  { name: "kubernetes-pods", port: 8080 },
  { name: "node-exporter", port: 9100 },
  { name: "api-gateway", port: 8080 },
  { name: "frontend", port: 3000 },
  { name: "checkout", port: 8081 },
  { name: "payments", port: 8082 },
  { name: "cart", port: 8083 },
  { name: "search", port: 9200 },
  { name: "auth", port: 8084 },
  { name: "ingress-nginx", port: 10254 },
  { name: "redis", port: 9121 },
  { name: "postgres", port: 9187 },
  { name: "kafka", port: 9308 },
  { name: "orders", port: 8085 },
  { name: "cadvisor", port: 4194 },
  { name: "kube-state-metrics", port: 8086 },
];

// Stream ids so unrelated random decisions never share a PRNG sequence.
const S_TOPO = 1;
const S_FAMILY = 2;
const S_ORDER = 3;
const S_PHASE = 4;
const S_JITTER = 5;
const S_SERIES = 100;

const RESET_FRACTION = 0.05;
const GOLDEN = 0.6180339887498949;

// ---------------------------------------------------------------------------
// Plan: which families exist, how many series each, and the label universe.

interface Family {
  name: string;
  template: Template;
  /** Series for counters/gauges; label sets for histograms. */
  count: number;
  /** Where this family starts in the pod/instance space. */
  offset: number;
  /** Ordinal of the family's first counter series / histogram label set, for reset selection. */
  resetBase: number;
}

interface Plan {
  seedInt: number;
  families: Family[];
  instances: number;
  pods: number;
  jobOfInstance: Uint8Array;
  jobs: number;
  counterSeries: number;
  gaugeSeries: number;
  histogramSeries: number;
}

function resolveMix(mix: MixPreset | Mix | undefined): Mix {
  const m: Mix = mix === undefined ? MIX_PRESETS.bench : typeof mix === "string" ? MIX_PRESETS[mix] : mix;
  if (m === undefined) throw new Error(`unknown mix preset: ${String(mix)}`);
  const total = m.counter + m.gauge + m.histogram;
  for (const v of [m.counter, m.gauge, m.histogram]) {
    if (!Number.isFinite(v) || v < 0) throw new Error("mix shares must be non-negative numbers");
  }
  if (!(total > 0)) throw new Error("mix shares must not all be zero");
  return { counter: m.counter / total, gauge: m.gauge / total, histogram: m.histogram / total };
}

/** Parses "bench" or "counter=0.5,gauge=0.3,histogram=0.2". */
export function parseMix(text: string): MixPreset | Mix {
  if (Object.hasOwn(MIX_PRESETS, text)) return text as MixPreset;
  const mix: Mix = { counter: 0, gauge: 0, histogram: 0 };
  for (const part of text.split(",")) {
    const [k, v] = part.split("=");
    if ((k !== "counter" && k !== "gauge" && k !== "histogram") || v === undefined || !/^\d+(\.\d+)?$/.test(v)) {
      throw new Error(`invalid mix ${JSON.stringify(text)}: use a preset (${Object.keys(MIX_PRESETS).join(", ")}) or counter=..,gauge=..,histogram=..`);
    }
    mix[k] = Number(v);
  }
  resolveMix(mix);
  return mix;
}

const zipf = (n: number, s = 0.9): number[] => Array.from({ length: n }, (_, r) => 1 / (r + 1) ** s);

/** Splits total into parts proportional to weights (largest remainder). */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) {
    const i = (order[k] as readonly [number, number])[1];
    out[i] = (out[i] as number) + 1;
  }
  return out;
}

const clamp = (x: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, x));

function familyName(t: Template, q: number, nTemplates: number): string {
  const slot = Math.floor(q / nTemplates);
  const round = Math.floor(slot / PREFIXES.length);
  const prefix = (PREFIXES[slot % PREFIXES.length] as string) + (round > 0 ? String(round + 1) : "");
  return `${prefix}_${t.base}`;
}

function buildPlan(opts: GenerateOptions): Plan {
  const n = opts.series;
  const mix = resolveMix(opts.mix);
  const seedInt = seedToInt(opts.seed ?? 1);

  // Cardinalities reach the bench targets (~200 names, ~2,000 instances) at
  // 10k series and shrink smoothly for small runs.
  const targetNames = clamp(Math.round(2 * Math.sqrt(n)), 3, 200);
  const instances = clamp(Math.round(n / 5), 1, 2000);
  const jobs = clamp(Math.round(Math.sqrt(instances) / 2.5), 1, JOBS.length);
  const pods = Math.max(1, Math.round(n / 2));

  const topo = new Rng(seedInt, S_TOPO);
  const jobWeights = zipf(jobs, 0.8);
  const jobOfInstance = new Uint8Array(instances);
  for (let i = 0; i < instances; i++) jobOfInstance[i] = i < jobs ? i : topo.weighted(jobWeights);

  // Histograms first: they come in indivisible label sets of (buckets + 3) series.
  const histBudget = Math.round(n * mix.histogram);
  let nHist = mix.histogram > 0 ? Math.max(1, Math.round((targetNames * mix.histogram) / 3)) : 0;
  const histTemplates = (k: number): HistogramTemplate => HISTOGRAMS[k % HISTOGRAMS.length] as HistogramTemplate;
  const unit = (k: number): number => histTemplates(k).buckets.length + 3;
  const unitSum = (m: number): number => Array.from({ length: m }, (_, k) => unit(k)).reduce((a, b) => a + b, 0);
  while (nHist > 0 && unitSum(nHist) > histBudget) nHist--;
  const labelSets = new Array<number>(nHist).fill(1);
  let histLeft = histBudget - unitSum(nHist);
  if (nHist > 0) {
    const extra = apportion(histLeft, zipf(nHist));
    for (let k = 0; k < nHist; k++) {
      const add = Math.floor((extra[k] as number) / unit(k));
      labelSets[k] = (labelSets[k] as number) + add;
      histLeft -= add * unit(k);
    }
    for (let k = 0; k < nHist; k++) {
      while (histLeft >= unit(k)) {
        labelSets[k] = (labelSets[k] as number) + 1;
        histLeft -= unit(k);
      }
    }
  }
  const histogramSeries = histBudget - histLeft;

  // Whatever histograms could not use goes to counters and gauges.
  const rest = n - histogramSeries;
  const cgShare = mix.counter + mix.gauge;
  let counterSeries = cgShare > 0 ? Math.round((rest * mix.counter) / cgShare) : 0;
  let gaugeSeries = rest - counterSeries;
  if (cgShare === 0) {
    counterSeries = 0;
    gaugeSeries = rest;
  }
  const nCounter = Math.min(counterSeries, Math.max(counterSeries > 0 ? 1 : 0, Math.round(targetNames * mix.counter)));
  const nGauge = Math.min(gaugeSeries, Math.max(gaugeSeries > 0 ? 1 : 0, Math.round(targetNames * mix.gauge)));
  const counterSizes = nCounter > 0 ? apportion(counterSeries - nCounter, zipf(nCounter)).map((x) => x + 1) : [];
  const gaugeSizes = nGauge > 0 ? apportion(gaugeSeries - nGauge, zipf(nGauge)).map((x) => x + 1) : [];

  const famRng = new Rng(seedInt, S_FAMILY);
  const families: Family[] = [];
  const add = (template: Template, name: string, count: number): void => {
    const space = template.scope === "pod" ? pods : instances;
    families.push({ name, template, count, offset: famRng.int(space), resetBase: 0 });
  };
  counterSizes.forEach((c, q) => add(COUNTERS[q % COUNTERS.length] as CounterTemplate, familyName(COUNTERS[q % COUNTERS.length] as Template, q, COUNTERS.length), c));
  gaugeSizes.forEach((c, q) => add(GAUGES[q % GAUGES.length] as GaugeTemplate, familyName(GAUGES[q % GAUGES.length] as Template, q, GAUGES.length), c));
  labelSets.forEach((c, q) => add(histTemplates(q), familyName(histTemplates(q), q, HISTOGRAMS.length), c));

  // Shuffle so big and small families of every type are interleaved in the file.
  const order = new Rng(seedInt, S_ORDER);
  for (let i = families.length - 1; i > 0; i--) {
    const j = order.int(i + 1);
    [families[i], families[j]] = [families[j] as Family, families[i] as Family];
  }
  let resetOrdinal = 0;
  for (const f of families) {
    if (f.template.kind === "gauge") continue;
    f.resetBase = resetOrdinal;
    resetOrdinal += f.count;
  }

  const names = new Set<string>();
  for (const f of families) {
    const all = f.template.kind === "histogram" ? [`${f.name}_bucket`, `${f.name}_count`, `${f.name}_sum`] : [seriesName(f)];
    for (const nm of all) {
      if (names.has(nm)) throw new Error(`generator bug: duplicate metric name ${nm}`);
      names.add(nm);
    }
  }
  return { seedInt, families, instances, pods, jobOfInstance, jobs, counterSeries, gaugeSeries, histogramSeries };
}

function seriesName(f: Family): string {
  return f.template.kind === "counter" ? `${f.name}_total` : f.name;
}

// ---------------------------------------------------------------------------
// Labels

const POD_CHARS = "bcdfghjklmnpqrstvwxz2456789"; // the alphabet Kubernetes uses for name suffixes
const POD_SPACE = 27 ** 5;

function podSuffix(x: number, len: number): string {
  let s = "";
  for (let i = 0; i < len; i++) {
    s += POD_CHARS[x % 27];
    x = Math.floor(x / 27);
  }
  return s;
}

class Labels {
  private readonly instanceNames: string[] = [];
  private readonly rsHash: string[];

  constructor(private readonly plan: Plan) {
    this.rsHash = JOBS.map((_, j) => podSuffix(hashInts(plan.seedInt, 11, j) % 27 ** 5, 5) + podSuffix(hashInts(plan.seedInt, 12, j) % 27 ** 5, 5));
  }

  job(instance: number): string {
    return (JOBS[this.plan.jobOfInstance[instance] as number] as { name: string }).name;
  }

  instance(i: number): string {
    let s = this.instanceNames[i];
    if (s === undefined) {
      // Odd multiplier: a bijection on 24 bits, so addresses never collide.
      const x = (Math.imul(i, 0x9e3779b1) + this.plan.seedInt) & 0xffffff;
      const port = (JOBS[this.plan.jobOfInstance[i] as number] as { port: number }).port;
      s = `10.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}:${port}`;
      this.instanceNames[i] = s;
    }
    return s;
  }

  pod(p: number, instance: number): string {
    const j = this.plan.jobOfInstance[instance] as number;
    // 104729 is prime and not a multiple of 3, so this is a bijection mod 27^5.
    const x = (p * 104729 + (this.plan.seedInt % POD_SPACE)) % POD_SPACE;
    return `${(JOBS[j] as { name: string }).name}-${this.rsHash[j] as string}-${podSuffix(x, 5)}`;
  }
}

// ---------------------------------------------------------------------------
// Output

/** Buffers small strings and writes ~64 KiB at a time, honouring back-pressure. */
class Sink {
  private buf = "";
  bytes = 0;
  constructor(private readonly out: Writable) {}

  get full(): boolean {
    return this.buf.length >= 65536;
  }

  push(s: string): void {
    this.buf += s;
  }

  async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const chunk = this.buf;
    this.buf = "";
    this.bytes += chunk.length; // the text is pure ASCII
    if (!this.out.write(chunk)) await once(this.out, "drain");
  }
}

/** OpenMetrics timestamps are seconds; ms precision is kept exactly. */
function formatTs(ms: number): string {
  const s = Math.floor(ms / 1000);
  const frac = ms - s * 1000;
  if (frac === 0) return String(s);
  return `${s}.${frac < 10 ? "00" : frac < 100 ? "0" : ""}${frac}`;
}

/** OpenMetrics canonical le values ("1.0", "0.005", "+Inf"). */
function formatLe(x: number): string {
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

/** Standard normal CDF; Abramowitz & Stegun 7.1.26 erf, |error| < 1.5e-7, clamped to [0, 1]. */
function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return clamp(x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y), 0, 1);
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

interface Timeline {
  /** Timestamp of scrape k for the given instance. */
  ts(instance: number, k: number): number;
  samples: number;
  intervalSec: number;
}

function makeTimeline(opts: GenerateOptions, seedInt: number): Timeline {
  const start = opts.startMs ?? DEFAULT_START_MS;
  const interval = opts.intervalMs;
  const samples = Math.floor(opts.durationMs / interval);
  const intervalSec = interval / 1000;
  if ((opts.timing ?? "realistic") === "aligned") {
    return { ts: (_i, k) => start + k * interval, samples, intervalSec };
  }
  // Phase in [J, interval - J) and jitter within ±J keep every sample inside
  // [start, start + duration) and strictly increasing (interval - 2J > 0).
  const maxJitter = Math.min(25, Math.floor(interval / 8));
  const phases = new Map<number, number>();
  const phase = (i: number): number => {
    let p = phases.get(i);
    if (p === undefined) {
      p = maxJitter + (hashInts(seedInt, S_PHASE, i) % (interval - 2 * maxJitter));
      phases.set(i, p);
    }
    return p;
  };
  return {
    ts: (i, k) => {
      const base = start + phase(i) + k * interval;
      if (maxJitter === 0) return base;
      const h = hashInts(seedInt, S_JITTER, i, k);
      if (h % 100 >= 8) return base; // most scrapes land exactly on schedule
      const mag = 1 + ((h >>> 8) % maxJitter);
      return (h >>> 20) & 1 ? base + mag : base - mag;
    },
    samples,
    intervalSec,
  };
}

interface Counts {
  samples: number;
  resets: number;
  minT: number;
  maxT: number;
  instances: Set<number>;
  pods: Set<number>;
}

function isReset(ordinal: number, seedInt: number): boolean {
  // Low-discrepancy selection: close to 5 % of series even for small runs.
  const x = ordinal * GOLDEN + (seedInt % 1000) / 1000;
  return x - Math.floor(x) < RESET_FRACTION;
}

/**
 * Streams deterministic OpenMetrics text into `out`. The stream is not ended,
 * so stdout can be used; call out.end() afterwards for files.
 */
export async function generateOpenMetrics(opts: GenerateOptions, out: Writable): Promise<GenerateStats> {
  validate(opts);
  const plan = buildPlan(opts);
  const labels = new Labels(plan);
  const tl = makeTimeline(opts, plan.seedInt);
  const sink = new Sink(out);
  const counts: Counts = { samples: 0, resets: 0, minT: Infinity, maxT: -Infinity, instances: new Set(), pods: new Set() };
  const totalSeries = opts.series;
  let seriesDone = 0;

  for (let fi = 0; fi < plan.families.length; fi++) {
    const f = plan.families[fi] as Family;
    const t = f.template;
    sink.push(`# HELP ${f.name} ${t.help}\n# TYPE ${f.name} ${t.kind}\n`);
    const space = t.scope === "pod" ? plan.pods : plan.instances;
    for (let j = 0; j < f.count; j++) {
      const rng = new Rng(plan.seedInt, S_SERIES, fi, j);
      // Each series of a family gets its own target; only when a family is
      // bigger than the target space does a "shard" label keep sets unique.
      const target = (f.offset + j) % space;
      const shard = Math.floor(j / space);
      const instance = t.scope === "pod" ? target % plan.instances : target;
      let ls = `job="${labels.job(instance)}",instance="${labels.instance(instance)}"`;
      if (t.scope === "pod") {
        ls += `,pod="${labels.pod(target, instance)}"`;
        counts.pods.add(target);
      }
      counts.instances.add(instance);
      for (const d of t.dims) {
        const v = d.values[d.weights ? rng.weighted(d.weights) : rng.int(d.values.length)] as string;
        ls += `,${d.name}="${v}"`;
      }
      if (shard > 0) ls += `,shard="${shard}"`;
      const reset = t.kind !== "gauge" && tl.samples >= 2 && isReset(f.resetBase + j, plan.seedInt);
      if (reset) counts.resets++;
      const resetAt = reset ? 1 + rng.int(tl.samples - 1) : -1;

      if (t.kind === "counter") {
        await writeCounter(sink, `${seriesName(f)}{${ls}} `, t, rng, tl, instance, resetAt, counts);
        seriesDone++;
      } else if (t.kind === "gauge") {
        await writeGauge(sink, `${f.name}{${ls}} `, t, rng, tl, instance, counts);
        seriesDone++;
      } else {
        await writeHistogram(sink, f.name, ls, t, rng, tl, instance, resetAt, counts);
        seriesDone += t.buckets.length + 3;
      }
    }
    opts.onProgress?.(seriesDone, totalSeries);
  }
  sink.push("# EOF\n");
  await sink.flush();

  const metricNames = plan.families.reduce((a, f) => a + (f.template.kind === "histogram" ? 3 : 1), 0);
  const jobsUsed = new Set<number>();
  for (const i of counts.instances) jobsUsed.add(plan.jobOfInstance[i] as number);
  return {
    series: seriesDone,
    samples: counts.samples,
    bytes: sink.bytes,
    families: plan.families.length,
    metricNames,
    jobs: jobsUsed.size,
    instances: counts.instances.size,
    pods: counts.pods.size,
    counterSeries: plan.counterSeries,
    gaugeSeries: plan.gaugeSeries,
    histogramSeries: plan.histogramSeries,
    resets: counts.resets,
    minTimeMs: counts.minT,
    maxTimeMs: counts.maxT,
  };
}

function validate(opts: GenerateOptions): void {
  const posInt = (v: number, name: string): void => {
    if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer, got ${v}`);
  };
  posInt(opts.series, "series");
  posInt(opts.durationMs, "durationMs");
  posInt(opts.intervalMs, "intervalMs");
  if (opts.durationMs < opts.intervalMs) throw new Error("duration must be at least one interval");
  if (opts.startMs !== undefined && !Number.isSafeInteger(opts.startMs)) throw new Error("startMs must be an integer");
}

function track(counts: Counts, first: number, last: number, n: number): void {
  counts.samples += n;
  if (first < counts.minT) counts.minT = first;
  if (last > counts.maxT) counts.maxT = last;
}

async function writeCounter(
  sink: Sink, prefix: string, t: CounterTemplate, rng: Rng, tl: Timeline, instance: number, resetAt: number, counts: Counts,
): Promise<void> {
  const rate = 10 ** rng.range(t.rate[0], t.rate[1]);
  const uptime = rng.range(3600, 30 * 86400);
  const phase = rng.next() * 2 * Math.PI;
  let v = t.integer ? Math.floor(rate * uptime) : round2(rate * uptime);
  for (let k = 0; k < tl.samples; k++) {
    const ts = tl.ts(instance, k);
    if (k > 0) {
      // Diurnal rate swing plus Poisson-like noise.
      const mean = rate * tl.intervalSec * (1 + 0.3 * Math.sin((2 * Math.PI * ts) / 86_400_000 + phase));
      const inc = t.integer
        ? Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()))
        : round2(Math.max(0, mean * (1 + 0.2 * rng.normal())));
      v = k === resetAt ? inc : t.integer ? v + inc : round2(v + inc);
    }
    sink.push(`${prefix}${v} ${formatTs(ts)}\n`);
    if (sink.full) await sink.flush();
  }
  track(counts, tl.ts(instance, 0), tl.ts(instance, tl.samples - 1), tl.samples);
}

async function writeGauge(
  sink: Sink, prefix: string, t: GaugeTemplate, rng: Rng, tl: Timeline, instance: number, counts: Counts,
): Promise<void> {
  // Some gauges only change now and then (GC cycles, slow pollers).
  const changeProb = rng.next() < 0.3 ? 0.2 : 1;
  let x = 0;
  let base = 0;
  let period = 0;
  let lag = 0;
  switch (t.model) {
    case "bytes":
      base = 10 ** rng.range(4, 6.5); // pages
      x = base * rng.range(0.8, 1.2);
      break;
    case "smallInt":
      base = 10 ** rng.range(0, 3);
      x = base;
      break;
    case "ratio":
      base = rng.range(-2, 2);
      x = rng.normal();
      break;
    case "celsius":
      base = rng.range(35, 70);
      x = base;
      break;
    case "timestamp":
      period = rng.pick([60, 300, 900, 3600]);
      lag = rng.int(period);
      break;
    case "const":
      break;
  }
  let v = 0;
  for (let k = 0; k < tl.samples; k++) {
    const ts = tl.ts(instance, k);
    if (k === 0 || rng.next() < changeProb) {
      switch (t.model) {
        case "bytes":
          x = Math.max(1, x + 0.05 * (base - x) + 0.01 * base * rng.normal());
          v = Math.round(x) * 4096;
          break;
        case "smallInt":
          x = Math.max(0, x + 0.1 * (base - x) + Math.sqrt(base) * 0.5 * rng.normal());
          v = Math.round(x);
          break;
        case "ratio":
          x = 0.95 * x + 0.3 * rng.normal();
          v = 1 / (1 + Math.exp(-(base + x)));
          break;
        case "celsius":
          x = x + 0.1 * (base - x) + 0.5 * rng.normal();
          v = Math.round(x * 10) / 10;
          break;
        case "timestamp": {
          const sec = Math.floor(ts / 1000) - lag;
          v = Math.floor(sec / period) * period + lag;
          break;
        }
        case "const":
          v = 1;
          break;
      }
    }
    sink.push(`${prefix}${v} ${formatTs(ts)}\n`);
    if (sink.full) await sink.flush();
  }
  track(counts, tl.ts(instance, 0), tl.ts(instance, tl.samples - 1), tl.samples);
}

async function writeHistogram(
  sink: Sink, name: string, ls: string, t: HistogramTemplate, rng: Rng, tl: Timeline, instance: number, resetAt: number, counts: Counts,
): Promise<void> {
  const b = t.buckets;
  const lnB = b.map(Math.log);
  const rate = 10 ** rng.range(-1, 2);
  // Log-normal observations with a median somewhere in the middle buckets.
  const lnMedian = rng.range(lnB[1] as number, lnB[b.length - 3] as number);
  const sigma = rng.range(0.4, 1.3);
  const prefixes = b.map((le) => `${name}_bucket{${ls},le="${formatLe(le)}"} `);
  const infPrefix = `${name}_bucket{${ls},le="+Inf"} `;
  const countPrefix = `${name}_count{${ls}} `;
  const sumPrefix = `${name}_sum{${ls}} `;
  const cum = new Float64Array(b.length);
  let count = 0;
  let sum = 0;

  // Observations are split across buckets by the CDF; rounding a monotone
  // CDF keeps increments monotone in le, so buckets stay cumulative.
  const observe = (n: number, lnMed: number): void => {
    for (let i = 0; i < b.length; i++) cum[i] = (cum[i] as number) + Math.round(n * normCdf(((lnB[i] as number) - lnMed) / sigma));
    count += n;
    const s = n * Math.exp(lnMed + (sigma * sigma) / 2) * rng.range(0.9, 1.1);
    sum = t.integerSum ? sum + Math.round(s) : sum + s;
  };
  observe(Math.floor(rate * rng.range(3600, 30 * 86400)), lnMedian);

  for (let k = 0; k < tl.samples; k++) {
    const ts = tl.ts(instance, k);
    if (k > 0) {
      if (k === resetAt) {
        cum.fill(0);
        count = 0;
        sum = 0;
      }
      const mean = rate * tl.intervalSec;
      observe(Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal())), lnMedian + 0.15 * rng.normal());
    }
    const tsText = ` ${formatTs(ts)}\n`;
    let lines = "";
    for (let i = 0; i < b.length; i++) lines += `${prefixes[i] as string}${cum[i] as number}${tsText}`;
    sink.push(`${lines}${infPrefix}${count}${tsText}${countPrefix}${count}${tsText}${sumPrefix}${sum}${tsText}`);
    if (sink.full) await sink.flush();
  }
  track(counts, tl.ts(instance, 0), tl.ts(instance, tl.samples - 1), tl.samples * (b.length + 3));
}

/** Writes the text to a file and waits until it is fully on disk. */
export async function generateOpenMetricsFile(opts: GenerateOptions, path: string): Promise<GenerateStats> {
  const out = createWriteStream(path);
  try {
    const stats = await generateOpenMetrics(opts, out);
    out.end();
    await finished(out);
    return stats;
  } catch (err) {
    out.destroy();
    throw err;
  }
}

// ---------------------------------------------------------------------------
// CLI

/** Options shared by gen-openmetrics and make-blocks. */
export function addGeneratorOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--series <n>", "number of series").argParser((v) => parsePositiveInt(v, "--series")).makeOptionMandatory())
    .addOption(new Option("--duration <d>", "time span").argParser(cliArg(parseDuration)).default(2 * 3_600_000, "2h"))
    .addOption(new Option("--interval <d>", "scrape interval").argParser(cliArg(parseDuration)).default(15_000, "15s"))
    .addOption(new Option("--start <time>", "first timestamp, RFC 3339 or Unix seconds").argParser(cliArg(parseTime)).default(DEFAULT_START_MS, "2024-01-01T00:00:00Z"))
    .addOption(new Option("--seed <seed>", "PRNG seed, integer or string").argParser((v): number | string => (/^\d+$/.test(v) ? Number(v) : v)).default(1))
    .addOption(
      new Option("--mix <mix>", `preset (${Object.keys(MIX_PRESETS).join(", ")}) or counter=..,gauge=..,histogram=..`).argParser(cliArg(parseMix)).default("bench"),
    )
    .addOption(new Option("--timing <timing>", "per-target scrape phase and jitter, or exact grid").choices(["realistic", "aligned"]).default("realistic"));
}

export interface GeneratorCliOptions {
  series: number;
  duration: number;
  interval: number;
  start: number;
  seed: number | string;
  mix: MixPreset | Mix;
  timing: Timing;
}

export function generateOptionsFromCli(o: GeneratorCliOptions): GenerateOptions {
  return { series: o.series, durationMs: o.duration, intervalMs: o.interval, startMs: o.start, seed: o.seed, mix: o.mix, timing: o.timing };
}

function parsePositiveInt(v: string, flag: string): number {
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new InvalidArgumentError(`${flag} must be a positive integer`);
  return Number(v);
}

export function describeStats(s: GenerateStats, ms: number): string {
  const mb = (s.bytes / 1e6).toFixed(1);
  return (
    `${s.series} series (${s.counterSeries} counter, ${s.gaugeSeries} gauge, ${s.histogramSeries} histogram), ` +
    `${s.samples} samples, ${mb} MB; ${s.metricNames} metric names, ${s.jobs} jobs, ${s.instances} instances, ` +
    `${s.pods} pods, ${s.resets} with counter resets; ${formatDuration(Math.round(ms))}`
  );
}

async function main(argv: string[]): Promise<void> {
  const cmd = addGeneratorOptions(new Command("gen-openmetrics"))
    .description("Write deterministic OpenMetrics test data (for promtool tsdb create-blocks-from openmetrics).")
    .option("--out <file>", "output file, - for stdout", "-")
    .option("--quiet", "no summary on stderr", false);
  cmd.parse(argv);
  const o = cmd.opts<GeneratorCliOptions & { out: string; quiet: boolean }>();
  const opts = generateOptionsFromCli(o);
  const t0 = performance.now();
  let stats: GenerateStats;
  if (o.out === "-") {
    stats = await generateOpenMetrics(opts, process.stdout);
  } else {
    stats = await generateOpenMetricsFile(opts, o.out);
  }
  if (!o.quiet) process.stderr.write(`${describeStats(stats, performance.now() - t0)}\n`);
}

if (isMainModule(import.meta.url)) {
  main(process.argv).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === "EPIPE") return; // reader went away (| head): not an error
    process.stderr.write(`gen-openmetrics: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
