// Round trip: `parquet-gateway dump` of converted data equals `promtool tsdb
// dump` of the source blocks, text for text, on FILESYSTEM and S3 buckets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { hashed } from "../helpers/hashed.js";
import { cliLines, runCli } from "../helpers/cli.js";
import { compareDumps, generatedBlock, promtoolDumpLines } from "../helpers/promtool.js";
import { newTestBucket, type BucketKind, type TestBucket } from "../helpers/buckets.js";
import { startS3, type TestS3 } from "../setup/s3.js";
import { discoverUnits } from "../../src/store/discovery.js";

const fx = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));


export async function expectRoundTrip(b: TestBucket, src: string | string[], convertArgs: string[] = []): Promise<number> {
  const srcs = Array.isArray(src) ? src : [src];
  for (const s of srcs) {
    const r = await runCli(["convert", "--tsdb.path", s, "--objstore.config-file", b.configFile, ...convertArgs], { timeoutMs: 240_000 });
    expect(r.stderr).not.toMatch(/"level":50/);
    expect(r.code).toBe(0);
  }
  const ours = hashed(cliLines(["dump", "--objstore.config-file", b.configFile]));
  const theirs = hashed(promtoolDumpLines(srcs));
  const cmp = await compareDumps(ours.lines, theirs.lines);
  expect(cmp.firstDiff).toBeUndefined();
  expect(ours.digest()).toBe(theirs.digest());
  expect(cmp.lines).toBeGreaterThan(0);
  return cmp.lines;
}

/** Two overlapping blocks of one series set: the overlap holds duplicate samples and distinct ones. */
function overlappingBlocks(): string {
  const root = mkdtempSync(join(tmpdir(), "pg-overlap-"));
  const out = join(root, "data");
  mkdirSync(out);
  const start = Date.UTC(2024, 0, 1) / 1000;
  const om = (from: number, to: number, extra: number): string => {
    let s = "# HELP ov_metric test\n# TYPE ov_metric gauge\n";
    for (const inst of ["a", "b", "c"]) {
      const pts: [number, number][] = [];
      for (let t = from; t < to; t += 15) pts.push([t, Math.sin(t / 100) * 100 + inst.charCodeAt(0)]);
      // Distinct samples only this block has, inside the overlap.
      for (let t = Math.max(from, start + 1800) + extra; t < Math.min(to, start + 3600); t += 60) pts.push([t, -t]);
      pts.sort((x, y) => x[0] - y[0]);
      for (const [t, v] of pts) s += `ov_metric{instance="${inst}"} ${v} ${t}\n`;
    }
    return s + "# EOF\n";
  };
  writeFileSync(join(root, "a.om"), om(start, start + 3600, 7));
  writeFileSync(join(root, "b.om"), om(start + 1800, start + 5400, 11));
  execFileSync("promtool", ["tsdb", "create-blocks-from", "openmetrics", join(root, "a.om"), out]);
  execFileSync("promtool", ["tsdb", "create-blocks-from", "openmetrics", join(root, "b.om"), out]);
  return out;
}

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3?.stop();
});

describe.each<BucketKind>(["FILESYSTEM", "S3"])("convert round trip (%s)", (kind) => {
  const withBucket = async (fn: (b: TestBucket) => Promise<void>): Promise<void> => {
    const b = await newTestBucket(kind, s3);
    try {
      await fn(b);
    } finally {
      b.cleanup();
    }
  };
  for (const name of ["block-1k-2h", "block-edge-values", "block-native-histograms"]) {
    it(`fixture ${name}`, () => withBucket(async (b) => void (await expectRoundTrip(b, fx(name)))));
  }
  it("3 consecutive 2h blocks into one day", () =>
    withBucket(async (b) => {
      expect(await expectRoundTrip(b, fx("blocks-1k-6h"))).toBe(1_440_000);
      const bucket = b.open();
      const { units } = await discoverUnits(bucket);
      expect(units.length).toBe(1);
      expect(units[0]!.meta.sources.length).toBe(3);
      await bucket.close();
    }));
  it("blocks with tombstones", () => withBucket(async (b) => void (await expectRoundTrip(b, fx("block-with-tombstones")))));
  it("two overlapping blocks with duplicate and distinct samples", () =>
    withBucket(async (b) => {
      const dir = overlappingBlocks();
      expect(await expectRoundTrip(b, dir)).toBeGreaterThan(3 * 360);
    }));
  it("partitions not aligned to the day: 2h partitions, and data crossing midnight", () =>
    withBucket(async (b) => {
      await expectRoundTrip(b, fx("blocks-1k-6h"), ["--partition", "2h"]);
      const bucket = b.open();
      expect((await discoverUnits(bucket)).units.map((u) => u.prefix.split("/")[1])).toEqual(["20240101T000000Z-2h", "20240101T020000Z-2h", "20240101T040000Z-2h"]);
      await bucket.close();
    }));
});

describe("data crossing midnight", () => {
  it("splits into two daily units and round-trips", async () => {
    const { dir } = await generatedBlock(300, { startMs: Date.UTC(2024, 0, 1, 22), duration: "4h" });
    const b = await newTestBucket("FILESYSTEM");
    try {
      await expectRoundTrip(b, dir);
      const bucket = b.open();
      const { units } = await discoverUnits(bucket);
      expect(units.map((u) => u.prefix.split("/")[1])).toEqual(["20240101T000000Z-24h", "20240102T000000Z-24h"]);
      await bucket.close();
    } finally {
      b.cleanup();
    }
  });

  it("clips the last window to the partition when the column width does not divide it", async () => {
    const b = await newTestBucket("FILESYSTEM");
    try {
      await expectRoundTrip(b, fx("blocks-1k-6h"), ["--partition", "3h", "--chunks.column-duration", "2h"]);
      const bucket = b.open();
      const { units } = await discoverUnits(bucket);
      expect(units.length).toBe(2);
      for (const u of units) expect(u.meta.dataMaxTime).toBeLessThan(u.meta.maxTime);
      // Every sample stored exactly once.
      expect(units.reduce((a, u) => a + u.meta.stats.samples, 0)).toBe(1_440_000);
      await bucket.close();
    } finally {
      b.cleanup();
    }
  });
});
