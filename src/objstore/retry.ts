// The single retry policy for idempotent object-store reads. The S3 SDK's own
// retries are switched off (maxAttempts: 1) so that attempts, backoff and the
// per-attempt timeout are decided here and nowhere else.

import { setTimeout as sleep } from "node:timers/promises";
import { ObjstoreError, ServerError, UnreachableError } from "./errors.js";

export interface RetryPolicy {
  /** Total attempts including the first; 1 disables retries. */
  maxAttempts: number;
  /** Backoff cap for the first retry; doubles on each further retry. */
  baseDelayMs: number;
  /** Upper bound for any single backoff. */
  maxDelayMs: number;
  /** Deadline for one attempt (request and body); 0 disables it. */
  timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  timeoutMs: 120_000,
};

export interface RetryContext {
  /** Used in error messages, e.g. "get my-bucket/some/key". */
  description: string;
  /** Decides which failures are transient; defaults to isRetryableError. */
  isRetryable?: (err: unknown) => boolean;
  /** Observes each retry (for logging); attempt is the one that just failed. */
  onRetry?: (attempt: number, err: unknown, delayMs: number) => void;
}

/** Transient failures: 5xx/throttling (ServerError) and network trouble or timeouts (UnreachableError). 4xx never. */
export function isRetryableError(err: unknown): boolean {
  return err instanceof ServerError || err instanceof UnreachableError;
}

/**
 * Exponential backoff with "equal jitter": half the window is fixed so retries
 * never bunch up at zero, half is random so clients don't retry in lockstep.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return window / 2 + random() * (window / 2);
}

/**
 * Runs op until it succeeds, fails with a non-retryable error, or attempts run
 * out. Each attempt gets an AbortSignal that fires at the attempt deadline;
 * the attempt is abandoned at that point even if op ignores the signal.
 */
export async function withRetry<T>(
  op: (signal: AbortSignal, attempt: number) => Promise<T>,
  policy: RetryPolicy,
  ctx: RetryContext,
): Promise<T> {
  const isRetryable = ctx.isRetryable ?? isRetryableError;
  const attempts = Math.max(1, Math.floor(policy.maxAttempts));
  for (let attempt = 1; ; attempt++) {
    try {
      return await runAttempt(op, attempt, policy.timeoutMs, ctx.description);
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) {
        if (attempt > 1 && err instanceof ObjstoreError) err.message += ` (after ${attempt} attempts)`;
        throw err;
      }
      const delay = backoffDelay(attempt, policy);
      ctx.onRetry?.(attempt, err, delay);
      await sleep(delay);
    }
  }
}

async function runAttempt<T>(
  op: (signal: AbortSignal, attempt: number) => Promise<T>,
  attempt: number,
  timeoutMs: number,
  description: string,
): Promise<T> {
  const controller = new AbortController();
  if (timeoutMs <= 0) return op(controller.signal, attempt);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new UnreachableError(`${description}: no complete response within ${timeoutMs} ms`);
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  const pending = op(controller.signal, attempt);
  // The losing promise of the race must not surface as an unhandled rejection.
  pending.catch(() => {});
  try {
    return await Promise.race([pending, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
