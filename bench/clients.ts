// The two sides of the comparison as a client sees them: Prometheus' HTTP
// API (responses read and JSON-parsed), and parquet-gateway's StoreAPI over
// gRPC (every chunk decoded). Each call returns what it got, so both sides
// can be checked to answer the same thing.

import { GrpcClient } from "../src/api/grpc/client.js";
import { StoreService } from "../src/api/grpc/gen/store/storepb/rpc.js";
import type { SeriesResponse } from "../src/api/grpc/gen/store/storepb/rpc.js";
import type { Series as WireSeries } from "../src/api/grpc/gen/store/storepb/types.js";
import { decodeXor, Encoding, type FloatSamples } from "../src/chunkenc/index.js";
import type { Labels } from "../src/model/labels.js";
import type { Matcher } from "../src/model/matchers.js";
import type { LabelsRequest, SelectRequest, SelectResult, Store, StoreChunk, StoreInfo, StoreSeries } from "../src/store/api.js";

/** What one call returned, reduced to counts both sides can be compared on. */
export interface Answer {
  series: number;
  /** Samples (raw selections) or points (range queries) in the requested range. */
  samples: number;
  /** Label names / values. */
  values: number;
}

const sec = (ms: number): string => (ms / 1000).toFixed(3);

export class PromClient {
  constructor(private readonly base: string) {}

  private async get<T>(path: string, params: Record<string, string>): Promise<T> {
    const r = await fetch(`${this.base}${path}?${new URLSearchParams(params).toString()}`);
    const body = (await r.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`prometheus ${path}: ${body.error ?? r.status}`);
    return body.data;
  }

  async series(selector: string, start: number, end: number): Promise<Answer> {
    const d = await this.get<unknown[]>("/api/v1/series", { "match[]": selector, start: sec(start), end: sec(end) });
    return { series: d.length, samples: 0, values: 0 };
  }

  /** An instant query of a range selector: the raw samples of [time - range, time]. */
  async rawSamples(selector: string, rangeMs: number, time: number): Promise<Answer> {
    const d = await this.get<{ result: { values: unknown[] }[] }>("/api/v1/query", { query: `${selector}[${rangeMs / 1000}s]`, time: sec(time) });
    let samples = 0;
    for (const s of d.result) samples += s.values.length;
    return { series: d.result.length, samples, values: 0 };
  }

  async queryRange(query: string, start: number, end: number, stepMs: number): Promise<Answer> {
    const d = await this.get<{ result: { values: unknown[] }[] }>("/api/v1/query_range", { query, start: sec(start), end: sec(end), step: sec(stepMs) });
    let samples = 0;
    for (const s of d.result) samples += s.values.length;
    return { series: d.result.length, samples, values: 0 };
  }

  async labelNames(start: number, end: number): Promise<Answer> {
    const d = await this.get<string[]>("/api/v1/labels", { start: sec(start), end: sec(end) });
    return { series: 0, samples: 0, values: d.length };
  }

  async labelValues(name: string, start: number, end: number): Promise<Answer> {
    const d = await this.get<string[]>(`/api/v1/label/${encodeURIComponent(name)}/values`, { start: sec(start), end: sec(end) });
    return { series: 0, samples: 0, values: d.length };
  }
}

/** How many series a Thanos querier asks per gRPC frame (SeriesBatch). */
const RESPONSE_BATCH = 64;

function wireMatchers(ms: readonly Matcher[]): { type: number; name: string; value: string }[] {
  // model MatchType and thanos.LabelMatcher.Type share numbering (EQ, NEQ, RE, NRE).
  return ms.map((m) => ({ type: m.type, name: m.name, value: m.value }));
}

function seriesOf(frames: SeriesResponse): WireSeries[] {
  if (frames.result?.$case === "series") return [frames.result.series];
  if (frames.result?.$case === "batch") return frames.result.batch.series;
  return [];
}

