// One shard of a unit: its labels and chunks files, opened lazily (footers
// cached), and the three steps of the read path — select rows for matchers,
// materialize their labels, fetch their chunks — each reading only the
// columns and pages it needs.

import type { Labels } from "../model/labels.js";
import { compareStrings } from "../model/labels.js";
import { MatchType, type Matcher } from "../model/matchers.js";
import type { Bucket } from "../objstore/bucket.js";
import { shardFile, type UnitMeta } from "../parquet/layout.js";
import {
  bloomFilterMightContain,
  openParquet,
  readBloomFilter,
  readColumnIndex,
  readColumnRows,
  readDictionary,
  readOffsetIndex,
  rowRangeSpans,
  type CellValue,
  type ParquetFile,
  type RangeFetcher,
} from "../parquet/reader.js";
import { COL_INDEXES_COLUMN, dataColumnName, decodeChunkCell, decodeColIndexes, labelColumnName, type CellChunk } from "../parquet/schema.js";
import type { ByteCache } from "./cache.js";
import type { FetchScope } from "./fetch_scope.js";
import { countRows, intersectRanges, type RowRanges } from "./rows.js";

export interface ShardFiles {
  labels: ParquetFile;
  chunks: ParquetFile;
}

/** A matcher bound to this shard: `accept` is evaluated once per distinct value. */
interface BoundMatcher {
  m: Matcher;
  column: string;
}

export class ShardReader {
  readonly labelNames: ReadonlySet<string>;
  constructor(
    readonly bucket: Bucket,
    readonly prefix: string,
    readonly meta: UnitMeta,
    readonly index: number,
    private readonly metaCache: ByteCache<ShardFiles>,
    private readonly fetch: RangeFetcher,
  ) {
    this.labelNames = new Set(meta.shards[index]!.labelNames);
  }

  get rows(): number {
    return this.meta.shards[this.index]!.rows;
  }

  get key(): string {
    return `${this.prefix}${this.index}`;
  }

  async files(): Promise<ShardFiles> {
    const hit = this.metaCache.get(this.key);
    if (hit) return hit;
    const sm = this.meta.shards[this.index]!;
    const open = (kind: "labels" | "chunks"): Promise<ParquetFile> =>
      openParquet(this.bucket, this.prefix + shardFile(this.index, kind), { ...(sm.files[kind] !== undefined ? { size: sm.files[kind] } : {}), fetch: this.fetch });
    const [labels, chunks] = await Promise.all([open("labels"), open("chunks")]);
    const f = { labels, chunks };
    this.metaCache.set(this.key, f);
    return f;
  }

  /**
   * Rows matching every matcher, as ranges. Row groups are pruned by the
   * column index and the __name__ bloom filter; each matcher is evaluated on
   * the column dictionary (once per distinct value), and data pages are read
   * only for row groups where the dictionary alone cannot decide.
   */
  async selectRows(matchers: readonly Matcher[], scope: FetchScope): Promise<RowRanges> {
    const bound: BoundMatcher[] = [];
    for (const m of matchers) {
      if (!this.labelNames.has(m.name)) {
        if (m.matchesEmpty()) continue; // every row lacks the label: "" matches
        return [];
      }
      bound.push({ m, column: labelColumnName(m.name) });
    }
    // Equality first: cheapest and most selective.
    bound.sort((a, b) => rank(a.m) - rank(b.m));
    const { labels: lf } = await this.files();
    const out: RowRanges = [];
    for (let rg = 0; rg < lf.rowGroupCount; rg++) {
      const base = lf.rowGroupStarts[rg]!;
      const n = lf.rowGroupStarts[rg + 1]! - base;
      let ranges: RowRanges = [[0, n]];
      for (const b of bound) {
        ranges = await this.applyMatcher(lf, rg, b, ranges, scope);
        if (ranges.length === 0) break;
      }
      for (const [s, e] of ranges) out.push([base + s, base + e]);
    }
    return out;
  }

