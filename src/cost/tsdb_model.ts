// A model of what a Thanos store gateway fetches from object storage to
// answer the same queries from the source TSDB blocks. It replays the store
// gateway's read plan on the real block indexes (read locally from
// --tsdb.path): which postings lists, series entries and chunk ranges it
// asks for, and how its gap-based partitioner merges them into ranged GETs.
// docs/cost-model.md states the model and its assumptions.

import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Matcher } from "../model/matchers.js";
import { MatchType } from "../model/matchers.js";
import type { Block } from "../tsdb/block.js";
import { openLocalBlocks } from "../tsdb/open.js";
import type { WorkloadQuery } from "./workload.js";

/** Thanos pkg/store constants (bucket.go): partitioner gap and read-size estimates. */
export const THANOS = {
  partitionerMaxGapBytes: 512 * 1024,
  estimatedMaxSeriesBytes: 64 * 1024,
  estimatedMaxChunkBytes: 16_000,
  seriesBatchSize: 10_000,
  /** --sync-block-duration default. */
  syncIntervalMs: 3 * 60_000,
  listPageSize: 1000,
} as const;

export interface FetchCost {
  gets: number;
  bytes: number;
}

export interface TsdbQueryModel {
  blocks: number;
  postings: FetchCost;
  series: FetchCost;
  chunks: FetchCost;
  /** Empty caches: postings, series and chunks all come from the bucket. */
  cold: FetchCost;
  /** Postings and series served by the in-memory index cache; chunks are never cached by default. */
  warm: FetchCost;
}

export interface TsdbBlocksModel {
  blocks: number;
  /** Every file of every block: index, chunk segments, meta.json, tombstones. */
  storedBytes: number;
  /** One-time per block and store-gateway start: meta.json plus the index-header build (TOC, symbols, postings offset table). */
  indexHeader: FetchCost;
  /** One bucket sync: LIST pages plus a deletion-mark probe per block. */
  sync: { gets: number; lists: number };
  close(): Promise<void>;
  query(q: WorkloadQuery, minTime: number, maxTime: number): Promise<TsdbQueryModel>;
}

interface PostingsRange {
  start: number;
  end: number;
}

interface BlockInfo {
  block: Block;
  dir: string;
  indexSize: number;
  segmentSizes: number[];
  /** name -> value -> byte range of its postings list, as the index-header knows it. */
  postings: Map<string, Map<string, PostingsRange>>;
  headerBytes: number;
  storedBytes: number;
}

export async function openTsdbModel(path: string): Promise<TsdbBlocksModel> {
  const blocks = await openLocalBlocks(path);
  const infos: BlockInfo[] = [];
  try {
    for (const b of blocks) infos.push(await blockInfo(b));
  } catch (e) {
    await Promise.all(blocks.map((b) => b.close()));
    throw e;
  }
  const storedBytes = infos.reduce((a, i) => a + i.storedBytes, 0);
  return {
    blocks: infos.length,
    storedBytes,
    indexHeader: { gets: infos.length * 4, bytes: infos.reduce((a, i) => a + i.headerBytes, 0) },
    sync: { lists: Math.max(1, Math.ceil(infos.length / THANOS.listPageSize)), gets: infos.length },
    close: async () => {
      await Promise.all(blocks.map((b) => b.close()));
    },
    query: (q, minTime, maxTime) => modelQuery(infos, q, minTime, maxTime),
  };
}

async function blockInfo(block: Block): Promise<BlockInfo> {
  const dir = block.source.location;
  const indexPath = join(dir, "index");
  const indexSize = (await stat(indexPath)).size;
  const segNames = (await readdir(join(dir, "chunks"))).filter((n) => /^\d{6}$/.test(n)).sort();
  const segmentSizes: number[] = [];
  for (const n of segNames) segmentSizes.push((await stat(join(dir, "chunks", n))).size);
  const { postings, headerBytes } = await readPostingsTable(indexPath, indexSize);
  let storedBytes = indexSize + segmentSizes.reduce((a, s) => a + s, 0);
  for (const f of ["meta.json", "tombstones"]) {
    try {
      const s = (await stat(join(dir, f))).size;
      storedBytes += s;
    } catch {
      // tombstones is optional
    }
  }
  return { block, dir, indexSize, segmentSizes, postings, headerBytes, storedBytes };
}

