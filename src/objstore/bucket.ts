// The one object-storage abstraction every layer above talks to. Two
// implementations exist: FILESYSTEM (the embedded default) and S3.

import type { Readable } from "node:stream";

export interface ObjectAttributes {
  /** Object size in bytes. */
  size: number;
  /** Last modification time. */
  lastModified: Date;
}

export interface ListOptions {
  /** When true, list every key under the prefix; otherwise stop at the next "/" (directories end with "/"). */
  recursive?: boolean;
}

export interface Bucket {
  /** Short name for logs and metrics, e.g. "FILESYSTEM" or "S3". */
  readonly kind: string;
  /** Whole object. Throws ObjectNotFoundError if absent. */
  get(key: string): Promise<Buffer>;
  /** Bytes [offset, offset+length) of an object. Reading past the end is an ObjectRangeError. */
  getRange(key: string, offset: number, length: number): Promise<Buffer>;
  /** Size and mtime. Throws ObjectNotFoundError if absent. */
  attributes(key: string): Promise<ObjectAttributes>;
  exists(key: string): Promise<boolean>;
  /** Keys under prefix, sorted, paginated internally. Non-recursive lists yield "dir/" entries. */
  list(prefix: string, opts?: ListOptions): AsyncIterable<string>;
  /**
   * Optional: the same keys as list(), one array per backend request (e.g. a
   * ListObjectsV2 page), so wrappers can count requests. Absent when a
   * listing is not made of separate requests (FILESYSTEM).
   */
  listPages?(prefix: string, opts?: ListOptions): AsyncIterable<string[]>;
  /** Streaming upload; large bodies use multipart. The object becomes visible only when complete. */
  upload(key: string, body: Readable | Buffer | Uint8Array): Promise<void>;
  /** Deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
