// Writing 1M rows in row groups of 100k must not keep earlier row groups'
// inputs alive: each row group's blob cells are views of one arena, so a
// single retained cell would pin the whole arena (≈60 MB).

import { randomFillSync } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { expect, it } from "vitest";
import { chunksFileColumns, dataColumnName, labelsFileLayout } from "../../src/parquet/schema.js";
import { createParquetStreamWriter } from "../../src/parquet/writer.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const GROUP_ROWS = 100_000;
const GROUPS = 10;
const WINDOWS = 3;

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function settledHeap(): Promise<number> {
  await tick();
  gc();
  await tick();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function makeGroup(g: number): { columns: Record<string, (string | null)[] | Uint8Array[]>; arena: ArrayBuffer } {
  const arena = new Uint8Array(GROUP_ROWS * WINDOWS * 200);
  randomFillSync(arena);
  const columns: Record<string, (string | null)[] | Uint8Array[]> = {
    l___name__: Array.from({ length: GROUP_ROWS }, (_, i) => `metric_${g}_${Math.floor(i / 500)}`),
  };
  let at = 0;
  for (let w = 0; w < WINDOWS; w++) {
    columns[dataColumnName(w)] = Array.from({ length: GROUP_ROWS }, (_, i) => {
      const len = 100 + ((i * 37 + w) % 201);
      const cell = arena.subarray(at, at + len);
      at = (at + len) % (arena.length - 301);
      return cell;
    });
  }
  return { columns, arena: arena.buffer };
}

it("does not retain earlier row groups while writing 1M rows", async () => {
  let written = 0;
  const w = createParquetStreamWriter({
    columns: [...labelsFileLayout(["__name__"]).columns.slice(0, 1), ...chunksFileColumns(WINDOWS)],
    kv: {},
    rowGroupRows: GROUP_ROWS,
    bloomFilterColumns: ["l___name__"],
    sortingColumns: [{ column: "l___name__" }],
    sink: (c) => {
      written += c.length; // discard: only the writer's own memory is measured
    },
  });
  const arenas: WeakRef<ArrayBuffer>[] = [];
  const heaps: number[] = [];
  const start = await settledHeap();
  for (let g = 0; g < GROUPS; g++) {
    let group: ReturnType<typeof makeGroup> | undefined = makeGroup(g);
    arenas.push(new WeakRef(group.arena));
    await w.writeRowGroup(group.columns);
    group = undefined;
    heaps.push((await settledHeap()) - start);
    // Every earlier arena is gone, not just "memory looks fine".
    const alive = arenas.map((r) => r.deref() !== undefined);
    expect(alive.filter(Boolean), `row groups still alive after group ${g}: ${alive.flatMap((a, i) => (a ? [i] : []))}`).toEqual([]);
  }
  const result = await w.finish();
  expect(result.rows).toBe(GROUPS * GROUP_ROWS);
  expect(written).toBe(result.bytes);
  const mb = heaps.map((h) => Math.round(h / 1e6));
  console.log(`heap growth after each row group (MB): ${mb.join(" ")}; file ${(result.bytes / 1e6).toFixed(0)} MB`);
  // Loose: the footer state grows a little per row group; one row group of blobs is ~60 MB.
  expect(heaps[GROUPS - 1]! - heaps[0]!).toBeLessThan(32e6);
}, 900_000);
