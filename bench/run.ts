// `make bench`: every benchmark, from scratch on generated real blocks.
// BENCH_SIZE=full uses the large data sets; the default is the quick set.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BENCH_ROOT, benchBlocks } from "./data.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const full = process.env.BENCH_SIZE === "full";

function runChild(script: string, args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, [join(here, script), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${script} failed with ${r.status}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, size: full ? "full" : "quick" };
  // Block reader on two sizes: peak RSS must not grow with the block.
  const small = await benchBlocks({ series: 10_000, hours: 2 });
  const large = await benchBlocks({ series: 100_000, hours: 2 });
  const tsdb = [runChild("tsdb.js", [small]), runChild("tsdb.js", [large])];
  results.tsdb = tsdb;
  console.log("\n## TSDB block reader");
  console.table(tsdb.map((r) => ({ series: r.series, chunks: r.chunks, "index open ms": r.indexOpenMs, "series iteration ms": r.seriesIterationMs, "XOR decode samples/s": r.xorDecodeSamplesPerSec, "iteration peak RSS MiB": r.iterationPeakRssMiB, "peak RSS MiB": r.peakRssMiB })));
  mkdirSync(join(BENCH_ROOT, "results"), { recursive: true });
  writeFileSync(join(BENCH_ROOT, "results", "latest.json"), JSON.stringify(results, null, 2) + "\n");
}

await main();
