// Differential tests: `parquet-gateway tsdb dump` against `promtool tsdb dump`
// (Prometheus 2.42) on every real fixture and on a generated 10k-series block.
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { hashed } from "../helpers/hashed.js";
import { cliLines } from "../helpers/cli.js";
import { compareDumps, generatedBlock, promtoolDumpLines } from "../helpers/promtool.js";


const fx = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

describe("tsdb dump equals promtool tsdb dump", () => {
  const cases: [string, number][] = [
    ["block-1k-2h", 480000],
    ["blocks-1k-6h", 1440000],
    ["block-with-tombstones", -1],
    ["block-edge-values", -1],
    ["block-native-histograms", 1459],
  ];
  for (const [name, expectLines] of cases) {
    it(name, async () => {
      const ours = hashed(cliLines(["tsdb", "dump", fx(name)]));
      const theirs = hashed(promtoolDumpLines(fx(name)));
      const r = await compareDumps(ours.lines, theirs.lines);
      expect(r.firstDiff).toBeUndefined();
      expect(ours.digest()).toBe(theirs.digest());
      expect(r.equal).toBe(true);
      if (expectLines > 0) expect(r.lines).toBe(expectLines);
      else expect(r.lines).toBeGreaterThan(0);
    });
  }

  it("honours --match, --min-time and --max-time like promtool", async () => {
    const dir = fx("blocks-1k-6h");
    const opts = { match: '{__name__="demo_http_requests_total", code=~"5..|4.."}', minTime: 1704070000000, maxTime: 1704080000000 };
    const ours = cliLines(["tsdb", "dump", dir, "--match", opts.match, "--min-time", String(opts.minTime), "--max-time", String(opts.maxTime)]);
    const r = await compareDumps(ours, promtoolDumpLines(dir, opts));
    expect(r.firstDiff).toBeUndefined();
    expect(r.lines).toBeGreaterThan(1000);
  });

  it("tombstoned samples are absent", async () => {
    // The fixture deleted demo_memory_usage_bytes{job="api"} over [1704068000000, 1704069000000].
    let inside = 0;
    let outside = 0;
    for await (const line of cliLines(["tsdb", "dump", fx("block-with-tombstones"), "--match", 'demo_memory_usage_bytes{job="api"}'])) {
      const t = Number(line.slice(line.lastIndexOf(" ") + 1));
      if (t >= 1704068000000 && t <= 1704069000000) inside++;
      else outside++;
    }
    expect(inside).toBe(0);
    expect(outside).toBeGreaterThan(0);
  });

  it("a generated block of 10,000 series matches value for value", async () => {
    const { dir } = await generatedBlock(10_000);
    const ours = hashed(cliLines(["tsdb", "dump", dir]));
    const theirs = hashed(promtoolDumpLines(dir));
    const r = await compareDumps(ours.lines, theirs.lines);
    expect(r.firstDiff).toBeUndefined();
    // Not only equal values: the very same text, byte for byte.
    expect(ours.digest()).toBe(theirs.digest());
    expect(r.lines).toBe(10_000 * 480);
  }, 300_000);
});
