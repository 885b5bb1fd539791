// The input path for Thanos-downsampled blocks: 5m and 1h blocks whose chunks
// are AggrChunks (encoding 0xff, built with our encoder and the test block
// writer) convert with no recomputation. Chunks that fit a column window come
// back from Series byte for byte with their time range; chunks that cross a
// window or partition edge come back cut, with the same samples (the counter
// read through the reset-applying iterator gives the same values). Units hold
// no raw data, and a requested aggregate missing from a chunk is an error.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status as Status, type ServiceError } from "@grpc/grpc-js";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GrpcClient } from "../../src/api/grpc/client.js";
import { Aggr, StoreService } from "../../src/api/grpc/gen/store/storepb/rpc.js";
import { LabelMatcher_Type as MT } from "../../src/api/grpc/gen/store/storepb/types.js";
import { startGrpcServer } from "../../src/api/grpc/server.js";
import { AGGR_CHUNK_ENCODING, AGGR_NAMES, decodeAggrChunk, encodeAggrChunk, type AggrSubChunks } from "../../src/chunkenc/aggr.js";
import { decodeXor } from "../../src/chunkenc/index.js";
import { SampleList } from "../../src/downsample/aggregator.js";
import { downsampleAggrChunks } from "../../src/downsample/aggr_level.js";
import { applyCounterResets } from "../../src/downsample/counter.js";
import { downsampleRaw } from "../../src/downsample/raw.js";
import { RES_1H, RES_5M, type AggrChunk } from "../../src/downsample/types.js";
import { formatLabels, type Labels } from "../../src/model/labels.js";
import { parseSelector } from "../../src/model/selector.js";
import type { Bucket } from "../../src/objstore/bucket.js";
import { StoreError, type Aggr as AggrName, type StoreSeries } from "../../src/store/api.js";
import { discoverUnits } from "../../src/store/discovery.js";
import { Rng } from "../../tools/prng.js";
import { newTestBucket, type TestBucket } from "../helpers/buckets.js";
import { runCli } from "../helpers/cli.js";
import { convertOk } from "../helpers/convert.js";
import { meteredStore, type MeteredStore } from "../helpers/store.js";
import { testUlid, writeBlock, type BlockSeries } from "../helpers/tsdb_writer.js";

const T0 = Date.UTC(2024, 0, 1);
const H = 3_600_000;
const ALL: AggrName[] = ["count", "sum", "min", "max", "counter"];

interface Src {
  labels: Labels;
  five: AggrChunk[];
  hour: AggrChunk[];
}

/** A raw series as a Thanos compactor would see it in a 48h block, downsampled. */
function source(name: string, seed: number, from: number, to: number, interval: number): Src {
  const rng = new Rng(seed);
  const raw = new SampleList();
  let v = 0;
  for (let t = from + rng.int(interval); t < to; t += interval) {
    v = rng.next() < 0.02 ? rng.int(5) : v + rng.int(30);
    raw.push(t, v);
  }
  const five = downsampleRaw(raw, RES_5M);
  return { labels: [{ name: "__name__", value: name }], five, hour: downsampleAggrChunks(five, RES_5M, RES_1H) };
}

function blockSeries(srcs: Src[], key: "five" | "hour"): BlockSeries[] {
  return srcs.map((s) => ({ labels: s.labels, chunks: s[key].map((c) => ({ minTime: c.minTime, maxTime: c.maxTime, encoding: AGGR_CHUNK_ENCODING, data: encodeAggrChunk(c.subs) })) }));
}

let work: string;
let tb: TestBucket;
let bucket: Bucket;
let ms: MeteredStore;
let srcs: Src[];

