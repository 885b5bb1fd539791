// Differential test: the same queries on the real Prometheus 2.42 and on our
// engine, both reading the same TSDB blocks. Results must match (series,
// timestamps, values within 1e-5 relative, NaN equals NaN); queries that
// fail must fail on both sides with the same error class (bad_data vs
// execution). Error messages are compared too, but only reported.

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine, type QueryResult } from "../../src/promql/engine.js";
import { PromQLError } from "../../src/promql/errors.js";
import type { Queryable } from "../../src/promql/storage.js";
import { storeQueryable } from "../../src/promql/store_queryable.js";
import { newTestBucket } from "../helpers/buckets.js";
import { runCli } from "../helpers/cli.js";
import { meteredStore } from "../helpers/store.js";
import { compareInstant, compareMatrices, normalizeOurs, normalizeProm, type Comparison } from "./compare.js";
import { PrometheusServer, prometheusBinary, type ApiResponse } from "./prom_server.js";
import { buildQueries, edgeQueries, errorQueries, errorWindow, instantQueries, staleQueries, windows, type DiffQuery } from "./queries.js";
import { randomQueries } from "./random_queries.js";

const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));
const blocks6h = fixtures + "blocks-1k-6h";
const blocksNative = fixtures + "block-native-histograms";
const blocksEdge = fixtures + "block-edge-values";

/** One query to run on both sides. */
interface Case {
  template: string;
  query: string;
  where: string;
  /** "error" cases must fail in Prometheus. */
  expectError: boolean;
  prom: () => Promise<ApiResponse>;
  ours: () => Promise<QueryResult>;
  compare: (want: ApiResponse, got: QueryResult) => Comparison;
}

interface Outcome {
  c: Case;
  ok: boolean;
  series: number;
  points: number;
  detail: string[];
}

/** Runs tasks with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function judge(c: Case, want: ApiResponse): Promise<Outcome> {
  let got: QueryResult | undefined;
  let err: unknown;
  try {
    got = await c.ours();
  } catch (e) {
    err = e;
  }
  const base = { c, series: 0, points: 0 };
  if (want.status === "error") {
    if (!err) return { ...base, ok: false, detail: [`prometheus failed (${want.errorType}: ${want.error}) but we succeeded`] };
    const kind = err instanceof PromQLError ? err.kind : `unexpected ${String(err)}`;
    if (kind !== want.errorType) return { ...base, ok: false, detail: [`error class: want ${want.errorType} (${want.error}), got ${kind} (${(err as Error).message})`] };
    const msg = (err as Error).message;
    const wantMsg = (want.error ?? "").replace(/^invalid parameter "query": /, "");
    return { ...base, ok: true, detail: msg === wantMsg ? [] : [`message differs: want ${JSON.stringify(wantMsg)}, got ${JSON.stringify(msg)}`] };
  }
  if (c.expectError) return { ...base, ok: false, detail: ["expected Prometheus to fail, it succeeded"] };
  if (err) return { ...base, ok: false, detail: [`we failed: ${(err as Error).message}`] };
  if (want.warnings?.length) return { ...base, ok: false, detail: [`prometheus warnings: ${want.warnings.join("; ")}`] };
  const cmp = c.compare(want, got!);
  return { c, ok: cmp.ok, series: cmp.series, points: cmp.points, detail: cmp.diffs.slice(0, 8) };
}

const available = existsSync(prometheusBinary);
// PROMQL_DIFF_RANDOM / PROMQL_DIFF_SEED widen the random part for bug hunting.
const randomCount = Number(process.env.PROMQL_DIFF_RANDOM ?? 300);
const randomSeed = Number(process.env.PROMQL_DIFF_SEED ?? 4242);

/**
 * Our side is the whole product path: the blocks converted to Parquet with the
 * CLI, read back through the BucketStore, evaluated by the engine.
 */
interface Gateway extends Queryable {
  close(): Promise<void>;
}

async function gateway(blocks: string): Promise<Gateway> {
  const tb = await newTestBucket("FILESYSTEM");
  const r = await runCli(["convert", "--tsdb.path", blocks, "--objstore.config-file", tb.configFile]);
  if (r.code !== 0) throw new Error(`convert ${blocks} failed: ${r.stderr}`);
  const bucket = tb.open();
  const { store } = meteredStore(bucket);
  await store.sync();
  const q = storeQueryable(store);
  return {
    select: (...args) => q.select(...args),
    close: async () => {
      await bucket.close();
      tb.cleanup();
    },
  };
}

