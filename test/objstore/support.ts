// Shared fixtures for the objstore tests: the two backends behind one factory,
// a scriptable HTTP proxy for fault injection, and small helpers.

import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import type { Bucket } from "../../src/objstore/bucket.js";
import { FilesystemBucket } from "../../src/objstore/filesystem.js";
import { PrefixedBucket } from "../../src/objstore/prefixed.js";
import { S3Bucket, type S3BucketOptions } from "../../src/objstore/s3.js";
import { startS3, type TestS3 } from "../setup/s3.js";

export interface MakeOptions {
  /** S3 only: ListObjectsV2 page size. */
  listPageSize?: number;
}

export interface Made {
  bucket: Bucket;
  /** S3 only: names of SDK commands sent, in order. */
  commands?: string[];
}

export interface BackendEnv {
  /** A bucket with an empty, private key space. */
  make(opts?: MakeOptions): Made;
  stop(): Promise<void>;
}

export interface Backend {
  name: "FILESYSTEM" | "S3";
  start(): Promise<BackendEnv>;
}

let counter = 0;
const unique = (): string => `t${process.pid}-${++counter}-${randomBytes(3).toString("hex")}`;

export function s3Options(s3: TestS3, extra: Partial<S3BucketOptions> = {}): S3BucketOptions {
  return {
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    region: s3.region,
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
    insecure: s3.insecure,
    ...extra,
  };
}

/** Records the name of every command the client sends (e.g. to prove multipart was used). */
export function recordCommands(bucket: S3Bucket): string[] {
  const names: string[] = [];
  bucket.client.middlewareStack.add(
    (next, context) => async (args) => {
      names.push(String(context.commandName));
      return next(args);
    },
    { step: "initialize", name: "pgwTestRecorder" },
  );
  return names;
}

export const backends: Backend[] = [
  {
    name: "FILESYSTEM",
    async start() {
      const root = await mkdtemp(path.join(tmpdir(), "pgw-fs-"));
      return {
        // A fresh directory per bucket keeps tests independent.
        make: () => ({ bucket: new FilesystemBucket(path.join(root, unique())) }),
        stop: () => rm(root, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "S3",
    async start() {
      const s3 = await startS3();
      return {
        // One server and bucket per file; each test gets its own key prefix.
        make: (opts = {}) => {
          const inner = new S3Bucket(s3Options(s3, opts.listPageSize ? { listPageSize: opts.listPageSize } : {}));
          const commands = recordCommands(inner);
          return { bucket: new PrefixedBucket(inner, unique()), commands };
        },
        stop: () => s3.stop(),
      };
    },
  },
];

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Deterministic pseudo-random bytes (so failures are reproducible). */
export function pseudoRandom(size: number, seed = 1): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf;
}

/** A stream of `total` bytes in 1 MiB chunks, generated lazily, plus the SHA-256 of what it emitted. */
export function hashedStream(total: number): { stream: Readable; digest: () => string } {
  const hash = createHash("sha256");
  const chunk = 1024 * 1024;
  let sent = 0;
  let seed = 7;
  const stream = new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const part = pseudoRandom(Math.min(chunk, total - sent), seed++);
      sent += part.length;
      hash.update(part);
      this.push(part);
    },
  });
  let digest: string | undefined;
  return { stream, digest: () => (digest ??= hash.digest("hex")) };
}

export function sha256(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

/** A loopback port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export interface SeenRequest {
  method: string;
  url: string;
  range: string | undefined;
}

/** What the proxy does with one request. */
export type ProxyAction =
  | { kind: "pass" }
  | { kind: "pass-without-range" }
  | { kind: "reply"; status: number; body?: string; headers?: Record<string, string> }
  | { kind: "hang" };

export interface FaultProxy {
  endpoint: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * An HTTP server in front of an upstream S3 endpoint (or none) that lets a
 * test script each response: fail, hang, or forward to the real server.
 */
export async function startFaultProxy(
  upstream: string | undefined,
  plan: (req: SeenRequest, index: number) => ProxyAction,
): Promise<FaultProxy> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const r: SeenRequest = { method: req.method ?? "", url: req.url ?? "", range: req.headers.range };
    seen.push(r);
    const action = plan(r, seen.length - 1);
    if (action.kind === "hang") return; // never answer; closed by close()
    if (action.kind === "reply") {
      req.resume();
      res.writeHead(action.status, { "content-type": "application/xml", ...action.headers });
      res.end(action.body ?? "");
      return;
    }
    if (upstream === undefined) throw new Error("proxy has no upstream");
    const [host, port] = upstream.split(":");
    const headers = { ...req.headers };
    if (action.kind === "pass-without-range") delete headers.range;
    const up = http.request({ host, port: Number(port), method: req.method, path: req.url, headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `127.0.0.1:${port}`,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function s3ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>test</RequestId></Error>`;
}
