// /api/v1/read: SAMPLES and STREAMED_XOR_CHUNKS responses decoded by an
// independent client (snappy, protobuf, uvarint + CRC32C frames) and checked
// against Prometheus 2.42's own /api/v1/read over the same blocks, plus the
// protocol details: response negotiation, hints, staleness markers, native
// histograms, frame sizes, chunk trimming and errors.

import { existsSync } from "node:fs";
import { compress, uncompress } from "snappyjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChunkedReadResponse, ReadRequest, ReadResponse, type QueryResult } from "../../../src/api/grpc/gen/prometheus/prompb/remote.js";
import { LabelMatcher_Type as MT } from "../../../src/api/grpc/gen/prometheus/prompb/types.js";
import { fromBinary, toBinary, type Init } from "../../../src/api/grpc/wire.js";
import { STREAMED_CONTENT_TYPE, trimChunks } from "../../../src/api/http/remote_read.js";
import { decodeChunkSamples, encodeXor, Encoding } from "../../../src/chunkenc/index.js";
import { crc32c } from "../../../src/util/crc32c.js";
import type { TestBucket } from "../../helpers/buckets.js";
import { convertedBucket, fixtureBlocks, Prometheus, prometheusBinary, startGateway, type Gateway } from "./gateway.js";
import { N0, T0 } from "./queries.js";

const H = 3_600_000;

let tb: TestBucket;
let gw: Gateway;
let small: Gateway;

beforeAll(async () => {
  tb = await convertedBucket(fixtureBlocks("blocks-1k-6h", "block-native-histograms"));
  [gw, small] = await Promise.all([startGateway(tb), startGateway(tb, { remoteRead: { maxBytesInFrame: 2000, sampleLimit: 100_000 } })]);
}, 300_000);

afterAll(async () => {
  await Promise.all([gw?.close(), small?.close()]);
  tb?.cleanup();
});

interface Raw {
  status: number;
  headers: Headers;
  body: Buffer;
}

async function post(url: string, req: Init<ReadRequest>, opts: { body?: Buffer; method?: string } = {}): Promise<Raw> {
  const body = opts.body ?? compress(toBinary(ReadRequest, req));
  const r = await fetch(`${url}/api/v1/read`, {
    method: opts.method ?? "POST",
    ...(opts.method === "GET" ? {} : { body }),
    headers: { "content-encoding": "snappy", "content-type": "application/x-protobuf", "x-prometheus-remote-read-version": "0.1.0" },
  });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

function samplesOf(raw: Raw): { resp: ReadResponse; decoded: Buffer } {
  expect(raw.status, raw.body.toString()).toBe(200);
  expect(raw.headers.get("content-type")).toBe("application/x-protobuf");
  expect(raw.headers.get("content-encoding")).toBe("snappy");
  const decoded = uncompress(raw.body);
  return { resp: fromBinary(ReadResponse, decoded), decoded };
}

/** Splits a streamed body into frames, checking each frame's CRC32C. */
function framesOf(raw: Raw): ChunkedReadResponse[] {
  expect(raw.status, raw.body.toString()).toBe(200);
  expect(raw.headers.get("content-type")).toBe(STREAMED_CONTENT_TYPE);
  expect(raw.headers.get("content-encoding")).toBeNull();
  const out: ChunkedReadResponse[] = [];
  let p = 0;
  const b = raw.body;
  while (p < b.length) {
    let len = 0;
    let shift = 0;
    for (;;) {
      const c = b[p++]!;
      len += (c & 0x7f) * 2 ** shift;
      shift += 7;
      if (c < 0x80) break;
    }
    const crc = b.readUInt32BE(p);
    p += 4;
    const msg = b.subarray(p, p + len);
    expect(msg.length).toBe(len);
    expect(crc32c(msg)).toBe(crc);
    p += len;
    out.push(fromBinary(ChunkedReadResponse, msg));
  }
  return out;
}

const eq = (name: string, value: string): { type: number; name: string; value: string } => ({ type: MT.EQ, name, value });
const re = (name: string, value: string): { type: number; name: string; value: string } => ({ type: MT.RE, name, value });

/** Float samples per series key, from decoded chunks. */
function chunkSamples(frames: ChunkedReadResponse[], queryIndex: number): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const f of frames) {
    if (f.queryIndex !== queryIndex) continue;
    for (const s of f.chunkedSeries) {
      const key = JSON.stringify(s.labels);
      let list = out.get(key);
      if (!list) out.set(key, (list = []));
      for (const c of s.chunks) {
        const d = decodeChunkSamples(c.type, c.data);
        if (d.encoding !== Encoding.XOR) continue;
        for (let i = 0; i < d.floats.n; i++) list.push([d.floats.t[i]!, d.floats.v[i]!]);
      }
    }
  }
  return out;
}

