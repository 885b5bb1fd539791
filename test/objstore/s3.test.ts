// S3-specific behaviour: error mapping against a real server, retries and
// timeouts through a fault-injecting proxy, and request shapes.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthError, ObjectNotFoundError, ObjstoreError, ServerError, UnreachableError } from "../../src/objstore/errors.js";
import { instrumentBucket, objstoreMetrics } from "../../src/objstore/metrics.js";
import { S3Bucket, type S3BucketOptions } from "../../src/objstore/s3.js";
import { Registry } from "prom-client";
import { startS3, type TestS3 } from "../setup/s3.js";
import { closedPort, collect, pseudoRandom, s3ErrorXml, s3Options, startFaultProxy, type FaultProxy, type ProxyAction } from "./support.js";

let s3: TestS3;
const data = pseudoRandom(64 * 1024, 11);
const fastRetry = { baseDelayMs: 5, maxDelayMs: 20 };

beforeAll(async () => {
  s3 = await startS3();
  const seed = new S3Bucket(s3Options(s3));
  await seed.upload("obj", data);
  for (const k of ["l/a", "l/b", "l/c"]) await seed.upload(k, Buffer.from(k));
  await seed.close();
});
afterAll(async () => {
  await s3?.stop();
});

async function withProxy<T>(
  plan: (req: { method: string; url: string }, i: number) => ProxyAction,
  extra: Partial<S3BucketOptions>,
  fn: (bucket: S3Bucket, proxy: FaultProxy) => Promise<T>,
): Promise<T> {
  const proxy = await startFaultProxy(s3.endpoint, plan);
  const bucket = new S3Bucket(s3Options(s3, { endpoint: proxy.endpoint, insecure: true, ...extra }));
  try {
    return await fn(bucket, proxy);
  } finally {
    await bucket.close();
    await proxy.close();
  }
}

const objectRequests = (p: FaultProxy): number => p.seen.filter((r) => r.url.includes("/obj")).length;

describe("authentication errors", () => {
  it("maps an unknown access key to AuthError, naming bucket, key and operation", async () => {
    const bucket = new S3Bucket(s3Options(s3, { accessKey: "NOT-A-KEY", secretKey: "whatever", retry: fastRetry }));
    try {
      const err = await bucket.get("obj").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthError);
      expect((err as Error).message).toContain(`GetObject ${s3.bucket}/obj`);
      expect((err as Error).message).toContain("InvalidAccessKeyId");
      // HEAD responses have no body; the 403 status alone must be enough.
      await expect(bucket.attributes("obj")).rejects.toBeInstanceOf(AuthError);
      await expect(bucket.exists("obj")).rejects.toBeInstanceOf(AuthError);
      await expect(collect(bucket.list(""))).rejects.toBeInstanceOf(AuthError);
      await expect(bucket.upload("new", Buffer.from("x"))).rejects.toBeInstanceOf(AuthError);
    } finally {
      await bucket.close();
    }
  });

  it("maps a wrong secret key to AuthError (needs a server that verifies SigV4)", async (ctx) => {
    // s3rver 3.7.1 does not verify V4 signatures at all: any secret works for a known key.
    if (!s3.external) ctx.skip();
    const bucket = new S3Bucket(s3Options(s3, { secretKey: `${s3.secretKey}-wrong`, retry: fastRetry }));
    try {
      await expect(bucket.get("obj")).rejects.toBeInstanceOf(AuthError);
    } finally {
      await bucket.close();
    }
  });

  it("maps SignatureDoesNotMatch and AccessDenied answers to AuthError without retrying", async () => {
    for (const code of ["SignatureDoesNotMatch", "AccessDenied"]) {
      await withProxy(
        () => ({ kind: "reply", status: 403, body: s3ErrorXml(code, "denied") }),
        { retry: fastRetry },
        async (bucket, proxy) => {
          const err = await bucket.get("obj").catch((e: unknown) => e);
          expect(err).toBeInstanceOf(AuthError);
          expect((err as Error).message).toContain(code);
          expect(proxy.seen).toHaveLength(1); // 4xx: never retried
        },
      );
    }
  });
});

describe("unreachable endpoints", () => {
  it("a closed port fails fast with UnreachableError after the configured attempts", async () => {
    const port = await closedPort();
    const bucket = new S3Bucket(s3Options(s3, { endpoint: `127.0.0.1:${port}` }));
    const started = Date.now();
    try {
      const err = await bucket.get("obj").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnreachableError);
      expect((err as Error).message).toMatch(/ECONNREFUSED/);
      expect((err as Error).message).toContain(`GetObject ${s3.bucket}/obj`);
      expect((err as Error).message).toContain("after 4 attempts");
      // Default policy: 4 attempts with 100/200/400 ms backoff windows.
      expect(Date.now() - started).toBeLessThan(3_000);
      await expect(bucket.upload("x", Buffer.from("x"))).rejects.toBeInstanceOf(UnreachableError);
    } finally {
      await bucket.close();
    }
  });

  it("a server that never answers times out per attempt and is retried", async () => {
    await withProxy(
      () => ({ kind: "hang" }),
      { retry: { ...fastRetry, maxAttempts: 3, timeoutMs: 200 } },
      async (bucket, proxy) => {
        const started = Date.now();
        const err = await bucket.get("obj").catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UnreachableError);
        expect((err as Error).message).toMatch(/no complete response within 200 ms/);
        expect(proxy.seen).toHaveLength(3);
        expect(Date.now() - started).toBeLessThan(3_000);
      },
    );
  });
});

