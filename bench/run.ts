// `make bench`: every benchmark, from scratch on generated real blocks, and
// the side-by-side comparison with Prometheus 2.42. Writes
// bench/results/latest.json (every raw measurement), latest.md and charts.
//
// BENCH_SIZE=full uses 100,000 series × 24h; the default quick set is
// 10,000 series × 24h.

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { openLocalBlocks } from "../src/tsdb/open.js";
import { BENCH_ROOT, benchBlocks } from "./data.js";
import { CLI, startS3rver, timed } from "./procs.js";
import { markdown, writeCharts, type BenchResults, type ChunkencResult, type ConvertResult, type DownsampledResult, type TsdbBenchResult } from "./report.js";
import { buildCases, runCase, Servers, type Budget, type CaseResult, type WorkloadChoice } from "./sidebyside.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const REPO = join(BENCH_ROOT, "..");
const full = process.env["BENCH_SIZE"] === "full";
const log = (s: string): void => void process.stderr.write(s + "\n");

function runChild<T>(script: string, args: string[]): T {
  const r = spawnSync(process.execPath, [join(here, script), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${script} failed with ${r.status}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as T;
}

function dirBytes(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const e of readdirSync(p)) n += dirBytes(join(p, e));
  return n;
}

async function describeData(dir: string, hours: number): Promise<BenchResults["data"][string]> {
  const blocks = await openLocalBlocks(dir);
  try {
    return {
      dir: relative(REPO, dir),
      hours,
      blocks: blocks.length,
      series: Math.max(...blocks.map((b) => b.meta.stats.numSeries ?? 0)),
      samples: blocks.reduce((a, b) => a + (b.meta.stats.numSamples ?? 0), 0),
      bytes: dirBytes(dir),
    };
  } finally {
    await Promise.all(blocks.map((b) => b.close()));
  }
}

/** Picks the workload's metrics from the data: ~1% metric, largest metric, a regex over several metrics, one series. */
async function chooseWorkload(dir: string): Promise<WorkloadChoice> {
  const blocks = await openLocalBlocks(dir);
  try {
    const b = blocks[0]!;
    const counts: { name: string; series: number }[] = [];
    for (const name of b.index.labelValues("__name__")) counts.push({ name, series: (await b.index.postings("__name__", name)).length });
    const total = b.meta.stats.numSeries ?? counts.reduce((a, c) => a + c.series, 0);
    const nearest = (xs: { name: string; series: number }[], target: number): { name: string; series: number } =>
      xs.reduce((best, c) => (Math.abs(c.series - target) < Math.abs(best.series - target) ? c : best));
    const metric1pct = nearest(counts, total / 100);
    const bigMetric = counts.reduce((a, c) => (c.series > a.series ? c : a));
    const histogram = nearest(
      counts.filter((c) => c.name.endsWith("_bucket")),
      total / 100,
    );
    const prefix = metric1pct.name.split("_")[0]!;
    const regex = `{__name__=~"${prefix}_.+_total"}`;
    const first = await b.index.series((await b.index.postings("__name__", metric1pct.name))[0]!);
    const oneSeries = `${metric1pct.name}{${first.labels
      .filter((l) => l.name !== "__name__")
      .map((l) => `${l.name}=${JSON.stringify(l.value)}`)
      .join(",")}}`;
    const end = Math.max(...blocks.map((x) => x.meta.maxTime)) - 1;
    return { end, metric1pct, bigMetric, regex: { selector: regex }, oneSeries: { selector: oneSeries }, histogram: { name: histogram.name }, totalSeries: total };
  } finally {
    await Promise.all(blocks.map((x) => x.close()));
  }
}

async function convert(label: string, src: string, bucketName: string, cfg: string): Promise<ConvertResult> {
  const t = await timed(process.execPath, [CLI, "convert", "--tsdb.path", src, "--objstore.config-file", cfg, "--no-progress"]);
  const line = t.stderr.split("\n").find((l) => l.includes('"conversion finished"'));
  if (!line) throw new Error(`convert ${label}: no "conversion finished" line:\n${t.stderr.slice(-2000)}`);
  const j = JSON.parse(line) as Record<string, unknown>;
  const num = (k: string): number => Number(j[k] ?? 0);
  const r: ConvertResult = { label, bucket: bucketName, wallMs: t.wallMs, maxRssKiB: t.maxRssKiB, rssSource: t.rssSource, samples: num("samples"), series: num("series"), sourceBytes: num("sourceBytes"), outputBytes: num("outputBytes"), log: j };
  log(`  convert ${label} → ${bucketName}: ${(t.wallMs / 1000).toFixed(1)} s, ${(r.samples / (t.wallMs / 1000) / 1e6).toFixed(2)} M samples/s, peak RSS ${(t.maxRssKiB / 1024).toFixed(0)} MiB, Parquet ÷ TSDB ${(r.outputBytes / r.sourceBytes).toFixed(3)}`);
  return r;
}

function prometheusVersion(): string {
  const r = spawnSync(process.env["PROMETHEUS"] ?? "prometheus", ["--version"], { encoding: "utf8" });
  return (r.stdout || r.stderr || "prometheus: not found").split("\n")[0]!.trim();
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  let tp = performance.now();
  const phase = (name: string): void => {
    const now = performance.now();
    phases[name] = (now - tp) / 1000;
    tp = now;
    log(`[${((now - t0) / 1000).toFixed(0)} s] ${name} done`);
  };
  const loadStart = loadavg();
  const mainSpec = full ? { series: 100_000, hours: 24 } : { series: 10_000, hours: 24 };

  log(`== data (${full ? "full" : "quick"} set)`);
  const small = await benchBlocks({ series: 10_000, hours: 2 });
  const large = await benchBlocks({ series: 100_000, hours: 2 });
  const mainDir = await benchBlocks(mainSpec);
  // 30 days of a few hundred series for the raw vs 1h-aggregate comparison.
  const monthDir = await benchBlocks({ series: 300, hours: 720, intervalSec: 60, maxBlockHours: 24 });
  phase("data");

  log("== TSDB block reader, XOR codec");
  // Paths in the results are relative to the repository.
  const tsdb = [small, large].map((d) => ({ ...runChild<TsdbBenchResult>("tsdb.js", [d]), dir: relative(REPO, d) }));
  const chunkenc = runChild<ChunkencResult>("chunkenc.js", [join(REPO, "test/fixtures/block-1k-2h/01M81C8ZSCQXTCPJQRKEHEEMV8/chunks/000001"), "2", "--json"]);
  phase("tsdb+chunkenc");

  log("== downsampled aggregates: 30 days raw vs 1h");
  const downsampled = runChild<DownsampledResult>("downsampled.js", [monthDir, "5"]);
  phase("downsampled");

  const work = mkdtempSync(join(tmpdir(), "pgw-bench-"));
  const s3 = await startS3rver(join(work, "s3rver"));
  let servers: Servers | undefined;
  try {
    log("== conversion");
    const fsCfg = (name: string): string => {
      const f = join(work, `${name}.yml`);
      writeFileSync(f, `type: FILESYSTEM\nconfig:\n  directory: ${join(work, name)}\n`);
      return f;
    };
    const convertResults: ConvertResult[] = [];
    convertResults.push(await convert("100,000 series × 2h", large, "FILESYSTEM", fsCfg("large-fs")));
    rmSync(join(work, "large-fs"), { recursive: true, force: true });
    const mainLabel = `${mainSpec.series.toLocaleString("en-US")} series × ${mainSpec.hours}h`;
    const mainFs = fsCfg("main-fs");
    const mainS3 = await s3.bucketConfig("bench-main", work);
    convertResults.push(await convert(mainLabel, mainDir, "FILESYSTEM", mainFs));
    convertResults.push(await convert(mainLabel, mainDir, "S3 (s3rver)", mainS3));
    phase("convert");

    log("== side-by-side");
    const workload = await chooseWorkload(mainDir);
    let withPromql = process.env["BENCH_PROMQL"] !== "0";
    let promqlTodo: string | undefined;
    if (withPromql) {
      try {
        await import("./promql.js");
      } catch (e) {
        withPromql = false;
        promqlTodo = `the PromQL engine (src/promql/engine.ts) could not be loaded (${(e as Error).message}); PromQL range-query cases were not run.`;
      }
    } else promqlTodo = "PromQL cases disabled with BENCH_PROMQL=0.";
    const prepared = await Servers.prepare(mainDir, work, { "gateway-fs": mainFs, "gateway-s3": mainS3 });
    servers = prepared.servers;
    const budget: Budget = full ? { coldReps: 3, warmup: 1, warmMin: 5, warmMax: 15, warmBudgetMs: 30_000 } : { coldReps: 3, warmup: 2, warmMin: 10, warmMax: 30, warmBudgetMs: 6_000 };
    const cases: CaseResult[] = [];
    for (const c of buildCases(workload, withPromql)) cases.push(await runCase(servers, c, budget, log));
    await servers.stop();
    phase("side-by-side");

    const results: BenchResults = {
      date: new Date().toISOString(),
      node: process.version,
      size: full ? "full" : "quick",
      machine: { cpus: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), loadavgStart: loadStart, loadavgEnd: loadavg(), prometheus: prometheusVersion() },
      phasesSec: phases,
      totalSec: (performance.now() - t0) / 1000,
      data: { main: await describeData(mainDir, mainSpec.hours), small: await describeData(small, 2), large: await describeData(large, 2) },
      tsdb,
      chunkenc,
      convert: convertResults,
      workload,
      prometheusCopyMs: prepared.copyMs,
      budget: { ...budget },
      cases,
      downsampled,
      ...(promqlTodo ? { promqlTodo } : {}),
    };
    const out = join(BENCH_ROOT, "results");
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, "latest.json"), JSON.stringify(results, null, 1) + "\n");
    for (const c of writeCharts(results)) writeFileSync(join(out, c.name), c.png);
    writeFileSync(join(out, "latest.md"), markdown(results));
    log(`wrote ${out}/latest.{json,md} and charts in ${(results.totalSec / 60).toFixed(1)} min`);
  } finally {
    await servers?.stop();
    await s3.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
