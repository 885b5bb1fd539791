// FILESYSTEM bucket: objects are files under a root directory. Used as the
// embedded default and in tests; semantics mirror S3 as closely as a local
// directory allows (atomic visibility, no empty "directories" left behind).

import { existsViaAttributes } from "./exists.js";
import { randomBytes } from "node:crypto";
import type { Dirent } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rmdir, stat, unlink, type FileHandle } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import type { Bucket, ListOptions, ObjectAttributes } from "./bucket.js";
import { AuthError, ConfigError, ObjectNotFoundError, ObjectRangeError, ObjstoreError, ServerError } from "./errors.js";
import { checkRange, keySegments, splitPrefix } from "./keys.js";

/** In-progress uploads live next to their target under this name; list() hides them. */
const TEMP_PREFIX = ".pgw-upload-";

interface Entry {
  key: string;
  /** Set for directories: where to descend in a recursive walk. */
  dirPath?: string;
}

export class FilesystemBucket implements Bucket {
  readonly kind = "FILESYSTEM";
  /** Absolute root directory; created lazily by the first upload. */
  readonly root: string;

  constructor(directory: string) {
    if (directory.trim() === "") throw new ConfigError("FILESYSTEM bucket: directory must not be empty");
    this.root = path.resolve(directory);
  }

  async get(key: string): Promise<Buffer> {
    const file = this.pathOf(key);
    try {
      return await readFile(file);
    } catch (err) {
      throw this.readError(err, "get", key);
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    checkRange(key, offset, length);
    const file = this.pathOf(key);
    let fh: FileHandle;
    try {
      fh = await open(file, "r");
    } catch (err) {
      throw this.readError(err, "get_range", key);
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new ObjectNotFoundError(this.root, key);
      if (offset + length > st.size) throw new ObjectRangeError(this.root, key, offset, length, st.size);
      // Positional reads: only the requested bytes are ever read.
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
        // The file shrank under us (it is replaced by rename, so this is rare).
        if (bytesRead === 0) throw new ObjectRangeError(this.root, key, offset, length, offset + done);
        done += bytesRead;
      }
      return buf;
    } catch (err) {
      throw this.readError(err, "get_range", key);
    } finally {
      await fh.close();
    }
  }

