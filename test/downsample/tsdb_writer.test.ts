// The test-only TSDB block writer produces blocks that promtool and our own
// block reader both accept: XOR blocks dump identically, and downsampled
// blocks (0xff AggrChunks) pass promtool's index analysis.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeAggrChunk } from "../../src/chunkenc/aggr.js";
import { Encoding, encodeXor } from "../../src/chunkenc/index.js";
import { Block } from "../../src/tsdb/block.js";
import { LocalBlockSource } from "../../src/tsdb/source.js";
import { run, promtoolBinary } from "../../tools/make-blocks.js";
import { compareDumps, promtoolDumpLines, linesOf } from "../helpers/promtool.js";
import { testUlid, writeBlock, type BlockSeries } from "../helpers/tsdb_writer.js";

const T0 = Date.UTC(2024, 0, 1);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function xor(ts: number[], vs: number[]): { minTime: number; maxTime: number; encoding: number; data: Uint8Array } {
  return { minTime: ts[0]!, maxTime: ts[ts.length - 1]!, encoding: Encoding.XOR, data: encodeXor(Float64Array.from(ts), Float64Array.from(vs), 0, ts.length) };
}

describe("test TSDB block writer", () => {
  it("writes XOR blocks that promtool dumps exactly like the input", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pgw-tsdbw-"));
    dirs.push(dir);
    const series: BlockSeries[] = [
      { labels: [{ name: "__name__", value: "b" }, { name: "job", value: "x" }], chunks: [xor([T0, T0 + 15_000], [1, 2]), xor([T0 + 30_000, T0 + 45_000, T0 + 61_000], [3, -0, 1e300])] },
      { labels: [{ name: "__name__", value: "a" }], chunks: [xor([T0 + 1], [0.5])] },
    ];
    const blockDir = writeBlock(dir, series, { ulid: testUlid(T0, 1), minTime: T0, maxTime: T0 + 7_200_000 });
    const want = [
      '{__name__="a"} 0.5 1704067200001',
      '{__name__="b", job="x"} 1 1704067200000',
      '{__name__="b", job="x"} 2 1704067215000',
      '{__name__="b", job="x"} 3 1704067230000',
      '{__name__="b", job="x"} -0 1704067245000',
      '{__name__="b", job="x"} 1e+300 1704067261000',
    ];
    const cmp = await compareDumps(promtoolDumpLines(blockDir), linesOf(want));
    expect(cmp.firstDiff).toBeUndefined();
    expect(cmp.lines).toBe(want.length);
    const b = await Block.open(new LocalBlockSource(blockDir));
    try {
      const refs = await b.postings([]);
      expect(refs.length).toBe(2);
      const e = await b.index.series(refs[1]!);
      expect(e.chunks.map((c) => [c.minTime, c.maxTime])).toEqual([[T0, T0 + 15_000], [T0 + 30_000, T0 + 61_000]]);
    } finally {
      await b.close();
    }
  });

  it("writes downsampled blocks (0xff chunks, Thanos meta) that promtool analyzes and our reader opens", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pgw-tsdbw-"));
    dirs.push(dir);
    const sub = xor([T0 + 299_999, T0 + 599_999], [4, 5]);
    const agg = encodeAggrChunk([sub, sub, sub, sub, undefined]);
    const blockDir = writeBlock(dir, [{ labels: [{ name: "__name__", value: "m" }], chunks: [{ minTime: T0 + 299_999, maxTime: T0 + 599_999, encoding: 0xff, data: agg }] }], {
      ulid: testUlid(T0, 2),
      minTime: T0,
      maxTime: T0 + 7_200_000,
      thanos: { labels: { cluster: "a" }, resolution: 300_000 },
    });
    const { stdout } = await run(promtoolBinary(), ["tsdb", "analyze", dir, testUlid(T0, 2)]);
    expect(stdout).toMatch(/^Series: 1$/m);
    expect(stdout).toMatch(/^Postings entries \(total label pairs\): 1$/m);
    const b = await Block.open(new LocalBlockSource(blockDir));
    try {
      expect(b.meta.thanos.resolution).toBe(300_000);
      const [ref] = await b.postings([]);
      const e = await b.index.series(ref!);
      const raw = await b.chunk(e.chunks[0]!.ref);
      expect(raw.encoding).toBe(0xff);
      expect(Buffer.from(raw.data).equals(Buffer.from(agg))).toBe(true);
    } finally {
      await b.close();
    }
  });
});
