// Prometheus remote read at /api/v1/read, as a Prometheus 2.42 server speaks
// it (storage/remote read_handler.go, codec.go): a snappy-block ReadRequest
// in; out either one snappy-block ReadResponse of raw samples (SAMPLES) or
// a stream of CRC-checked ChunkedReadResponse frames (STREAMED_XOR_CHUNKS),
// whichever comes first in accepted_response_types (none → SAMPLES).
//
// Like Prometheus' TSDB querier, a query with hints selects the hints' time
// range (the client puts the whole evaluation range in start/end and each
// selector's own range in the hints). SAMPLES carries every float sample,
// staleness markers (StaleNaN) included, bit for bit; native histogram
// samples go in TimeSeries.histograms (2.42 clients ignore that field, later
// ones read it). Streamed chunks are cut to the range like 2.42 does:
// chunks inside pass through, chunks straddling an edge are re-encoded.

import type { IncomingMessage, ServerResponse } from "node:http";
import { uncompress, compress } from "snappyjs";
import {
  decodeFloatHistogram,
  decodeHistogram,
  decodeXor,
  encodeXor,
  Encoding,
  FloatHistogramEncoder,
  HistogramEncoder,
  type CounterResetHint,
  type FloatHistogramSample,
  type HistogramSample,
} from "../../chunkenc/index.js";
import type { Labels } from "../../model/labels.js";
import { InvalidMatcherError, Matcher, type MatchType } from "../../model/matchers.js";
import type { SelectHints } from "../../promql/storage.js";
import { storeQueryable } from "../../promql/store_queryable.js";
import type { Store, StoreChunk } from "../../store/api.js";
import { crc32c } from "../../util/crc32c.js";
import type { Logger } from "../../util/log.js";
import { ChunkedReadResponse, ReadRequest, ReadRequest_ResponseType, type Query } from "../grpc/gen/prometheus/prompb/remote.js";
import { Histogram as HistogramCodec, type Histogram, type LabelMatcher } from "../grpc/gen/prometheus/prompb/types.js";
import { fromBinary, int64Size, Writer, type Init } from "../grpc/wire.js";
import { externalLabelNames, widenExternalOnly } from "../../promql/querier_queryable.js";
import type { Handler } from "./server.js";

export interface RemoteReadOptions {
  store: Store;
  ready: () => boolean;
  log: Logger;
  /** Most float samples one SAMPLES query may return (Prometheus --storage.remote.read-sample-limit, 5e7; 0 = none). */
  sampleLimit?: number;
  /** Requests served at once; more wait (--storage.remote.read-concurrent-limit, 10; 0 = none). */
  concurrencyLimit?: number;
  /** Frame size target of streamed responses (--storage.remote.read-max-bytes-in-frame, 1 MiB). */
  maxBytesInFrame?: number;
}

/** Prometheus reads at most this much of a request body. */
const DECODE_READ_LIMIT = 32 << 20;
/** Refuse snappy bodies that claim to decode to more than this. */
const MAX_DECODED = 256 << 20;

export const STREAMED_CONTENT_TYPE = "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse";

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A counting semaphore; waiters are served in order. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async enter(): Promise<void> {
    if (this.limit <= 0 || this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

export function remoteReadHandler(opts: RemoteReadOptions): Handler {
  const sampleLimit = opts.sampleLimit ?? 50_000_000;
  const maxBytesInFrame = opts.maxBytesInFrame ?? 1 << 20;
  const gate = new Gate(opts.concurrencyLimit ?? 10);

  return async (req, res) => {
    if (req.method !== "POST") {
      res.writeHead(405, { "content-type": "text/plain; charset=utf-8", allow: "POST", "x-content-type-options": "nosniff" });
      res.end("Method Not Allowed\n");
      return;
    }
    if (!opts.ready()) {
      res.writeHead(503);
      res.end("Service Unavailable");
      return;
    }
    const ac = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) ac.abort();
    });
    await gate.enter();
    try {
      const rr = await decodeReadRequest(req);
      const type = negotiate(rr.acceptedResponseTypes);
      if (type === ReadRequest_ResponseType.STREAMED_XOR_CHUNKS) await streamChunks(opts.store, rr, res, maxBytesInFrame, ac.signal, opts.log);
      else await samples(opts.store, rr, res, sampleLimit, ac.signal);
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 500;
      const msg = e instanceof Error ? e.message : String(e);
      if (status === 500) opts.log.warn({ err: msg }, "remote read failed");
      if (res.headersSent) {
        // A stream already under way cannot change its status: cut it so the client sees a broken frame.
        res.destroy();
        return;
      }
      if (!res.destroyed) httpError(res, status, msg);
    } finally {
      gate.leave();
    }
  };
}