/**
 * The postings offset table of an index (what a Thanos index-header holds):
 * each list's start offset, and as its end the next list's start (or the end
 * of the postings section), as the index-header estimates it.
 */
async function readPostingsTable(indexPath: string, size: number): Promise<{ postings: Map<string, Map<string, PostingsRange>>; headerBytes: number }> {
  const fh = await open(indexPath, "r");
  try {
    const read = async (off: number, len: number): Promise<Buffer> => {
      const b = Buffer.alloc(len);
      await fh.read(b, 0, len, off);
      return b;
    };
    const toc = await read(size - 52, 52);
    const ref = (i: number): number => Number(toc.readBigUInt64BE(i * 8));
    const [symbols, , labelIndices, labelIndicesTable, postingsStart, postingsTable] = [0, 1, 2, 3, 4, 5].map(ref) as [number, number, number, number, number, number];
    const symLen = (await read(symbols, 4)).readUInt32BE(0);
    const ptLen = (await read(postingsTable, 4)).readUInt32BE(0);
    const body = await read(postingsTable + 4, ptLen);
    // The postings section ends where the next section starts.
    const sectionEnd = Math.min(...[labelIndices, labelIndicesTable, postingsTable].filter((x) => x > postingsStart), size - 52);
    let p = 4;
    const n = body.readUInt32BE(0);
    const uvarint = (): number => {
      let x = 0;
      let s = 1;
      for (;;) {
        const c = body[p++]!;
        x += (c & 0x7f) * s;
        if (c < 0x80) return x;
        s *= 128;
      }
    };
    const str = (): string => {
      const l = uvarint();
      const v = body.toString("utf8", p, p + l);
      p += l;
      return v;
    };
    const entries: { name: string; value: string; off: number }[] = [];
    for (let i = 0; i < n; i++) {
      uvarint(); // key count, always 2
      const name = str();
      const value = str();
      entries.push({ name, value, off: uvarint() });
    }
    const offs = entries.map((e) => e.off).sort((a, b) => a - b);
    const nextAfter = (o: number): number => {
      let lo = 0;
      let hi = offs.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (offs[mid]! <= o) lo = mid + 1;
        else hi = mid;
      }
      return lo < offs.length ? offs[lo]! : sectionEnd;
    };
    const postings = new Map<string, Map<string, PostingsRange>>();
    for (const e of entries) {
      let m = postings.get(e.name);
      if (!m) postings.set(e.name, (m = new Map()));
      m.set(e.value, { start: e.off, end: nextAfter(e.off) });
    }
    // TOC, symbol table and postings offset table, each with length and CRC.
    return { postings, headerBytes: 52 + symLen + 8 + ptLen + 8 };
  } finally {
    await fh.close();
  }
}

/** Thanos' gapBasedPartitioner: ranges (sorted by start) merged while the gap to the next is at most maxGap. */
export function partition(ranges: readonly [number, number][], maxGap: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [s, e] of ranges) {
    const last = out[out.length - 1];
    if (last && s <= last[1] + maxGap) {
      if (e > last[1]) last[1] = e;
    } else out.push([s, e]);
  }
  return out;
}

function cost(parts: readonly [number, number][], limit: number): FetchCost {
  let bytes = 0;
  for (const [s, e] of parts) bytes += Math.max(0, Math.min(e, limit) - s);
  return { gets: parts.length, bytes };
}

function add(a: FetchCost, b: FetchCost): FetchCost {
  return { gets: a.gets + b.gets, bytes: a.bytes + b.bytes };
}

