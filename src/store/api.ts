// The store's query interface, independent of any wire protocol: the gRPC
// StoreAPI, the PromQL engine and the HTTP API all call these. Times are
// inclusive milliseconds.

import type { Labels } from "../model/labels.js";
import type { Matcher } from "../model/matchers.js";

export interface StoreChunk {
  /** Inclusive first and last sample time. */
  minTime: number;
  maxTime: number;
  /** Prometheus chunk encoding: 1 XOR, 2 histogram, 3 float histogram. */
  encoding: number;
  /** Raw Prometheus chunk bytes (a view; do not mutate). */
  data: Uint8Array;
}

/** Downsampled aggregates, Thanos AggrChunk order (RAW is chunks). */
export type Aggr = "count" | "sum" | "min" | "max" | "counter";

export interface StoreSeries {
  /** Final label set: stored labels plus external labels, replica labels removed; sorted. */
  labels: Labels;
  /** Raw chunks in time order (empty with skipChunks). */
  chunks: StoreChunk[];
  /** Aggregate chunks, when the request selected a downsampled resolution. */
  aggrChunks?: { minTime: number; maxTime: number; aggrs: Partial<Record<Aggr, StoreChunk>> }[];
}

export interface SelectRequest {
  minTime: number;
  maxTime: number;
  matchers: Matcher[];
  skipChunks?: boolean;
  /** Label names removed from every output series (Thanos without_replica_labels). */
  withoutReplicaLabels?: string[];
  /** At most this many series (0 = no limit); a warning reports truncation. */
  limit?: number;
  /** Thanos max_resolution_window in ms (0 = raw only). */
  maxResolutionWindow?: number;
  aggregates?: Aggr[];
  /** WARN strategy: storage failures of a unit become warnings instead of failing the call. */
  partialResponse?: boolean;
  signal?: AbortSignal;
}

export interface LabelsRequest {
  minTime: number;
  maxTime: number;
  matchers: Matcher[];
  withoutReplicaLabels?: string[];
  limit?: number;
  partialResponse?: boolean;
  signal?: AbortSignal;
}

export interface StoreInfo {
  minTime: number;
  maxTime: number;
  /** One label set per stream: its external labels. */
  labelSets: Labels[];
  /** Resolutions available across units (0, 300000, 3600000). */
  resolutions: number[];
  /** Per stream: its external labels and time range (Thanos tsdb_infos). */
  streams: { labels: Labels; minTime: number; maxTime: number }[];
}

/** One Series answer: series in label order, never duplicated, plus warnings. */
export interface SelectResult {
  series: AsyncIterable<StoreSeries>;
  /** Filled while iterating; read after the iteration ends. */
  warnings: string[];
}

export interface Store {
  info(): StoreInfo;
  select(req: SelectRequest): Promise<SelectResult>;
  labelNames(req: LabelsRequest): Promise<{ names: string[]; warnings: string[] }>;
  labelValues(name: string, req: LabelsRequest): Promise<{ values: string[]; warnings: string[] }>;
}

/** "aborted": what Thanos answers when a requested aggregate is missing (codes.Aborted). */
export type StoreErrorCode = "invalid_argument" | "resource_exhausted" | "unavailable" | "internal" | "canceled" | "aborted";

/** Errors a store raises; the API layers map the code to gRPC/HTTP statuses. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StoreError";
  }
}
