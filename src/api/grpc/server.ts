// The gRPC server: Thanos StoreAPI (thanos.Store), Info API (thanos.info.Info),
// gRPC health and server reflection, mapped onto the Store interface. This
// layer only translates the wire protocol; query semantics live in the store.
//
// Series: results stream as the store yields them, one SeriesResponse.series
// frame per series, or SeriesResponse.batch frames of up to
// response_batch_size series when that is > 1 (never batch frames otherwise:
// older queriers drop unknown oneof fields). Writes wait for the stream to
// drain, so a slow querier slows the store iteration instead of buffering it.
// A client cancel (or deadline) aborts the AbortSignal passed to the store.
//
// Query API (thanos.Query, see query_service.ts): registered, and
// advertised in Info as `query`, when the `query` option is given.
//
// Warnings: the store's warnings go out as SeriesResponse.warning frames
// after the series (a pending batch is flushed first), whatever the
// partial-response strategy. Under ABORT (or partial_response_disabled) the
// querier turns a warning into an Aborted query itself; a leaf store sends
// warnings and fails only through a gRPC status (thanos-wire §4.7).

import {
  Server,
  ServerCredentials,
  status as Status,
  type ChannelOptions,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
} from "@grpc/grpc-js";
import type { Labels } from "../../model/labels.js";
import { labelsFromRecord } from "../../model/labels.js";
import type { Store, StoreInfo } from "../../store/api.js";
import type { Logger } from "../../util/log.js";
import {
  abortOnPartialResponse,
  GrpcStatusError,
  invalidArgument,
  statusOf,
  toLabelsRequest,
  toSelectRequest,
  toServiceError,
  toWireLabels,
} from "./convert.js";
import { HealthService as HealthServiceDef } from "./gen/grpc/health/v1/health.js";
import { ServerReflectionService as ReflectionV1 } from "./gen/grpc/reflection/v1/reflection.js";
import { ServerReflectionService as ReflectionV1Alpha } from "./gen/grpc/reflection/v1alpha/reflection.js";
import { InfoService, type InfoRequest as InfoApiRequest, type InfoResponse as InfoApiResponse } from "./gen/info/infopb/rpc.js";
import {
  SeriesResponse,
  StoreService,
  StoreType,
  type InfoRequest as LegacyInfoRequest,
  type InfoResponse as LegacyInfoResponse,
  type LabelNamesRequest,
  type LabelNamesResponse,
  type LabelValuesRequest,
  type LabelValuesResponse,
  type SeriesRequest,
} from "./gen/store/storepb/rpc.js";
import { QueryService } from "./gen/api/query/querypb/query.js";
import { HealthService } from "./health.js";
import { queryServiceHandlers, type QueryServiceOptions } from "./query_service.js";
import { ReflectionIndex, reflectionHandler } from "./reflection.js";
import { SeriesFrameEncoder } from "./series_encoder.js";
import { toBinary, type Init } from "./wire.js";

export interface GrpcServerOptions {
  /** host:port to listen on; port 0 picks a free one. */
  address: string;
  store: Store;
  log: Logger;
  /** Info fails with UNAVAILABLE, health reports NOT_SERVING and data calls fail with UNAVAILABLE while this is false. */
  ready: () => boolean;
  /** Advertised as the only label set when the store reports none (e.g. before the first units appear). */
  externalLabels?: Labels | Record<string, string>;
  /** Chunk.hash = xxhash64(data) (default); false sends 0 ("not computed"). */
  hashChunks?: boolean;
  /** A batch frame is flushed early once its series reach this many bytes (default 1 MiB). */
  maxBatchBytes?: number;
  /** How often Watch re-reads ready() (default 1000 ms). */
  healthPollIntervalMs?: number;
  /** close() waits this long for running calls before cancelling them (default 10 s). */
  shutdownGraceMs?: number;
  /** Extra grpc-js server options (override the defaults below). */
  serverOptions?: ChannelOptions;
  /** Serve the Thanos Query API (PromQL) with this engine and settings. */
  query?: Omit<QueryServiceOptions, "store" | "log" | "ready">;
}

export interface GrpcServer {
  /** The bound port (useful with port 0). */
  port: number;
  /** Stops accepting calls, lets running ones finish for shutdownGraceMs, then cancels them. */
  close(): Promise<void>;
}

const MAX_INT32 = 2147483647;

/**
 * Server options. The Thanos querier's client pings every 10 s (5 s timeout)
 * with PermitWithoutStream, and Go clients drop the connection when a server
 * answers pings with GOAWAY ENHANCE_YOUR_CALM. grpc-js 1.14 servers enforce no
 * ping policy at all (Node's http2 acks every PING; there is no
 * too_many_pings GOAWAY), so any ping rate is accepted. The permit/min-interval
 * options are still set, with the values a gRPC-core server would need to
 * accept the querier, in case a later grpc-js starts to honour them.
 */
