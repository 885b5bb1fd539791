// Typed object-store errors: callers map these to gRPC/HTTP statuses, so each
// failure class has its own type and a message naming the bucket and key.

export type ObjstoreErrorKind = "not_found" | "range" | "auth" | "unreachable" | "server" | "config" | "invalid";

export class ObjstoreError extends Error {
  readonly kind: ObjstoreErrorKind;
  readonly key: string | undefined;
  constructor(kind: ObjstoreErrorKind, message: string, key?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ObjstoreError";
    this.kind = kind;
    this.key = key;
  }
}

/** The object does not exist. */
export class ObjectNotFoundError extends ObjstoreError {
  constructor(bucket: string, key: string, options?: { cause?: unknown }) {
    super("not_found", `object not found: ${bucket}/${key}`, key, options);
    this.name = "ObjectNotFoundError";
  }
}

/** A ranged read asked for bytes outside the object. */
export class ObjectRangeError extends ObjstoreError {
  constructor(bucket: string, key: string, offset: number, length: number, size: number, options?: { cause?: unknown }) {
    super("range", `range [${offset}, ${offset + length}) out of bounds of ${bucket}/${key} (size ${size})`, key, options);
    this.name = "ObjectRangeError";
  }
}

/** Credentials were rejected or access was denied. */
export class AuthError extends ObjstoreError {
  constructor(message: string, key?: string, options?: { cause?: unknown }) {
    super("auth", message, key, options);
    this.name = "AuthError";
  }
}

/** The endpoint could not be reached (DNS, refused, timeout after retries). */
export class UnreachableError extends ObjstoreError {
  constructor(message: string, key?: string, options?: { cause?: unknown }) {
    super("unreachable", message, key, options);
    this.name = "UnreachableError";
  }
}

/** The server answered with a 5xx after all retries. */
export class ServerError extends ObjstoreError {
  constructor(message: string, key?: string, options?: { cause?: unknown }) {
    super("server", message, key, options);
    this.name = "ServerError";
  }
}

/** The objstore configuration is invalid. */
export class ConfigError extends ObjstoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("config", message, undefined, options);
    this.name = "ConfigError";
  }
}