describe("retries", () => {
  const flaky = (failures: number, status = 503, code = "SlowDown") => (_: unknown, i: number): ProxyAction =>
    i < failures ? { kind: "reply", status, body: s3ErrorXml(code, "try again") } : { kind: "pass" };

  it("get succeeds after two 503s, with exactly three requests", async () => {
    await withProxy(flaky(2), { retry: fastRetry }, async (bucket, proxy) => {
      expect((await bucket.get("obj")).equals(data)).toBe(true);
      expect(objectRequests(proxy)).toBe(3);
    });
  });

  it("getRange, attributes, exists and list pages are retried too", async () => {
    await withProxy(flaky(2, 500, "InternalError"), { retry: fastRetry }, async (bucket, proxy) => {
      expect((await bucket.getRange("obj", 100, 50)).equals(data.subarray(100, 150))).toBe(true);
      expect(proxy.seen).toHaveLength(3);
    });
    await withProxy(flaky(2), { retry: fastRetry }, async (bucket, proxy) => {
      expect((await bucket.attributes("obj")).size).toBe(data.length);
      expect(proxy.seen).toHaveLength(3);
    });
    await withProxy(flaky(1, 429, "SlowDown"), { retry: fastRetry }, async (bucket, proxy) => {
      expect(await bucket.exists("obj")).toBe(true);
      expect(proxy.seen).toHaveLength(2);
    });
    // Page 2 of 3 fails twice: only that page is re-requested.
    await withProxy(
      (_, i) => (i === 1 || i === 2 ? { kind: "reply", status: 503, body: s3ErrorXml("SlowDown", "x") } : { kind: "pass" }),
      { retry: fastRetry, listPageSize: 1 },
      async (bucket, proxy) => {
        expect(await collect(bucket.list("l/", { recursive: true }))).toEqual(["l/a", "l/b", "l/c"]);
        expect(proxy.seen).toHaveLength(5);
      },
    );
  });

  it("gives up after max attempts with ServerError", async () => {
    await withProxy(flaky(100), { retry: { ...fastRetry, maxAttempts: 3 } }, async (bucket, proxy) => {
      const err = await bucket.get("obj").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServerError);
      expect((err as Error).message).toContain("after 3 attempts");
      expect(proxy.seen).toHaveLength(3);
    });
  });

  it("does not retry 404 or other 4xx", async () => {
    await withProxy(() => ({ kind: "pass" }), { retry: fastRetry }, async (bucket, proxy) => {
      await expect(bucket.get("missing")).rejects.toBeInstanceOf(ObjectNotFoundError);
      expect(proxy.seen).toHaveLength(1);
    });
    await withProxy(
      () => ({ kind: "reply", status: 400, body: s3ErrorXml("InvalidArgument", "bad") }),
      { retry: fastRetry },
      async (bucket, proxy) => {
        const err = await bucket.get("obj").catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ObjstoreError);
        expect((err as ObjstoreError).kind).toBe("invalid");
        expect(proxy.seen).toHaveLength(1);
      },
    );
  });

  it("metrics count the logical operation once, however many retries it took", async () => {
    const registry = new Registry();
    await withProxy(flaky(2), { retry: fastRetry }, async (raw, proxy) => {
      const bucket = instrumentBucket(raw, objstoreMetrics(registry));
      await bucket.get("obj");
      expect(objectRequests(proxy)).toBe(3);
    });
    const text = await registry.metrics();
    expect(text).toContain('parquet_gateway_objstore_requests_total{operation="get"} 1');
    expect(text).toContain('parquet_gateway_objstore_request_failures_total{operation="get"} 0');
  });
});

describe("request shapes", () => {
  it("sends explicit first-last ranges, never suffix ranges", async () => {
    await withProxy(() => ({ kind: "pass" }), {}, async (bucket, proxy) => {
      await bucket.getRange("obj", data.length - 8, 8);
      await bucket.getRange("obj", 0, 1);
      expect(proxy.seen.map((r) => r.range)).toEqual([`bytes=${data.length - 8}-${data.length - 1}`, "bytes=0-0"]);
    });
  });

  it("copes with a server that ignores Range and sends the whole object", async () => {
    await withProxy(() => ({ kind: "pass-without-range" }), {}, async (bucket) => {
      expect((await bucket.getRange("obj", 1000, 24)).equals(data.subarray(1000, 1024))).toBe(true);
      await expect(bucket.getRange("obj", data.length - 1, 2)).rejects.toThrow(/out of bounds/);
    });
  });

  it("uses path-style URLs for custom endpoints under bucket_lookup_type auto", async () => {
    await withProxy(() => ({ kind: "pass" }), { bucketLookupType: "auto" }, async (bucket, proxy) => {
      await bucket.get("obj");
      expect(proxy.seen[0]?.url.split("?")[0]).toBe(`/${s3.bucket}/obj`);
    });
  });

  it("builds virtual-hosted and https URLs when asked", async () => {
    const seen: { hostname: string; path: string; protocol: string }[] = [];
    const bucket = new S3Bucket({ bucket: "my-bucket", endpoint: "s3.example.test:9000", bucketLookupType: "virtual-hosted", accessKey: "a", secretKey: "b" });
    bucket.client.middlewareStack.add(
      () => async (args) => {
        const req = args.request as { hostname: string; path: string; protocol: string };
        seen.push({ hostname: req.hostname, path: req.path, protocol: req.protocol });
        throw new Error("stop before sending");
      },
      { step: "finalizeRequest", priority: "low", name: "pgwTestCapture" },
    );
    await expect(bucket.get("some/key")).rejects.toThrow("stop before sending");
    await bucket.close();
    expect(seen).toEqual([{ hostname: "my-bucket.s3.example.test", path: "/some/key", protocol: "https:" }]);
  });
});