beforeAll(async () => {
  srcs = [
    source("dense", 1, T0, T0 + 48 * H, 60_000), // ~9.6h chunks: cross 8h windows and the day edge
    source("sparse", 2, T0 + 9 * H, T0 + 11 * H, 60_000), // one small chunk inside a window
    source("gappy", 3, T0 + 20 * H, T0 + 30 * H, 45_000),
  ];
  // A chunk without its min aggregate, as a block may have.
  const gappy = srcs[2]!;
  const noMin = [...gappy.five[0]!.subs] as AggrSubChunks;
  noMin[2] = undefined;
  gappy.five[0] = { ...gappy.five[0]!, subs: noMin };
  work = mkdtempSync(join(tmpdir(), "pgw-ds-rt-"));
  writeBlock(work, blockSeries(srcs, "five"), { ulid: testUlid(T0, 5), minTime: T0, maxTime: T0 + 48 * H, thanos: { labels: { cluster: "eu" }, resolution: RES_5M } });
  writeBlock(work, blockSeries(srcs, "hour"), { ulid: testUlid(T0, 60), minTime: T0, maxTime: T0 + 48 * H, thanos: { labels: { cluster: "eu" }, resolution: RES_1H } });
  tb = await newTestBucket("FILESYSTEM");
  await convertOk(tb, work);
  bucket = tb.open();
  ms = meteredStore(bucket);
  await ms.store.sync();
}, 300_000);

