// The Bucket contract, run unchanged against FILESYSTEM and S3 (s3rver or S3_ENDPOINT).

import { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Bucket } from "../../src/objstore/bucket.js";
import { ObjectNotFoundError, ObjectRangeError, ObjstoreError } from "../../src/objstore/errors.js";
import { backends, collect, hashedStream, pseudoRandom, sha256, type BackendEnv, type Made, type MakeOptions } from "./support.js";

const MiB = 1024 * 1024;

describe.each(backends)("$name bucket contract", (backend) => {
  let env: BackendEnv;
  const open: Bucket[] = [];

  beforeAll(async () => {
    env = await backend.start();
  });
  afterAll(async () => {
    await env?.stop();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });

  function make(opts?: MakeOptions): Made {
    const made = env.make(opts);
    open.push(made.bucket);
    return made;
  }

  async function uploadAll(bucket: Bucket, keys: string[], concurrency = 16): Promise<void> {
    const queue = [...keys];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let k = queue.shift(); k !== undefined; k = queue.shift()) await bucket.upload(k, Buffer.from(k));
      }),
    );
  }

  describe("get and getRange", () => {
    const data = pseudoRandom(100_000, 3);

    it("returns the exact bytes of whole objects and ranges, including a range ending at the last byte", async () => {
      const { bucket } = make();
      await bucket.upload("blk/data", data);
      expect(sha256(await bucket.get("blk/data"))).toBe(sha256(data));
      for (const [off, len] of [
        [0, 1],
        [0, 4096],
        [12_345, 777],
        [data.length - 8, 8], // footer-style read: explicit range at the very end
        [data.length - 1, 1],
        [0, data.length],
      ] as const) {
        const got = await bucket.getRange("blk/data", off, len);
        expect(got.length).toBe(len);
        expect(got.equals(data.subarray(off, off + len))).toBe(true);
      }
      expect((await bucket.getRange("blk/data", data.length, 0)).length).toBe(0);
    });

    it("rejects ranges past the end with ObjectRangeError", async () => {
      const { bucket } = make();
      await bucket.upload("r", data);
      for (const [off, len] of [
        [data.length - 8, 9], // one byte too many
        [data.length, 1], // starts at the end
        [data.length + 100, 10], // starts beyond the end
        [data.length + 1, 0], // empty, but beyond the end
      ] as const) {
        const err = await bucket.getRange("r", off, len).catch((e: unknown) => e);
        expect(err, `range ${off}+${len}`).toBeInstanceOf(ObjectRangeError);
        expect((err as ObjstoreError).kind).toBe("range");
        expect((err as Error).message).toContain(`size ${data.length}`);
      }
    });

    it("rejects negative or fractional ranges as invalid", async () => {
      const { bucket } = make();
      await bucket.upload("r", data);
      for (const [off, len] of [
        [-1, 5],
        [0, -5],
        [1.5, 2],
      ] as const) {
        const err = await bucket.getRange("r", off, len).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ObjstoreError);
        expect((err as ObjstoreError).kind).toBe("invalid");
      }
    });
  });

  it("attributes report size and modification time", async () => {
    const { bucket } = make();
    const before = Date.now();
    await bucket.upload("a/obj", pseudoRandom(12_345));
    const attrs = await bucket.attributes("a/obj");
    expect(attrs.size).toBe(12_345);
    expect(attrs.lastModified).toBeInstanceOf(Date);
    // S3 timestamps have one-second resolution.
    expect(attrs.lastModified.getTime()).toBeGreaterThanOrEqual(before - 2_000);
    expect(attrs.lastModified.getTime()).toBeLessThanOrEqual(Date.now() + 2_000);
    await bucket.upload("a/empty", Buffer.alloc(0));
    expect((await bucket.attributes("a/empty")).size).toBe(0);
    expect((await bucket.get("a/empty")).length).toBe(0);
  });

  it("exists is true only for objects", async () => {
    const { bucket } = make();
    await bucket.upload("dir/obj", Buffer.from("x"));
    expect(await bucket.exists("dir/obj")).toBe(true);
    expect(await bucket.exists("dir/other")).toBe(false);
    expect(await bucket.exists("dir")).toBe(false); // a "directory" is not an object
  });

  it("missing objects raise ObjectNotFoundError, distinct from other errors", async () => {
    const { bucket } = make();
    await bucket.upload("present", Buffer.from("x"));
    for (const call of [
      () => bucket.get("absent"),
      () => bucket.getRange("absent", 0, 1),
      () => bucket.getRange("absent", 0, 0),
      () => bucket.attributes("absent"),
      () => bucket.get("present/below"),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ObjectNotFoundError);
      expect(err).not.toBeInstanceOf(ObjectRangeError);
      expect((err as ObjstoreError).kind).toBe("not_found");
      expect((err as Error).message).toMatch(/absent|present\/below/);
    }
  });

  describe("list", () => {
    const keys = ["a/1", "a/2", "a/b/3", "a/b/c/4", "b/5", "c", "ca/6"];

    it("lists recursively and non-recursively, sorted, with dir/ entries", async () => {
      const { bucket } = make();
      await uploadAll(bucket, [...keys].reverse(), 1);
      expect(await collect(bucket.list("", { recursive: true }))).toEqual(keys);
      expect(await collect(bucket.list(""))).toEqual(["a/", "b/", "c", "ca/"]);
      expect(await collect(bucket.list("a/"))).toEqual(["a/1", "a/2", "a/b/"]);
      expect(await collect(bucket.list("a/", { recursive: true }))).toEqual(["a/1", "a/2", "a/b/3", "a/b/c/4"]);
      expect(await collect(bucket.list("a/b/"))).toEqual(["a/b/3", "a/b/c/"]);
      expect(await collect(bucket.list("nothing/", { recursive: true }))).toEqual([]);
      expect(await collect(bucket.list("nothing/"))).toEqual([]);
    });

    it("treats the prefix as a plain string prefix, not only a directory", async () => {
      const { bucket } = make();
      await uploadAll(bucket, keys, 1);
      expect(await collect(bucket.list("c"))).toEqual(["c", "ca/"]);
      expect(await collect(bucket.list("c", { recursive: true }))).toEqual(["c", "ca/6"]);
      expect(await collect(bucket.list("a/b"))).toEqual(["a/b/"]);
      expect(await collect(bucket.list("a/b/c", { recursive: true }))).toEqual(["a/b/c/4"]);
    });

    it("paginates: 50 keys with a page size of 7", async () => {
      const made = make({ listPageSize: 7 });
      const { bucket } = made;
      const many = Array.from({ length: 50 }, (_, i) => `many/k${String(i).padStart(3, "0")}`);
      await uploadAll(bucket, many);
      await bucket.upload("other", Buffer.from("x"));
      expect(await collect(bucket.list("many/", { recursive: true }))).toEqual(many);
      expect(await collect(bucket.list("many/"))).toEqual(many);
      if (bucket.listPages) {
        // S3: ceil(50 / 7) = 8 ListObjectsV2 pages, none larger than 7.
        const pages = await collect(bucket.listPages("many/", { recursive: true }));
        expect(pages.length).toBe(8);
        expect(Math.max(...pages.map((p) => p.length))).toBe(7);
        expect(pages.flat()).toEqual(many);
      }
    });

    it("paginates past 1000 keys with the default page size", async () => {
      const { bucket, commands } = make();
      const many = Array.from({ length: 1005 }, (_, i) => `big/${String(i).padStart(5, "0")}`);
      await uploadAll(bucket, many, 32);
      const before = commands?.length ?? 0;
      expect(await collect(bucket.list("big/", { recursive: true }))).toEqual(many);
      if (commands) expect(commands.slice(before).filter((c) => c === "ListObjectsV2Command")).toHaveLength(2);
    });
  });

  describe("upload", () => {
    it("streams a 20 MiB body byte-exact (multipart on S3)", async () => {
      const { bucket, commands } = make();
      const { stream, digest } = hashedStream(20 * MiB);
      await bucket.upload("big/object", stream);
      expect((await bucket.attributes("big/object")).size).toBe(20 * MiB);
      expect(sha256(await bucket.get("big/object"))).toBe(digest());
      const tail = await bucket.getRange("big/object", 20 * MiB - 100, 100);
      expect(tail.equals(pseudoRandom(MiB, 7 + 19).subarray(MiB - 100))).toBe(true);
      if (commands) {
        // 8 MiB parts: 8 + 8 + 4.
        expect(commands.filter((c) => c === "CreateMultipartUploadCommand")).toHaveLength(1);
        expect(commands.filter((c) => c === "UploadPartCommand")).toHaveLength(3);
        expect(commands.filter((c) => c === "CompleteMultipartUploadCommand")).toHaveLength(1);
        expect(commands).not.toContain("PutObjectCommand");
      }
    });

    it("accepts Buffer, Uint8Array and small streams, and overwrites", async () => {
      const { bucket, commands } = make();
      await bucket.upload("k", Buffer.from("first"));
      await bucket.upload("k", new TextEncoder().encode("second"));
      expect((await bucket.get("k")).toString()).toBe("second");
      await bucket.upload("s", Readable.from([Buffer.from("ab"), Buffer.from("cd")]));
      expect((await bucket.get("s")).toString()).toBe("abcd");
      if (commands) expect(commands).not.toContain("CreateMultipartUploadCommand");
    });

    it("fails, leaving nothing visible, when the body stream errors", async () => {
      const { bucket } = make();
      const body = new Readable({
        read() {
          this.destroy(new Error("source broke"));
        },
      });
      await expect(bucket.upload("broken", body)).rejects.toThrow(/source broke/);
      expect(await bucket.exists("broken")).toBe(false);
      expect(await collect(bucket.list("", { recursive: true }))).toEqual([]);
    });
  });

  it("delete removes objects and is idempotent", async () => {
    const { bucket } = make();
    await bucket.upload("d/x", Buffer.from("x"));
    await bucket.upload("d/y", Buffer.from("y"));
    await bucket.delete("d/x");
    expect(await bucket.exists("d/x")).toBe(false);
    await bucket.delete("d/x");
    await bucket.delete("never/existed");
    expect(await collect(bucket.list("", { recursive: true }))).toEqual(["d/y"]);
    await bucket.delete("d/y");
    // No empty "directory" remains on either backend.
    expect(await collect(bucket.list(""))).toEqual([]);
  });
});
