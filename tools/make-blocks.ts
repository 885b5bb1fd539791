// Generates OpenMetrics test data and backfills it into real Prometheus TSDB
// blocks with `promtool tsdb create-blocks-from openmetrics`.
//
//   node dist/tools/make-blocks.js --series 1000 --duration 2h --interval 15s --out DIR
//
// The OpenMetrics text only lives in a temp file for the duration of the
// backfill (it is ~70 bytes per sample, so GBs for big runs).

import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { Command } from "commander";
import { cliArg, formatDuration, isMainModule, parseDuration } from "./common.js";
import {
  addGeneratorOptions,
  describeStats,
  generateOpenMetricsFile,
  generateOptionsFromCli,
  type GenerateOptions,
  type GenerateStats,
  type GeneratorCliOptions,
} from "./gen-openmetrics.js";

export interface MakeBlocksOptions extends GenerateOptions {
  /** Data directory that receives the blocks; created if missing. */
  out: string;
  /** promtool's hidden --max-block-duration; promtool defaults to 2h. */
  maxBlockDurationMs?: number;
  /** Where the temporary OpenMetrics file goes. Default os.tmpdir(). */
  tmpDir?: string;
  /** promtool binary. Default $PROMTOOL or "promtool" from PATH. */
  promtool?: string;
  /** Receives the generator statistics once the text is written. */
  onGenerated?: (stats: GenerateStats, ms: number) => void;
}

/** The subset of meta.json the tools and tests look at. */
export interface BlockMeta {
  ulid: string;
  minTime: number;
  maxTime: number;
  stats: { numSamples: number; numSeries: number; numChunks: number; numTombstones?: number };
  compaction: { level: number; sources: string[] };
  version: number;
}

const ULID_LINE = /^([0-9A-HJKMNP-TV-Z]{26})\s/;

export function promtoolBinary(override?: string): string {
  return override ?? process.env["PROMTOOL"] ?? "promtool";
}

/** Runs a command, collecting stdout/stderr; rejects with stderr on a non-zero exit. */
export function run(cmd: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => reject(new Error(`cannot run ${cmd}: ${e.message}`)));
    child.on("close", (code, signal) => {
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0) resolvePromise({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(" ")} failed (${signal ?? `exit ${code}`}): ${stderr.trim() || stdout.trim()}`));
    });
  });
}

export async function readBlockMeta(blockDir: string): Promise<BlockMeta> {
  return JSON.parse(await readFile(join(blockDir, "meta.json"), "utf8")) as BlockMeta;
}

/**
 * Generates the data, backfills it into opts.out and returns the absolute
 * paths of the new block directories in the order promtool reported them
 * (ascending time).
 */
export async function makeBlocks(opts: MakeBlocksOptions): Promise<string[]> {
  const out = resolve(opts.out);
  await mkdir(out, { recursive: true });
  const work = await mkdtemp(join(opts.tmpDir ?? tmpdir(), "pgw-openmetrics-"));
  try {
    const file = join(work, "data.om");
    const t0 = performance.now();
    const stats = await generateOpenMetricsFile(opts, file);
    opts.onGenerated?.(stats, performance.now() - t0);

    const args = ["tsdb", "create-blocks-from", "openmetrics"];
    if (opts.maxBlockDurationMs !== undefined) args.push(`--max-block-duration=${formatDuration(opts.maxBlockDurationMs)}`);
    args.push(file, out);
    const { stdout } = await run(promtoolBinary(opts.promtool), args);

    const dirs: string[] = [];
    for (const line of stdout.split("\n")) {
      const m = ULID_LINE.exec(line);
      if (m === null) continue;
      const dir = join(out, m[1] as string);
      await stat(join(dir, "meta.json")); // promtool said so; make sure it is really there
      dirs.push(dir);
    }
    if (dirs.length === 0) throw new Error(`promtool reported no blocks:\n${stdout}`);
    return dirs;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  const cmd = addGeneratorOptions(new Command("make-blocks"))
    .description("Generate deterministic test data and backfill it into Prometheus TSDB blocks with promtool.")
    .requiredOption("--out <dir>", "data directory for the blocks")
    .option("--max-block-duration <d>", "largest block promtool may cut, e.g. 6h (promtool default 2h)", cliArg(parseDuration))
    .option("--tmp-dir <dir>", "where the temporary OpenMetrics file goes")
    .option("--quiet", "print only the ULIDs", false);
  cmd.parse(argv);
  const o = cmd.opts<GeneratorCliOptions & { out: string; maxBlockDuration?: number; tmpDir?: string; quiet: boolean }>();
  const log = (s: string): void => {
    if (!o.quiet) process.stderr.write(`${s}\n`);
  };
  const t0 = performance.now();
  let tGen = 0;
  const dirs = await makeBlocks({
    ...generateOptionsFromCli(o),
    out: o.out,
    maxBlockDurationMs: o.maxBlockDuration,
    tmpDir: o.tmpDir,
    onGenerated: (stats, ms) => {
      tGen = ms;
      log(`generated ${describeStats(stats, ms)}`);
    },
  });
  const total = performance.now() - t0;
  log(`backfilled ${dirs.length} block(s) in ${formatDuration(Math.round(total - tGen))} (total ${formatDuration(Math.round(total))})`);
  for (const d of dirs) process.stdout.write(`${basename(d)}\n`);
}

if (isMainModule(import.meta.url)) {
  main(process.argv).catch((err: unknown) => {
    process.stderr.write(`make-blocks: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