/** Go's http.Error. */
function httpError(res: ServerResponse, status: number, msg: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" });
  res.end(msg + "\n");
}

async function decodeReadRequest(req: IncomingMessage): Promise<ReadRequest> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    // io.LimitReader: the rest is ignored (a truncated body then fails to decode).
    const room = DECODE_READ_LIMIT - n;
    if (room <= 0) continue;
    chunks.push(c.length > room ? c.subarray(0, room) : c);
    n += Math.min(c.length, room);
  }
  let raw: Buffer;
  try {
    raw = uncompress(Buffer.concat(chunks), MAX_DECODED);
  } catch {
    throw new HttpError(400, "snappy: corrupt input");
  }
  try {
    return fromBinary(ReadRequest, raw);
  } catch (e) {
    throw new HttpError(400, `proto: ${(e as Error).message}`);
  }
}

const TYPE_NAMES: Record<number, string> = { 0: "SAMPLES", 1: "STREAMED_XOR_CHUNKS" };

/** NegotiateResponseType: the first supported type in preference order; none given → SAMPLES. */
function negotiate(accepted: readonly number[]): number {
  if (accepted.length === 0) return ReadRequest_ResponseType.SAMPLES;
  for (const t of accepted) if (t === ReadRequest_ResponseType.SAMPLES || t === ReadRequest_ResponseType.STREAMED_XOR_CHUNKS) return t;
  const list = accepted.map((t) => TYPE_NAMES[t] ?? String(t)).join(" ");
  throw new HttpError(400, `server does not support any of the requested response types: [${list}]; supported: map[SAMPLES:{} STREAMED_XOR_CHUNKS:{}]`);
}

/** FromLabelMatchers; regexes are anchored by Matcher. */
function toMatchers(ms: readonly LabelMatcher[]): Matcher[] {
  return ms.map((m) => {
    if (m.type < 0 || m.type > 3) throw new Error("invalid matcher type");
    try {
      return new Matcher(m.type as MatchType, m.name, m.value);
    } catch (e) {
      if (e instanceof InvalidMatcherError) throw new Error(e.message);
      throw e;
    }
  });
}

/** The range a query selects: the hints' range when hints are given (blockQuerier.Select), within the query's. */
function queryRange(q: Query): [number, number] {
  if (!q.hints) return [q.startTimestampMs, q.endTimestampMs];
  return [Math.max(q.startTimestampMs, q.hints.startMs), Math.min(q.endTimestampMs, q.hints.endMs)];
}

function selectHints(q: Query): SelectHints {
  const h = q.hints;
  if (!h) return {};
  return { func: h.func, stepMs: h.stepMs, rangeMs: h.rangeMs, grouping: h.grouping, by: h.by };
}

// ---------------------------------------------------------------------------
// SAMPLES

async function samples(store: Store, rr: ReadRequest, res: ServerResponse, sampleLimit: number, signal: AbortSignal): Promise<void> {
  const ext = externalLabelNames(store);
  const q = storeQueryable(store);
  const w = new Writer(1 << 16);
  for (const query of rr.queries) {
    const matchers = toMatchers(query.matchers);
    const [mint, maxt] = queryRange(query);
    // ReadResponse.results (1): one QueryResult per query, empty ones included.
    w.uint32(10);
    const resultStart = w.fork();
    if (matchers.length > 0 && mint <= maxt) {
      const r = await q.select(mint, maxt, widenExternalOnly(matchers, ext), selectHints(query), signal);
      let total = 0;
      for (const s of r.series) {
        total += s.floats.n;
        if (sampleLimit > 0 && total > sampleLimit) throw new HttpError(400, `exceeded sample limit (${sampleLimit})`);
        writeTimeSeries(w, s.labels, s.floats.t, s.floats.v, s.floats.n, s.histograms ?? []);
      }
    }
    w.ldelim(resultStart);
  }
  const body = compress(w.finish());
  if (res.destroyed) return;
  res.writeHead(200, { "content-type": "application/x-protobuf", "content-encoding": "snappy", "content-length": body.length });
  res.end(body);
}