  async attributes(key: string): Promise<ObjectAttributes> {
    const file = this.pathOf(key);
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new ObjectNotFoundError(this.root, key);
      return { size: st.size, lastModified: st.mtime };
    } catch (err) {
      throw this.readError(err, "attributes", key);
    }
  }

  exists(key: string): Promise<boolean> {
    return existsViaAttributes(this, key);
  }

  async *list(prefix: string, opts: ListOptions = {}): AsyncIterable<string> {
    const { dir, namePrefix } = splitPrefix(prefix);
    const base = dir.length > 0 ? `${dir.join("/")}/` : "";
    const dirPath = path.join(this.root, ...dir);
    if (opts.recursive) {
      yield* this.walk(dirPath, base, namePrefix);
    } else {
      for (const e of await this.entries(dirPath, base, namePrefix)) yield e.key;
    }
  }

  async upload(key: string, body: Readable | Buffer | Uint8Array): Promise<void> {
    const file = this.pathOf(key);
    const dir = path.dirname(file);
    const tmp = path.join(dir, `${TEMP_PREFIX}${randomBytes(8).toString("hex")}`);
    try {
      await this.writeTemp(dir, tmp, body);
      // rename() within one directory is atomic: readers see the old object or the new one.
      await rename(tmp, file);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw this.writeError(err, "upload", key);
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    try {
      await unlink(file);
    } catch (err) {
      const code = errnoCode(err);
      // Missing, or a directory (not an object): nothing to delete.
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return;
      throw this.writeError(err, "delete", key);
    }
    await this.pruneEmptyParents(path.dirname(file));
  }

  async close(): Promise<void> {}

  private pathOf(key: string): string {
    // keySegments rejects "..", "." and absolute keys, so the join stays under root.
    return path.join(this.root, ...keySegments(key));
  }

  /** Sorted entries of one directory, matching namePrefix; directories as "name/". */
  private async entries(dirPath: string, base: string, namePrefix: string): Promise<Entry[]> {
    let dirents: Dirent[];
    try {
      dirents = await readdir(dirPath, { withFileTypes: true });
    } catch (err) {
      const code = errnoCode(err);
      if (code === "ENOENT" || code === "ENOTDIR") return [];
      throw this.readError(err, "list", base);
    }
    const out: Entry[] = [];
    for (const d of dirents) {
      if (!d.name.startsWith(namePrefix) || d.name.startsWith(TEMP_PREFIX)) continue;
      const full = path.join(dirPath, d.name);
      const type = d.isSymbolicLink() ? await linkTarget(full) : d.isDirectory() ? "dir" : d.isFile() ? "file" : "other";
      if (type === "dir") out.push({ key: `${base}${d.name}/`, dirPath: full });
      else if (type === "file") out.push({ key: `${base}${d.name}` });
    }
    // Sorting with the trailing "/" on directories makes a depth-first walk
    // come out in plain key order ("a-b" < "a/..." because '-' < '/').
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  private async *walk(dirPath: string, base: string, namePrefix: string): AsyncIterable<string> {
    for (const e of await this.entries(dirPath, base, namePrefix)) {
      if (e.dirPath === undefined) yield e.key;
      else yield* this.walk(e.dirPath, e.key, "");
    }
  }

  private async writeTemp(dir: string, tmp: string, body: Readable | Buffer | Uint8Array): Promise<void> {
    let fh: FileHandle | undefined;
    // A concurrent delete() may prune the parent we just created; recreate it.
    for (let attempt = 1; fh === undefined; attempt++) {
      await mkdir(dir, { recursive: true });
      try {
        fh = await open(tmp, "wx");
      } catch (err) {
        if (errnoCode(err) !== "ENOENT" || attempt >= 3) throw err;
      }
    }
    try {
      if (body instanceof Uint8Array) {
        await fh.writeFile(body);
      } else {
        // One chunk in memory at a time; awaiting each write is the backpressure.
        for await (const chunk of body as AsyncIterable<unknown>) {
          await fh.write(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Uint8Array));
        }
      }
      // Flush before rename so a crash cannot expose a complete-looking empty file.
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** Removes directories emptied by a delete, like S3 where "directories" vanish with their last key. */
  private async pruneEmptyParents(dir: string): Promise<void> {
    while (dir.startsWith(this.root + path.sep)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone): stop.
      }
      dir = path.dirname(dir);
    }
  }

  private readError(err: unknown, op: string, key: string): unknown {
    if (err instanceof ObjstoreError) return err;
    const code = errnoCode(err);
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return new ObjectNotFoundError(this.root, key, { cause: err });
    return this.commonError(err, op, key);
  }

  private writeError(err: unknown, op: string, key: string): unknown {
    if (err instanceof ObjstoreError) return err;
    const code = errnoCode(err);
    if (code === "EISDIR" || code === "ENOTDIR" || code === "EEXIST") {
      return new ObjstoreError("invalid", `${op} ${this.root}/${key}: conflicts with an existing file or directory (${code})`, key, { cause: err });
    }
    return this.commonError(err, op, key);
  }

  private commonError(err: unknown, op: string, key: string): unknown {
    const code = errnoCode(err);
    if (code === undefined) return err; // e.g. an error from the caller's upload stream
    const msg = `${op} ${this.root}/${key}: ${err instanceof Error ? err.message : code}`;
    if (code === "EACCES" || code === "EPERM") return new AuthError(msg, key, { cause: err });
    return new ServerError(msg, key, { cause: err });
  }
}

/** The code of an operating-system error (those carry a numeric errno); undefined for anything else. */
function errnoCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const { code, errno } = err as { code?: unknown; errno?: unknown };
  return typeof code === "string" && typeof errno === "number" ? code : undefined;
}

async function linkTarget(p: string): Promise<"dir" | "file" | "other"> {
  try {
    const st = await stat(p);
    return st.isDirectory() ? "dir" : st.isFile() ? "file" : "other";
  } catch {
    return "other"; // dangling link
  }
}
