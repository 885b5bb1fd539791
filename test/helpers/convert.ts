// Shared pieces of the converter tests: fixture paths, writable block copies
// (optionally in a Thanos stream), CLI conversion, dump-vs-promtool checks and
// reading every converted series back out of a bucket.
import { chmodSync, cpSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { formatLabels } from "../../src/model/labels.js";
import type { Bucket } from "../../src/objstore/bucket.js";
import type { CellChunk } from "../../src/parquet/schema.js";
import { discoverUnits, type UnitRef } from "../../src/store/discovery.js";
import { scanShard } from "../../src/store/shard_scan.js";
import { cliLines, runCli, type CliResult } from "./cli.js";
import { compareDumps, promtoolDumpLines, type DumpOptions } from "./promtool.js";
import type { TestBucket } from "./buckets.js";

export const fx = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** The single block directory of a one-block fixture. */
export function fxBlock(name: string): string {
  const dir = fx(name);
  const [ulid] = readdirSync(dir).filter((n) => statSync(join(dir, n)).isDirectory());
  return join(dir, ulid!);
}

/** Makes a copied tree writable again: fixtures are read-only and cp keeps the modes. */
function makeWritable(p: string): void {
  const st = statSync(p);
  chmodSync(p, st.isDirectory() ? 0o755 : 0o644);
  if (st.isDirectory()) for (const n of readdirSync(p)) makeWritable(join(p, n));
}

/**
 * Copies a block directory into `parent/<ULID>/`. With `thanos`, the copy's
 * meta.json gets a Thanos section carrying those external labels.
 */
export function copyBlock(blockDir: string, parent: string, thanos?: Record<string, string>): string {
  const ulid = blockDir.split("/").filter(Boolean).pop()!;
  const dst = join(parent, ulid);
  cpSync(blockDir, dst, { recursive: true });
  makeWritable(dst);
  if (thanos) {
    const metaPath = join(dst, "meta.json");
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as Record<string, unknown>;
    meta["thanos"] = { labels: thanos, downsample: { resolution: 0 }, source: "test" };
    writeFileSync(metaPath, JSON.stringify(meta, null, "\t"));
  }
  return dst;
}

export function convert(b: TestBucket, src: string, args: string[] = []): Promise<CliResult> {
  return runCli(["convert", "--tsdb.path", src, "--objstore.config-file", b.configFile, ...args], { timeoutMs: 120_000 });
}

/** Converts and asserts a clean run (exit 0, no error-level log line). */
export async function convertOk(b: TestBucket, src: string, args: string[] = []): Promise<CliResult> {
  const r = await convert(b, src, args);
  expect(r.stderr, r.stderr).not.toMatch(/"level":50/);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

/** `parquet-gateway dump` of the bucket equals `promtool tsdb dump` of `srcs`, line for line. */
export async function expectDumpMatchesPromtool(b: TestBucket, srcs: string | string[], opts: Pick<DumpOptions, "match"> = {}): Promise<number> {
  const args = ["dump", "--objstore.config-file", b.configFile, ...(opts.match ? ["--match", opts.match] : [])];
  const cmp = await compareDumps(cliLines(args), promtoolDumpLines(srcs, opts));
  expect(cmp.firstDiff).toBeUndefined();
  expect(cmp.lines).toBeGreaterThan(0);
  return cmp.lines;
}

export interface ConvertedSeries {
  unit: UnitRef;
  shard: number;
  chunks: CellChunk[];
}

/** Every converted row of every published unit, keyed by its formatted label set. */
export async function readConverted(bucket: Bucket): Promise<Map<string, ConvertedSeries[]>> {
  const out = new Map<string, ConvertedSeries[]>();
  const { units } = await discoverUnits(bucket);
  for (const unit of units) {
    for (let shard = 0; shard < unit.meta.shards.length; shard++) {
      for await (const s of scanShard(bucket, unit.prefix, unit.meta, shard, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)) {
        const key = formatLabels(s.labels);
        // Chunk data are views into a row group buffer: copy, they outlive the scan step.
        const chunks = s.chunks.map((c) => ({ ...c, data: c.data.slice() }));
        const list = out.get(key);
        if (list) list.push({ unit, shard, chunks });
        else out.set(key, [{ unit, shard, chunks }]);
      }
    }
  }
  return out;
}

/** Unit meta.json keys in the bucket, for tests that look at raw objects. */
export async function metaKeys(bucket: Bucket): Promise<string[]> {
  const out: string[] = [];
  for await (const k of bucket.list("", { recursive: true })) if (k.endsWith("/meta.json")) out.push(k);
  return out;
}
