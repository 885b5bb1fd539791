// `parquet-gateway convert`: TSDB blocks (a directory or a Thanos bucket) in,
// Parquet units on object storage out.
import type { Command } from "commander";
import cliProgress from "cli-progress";
import { convertBlocks, type ConvertProgress } from "../convert/convert.js";
import { discoverBucket, discoverLocal, type SkippedBlock, type SourceBlock } from "../convert/sources.js";
import { parseDuration } from "../util/duration.js";
import { createLogger, type Logger } from "../util/log.js";
import { addBucketFlags, bucketFromFlags, collectLabel } from "./bucket_flags.js";
import { FlagError } from "./flags.js";

interface ConvertFlags {
  "tsdb.path"?: string;
  "tsdb.objstore.configFile"?: string;
  "tsdb.objstore.config"?: string;
  "objstore.configFile"?: string;
  "objstore.config"?: string;
  label: Record<string, string>;
  sortBy: string;
  partition: string;
  "chunks.columnDuration"?: string;
  rowGroupRows: string;
  "shard.maxRows": string;
  "shard.maxLabelColumns": string;
  force: boolean;
  downsample: boolean;
  progress?: boolean;
}

export function registerConvert(program: Command): void {
  const cmd = program
    .command("convert")
    .description("convert Prometheus/Thanos TSDB blocks into Parquet units on object storage")
    .option("--tsdb.path <dir>", "source: a block directory or a directory of blocks");
  addBucketFlags(cmd, "tsdb.objstore", "source Thanos bucket of blocks");
  addBucketFlags(cmd, "objstore", "destination bucket");
  cmd
    .option("--label <name=value>", "external label for the converted data; overrides the blocks' own (repeatable)", collectLabel, {})
    .option("--sort-by <labels>", "comma-separated labels rows are sorted by, before the full label set", "__name__")
    .option("--partition <duration>", "time partition of a unit, UTC aligned; divides 24h, 2h..24h", "24h")
    .option("--chunks.column-duration <duration>", "time window of each s_data_<i> chunk column (default 8h, or the partition if shorter)")
    .option("--row-group-rows <n>", "rows per Parquet row group", "100000")
    .option("--shard.max-rows <n>", "rows per shard before a new shard is cut", "1000000")
    .option("--shard.max-label-columns <n>", "label columns per shard before a new shard is cut", "1024")
    .option("--force", "reconvert partitions already converted from the same blocks", false)
    .option("--downsample", "also write 5m and 1h aggregates (Thanos downsampling) computed from the raw samples", false)
    .option("--no-progress", "never draw a progress bar")
    .action(async (raw: Record<string, unknown>) => {
      const f = raw as unknown as ConvertFlags;
      const log = createLogger();
      const sum = await runConvert(f, log);
      if (sum > 0) process.exitCode = 1;
    });
}