  private async applyMatcher(lf: ParquetFile, rg: number, b: BoundMatcher, ranges: RowRanges, scope: FetchScope): Promise<RowRanges> {
    const { m, column } = b;
    // Page pruning by the column index (min/max per page) for equality and literal sets.
    const wanted = m.literals();
    if (wanted) {
      if (m.name === "__name__" && wanted.length === 1 && wanted[0] !== "") {
        const bloom = await readBloomFilter(lf, rg, column);
        if (bloom && !bloomFilterMightContain(lf, column, bloom, wanted[0]!)) return [];
      }
      const ci = await readColumnIndex(lf, rg, column);
      const oi = await readOffsetIndex(lf, rg, column);
      if (ci && oi && !wanted.includes("")) {
        const n = lf.rowGroupStarts[rg + 1]! - lf.rowGroupStarts[rg]!;
        const pages: RowRanges = [];
        oi.page_locations.forEach((p, i) => {
          if (ci.nullPages[i]) return;
          const lo = ci.minValues[i] as string;
          const hi = ci.maxValues[i] as string;
          if (wanted.some((v) => compareStrings(v, lo) >= 0 && compareStrings(v, hi) <= 0)) {
            const end = i + 1 < oi.page_locations.length ? Number(oi.page_locations[i + 1]!.first_row_index) : n;
            const last = pages[pages.length - 1];
            if (last && last[1] === Number(p.first_row_index)) last[1] = end;
            else pages.push([Number(p.first_row_index), end]);
          }
        });
        ranges = intersectRanges(ranges, pages);
        if (ranges.length === 0) return ranges;
      }
    }
    // Evaluate on the dictionary: decides whole row groups without data pages.
    await this.prefetchDictionary(lf, rg, column, scope);
    const dict = await readDictionary(lf, rg, column);
    let accepted: Set<string> | undefined;
    if (dict) {
      accepted = new Set();
      for (const v of dict) if (typeof v === "string" && m.matches(v)) accepted.add(v);
      const nulls = nullCount(lf, rg, column);
      const emptyOk = m.matchesEmpty();
      if (accepted.size === 0 && !emptyOk) return [];
      if (accepted.size === dict.length && (emptyOk || nulls === 0)) return ranges;
    }
    // Read the column for the candidate rows and keep the matching ones.
    const base = lf.rowGroupStarts[rg]!;
    await this.prefetchColumn(lf, rg, column, ranges, scope);
    const out: RowRanges = [];
    const memo = new Map<string, boolean>();
    const test = (v: CellValue): boolean => {
      const s = typeof v === "string" ? v : "";
      if (accepted) return s === "" ? m.matchesEmpty() : accepted.has(s);
      let r = memo.get(s);
      if (r === undefined) memo.set(s, (r = m.matches(s)));
      return r;
    };
    for (const [s, e] of ranges) {
      const values = await readColumnRows(lf, column, base + s, base + e);
      for (let i = 0; i < values.length; i++) {
        if (!test(values[i]!)) continue;
        const r = s + i;
        const last = out[out.length - 1];
        if (last && last[1] === r) last[1]++;
        else out.push([r, r + 1]);
      }
    }
    return out;
  }

  private async prefetchDictionary(f: ParquetFile, rg: number, column: string, scope: FetchScope): Promise<void> {
    const meta = f.chunk(rg, column).meta_data!;
    const oi = await readOffsetIndex(f, rg, column);
    const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
    const first = oi?.page_locations[0] ? Number(oi.page_locations[0].offset) : start;
    if (first > start) await scope.prefetch(this.bucket, f.key, [[start, first]]);
  }

  /** Prefetches (coalesced) the pages a set of row ranges of one row group touches. */
  private async prefetchColumn(f: ParquetFile, rg: number, column: string, ranges: RowRanges, scope: FetchScope): Promise<void> {
    const spans: [number, number][] = [];
    for (const [s, e] of ranges) spans.push(...(await rowRangeSpans(f, rg, column, s, e)).spans);
    await scope.prefetch(this.bucket, f.key, spans);
  }