/** QueryResult.timeseries (1) entry; values copied as raw bits so StaleNaN stays StaleNaN. */
function writeTimeSeries(w: Writer, labels: Labels, t: Float64Array, v: Float64Array, n: number, hs: readonly (HistogramSample | FloatHistogramSample)[]): void {
  w.uint32(10);
  const start = w.fork();
  for (const l of labels) {
    w.uint32(10);
    const ls = w.fork();
    if (l.name !== "") {
      w.uint32(10);
      w.string(l.name);
    }
    if (l.value !== "") {
      w.uint32(18);
      w.string(l.value);
    }
    w.ldelim(ls);
  }
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  for (let i = 0; i < n; i++) {
    const o = i * 8;
    let nonZero = false;
    for (let k = 0; k < 8; k++) if (bytes[o + k] !== 0) nonZero = true;
    const ts = t[i]!;
    // Sample: value (1, fixed64, emitted unless +0) and timestamp (2, varint, unless 0).
    const size = (nonZero ? 9 : 0) + (ts !== 0 ? 1 + int64Size(ts) : 0);
    w.uint32(18);
    w.uint32(size);
    if (nonZero) {
      w.uint32(9);
      w.raw(bytes.subarray(o, o + 8));
    }
    if (ts !== 0) {
      w.uint32(16);
      w.int64(ts);
    }
  }
  for (const h of hs) {
    w.uint32(34);
    const hsStart = w.fork();
    HistogramCodec.encode(toProtoHistogram(h), w);
    w.ldelim(hsStart);
  }
  w.ldelim(start);
}

const RESET_HINT: Record<CounterResetHint, number> = { unknown: 0, reset: 1, not_reset: 2, gauge: 3 };

const STALE_NAN = new Float64Array(new Uint32Array([0x00000002, 0x7ff00000]).buffer)[0]!;

/** A decoded native histogram as prompb.Histogram (integer or float form). */
export function toProtoHistogram(h: HistogramSample | FloatHistogramSample): Init<Histogram> {
  const base = {
    sum: h.stale ? STALE_NAN : h.sum,
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    negativeSpans: h.negativeSpans,
    positiveSpans: h.positiveSpans,
    resetHint: RESET_HINT[h.counterResetHint],
    timestamp: h.t,
  };
  if ("positiveDeltas" in h) {
    return {
      ...base,
      count: { $case: "countInt", countInt: BigInt(h.count) },
      zeroCount: { $case: "zeroCountInt", zeroCountInt: BigInt(h.zeroCount) },
      negativeDeltas: h.negativeDeltas,
      positiveDeltas: h.positiveDeltas,
    };
  }
  return {
    ...base,
    count: { $case: "countFloat", countFloat: h.count },
    zeroCount: { $case: "zeroCountFloat", zeroCountFloat: h.zeroCount },
    negativeCounts: h.negativeCounts,
    positiveCounts: h.positiveCounts,
  };
}

// ---------------------------------------------------------------------------
// STREAMED_XOR_CHUNKS

async function streamChunks(store: Store, rr: ReadRequest, res: ServerResponse, maxBytesInFrame: number, signal: AbortSignal, log: Logger): Promise<void> {
  const ext = externalLabelNames(store);
  const write = async (msg: Buffer): Promise<void> => {
    if (!res.headersSent) res.writeHead(200, { "content-type": STREAMED_CONTENT_TYPE });
    const head = Buffer.alloc(14);
    let p = 0;
    let len = msg.length;
    while (len >= 0x80) {
      head[p++] = (len & 0x7f) | 0x80;
      len >>>= 7;
    }
    head[p++] = len;
    head.writeUInt32BE(crc32c(msg), p);
    p += 4;
    const ok = res.write(Buffer.concat([head.subarray(0, p), msg]));
    if (!ok && !signal.aborted) await new Promise<void>((resolve) => {
      const done = (): void => {
        res.off("drain", done);
        res.off("close", done);
        resolve();
      };
      res.on("drain", done);
      res.on("close", done);
    });
  };
  for (let qi = 0; qi < rr.queries.length; qi++) {
    const query = rr.queries[qi]!;
    const matchers = toMatchers(query.matchers);
    const [mint, maxt] = queryRange(query);
    if (matchers.length === 0 || mint > maxt) continue;
    const r = await store.select({ minTime: mint, maxTime: maxt, matchers: widenExternalOnly(matchers, ext), signal });
    for await (const s of r.series) {
      if (signal.aborted) return;
      const chunks = trimChunks(s.chunks, mint, maxt);
      if (chunks.length === 0) continue;
      // The frame budget is what is left after the labels; a frame ends once a chunk exhausts it.
      let labelBytes = 0;
      for (const l of s.labels) labelBytes += fieldSize(l.name) + fieldSize(l.value);
      const budget = maxBytesInFrame - labelBytes;
      let left = budget;
      let batch: StoreChunk[] = [];
      for (let i = 0; i < chunks.length; i++) {
        const c = chunks[i]!;
        batch.push(c);
        left -= chunkSize(c);
        if (left > 0 && i + 1 < chunks.length) continue;
        await write(
          encodeFrame({
            chunkedSeries: [{ labels: s.labels, chunks: batch.map((b) => ({ minTimeMs: b.minTime, maxTimeMs: b.maxTime, type: b.encoding, data: b.data })) }],
            queryIndex: qi,
          }),
        );
        if (signal.aborted) return;
        batch = [];
        left = budget;
      }
    }
    for (const wmsg of r.warnings) log.warn({ warning: wmsg }, "warnings on chunked remote read query");
  }
  if (!res.headersSent) res.writeHead(200, { "content-type": STREAMED_CONTENT_TYPE });
  res.end();
}

