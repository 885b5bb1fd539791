// S3 bucket on @aws-sdk/client-s3. Reads go through the one retry policy in
// retry.ts (the SDK's retries are off); uploads stream through lib-storage.

import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { existsViaAttributes } from "./exists.js";
import { Upload } from "@aws-sdk/lib-storage";
import { Readable } from "node:stream";
import type { Bucket, ListOptions, ObjectAttributes } from "./bucket.js";
import { ConfigError, ObjectNotFoundError, ObjectRangeError, ObjstoreError } from "./errors.js";
import { checkRange } from "./keys.js";
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from "./retry.js";
import { describeTarget, httpStatusOf, mapS3Error, type S3ErrorContext } from "./s3-errors.js";

export type BucketLookupType = "auto" | "virtual-hosted" | "path";

export interface S3BucketOptions {
  bucket: string;
  /** host[:port] without scheme, as in Thanos; empty means AWS for the region. */
  endpoint?: string;
  region?: string;
  /** Static credentials; when both are absent the SDK's default provider chain is used. */
  accessKey?: string;
  secretKey?: string;
  sessionToken?: string;
  /** Plain HTTP instead of HTTPS. */
  insecure?: boolean;
  /** "auto" uses path-style for custom endpoints and virtual-hosted for AWS. */
  bucketLookupType?: BucketLookupType;
  /** Multipart part size in bytes (minimum 5 MiB); bodies up to one part use a single PUT. */
  partSize?: number;
  /** Parts uploaded in parallel; memory use is about partSize * uploadConcurrency. */
  uploadConcurrency?: number;
  /** ListObjectsV2 MaxKeys, 1..1000. Small values are for tests. */
  listPageSize?: number;
  /** Retry policy for reads; missing fields take DEFAULT_RETRY_POLICY values. */
  retry?: Partial<RetryPolicy>;
  /** TCP connect timeout in milliseconds. */
  connectTimeoutMs?: number;
}

export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_LIST_PAGE = 1000;

export class S3Bucket implements Bucket {
  readonly kind = "S3";
  readonly name: string;
  /** Exposed for diagnostics and tests (e.g. middleware that records commands). */
  readonly client: S3Client;
  private readonly retryPolicy: RetryPolicy;
  private readonly partSize: number;
  private readonly uploadConcurrency: number;
  private readonly listPageSize: number;

  constructor(opts: S3BucketOptions) {
    checkS3Options(opts);
    this.name = opts.bucket;
    this.partSize = opts.partSize ?? DEFAULT_PART_SIZE;
    this.uploadConcurrency = opts.uploadConcurrency ?? 4;
    this.listPageSize = opts.listPageSize ?? MAX_LIST_PAGE;
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
    this.client = new S3Client(clientConfig(opts));
  }

