// A minimal TSDB block writer for tests: index format v2, one chunk segment,
// an empty tombstones file and a meta.json (optionally with a Thanos section,
// e.g. thanos.downsample.resolution for downsampled blocks). Written from
// Prometheus' format docs (index.md, chunks.md); promtool reads the result.
// Chunks are stored as given, so any encoding byte (0xff AggrChunks too) works.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compareLabels, compareStrings, type Labels } from "../../src/model/labels.js";
import { crc32c } from "../../src/util/crc32c.js";

export interface BlockChunk {
  minTime: number;
  maxTime: number;
  /** Chunk segment encoding byte: 1 XOR, 2/3 histograms, 0xff Thanos AggrChunk. */
  encoding: number;
  data: Uint8Array;
}

export interface BlockSeries {
  labels: Labels;
  /** Ascending, not overlapping. */
  chunks: BlockChunk[];
}

export interface WriteBlockOptions {
  ulid: string;
  /** Block range [minTime, maxTime). */
  minTime: number;
  maxTime: number;
  /** Adds meta.json's Thanos section. */
  thanos?: { labels: Record<string, string>; resolution: number };
  /** Samples per chunk for stats.numSamples (default: the uint16 header of XOR chunks, else 0). */
  numSamples?: number;
}

class Buf {
  private bytes: number[] = [];
  get length(): number {
    return this.bytes.length;
  }
  byte(b: number): void {
    this.bytes.push(b & 0xff);
  }
  be32(x: number): void {
    for (let s = 24; s >= 0; s -= 8) this.byte(Math.floor(x / 2 ** s) & 0xff);
  }
  be64(x: number): void {
    this.be32(Math.floor(x / 2 ** 32));
    this.be32(x >>> 0);
  }
  uvarint(x: bigint | number): void {
    let v = BigInt(x);
    if (v < 0n) v += 1n << 64n;
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }
  varint(x: number): void {
    const v = BigInt(x);
    this.uvarint(v >= 0n ? v << 1n : ((-v) << 1n) - 1n);
  }
  raw(b: Uint8Array): void {
    for (const x of b) this.bytes.push(x);
  }
  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.uvarint(b.length);
    this.raw(b);
  }
  pad(align: number): void {
    while (this.bytes.length % align) this.byte(0);
  }
  set32(at: number, x: number): void {
    for (let i = 0; i < 4; i++) this.bytes[at + i] = Math.floor(x / 2 ** (24 - 8 * i)) & 0xff;
  }
  crcFrom(start: number): void {
    this.be32(crc32c(this.toBytes(), start, this.bytes.length));
  }
  toBytes(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** `len <4b> | body | CRC32(body)`, where body() writes into the buffer. */
function lenSection(b: Buf, body: () => void): void {
  const at = b.length;
  b.be32(0);
  const start = b.length;
  body();
  b.set32(at, b.length - start);
  b.crcFrom(start);
}

/** Writes `<dir>/<ulid>/` and returns its path. */
export function writeBlock(dir: string, series: readonly BlockSeries[], opts: WriteBlockOptions): string {
  const sorted = [...series].sort((a, b) => compareLabels(a.labels, b.labels));
  const blockDir = join(dir, opts.ulid);
  mkdirSync(join(blockDir, "chunks"), { recursive: true });

  // Chunk segment.
  const seg = new Buf();
  seg.be32(0x85bd40dd);
  seg.byte(1);
  seg.byte(0);
  seg.byte(0);
  seg.byte(0);
  const refs: number[][] = [];
  let numChunks = 0;
  let numSamples = 0;
  for (const s of sorted) {
    const r: number[] = [];
    for (const c of s.chunks) {
      r.push(seg.length); // segment 0: ref = offset
      seg.uvarint(c.data.length);
      const start = seg.length;
      seg.byte(c.encoding);
      seg.raw(c.data);
      seg.crcFrom(start);
      numChunks++;
      numSamples += opts.numSamples ?? (c.encoding === 1 && c.data.length >= 2 ? (c.data[0]! << 8) | c.data[1]! : 0);
    }
    refs.push(r);
  }
  writeFileSync(join(blockDir, "chunks", "000001"), seg.toBytes());

  // Index.
  const symbolSet = new Set<string>([""]);
  for (const s of sorted) for (const l of s.labels) (symbolSet.add(l.name), symbolSet.add(l.value));
  const symbols = [...symbolSet].sort(compareStrings);
  const symRef = new Map(symbols.map((s, i) => [s, i]));
  const ix = new Buf();
  ix.be32(0xbaaad700);
  ix.byte(2);
  const toc = { symbols: ix.length, series: 0, labelIndices: 0, labelIndicesTable: 0, postings: 0, postingsTable: 0 };
  lenSection(ix, () => {
    ix.be32(symbols.length);
    for (const s of symbols) ix.str(s);
  });

  ix.pad(16);
  toc.series = ix.length;
  const seriesIds: number[] = [];
  sorted.forEach((s, i) => {
    ix.pad(16);
    seriesIds.push(ix.length / 16);
    const body = new Buf();
    body.uvarint(s.labels.length);
    for (const l of s.labels) (body.uvarint(symRef.get(l.name)!), body.uvarint(symRef.get(l.value)!));
    body.uvarint(s.chunks.length);
    s.chunks.forEach((c, k) => {
      if (k === 0) {
        body.varint(c.minTime);
        body.uvarint(c.maxTime - c.minTime);
        body.uvarint(refs[i]![k]!);
      } else {
        const p = s.chunks[k - 1]!;
        body.uvarint(c.minTime - p.maxTime);
        body.uvarint(c.maxTime - c.minTime);
        body.varint(refs[i]![k]! - refs[i]![k - 1]!);
      }
    });
    const bytes = body.toBytes();
    ix.uvarint(bytes.length);
    ix.raw(bytes);
    ix.be32(crc32c(bytes));
  });

  // Postings per (name, value), plus the all-postings list ("", "").
  const postings = new Map<string, { name: string; value: string; ids: number[] }>();
  postings.set("\u0000", { name: "", value: "", ids: [...seriesIds] });
  sorted.forEach((s, i) => {
    for (const l of s.labels) {
      const k = `${l.name}\u0000${l.value}`;
      let p = postings.get(k);
      if (!p) postings.set(k, (p = { name: l.name, value: l.value, ids: [] }));
      p.ids.push(seriesIds[i]!);
    }
  });
  const lists = [...postings.values()].sort((a, b) => compareStrings(a.name, b.name) || compareStrings(a.value, b.value));

  // Legacy label indices (one per label name) and their offset table.
  ix.pad(4);
  toc.labelIndices = ix.length;
  const names = [...new Set(lists.slice(1).map((p) => p.name))];
  const labelIndexOffsets: number[] = [];
  for (const n of names) {
    ix.pad(4);
    labelIndexOffsets.push(ix.length);
    const values = lists.filter((p) => p.name === n).map((p) => symRef.get(p.value)!);
    lenSection(ix, () => {
      ix.be32(1);
      ix.be32(values.length);
      for (const v of values) ix.be32(v);
    });
  }

  ix.pad(4);
  toc.postings = ix.length;
  const postingOffsets: number[] = [];
  for (const p of lists) {
    ix.pad(4);
    postingOffsets.push(ix.length);
    lenSection(ix, () => {
      ix.be32(p.ids.length);
      for (const id of p.ids) ix.be32(id);
    });
  }

  toc.labelIndicesTable = ix.length;
  lenSection(ix, () => {
    ix.be32(names.length);
    names.forEach((n, i) => {
      ix.uvarint(1);
      ix.str(n);
      ix.uvarint(labelIndexOffsets[i]!);
    });
  });

  toc.postingsTable = ix.length;
  lenSection(ix, () => {
    ix.be32(lists.length);
    lists.forEach((p, i) => {
      ix.uvarint(2);
      ix.str(p.name);
      ix.str(p.value);
      ix.uvarint(postingOffsets[i]!);
    });
  });

  const tocStart = ix.length;
  for (const r of [toc.symbols, toc.series, toc.labelIndices, toc.labelIndicesTable, toc.postings, toc.postingsTable]) ix.be64(r);
  ix.crcFrom(tocStart);
  writeFileSync(join(blockDir, "index"), ix.toBytes());

  // Empty tombstones: magic, version, no entries, CRC of nothing.
  const tomb = new Buf();
  tomb.be32(0x0130ba30);
  tomb.byte(1);
  tomb.be32(crc32c(new Uint8Array(0)));
  writeFileSync(join(blockDir, "tombstones"), tomb.toBytes());

  const meta: Record<string, unknown> = {
    ulid: opts.ulid,
    minTime: opts.minTime,
    maxTime: opts.maxTime,
    stats: { numSamples, numSeries: sorted.length, numChunks },
    compaction: { level: 1, sources: [opts.ulid] },
    version: 1,
  };
  if (opts.thanos) meta["thanos"] = { labels: opts.thanos.labels, downsample: { resolution: opts.thanos.resolution }, source: "compactor" };
  writeFileSync(join(blockDir, "meta.json"), JSON.stringify(meta, null, "\t"));
  return blockDir;
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A valid ULID from a time and a seed (deterministic, for tests). */
export function testUlid(timeMs: number, seed: number): string {
  let s = "";
  let t = timeMs;
  for (let i = 0; i < 10; i++) {
    s = CROCKFORD[t % 32]! + s;
    t = Math.floor(t / 32);
  }
  let x = seed >>> 0;
  for (let i = 0; i < 16; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += CROCKFORD[(x >>> 16) % 32]!;
  }
  return s;
}