export const DEFAULT_SERVER_OPTIONS: ChannelOptions = {
  "grpc.max_receive_message_length": MAX_INT32,
  "grpc.max_send_message_length": MAX_INT32,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.http2.min_ping_interval_without_data_ms": 5000,
  "grpc.http2.min_time_between_pings_ms": 5000,
  "grpc.http2.max_ping_strikes": 0,
  // Server-side pings find dead peers (e.g. a querier gone mid-stream).
  "grpc.keepalive_time_ms": 60_000,
  "grpc.keepalive_timeout_ms": 20_000,
};

/** Names of the services served, as listed by reflection (plus thanos.Query when enabled). */
export const SERVED_SERVICES = [
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
  "thanos.Store",
  "thanos.info.Info",
] as const;

function servedServices(withQuery: boolean): string[] {
  return withQuery ? [...SERVED_SERVICES, "thanos.Query"].sort() : [...SERVED_SERVICES];
}

/** Series frames go out pre-encoded by SeriesFrameEncoder. */
const SeriesMethod = { ...StoreService.Series, responseSerialize: (b: Buffer): Buffer => b };

const NOT_READY = "store is not ready";

export async function startGrpcServer(opts: GrpcServerOptions): Promise<GrpcServer> {
  const { store, log, ready } = opts;
  const hashChunks = opts.hashChunks ?? true;
  const maxBatchBytes = opts.maxBatchBytes ?? 1 << 20;
  const fallbackLabels: Labels = Array.isArray(opts.externalLabels)
    ? opts.externalLabels
    : opts.externalLabels
      ? labelsFromRecord(opts.externalLabels)
      : [];

  const storeInfo = (): StoreInfo & { sets: Labels[] } => {
    const info = store.info();
    const sets = info.labelSets.filter((ls) => ls.length > 0);
    if (sets.length === 0 && fallbackLabels.length > 0) sets.push(fallbackLabels);
    return { ...info, sets };
  };

  const fail = (method: string, e: unknown): ReturnType<typeof toServiceError> => {
    const err = toServiceError(e);
    if (err.code === Status.INTERNAL || err.code === Status.UNKNOWN) log.error({ method, err: err.message }, "gRPC call failed");
    else log.debug({ method, code: Status[err.code ?? Status.UNKNOWN], err: err.message }, "gRPC call failed");
    return err;
  };

  /** An AbortSignal that fires when the client cancels (or the deadline passes). */
  const cancelSignal = (call: { on(ev: "cancelled", f: () => void): unknown; cancelled: boolean }): AbortSignal => {
    const ac = new AbortController();
    if (call.cancelled) ac.abort();
    else call.on("cancelled", () => ac.abort());
    return ac.signal;
  };

  // --- thanos.info.Info/Info
  const info = (_call: ServerUnaryCall<InfoApiRequest, Init<InfoApiResponse>>, cb: sendUnaryData<Init<InfoApiResponse>>): void => {
    try {
      if (!ready()) throw new GrpcStatusError(Status.UNAVAILABLE, NOT_READY);
      const si = storeInfo();
      cb(null, {
        labelSets: si.sets.map((ls) => ({ labels: toWireLabels(ls) })),
        ComponentType: "store",
        store: {
          minTime: si.minTime,
          maxTime: si.maxTime,
          supportsSharding: false,
          supportsWithoutReplicaLabels: true,
          tsdbInfos: si.streams.length
            ? si.streams.map((st) => ({ labels: { labels: toWireLabels(st.labels) }, minTime: st.minTime, maxTime: st.maxTime }))
            : si.sets.map((ls) => ({ labels: { labels: toWireLabels(ls) }, minTime: si.minTime, maxTime: si.maxTime })),
        },
        // Presence is the capability flag: a distributed-mode querier sends PromQL here.
        ...(opts.query ? { query: {} } : {}),
      });
    } catch (e) {
      cb(fail("Info", e));
    }
  };

  // --- thanos.Store/Info (legacy)
  const legacyInfo = (
    _call: ServerUnaryCall<LegacyInfoRequest, Init<LegacyInfoResponse>>,
    cb: sendUnaryData<Init<LegacyInfoResponse>>,
  ): void => {
    try {
      if (!ready()) throw new GrpcStatusError(Status.UNAVAILABLE, NOT_READY);
      const si = storeInfo();
      cb(null, {
        minTime: si.minTime,
        maxTime: si.maxTime,
        storeType: StoreType.STORE,
        labelSets: si.sets.map((ls) => ({ labels: toWireLabels(ls) })),
      });
    } catch (e) {
      cb(fail("Store/Info", e));
    }
  };

  // --- thanos.Store/Series
  const series = (call: ServerWritableStream<SeriesRequest, Buffer>): void => {
    void runSeries(call);
  };

  const runSeries = async (call: ServerWritableStream<SeriesRequest, Buffer>): Promise<void> => {
    const req = call.request;
    const signal = cancelSignal(call);
    const started = performance.now();
    let nSeries = 0;
    let nFrames = 0;
    const write = async (frame: Buffer): Promise<void> => {
      if (signal.aborted) return;
      nFrames++;
      if (call.write(frame)) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          call.off("drain", done);
          signal.removeEventListener("abort", done);
          resolve();
        };
        call.on("drain", done);
        signal.addEventListener("abort", done, { once: true });
      });
    };
    try {
      if (!ready()) throw new GrpcStatusError(Status.UNAVAILABLE, NOT_READY);
      const sel = toSelectRequest(req, signal);
      const result = await store.select(sel);
      const batch = req.responseBatchSize > 1 ? req.responseBatchSize : 1;
      const enc = new SeriesFrameEncoder({ hashChunks, skipChunks: req.skipChunks });
      let chunkless = 0;
      for await (const s of result.series) {
        if (signal.aborted) break;
        enc.add(s);
        nSeries++;
        if (s.chunks.length === 0 && !req.skipChunks && !(s.aggrChunks && s.aggrChunks.length > 0)) chunkless++;
        if (batch === 1) await write(enc.seriesFrame());
        else if (enc.pendingCount >= batch || enc.pendingBytes >= maxBatchBytes) await write(enc.batchFrame());
        if (signal.aborted) break;
      }
      // The querier's iterator fails on a series without chunks ("got empty
      // chunks"); that is a store bug, so make it visible.
      if (chunkless > 0) log.warn({ series: chunkless }, "store returned series without chunks although skip_chunks is false");
      if (signal.aborted) {
        log.debug({ series: nSeries }, "Series cancelled by the client");
        return;
      }
      if (enc.pendingCount > 0) await write(enc.batchFrame());
      for (const warning of result.warnings) {
        await write(toBinary(SeriesResponse, { result: { $case: "warning", warning } }));
      }
      call.end();
      log.debug(
        {
          series: nSeries,
          frames: nFrames,
          warnings: result.warnings.length,
          abortOnWarning: abortOnPartialResponse(req),
          ms: Math.round(performance.now() - started),
        },
        "Series done",
      );
    } catch (e) {
      if (signal.aborted || call.cancelled) {
        log.debug({ err: statusOf(e).message }, "Series ended after client cancel");
        return;
      }
      call.emit("error", fail("Series", e));
    }
  };

  // --- thanos.Store/LabelNames
  const labelNames = (
    call: ServerUnaryCall<LabelNamesRequest, Init<LabelNamesResponse>>,
    cb: sendUnaryData<Init<LabelNamesResponse>>,
  ): void => {
    const signal = cancelSignal(call);
    (async () => {
      if (!ready()) throw new GrpcStatusError(Status.UNAVAILABLE, NOT_READY);
      const r = await store.labelNames(toLabelsRequest(call.request, signal));
      cb(null, { names: r.names, warnings: r.warnings });
    })().catch((e: unknown) => cb(fail("LabelNames", e)));
  };

  // --- thanos.Store/LabelValues
  const labelValues = (
    call: ServerUnaryCall<LabelValuesRequest, Init<LabelValuesResponse>>,
    cb: sendUnaryData<Init<LabelValuesResponse>>,
  ): void => {
    const signal = cancelSignal(call);
    (async () => {
      if (call.request.label === "") throw invalidArgument("label name parameter cannot be empty");
      if (!ready()) throw new GrpcStatusError(Status.UNAVAILABLE, NOT_READY);
      const r = await store.labelValues(call.request.label, toLabelsRequest(call.request, signal));
      cb(null, { values: r.values, warnings: r.warnings });
    })().catch((e: unknown) => cb(fail("LabelValues", e)));
  };

  const health = new HealthService(opts.query ? ["thanos.Store", "thanos.info.Info", "thanos.Query"] : ["thanos.Store", "thanos.info.Info"], ready, opts.healthPollIntervalMs);
  const reflection = reflectionHandler(new ReflectionIndex(servedServices(opts.query !== undefined)));

  const server = new Server({ ...DEFAULT_SERVER_OPTIONS, ...opts.serverOptions });
  server.addService(InfoService, { Info: info });
  server.addService(
    { ...StoreService, Series: SeriesMethod },
    { Info: legacyInfo, Series: series, LabelNames: labelNames, LabelValues: labelValues },
  );
  if (opts.query) server.addService(QueryService, queryServiceHandlers({ ...opts.query, store, log, ready }));
  server.addService(HealthServiceDef, { Check: health.check, Watch: health.watch });
  server.addService(ReflectionV1, { ServerReflectionInfo: reflection });
  server.addService(ReflectionV1Alpha, { ServerReflectionInfo: reflection });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(opts.address, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  log.info({ address: opts.address, port }, "gRPC server listening");

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      health.close();
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, opts.shutdownGraceMs ?? 10_000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return closing;
  };
  return { port, close };
}
