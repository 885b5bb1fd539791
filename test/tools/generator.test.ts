// Tests for the test-data generator (tools/), the block maker and the
// promtool harness (test/helpers/promtool.ts).

import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_START_MS, generateOpenMetrics, parseMix, type GenerateOptions, type GenerateStats } from "../../tools/gen-openmetrics.js";
import { formatDuration, parseDuration } from "../../tools/common.js";
import { makeBlocks, readBlockMeta, type BlockMeta } from "../../tools/make-blocks.js";
import {
  buildCachedBlock,
  compareDumps,
  defaultBlockCacheDir,
  fileLines,
  generatedBlock,
  linesOf,
  parseDumpLine,
  parseLabels,
  promtoolDump,
  promtoolDumpLines,
} from "../helpers/promtool.js";

const H2 = 2 * 3_600_000;
const S15 = 15_000;

/** Collects generator output in memory (small runs only). */
class StringSink extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.text += chunk.toString("utf8");
    cb();
  }
}

/** Hashes generator output without keeping it. */
class HashSink extends Writable {
  readonly hash = createHash("sha256");
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.hash.update(chunk);
    cb();
  }
}

async function generateText(opts: GenerateOptions): Promise<{ text: string; stats: GenerateStats }> {
  const sink = new StringSink();
  const stats = await generateOpenMetrics(opts, sink);
  return { text: sink.text, stats };
}

async function generateHash(opts: GenerateOptions): Promise<string> {
  const sink = new HashSink();
  await generateOpenMetrics(opts, sink);
  return sink.hash.digest("hex");
}