function encodeFrame(m: Init<ChunkedReadResponse>): Buffer {
  const w = new Writer(4096);
  ChunkedReadResponse.encode(m, w);
  return w.finish();
}

/** Encoded size of a non-default string field (tag + length + bytes). */
function fieldSize(s: string): number {
  if (s === "") return 0;
  const n = Buffer.byteLength(s, "utf8");
  return 1 + varintLen(n) + n;
}

function varintLen(n: number): number {
  let k = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    k++;
  }
  return k;
}

/** prompb.Chunk.Size(). */
function chunkSize(c: StoreChunk): number {
  return (c.minTime !== 0 ? 1 + int64Size(c.minTime) : 0) + (c.maxTime !== 0 ? 1 + int64Size(c.maxTime) : 0) + (c.encoding !== 0 ? 2 : 0) + (c.data.length > 0 ? 1 + varintLen(c.data.length) + c.data.length : 0);
}

/** Chunks overlapping [mint, maxt]; those crossing an edge are re-encoded with only the samples inside. */
export function trimChunks(chunks: readonly StoreChunk[], mint: number, maxt: number): StoreChunk[] {
  const out: StoreChunk[] = [];
  for (const c of chunks) {
    if (c.maxTime < mint || c.minTime > maxt) continue;
    if (c.minTime >= mint && c.maxTime <= maxt) {
      out.push(c);
      continue;
    }
    const t = trimChunk(c, mint, maxt);
    if (t) out.push(t);
  }
  return out;
}

function trimChunk(c: StoreChunk, mint: number, maxt: number): StoreChunk | undefined {
  switch (c.encoding) {
    case Encoding.XOR: {
      const fs = decodeXor(c.data);
      let from = 0;
      while (from < fs.n && fs.t[from]! < mint) from++;
      let to = from;
      while (to < fs.n && fs.t[to]! <= maxt) to++;
      if (to === from) return undefined;
      return { minTime: fs.t[from]!, maxTime: fs.t[to - 1]!, encoding: c.encoding, data: encodeXor(fs.t, fs.v, from, to) };
    }
    case Encoding.Histogram: {
      const hs = decodeHistogram(c.data).filter((h) => h.t >= mint && h.t <= maxt);
      if (hs.length === 0) return undefined;
      const enc = new HistogramEncoder();
      for (const h of hs) enc.append(h);
      return { minTime: hs[0]!.t, maxTime: hs[hs.length - 1]!.t, encoding: c.encoding, data: enc.bytes() };
    }
    case Encoding.FloatHistogram: {
      const hs = decodeFloatHistogram(c.data).filter((h) => h.t >= mint && h.t <= maxt);
      if (hs.length === 0) return undefined;
      const enc = new FloatHistogramEncoder();
      for (const h of hs) enc.append(h);
      return { minTime: hs[0]!.t, maxTime: hs[hs.length - 1]!.t, encoding: c.encoding, data: enc.bytes() };
    }
    default:
      // Unknown encodings pass through whole: the client bounds samples itself.
      return c;
  }
}