describe.skipIf(!available)("differential against Prometheus 2.42", () => {
  let prom: PrometheusServer;
  let promEdge: PrometheusServer;
  let ours6h: Gateway;
  let oursNative: Gateway;
  let oursEdge: Gateway;
  const engine = new Engine();

  beforeAll(async () => {
    // The edge-values block overlaps the 6h blocks in time, so it gets its own server.
    [prom, promEdge, ours6h, oursNative, oursEdge] = await Promise.all([
      PrometheusServer.start([blocks6h, blocksNative]),
      PrometheusServer.start([blocksEdge]),
      gateway(blocks6h),
      gateway(blocksNative),
      gateway(blocksEdge),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([prom?.stop(), promEdge?.stop(), ours6h?.close(), oursNative?.close(), oursEdge?.close()]);
  });

  function rangeCase(q: DiffQuery, server: () => PrometheusServer, data: () => Queryable, expectError = false): Case {
    const w = q.window;
    return {
      template: q.template,
      query: q.query,
      where: `${w.name}`,
      expectError,
      prom: () => server().queryRange(q.query, w.startMs, w.endMs, w.stepMs),
      ours: () => engine.rangeQuery(data(), q.query, w.startMs, w.endMs, w.stepMs),
      compare: (want, got) => compareMatrices(normalizeProm(want.data!.result), normalizeOurs(got.value.result as never)),
    };
  }

  it("matches Prometheus", async () => {
    const { queries, templateCounts } = buildQueries();
    const cases: Case[] = [
      ...queries.map((q) => rangeCase(q, () => prom, () => ours6h)),
      ...errorQueries.map((query) => rangeCase({ template: "errors", query, window: errorWindow }, () => prom, () => ours6h, true)),
      ...staleQueries().map((q) => rangeCase(q, () => prom, () => oursNative)),
      ...edgeQueries().map((q) => rangeCase(q, () => promEdge, () => oursEdge)),
      ...randomQueries(randomSeed, randomCount).map((query, i) => rangeCase({ template: "random", query, window: Object.values(windows)[i % 4]! }, () => prom, () => ours6h)),
      ...instantQueries().map(
        (q): Case => ({
          template: "instant",
          query: q.query,
          where: `@${q.timeMs}`,
          expectError: false,
          prom: () => prom.queryInstant(q.query, q.timeMs),
          ours: () => engine.instantQuery(ours6h, q.query, q.timeMs),
          compare: (want, got) => compareInstant(want.data!, got.value, q.ordered),
        }),
      ),
    ];
    const t0 = Date.now();
    const wants = await pool(cases, 4, (c) => c.prom());
    const tProm = Date.now() - t0;
    const outcomes: Outcome[] = [];
    for (let i = 0; i < cases.length; i++) outcomes.push(await judge(cases[i]!, wants[i]!));
    const tOurs = Date.now() - t0 - tProm;

    const failed = outcomes.filter((o) => !o.ok);
    const bothFailed = outcomes.filter((o, i) => o.ok && wants[i]!.status === "error");
    const messageDiffs = outcomes.filter((o) => o.ok && o.detail.length > 0);
    const random = outcomes.filter((o) => o.c.template === "random");
    const randomErrors = bothFailed.filter((o) => o.c.template === "random").length;
    const perTemplate = new Map<string, { n: number; fail: number }>();
    for (const o of outcomes) {
      const e = perTemplate.get(o.c.template) ?? { n: 0, fail: 0 };
      e.n++;
      if (!o.ok) e.fail++;
      perTemplate.set(o.c.template, e);
    }
    const lines = [
      `differential: ${outcomes.length} queries (${templateCounts.size} range templates, errors, staleness, edge values, instant), ` +
        `${outcomes.reduce((a, o) => a + o.series, 0)} series and ${outcomes.reduce((a, o) => a + o.points, 0)} points compared; ` +
        `${outcomes.length - failed.length} passed, ${failed.length} failed; prometheus ${tProm} ms, ours ${tOurs} ms`,
      ...[...perTemplate].map(([k, v]) => `  ${k}: ${v.n} queries${v.fail ? `, ${v.fail} FAILED` : ""}`),
      `random: ${random.length} queries (seed ${randomSeed}), ${randomErrors} failing on both sides, ${random.filter((o) => o.series === 0).length} with empty results`,
      `error messages identical for ${bothFailed.length - messageDiffs.length} of ${bothFailed.length} queries failing on both sides`,
      ...messageDiffs.slice(0, 20).map((o) => `  MSG ${o.c.query}: ${o.detail[0]}`),
      ...failed.slice(0, 40).flatMap((o) => [`FAIL [${o.c.where}] ${o.c.query}`, ...o.detail.map((d) => `    ${d}`)]),
    ];
    console.log(lines.join("\n"));
    expect(failed.map((o) => `${o.c.query} [${o.c.where}]: ${o.detail[0]}`)).toEqual([]);
  }, 240_000);
});