interface ParsedOpenMetrics {
  families: Map<string, string>;
  /** series text `name{labels}` -> timestamps (ms) and values */
  series: Map<string, { t: number[]; v: number[] }>;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const HELP_RE = new RegExp(`^# HELP (${NAME}) \\S.*$`);
const TYPE_RE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram)$`);
const SAMPLE_RE = new RegExp(`^(${NAME})\\{((?:[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\\\\n]*",)*[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\\\\n]*")\\} (\\S+) (-?\\d+(?:\\.\\d{1,3})?)$`);
const FLOAT_RE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|NaN|[+-]Inf)$/;

/** A strict reader for the subset of OpenMetrics the generator writes. */
function parseOpenMetrics(text: string): ParsedOpenMetrics {
  const lines = text.split("\n");
  expect(lines.pop()).toBe("");
  expect(lines.at(-1)).toBe("# EOF");
  lines.pop();
  const families = new Map<string, string>();
  const series = new Map<string, { t: number[]; v: number[] }>();
  let family: string | undefined;
  let type: string | undefined;
  let lastSeries = "";
  for (const [i, line] of lines.entries()) {
    const where = `line ${i + 1}: ${line}`;
    if (line.startsWith("#")) {
      const help = HELP_RE.exec(line);
      const typ = TYPE_RE.exec(line);
      if (help) {
        family = help[1];
      } else if (typ) {
        expect(typ[1], where).toBe(family);
        expect(families.has(typ[1] as string), `family declared twice: ${where}`).toBe(false);
        type = typ[2];
        families.set(typ[1] as string, type as string);
      } else {
        throw new Error(`unexpected comment, ${where}`);
      }
      continue;
    }
    const m = SAMPLE_RE.exec(line);
    if (!m) throw new Error(`not a sample line, ${where}`);
    const [, name, labels, value, ts] = m as unknown as [string, string, string, string, string];
    const allowed =
      type === "counter" ? [`${family}_total`] : type === "histogram" ? [`${family}_bucket`, `${family}_count`, `${family}_sum`] : [family];
    expect(allowed, where).toContain(name);
    expect(FLOAT_RE.test(value), where).toBe(true);
    if (name.endsWith("_bucket")) expect(labels, where).toMatch(/,le="[^"]+"$/);
    const key = `${name}{${labels}}`;
    let s = series.get(key);
    if (s === undefined) {
      s = { t: [], v: [] };
      series.set(key, s);
    } else if (key !== lastSeries && !name.endsWith("_bucket") && !name.endsWith("_count") && !name.endsWith("_sum")) {
      throw new Error(`samples of a counter/gauge series are not contiguous, ${where}`);
    }
    lastSeries = key;
    const tMs = Math.round(Number(ts) * 1000);
    const prev = s.t.at(-1);
    if (prev !== undefined && !(tMs > prev)) throw new Error(`timestamps not strictly increasing, ${where}`);
    s.t.push(tMs);
    s.v.push(Number(value));
  }
  return { families, series };
}

describe("gen-openmetrics", () => {
  it("writes well-formed OpenMetrics with the requested shape", async () => {
    const opts: GenerateOptions = { series: 200, durationMs: 30 * 60_000, intervalMs: S15, seed: 7 };
    const { text, stats } = await generateText(opts);
    const parsed = parseOpenMetrics(text);
    expect(parsed.series.size).toBe(200);
    expect(stats.series).toBe(200);
    expect(stats.samples).toBe(200 * 120);
    expect(stats.bytes).toBe(Buffer.byteLength(text));
    expect(new Set(parsed.families.values())).toEqual(new Set(["counter", "gauge", "histogram"]));
    for (const [key, s] of parsed.series) {
      expect(s.t.length, key).toBe(120);
      expect(s.t[0] as number, key).toBeGreaterThanOrEqual(DEFAULT_START_MS);
      expect(s.t.at(-1) as number, key).toBeLessThan(DEFAULT_START_MS + opts.durationMs);
    }
    expect(stats.minTimeMs).toBe(Math.min(...[...parsed.series.values()].map((s) => s.t[0] as number)));
    expect(stats.maxTimeMs).toBe(Math.max(...[...parsed.series.values()].map((s) => s.t.at(-1) as number)));
    // Some gauges are integer-valued, some are not.
    const gaugeValues = [...parsed.series].filter(([k]) => parsed.families.get(k.slice(0, k.indexOf("{"))) === "gauge").flatMap(([, s]) => s.v);
    expect(gaugeValues.some((v) => !Number.isInteger(v))).toBe(true);
    expect(gaugeValues.some((v) => Number.isInteger(v) && v > 1e6)).toBe(true);
  });

  it("scales label cardinalities toward the bench targets", async () => {
    // One sample per series keeps this cheap while exercising the full label plan.
    const big = await generateOpenMetrics({ series: 10_000, durationMs: S15, intervalMs: S15 }, new HashSink());
    expect(big.series).toBe(10_000);
    expect(big.samples).toBe(10_000);
    expect(big.metricNames).toBeGreaterThanOrEqual(190);
    expect(big.metricNames).toBeLessThanOrEqual(210);
    expect(big.instances).toBeGreaterThanOrEqual(1800);
    expect(big.instances).toBeLessThanOrEqual(2000);
    expect(big.pods).toBeGreaterThan(big.instances);
    expect(big.jobs).toBeGreaterThanOrEqual(10);
    expect(big.counterSeries + big.gaugeSeries + big.histogramSeries).toBe(10_000);
    expect(big.histogramSeries / 10_000).toBeCloseTo(0.25, 1);

    const small = await generateOpenMetrics({ series: 200, durationMs: S15, intervalMs: S15 }, new HashSink());
    expect(small.metricNames).toBeLessThan(40);
    expect(small.instances).toBeLessThanOrEqual(40);
    expect(small.jobs).toBeGreaterThanOrEqual(2);

    // Tiny and single-type runs still produce exactly the requested series.
    for (const [series, mix] of [[1, "bench"], [7, "bench"], [13, "histograms"], [50, "counters"], [30, "gauges"]] as const) {
      const { text, stats } = await generateText({ series, durationMs: 60_000, intervalMs: S15, mix });
      expect(stats.series, `${series} ${mix}`).toBe(series);
      expect(parseOpenMetrics(text).series.size, `${series} ${mix}`).toBe(series);
    }
  });

  it("is deterministic: same seed, same bytes; another seed, other bytes", async () => {
    const opts: GenerateOptions = { series: 500, durationMs: 30 * 60_000, intervalMs: S15, seed: 42 };
    const a = await generateHash(opts);
    expect(await generateHash(opts)).toBe(a);
    expect(await generateHash({ ...opts, seed: "42" })).not.toBe(a);
    expect(await generateHash({ ...opts, seed: 43 })).not.toBe(a);
  });

  it("aligned timing puts every sample on start + k * interval", async () => {
    const startMs = Date.UTC(2024, 5, 1, 4);
    const { text } = await generateText({ series: 60, durationMs: 10 * 60_000, intervalMs: 10_000, startMs, timing: "aligned" });
    for (const s of parseOpenMetrics(text).series.values()) {
      expect(s.t).toEqual(Array.from({ length: 60 }, (_, k) => startMs + k * 10_000));
    }
  });

  it("rejects bad options", async () => {
    const sink = new HashSink();
    await expect(generateOpenMetrics({ series: 0, durationMs: H2, intervalMs: S15 }, sink)).rejects.toThrow(/series/);
    await expect(generateOpenMetrics({ series: 5, durationMs: 1000, intervalMs: S15 }, sink)).rejects.toThrow(/interval/);
    await expect(generateOpenMetrics({ series: 5, durationMs: H2, intervalMs: S15, mix: { counter: 0, gauge: 0, histogram: 0 } }, sink)).rejects.toThrow(/mix/);
    expect(() => parseMix("counter=1,bogus=2")).toThrow(/invalid mix/);
    expect(parseMix("counter=1,gauge=3")).toEqual({ counter: 1, gauge: 3, histogram: 0 });
  });

  it("parses and formats Prometheus durations", () => {
    expect(parseDuration("2h")).toBe(H2);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("15s")).toBe(S15);
    expect(() => parseDuration("15 s")).toThrow();
    expect(formatDuration(5_400_000)).toBe("1h30m");
    expect(formatDuration(6 * 3_600_000)).toBe("6h");
  });
});

describe("makeBlocks + promtool harness (200 series x 2h x 15s)", () => {
  let work: string;
  let blocks: string[];
  let meta: BlockMeta;
  let dumpPath: string | undefined;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "pgw-gen-test-"));
    blocks = await makeBlocks({ series: 200, durationMs: H2, intervalMs: S15, seed: 1, out: join(work, "data") });
    meta = await readBlockMeta(blocks[0] as string);
  });

  afterAll(async () => {
    if (dumpPath !== undefined) await rm(dumpPath, { force: true });
    await rm(work, { recursive: true, force: true });
  });

  it("yields one block with 200 series and 200 * 480 samples", () => {
    expect(blocks).toHaveLength(1);
    expect(meta.ulid).toBe(blocks[0]?.split("/").at(-1));
    expect(meta.stats.numSeries).toBe(200);
    expect(meta.stats.numSamples).toBe(200 * 480);
    expect(meta.minTime).toBeGreaterThanOrEqual(DEFAULT_START_MS);
    expect(meta.maxTime).toBeLessThanOrEqual(DEFAULT_START_MS + H2);
  });

  it("promtoolDump yields exactly numSamples lines and leaves the block untouched", async () => {
    const before = await snapshot(join(work, "data"));
    dumpPath = await promtoolDump(blocks[0] as string);
    let n = 0;
    for await (const line of fileLines(dumpPath)) {
      parseDumpLine(line);
      n++;
    }
    expect(n).toBe(meta.stats.numSamples);
    expect(await snapshot(join(work, "data"))).toEqual(before);
  });

  it("promtoolDumpLines streams the same dump, and honours match/min/max-time", async () => {
    expect(dumpPath).toBeDefined();
    const cmp = await compareDumps(promtoolDumpLines(join(work, "data")), fileLines(dumpPath as string));
    expect(cmp).toEqual({ equal: true, lines: meta.stats.numSamples });

    let n = 0;
    const minTime = DEFAULT_START_MS + 3_600_000;
    for await (const line of promtoolDumpLines(blocks, { match: '{__name__=~".+_total"}', minTime, maxTime: minTime + 60_000 })) {
      const s = parseDumpLine(line);
      expect(s.labels).toMatch(/^\{__name__="[a-z0-9_]+_total"/);
      expect(s.t).toBeGreaterThanOrEqual(minTime);
      expect(s.t).toBeLessThanOrEqual(minTime + 60_000);
      n++;
    }
    expect(n).toBeGreaterThan(0);
  });

  it("stopping a promtoolDumpLines early ends cleanly; promtool errors surface", async () => {
    let n = 0;
    for await (const _ of promtoolDumpLines(blocks)) if (++n === 10) break;
    expect(n).toBe(10);
    await expect(async () => {
      for await (const _ of promtoolDumpLines(blocks, { match: "{{not a selector" })) n++;
    }).rejects.toThrow(/promtool tsdb dump failed/);
    await expect(promtoolDump(work)).rejects.toThrow(/no TSDB blocks/);
  });

  it("counters have resets, in about 5% of counter series", async () => {
    let series = 0;
    let reset = 0;
    let prev: { labels: string; value: number } | undefined;
    let seen = false;
    for await (const line of promtoolDumpLines(blocks, { match: '{__name__=~".+_total"}' })) {
      const s = parseDumpLine(line);
      if (prev === undefined || prev.labels !== s.labels) {
        series++;
        seen = false;
      } else if (s.value < prev.value && !seen) {
        reset++;
        seen = true;
      }
      prev = { labels: s.labels, value: s.value };
    }
    expect(series).toBeGreaterThan(50);
    expect(reset).toBeGreaterThanOrEqual(1);
    expect(reset / series).toBeLessThan(0.12);
  });

  it("histogram buckets are cumulative, end in +Inf, and +Inf equals _count", async () => {
    // key: family + labels without le + timestamp
    const points = new Map<string, { le: Map<string, number>; count?: number }>();
    for await (const line of promtoolDumpLines(blocks, { match: '{__name__=~".+_bucket|.+_count"}' })) {
      const s = parseDumpLine(line);
      const { __name__: name, le, ...rest } = parseLabels(s.labels);
      const family = (name as string).replace(/_(bucket|count)$/, "");
      const key = `${family}${JSON.stringify(rest)}@${s.t}`;
      let p = points.get(key);
      if (p === undefined) {
        p = { le: new Map() };
        points.set(key, p);
      }
      if ((name as string).endsWith("_bucket")) p.le.set(le as string, s.value);
      else p.count = s.value;
    }
    expect(points.size).toBeGreaterThan(480);
    for (const [key, p] of points) {
      const ordered = [...p.le].sort((a, b) => Number(a[0].replace("+Inf", "Infinity")) - Number(b[0].replace("+Inf", "Infinity")));
      expect(ordered.at(-1)?.[0], key).toBe("+Inf");
      for (let i = 1; i < ordered.length; i++) expect((ordered[i] as [string, number])[1], key).toBeGreaterThanOrEqual((ordered[i - 1] as [string, number])[1]);
      expect(p.count, key).toBe(ordered.at(-1)?.[1]);
    }
  });

  it("passes --max-block-duration through to promtool", async () => {
    const base = { series: 20, durationMs: 6 * 3_600_000, intervalMs: 60_000 };
    const three = await makeBlocks({ ...base, out: join(work, "six-default") });
    expect(three).toHaveLength(3);
    const one = await makeBlocks({ ...base, maxBlockDurationMs: 6 * 3_600_000, out: join(work, "six-max") });
    expect(one).toHaveLength(1);
    const m = await readBlockMeta(one[0] as string);
    expect(m.stats.numSamples).toBe(20 * 360);
    // Same data either way.
    const cmp = await compareDumps(promtoolDumpLines(three), promtoolDumpLines(one));
    expect(cmp).toEqual({ equal: true, lines: 20 * 360 });
  });
});

/** Relative path -> size and mtime of every file, to prove a tree was not touched. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out[`${relative(dir, p)}/`] = "dir";
        await walk(p);
      } else {
        const s = await stat(p);
        out[relative(dir, p)] = `${s.size}@${s.mtimeMs}`;
      }
    }
  };
  await walk(dir);
  return out;
}

describe("parseDumpLine", () => {
  it("splits labels, value and timestamp", () => {
    expect(parseDumpLine('{__name__="up", job="a b"} 1 1704067200000')).toEqual({
      labels: '{__name__="up", job="a b"}',
      value: 1,
      valueText: "1",
      t: 1704067200000,
    });
  });

  it("reads Go %g values", () => {
    const v = (text: string): number => parseDumpLine(`{a="1"} ${text} 5`).value;
    expect(v("2.759697587e+09")).toBe(2759697587);
    expect(v("1e-07")).toBe(1e-7);
    expect(v("NaN")).toBeNaN();
    expect(v("+Inf")).toBe(Infinity);
    expect(v("-Inf")).toBe(-Infinity);
    expect(Object.is(v("-0"), -0)).toBe(true);
    expect(parseDumpLine('{a="1"} 3 -1500').t).toBe(-1500);
  });

  it("keeps label values with spaces and braces verbatim", () => {
    const s = parseDumpLine('{__name__="m", path="/a} b {c"} 0.5 10');
    expect(s.labels).toBe('{__name__="m", path="/a} b {c"}');
    expect(parseLabels(s.labels)).toEqual({ __name__: "m", path: "/a} b {c" });
    expect(parseLabels('{a="x\\"y\\\\z\\n"}')).toEqual({ a: 'x"y\\z\n' });
  });

  it("rejects malformed lines", () => {
    for (const bad of ["", "1 2", '{a="1"} x 5', '{a="1"} 1 5.5', 'a="1" 1 5', '{a="1"} Infinity 5']) {
      expect(() => parseDumpLine(bad), bad).toThrow();
    }
  });
});

describe("compareDumps", () => {
  const base = ['{__name__="m", a="1"} 1 1000', '{__name__="m", a="1"} 2.5 2000', '{__name__="m", a="2"} 0 1000'];
  const cmp = (a: string[], b: string[]): ReturnType<typeof compareDumps> => compareDumps(linesOf(a), linesOf(b));

  it("accepts identical and numerically equal dumps", async () => {
    expect(await cmp(base, [...base])).toEqual({ equal: true, lines: 3 });
    expect(await cmp(['{a="1"} 1e+06 5'], ['{a="1"} 1000000 5'])).toEqual({ equal: true, lines: 1 });
    expect(await cmp(['{a="1"} NaN 5', '{a="1"} +Inf 6'], ['{a="1"} NaN 5', '{a="1"} +Inf 6'])).toEqual({ equal: true, lines: 2 });
    expect(await cmp([], [])).toEqual({ equal: true, lines: 0 });
  });

  it("detects a changed value", async () => {
    const b = [...base];
    b[1] = '{__name__="m", a="1"} 2.5000001 2000';
    expect(await cmp(base, b)).toEqual({ equal: false, lines: 2, firstDiff: { line: 2, a: base[1], b: b[1] } });
    expect((await cmp(['{a="1"} NaN 5'], ['{a="1"} 0 5'])).equal).toBe(false);
  });

  it("detects a missing line, in the middle or at the end", async () => {
    expect(await cmp(base, [base[0] as string, base[2] as string])).toEqual({
      equal: false,
      lines: 2,
      firstDiff: { line: 2, a: base[1], b: base[2] },
    });
    expect(await cmp(base, base.slice(0, 2))).toEqual({ equal: false, lines: 3, firstDiff: { line: 3, a: base[2], b: undefined } });
    expect(await cmp(base.slice(0, 1), base)).toEqual({ equal: false, lines: 2, firstDiff: { line: 2, a: undefined, b: base[1] } });
  });

  it("tells -0 from 0", async () => {
    const r = await cmp(['{a="1"} -0 5'], ['{a="1"} 0 5']);
    expect(r.equal).toBe(false);
    expect(r.firstDiff?.line).toBe(1);
    expect((await cmp(['{a="1"} -0 5'], ['{a="1"} -0 5'])).equal).toBe(true);
  });

  it("detects different labels or timestamps", async () => {
    expect((await cmp(['{a="1"} 1 5'], ['{a="2"} 1 5'])).equal).toBe(false);
    expect((await cmp(['{a="1"} 1 5'], ['{a="1"} 1 6'])).equal).toBe(false);
  });

  it("closes both streams when it stops early", async () => {
    let closed = 0;
    async function* tracked(lines: string[]): AsyncGenerator<string> {
      try {
        yield* lines;
        yield* lines;
      } finally {
        closed++;
      }
    }
    const r = await compareDumps(tracked(['{a="1"} 1 5']), tracked(['{a="1"} 2 5']));
    expect(r.equal).toBe(false);
    expect(closed).toBe(2);
  });
});

describe("generatedBlock cache", () => {
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), "pgw-cache-test-"));
  });
  afterAll(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  const opts = (extra: object = {}): Parameters<typeof buildCachedBlock>[1] => ({ duration: "30m", cacheDir, ...extra });

  it("builds once under concurrent requests and then reuses the block", async () => {
    const [a, b] = await Promise.all([buildCachedBlock(50, opts()), buildCachedBlock(50, opts())]);
    expect(a.blocks).toEqual(b.blocks);
    expect(a.blocks).toHaveLength(1);
    expect(a.metas[0]?.stats.numSeries).toBe(50);
    expect(a.metas[0]?.stats.numSamples).toBe(50 * 120);
    // No lock or temp dir left behind, and only one set of blocks.
    expect(await readdir(cacheDir)).toEqual([a.key]);
    expect((await readdir(a.dir)).filter((e) => e !== "wal" && e !== "chunks_head")).toHaveLength(1);

    const t0 = performance.now();
    const again = await generatedBlock(50, opts());
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(again.blocks).toEqual(a.blocks);
    expect(again.dir).toBe(a.dir);
    expect(await generatedBlock(50, opts())).toBe(again); // memoised in-process
  });

  it("keys on every parameter and on the generator version", async () => {
    const { blockCacheKey } = await import("../helpers/promtool.js");
    const k = blockCacheKey(50, opts());
    expect(blockCacheKey(50, { ...opts(), seed: 1, timing: "realistic", interval: S15, duration: 30 * 60_000 })).toBe(k); // defaults spelled out
    expect(blockCacheKey(51, opts())).not.toBe(k);
    expect(blockCacheKey(50, opts({ seed: 2 }))).not.toBe(k);
    expect(blockCacheKey(50, opts({ maxBlockDuration: "6h" }))).not.toBe(k);
    expect(k).toMatch(/-v\d+-[0-9a-f]{12}$/);
  });

  it("breaks a lock left by a dead process", async () => {
    const { blockCacheKey } = await import("../helpers/promtool.js");
    const dead = spawnSync("true").pid;
    const key = blockCacheKey(20, opts({ seed: 99 }));
    await writeFile(join(cacheDir, `${key}.lock`), `${dead}\n`);
    const g = await buildCachedBlock(20, opts({ seed: 99, lockTimeoutMs: 5000 }));
    expect(g.metas[0]?.stats.numSeries).toBe(20);
  });

  it("defaults to <repo>/.tmp/blocks", () => {
    const repo = fileURLToPath(new URL("../../", import.meta.url));
    if (process.env["PGW_BLOCK_CACHE"] === undefined) expect(defaultBlockCacheDir()).toBe(join(repo, ".tmp", "blocks"));
  });
});