async function runConvert(f: ConvertFlags, log: Logger): Promise<number> {
  const srcFile = f["tsdb.objstore.configFile"];
  const srcYaml = f["tsdb.objstore.config"];
  if (!f["tsdb.path"] && !srcFile && !srcYaml) throw new FlagError("a source is required: --tsdb.path or --tsdb.objstore.config-file");
  if (f["tsdb.path"] && (srcFile || srcYaml)) throw new FlagError("give only one source: --tsdb.path or --tsdb.objstore.config-file");
  const dest = await bucketFromFlags(f["objstore.configFile"], f["objstore.config"]);
  const skipped: SkippedBlock[] = [];
  let sources: SourceBlock[];
  const srcBucket = f["tsdb.path"] ? undefined : await bucketFromFlags(srcFile, srcYaml, "--tsdb.objstore.config-file");
  try {
    sources = f["tsdb.path"] ? await discoverLocal(f["tsdb.path"], skipped) : await discoverBucket(srcBucket!, skipped);
    for (const s of skipped) {
      if (s.error) log.error({ block: s.location, err: s.reason }, "skipping unreadable block");
      else log.info({ block: s.location, reason: s.reason }, "skipping block");
    }
    // Thanos-downsampled blocks (5m, 1h) feed the units' aggregate files as they are.
    const downsampled = sources.filter((s) => s.meta.thanos.resolution !== 0).length;
    log.info({ blocks: sources.length, downsampled, skipped: skipped.length }, "source blocks found");
    const sortBy = f.sortBy.split(",").map((s) => s.trim()).filter(Boolean);
    const int = (v: string, flag: string): number => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n <= 0) throw new FlagError(`${flag}: want a positive integer, got ${JSON.stringify(v)}`);
      return n;
    };
    const progress = f.progress !== false && process.stderr.isTTY ? progressBar() : logProgress(log);
    const t0 = performance.now();
    const sum = await convertBlocks(
      sources,
      dest,
      {
        partitionMs: parseDuration(f.partition),
        labels: f.label,
        sortBy,
        dataColDurationMs: columnDuration(f["chunks.columnDuration"], parseDuration(f.partition)),
        rowGroupRows: int(f.rowGroupRows, "--row-group-rows"),
        maxShardRows: int(f["shard.maxRows"], "--shard.max-rows"),
        maxShardLabelColumns: int(f["shard.maxLabelColumns"], "--shard.max-label-columns"),
        force: f.force,
        downsample: f.downsample,
        createdBy: "parquet-gateway 0.1.0",
      },
      log,
      progress,
    );
    const secs = (performance.now() - t0) / 1000;
    log.info(
      { ...sum, failed: sum.failed.length, seconds: +secs.toFixed(2), samplesPerSec: Math.round(sum.samples / secs), sourceMBps: +(sum.sourceBytes / 1e6 / secs).toFixed(1), sizeRatio: sum.sourceBytes ? +(sum.outputBytes / sum.sourceBytes).toFixed(3) : 0 },
      "conversion finished",
    );
    for (const fl of sum.failed) process.stderr.write(`parquet-gateway: unit ${fl.unit} failed: ${fl.error}\n`);
    const broken = skipped.filter((s) => s.error);
    for (const b of broken) process.stderr.write(`parquet-gateway: block ${b.location} skipped: ${b.reason}\n`);
    return sum.failed.length + broken.length;
  } finally {
    await dest.close();
    await srcBucket?.close();
  }
}

function progressBar(): ConvertProgress {
  const bar = new cliProgress.SingleBar(
    { format: "converting [{bar}] {percentage}% | partitions {units}/{totalUnits} | series {value}/{total} | {mb} MB written | ETA {eta_formatted}", hideCursor: true, clearOnComplete: false, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let units = 0;
  let totalUnits = 0;
  let bytes = 0;
  const payload = (): Record<string, string | number> => ({ units, totalUnits, mb: (bytes / 1e6).toFixed(1) });
  return {
    start(tu, ts) {
      totalUnits = tu;
      bar.start(Math.max(ts, 1), 0, payload());
    },
    unitDone() {
      units++;
      bar.update(payload());
    },
    series(n, b) {
      bytes += b;
      bar.increment(n, payload());
    },
    stop() {
      bar.stop();
    },
  };
}

/** Without a terminal: a structured progress line every few seconds. */
function logProgress(log: Logger): ConvertProgress {
  let units = 0;
  let totalUnits = 0;
  let series = 0;
  let total = 0;
  let bytes = 0;
  let last = performance.now();
  const t0 = last;
  const report = (): void => {
    const secs = (performance.now() - t0) / 1000;
    const rate = series / Math.max(secs, 1e-3);
    log.info({ units, totalUnits, series, totalSeries: total, bytes, etaSeconds: rate > 0 ? Math.max(0, Math.round((total - series) / rate)) : null }, "conversion progress");
  };
  return {
    start(tu, ts) {
      totalUnits = tu;
      total = ts;
    },
    unitDone() {
      units++;
      report();
      last = performance.now();
    },
    series(n, b) {
      series += n;
      bytes += b;
      if (performance.now() - last > 5000) {
        last = performance.now();
        report();
      }
    },
    stop() {},
  };
}

/** Chunk column windows: at least a minute, at most the partition. */
function columnDuration(v: string | undefined, partitionMs: number): number {
  if (v === undefined) return Math.min(8 * 3600_000, partitionMs);
  const d = parseDuration(v);
  if (d < 60_000 || d > partitionMs) throw new FlagError(`--chunks.column-duration ${JSON.stringify(v)}: want between 1m and the partition (${partitionMs / 3600_000}h)`);
  return d;
}
