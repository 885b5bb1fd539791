// bench/results/latest.md from the raw results: every number in the tables
// is computed here from the runs stored in latest.json.

import { barChartSvg, renderPng } from "./chart.js";
import { median, quantile, type CaseResult, type Phase, type Side, type WorkloadChoice } from "./sidebyside.js";
import type { ObjstoreCounters } from "./procs.js";
import { formatBytes } from "../src/util/bytesize.js";

export interface ConvertResult {
  label: string;
  bucket: string;
  wallMs: number;
  maxRssKiB: number;
  rssSource: string;
  samples: number;
  series: number;
  sourceBytes: number;
  outputBytes: number;
  /** From the converter's "conversion finished" log line. */
  log: Record<string, unknown>;
}

export interface TsdbBenchResult {
  dir: string;
  series: number;
  chunks: number;
  chunkBytes: number;
  indexOpenMs: number;
  seriesIterationMs: number;
  xorDecodeSamplesPerSec: number;
  iterationPeakRssMiB: number;
  peakRssMiB: number;
}

export interface ChunkencResult {
  chunks: number;
  samplesPerPass: number;
  decodeSamplesPerSecWall: number;
  decodeSamplesPerCpuSec: number;
  encodeSamplesPerSec: number;
}

export interface BenchResults {
  date: string;
  node: string;
  size: "quick" | "full";
  machine: { cpus: number; memGiB: number; loadavgStart: number[]; loadavgEnd: number[]; prometheus: string };
  phasesSec: Record<string, number>;
  totalSec: number;
  data: Record<string, { dir: string; blocks: number; series: number; samples: number; bytes: number; hours: number }>;
  tsdb: TsdbBenchResult[];
  chunkenc: ChunkencResult;
  convert: ConvertResult[];
  workload: WorkloadChoice;
  prometheusCopyMs: number;
  budget: Record<string, number>;
  cases: CaseResult[];
  promqlTodo?: string;
  downsampled?: DownsampledResult;
}

/** bench/downsampled.ts: one 30-day query from raw chunks and from 1h aggregates. */
export interface DownsampledSide {
  latenciesMs: number[];
  medianMs: number;
  p99Ms: number;
  getsPerQuery: number;
  bytesPerQuery: number;
  series: number;
  points: number;
}

export interface DownsampledResult {
  query: string;
  days: number;
  convertWithDownsampleSec: number;
  raw: DownsampledSide;
  oneHour: DownsampledSide;
  ratios: { latency: number; bytes: number; gets: number };
}

function runsOf(c: CaseResult, side: Side, phase: Phase): number[] {
  return c.runs.filter((r) => r.side === side && r.phase === phase).map((r) => r.ms);
}

function objOf(c: CaseResult, side: Side, phase: Phase): ObjstoreCounters[] {
  return c.runs.filter((r) => r.side === side && r.phase === phase && r.objstore).map((r) => r.objstore!);
}

export function caseStats(c: CaseResult, side: Side, phase: Phase): { n: number; median: number; p99: number; gets: number; bytes: number } {
  const ms = runsOf(c, side, phase);
  const o = objOf(c, side, phase);
  return {
    n: ms.length,
    median: median(ms),
    p99: quantile(ms, 0.99),
    gets: median(o.map((x) => x.gets + x.getRanges + x.heads)),
    bytes: median(o.map((x) => x.readBytes)),
  };
}

