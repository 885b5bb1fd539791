// Translates AWS SDK / network failures into the typed object-store errors, so
// nothing above the S3 bucket needs to know SDK error shapes.

import {
  AuthError,
  ConfigError,
  ObjectNotFoundError,
  ObjstoreError,
  ServerError,
  UnreachableError,
} from "./errors.js";

export interface S3ErrorContext {
  bucket: string;
  /** SDK-level operation, e.g. "GetObject". */
  operation: string;
  key?: string;
  /** For listings, which have no key. */
  prefix?: string;
}

/** "GetObject my-bucket/some/key" or "ListObjectsV2 my-bucket prefix=\"a/\"", for messages. */
export function describeTarget(ctx: S3ErrorContext): string {
  if (ctx.key !== undefined) return `${ctx.operation} ${ctx.bucket}/${ctx.key}`;
  if (ctx.prefix !== undefined) return `${ctx.operation} ${ctx.bucket} prefix=${JSON.stringify(ctx.prefix)}`;
  return `${ctx.operation} ${ctx.bucket}`;
}

const AUTH_CODES = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "InvalidToken",
  "TokenRefreshRequired",
  "AuthorizationHeaderMalformed",
  "CredentialsProviderError",
]);

const NOT_FOUND_CODES = new Set(["NoSuchKey", "NotFound"]);

const THROTTLING_CODES = new Set(["SlowDown", "Throttling", "ThrottlingException", "TooManyRequests", "RequestLimitExceeded"]);

// Node socket/DNS error codes that mean "could not talk to the endpoint".
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "EPROTO",
  "UND_ERR_SOCKET",
]);

const NETWORK_NAMES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException", "AbortError"]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function shape(err: unknown): ErrorShape {
  return typeof err === "object" && err !== null ? (err as ErrorShape) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** HTTP status carried by an SDK service exception, if any. */
export function httpStatusOf(err: unknown): number | undefined {
  const s = shape(err).$metadata?.httpStatusCode;
  return typeof s === "number" ? s : undefined;
}

/** S3 error code ("NoSuchKey") or, for bodiless responses, the SDK's name ("NotFound"). */
export function errorCodeOf(err: unknown): string | undefined {
  const e = shape(err);
  return str(e.Code) ?? str(e.name);
}

/** True for socket, DNS and timeout failures, also when wrapped in cause or an AggregateError. */
export function isNetworkError(err: unknown, depth = 0): boolean {
  if (depth > 4) return false;
  const e = shape(err);
  const code = str(e.code);
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  if (httpStatusOf(err) === undefined) {
    const name = str(e.name);
    if (name !== undefined && NETWORK_NAMES.has(name)) return true;
  }
  if (Array.isArray(e.errors) && e.errors.some((x) => isNetworkError(x, depth + 1))) return true;
  return e.cause !== undefined && isNetworkError(e.cause, depth + 1);
}

/**
 * Maps err to an ObjstoreError subclass. Errors that are neither SDK service
 * errors nor network errors (programming bugs, stream errors from a caller's
 * upload body) are returned unchanged.
 */
export function mapS3Error(err: unknown, ctx: S3ErrorContext): unknown {
  if (err instanceof ObjstoreError) return err;
  const where = describeTarget(ctx);
  const status = httpStatusOf(err);
  const code = errorCodeOf(err);
  const detail = `${code ?? "error"}${status !== undefined ? ` (HTTP ${status})` : ""}: ${str(shape(err).message) ?? ""}`.trimEnd();
  const options = { cause: err };

  if (code === "NoSuchBucket") return new ConfigError(`${where}: bucket ${ctx.bucket} does not exist`, options);
  if (status === 404 || (code !== undefined && NOT_FOUND_CODES.has(code))) {
    if (ctx.key !== undefined) return new ObjectNotFoundError(ctx.bucket, ctx.key, options);
  }
  if (status === 401 || status === 403 || (code !== undefined && AUTH_CODES.has(code))) {
    return new AuthError(`${where}: access denied, ${detail}`, ctx.key, options);
  }
  if (status === 429 || (code !== undefined && THROTTLING_CODES.has(code))) {
    return new ServerError(`${where}: throttled, ${detail}`, ctx.key, options);
  }
  if (status !== undefined && status >= 500) {
    return new ServerError(`${where}: server error, ${detail}`, ctx.key, options);
  }
  if (isNetworkError(err)) {
    return new UnreachableError(`${where}: endpoint unreachable, ${detail}`, ctx.key, options);
  }
  if (status !== undefined && status >= 400) {
    return new ObjstoreError("invalid", `${where}: request rejected, ${detail}`, ctx.key, options);
  }
  return err;
}
