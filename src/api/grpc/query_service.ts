// The Thanos Query API (thanos.Query/Query and QueryRange, server-streaming),
// as Thanos' pkg/api/query/grpc.go serves it to a distributed-mode querier:
// PromQL from the request's `query` string (a logical plan, when sent, is
// ignored as Thanos itself does), evaluated by our engine over the store.
//
// Frames: an optional `warnings` frame (joined with ", "), then one
// `timeseries` per series — or `timeseries_batch` frames of up to
// response_batch_size series, only when that is > 1 — then a final `stats`
// frame. Labels are sorted (the querier does not sort them). Instant
// vectors carry exactly one sample per series at the query time; a scalar is
// one series without labels; matrix and string results of instant queries
// send no series, as in Thanos. Range results are float samples only (our
// engine produces no histograms).
//
// Errors: a query that does not parse (or names an unknown engine) fails
// with INVALID_ARGUMENT; evaluation errors fail with ABORTED like Thanos
// (timeouts DEADLINE_EXCEEDED, cancellation CANCELLED, storage INTERNAL);
// with enablePartialResponse an instant query's error becomes a warnings
// frame and the call succeeds, as in Thanos.

import { status as Status, type ServerWritableStream } from "@grpc/grpc-js";
import type { Expr } from "../../promql/ast.js";
import type { Engine, QueryOptions, QueryResult } from "../../promql/engine.js";
import { PromQLError } from "../../promql/errors.js";
import { parseExpr } from "../../promql/parser.js";
import type { EvalSeries } from "../../promql/value.js";
import type { Store } from "../../store/api.js";
import type { Logger } from "../../util/log.js";
import { RequestSignal, toApiError, type ApiErrorType } from "../http/errors.js";
import { apiQueryable, type ShardSpec } from "../../promql/querier_queryable.js";
import { GrpcStatusError } from "./convert.js";
import { EngineType, type QueryRangeRequest, type QueryRangeResponse, type QueryRequest, type QueryResponse } from "./gen/api/query/querypb/query.js";
import type { ShardInfo } from "./gen/store/storepb/rpc.js";
import type { TimeSeries } from "./gen/store/storepb/prompb/types.js";
import type { Init } from "./wire.js";

export interface QueryServiceOptions {
  store: Store;
  engine: Engine;
  log: Logger;
  ready: () => boolean;
  /** Replica labels for requests that name none (Thanos --query.replica-label). */
  replicaLabels?: readonly string[];
  /** max_resolution used when a request sends 0, in seconds (Thanos' instant default, 0s). */
  defaultMaxResolutionSeconds?: number;
  /** Unix ms; the time of instant queries that send time_seconds = 0. */
  now?: () => number;
}

type Frame = Init<QueryResponse> & Init<QueryRangeResponse>;
type Call<Req> = ServerWritableStream<Req, Frame>;

const GRPC_CODE: Record<ApiErrorType, Status> = {
  bad_data: Status.INVALID_ARGUMENT,
  execution: Status.ABORTED,
  timeout: Status.DEADLINE_EXCEEDED,
  canceled: Status.CANCELLED,
  internal: Status.INTERNAL,
  unavailable: Status.UNAVAILABLE,
};

/** The common part of QueryRequest and QueryRangeRequest. */
interface CommonRequest {
  query: string;
  timeoutSeconds: number;
  maxResolutionSeconds: number;
  replicaLabels: string[];
  enableDedup: boolean;
  enablePartialResponse: boolean;
  shardInfo?: ShardInfo | undefined;
  lookbackDeltaSeconds: number;
  engine: number;
  responseBatchSize: number;
}

