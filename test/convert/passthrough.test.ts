// Chunk passthrough and cutting at window edges. block-1k-2h holds 1,000
// series of four 30-minute XOR chunks (120 samples each) from 00:00 to 02:00.
// With 8h windows every chunk lies inside one window and must be copied byte
// for byte; with 45m windows the 00:30-01:00 chunk crosses the 00:45 edge and
// must be cut there, everything else still passed through.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeXor, Encoding } from "../../src/chunkenc/index.js";
import { rechunkSeries, type RechunkStats } from "../../src/convert/rechunk.js";
import { formatLabels } from "../../src/model/labels.js";
import { shardFile } from "../../src/parquet/layout.js";
import { openParquet, readBinaryColumnRows } from "../../src/parquet/reader.js";
import { dataColumnName, decodeChunkCell } from "../../src/parquet/schema.js";
import { discoverUnits } from "../../src/store/discovery.js";
import type { Block } from "../../src/tsdb/block.js";
import { openLocalBlocks } from "../../src/tsdb/open.js";
import { selectSeries } from "../../src/tsdb/querier.js";
import { newTestBucket } from "../helpers/buckets.js";
import { convertOk, expectDumpMatchesPromtool, fx, readConverted } from "../helpers/convert.js";

const MIN = Number.MIN_SAFE_INTEGER;
const MAX = Number.MAX_SAFE_INTEGER;
const DAY = Date.UTC(2024, 0, 1);

let blocks: Block[];
beforeAll(async () => {
  blocks = await openLocalBlocks(fx("block-1k-2h"));
});
afterAll(async () => {
  await Promise.all((blocks ?? []).map((b) => b.close()));
});

/** What rechunkSeries does with every series of the block for these windows. */
async function rechunkStats(durationMs: number): Promise<RechunkStats> {
  const stats: RechunkStats = { passthrough: 0, reencoded: 0 };
  for await (const s of selectSeries(blocks, [], MIN, MAX)) {
    await rechunkSeries(s.parts, { start: DAY, durationMs, count: Math.ceil(86_400_000 / durationMs), end: DAY + 86_400_000 }, stats);
  }
  return stats;
}

describe("chunk passthrough", () => {
  it("chunks inside an 8h window are the source chunks, byte for byte", async () => {
    expect(await rechunkStats(8 * 3_600_000)).toEqual({ passthrough: 4000, reencoded: 0 });
    const b = await newTestBucket("FILESYSTEM");
    const bucket = b.open();
    try {
      await convertOk(b, fx("block-1k-2h"));
      const conv = await readConverted(bucket);
      let compared = 0;
      for await (const s of selectSeries(blocks, [], MIN, MAX)) {
        const key = formatLabels(s.labels);
        const rows = conv.get(key);
        expect(rows?.length, key).toBe(1);
        const got = rows![0]!.chunks;
        const want = s.parts.flatMap((p) => p.entry.chunks.map((meta) => ({ meta, block: p.block })));
        expect(got.length, `chunks of ${key}`).toBe(want.length);
        for (let i = 0; i < want.length; i++) {
          const { meta, block } = want[i]!;
          const raw = await block.chunk(meta.ref);
          const g = got[i]!;
          expect([g.encoding, g.minTime, g.maxTime], `${key} chunk ${i}`).toEqual([raw.encoding, meta.minTime, meta.maxTime]);
          // Buffer.equals, not toEqual: a mismatch report of 500-byte arrays is useless, and this is the hot loop.
          if (!Buffer.from(g.data).equals(Buffer.from(raw.data))) expect.fail(`${key} chunk ${i}: bytes differ from the source chunk`);
          compared++;
        }
      }
      expect(compared).toBe(4000);
      const { units } = await discoverUnits(bucket);
      expect(units.map((u) => [u.meta.stats.chunks, u.meta.stats.samples])).toEqual([[4000, 480_000]]);
    } finally {
      await bucket.close();
      b.cleanup();
    }
  });

  it("45m windows: chunks are cut at window edges, at most 120 samples, and the dump round-trips", async () => {
    const W = 45 * 60_000;
    // 1,000 chunks cross 00:45 and are re-encoded once for each of the two
    // windows they touch; the other 3,000 lie inside a window.
    expect(await rechunkStats(W)).toEqual({ passthrough: 3000, reencoded: 2000 });
    const b = await newTestBucket("FILESYSTEM");
    const bucket = b.open();
    try {
      await convertOk(b, fx("block-1k-2h"), ["--chunks.column-duration", "45m"]);
      const { units } = await discoverUnits(bucket);
      expect(units.length).toBe(1);
      const u = units[0]!;
      expect([u.meta.dataColDurationMs, u.meta.dataColumns]).toEqual([W, 32]);
      expect([u.meta.stats.chunks, u.meta.stats.samples]).toEqual([5000, 480_000]);

      // Read each window column on its own: every chunk must lie inside the window of its column.
      let chunks = 0;
      let samples = 0;
      let cutAtEdge = 0;
      for (let shard = 0; shard < u.meta.shards.length; shard++) {
        const f = await openParquet(bucket, u.prefix + shardFile(shard, "chunks"));
        for (let w = 0; w < u.meta.dataColumns; w++) {
          const ws = u.meta.minTime + w * W;
          const we = ws + W - 1;
          for (const cell of await readBinaryColumnRows(f, dataColumnName(w), 0, f.numRows)) {
            if (!cell) continue;
            let prevMax = -Infinity;
            for (const c of decodeChunkCell(cell)) {
              expect(c.encoding).toBe(Encoding.XOR);
              if (c.minTime < ws || c.maxTime > we) expect.fail(`chunk [${c.minTime}, ${c.maxTime}] in column ${w} crosses its window [${ws}, ${we}]`);
              expect(c.minTime).toBeGreaterThan(prevMax);
              prevMax = c.maxTime;
              const fs = decodeXor(c.data);
              expect(fs.n).toBeGreaterThan(0);
              expect(fs.n).toBeLessThanOrEqual(120);
              expect([fs.t[0], fs.t[fs.n - 1]]).toEqual([c.minTime, c.maxTime]);
              if (c.maxTime === DAY + W - 15_000 || c.minTime === DAY + W) cutAtEdge++;
              chunks++;
              samples += fs.n;
            }
          }
        }
      }
      expect({ chunks, samples }).toEqual({ chunks: 5000, samples: 480_000 });
      // Both halves of every crossing chunk end/start exactly at the 00:45 edge.
      expect(cutAtEdge).toBe(2000);
      await expectDumpMatchesPromtool(b, fx("block-1k-2h"));
    } finally {
      await bucket.close();
      b.cleanup();
    }
  });
});
