// End to end: promtool-backfilled OpenMetrics (counter resets, gaps,
// irregular intervals) converted with `convert --downsample`; the stored
// aggregates, printed by `dump --resolution`, equal the plain reference run
// over the raw samples promtool dumps from the same blocks, per unit and
// column window, at 5m and at 1h. The `downsample` command over units
// converted without aggregates writes the same files.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGGR_NAMES } from "../../src/chunkenc/aggr.js";
import { discoverUnits } from "../../src/store/discovery.js";
import { newTestBucket, type TestBucket } from "../helpers/buckets.js";
import { runCli } from "../helpers/cli.js";
import { convertOk, expectDumpMatchesPromtool } from "../helpers/convert.js";
import { parseDumpLine, parseGoFloat, promtoolDumpLines } from "../helpers/promtool.js";
import { backfill, genOpenMetrics } from "./openmetrics.js";
import { refAggr, refExpand, refRaw, type RefChunk } from "./reference.js";

const T0 = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;
const WINDOW = 8 * 3_600_000;

let blocks: string;
let cleanupBlocks: () => void = () => {};
let tb: TestBucket;
let tb2: TestBucket;
/** Raw samples per series, from promtool's dump of the blocks. */
const raw = new Map<string, { t: number[]; v: number[] }>();

beforeAll(async () => {
  const { text } = genOpenMetrics({ start: T0 + 1_800_000, end: T0 + 30 * 3_600_000, counters: 6, gauges: 4, seed: 7, intervalMs: 30_000 });
  const b = await backfill(text);
  blocks = b.dir;
  cleanupBlocks = b.cleanup;
  for await (const line of promtoolDumpLines(blocks)) {
    if (!line) continue;
    const s = parseDumpLine(line);
    let r = raw.get(s.labels);
    if (!r) raw.set(s.labels, (r = { t: [], v: [] }));
    r.t.push(s.t);
    r.v.push(s.value);
  }
  tb = await newTestBucket("FILESYSTEM");
  await convertOk(tb, blocks, ["--downsample"]);
  tb2 = await newTestBucket("FILESYSTEM");
  await convertOk(tb2, blocks);
}, 300_000);

afterAll(() => {
  tb?.cleanup();
  tb2?.cleanup();
  cleanupBlocks();
});

/** The reference chunks of a series: per 24h unit, per 8h window. */
function reference(key: string, res: "5m" | "1h"): RefChunk[] {
  const r = raw.get(key)!;
  const out: RefChunk[] = [];
  for (let day = Math.floor(r.t[0]! / DAY) * DAY; day <= r.t[r.t.length - 1]!; day += DAY) {
    for (let ws = day; ws < day + DAY; ws += WINDOW) {
      const idx = r.t.map((t, i) => [t, i] as const).filter(([t]) => t >= ws && t < ws + WINDOW);
      if (idx.length === 0) continue;
      const five = refRaw(refExpand([{ t: Float64Array.from(idx.map(([t]) => t)), v: Float64Array.from(idx.map(([, i]) => r.v[i]!)) }]), 300_000);
      out.push(...(res === "5m" ? five : refAggr(five, 300_000, 3_600_000)));
    }
  }
  return out;
}

/** What `dump --resolution` prints for the reference. */
function expectedLines(res: "5m" | "1h"): string[] {
  const lines: string[] = [];
  for (const key of [...raw.keys()].sort(compareKeys)) {
    const chunks = reference(key, res);
    for (const a of AGGR_NAMES) for (const c of chunks) for (const p of c[a]) lines.push(`${key} ${a} ${p.v} ${p.t}`);
  }
  return lines;
}

function compareKeys(a: string, b: string): number {
  // Both sort as promtool prints them: by name, then by the i label (as a string).
  return a < b ? -1 : a > b ? 1 : 0;
}

async function dumpLines(b: TestBucket, res: string): Promise<string[]> {
  const r = await runCli(["dump", "--objstore.config-file", b.configFile, "--resolution", res]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split("\n").filter(Boolean);
}

function expectSameLines(got: string[], want: string[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    const [gk, gv] = splitLine(g);
    const [wk, wv] = splitLine(w);
    if (gk !== wk || !(Object.is(gv, wv) || (Number.isNaN(gv) && Number.isNaN(wv)))) expect.fail(`line ${i + 1}: got ${g}, want ${w}`);
  });
}

/** `{labels} aggr value ts` -> ["{labels} aggr ts", value]. */
function splitLine(l: string): [string, number] {
  const m = /^(\{.*\}) (\w+) (\S+) (-?\d+)$/.exec(l);
  if (!m) throw new Error(`bad dump line ${l}`);
  return [`${m[1]} ${m[2]} ${m[4]}`, parseGoFloat(m[3]!)];
}

describe("convert --downsample", () => {
  it("publishes raw, 5m and 1h resolutions with agg files per shard", async () => {
    const bucket = tb.open();
    try {
      const { units } = await discoverUnits(bucket);
      expect(units.length).toBe(2);
      for (const u of units) {
        expect(u.meta.resolutions).toEqual([0, 300_000, 3_600_000]);
        for (const s of u.meta.shards) {
          expect(s.files["agg-5m"]).toBeGreaterThan(0);
          expect(s.files["agg-1h"]).toBeGreaterThan(0);
        }
      }
    } finally {
      await bucket.close();
    }
  });

  it("leaves the raw data as without --downsample", async () => {
    await expectDumpMatchesPromtool(tb, blocks);
  });

  it.each(["5m", "1h"] as const)("stores %s aggregates equal to the reference, every aggregate of every series", async (res) => {
    const want = expectedLines(res);
    expect(want.length).toBeGreaterThan(100);
    expectSameLines(await dumpLines(tb, res), want);
  });
});

describe("downsample command", () => {
  it("adds the same aggregate files to units converted without them, republishing meta.json", async () => {
    const bucket = tb2.open();
    try {
      const before = await discoverUnits(bucket);
      expect(before.units.map((u) => u.meta.resolutions)).toEqual([[0], [0]]);
      const r = await runCli(["downsample", "--objstore.config-file", tb2.configFile]);
      expect(r.code, r.stderr).toBe(0);
      const after = await discoverUnits(bucket);
      for (const u of after.units) {
        expect(u.meta.resolutions).toEqual([0, 300_000, 3_600_000]);
        const old = before.units.find((b) => b.prefix === u.prefix)!;
        expect(u.meta.createdAt).not.toBe(old.meta.createdAt);
        expect(u.meta.stats.bytes).toBe(old.meta.stats.bytes + u.meta.shards.reduce((a, s) => a + (s.files["agg-5m"] ?? 0) + (s.files["agg-1h"] ?? 0), 0));
      }
      for (const res of ["5m", "1h"]) expect(await dumpLines(tb2, res)).toEqual(await dumpLines(tb, res));
      // A second run finds nothing to do.
      const again = await runCli(["downsample", "--objstore.config-file", tb2.configFile]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/already downsampled/);
      const last = await discoverUnits(bucket);
      expect(last.units.map((u) => u.meta.createdAt)).toEqual(after.units.map((u) => u.meta.createdAt));
      // convert without --downsample keeps the downsampled units as up to date.
      const c = await runCli(["convert", "--tsdb.path", blocks, "--objstore.config-file", tb2.configFile]);
      expect(c.code, c.stderr).toBe(0);
      expect((await discoverUnits(bucket)).units.map((u) => u.meta.createdAt)).toEqual(after.units.map((u) => u.meta.createdAt));
    } finally {
      await bucket.close();
    }
  });
});
