// Discovery: a unit converted while the store runs becomes queryable after a
// sync with no restart; a deletion-marked or deleted unit disappears.
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { runCli } from "../helpers/cli.js";
import { generatedBlock } from "../helpers/promtool.js";
import { newTestBucket } from "../helpers/buckets.js";
import { meteredStore } from "../helpers/store.js";
import { parseSelector } from "../../src/model/selector.js";
import { discoverUnits } from "../../src/store/discovery.js";

const fx = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

async function count(store: ReturnType<typeof meteredStore>["store"], sel: string): Promise<number> {
  const r = await store.select({ minTime: 0, maxTime: Number.MAX_SAFE_INTEGER, matchers: parseSelector(sel), skipChunks: true });
  let n = 0;
  for await (const _ of r.series) n++;
  return n;
}

describe("unit discovery while serving", () => {
  it("picks up new units after a sync and drops marked ones", async () => {
    const tb = await newTestBucket("FILESYSTEM");
    const bucket = tb.open();
    try {
      const convert = async (dir: string): Promise<void> => {
        const r = await runCli(["convert", "--tsdb.path", dir, "--objstore.config-file", tb.configFile]);
        expect(r.code, r.stderr).toBe(0);
      };
      await convert(fx("block-1k-2h"));
      const { store } = meteredStore(bucket);
      expect(store.ready).toBe(false);
      await store.sync();
      expect(store.ready).toBe(true);
      expect(await count(store, '{__name__=~".+"}')).toBe(1000);
      const before = store.info();

      // A later day, converted while the store is up.
      const { dir } = await generatedBlock(50, { startMs: Date.UTC(2024, 0, 3) });
      await convert(dir);
      expect(store.info().maxTime).toBe(before.maxTime); // not yet synced
      expect(await store.sync()).toEqual({ added: 1, removed: 0 });
      expect(store.info().maxTime).toBeGreaterThan(before.maxTime);
      expect(await count(store, '{__name__=~".+"}')).toBe(1050);

      // Mark the first unit for deletion: it disappears at the next sync.
      const { units } = await discoverUnits(bucket);
      const first = units.find((u) => u.meta.minTime === Date.UTC(2024, 0, 1))!;
      await bucket.upload(first.prefix + "deletion-mark.json", Buffer.from(JSON.stringify({ deletion_time: Math.floor(Date.now() / 1000) })));
      expect(await store.sync()).toEqual({ added: 0, removed: 1 });
      expect(await count(store, '{__name__=~".+"}')).toBe(50);
    } finally {
      await bucket.close();
      tb.cleanup();
    }
  }, 120_000);
});