function resultSamples(r: QueryResult): Map<string, [number, number][]> {
  return new Map(r.timeseries.map((ts) => [JSON.stringify(ts.labels), ts.samples.map((x): [number, number] => [x.timestamp, x.value])]));
}

const queries: Init<ReadRequest>["queries"] = [
  // A range and regex matchers sent unanchored, as Prometheus sends them.
  { startTimestampMs: T0 + H, endTimestampMs: T0 + H + 600_000, matchers: [re("job", "api|db"), eq("type", "rss"), eq("__name__", "demo_memory_usage_bytes")] },
  // The hints narrow the query range (one selector of a larger evaluation).
  {
    startTimestampMs: T0,
    endTimestampMs: T0 + 3 * H,
    matchers: [eq("job", "cache"), eq("code", "500"), eq("__name__", "demo_http_requests_total")],
    hints: { startMs: T0 + 2 * H - 300_000, endMs: T0 + 2 * H + 123_456, stepMs: 60_000, func: "rate", rangeMs: 300_000 },
  },
  // Nothing matches.
  { startTimestampMs: T0, endTimestampMs: T0 + H, matchers: [eq("__name__", "nonexistent")] },
  // Staleness markers.
  { startTimestampMs: N0 - 10_000, endTimestampMs: N0 + 240_000, matchers: [eq("__name__", "demo_intermittent_metric")] },
  // Across the 02:00 and 04:00 block boundaries, with chunks cut at both ends.
  { startTimestampMs: T0 + 2 * H - 1_234_567, endTimestampMs: T0 + 4 * H + 7, matchers: [eq("instance", "db-3:9090"), re("__name__", "demo_http.*")] },
];

const STALE_NAN_SAMPLE = Buffer.from("090200000000" + "00f07f", "hex");

function count(buf: Buffer, needle: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + 1)) n++;
  return n;
}

describe.skipIf(!existsSync(prometheusBinary))("against Prometheus 2.42's /api/v1/read on the same blocks", () => {
  let prom: Prometheus;
  beforeAll(async () => {
    prom = await Prometheus.start({ blocks: fixtureBlocks("blocks-1k-6h", "block-native-histograms") });
  }, 60_000);
  afterAll(async () => prom?.stop());

  it("SAMPLES: the same ReadResponse (one result per query, same series, same samples, StaleNaN bit for bit)", async () => {
    const [want, got] = await Promise.all([post(prom.url, { queries }), post(gw.url, { queries })]);
    const w = samplesOf(want);
    const g = samplesOf(got);
    expect(g.resp.results).toHaveLength(queries.length);
    expect(g.resp).toEqual(w.resp);
    expect(g.resp.results[0]!.timeseries.length).toBeGreaterThan(10);
    expect(g.resp.results[2]!.timeseries).toEqual([]);
    // Stale markers travel as the exact StaleNaN bits.
    const stale = count(g.decoded, STALE_NAN_SAMPLE);
    expect(stale).toBeGreaterThan(0);
    expect(stale).toBe(count(w.decoded, STALE_NAN_SAMPLE));
  });

  it("STREAMED_XOR_CHUNKS: the same samples as Prometheus streams, per query index", async () => {
    const req = { queries, acceptedResponseTypes: [1, 0] };
    const [want, got] = await Promise.all([post(prom.url, req), post(gw.url, req)]);
    const wf = framesOf(want);
    const gf = framesOf(got);
    for (let qi = 0; qi < queries.length; qi++) {
      const w = chunkSamples(wf, qi);
      const g = chunkSamples(gf, qi);
      expect([...g.keys()], `query ${qi}`).toEqual([...w.keys()]);
      for (const [k, v] of w) expect(g.get(k), `${qi} ${k}`).toEqual(v);
    }
  });
});

