// StoreAPI conformance, failures and discovery: every gRPC status a store
// answers with (INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNAVAILABLE), partial
// response (WARN turns a storage failure into a warning, ABORT fails), and
// the Info / Store.Info answers.

import { status as Status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { InfoService } from "../../src/api/grpc/gen/info/infopb/rpc.js";
import { StoreService, StoreType, type SeriesRequest } from "../../src/api/grpc/gen/store/storepb/rpc.js";
import { LabelMatcher_Type as MT, PartialResponseStrategy as PRS, type LabelMatcher } from "../../src/api/grpc/gen/store/storepb/types.js";
import type { Init } from "../../src/api/grpc/wire.js";
import type { Bucket } from "../../src/objstore/bucket.js";
import { discoverUnits } from "../../src/store/discovery.js";
import { newTestBucket, type BucketKind } from "../helpers/buckets.js";
import { startS3 } from "../setup/s3.js";
import { DATA_MAX, DATA_MIN, expectedLabelNames, expectedSeries, STREAMS, streamRange, type Pred } from "./design.js";
import { callSeries, copyBucket, decodeChunks, expectSortedUnique, GatedBucket, pairsOf, rejected, serve, useConformance, type Served, type ServeOptions } from "./harness.js";

const MINT = 0;
const MAXT = 253402300799000;

type M = Init<LabelMatcher>;
const eq = (name: string, value: string): M => ({ type: MT.EQ, name, value });
const re = (name: string, value: string): M => ({ type: MT.RE, name, value });
const nre = (name: string, value: string): M => ({ type: MT.NRE, name, value });

// RE2 (Go regexp/syntax) rejects all of these; several are valid JavaScript.
const BAD_REGEXES = ["(", "a)", "[a", "(?=a)", "(?!a)", "(?<=a)b", "(a)\\1", "\\Z", "a{1001}", "[[:nope:]]", "x**", "\\C", "(?P<n>a)(?P<n>b)"];

const suite = useConformance();
const conf = [eq("__name__", "conf")];

/** Unit prefix of the stream with these external labels. */
async function unitOf(bucket: Bucket, labels: Record<string, string>): Promise<string> {
  const { units } = await discoverUnits(bucket);
  const u = units.find((x) => JSON.stringify(x.meta.stream.labels) === JSON.stringify(labels));
  if (!u) throw new Error(`no unit for ${JSON.stringify(labels)}`);
  expect(u.meta.shards).toHaveLength(1);
  return u.prefix;
}

describe.each<BucketKind>(["FILESYSTEM", "S3"])("StoreAPI errors and Info conformance (%s)", (kind) => {
  const env = suite.useKind(kind);
  const all = { minTime: MINT, maxTime: MAXT };

  const withServed = async (bucket: Bucket, opts: ServeOptions, fn: (s: Served) => Promise<void>): Promise<void> => {
    const s = await serve(bucket, opts);
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  };

  describe("INVALID_ARGUMENT", () => {
    it.each(BAD_REGEXES)("regex %j: Series, LabelNames and LabelValues", async (bad) => {
      const c = env().client;
      for (const m of [re("i", bad), nre("i", bad)]) {
        const matchers = [eq("__name__", "conf"), m];
        const errs = [
          await rejected(callSeries(c, { ...all, matchers })),
          await rejected(c.unary(StoreService.LabelNames, { start: MINT, end: MAXT, matchers })),
          await rejected(c.unary(StoreService.LabelValues, { label: "n", start: MINT, end: MAXT, matchers })),
        ];
        for (const e of errs) {
          expect(e.code, e.message).toBe(Status.INVALID_ARGUMENT);
          expect(e.details).toContain(JSON.stringify(bad));
        }
      }
    });

    it("a regex on an external label is checked too", async () => {
      const e = await rejected(callSeries(env().client, { ...all, matchers: [eq("__name__", "conf"), re("region", "(?=eu)")] }));
      expect(e.code).toBe(Status.INVALID_ARGUMENT);
    });

    it("Series without matchers", async () => {
      const e = await rejected(callSeries(env().client, { ...all, matchers: [] }));
      expect(e.code).toBe(Status.INVALID_ARGUMENT);
      expect(e.details).toMatch(/no matchers/);
    });

    it.each([
      ["region=eu", [eq("region", "eu")]],
      ["region=eu, replica=~.+", [eq("region", "eu"), re("replica", ".+")]],
      ['region=~".*"', [re("region", ".*")]],
      ["region=nope", [eq("region", "nope")]],
    ])("Series with only external-label matchers (%s)", async (_n, matchers) => {
      const e = await rejected(callSeries(env().client, { ...all, matchers }));
      expect(e.code).toBe(Status.INVALID_ARGUMENT);
      expect(e.details).toBe("no matchers specified (excluding external labels)");
    });

    it("an unknown matcher type", async () => {
      const e = await rejected(callSeries(env().client, { ...all, matchers: [{ type: 7 as MT, name: "n", value: "1" }] }));
      expect(e.code).toBe(Status.INVALID_ARGUMENT);
    });
  });

  describe("RESOURCE_EXHAUSTED", () => {
    const chunky: Init<SeriesRequest> = { ...all, matchers: [eq("__name__", "chunky")] };
    const everything: Init<SeriesRequest> = { ...all, matchers: [re("__name__", ".+")] };

    it("series limit: one over fails, exactly at the limit passes", async () => {
      const n = expectedSeries({ pred: () => true }).length;
      await withServed(env().objstore, { limits: { maxSeries: n - 1 } }, async (s) => {
        const e = await rejected(callSeries(s.client, everything));
        expect(e.code).toBe(Status.RESOURCE_EXHAUSTED);
        expect(e.details).toMatch(/series limit/);
        // Fewer series are fine on the same store.
        expect((await callSeries(s.client, chunky)).series).toHaveLength(1);
      });
      await withServed(env().objstore, { limits: { maxSeries: n } }, async (s) => {
        expect((await callSeries(s.client, everything)).series).toHaveLength(n);
      });
    });

    it("chunk bytes limit: one byte over fails, exactly at the limit passes", async () => {
      const ref = await callSeries(env().client, chunky);
      const bytes = ref.series[0]!.chunks.reduce((a, c) => a + c.raw!.data.length, 0);
      await withServed(env().objstore, { limits: { maxChunkBytes: bytes - 1 } }, async (s) => {
        const e = await rejected(callSeries(s.client, chunky));
        expect(e.code).toBe(Status.RESOURCE_EXHAUSTED);
        expect(e.details).toMatch(/chunk bytes limit/);
        // skip_chunks fetches no chunk bytes.
        expect((await callSeries(s.client, { ...chunky, skipChunks: true })).series).toHaveLength(1);
      });
      await withServed(env().objstore, { limits: { maxChunkBytes: bytes } }, async (s) => {
        expect((await callSeries(s.client, chunky)).series).toHaveLength(1);
      });
    });

    it("samples limit: one over fails, exactly at the limit passes", async () => {
      const ref = await callSeries(env().client, chunky);
      const samples = decodeChunks(ref.series[0]!).reduce((a, c) => a + c.samples.length, 0);
      expect(samples).toBe(480);
      await withServed(env().objstore, { limits: { maxSamples: samples - 1 } }, async (s) => {
        const e = await rejected(callSeries(s.client, chunky));
        expect(e.code).toBe(Status.RESOURCE_EXHAUSTED);
        expect(e.details).toMatch(/samples limit/);
      });
      await withServed(env().objstore, { limits: { maxSamples: samples } }, async (s) => {
        expect((await callSeries(s.client, chunky)).series).toHaveLength(1);
      });
    });

    it("concurrent requests limit: a second call while one is in flight fails; afterwards calls pass", async () => {
      const gated = new GatedBucket(env().objstore);
      // Sync before holding: discovery itself reads meta.json.
      await withServed(gated, { limits: { maxConcurrent: 1 } }, async (s) => {
        const release = gated.hold();
        const blocked = gated.blocked();
        const first = callSeries(s.client, chunky);
        await blocked;
        for (const second of [
          callSeries(s.client, chunky),
          s.client.unary(StoreService.LabelNames, { start: MINT, end: MAXT, matchers: [eq("n", "1")] }),
          s.client.unary(StoreService.LabelValues, { label: "n", start: MINT, end: MAXT }),
        ]) {
          const e = await rejected(second);
          expect(e.code).toBe(Status.RESOURCE_EXHAUSTED);
          expect(e.details).toMatch(/concurrent/);
        }
        release();
        expect((await first).series).toHaveLength(1);
        expect((await callSeries(s.client, chunky)).series).toHaveLength(1);
        expect((await s.client.unary(StoreService.LabelValues, { label: "region", start: MINT, end: MAXT })).values).toEqual(["eu", "us"]);
      });
    });
  });

  describe("the concurrency slot is always given back", () => {
    const chunky: Init<SeriesRequest> = { ...all, matchers: [eq("__name__", "chunky")] };

    /** Retries briefly: a finished call's slot is released on the server a moment after the client sees the end. */
    const eventuallyPasses = async (s: Served): Promise<void> => {
      for (let i = 0; ; i++) {
        try {
          expect((await callSeries(s.client, chunky)).series).toHaveLength(1);
          return;
        } catch (e) {
          if (i >= 40) throw e;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };

    it("after errors before streaming, errors mid-stream, and client cancels", async () => {
      const gated = new GatedBucket(env().objstore);
      await withServed(gated, { limits: { maxConcurrent: 1, maxSamples: 1000 } }, async (s) => {
        // Rejected requests.
        expect((await rejected(callSeries(s.client, { ...all, matchers: [re("n", "(")] }))).code).toBe(Status.INVALID_ARGUMENT);
        expect((await rejected(callSeries(s.client, { ...all, matchers: [eq("region", "eu")] }))).code).toBe(Status.INVALID_ARGUMENT);
        await eventuallyPasses(s);
        // Samples limit hit while streaming (chunky 480 + conf 20 each...).
        expect((await rejected(callSeries(s.client, { ...all, matchers: [re("__name__", ".+")] }))).code).toBe(Status.RESOURCE_EXHAUSTED);
        await eventuallyPasses(s);
        // Label calls that fail.
        expect((await rejected(s.client.unary(StoreService.LabelNames, { start: MINT, end: MAXT, matchers: [re("n", "(")] }))).code).toBe(Status.INVALID_ARGUMENT);
        await eventuallyPasses(s);
        // A client that cancels while the store is still reading.
        const release = gated.hold();
        const blocked = gated.blocked();
        const call = s.client.serverStream(StoreService.Series, { ...all, matchers: [re("__name__", ".+")] });
        const ended = new Promise<void>((r) => {
          call.on("error", () => r());
          call.on("end", () => r());
        });
        call.on("data", () => {});
        await blocked;
        call.cancel();
        await ended;
        release();
        await eventuallyPasses(s);
      });
    });
  });

  describe("UNAVAILABLE, and partial response", () => {
    const notB: Pred = (g) => g("replica") !== "b";
    const confNotB: Pred = (g) => g("__name__") === "conf" && notB(g);
    const abort = { partialResponseStrategy: PRS.ABORT };
    const warn = { partialResponseStrategy: PRS.WARN };

    /** A copy of the converted data; `broken` (B's unit prefix) is where the test deletes objects. */
    const copy = async (): Promise<{ bucket: Bucket; bPrefix: string }> => {
      const tb = await env().newBucket();
      const bucket = tb.open();
      await copyBucket(env().objstore, bucket);
      return { bucket, bPrefix: await unitOf(bucket, STREAMS.B) };
    };

    const expectAbortFails = async (s: Served): Promise<void> => {
      for (const extra of [abort, { partialResponseDisabled: true, partialResponseStrategy: PRS.WARN }]) {
        const e = await rejected(callSeries(s.client, { ...all, matchers: conf, ...extra }));
        expect(e.code, e.details).toBe(Status.UNAVAILABLE);
      }
    };

    const expectWarnSkipsB = async (s: Served): Promise<void> => {
      for (const drop of [[], ["replica"]]) {
        const r = await callSeries(s.client, { ...all, matchers: conf, withoutReplicaLabels: drop, ...warn });
        expectSortedUnique(r.series);
        expect(r.series.map(pairsOf)).toEqual(expectedSeries({ pred: confNotB, drop }));
        for (const x of r.series) expect(x.chunks.length).toBeGreaterThan(0);
        expect(r.warnings.length).toBeGreaterThan(0);
        expect(r.frames[r.frames.length - 1]!.result?.$case).toBe("warning");
      }
    };

    it("a shard's chunks object missing before the first read (cold): ABORT fails, WARN warns and serves the rest", async () => {
      const { bucket, bPrefix } = await copy();
      await bucket.delete(`${bPrefix}0.chunks.parquet`);
      await withServed(bucket, {}, async (s) => {
        await expectAbortFails(s);
        await expectWarnSkipsB(s);
        // Label calls: ABORT fails, WARN answers from the other streams with a warning.
        const lm = [eq("n", "1")];
        const e = await rejected(s.client.unary(StoreService.LabelNames, { start: MINT, end: MAXT, matchers: lm, ...abort }));
        expect(e.code).toBe(Status.UNAVAILABLE);
        const ln = await s.client.unary(StoreService.LabelNames, { start: MINT, end: MAXT, matchers: lm, ...warn });
        expect(ln.names).toEqual(expectedLabelNames({ mint: MINT, maxt: MAXT, pred: (g) => g("n") === "1" && notB(g) }));
        expect(ln.warnings.length).toBeGreaterThan(0);
        const lv = await s.client.unary(StoreService.LabelValues, { label: "replica", start: MINT, end: MAXT, matchers: lm, ...warn });
        expect(lv.values).toEqual(["a"]);
        expect(lv.warnings.length).toBeGreaterThan(0);
      });
      await bucket.close();
    });

    it("a shard's chunks object deleted after it was opened (warm): ABORT fails, WARN warns and serves the rest", async () => {
      const { bucket, bPrefix } = await copy();
      await withServed(bucket, {}, async (s) => {
        // Warm: footers of every shard are cached now.
        const before = await callSeries(s.client, { ...all, matchers: conf });
        expect(before.series.map(pairsOf)).toEqual(expectedSeries({ pred: (g) => g("__name__") === "conf" }));
        await bucket.delete(`${bPrefix}0.chunks.parquet`);
        await expectAbortFails(s);
        await expectWarnSkipsB(s);
      });
      await bucket.close();
    });

    it("a shard's labels object deleted after it was opened (warm): ABORT fails, WARN warns and serves the rest", async () => {
      const { bucket, bPrefix } = await copy();
      await withServed(bucket, {}, async (s) => {
        await callSeries(s.client, { ...all, matchers: conf });
        await bucket.delete(`${bPrefix}0.labels.parquet`);
        await expectAbortFails(s);
        await expectWarnSkipsB(s);
      });
      await bucket.close();
    });

    it.skipIf(kind !== "S3")("the S3 endpoint stopped right after sync: UNAVAILABLE under ABORT, warnings under WARN", async () => {
      const other = await startS3();
      try {
        if (other.external) return; // one shared external endpoint cannot be stopped
        const tb = await newTestBucket("S3", other);
        const bucket = tb.open();
        try {
          await copyBucket(env().objstore, bucket);
          // Synced (meta.json read), nothing else touched yet; then the endpoint goes away.
          await withServed(bucket, {}, async (s) => {
            await other.stop();
            const e = await rejected(callSeries(s.client, { ...all, matchers: conf, ...abort }));
            expect(e.code, e.details).toBe(Status.UNAVAILABLE);
            const r = await callSeries(s.client, { ...all, matchers: conf, ...warn });
            expect(r.series).toEqual([]);
            expect(r.warnings.length).toBeGreaterThan(0);
            const lv = await rejected(s.client.unary(StoreService.LabelValues, { label: "n", start: MINT, end: MAXT, matchers: [eq("i", "a")], ...abort }));
            expect(lv.code).toBe(Status.UNAVAILABLE);
          });
        } finally {
          await bucket.close();
          tb.cleanup();
        }
      } finally {
        await other.stop();
      }
    });
  });

  describe("Info", () => {
    const sets = [
      [
        { name: "region", value: "eu" },
        { name: "replica", value: "a" },
      ],
      [
        { name: "region", value: "eu" },
        { name: "replica", value: "b" },
      ],
      [{ name: "region", value: "us" }],
    ];

    it("thanos.info.Info/Info: every stream's external labels, the data range, tsdb_infos per stream", async () => {
      const info = await env().client.unary(InfoService.Info, {});
      expect(info.ComponentType).toBe("store");
      expect(info.labelSets).toEqual(sets.map((labels) => ({ labels })));
      expect(info.store).toBeDefined();
      const st = info.store!;
      expect(st.minTime).toBe(DATA_MIN);
      expect(st.maxTime).toBe(DATA_MAX);
      expect(st.supportsWithoutReplicaLabels).toBe(true);
      expect(st.tsdbInfos).toEqual(
        (["A", "B", "U"] as const).map((id, i) => ({ labels: { labels: sets[i] }, minTime: streamRange(id)[0], maxTime: streamRange(id)[1] })),
      );
      // A store only: no other capabilities advertised.
      expect(info.query).toBeUndefined();
      expect(info.rules).toBeUndefined();
    });

    it("thanos.Store/Info (legacy): label sets, range, store type", async () => {
      const info = await env().client.unary(StoreService.Info, {});
      expect(info.storeType).toBe(StoreType.STORE);
      expect(info.labelSets).toEqual(sets.map((labels) => ({ labels })));
      expect(info.minTime).toBe(DATA_MIN);
      expect(info.maxTime).toBe(DATA_MAX);
    });

    it("an empty bucket: ready, no label sets, empty answers", async () => {
      const tb = await env().newBucket();
      const bucket = tb.open();
      await withServed(bucket, {}, async (s) => {
        const info = await s.client.unary(InfoService.Info, {});
        expect(info.labelSets).toEqual([]);
        expect(info.store!.tsdbInfos).toEqual([]);
        expect(info.store!.minTime).toBeGreaterThan(info.store!.maxTime);
        expect((await callSeries(s.client, { ...all, matchers: conf })).series).toEqual([]);
        expect((await s.client.unary(StoreService.LabelNames, { start: MINT, end: MAXT })).names).toEqual([]);
        expect((await s.client.unary(StoreService.LabelValues, { label: "region", start: MINT, end: MAXT })).values).toEqual([]);
      });
      await bucket.close();
    });

    it("serve --label: overrides and extends every stream's external labels", async () => {
      await withServed(env().objstore, { externalLabels: { region: "global", cluster: "c1" } }, async (s) => {
        const info = await s.client.unary(InfoService.Info, {});
        const ext = (extra: Record<string, string>): { name: string; value: string }[] =>
          Object.entries({ cluster: "c1", region: "global", ...extra }).map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : 1));
        expect(info.labelSets).toEqual([{ labels: ext({}) }, { labels: ext({ replica: "a" }) }, { labels: ext({ replica: "b" }) }]);
        const r = await callSeries(s.client, { ...all, matchers: [re("__name__", "shadow|flip")], withoutReplicaLabels: ["replica"] });
        expect(r.series.map(pairsOf)).toEqual([
          [["__name__", "flip"], ["cluster", "c1"], ["region", "global"]],
          [["__name__", "flip"], ["cluster", "c1"], ["region", "global"], ["rz", "1"]],
          [["__name__", "shadow"], ["cluster", "c1"], ["k", "1"], ["region", "global"]],
        ]);
        // Only external-label matchers (cluster is one now): rejected.
        expect((await rejected(callSeries(s.client, { ...all, matchers: [eq("cluster", "c1")] }))).code).toBe(Status.INVALID_ARGUMENT);
        expect((await s.client.unary(StoreService.LabelValues, { label: "region", start: MINT, end: MAXT })).values).toEqual(["global"]);
      });
    });

    it("before the first sync: Info and data calls are UNAVAILABLE", async () => {
      await withServed(env().objstore, { sync: false }, async (s) => {
        for (const p of [
          s.client.unary(InfoService.Info, {}),
          callSeries(s.client, { ...all, matchers: conf }),
          s.client.unary(StoreService.LabelNames, { start: MINT, end: MAXT }),
        ]) {
          const e = await rejected(p);
          expect(e.code).toBe(Status.UNAVAILABLE);
        }
        await s.store.sync();
        expect((await s.client.unary(InfoService.Info, {})).labelSets).toHaveLength(3);
      });
    });
  });
});
