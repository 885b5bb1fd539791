// External labels: the Thanos labels in block meta.json make the stream;
// stream.json and every unit meta carry them, and the stream id is derived
// from them. --label overrides or extends them (a new stream id), and an
// empty value removes one. External labels are not series labels.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelsFromRecord } from "../../src/model/labels.js";
import type { FilesystemBucket } from "../../src/objstore/filesystem.js";
import { FORMAT_VERSION, streamId } from "../../src/parquet/layout.js";
import { discoverUnits } from "../../src/store/discovery.js";
import { newTestBucket, type TestBucket } from "../helpers/buckets.js";
import { convertOk, copyBlock, expectDumpMatchesPromtool, fx } from "../helpers/convert.js";

const B1 = "01M81C9HWEF165PFKDSXPXC4DN";
const B2 = "01M81C9JYR9RPWXTMA8EC0M0WW";

let root: string;
let srcA: string; // B1 with {cluster="eu1", replica="0"}
let srcAB: string; // B1 as above, B2 with {cluster="eu1", replica="1"}
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "pg-extlabels-"));
  srcA = join(root, "a");
  copyBlock(join(fx("blocks-1k-6h"), B1), srcA, { cluster: "eu1", replica: "0" });
  srcAB = join(root, "ab");
  copyBlock(join(fx("blocks-1k-6h"), B1), srcAB, { cluster: "eu1", replica: "0" });
  copyBlock(join(fx("blocks-1k-6h"), B2), srcAB, { cluster: "eu1", replica: "1" });
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const idOf = (rec: Record<string, string>): string => streamId(labelsFromRecord(rec));

interface StreamSummary {
  id: string;
  streamJson: unknown;
  units: { labels: Record<string, string>; sources: string[]; prefix: string; labelNames: string[] }[];
}

async function streams(b: TestBucket): Promise<StreamSummary[]> {
  const bucket = b.open();
  try {
    const root = (bucket as FilesystemBucket).root;
    const { units } = await discoverUnits(bucket);
    const ids = [...new Set(units.map((u) => u.meta.stream.id))].sort();
    return ids.map((id) => ({
      id,
      streamJson: JSON.parse(readFileSync(join(root, id, "stream.json"), "utf8")) as unknown,
      units: units
        .filter((u) => u.meta.stream.id === id)
        .map((u) => ({ labels: u.meta.stream.labels, sources: u.meta.sources, prefix: u.prefix, labelNames: u.meta.shards.flatMap((s) => s.labelNames) })),
    }));
  } finally {
    await bucket.close();
  }
}

describe("external labels", () => {
  it("block labels make the stream; --label overrides and extends them into a new stream", async () => {
    const b = await newTestBucket("FILESYSTEM");
    try {
      await convertOk(b, srcA);
      const own = { cluster: "eu1", replica: "0" };
      const ownId = idOf(own);
      let got = await streams(b);
      expect(got).toEqual([
        {
          id: ownId,
          streamJson: { version: FORMAT_VERSION, id: ownId, labels: own },
          units: [{ labels: own, sources: [B1], prefix: `${ownId}/20240101T000000Z-24h/`, labelNames: expect.any(Array) }],
        },
      ]);
      // External labels are not series labels: no column for them.
      expect(got[0]!.units[0]!.labelNames).toContain("__name__");
      expect(got[0]!.units[0]!.labelNames).not.toContain("cluster");
      expect(got[0]!.units[0]!.labelNames).not.toContain("replica");

      // Same blocks, overridden and extended labels: a second stream next to the first.
      await convertOk(b, srcA, ["--label", "replica=1", "--label", "region=west"]);
      const over = { cluster: "eu1", region: "west", replica: "1" };
      const overId = idOf(over);
      expect(overId).not.toBe(ownId);
      got = await streams(b);
      expect(got.map((s) => s.id).sort()).toEqual([ownId, overId].sort());
      const o = got.find((s) => s.id === overId)!;
      expect(o.streamJson).toEqual({ version: FORMAT_VERSION, id: overId, labels: over });
      expect(o.units.map((u) => [u.labels, u.sources])).toEqual([[over, [B1]]]);
      // The stream.json keys are sorted label names, as the id is computed over them.
      expect(Object.keys((o.streamJson as { labels: Record<string, string> }).labels)).toEqual(["cluster", "region", "replica"]);
    } finally {
      b.cleanup();
    }
  });

  it("an empty --label value removes a block label: two replicas merge into one stream", async () => {
    const b = await newTestBucket("FILESYSTEM");
    try {
      // Without an override the two blocks are two streams.
      await convertOk(b, srcAB);
      const r0 = { cluster: "eu1", replica: "0" };
      const r1 = { cluster: "eu1", replica: "1" };
      const separate = (await streams(b))
        .flatMap((s) => s.units.map((u) => ({ id: s.id, labels: u.labels, sources: u.sources })))
        .sort((x, y) => (x.labels["replica"]! < y.labels["replica"]! ? -1 : 1));
      expect(separate).toEqual([
        { id: idOf(r0), labels: r0, sources: [B1] },
        { id: idOf(r1), labels: r1, sources: [B2] },
      ]);
      const merged = await newTestBucket("FILESYSTEM");
      try {
        await convertOk(merged, srcAB, ["--label", "replica="]);
        const got = await streams(merged);
        const id = idOf({ cluster: "eu1" });
        expect(got.map((s) => [s.id, s.streamJson, s.units.map((u) => [u.labels, u.sources])])).toEqual([
          [id, { version: FORMAT_VERSION, id, labels: { cluster: "eu1" } }, [[{ cluster: "eu1" }, [B1, B2]]]],
        ]);
        await expectDumpMatchesPromtool(merged, [join(srcAB, B1), join(srcAB, B2)]);
      } finally {
        merged.cleanup();
      }
    } finally {
      b.cleanup();
    }
  });
});
