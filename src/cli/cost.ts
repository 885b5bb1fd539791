// `parquet-gateway cost`: what serving a workload from a bucket costs per
// month on object storage, measured by running the workload's queries
// through the real read path, compared with keeping the data as TSDB blocks.

import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { measureWorkload, SERVE_DEFAULTS } from "../cost/measure.js";
import { loadPricing, type PricingProfile } from "../cost/pricing.js";
import { buildReport, formatReport, type CacheAssumption, type TsdbComparison } from "../cost/report.js";
import { storedBytes } from "../cost/stored.js";
import { openTsdbModel } from "../cost/tsdb_model.js";
import { parseWorkload } from "../cost/workload.js";
import { parseByteSize } from "../util/bytesize.js";
import { parseDuration } from "../util/duration.js";
import { LineWriter } from "../util/output.js";
import { addBucketFlags, bucketFromFlags } from "./bucket_flags.js";
import { FlagError } from "./flags.js";

interface CostFlags {
  "objstore.configFile"?: string;
  "objstore.config"?: string;
  workload: string;
  pricing?: string;
  profile: string[];
  "tsdb.path"?: string;
  assume: string;
  syncInterval: string;
  "cache.metadataSize": string;
  "cache.dataSize": string;
  "store.fetch.coalesceGap": string;
  "store.fetch.concurrency": string;
  json?: boolean;
}

export function registerCost(program: Command): void {
  const cmd = program.command("cost").description("monthly object-storage cost of serving a workload from a bucket, measured through the real read path, vs. TSDB blocks");
  addBucketFlags(cmd);
  cmd
    .requiredOption("--workload <file>", "workload YAML: queries with selector or matchers, range, skip_chunks, rate_per_day")
    .option("--pricing <file>", "pricing YAML overriding or adding profiles")
    .option("--profile <name>", "pricing profile to report (repeatable or comma-separated; default all)", (v: string, prev: string[]) => [...prev, ...v.split(",").map((s) => s.trim()).filter(Boolean)], [])
    .option("--tsdb.path <dir>", "the source TSDB blocks, for the TSDB side: their stored bytes and a model of the store-gateway reads per query")
    .option("--assume <warm|cold>", "cache state priced: warm (steady state of a long-running serve) or cold (every query on empty caches)", "warm")
    .option("--sync-interval <duration>", "serve's --sync-interval, for the cost of bucket discovery", "1m")
    .option("--cache.metadata-size <bytes>", "as serve", "256MiB")
    .option("--cache.data-size <bytes>", "as serve", "0")
    .option("--store.fetch.coalesce-gap <bytes>", "as serve", "64KiB")
    .option("--store.fetch.concurrency <n>", "as serve", String(SERVE_DEFAULTS.fetchConcurrency))
    .option("--json", "machine-readable output")
    .action(async (raw: Record<string, unknown>) => {
      const f = raw as unknown as CostFlags;
      if (f.assume !== "warm" && f.assume !== "cold") throw new FlagError(`--assume: want warm or cold, got ${JSON.stringify(f.assume)}`);
      const queries = parseWorkload(await readText(f.workload, "--workload"), f.workload);
      const all = loadPricing(f.pricing ? await readText(f.pricing, "--pricing") : undefined, f.pricing);
      const profiles: PricingProfile[] = f.profile.length ? f.profile.map((n) => all.get(n) ?? unknownProfile(n, all)) : [...all.values()];
      const syncIntervalMs = parseDuration(f.syncInterval);
      if (syncIntervalMs <= 0) throw new FlagError("--sync-interval must be positive");
      const concurrency = Number(f["store.fetch.concurrency"]);
      if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new FlagError("--store.fetch.concurrency: want a positive integer");
      const settings = {
        metadataCacheBytes: parseByteSize(f["cache.metadataSize"], "--cache.metadata-size"),
        dataCacheBytes: parseByteSize(f["cache.dataSize"], "--cache.data-size"),
        coalesceGapBytes: parseByteSize(f["store.fetch.coalesceGap"], "--store.fetch.coalesce-gap"),
        fetchConcurrency: concurrency,
      };
      const bucket = await bucketFromFlags(f["objstore.configFile"], f["objstore.config"]);
      const model = f["tsdb.path"] ? await openTsdbModel(f["tsdb.path"]) : undefined;
      try {
        const stored = await storedBytes(bucket);
        if (stored.units === 0) throw new FlagError("the bucket has no published units: convert some blocks first");
        const measurement = await measureWorkload(bucket, queries, settings);
        let tsdb: TsdbComparison;
        if (model) {
          const perQuery = [];
          for (const q of measurement.queries) perQuery.push(await model.query(q.query, q.minTime, q.maxTime));
          tsdb = { source: "tsdb.path", storedBytes: model.storedBytes, model: { blocks: model.blocks, indexHeader: model.indexHeader, sync: model.sync, queries: perQuery } };
        } else {
          tsdb = { source: "unit meta", storedBytes: stored.sourceBytes };
        }
        const report = buildReport({
          bucket: f["objstore.configFile"] ?? "(inline config)",
          assume: f.assume as CacheAssumption,
          syncIntervalMs,
          stored,
          measurement,
          tsdb,
          profiles,
        });
        const w = new LineWriter(process.stdout);
        if (f.json) await w.write(JSON.stringify(report, jsonReplacer, 2) + "\n");
        else for (const line of formatReport(report)) await w.write(line + "\n");
        await w.flush();
      } finally {
        await model?.close();
        await bucket.close();
      }
    });
}

async function readText(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new FlagError(`${flag} ${path}: ${(e as Error).message}`);
  }
}

function unknownProfile(name: string, all: Map<string, PricingProfile>): never {
  throw new FlagError(`--profile ${name}: unknown profile (known: ${[...all.keys()].join(", ")})`);
}

/** Matchers are class instances: print them as selector text. */
function jsonReplacer(key: string, value: unknown): unknown {
  if (key === "matchers" && Array.isArray(value)) return value.map(String);
  return value;
}