/** The postings lists Thanos fetches for the matchers: accepted values, or all postings plus rejected values for matchers that match "". */
function postingsKeys(info: BlockInfo, ms: readonly Matcher[]): PostingsRange[] {
  const keys: PostingsRange[] = [];
  const positive = ms.filter((m) => !m.matches(""));
  const negative = ms.filter((m) => m.matches(""));
  for (const m of positive) {
    const vals = info.postings.get(m.name);
    if (!vals) continue;
    if (m.type === MatchType.EQ) {
      const r = vals.get(m.value);
      if (r) keys.push(r);
    } else for (const [v, r] of vals) if (m.matches(v)) keys.push(r);
  }
  if (positive.length === 0 && negative.length > 0) {
    const all = info.postings.get("")?.get("");
    if (all) keys.push(all);
  }
  for (const m of negative) {
    const vals = info.postings.get(m.name);
    if (vals) for (const [v, r] of vals) if (!m.matches(v)) keys.push(r);
  }
  return keys;
}

async function modelQuery(infos: readonly BlockInfo[], q: WorkloadQuery, minTime: number, maxTime: number): Promise<TsdbQueryModel> {
  const res: TsdbQueryModel = { blocks: 0, postings: zero(), series: zero(), chunks: zero(), cold: zero(), warm: zero() };
  for (const info of infos) {
    const b = info.block;
    // Block maxTime is exclusive.
    if (b.meta.minTime > maxTime || b.meta.maxTime <= minTime) continue;
    // External labels are matched against the block's Thanos labels, not its index.
    const ext = b.meta.thanos.labels;
    let ms = q.matchers;
    if (Object.keys(ext).length) {
      if (ms.some((m) => m.name in ext && !m.matches(ext[m.name]!))) continue;
      ms = ms.filter((m) => !(m.name in ext));
    }
    res.blocks++;
    // Label calls without matchers are answered from the index-header in memory.
    if (q.type !== "series" && ms.length === 0) continue;
    const keys = postingsKeys(info, ms).map((r): [number, number] => [r.start, r.end]).sort((x, y) => x[0] - y[0]);
    res.postings = add(res.postings, cost(partition(keys, THANOS.partitionerMaxGapBytes), info.indexSize));
    const refs = await b.postings(ms);
    const needChunks = q.type === "series" && !q.skipChunks;
    for (let i = 0; i < refs.length; i += THANOS.seriesBatchSize) {
      const batch = refs.subarray(i, i + THANOS.seriesBatchSize);
      const off = (r: number): number => (b.index.version === 1 ? r : r * 16);
      const sr = Array.from(batch, (r): [number, number] => [off(r), off(r) + THANOS.estimatedMaxSeriesBytes]);
      res.series = add(res.series, cost(partition(sr, THANOS.partitionerMaxGapBytes), info.indexSize));
      if (!needChunks) continue;
      const perSegment = new Map<number, number[]>();
      for (const r of batch) {
        const s = await b.index.series(r);
        for (const c of s.chunks) {
          if (c.minTime > maxTime || c.maxTime < minTime) continue;
          const seg = Math.floor(c.ref / 0x100000000);
          let l = perSegment.get(seg);
          if (!l) perSegment.set(seg, (l = []));
          l.push(c.ref % 0x100000000);
        }
      }
      for (const [seg, offs] of perSegment) {
        offs.sort((x, y) => x - y);
        const cr = offs.map((o): [number, number] => [o, o + THANOS.estimatedMaxChunkBytes]);
        res.chunks = add(res.chunks, cost(partition(cr, THANOS.partitionerMaxGapBytes), info.segmentSizes[seg] ?? Infinity));
      }
    }
  }
  res.cold = add(add(res.postings, res.series), res.chunks);
  res.warm = { ...res.chunks };
  return res;
}

function zero(): FetchCost {
  return { gets: 0, bytes: 0 };
}
