// Benchmark data: real blocks generated with promtool from the project's
// generator, cached under bench/data/ (gitignored) so reruns skip generation.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GENERATOR_VERSION } from "../tools/gen-openmetrics.js";
import { makeBlocks } from "../tools/make-blocks.js";

export const BENCH_ROOT = fileURLToPath(new URL("../../bench", import.meta.url));
export const DATA_DIR = join(BENCH_ROOT, "data");

export interface BenchBlocksSpec {
  series: number;
  hours: number;
  intervalSec?: number;
  maxBlockHours?: number;
}

/** Directory of blocks for the spec, generated once. */
export async function benchBlocks(spec: BenchBlocksSpec): Promise<string> {
  const key = `v${GENERATOR_VERSION}-s${spec.series}-h${spec.hours}-i${spec.intervalSec ?? 15}-b${spec.maxBlockHours ?? 2}`;
  const dir = join(DATA_DIR, key);
  if (existsSync(dir) && readdirSync(dir).length > 0) return dir;
  mkdirSync(DATA_DIR, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  process.stderr.write(`generating ${spec.series} series × ${spec.hours}h with promtool into ${dir} ...\n`);
  const t0 = performance.now();
  await makeBlocks({
    series: spec.series,
    durationMs: spec.hours * 3600_000,
    intervalMs: (spec.intervalSec ?? 15) * 1000,
    out: tmp,
    ...(spec.maxBlockHours ? { maxBlockDurationMs: spec.maxBlockHours * 3600_000 } : {}),
  });
  renameSync(tmp, dir);
  process.stderr.write(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return dir;
}
