// FILESYSTEM-only behaviour: key safety, atomic uploads, ordering corner
// cases and positional range reads.

import { mkdir, mkdtemp, open, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ObjectNotFoundError, ObjstoreError } from "../../src/objstore/errors.js";
import { FilesystemBucket } from "../../src/objstore/filesystem.js";
import { collect } from "./support.js";

let base: string;
let root: string;
let bucket: FilesystemBucket;

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), "pgw-fsb-"));
  root = path.join(base, "root");
  bucket = new FilesystemBucket(root);
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  }
  return out.sort();
}

describe("key validation", () => {
  const bad = ["../escape", "a/../../escape", "a/..", "/etc/passwd", "a//b", "./a", "a/./b", "", "dir/", "a\\..\\b", "nul\0byte"];

  it.each(bad)("rejects %j for every operation, touching nothing outside the root", async (key) => {
    await writeFile(path.join(base, "escape"), "outside");
    const calls: (() => Promise<unknown>)[] = [
      () => bucket.get(key),
      () => bucket.getRange(key, 0, 1),
      () => bucket.attributes(key),
      () => bucket.exists(key),
      () => bucket.upload(key, Buffer.from("x")),
      () => bucket.delete(key),
    ];
    for (const call of calls) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ObjstoreError);
      expect((err as ObjstoreError).kind).toBe("invalid");
    }
    expect(await allFiles(base)).toEqual(["escape"]);
  });

  it("rejects traversal in list prefixes", async () => {
    for (const prefix of ["../", "a/../../", "/abs", "a//"]) {
      const err = await collect(bucket.list(prefix)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ObjstoreError);
      expect((err as ObjstoreError).kind).toBe("invalid");
    }
  });
});

describe("uploads", () => {
  it("write to a temp file and rename: nothing is visible until the stream ends", async () => {
    const body = new PassThrough();
    const done = bucket.upload("blocks/x/data", body);
    body.write(Buffer.alloc(1000, 1));
    await new Promise((r) => setTimeout(r, 50));
    expect(await bucket.exists("blocks/x/data")).toBe(false);
    expect(await collect(bucket.list("", { recursive: true }))).toEqual([]);
    // The partial data sits in a hidden temp file in the same directory.
    const partial = await readdir(path.join(root, "blocks/x"));
    expect(partial).toHaveLength(1);
    expect(partial[0]).toMatch(/^\.pgw-upload-/);
    body.end(Buffer.alloc(500, 2));
    await done;
    expect(await readdir(path.join(root, "blocks/x"))).toEqual(["data"]);
    expect((await bucket.attributes("blocks/x/data")).size).toBe(1500);
  });

  it("remove the temp file when the body fails", async () => {
    const body = new PassThrough();
    const done = bucket.upload("a/b", body);
    body.write("partial");
    setTimeout(() => body.destroy(new Error("network died")), 20);
    await expect(done).rejects.toThrow("network died");
    expect(await allFiles(root)).toEqual([]);
  });

  it("an object cannot be written where a directory is, or below a file", async () => {
    await bucket.upload("a/b", Buffer.from("x"));
    for (const key of ["a", "a/b/c"]) {
      const err = await bucket.upload(key, Buffer.from("y")).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ObjstoreError);
      expect((err as ObjstoreError).kind).toBe("invalid");
    }
    expect(await allFiles(root)).toEqual(["a/b"]);
  });
});

describe("list", () => {
  it("returns plain key order even where '-' and '.' sort before '/'", async () => {
    const keys = ["a/x", "a-b", "a.c", "a0", "a/-", "a/b-c/d", "a/b/c"];
    for (const k of keys) await bucket.upload(k, Buffer.from(k));
    const sorted = [...keys].sort();
    expect(await collect(bucket.list("", { recursive: true }))).toEqual(sorted);
    expect(await collect(bucket.list(""))).toEqual(["a-b", "a.c", "a/", "a0"]);
  });

  it("hides in-progress uploads and lists an absent root as empty", async () => {
    expect(await collect(bucket.list("", { recursive: true }))).toEqual([]);
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, ".pgw-upload-deadbeef"), "partial");
    await writeFile(path.join(root, "real"), "x");
    expect(await collect(bucket.list(""))).toEqual(["real"]);
  });
});

describe("delete", () => {
  it("prunes directories it empties, but never the root", async () => {
    await bucket.upload("x/y/z", Buffer.from("1"));
    await bucket.upload("x/keep", Buffer.from("2"));
    await bucket.delete("x/y/z");
    expect(await readdir(root)).toEqual(["x"]);
    expect(await readdir(path.join(root, "x"))).toEqual(["keep"]);
    await bucket.delete("x/keep");
    expect(await readdir(root)).toEqual([]);
  });

  it("a directory is not an object: delete is a no-op, get is not found", async () => {
    await bucket.upload("d/f", Buffer.from("1"));
    await bucket.delete("d");
    expect(await bucket.exists("d/f")).toBe(true);
    await expect(bucket.get("d")).rejects.toBeInstanceOf(ObjectNotFoundError);
  });
});

describe("getRange", () => {
  it("reads the tail of a 3 GiB sparse file (a whole-file read would fail past 2 GiB)", async () => {
    await mkdir(root, { recursive: true });
    const file = path.join(root, "huge");
    const size = 3 * 1024 ** 3;
    const fh = await open(file, "w");
    try {
      await fh.truncate(size);
      await fh.write(Buffer.from("footer!!"), 0, 8, size - 8);
    } finally {
      await fh.close();
    }
    expect((await stat(file)).size).toBe(size);
    const started = Date.now();
    expect((await bucket.getRange("huge", size - 8, 8)).toString()).toBe("footer!!");
    expect((await bucket.getRange("huge", 1024 ** 3, 4)).equals(Buffer.alloc(4))).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
