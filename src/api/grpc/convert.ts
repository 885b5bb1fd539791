// Mapping between the Thanos wire messages and the store interface: request
// fields to SelectRequest/LabelsRequest, matchers, and errors to gRPC statuses.

import { status as Status, type ServerErrorResponse } from "@grpc/grpc-js";
import type { Labels } from "../../model/labels.js";
import { InvalidMatcherError, Matcher, type MatchType } from "../../model/matchers.js";
import type { Aggr, LabelsRequest, SelectRequest, StoreErrorCode } from "../../store/api.js";
import { StoreError } from "../../store/api.js";
import type { Label } from "./gen/store/labelpb/types.js";
import type { LabelNamesRequest, LabelValuesRequest, SeriesRequest } from "./gen/store/storepb/rpc.js";
import { Aggr as AggrEnum } from "./gen/store/storepb/rpc.js";
import { LabelMatcher_Type, PartialResponseStrategy, type LabelMatcher } from "./gen/store/storepb/types.js";
import { WireError } from "./wire.js";

/** A gRPC status to fail a call with. */
export class GrpcStatusError extends Error {
  constructor(
    readonly code: Status,
    message: string,
  ) {
    super(message);
    this.name = "GrpcStatusError";
  }
}

export function invalidArgument(message: string): GrpcStatusError {
  return new GrpcStatusError(Status.INVALID_ARGUMENT, message);
}

/** Thanos LabelMatcher → Matcher; a bad regex or type throws InvalidMatcherError. */
export function toMatchers(ms: readonly LabelMatcher[]): Matcher[] {
  return ms.map((m) => {
    if (m.type < LabelMatcher_Type.EQ || m.type > LabelMatcher_Type.NRE) {
      throw new InvalidMatcherError(`unrecognized label matcher type ${m.type} for label ${JSON.stringify(m.name)}`);
    }
    // LabelMatcher.Type and MatchType share their numbering (EQ, NEQ, RE, NRE).
    return new Matcher(m.type as MatchType, m.name, m.value);
  });
}

const AGGR_NAMES: Partial<Record<number, Aggr>> = {
  [AggrEnum.COUNT]: "count",
  [AggrEnum.SUM]: "sum",
  [AggrEnum.MIN]: "min",
  [AggrEnum.MAX]: "max",
  [AggrEnum.COUNTER]: "counter",
};

/** Requested aggregates, deduplicated, in request order. RAW (raw chunks always go in AggrChunk.raw) and unknown values are dropped. */
export function toAggregates(as: readonly number[]): Aggr[] {
  const out: Aggr[] = [];
  for (const a of as) {
    const n = AGGR_NAMES[a];
    if (n !== undefined && !out.includes(n)) out.push(n);
  }
  return out;
}

/** True when the caller asked for ABORT (the leaf store behaves the same either way; see server.ts). */
export function abortOnPartialResponse(req: { partialResponseDisabled: boolean; partialResponseStrategy: number }): boolean {
  return req.partialResponseDisabled || req.partialResponseStrategy === PartialResponseStrategy.ABORT;
}

export function toSelectRequest(req: SeriesRequest, signal: AbortSignal): SelectRequest {
  if (req.matchers.length === 0) throw invalidArgument("no matchers specified");
  return {
    minTime: req.minTime,
    maxTime: req.maxTime,
    matchers: toMatchers(req.matchers),
    skipChunks: req.skipChunks,
    withoutReplicaLabels: req.withoutReplicaLabels,
    limit: req.limit > 0 ? req.limit : 0,
    maxResolutionWindow: req.maxResolutionWindow > 0 ? req.maxResolutionWindow : 0,
    aggregates: toAggregates(req.aggregates),
    partialResponse: !abortOnPartialResponse(req),
    signal,
  };
}

export function toLabelsRequest(req: LabelNamesRequest | LabelValuesRequest, signal: AbortSignal): LabelsRequest {
  return {
    minTime: req.start,
    maxTime: req.end,
    matchers: toMatchers(req.matchers),
    withoutReplicaLabels: req.withoutReplicaLabels,
    limit: req.limit > 0 ? req.limit : 0,
    partialResponse: !abortOnPartialResponse(req),
    signal,
  };
}

export function toWireLabels(ls: Labels): Label[] {
  return ls.map((l) => ({ name: l.name, value: l.value }));
}

const STORE_CODES: Record<StoreErrorCode, Status> = {
  invalid_argument: Status.INVALID_ARGUMENT,
  resource_exhausted: Status.RESOURCE_EXHAUSTED,
  unavailable: Status.UNAVAILABLE,
  canceled: Status.CANCELLED,
  internal: Status.INTERNAL,
  aborted: Status.ABORTED,
};

/** Any error → gRPC status code and message. */
export function statusOf(e: unknown): { code: Status; message: string } {
  if (e instanceof GrpcStatusError) return { code: e.code, message: e.message };
  if (e instanceof StoreError) return { code: STORE_CODES[e.code] ?? Status.INTERNAL, message: e.message };
  if (e instanceof InvalidMatcherError) return { code: Status.INVALID_ARGUMENT, message: e.message };
  if (e instanceof WireError) return { code: Status.INVALID_ARGUMENT, message: e.message };
  if (e instanceof Error && e.name === "AbortError") return { code: Status.CANCELLED, message: e.message };
  return { code: Status.INTERNAL, message: e instanceof Error ? e.message : String(e) };
}

export function toServiceError(e: unknown): ServerErrorResponse {
  const { code, message } = statusOf(e);
  return Object.assign(new Error(message), { code, details: message });
}