export class GatewayClient {
  readonly grpc: GrpcClient;
  private readonly scratch: FloatSamples = { n: 0, t: new Float64Array(256), v: new Float64Array(256) };

  constructor(address: string) {
    this.grpc = new GrpcClient(address);
  }

  close(): void {
    this.grpc.close();
  }

  /** StoreAPI Series; with chunks, every XOR chunk is decoded and the samples inside [minTime, maxTime] counted. */
  async series(matchers: readonly Matcher[], minTime: number, maxTime: number, skipChunks: boolean): Promise<Answer> {
    const a: Answer = { series: 0, samples: 0, values: 0 };
    const call = this.grpc.serverStream(StoreService.Series, { minTime, maxTime, matchers: wireMatchers(matchers), skipChunks, responseBatchSize: RESPONSE_BATCH });
    for await (const f of call) {
      for (const s of seriesOf(f as SeriesResponse)) {
        a.series++;
        for (const c of s.chunks) {
          if (!c.raw) continue;
          if (c.raw.type !== 0) continue; // only XOR in the bench data
          const fs = decodeXor(c.raw.data, this.scratch);
          for (let i = 0; i < fs.n; i++) if (fs.t[i]! >= minTime && fs.t[i]! <= maxTime) a.samples++;
        }
      }
    }
    return a;
  }

  async labelNames(minTime: number, maxTime: number): Promise<Answer> {
    const r = await this.grpc.unary(StoreService.LabelNames, { start: minTime, end: maxTime });
    return { series: 0, samples: 0, values: r.names.length };
  }

  async labelValues(name: string, minTime: number, maxTime: number): Promise<Answer> {
    const r = await this.grpc.unary(StoreService.LabelValues, { label: name, start: minTime, end: maxTime });
    return { series: 0, samples: 0, values: r.values.length };
  }
}

/**
 * The project's Store interface over a remote StoreAPI, so the PromQL engine
 * can run on top of `serve` the way a Thanos querier runs on top of stores.
 */
export class RemoteStore implements Store {
  constructor(private readonly client: GatewayClient) {}

  info(): StoreInfo {
    return { minTime: Number.MIN_SAFE_INTEGER, maxTime: Number.MAX_SAFE_INTEGER, labelSets: [], resolutions: [0], streams: [] };
  }

  async select(req: SelectRequest): Promise<SelectResult> {
    const call = this.client.grpc.serverStream(StoreService.Series, {
      minTime: req.minTime,
      maxTime: req.maxTime,
      matchers: wireMatchers(req.matchers),
      skipChunks: req.skipChunks ?? false,
      responseBatchSize: RESPONSE_BATCH,
    });
    const warnings: string[] = [];
    async function* series(): AsyncGenerator<StoreSeries> {
      for await (const f of call) {
        const fr = f as SeriesResponse;
        if (fr.result?.$case === "warning") warnings.push(fr.result.warning);
        for (const s of seriesOf(fr)) {
          const labels: Labels = s.labels.map((l) => ({ name: l.name, value: l.value }));
          const chunks: StoreChunk[] = [];
          for (const c of s.chunks) if (c.raw) chunks.push({ minTime: c.minTime, maxTime: c.maxTime, encoding: c.raw.type + Encoding.XOR, data: c.raw.data });
          yield { labels, chunks };
        }
      }
    }
    return { series: series(), warnings };
  }

  async labelNames(req: LabelsRequest): Promise<{ names: string[]; warnings: string[] }> {
    const r = await this.client.grpc.unary(StoreService.LabelNames, { start: req.minTime, end: req.maxTime, matchers: wireMatchers(req.matchers) });
    return { names: r.names, warnings: r.warnings };
  }

  async labelValues(name: string, req: LabelsRequest): Promise<{ values: string[]; warnings: string[] }> {
    const r = await this.client.grpc.unary(StoreService.LabelValues, { label: name, start: req.minTime, end: req.maxTime, matchers: wireMatchers(req.matchers) });
    return { values: r.values, warnings: r.warnings };
  }
}