afterAll(async () => {
  await bucket?.close();
  tb?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function select(window: number, aggregates: AggrName[], name = ".+"): Promise<StoreSeries[]> {
  const r = await ms.store.select({ minTime: 0, maxTime: Number.MAX_SAFE_INTEGER, matchers: parseSelector(`{__name__=~"${name}"}`), maxResolutionWindow: window, aggregates });
  const out: StoreSeries[] = [];
  for await (const s of r.series) out.push(s);
  return out;
}

function samples(data: Uint8Array): [number, number][] {
  const f = decodeXor(data);
  return Array.from({ length: f.n }, (_, k) => [f.t[k]!, f.v[k]!]);
}

function counterOutput(datas: Uint8Array[]): { samples: [number, number][]; lastV: number } {
  const r = applyCounterResets(datas.map((d) => decodeXor(d)));
  return { samples: Array.from({ length: r.samples.n }, (_, k) => [r.samples.t[k]!, r.samples.v[k]!]), lastV: r.lastV };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

describe("converting Thanos-downsampled blocks", () => {
  it("publishes units with the blocks' resolutions, no raw data and empty raw cells", async () => {
    const { units } = await discoverUnits(bucket);
    expect(units.length).toBe(2);
    for (const u of units) {
      expect(u.meta.resolutions).toEqual([RES_5M, RES_1H]);
      expect(u.meta.stats.chunks).toBe(0);
      expect(u.meta.stream.labels).toEqual({ cluster: "eu" });
      for (const s of u.meta.shards) expect(Object.keys(s.files).sort()).toEqual(["agg-1h", "agg-5m", "chunks", "labels"]);
    }
    expect(await select(0, ALL, "dense|sparse")).toEqual([]);
    expect(ms.store.info().resolutions).toEqual([RES_5M, RES_1H]);
  });

  it.each([
    ["5m", RES_5M, "five"],
    ["1h", RES_1H, "hour"],
  ] as const)("serves the %s chunks: byte for byte when they fit a window, the same samples when cut", async (_, res, key) => {
    const got = await select(res, ALL, "dense|sparse");
    expect(got.map((s) => formatLabels(s.labels))).toEqual(['{__name__="dense", cluster="eu"}', '{__name__="sparse", cluster="eu"}']);
    let passed = 0;
    let cut = 0;
    for (const s of got) {
      const src = srcs.find((x) => formatLabels(x.labels) === formatLabels(s.labels.filter((l) => l.name !== "cluster")))![key];
      const out = s.aggrChunks!;
      for (const c of src) {
        const same = out.find((o) => o.minTime === c.minTime && o.maxTime === c.maxTime);
        const fits = Math.floor(c.minTime / (8 * H)) === Math.floor(c.maxTime / (8 * H)) && Math.floor(decodeXor(c.subs[4]!.data).t[0]! / (8 * H)) === Math.floor(c.minTime / (8 * H));
        if (fits) {
          expect(same).toBeDefined();
          AGGR_NAMES.forEach((a, i) => expect(sameBytes(same!.aggrs[a]!.data, c.subs[i]!.data), a).toBe(true));
          passed++;
        } else cut++;
      }
      // Whatever was cut: every aggregate's samples are the same, in order.
      for (let i = 0; i < 4; i++) {
        const a = AGGR_NAMES[i]!;
        expect(out.flatMap((o) => samples(o.aggrs[a]!.data)), a).toEqual(src.flatMap((c) => samples(c.subs[i]!.data)));
      }
      expect(counterOutput(out.map((o) => o.aggrs.counter!.data))).toEqual(counterOutput(src.map((c) => c.subs[4]!.data)));
      // Every served chunk lies in one 8h window and one unit.
      for (const o of out) expect(Math.floor(o.minTime / (8 * H))).toBe(Math.floor(o.maxTime / (8 * H)));
    }
    expect(passed).toBeGreaterThan(0);
    if (res === RES_5M) expect(cut).toBeGreaterThan(0);
  });

  it("fails with Thanos' error when a requested aggregate is missing, and serves the others", async () => {
    const err = await select(RES_5M, ["min"], "gappy").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe("aborted");
    expect((err as StoreError).message).toBe("aggregate min does not exist");
    const ok = await select(RES_5M, ["count", "max"], "gappy");
    expect(ok.length).toBe(1);

    const server = await startGrpcServer({ address: "127.0.0.1:0", store: ms.store, log: pino({ level: "silent" }), ready: () => true, shutdownGraceMs: 500 });
    const client = new GrpcClient(`127.0.0.1:${server.port}`);
    try {
      const e = await client.collect(StoreService.Series, { minTime: 0, maxTime: 1e13, matchers: [{ type: MT.EQ, name: "__name__", value: "gappy" }], maxResolutionWindow: RES_5M, aggregates: [Aggr.MIN] }).then(
        () => undefined,
        (x: unknown) => x as ServiceError,
      );
      expect(e?.code).toBe(Status.ABORTED);
      expect(e?.details).toBe("aggregate min does not exist");
    } finally {
      client.close();
      await server.close();
    }
  });

  it("dump --resolution prints the stored aggregates", async () => {
    const r = await runCli(["dump", "--objstore.config-file", tb.configFile, "--resolution", "5m", "--match", '{__name__="sparse"}']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split("\n").filter(Boolean);
    const c = srcs[1]!.five;
    const want = AGGR_NAMES.flatMap((a, i) => c.flatMap((ch) => samples(ch.subs[i]!.data).map(([t, v]) => `{__name__="sparse"} ${a} ${v} ${t}`)));
    expect(lines).toEqual(want);
  });
});

describe("AggrChunk codec", () => {
  it("round-trips, marks absent aggregates with a zero length, and matches the documented layout", () => {
    const x = { encoding: 1, data: Uint8Array.from([0, 1, 2]) };
    const big = { encoding: 3, data: new Uint8Array(200).fill(7) };
    const enc = encodeAggrChunk([x, undefined, big, undefined, x]);
    // uvarint(3) 01 00 01 02 | 00 | uvarint(200)=c8 01, 03, 200 bytes | 00 | 03 01 00 01 02
    expect(Array.from(enc.subarray(0, 6))).toEqual([3, 1, 0, 1, 2, 0]);
    expect(Array.from(enc.subarray(6, 9))).toEqual([0xc8, 0x01, 3]);
    expect(enc.length).toBe(6 + 3 + 200 + 1 + 5);
    const dec = decodeAggrChunk(enc);
    expect(dec[1]).toBeUndefined();
    expect(dec[3]).toBeUndefined();
    expect(dec[0]).toEqual(x);
    expect(dec[2]!.encoding).toBe(3);
    expect(sameBytes(dec[2]!.data, big.data)).toBe(true);
    expect(() => decodeAggrChunk(enc.subarray(0, 100))).toThrow(/runs past the end/);
    expect(() => decodeAggrChunk(Uint8Array.from([0, 0]))).toThrow(/truncated/);
  });
});
