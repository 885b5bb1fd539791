// Downsampling bench (issue 6): the same 30-day query served from raw chunks
// and from 1h aggregates, on one converted FILESYSTEM bucket, in one process
// with its own metrics registry. Prints one JSON object: latency (median,
// p99), GET requests and bytes per query for each side, and the ratios.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { Registry } from "prom-client";
import { decodeXor, type FloatSamples } from "../src/chunkenc/index.js";
import { parseSelector } from "../src/model/selector.js";
import { createBucket, instrumentBucket, objstoreMetrics, parseBucketConfig } from "../src/objstore/index.js";
import type { SelectRequest } from "../src/store/api.js";
import { BucketStore } from "../src/store/bucket_store.js";
import { NO_LIMITS } from "../src/store/limits.js";
import { createLogger } from "../src/util/log.js";
import { CLI } from "./procs.js";
import type { DownsampledSide } from "./report.js";


async function main(blocksDir: string, runs: number): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "pgw-bench-ds-"));
  try {
    const cfg = join(work, "bucket.yml");
    writeFileSync(cfg, `type: FILESYSTEM\nconfig:\n  directory: ${join(work, "bucket")}\n`);
    const t0 = performance.now();
    const conv = spawnSync(process.execPath, [CLI, "convert", "--tsdb.path", blocksDir, "--objstore.config-file", cfg, "--downsample", "--no-progress"], { encoding: "utf8" });
    if (conv.status !== 0) throw new Error(`convert --downsample failed: ${conv.stderr.slice(-2000)}`);
    const convertSec = (performance.now() - t0) / 1000;

    const registry = new Registry();
    const bucket = instrumentBucket(createBucket(parseBucketConfig(`type: FILESYSTEM\nconfig:\n  directory: ${join(work, "bucket")}\n`)), objstoreMetrics(registry));
    const store = new BucketStore(bucket, { externalLabels: {}, metadataCacheBytes: 256 << 20, dataCacheBytes: 0, coalesceGapBytes: 64 << 10, fetchConcurrency: 8, limits: NO_LIMITS, log: createLogger("silent") });
    await store.sync();
    const info = store.info();
    const counter = async (name: string, op?: string): Promise<number> => {
      const m = await registry.getSingleMetric(name)?.get();
      return (m?.values ?? []).filter((v) => !op || v.labels["operation"] === op).reduce((a, v) => a + v.value, 0);
    };
    const base: SelectRequest = { minTime: info.minTime, maxTime: info.maxTime, matchers: parseSelector('{__name__=~".+_total"}') };
    const sides: Record<string, SelectRequest> = {
      raw: { ...base, maxResolutionWindow: 0 },
      "1h": { ...base, maxResolutionWindow: 3_600_000, aggregates: ["count", "sum"] },
    };
    const scratch: FloatSamples = { n: 0, t: new Float64Array(256), v: new Float64Array(256) };
    const runOnce = async (req: SelectRequest): Promise<{ ms: number; series: number; points: number; gets: number; bytes: number }> => {
      const g0 = await counter("parquet_gateway_objstore_requests_total", "get_range");
      const b0 = await counter("parquet_gateway_objstore_read_bytes_total");
      const t = performance.now();
      const r = await store.select(req);
      let series = 0;
      let points = 0;
      for await (const s of r.series) {
        series++;
        for (const c of s.chunks) points += decodeXor(c.data, scratch).n;
        for (const a of s.aggrChunks ?? []) if (a.aggrs.count) points += decodeXor(a.aggrs.count.data, scratch).n;
      }
      const ms = performance.now() - t;
      return { ms, series, points, gets: (await counter("parquet_gateway_objstore_requests_total", "get_range")) - g0, bytes: (await counter("parquet_gateway_objstore_read_bytes_total")) - b0 };
    };
    const out: Record<string, DownsampledSide> = {};
    for (const req of Object.values(sides)) await runOnce(req); // warm metadata for both
    for (const [name, req] of Object.entries(sides)) {
      const lat: number[] = [];
      let last = { ms: 0, series: 0, points: 0, gets: 0, bytes: 0 };
      for (let i = 0; i < runs; i++) {
        last = await runOnce(req);
        lat.push(last.ms);
      }
      const sorted = lat.slice().sort((a, b) => a - b);
      out[name] = {
        latenciesMs: lat.map((x) => +x.toFixed(2)),
        medianMs: +sorted[Math.floor((sorted.length - 1) / 2)]!.toFixed(2),
        p99Ms: +sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!.toFixed(2),
        getsPerQuery: last.gets,
        bytesPerQuery: last.bytes,
        series: last.series,
        points: last.points,
      };
    }
    await bucket.close();
    const raw = out["raw"]!;
    const hour = out["1h"]!;
    process.stdout.write(
      JSON.stringify({
        query: '{__name__=~".+_total"} over 30 days; 1h side asks count+sum (max_resolution_window 1h)',
        days: Math.round((info.maxTime - info.minTime) / 86_400_000),
        convertWithDownsampleSec: +convertSec.toFixed(1),
        raw,
        oneHour: hour,
        ratios: { latency: +(hour.medianMs / raw.medianMs).toFixed(3), bytes: +(hour.bytesPerQuery / raw.bytesPerQuery).toFixed(4), gets: +(hour.getsPerQuery / raw.getsPerQuery).toFixed(3) },
      }) + "\n",
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main(process.argv[2]!, Number(process.argv[3] ?? 5));
