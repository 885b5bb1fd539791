// A Thanos bucket as the source (--tsdb.objstore.config-file): blocks are
// `<ULID>/...` objects. Two complete blocks convert; a block without
// meta.json (upload in progress) and a block with a deletion mark are skipped
// with a log line; a downsampled block goes into the unit's 5m aggregates;
// other Thanos objects (debug/) are ignored.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Bucket } from "../../src/objstore/bucket.js";
import { discoverUnits } from "../../src/store/discovery.js";
import { newTestBucket, type BucketKind } from "../helpers/buckets.js";
import { runCli } from "../helpers/cli.js";
import { expectDumpMatchesPromtool, fx, fxBlock } from "../helpers/convert.js";
import { startS3, type TestS3 } from "../setup/s3.js";

const B1 = "01M81C9HWEF165PFKDSXPXC4DN";
const B2 = "01M81C9JYR9RPWXTMA8EC0M0WW";
const DELETED = "01M81C9M2D6XR9M96RYDEV1W5X";
const INCOMPLETE = "01M81C8ZSCQXTCPJQRKEHEEMV8";
const DOWNSAMPLED = "01M81CQJ373DK1KNM212EWZ3JH";

async function uploadBlock(bucket: Bucket, dir: string, skip: (rel: string) => boolean = () => false): Promise<void> {
  const ulid = dir.split("/").pop()!;
  const walk = async (d: string): Promise<void> => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) await walk(p);
      else if (!skip(relative(dir, p))) await bucket.upload(`${ulid}/${relative(dir, p)}`, readFileSync(p));
    }
  };
  await walk(dir);
}

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3?.stop();
});

describe.each<BucketKind>(["FILESYSTEM", "S3"])("Thanos bucket as source (%s)", (kind) => {
  it("converts complete blocks, skips incomplete and deletion-marked ones, and round-trips", async () => {
    const srcB = await newTestBucket(kind, s3);
    const dst = await newTestBucket(kind, s3);
    const src = srcB.open();
    const out = dst.open();
    try {
      const six = fx("blocks-1k-6h");
      await uploadBlock(src, join(six, B1));
      await uploadBlock(src, join(six, B2));
      await uploadBlock(src, join(six, DELETED));
      await src.upload(`${DELETED}/deletion-mark.json`, Buffer.from(JSON.stringify({ id: DELETED, deletion_time: 1704100000, version: 1 })));
      // Thanos uploads meta.json last: a block without it is still being uploaded.
      await uploadBlock(src, fxBlock("block-1k-2h"), (rel) => rel === "meta.json");
      await src.upload("debug/metas/01M81C9HWEF165PFKDSXPXC4DN.json", Buffer.from("{}"));
      const edge = fxBlock("block-edge-values");
      await uploadBlock(src, edge, (rel) => rel === "meta.json");
      const dsMeta = JSON.parse(readFileSync(join(edge, "meta.json"), "utf8")) as Record<string, unknown>;
      dsMeta["thanos"] = { labels: {}, downsample: { resolution: 300000 }, source: "compactor" };
      await src.upload(`${DOWNSAMPLED}/meta.json`, Buffer.from(JSON.stringify(dsMeta)));

      const r = await runCli(["convert", "--tsdb.objstore.config-file", srcB.configFile, "--objstore.config-file", dst.configFile], { timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/"level":50/);
      const logs = r.stderr
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const skipped = logs.filter((l) => l["msg"] === "skipping block").map((l) => [l["block"], l["reason"]]);
      expect(skipped).toEqual([
        [expect.stringContaining(INCOMPLETE), expect.stringMatching(/no meta\.json/)],
        [expect.stringContaining(DELETED), expect.stringMatching(/deletion-mark\.json/)],
      ]);
      expect(logs.find((l) => l["msg"] === "source blocks found")).toMatchObject({ blocks: 3, downsampled: 1, skipped: 2 });

      const { units } = await discoverUnits(out);
      expect(units.map((u) => u.meta.sources)).toEqual([[B1, B2, DOWNSAMPLED]]);
      // Raw from the two raw blocks; 5m from the downsampled one (its plain XOR chunk is downsampled, as Thanos does).
      expect(units[0]!.meta.resolutions).toEqual([0, 300000]);
      expect(units[0]!.meta.stats.sourceBytes).toBeGreaterThan(0);
      await expectDumpMatchesPromtool(dst, [join(six, B1), join(six, B2)]);
    } finally {
      await src.close();
      await out.close();
      srcB.cleanup();
      dst.cleanup();
    }
  });
});