describe("SAMPLES", () => {
  it("is the default, and what an empty accepted_response_types gets", async () => {
    const g = samplesOf(await post(gw.url, { queries: queries.slice(0, 1) }));
    expect(g.resp.results).toHaveLength(1);
    const gs = samplesOf(await post(gw.url, { queries: queries.slice(0, 1), acceptedResponseTypes: [0, 1] }));
    expect(gs.resp).toEqual(g.resp);
  });

  it("samples are the stored ones within the range; labels sorted", async () => {
    const g = samplesOf(await post(gw.url, { queries: [queries[1]!] }));
    const [ts] = g.resp.results[0]!.timeseries;
    expect(ts!.labels.map((l) => l.name)).toEqual(["__name__", "code", "instance", "job", "method"].slice(0, ts!.labels.length));
    for (const x of ts!.samples) {
      expect(x.timestamp).toBeGreaterThanOrEqual(T0 + 2 * H - 300_000);
      expect(x.timestamp).toBeLessThanOrEqual(T0 + 2 * H + 123_456);
    }
    expect(ts!.samples.length).toBe(Math.floor((300_000 + 123_456) / 15_000) + 1);
  });

  it("native histograms go in TimeSeries.histograms (2.42 clients ignore them)", async () => {
    const g = samplesOf(await post(gw.url, { queries: [{ startTimestampMs: N0, endTimestampMs: N0 + 60_000, matchers: [re("__name__", ".+")] }] }));
    const withHist = g.resp.results[0]!.timeseries.filter((t) => t.histograms.length > 0);
    expect(withHist.length).toBeGreaterThan(0);
    for (const t of withHist) {
      expect(t.samples).toEqual([]);
      for (const h of t.histograms) {
        expect(h.timestamp).toBeGreaterThanOrEqual(N0);
        expect(h.timestamp).toBeLessThanOrEqual(N0 + 60_000);
        expect(h.count?.$case).toMatch(/^count(Int|Float)$/);
      }
    }
  });

  it("a query over the sample limit fails with 400, like --storage.remote.read-sample-limit", async () => {
    const r = await post(small.url, { queries: [{ startTimestampMs: T0, endTimestampMs: T0 + 6 * H, matchers: [eq("__name__", "demo_memory_usage_bytes")] }] });
    expect(r.status).toBe(400);
    expect(r.body.toString()).toBe("exceeded sample limit (100000)\n");
  });
});

