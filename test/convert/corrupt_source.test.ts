// A corrupt source block fails only the units that need it. Two streams
// (different Thanos external labels), one block each; the block of one stream
// is damaged, and that stream is converted first. The run exits non-zero
// naming the block and the problem, publishes nothing for the damaged
// stream, and the other stream's unit is published and round-trips.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { labelsFromRecord } from "../../src/model/labels.js";
import { streamId } from "../../src/parquet/layout.js";
import { discoverUnits } from "../../src/store/discovery.js";
import { openLocalBlocks } from "../../src/tsdb/open.js";
import { newTestBucket } from "../helpers/buckets.js";
import { convert, copyBlock, expectDumpMatchesPromtool, fx, fxBlock, metaKeys } from "../helpers/convert.js";

const GOOD = fxBlock("block-1k-2h"); // 01M81C8ZSCQXTCPJQRKEHEEMV8
const BAD_ULID = "01M81C9HWEF165PFKDSXPXC4DN"; // first block of blocks-1k-6h, same day

// Units convert in stream id order: the damaged stream gets labels whose id
// sorts first, so a failure that stopped the run would lose the good unit.
const GOOD_LABELS = { replica: "good" };
const goodStream = streamId(labelsFromRecord(GOOD_LABELS));
let badValue = "bad";
for (let k = 0; streamId(labelsFromRecord({ replica: badValue })) > goodStream; k++) badValue = `bad-${k}`;
const BAD_LABELS = { replica: badValue };
const badStream = streamId(labelsFromRecord(BAD_LABELS));

function flipByte(file: string, offset: number): void {
  const fd = openSync(file, "r+");
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, offset);
    b[0] = b[0]! ^ 0x5a;
    writeSync(fd, b, 0, 1, offset);
  } finally {
    closeSync(fd);
  }
}

/** Offset of a byte inside the data of the first chunk of the block's 500th series. */
async function chunkDataOffset(blockDir: string): Promise<number> {
  const [blk] = await openLocalBlocks(blockDir);
  try {
    const refs = await blk!.index.allPostings();
    const e = await blk!.index.series(refs[500]!);
    const ref = e.chunks[0]!.ref;
    expect(Math.floor(ref / 2 ** 32)).toBe(0); // segment 000001
    // uvarint length (2 bytes for ~450-byte chunks) + encoding byte, then data.
    return (ref % 2 ** 32) + 12;
  } finally {
    await blk!.close();
  }
}

describe("corrupt source block", () => {
  const cases: [string, (dir: string) => Promise<RegExp>][] = [
    [
      "chunk checksum mismatch",
      async (dir) => {
        flipByte(join(dir, "chunks", "000001"), await chunkDataOffset(dir));
        return /chunk checksum mismatch/;
      },
    ],
    [
      "damaged index",
      async (dir) => {
        // The index TOC at the end of the file is covered by a CRC32C.
        flipByte(join(dir, "index"), statSync(join(dir, "index")).size - 10);
        return /checksum|crc/i;
      },
    ],
  ];
  for (const [name, damage] of cases) {
    it(`${name}: exit non-zero, nothing published for its stream, the other stream converted`, async () => {
      const root = mkdtempSync(join(tmpdir(), "pg-corrupt-"));
      const b = await newTestBucket("FILESYSTEM");
      const bucket = b.open();
      try {
        const src = join(root, "data");
        const good = copyBlock(GOOD, src, GOOD_LABELS);
        const bad = copyBlock(join(fx("blocks-1k-6h"), BAD_ULID), src, BAD_LABELS);
        const problem = await damage(bad);

        const r = await convert(b, src);
        expect(r.code, r.stderr).not.toBe(0);
        const failed = r.stderr.split("\n").filter((l) => l.startsWith("parquet-gateway: unit "));
        expect(failed.length, r.stderr).toBe(1);
        expect(failed[0]).toContain(BAD_ULID);
        expect(failed[0]).toMatch(problem);
        expect(failed[0]).toContain(bad);
        const errLog = r.stderr.split("\n").filter((l) => l.includes('"level":50'));
        expect(errLog.length).toBe(1);
        expect(JSON.parse(errLog[0]!)).toMatchObject({ blocks: [BAD_ULID], err: expect.stringMatching(problem) });

        const metas = await metaKeys(bucket);
        expect(metas).toEqual([`${goodStream}/20240101T000000Z-24h/meta.json`]);
        expect(metas.filter((k) => k.startsWith(badStream))).toEqual([]);
        const { units } = await discoverUnits(bucket);
        expect(units.map((u) => [u.meta.stream.labels, u.meta.sources])).toEqual([[GOOD_LABELS, ["01M81C8ZSCQXTCPJQRKEHEEMV8"]]]);
        // Only the good block's data is published: the dump equals promtool's dump of that block alone.
        await expectDumpMatchesPromtool(b, good);
      } finally {
        await bucket.close();
        b.cleanup();
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
});