  async get(key: string): Promise<Buffer> {
    return this.read("GetObject", key, async (signal) => {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.name, Key: key }), { abortSignal: signal });
      return readBody(out.Body, signal);
    });
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    checkRange(key, offset, length);
    // An empty range has no HTTP form; HEAD still checks existence and bounds.
    if (length === 0) {
      const { size } = await this.attributes(key);
      if (offset > size) throw new ObjectRangeError(this.name, key, offset, length, size);
      return Buffer.alloc(0);
    }
    return this.read("GetObject", key, async (signal) => {
      let out;
      try {
        // Always an explicit first-last range: suffix ranges are mishandled by some servers.
        const range = `bytes=${offset}-${offset + length - 1}`;
        out = await this.client.send(new GetObjectCommand({ Bucket: this.name, Key: key, Range: range }), { abortSignal: signal });
      } catch (err) {
        if (httpStatusOf(err) !== 416) throw err;
        // Real S3 reports the size in Content-Range ("bytes */N"); others need a HEAD.
        const size = rangeTotal(err) ?? (await this.attributes(key)).size;
        throw new ObjectRangeError(this.name, key, offset, length, size, { cause: err });
      }
      const got = parseContentRange(out.ContentRange);
      if (got?.total !== undefined && offset + length > got.total) {
        destroyBody(out.Body);
        throw new ObjectRangeError(this.name, key, offset, length, got.total);
      }
      const body = await readBody(out.Body, signal);
      // Servers may send more than asked: the whole object (200 without
      // Content-Range, when Range is ignored) or a wider range (s3rver answers
      // "bytes=0-0" with everything). Cut the requested bytes out of it.
      const start = got?.start ?? 0;
      if (got === undefined && offset + length > body.length) {
        throw new ObjectRangeError(this.name, key, offset, length, body.length);
      }
      const data = start <= offset ? body.subarray(offset - start, offset - start + length) : Buffer.alloc(0);
      if (data.length !== length) {
        throw new ObjstoreError(
          "server",
          `GetObject ${this.name}/${key}: asked for bytes ${offset}-${offset + length - 1}, got ${out.ContentRange ?? "the whole object"} (${body.length} bytes)`,
          key,
        );
      }
      // Copy out of an oversized body so callers (and caches) don't pin all of it.
      return body.length > length ? Buffer.from(data) : data;
    });
  }

  async attributes(key: string): Promise<ObjectAttributes> {
    return this.read("HeadObject", key, async (signal) => {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.name, Key: key }), { abortSignal: signal });
      return { size: out.ContentLength ?? 0, lastModified: out.LastModified ?? new Date(0) };
    });
  }

  exists(key: string): Promise<boolean> {
    return existsViaAttributes(this, key);
  }

  async *list(prefix: string, opts: ListOptions = {}): AsyncIterable<string> {
    for await (const page of this.listPages(prefix, opts)) yield* page;
  }

  /** One array per ListObjectsV2 response, already in key order (lets metrics count pages). */
  async *listPages(prefix: string, opts: ListOptions = {}): AsyncIterable<string[]> {
    let token: string | undefined;
    // Greatest entry yielded so far. S3 never repeats a common prefix across
    // pages, but some S3-compatible servers (s3rver) do; repeats are dropped.
    let last = "";
    do {
      const out = await this.read("ListObjectsV2", { prefix }, (signal) =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.name,
            Prefix: prefix === "" ? undefined : prefix,
            Delimiter: opts.recursive ? undefined : "/",
            MaxKeys: this.listPageSize,
            ContinuationToken: token,
          }),
          { abortSignal: signal },
        ),
      );
      // Keys ending in "/" are directory markers written by some tools, not objects.
      const keys = (out.Contents ?? []).map((o) => o.Key ?? "").filter((k) => k !== "" && !k.endsWith("/"));
      const dirs = (out.CommonPrefixes ?? []).map((p) => p.Prefix ?? "").filter((p) => p !== "" && p > last);
      const page = mergeSorted(keys, dirs);
      const tail = page[page.length - 1];
      if (tail !== undefined && tail > last) last = tail;
      yield page;
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async upload(key: string, body: Readable | Buffer | Uint8Array): Promise<void> {
    // Not retried: a stream cannot be replayed. lib-storage sends a single PUT
    // for bodies up to partSize and a multipart upload (aborted on failure) above.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.name, Key: key, Body: body },
      partSize: this.partSize,
      queueSize: this.uploadConcurrency,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      throw mapS3Error(err, { bucket: this.name, operation: "Upload", key });
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.name, Key: key }));
    } catch (err) {
      const mapped = mapS3Error(err, { bucket: this.name, operation: "DeleteObject", key });
      if (mapped instanceof ObjectNotFoundError) return;
      throw mapped;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** Runs one idempotent request under the retry policy, mapping each attempt's error. */
  private read<T>(operation: string, target: string | { prefix: string }, op: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ctx: S3ErrorContext =
      typeof target === "string" ? { bucket: this.name, operation, key: target } : { bucket: this.name, operation, prefix: target.prefix };
    return withRetry(
      async (signal) => {
        try {
          return await op(signal);
        } catch (err) {
          throw mapS3Error(err, ctx);
        }
      },
      this.retryPolicy,
      { description: describeTarget(ctx) },
    );
  }
}

