// API error classes shared by the HTTP API and the gRPC Query API: every
// failure becomes one of Prometheus' errorTypes, which fixes the HTTP status
// (and, in grpc, the status code).

import { InvalidMatcherError } from "../../model/matchers.js";
import { PromQLError } from "../../promql/errors.js";
import { StoreError } from "../../store/api.js";
import { BadDataError } from "./params.js";

export type ApiErrorType = "bad_data" | "execution" | "timeout" | "canceled" | "internal" | "unavailable";

export class ApiError extends Error {
  constructor(
    readonly type: ApiErrorType,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Prometheus respondError's status per errorType. */
export const HTTP_STATUS: Record<ApiErrorType, number> = {
  bad_data: 400,
  execution: 422,
  canceled: 503,
  timeout: 503,
  internal: 500,
  unavailable: 503,
};

/**
 * Any failure → ApiError. `deadlineHit` says the request's own timeout fired:
 * the engine sees that as its signal aborting and reports "canceled", while
 * Prometheus (a context deadline) reports a timeout.
 */
export function toApiError(e: unknown, deadlineHit = false): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof BadDataError || e instanceof InvalidMatcherError) return new ApiError("bad_data", e.message);
  if (e instanceof PromQLError) {
    if (e.kind === "canceled" && deadlineHit) return new ApiError("timeout", e.message.replace("query was canceled in", "query timed out in"));
    return new ApiError(e.kind, e.message);
  }
  if (e instanceof StoreError) {
    if (e.code === "canceled") return new ApiError(deadlineHit ? "timeout" : "canceled", e.message);
    // Prometheus reports querier errors of the series and label calls as execution errors.
    return new ApiError("execution", e.message);
  }
  return new ApiError("internal", e instanceof Error ? e.message : String(e));
}

/** A request's abort signal: the client going away, or its own timeout (ms, optional). */
export class RequestSignal {
  private readonly ac = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  deadlineHit = false;

  get signal(): AbortSignal {
    return this.ac.signal;
  }

  /** Aborts after ms (at once when ms <= 0, like an already expired Go context). */
  setTimeout(ms: number): void {
    const fire = (): void => {
      this.deadlineHit = true;
      this.ac.abort(new Error("timeout"));
    };
    if (ms <= 0) fire();
    else this.timer = setTimeout(fire, Math.min(ms, 2 ** 31 - 1));
  }

  cancel(): void {
    this.ac.abort(new Error("canceled"));
  }

  done(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