  /** Prefetches the pages of columns for global row ranges, across row groups. */
  async prefetchRows(f: ParquetFile, columns: readonly string[], ranges: RowRanges, scope: FetchScope): Promise<void> {
    const spans: [number, number][] = [];
    for (const column of columns) {
      for (const [s, e] of ranges) {
        for (let rg = 0; rg < f.rowGroupCount; rg++) {
          const gs = f.rowGroupStarts[rg]!;
          const ge = f.rowGroupStarts[rg + 1]!;
          if (ge <= s || gs >= e) continue;
          spans.push(...(await rowRangeSpans(f, rg, column, Math.max(s, gs) - gs, Math.min(e, ge) - gs)).spans);
        }
      }
    }
    await scope.prefetch(this.bucket, f.key, spans);
  }

  /** Labels of the rows in `ranges`, reading only the label columns those rows have. */
  async readLabels(ranges: RowRanges, scope: FetchScope): Promise<Labels[]> {
    const { labels: lf } = await this.files();
    await this.prefetchRows(lf, [COL_INDEXES_COLUMN], ranges, scope);
    const present = new Set<number>();
    const perRow: number[][] = [];
    for (const [s, e] of ranges) {
      for (const cell of await readColumnRows(lf, COL_INDEXES_COLUMN, s, e)) {
        const idx = cell instanceof Uint8Array ? decodeColIndexes(cell) : [];
        for (const i of idx) present.add(i);
        perRow.push(idx);
      }
    }
    const columns = [...present].sort((a, b) => a - b).map((i) => lf.columnNames[i]!);
    await this.prefetchRows(lf, columns, ranges, scope);
    const values = new Map<number, CellValue[]>();
    for (const i of present) {
      const col = lf.columnNames[i]!;
      const all: CellValue[] = [];
      for (const [s, e] of ranges) for (const v of await readColumnRows(lf, col, s, e)) all.push(v);
      values.set(i, all);
    }
    const names = new Map<number, string>([...present].map((i) => [i, lf.columnNames[i]!.slice(2)]));
    return perRow.map((idx, r) => {
      const ls: Labels = [];
      for (const i of idx) {
        const v = values.get(i)![r];
        if (typeof v === "string" && v !== "") ls.push({ name: names.get(i)!, value: v });
      }
      return ls;
    });
  }

  /** Windows (s_data_<i>) overlapping [mint, maxt]. */
  windows(mint: number, maxt: number): number[] {
    const out: number[] = [];
    for (let w = 0; w < this.meta.dataColumns; w++) {
      const ws = this.meta.minTime + w * this.meta.dataColDurationMs;
      if (ws + this.meta.dataColDurationMs - 1 >= mint && ws <= maxt) out.push(w);
    }
    return out;
  }

  /** Chunks overlapping [mint, maxt] for each row in `ranges`, in row order. */
  async readChunks(ranges: RowRanges, mint: number, maxt: number, scope: FetchScope): Promise<CellChunk[][]> {
    const { chunks: cf } = await this.files();
    const ws = this.windows(mint, maxt);
    const cols = ws.map(dataColumnName);
    await this.prefetchRows(cf, cols, ranges, scope);
    const out: CellChunk[][] = Array.from({ length: countRows(ranges) }, () => []);
    for (const col of cols) {
      let r = 0;
      for (const [s, e] of ranges) {
        for (const cell of await readColumnRows(cf, col, s, e)) {
          if (cell instanceof Uint8Array && cell.length) {
            for (const c of decodeChunkCell(cell)) if (c.maxTime >= mint && c.minTime <= maxt) out[r]!.push(c);
          }
          r++;
        }
      }
    }
    return out;
  }
}

function rank(m: Matcher): number {
  return m.type === MatchType.EQ ? 0 : m.type === MatchType.RE ? 1 : 2;
}


function nullCount(f: ParquetFile, rg: number, column: string): number {
  const nc = f.chunk(rg, column).meta_data?.statistics?.null_count;
  return nc === undefined ? Number.POSITIVE_INFINITY : Number(nc);
}
