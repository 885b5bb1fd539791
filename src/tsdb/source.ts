// Where a block's files come from: a local directory or a bucket prefix. The
// reader only needs sizes and byte ranges, so both back ends serve ranged
// reads and no file is ever loaded whole unless it is small (meta, tombstones).

import { open, readFile, readdir, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { Bucket } from "../objstore/bucket.js";

export interface RangeFile {
  /** Human-readable location for error messages. */
  readonly path: string;
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface BlockSource {
  /** Human-readable block location. */
  readonly location: string;
  openFile(rel: string): Promise<RangeFile>;
  readWhole(rel: string): Promise<Uint8Array>;
  /** File names (not paths) in a sub-directory, sorted. */
  listDir(rel: string): Promise<string[]>;
  exists(rel: string): Promise<boolean>;
}

class LocalFile implements RangeFile {
  constructor(
    readonly path: string,
    readonly size: number,
    private readonly fh: FileHandle,
  ) {}
  async read(offset: number, length: number): Promise<Uint8Array> {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await this.fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === length ? buf : buf.subarray(0, got);
  }
  close(): Promise<void> {
    return this.fh.close();
  }
}

export class LocalBlockSource implements BlockSource {
  constructor(readonly location: string) {}
  async openFile(rel: string): Promise<RangeFile> {
    const p = join(this.location, rel);
    const fh = await open(p, "r");
    const st = await fh.stat();
    return new LocalFile(p, st.size, fh);
  }
  async readWhole(rel: string): Promise<Uint8Array> {
    return readFile(join(this.location, rel));
  }
  async listDir(rel: string): Promise<string[]> {
    return (await readdir(join(this.location, rel))).sort();
  }
  async exists(rel: string): Promise<boolean> {
    try {
      await stat(join(this.location, rel));
      return true;
    } catch {
      return false;
    }
  }
}

class BucketFile implements RangeFile {
  constructor(
    readonly path: string,
    readonly size: number,
    private readonly bucket: Bucket,
    private readonly key: string,
  ) {}
  read(offset: number, length: number): Promise<Uint8Array> {
    const len = Math.min(length, this.size - offset);
    if (len <= 0) return Promise.resolve(new Uint8Array(0));
    return this.bucket.getRange(this.key, offset, len);
  }
  async close(): Promise<void> {}
}

/** A block stored in a bucket under `<prefix>/` (a Thanos-style `<ULID>/`). */
export class BucketBlockSource implements BlockSource {
  readonly location: string;
  constructor(
    private readonly bucket: Bucket,
    private readonly prefix: string,
  ) {
    this.location = `${bucket.kind}:${prefix}`;
  }
  private key(rel: string): string {
    return this.prefix.replace(/\/$/, "") + "/" + rel;
  }
  async openFile(rel: string): Promise<RangeFile> {
    const key = this.key(rel);
    const attrs = await this.bucket.attributes(key);
    return new BucketFile(key, attrs.size, this.bucket, key);
  }
  async readWhole(rel: string): Promise<Uint8Array> {
    return this.bucket.get(this.key(rel));
  }
  async listDir(rel: string): Promise<string[]> {
    const dir = this.key(rel).replace(/\/?$/, "/");
    const out: string[] = [];
    for await (const k of this.bucket.list(dir, { recursive: false })) {
      if (!k.endsWith("/")) out.push(k.slice(dir.length));
    }
    return out.sort();
  }
  exists(rel: string): Promise<boolean> {
    return this.bucket.exists(this.key(rel));
  }
}

/**
 * Serves reads at mostly increasing offsets from a sliding window, so a
 * sequential walk over a large section costs a few big reads instead of one
 * per record. Returned views stay valid: each refill allocates a new window.
 */
export class WindowedReader {
  private win: Uint8Array = new Uint8Array(0);
  private winStart = 0;
  constructor(
    readonly file: RangeFile,
    private readonly windowSize = 1 << 20,
  ) {}

  /** Bytes [offset, offset+length) clipped to the file end. */
  async get(offset: number, length: number): Promise<{ buf: Uint8Array; start: number }> {
    const end = Math.min(offset + length, this.file.size);
    if (offset >= this.winStart && end <= this.winStart + this.win.length) {
      return { buf: this.win, start: offset - this.winStart };
    }
    const want = Math.min(Math.max(end - offset, this.windowSize), this.file.size - offset);
    this.win = want > 0 ? await this.file.read(offset, want) : new Uint8Array(0);
    this.winStart = offset;
    return { buf: this.win, start: 0 };
  }
}