describe("STREAMED_XOR_CHUNKS", () => {
  it("frames carry one series each, in label order, with the query index; chunks cut to the range", async () => {
    const frames = framesOf(await post(gw.url, { queries, acceptedResponseTypes: [1] }));
    let last = -1;
    let lastKey = "";
    for (const f of frames) {
      expect(f.chunkedSeries).toHaveLength(1);
      expect(f.queryIndex).toBeGreaterThanOrEqual(last);
      const key = f.chunkedSeries[0]!.labels.map((l) => `${l.name}\u0000${l.value}`).join("\u0001");
      if (f.queryIndex === last) expect(key >= lastKey).toBe(true);
      last = f.queryIndex;
      lastKey = key;
      const q = queries[f.queryIndex]!;
      const [mint, maxt] = q.hints ? [q.hints.startMs!, q.hints.endMs!] : [q.startTimestampMs!, q.endTimestampMs!];
      for (const c of f.chunkedSeries[0]!.chunks) {
        expect(c.minTimeMs).toBeGreaterThanOrEqual(mint);
        expect(c.maxTimeMs).toBeLessThanOrEqual(maxt);
      }
    }
    expect(new Set(frames.map((f) => f.queryIndex))).toEqual(new Set([0, 1, 3, 4]));
  });

  it("stream the same samples as SAMPLES", async () => {
    const frames = framesOf(await post(gw.url, { queries, acceptedResponseTypes: [1] }));
    const s = samplesOf(await post(gw.url, { queries }));
    for (let qi = 0; qi < queries.length; qi++) {
      const fromChunks = chunkSamples(frames, qi);
      const fromSamples = resultSamples(s.resp.results[qi]!);
      expect(fromChunks).toEqual(fromSamples);
    }
  });

  it("series larger than the frame budget are split over frames of about that size", async () => {
    const q = { startTimestampMs: T0, endTimestampMs: T0 + 6 * H, matchers: [eq("__name__", "demo_memory_usage_bytes"), eq("instance", "db-3:9100")] };
    const frames = framesOf(await post(small.url, { queries: [q], acceptedResponseTypes: [1] }));
    const perSeries = new Map<string, number>();
    for (const f of frames) {
      const key = JSON.stringify(f.chunkedSeries[0]!.labels);
      perSeries.set(key, (perSeries.get(key) ?? 0) + 1);
      const size = toBinary(ChunkedReadResponse, f).length;
      const biggest = Math.max(...f.chunkedSeries[0]!.chunks.map((c) => c.data.length + 40));
      expect(size).toBeLessThanOrEqual(2000 + biggest);
    }
    expect(Math.min(...perSeries.values())).toBeGreaterThan(1);
    // Nothing lost by the split.
    const whole = framesOf(await post(gw.url, { queries: [q], acceptedResponseTypes: [1] }));
    expect(chunkSamples(frames, 0)).toEqual(chunkSamples(whole, 0));
  });

  it("trimChunks passes inner chunks through and re-encodes the edges", () => {
    const t = Float64Array.from({ length: 10 }, (_, i) => 1000 * i);
    const v = Float64Array.from({ length: 10 }, (_, i) => i * 1.5);
    const c = { minTime: 0, maxTime: 9000, encoding: 1, data: encodeXor(t, v, 0, 10) };
    expect(trimChunks([c], 0, 9000)[0]).toBe(c);
    const [cut] = trimChunks([c], 2500, 6000);
    expect([cut!.minTime, cut!.maxTime]).toEqual([3000, 6000]);
    const d = decodeChunkSamples(1, cut!.data);
    expect(d.encoding === Encoding.XOR && Array.from(d.floats.v.subarray(0, d.floats.n))).toEqual([4.5, 6, 7.5, 9]);
    expect(trimChunks([c], 2100, 2900)).toEqual([]);
    expect(trimChunks([c], 10_000, 20_000)).toEqual([]);
  });
});

describe("errors", () => {
  it("only POST", async () => {
    const r = await post(gw.url, {}, { method: "GET" });
    expect(r.status).toBe(405);
  });

  it("a body that is not snappy: 400", async () => {
    const r = await post(gw.url, {}, { body: Buffer.from("\xff\xff\xff\xff\xff\xff not snappy", "latin1") });
    expect(r.status).toBe(400);
    expect(r.body.toString()).toBe("snappy: corrupt input\n");
  });

  it("no supported response type: 400 with Prometheus' message", async () => {
    const r = await post(gw.url, { queries: queries.slice(0, 1), acceptedResponseTypes: [7] });
    expect(r.status).toBe(400);
    expect(r.body.toString()).toBe("server does not support any of the requested response types: [7]; supported: map[SAMPLES:{} STREAMED_XOR_CHUNKS:{}]\n");
  });

  it("an invalid regex: 500", async () => {
    const r = await post(gw.url, { queries: [{ startTimestampMs: 0, endTimestampMs: 1, matchers: [re("job", "(")] }] });
    expect(r.status).toBe(500);
    expect(r.body.toString()).toMatch(/invalid regular expression/);
  });

  it("an empty matcher list selects nothing (as the TSDB querier)", async () => {
    const g = samplesOf(await post(gw.url, { queries: [{ startTimestampMs: T0, endTimestampMs: T0 + H, matchers: [] }] }));
    expect(g.resp.results).toEqual([{ timeseries: [] }]);
  });
});