/** Validates options up front so a bad config fails at load time with a ConfigError. */
export function checkS3Options(opts: S3BucketOptions): void {
  const where = `S3 bucket ${JSON.stringify(opts.bucket ?? "")}`;
  if (!opts.bucket) throw new ConfigError("S3 bucket: \"bucket\" is required");
  const endpoint = opts.endpoint?.trim() ?? "";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) || endpoint.includes("/")) {
    throw new ConfigError(`${where}: endpoint must be host[:port] without scheme or path (use insecure: true for http), got ${JSON.stringify(endpoint)}`);
  }
  if (Boolean(opts.accessKey) !== Boolean(opts.secretKey)) {
    throw new ConfigError(`${where}: access_key and secret_key must be set together`);
  }
  const partSize = opts.partSize ?? DEFAULT_PART_SIZE;
  if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE) {
    throw new ConfigError(`${where}: part_size must be an integer >= ${MIN_PART_SIZE} bytes, got ${partSize}`);
  }
  const pageSize = opts.listPageSize ?? MAX_LIST_PAGE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_LIST_PAGE) {
    throw new ConfigError(`${where}: list page size must be 1..${MAX_LIST_PAGE}, got ${pageSize}`);
  }
  const concurrency = opts.uploadConcurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ConfigError(`${where}: upload concurrency must be a positive integer, got ${concurrency}`);
  }
}

function clientConfig(opts: S3BucketOptions): S3ClientConfig {
  const endpoint = opts.endpoint?.trim() ?? "";
  const lookup = opts.bucketLookupType ?? "auto";
  const isAws = endpoint === "" || /(^|\.)amazonaws\.com(\.cn)?(:\d+)?$/i.test(endpoint);
  const config: S3ClientConfig = {
    region: opts.region || "us-east-1",
    forcePathStyle: lookup === "path" || (lookup === "auto" && !isAws),
    // One retry policy (retry.ts): the SDK must not retry underneath it.
    maxAttempts: 1,
    // Only send/validate checksums when an operation requires them: many
    // S3-compatible servers reject or mangle the newer default CRC headers.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    followRegionRedirects: endpoint === "",
    requestHandler: { connectionTimeout: opts.connectTimeoutMs ?? 10_000 },
  };
  if (endpoint !== "") config.endpoint = `${opts.insecure ? "http" : "https"}://${endpoint}`;
  if (opts.accessKey && opts.secretKey) {
    config.credentials = {
      accessKeyId: opts.accessKey,
      secretAccessKey: opts.secretKey,
      ...(opts.sessionToken ? { sessionToken: opts.sessionToken } : {}),
    };
  }
  return config;
}

/** Merges two sorted key lists (objects and common prefixes) into one sorted list. */
function mergeSorted(a: string[], b: string[]): string[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && (a[i] as string) < (b[j] as string))) out.push(a[i++] as string);
    else out.push(b[j++] as string);
  }
  return out;
}

/** Parses "bytes first-last/total" (total may be "*"). */
export function parseContentRange(header: string | undefined): { start: number; end: number; total: number | undefined } | undefined {
  const m = header === undefined ? null : /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(header);
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === "*" ? undefined : Number(m[3]) };
}

/** Total size after the "/" of a Content-Range header (also the unsatisfied form); undefined when absent or "*". */
export function parseContentRangeTotal(header: string | undefined): number | undefined {
  const m = header === undefined ? null : /\/(\d+)\s*$/.exec(header);
  return m ? Number(m[1]) : undefined;
}

/** The object size from a 416 response's "Content-Range: bytes * /size" header. */
function rangeTotal(err: unknown): number | undefined {
  const headers = (err as { $response?: { headers?: Record<string, string | undefined> } }).$response?.headers;
  return parseContentRangeTotal(headers?.["content-range"]);
}

function destroyBody(body: unknown): void {
  if (body instanceof Readable) body.destroy();
}

/** Reads a response body fully; an aborted attempt (timeout) tears the socket down. */
async function readBody(body: unknown, signal: AbortSignal): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (!(body instanceof Readable)) {
    throw new ObjstoreError("server", "unexpected S3 response body type (not a Node stream)");
  }
  const onAbort = (): void => {
    body.destroy(signal.reason instanceof Error ? signal.reason : undefined);
  };
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
