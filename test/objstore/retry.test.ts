// The retry policy in isolation, and the SDK-error classification it relies on.

import { describe, expect, it } from "vitest";
import {
  AuthError,
  ConfigError,
  ObjectNotFoundError,
  ObjectRangeError,
  ObjstoreError,
  ServerError,
  UnreachableError,
} from "../../src/objstore/errors.js";
import { backoffDelay, isRetryableError, withRetry, type RetryPolicy } from "../../src/objstore/retry.js";
import { mapS3Error } from "../../src/objstore/s3-errors.js";

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 4, timeoutMs: 0 };
const ctx = { description: "get b/k" };

describe("withRetry", () => {
  it("retries ServerError and UnreachableError until success", async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw new ServerError("503");
        if (calls === 2) throw new UnreachableError("ECONNRESET");
        return "ok";
      },
      policy,
      ctx,
    );
    expect(result).toBe("ok");
    expect(calls).toBe(3);
  });

  it.each([
    ["not found", new ObjectNotFoundError("b", "k")],
    ["range", new ObjectRangeError("b", "k", 0, 10, 5)],
    ["auth", new AuthError("403")],
    ["invalid", new ObjstoreError("invalid", "400")],
    ["config", new ConfigError("no bucket")],
    ["plain error", new TypeError("bug")],
  ])("never retries %s", async (_, error) => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw error;
        },
        policy,
        ctx,
      ),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
  });

  it("stops after maxAttempts and reports the attempt count", async () => {
    let calls = 0;
    const retries: number[] = [];
    const err = await withRetry(
      async () => {
        calls++;
        throw new ServerError(`fail ${calls}`);
      },
      policy,
      { ...ctx, onRetry: (attempt) => retries.push(attempt) },
    ).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect(retries).toEqual([1, 2, 3]);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as Error).message).toBe("fail 4 (after 4 attempts)");
  });

  it("maxAttempts 1 disables retries", async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new ServerError("x");
        },
        { ...policy, maxAttempts: 1 },
        ctx,
      ),
    ).rejects.toThrow(/^x$/);
    expect(calls).toBe(1);
  });

  it("abandons an attempt at its deadline, aborts its signal, and retries", async () => {
    const signals: AbortSignal[] = [];
    let calls = 0;
    const result = await withRetry(
      (signal) => {
        calls++;
        signals.push(signal);
        // First attempt never settles; second answers at once.
        return calls === 1 ? new Promise<string>(() => {}) : Promise.resolve("late ok");
      },
      { ...policy, timeoutMs: 50 },
      ctx,
    );
    expect(result).toBe("late ok");
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toBeInstanceOf(UnreachableError);
    expect(signals[1]?.aborted).toBe(false);
  });

  it("a timeout on every attempt ends in UnreachableError", async () => {
    const started = Date.now();
    const err = await withRetry(() => new Promise<never>(() => {}), { ...policy, maxAttempts: 2, timeoutMs: 30 }, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toBe("get b/k: no complete response within 30 ms (after 2 attempts)");
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe("backoffDelay", () => {
  const p: RetryPolicy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1_000, timeoutMs: 0 };

  it("doubles per attempt with jitter in the upper half of the window, capped", () => {
    const windows = [100, 200, 400, 800, 1_000, 1_000];
    windows.forEach((w, i) => {
      expect(backoffDelay(i + 1, p, () => 0)).toBe(w / 2);
      expect(backoffDelay(i + 1, p, () => 0.999999)).toBeCloseTo(w, 0);
    });
  });

  it("uses randomness (jitter) by default", () => {
    const samples = new Set(Array.from({ length: 20 }, () => backoffDelay(3, p)));
    expect(samples.size).toBeGreaterThan(1);
    for (const d of samples) {
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
  });
});

describe("mapS3Error", () => {
  const where = { bucket: "bkt", operation: "GetObject", key: "some/key" };
  const sdkError = (name: string, status: number): Error =>
    Object.assign(new Error(`${name} message`), { name, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status } });
  const netError = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });

  it.each([
    [sdkError("NoSuchKey", 404), ObjectNotFoundError],
    [sdkError("NotFound", 404), ObjectNotFoundError],
    [sdkError("AccessDenied", 403), AuthError],
    [sdkError("InvalidAccessKeyId", 403), AuthError],
    [sdkError("SignatureDoesNotMatch", 403), AuthError],
    [sdkError("Forbidden", 403), AuthError],
    [sdkError("InternalError", 500), ServerError],
    [sdkError("ServiceUnavailable", 503), ServerError],
    [sdkError("SlowDown", 503), ServerError],
    [sdkError("TooManyRequests", 429), ServerError],
    [sdkError("NoSuchBucket", 404), ConfigError],
    [netError("ECONNREFUSED"), UnreachableError],
    [netError("ENOTFOUND"), UnreachableError],
    [netError("ETIMEDOUT"), UnreachableError],
    [netError("ECONNRESET"), UnreachableError],
    [Object.assign(new Error("socket hang up"), { name: "TimeoutError" }), UnreachableError],
    [new AggregateError([netError("ECONNREFUSED")], "all addresses failed"), UnreachableError],
    [Object.assign(new Error("wrapped"), { cause: netError("EAI_AGAIN") }), UnreachableError],
  ] as const)("%s → %o", (input, type) => {
    const out = mapS3Error(input, where);
    expect(out).toBeInstanceOf(type);
    expect((out as Error).cause).toBe(input);
  });

  it("names operation, bucket and key in messages", () => {
    const out = mapS3Error(sdkError("InternalError", 500), where) as Error;
    expect(out.message).toContain("GetObject bkt/some/key");
    expect(out.message).toContain("HTTP 500");
    const listing = mapS3Error(sdkError("AccessDenied", 403), { bucket: "bkt", operation: "ListObjectsV2", prefix: "a/" }) as Error;
    expect(listing.message).toContain('ListObjectsV2 bkt prefix="a/"');
  });

  it("maps other 4xx to an invalid-request error and leaves unknown errors alone", () => {
    const out = mapS3Error(sdkError("InvalidArgument", 400), where);
    expect(out).toBeInstanceOf(ObjstoreError);
    expect((out as ObjstoreError).kind).toBe("invalid");
    expect(isRetryableError(out)).toBe(false);
    const bug = new TypeError("undefined is not a function");
    expect(mapS3Error(bug, where)).toBe(bug);
  });
});