export function queryServiceHandlers(opts: QueryServiceOptions): {
  Query: (call: Call<QueryRequest>) => void;
  QueryRange: (call: Call<QueryRangeRequest>) => void;
} {
  const now = opts.now ?? Date.now;

  /** Settings shared by both calls; throws a status error for a bad request. */
  const prepare = (req: CommonRequest, rs: RequestSignal): { expr: Expr; qopts: QueryOptions; partial: boolean; queryable: ReturnType<typeof apiQueryable> } => {
    if (!opts.ready()) throw new GrpcStatusError(Status.UNAVAILABLE, "store is not ready");
    if (req.timeoutSeconds !== 0) rs.setTimeout(req.timeoutSeconds * 1000);
    const maxResolution = req.maxResolutionSeconds !== 0 ? req.maxResolutionSeconds : (opts.defaultMaxResolutionSeconds ?? 0);
    const replicaLabels = req.replicaLabels.length > 0 ? req.replicaLabels : [...(opts.replicaLabels ?? [])];
    if (req.engine !== EngineType.default && req.engine !== EngineType.prometheus && req.engine !== EngineType.thanos) {
      throw new GrpcStatusError(Status.INVALID_ARGUMENT, "invalid engine parameter");
    }
    let expr: Expr;
    try {
      expr = parseExpr(req.query);
    } catch (e) {
      if (e instanceof PromQLError) throw new GrpcStatusError(Status.INVALID_ARGUMENT, e.message);
      throw e;
    }
    const si = req.shardInfo;
    const shard: ShardSpec | undefined = si && si.totalShards >= 1 ? { shardIndex: si.shardIndex, totalShards: si.totalShards, by: si.by, labels: si.labels } : undefined;
    const queryable = apiQueryable(opts.store, {
      maxResolutionMs: Math.max(0, maxResolution) * 1000,
      withoutReplicaLabels: req.enableDedup ? replicaLabels : [],
      partialResponse: req.enablePartialResponse,
      ...(shard ? { shard } : {}),
    });
    const qopts: QueryOptions = { signal: rs.signal };
    if (req.lookbackDeltaSeconds > 0) qopts.lookbackDeltaMs = req.lookbackDeltaSeconds * 1000;
    return { expr, qopts, partial: req.enablePartialResponse, queryable };
  };

  const run = async <Req extends CommonRequest>(call: Call<Req>, method: string, exec: (p: ReturnType<typeof prepare>, req: Req) => Promise<QueryResult>, partialAsWarning: boolean): Promise<void> => {
    const rs = new RequestSignal();
    if (call.cancelled) rs.cancel();
    else call.on("cancelled", () => rs.cancel());
    const write = async (f: Frame): Promise<void> => {
      if (rs.signal.aborted && !rs.deadlineHit) return;
      if (call.write(f)) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          call.off("drain", done);
          rs.signal.removeEventListener("abort", done);
          resolve();
        };
        call.on("drain", done);
        rs.signal.addEventListener("abort", done, { once: true });
      });
    };
    const started = performance.now();
    try {
      const p = prepare(call.request, rs);
      let result: QueryResult;
      try {
        result = await exec(p, call.request);
      } catch (e) {
        const err = toApiError(e, rs.deadlineHit);
        if (partialAsWarning && p.partial) {
          await write({ result: { $case: "warnings", warnings: err.message } });
          call.end();
          return;
        }
        throw new GrpcStatusError(err.type === "bad_data" ? Status.INVALID_ARGUMENT : GRPC_CODE[err.type], err.message);
      }
      if (result.warnings.length > 0) await write({ result: { $case: "warnings", warnings: result.warnings.join(", ") } });
      const batchSize = call.request.responseBatchSize;
      let batch: Init<TimeSeries>[] = [];
      const send = async (ts: Init<TimeSeries>): Promise<void> => {
        if (batchSize <= 1) return write({ result: { $case: "timeseries", timeseries: ts } });
        batch.push(ts);
        if (batch.length >= batchSize) {
          const series = batch;
          batch = [];
          await write({ result: { $case: "timeseriesBatch", timeseriesBatch: { series } } });
        }
      };
      const v = result.value;
      switch (v.resultType) {
        case "scalar":
          await write({ result: { $case: "timeseries", timeseries: { samples: [{ value: v.result.v, timestamp: v.result.t }] } } });
          break;
        case "vector":
          for (const s of v.result) await send({ labels: s.metric, samples: [{ value: s.v, timestamp: s.t }] });
          break;
        case "matrix":
          if (method === "QueryRange") for (const s of v.result) await send(seriesOf(s));
          break;
        case "string":
          break;
      }
      if (batch.length > 0) await write({ result: { $case: "timeseriesBatch", timeseriesBatch: { series: batch } } });
      // Thanos always ends with the stats frame; our engine keeps no sample statistics.
      await write({ result: { $case: "stats", stats: { samplesTotal: 0, peakSamples: 0 } } });
      call.end();
      opts.log.debug({ method, ms: Math.round(performance.now() - started) }, "query done");
    } catch (e) {
      if (call.cancelled) return;
      const err = e instanceof GrpcStatusError ? e : new GrpcStatusError(GRPC_CODE[toApiError(e, rs.deadlineHit).type], (e as Error).message);
      if (err.code === Status.INTERNAL) opts.log.error({ method, err: err.message }, "query failed");
      call.emit("error", Object.assign(new Error(err.message), { code: err.code, details: err.message }));
    } finally {
      rs.done();
    }
  };

  return {
    Query: (call) =>
      void run(
        call,
        "Query",
        (p, req) => opts.engine.instantQuery(p.queryable, p.expr, req.timeSeconds === 0 ? now() : req.timeSeconds * 1000, p.qopts),
        true,
      ),
    QueryRange: (call) =>
      void run(
        call,
        "QueryRange",
        (p, req) => opts.engine.rangeQuery(p.queryable, p.expr, req.startTimeSeconds * 1000, req.endTimeSeconds * 1000, req.intervalSeconds * 1000, p.qopts),
        false,
      ),
  };
}

function seriesOf(s: EvalSeries): Init<TimeSeries> {
  const samples: { value: number; timestamp: number }[] = new Array(s.t.length);
  for (let i = 0; i < s.t.length; i++) samples[i] = { value: s.v[i]!, timestamp: s.t[i]! };
  return { labels: s.metric, samples };
}