const ms = (x: number): string => (Number.isNaN(x) ? "-" : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const ratio = (a: number, b: number): string => (b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : "-");


const int = (n: number): string => (Number.isNaN(n) ? "-" : Math.round(n).toLocaleString("en-US"));
const mib = (kib: number): string => (kib > 0 ? (kib / 1024).toFixed(0) : "-");

function latencyTable(r: BenchResults, phase: Phase): string[] {
  const out = [
    `| case | Prometheus median / p99 ms | gateway FS median / p99 ms | FS ÷ Prom | gateway S3 median / p99 ms | S3 ÷ Prom | GETs / query (FS, S3) | bytes / query (FS) | runs per side | answers agree |`,
    `|---|---|---|---|---|---|---|---|---|---|`,
  ];
  for (const c of r.cases) {
    const p = caseStats(c, "prometheus", phase);
    const f = caseStats(c, "gateway-fs", phase);
    const s = caseStats(c, "gateway-s3", phase);
    out.push(
      `| ${c.title} | ${ms(p.median)} / ${ms(p.p99)} | ${ms(f.median)} / ${ms(f.p99)} | ${ratio(f.median, p.median)} | ${ms(s.median)} / ${ms(s.p99)} | ${ratio(s.median, p.median)} | ${int(f.gets)}, ${int(s.gets)} | ${formatBytes(f.bytes)} | ${p.n} | ${c.answersAgree ? "yes" : `**no**: ${c.disagreement ?? ""}`} |`,
    );
  }
  return out;
}

export function writeCharts(r: BenchResults): { name: string; png: Buffer }[] {
  const cats = r.cases.map((c) => c.id);
  const ratios = (side: Side, phase: Phase): (number | undefined)[] =>
    r.cases.map((c) => {
      const g = caseStats(c, side, phase).median;
      const p = caseStats(c, "prometheus", phase).median;
      return p > 0 ? g / p : undefined;
    });
  const latency = barChartSvg({
    title: "Latency ratio, parquet-gateway ÷ Prometheus 2.42 (median; < 1 means the gateway is faster)",
    subtitle: `${r.size} set: ${r.data["main"]?.series.toLocaleString("en-US")} series × ${r.data["main"]?.hours}h; ${r.date.slice(0, 10)}; log scale`,
    categories: cats,
    series: [
      { name: "FS warm", color: "#1f77b4", values: ratios("gateway-fs", "warm") },
      { name: "FS cold", color: "#aec7e8", values: ratios("gateway-fs", "cold") },
      { name: "S3 warm", color: "#d62728", values: ratios("gateway-s3", "warm") },
      { name: "S3 cold", color: "#ff9896", values: ratios("gateway-s3", "cold") },
    ],
    xLabel: "gateway latency ÷ Prometheus latency",
    reference: 1,
    format: (v) => (v >= 1 ? `${+v.toFixed(2)}×` : `${+v.toPrecision(2)}×`),
  });
  const bytes = barChartSvg({
    title: "Object-storage bytes read per query by parquet-gateway (median)",
    subtitle: "deltas of parquet_gateway_objstore_read_bytes_total on serve's /metrics around each run; log scale",
    categories: cats,
    series: [
      { name: "FS warm", color: "#1f77b4", values: r.cases.map((c) => caseStats(c, "gateway-fs", "warm").bytes) },
      { name: "FS cold", color: "#aec7e8", values: r.cases.map((c) => caseStats(c, "gateway-fs", "cold").bytes) },
      { name: "S3 warm", color: "#d62728", values: r.cases.map((c) => caseStats(c, "gateway-s3", "warm").bytes) },
      { name: "S3 cold", color: "#ff9896", values: r.cases.map((c) => caseStats(c, "gateway-s3", "cold").bytes) },
    ],
    xLabel: "bytes per query",
    format: formatBytes,
    tickFormat: (v) => (v >= 1e9 ? `${v / 1e9} GB` : v >= 1e6 ? `${v / 1e6} MB` : v >= 1e3 ? `${v / 1e3} kB` : `${v} B`),
  });
  return [
    { name: "latency-ratio.png", png: renderPng(latency) },
    { name: "bytes-per-query.png", png: renderPng(bytes) },
  ];
}

export function markdown(r: BenchResults): string {
  const L: string[] = [];
  const main = r.data["main"]!;
  L.push(`# parquet-gateway vs Prometheus 2.42 — benchmark results`);
  L.push("");
  L.push(`Generated by \`make bench\` (${r.size === "full" ? "`BENCH_SIZE=full`" : "quick set"}) on ${r.date}. Every number below is computed from the raw runs in [latest.json](latest.json) by bench/report.ts.`);
  L.push("");
  L.push(`- Machine: ${r.machine.cpus} cores, ${r.machine.memGiB} GiB; load average at start ${r.machine.loadavgStart.map((x) => x.toFixed(1)).join(" ")}, at end ${r.machine.loadavgEnd.map((x) => x.toFixed(1)).join(" ")} (the machine is shared; clients, servers and s3rver all run on the same 2 cores).`);
  L.push(`- Node ${r.node}; ${r.machine.prometheus}.`);
  L.push(`- Data: ${int(main.series)} series × ${main.hours}h at 15 s (${int(main.samples)} samples) in ${main.blocks} promtool blocks of 2h, ${formatBytes(main.bytes)}; generator mix "bench" (counters with resets, gauges, classic histograms), ${r.workload.totalSeries.toLocaleString("en-US")} series, high-cardinality \`pod\` label.`);
  L.push(`- Sides: Prometheus 2.42 on a copy of the blocks; \`parquet-gateway serve\` (defaults: 256 MiB metadata cache, no data cache) over the converted data in a FILESYSTEM bucket and in an S3 bucket (s3rver on loopback). Gateway queries go through the StoreAPI over gRPC (response batches of 64 series) and the client decodes every chunk; Prometheus answers are read and JSON-parsed. Both sides return the same counts (last column) unless marked.`);
  L.push(`- Cold: all three servers restarted before each run (empty in-process caches; the OS page cache stays warm for both sides). Warm: fresh servers, ${r.budget["warmup"]} warm-up run(s), then ${r.budget["warmMin"]}–${r.budget["warmMax"]} runs per side with the order of the sides rotating. p99 is nearest-rank: with fewer than 100 runs it is the slowest run.`);
  L.push(`- Wall time of the whole run: ${(r.totalSec / 60).toFixed(1)} min (${Object.entries(r.phasesSec).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(", ")}).`);
  L.push("");
  L.push(`## Side-by-side latency, warm`);
  L.push("");
  L.push(...latencyTable(r, "warm"));
  L.push("");
  L.push(`## Side-by-side latency, cold (servers restarted before each run)`);
  L.push("");
  L.push(...latencyTable(r, "cold"));
  L.push("");
  if (r.promqlTodo) {
    L.push(`> **TODO (PromQL):** ${r.promqlTodo}`);
    L.push("");
  }
  L.push(`![latency ratio](latency-ratio.png)`);
  L.push("");
  L.push(`![bytes per query](bytes-per-query.png)`);
  L.push("");
  L.push(`## What each case asks`);
  L.push("");
  L.push(`| case | id | Prometheus | gateway |`);
  L.push(`|---|---|---|---|`);
  for (const c of r.cases) L.push(`| ${c.title} | \`${c.id}\` | \`${c.prometheus}\` | \`${c.gateway}\` |`);
  L.push("");
  L.push(`Queries end at the last sample (${new Date(r.workload.end).toISOString()}). Picked from the data: ~1% metric \`${r.workload.metric1pct.name}\` (${r.workload.metric1pct.series} series), largest metric \`${r.workload.bigMetric.name}\` (${r.workload.bigMetric.series} series), regex \`${r.workload.regex.selector}\`, one series \`${r.workload.oneSeries.selector}\`.`);
  L.push("");
  L.push(`## Peak RSS of the server processes (VmHWM, MiB)`);
  L.push("");
  L.push(`| case | Prometheus cold | Prometheus warm | gateway FS cold | gateway FS warm | gateway S3 cold | gateway S3 warm |`);
  L.push(`|---|---|---|---|---|---|---|`);
  for (const c of r.cases) {
    const p = c.peakRssKiB;
    L.push(`| ${c.id} | ${mib(p.prometheus.cold)} | ${mib(p.prometheus.warm)} | ${mib(p["gateway-fs"].cold)} | ${mib(p["gateway-fs"].warm)} | ${mib(p["gateway-s3"].cold)} | ${mib(p["gateway-s3"].warm)} |`);
  }
  L.push("");
  L.push(`Each phase starts from fresh processes, so a value is that case's own peak (plus start-up and the first bucket sync). Prometheus' VmHWM includes the block files it has mmapped and touched.`);
  L.push("");
  L.push(`## Conversion`);
  L.push("");
  L.push(`| input | bucket | wall s | samples/s | source MB/s | peak RSS MiB | Parquet ÷ TSDB bytes |`);
  L.push(`|---|---|---|---|---|---|---|`);
  for (const c of r.convert) {
    const s = c.wallMs / 1000;
    L.push(`| ${c.label} | ${c.bucket} | ${s.toFixed(1)} | ${int(c.samples / s)} | ${(c.sourceBytes / 1e6 / s).toFixed(1)} | ${mib(c.maxRssKiB)} | ${c.sourceBytes ? (c.outputBytes / c.sourceBytes).toFixed(3) : "-"} |`);
  }
  L.push("");
  L.push(`Wall time and peak RSS are of the whole \`parquet-gateway convert\` process (${r.convert[0]?.rssSource ?? "/usr/bin/time"}), start-up included. Prometheus' copy of the blocks took ${(r.prometheusCopyMs / 1000).toFixed(1)} s.`);
  L.push("");
  if (r.downsampled) {
    const d = r.downsampled;
    L.push(`## Downsampled aggregates: ${d.days}-day query, raw vs 1h (issue 6)`);
    L.push("");
    L.push(`Query: \`${d.query}\`, warm metadata, ${d.raw.latenciesMs.length} runs per side on a FILESYSTEM bucket (\`convert --downsample\` took ${d.convertWithDownsampleSec} s).`);
    L.push("");
    L.push("| side | median ms | p99 ms | GETs / query | bytes / query | series | points decoded |");
    L.push("|---|---|---|---|---|---|---|");
    for (const [name, x] of [["raw chunks", d.raw], ["1h aggregates (count, sum)", d.oneHour]] as const) {
      L.push(`| ${name} | ${ms(x.medianMs)} | ${ms(x.p99Ms)} | ${x.getsPerQuery} | ${formatBytes(x.bytesPerQuery)} | ${x.series} | ${x.points.toLocaleString("en-US")} |`);
    }
    L.push(`| **1h ÷ raw** | ${d.ratios.latency.toFixed(2)}× | | ${d.ratios.gets.toFixed(2)}× | ${d.ratios.bytes.toFixed(3)}× | | |`);
    L.push("");
  }
  L.push(`## TSDB block reader and XOR codec (issues 2 and 3)`);
  L.push("");
  L.push(`| block | series | chunks | index open ms | series iteration ms | XOR decode samples/s | iteration peak RSS MiB | peak RSS MiB |`);
  L.push(`|---|---|---|---|---|---|---|---|`);
  for (const t of r.tsdb) L.push(`| ${t.dir.split("/").pop()} | ${int(t.series)} | ${int(t.chunks)} | ${t.indexOpenMs} | ${t.seriesIterationMs} | ${int(t.xorDecodeSamplesPerSec)} | ${t.iterationPeakRssMiB} | ${t.peakRssMiB} |`);
  L.push("");
  const ce = r.chunkenc;
  L.push(`bench/chunkenc.ts on the 1k-series fixture (${int(ce.chunks)} XOR chunks): decodeXor ${(ce.decodeSamplesPerSecWall / 1e6).toFixed(1)} M samples/s wall, ${(ce.decodeSamplesPerCpuSec / 1e6).toFixed(1)} M per CPU-second; encodeXor ${(ce.encodeSamplesPerSec / 1e6).toFixed(1)} M samples/s.`);
  L.push("");
  L.push(`## Caveats`);
  L.push("");
  L.push(`- One shared 2-core machine runs the client, Prometheus, both gateways and s3rver; other work on it shows up as noise, mostly in p99 (see the load averages above).`);
  L.push(`- The raw-sample cases compare what a client gets: Prometheus renders samples as JSON (its /api/v1/query cost grows with the samples it prints), the gateway sends raw chunks that the client decodes. The PromQL cases compare evaluation on both sides instead.`);
  L.push(`- s3rver is a local S3 emulator (files on the same disk, per-request overhead of a Node server), not a cloud object store: the S3 column shows request-count sensitivity, not S3 latency. GET and byte counts are the same for both buckets.`);
  L.push(`- "Cold" restarts the processes; the OS page cache keeps the block files and the FILESYSTEM/s3rver objects warm for both sides.`);
  L.push(`- Peak RSS of the gateway is a Node process (V8 heap included); Prometheus' includes mmapped block pages.`);
  L.push("");
  L.push(`## Reproduce`);
  L.push("");
  L.push("```sh");
  L.push("make bench                  # quick set (10,000 series × 24h)");
  L.push("BENCH_SIZE=full make bench  # 100,000 series × 24h");
  L.push("```");
  L.push("");
  L.push(`Generated blocks are cached in bench/data/ (gitignored); a rerun skips generation.`);
  L.push("");
  return L.join("\n");
}
