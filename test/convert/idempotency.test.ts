// Converting the same blocks twice: the second run skips the published unit
// and touches nothing; --force rewrites it and the result still round-trips.
import { statSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { newTestBucket } from "../helpers/buckets.js";
import { convertOk, expectDumpMatchesPromtool, fx } from "../helpers/convert.js";
import type { FilesystemBucket } from "../../src/objstore/filesystem.js";
import { discoverUnits } from "../../src/store/discovery.js";

/** Every object of a FILESYSTEM bucket with its mtime and content hash. */
function snapshot(root: string, keys: string[]): Record<string, { mtimeMs: number; size: number; head: string }> {
  const out: Record<string, { mtimeMs: number; size: number; head: string }> = {};
  for (const k of keys) {
    const st = statSync(join(root, k));
    out[k] = { mtimeMs: st.mtimeMs, size: st.size, head: readFileSync(join(root, k)).subarray(0, 4096).toString("base64") };
  }
  return out;
}

describe("converting twice", () => {
  it("skips an already converted unit unless --force, which rewrites it", async () => {
    const src = fx("blocks-1k-6h");
    const b = await newTestBucket("FILESYSTEM");
    const bucket = b.open();
    try {
      await convertOk(b, src, ["--partition", "2h"]);
      const keys: string[] = [];
      for await (const k of bucket.list("", { recursive: true })) keys.push(k);
      // stream.json plus three 2h units of meta.json and one shard each.
      expect(keys.length).toBe(1 + 3 * 3);
      const root = (bucket as FilesystemBucket).root;
      const before = snapshot(root, keys);
      const metaBefore = (await discoverUnits(bucket)).units.map((u) => u.meta);

      // mtimes are compared exactly: make sure a rewrite would get a different one.
      await new Promise((r) => setTimeout(r, 20));
      const again = await convertOk(b, src, ["--partition", "2h"]);
      const skips = again.stderr.split("\n").filter((l) => /already converted.*skipping/.test(l));
      expect(skips.length, again.stderr).toBe(3);
      for (const l of skips) expect(JSON.parse(l)).toMatchObject({ level: 30, unit: expect.stringMatching(/^[0-9a-f]{16}\/20240101T0[024]0000Z-2h\/$/) });
      expect(again.stderr).toMatch(/"written":0,"skipped":3/);
      const keysAgain: string[] = [];
      for await (const k of bucket.list("", { recursive: true })) keysAgain.push(k);
      expect(keysAgain).toEqual(keys);
      expect(snapshot(root, keys)).toEqual(before);

      const forced = await convertOk(b, src, ["--partition", "2h", "--force"]);
      expect(forced.stderr).not.toMatch(/already converted/);
      expect(forced.stderr).toMatch(/"written":3,"skipped":0/);
      const metaAfter = (await discoverUnits(bucket)).units.map((u) => u.meta);
      expect(metaAfter.length).toBe(3);
      for (let i = 0; i < 3; i++) {
        expect(metaAfter[i]!.createdAt).not.toBe(metaBefore[i]!.createdAt);
        expect(Date.parse(metaAfter[i]!.createdAt)).toBeGreaterThan(Date.parse(metaBefore[i]!.createdAt));
        // Same blocks, same options: everything but the creation time is identical.
        expect({ ...metaAfter[i]!, createdAt: "" }).toEqual({ ...metaBefore[i]!, createdAt: "" });
      }
      const after = snapshot(root, keys);
      // Shards and meta.json rewritten; stream.json is left as it was.
      for (const k of keys) {
        if (k.endsWith("/stream.json")) expect(after[k], k).toEqual(before[k]);
        else expect(after[k]!.mtimeMs, k).toBeGreaterThan(before[k]!.mtimeMs);
      }
      await expectDumpMatchesPromtool(b, src);
    } finally {
      await bucket.close();
      b.cleanup();
    }
  });
});
