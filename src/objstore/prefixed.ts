// Thanos' top-level `prefix`: every key of the wrapped bucket lives under
// "<prefix>/", and callers never see the prefix.

import type { Readable } from "node:stream";
import type { Bucket, ListOptions, ObjectAttributes } from "./bucket.js";
import { ObjstoreError } from "./errors.js";

export class PrefixedBucket implements Bucket {
  readonly kind: string;
  /** Normalised prefix including the trailing "/", e.g. "tenant-a/". */
  readonly prefix: string;
  private readonly inner: Bucket;
  readonly listPages?: (prefix: string, opts?: ListOptions) => AsyncIterable<string[]>;

  constructor(inner: Bucket, prefix: string) {
    const trimmed = prefix.replace(/^\/+|\/+$/g, "");
    if (trimmed === "") throw new ObjstoreError("invalid", "PrefixedBucket needs a non-empty prefix");
    this.inner = inner;
    this.kind = inner.kind;
    this.prefix = `${trimmed}/`;
    // Forward page-wise listing only when the inner bucket has it, so metrics
    // wrappers above still see real pages.
    if (inner.listPages) {
      const pages = inner.listPages.bind(inner);
      this.listPages = (p, opts) => this.stripPages(pages(this.prefix + p, opts));
    }
  }

  get(key: string): Promise<Buffer> {
    return this.inner.get(this.prefix + key);
  }

  getRange(key: string, offset: number, length: number): Promise<Buffer> {
    return this.inner.getRange(this.prefix + key, offset, length);
  }

  attributes(key: string): Promise<ObjectAttributes> {
    return this.inner.attributes(this.prefix + key);
  }

  exists(key: string): Promise<boolean> {
    return this.inner.exists(this.prefix + key);
  }

  async *list(prefix: string, opts?: ListOptions): AsyncIterable<string> {
    for await (const key of this.inner.list(this.prefix + prefix, opts)) yield key.slice(this.prefix.length);
  }

  upload(key: string, body: Readable | Buffer | Uint8Array): Promise<void> {
    return this.inner.upload(this.prefix + key, body);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(this.prefix + key);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async *stripPages(pages: AsyncIterable<string[]>): AsyncIterable<string[]> {
    for await (const page of pages) yield page.map((k) => k.slice(this.prefix.length));
  }
}
