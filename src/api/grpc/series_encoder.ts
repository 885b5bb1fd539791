// Hand-written encoder for the hot path of thanos.Store/Series: StoreSeries
// straight to SeriesResponse bytes, with no intermediate message objects.
// Sizes are computed first so every length prefix is written in place and each
// frame is one exact-size buffer (chunk bytes are copied once). The output is
// byte-identical to the generated codecs (test/api/series_encoder.test.ts).
//
// Mapping: Thanos Chunk.type = Prometheus chunk encoding - 1; Chunk.hash =
// xxhash64(data) with seed 0 (or 0 = "not computed" when hashing is off);
// StoreSeries.chunks go in AggrChunk.raw; aggrChunks fill count/sum/min/max/
// counter. Raw and aggregate chunks are merged in (minTime, maxTime) order.

import type { Aggr, StoreChunk, StoreSeries } from "../../store/api.js";
import { StoreError } from "../../store/api.js";
import { xxhash64Into } from "../../util/xxhash64.js";
import { int64Size, varint64Size, varintSize, Writer } from "./wire.js";

/** AggrChunk fields 4..8 in order. */
const AGGR_FIELDS: readonly [Aggr, number][] = [
  ["count", 4],
  ["sum", 5],
  ["min", 6],
  ["max", 7],
  ["counter", 8],
];

function utf8Length(s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) >= 128) return Buffer.byteLength(s, "utf8");
  return n;
}

function lenField(len: number): number {
  return 1 + varintSize(len) + len;
}

function thanosEncoding(c: StoreChunk): number {
  const t = c.encoding - 1;
  if (t < 0 || t > 2 || !Number.isInteger(t)) {
    throw new StoreError("internal", `unsupported Prometheus chunk encoding ${c.encoding}`);
  }
  return t;
}

interface ChunkEntry {
  minTime: number;
  maxTime: number;
  raw: StoreChunk | undefined;
  aggrs: Partial<Record<Aggr, StoreChunk>> | undefined;
}

interface Pending {
  series: StoreSeries;
  entries: readonly ChunkEntry[] | undefined;
  /** Size of the Series message body. */
  size: number;
  /** Index of this series' first hash pair in the hash buffer. */
  hashStart: number;
}

export interface SeriesEncoderOptions {
  /** Compute Chunk.hash = xxhash64(data); otherwise send 0. Default true. */
  hashChunks?: boolean;
  /** Leave chunks out (SeriesRequest.skip_chunks). */
  skipChunks?: boolean;
}

/**
 * Collects series and encodes them as SeriesResponse frames: `seriesFrame()`
 * for exactly one pending series (field 1), `batchFrame()` for all pending
 * series in one SeriesBatch (field 4).
 */
export class SeriesFrameEncoder {
  private readonly hashChunks: boolean;
  private readonly skipChunks: boolean;
  private pending: Pending[] = [];
  private pendingSize = 0;
  private hashes = new Uint32Array(256);
  private nHashes = 0;
  private readonly h = new Uint32Array(2);

  constructor(opts: SeriesEncoderOptions = {}) {
    this.hashChunks = opts.hashChunks ?? true;
    this.skipChunks = opts.skipChunks ?? false;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Encoded size of the pending series (Series messages with their keys and length prefixes). */
  get pendingBytes(): number {
    return this.pendingSize;
  }

  add(series: StoreSeries): void {
    const hashStart = this.nHashes;
    let size = 0;
    for (const l of series.labels) size += lenField(this.labelSize(l.name, l.value));
    let entries: ChunkEntry[] | undefined;
    if (!this.skipChunks) {
      entries = this.entries(series);
      if (entries === undefined) {
        for (const c of series.chunks) size += lenField(this.aggrChunkSize(c.minTime, c.maxTime, c, undefined));
      } else {
        for (const e of entries) size += lenField(this.aggrChunkSize(e.minTime, e.maxTime, e.raw, e.aggrs));
      }
    }
    this.pending.push({ series, entries, size, hashStart });
    this.pendingSize += lenField(size);
  }

  /** SeriesResponse{series} for the single pending series. */
  seriesFrame(): Buffer {
    if (this.pending.length !== 1) throw new Error(`seriesFrame needs exactly one pending series, have ${this.pending.length}`);
    const p = this.pending[0]!;
    const w = new Writer(lenField(p.size));
    w.uint32(10); // SeriesResponse.series
    w.uint32(p.size);
    this.writeSeries(w, p);
    return this.done(w, lenField(p.size));
  }

  /** SeriesResponse{batch} with every pending series. */
  batchFrame(): Buffer {
    const w = new Writer(lenField(this.pendingSize));
    w.uint32(34); // SeriesResponse.batch
    w.uint32(this.pendingSize);
    for (const p of this.pending) {
      w.uint32(10); // SeriesBatch.series
      w.uint32(p.size);
      this.writeSeries(w, p);
    }
    return this.done(w, lenField(this.pendingSize));
  }

  private done(w: Writer, size: number): Buffer {
    this.pending = [];
    this.pendingSize = 0;
    this.nHashes = 0;
    const out = w.finish();
    // A mismatch would mean a wrong length prefix somewhere: fail loudly.
    if (out.length !== size) throw new Error(`series frame size mismatch: wrote ${out.length}, computed ${size}`);
    return out;
  }

  /** Raw and aggregate chunks merged by time; undefined when there are only raw chunks. */
  private entries(s: StoreSeries): ChunkEntry[] | undefined {
    const aggr = s.aggrChunks;
    if (aggr === undefined || aggr.length === 0) return undefined;
    const out: ChunkEntry[] = [];
    for (const c of s.chunks) out.push({ minTime: c.minTime, maxTime: c.maxTime, raw: c, aggrs: undefined });
    for (const a of aggr) out.push({ minTime: a.minTime, maxTime: a.maxTime, raw: undefined, aggrs: a.aggrs });
    if (s.chunks.length > 0) out.sort((x, y) => x.minTime - y.minTime || x.maxTime - y.maxTime);
    return out;
  }

  private labelSize(name: string, value: string): number {
    let n = 0;
    if (name.length > 0) n += lenField(utf8Length(name));
    if (value.length > 0) n += lenField(utf8Length(value));
    return n;
  }

  /** Size of a Chunk message; records its hash. */
  private chunkSize(c: StoreChunk): number {
    let n = 0;
    if (thanosEncoding(c) !== 0) n += 2;
    const len = c.data.length;
    if (len > 0) n += lenField(len);
    let lo = 0;
    let hi = 0;
    if (this.hashChunks) {
      xxhash64Into(c.data, this.h);
      lo = this.h[0]!;
      hi = this.h[1]!;
      if ((lo | hi) !== 0) n += 1 + varint64Size(lo, hi);
    }
    if (this.nHashes * 2 + 2 > this.hashes.length) {
      const nh = new Uint32Array(this.hashes.length * 2);
      nh.set(this.hashes);
      this.hashes = nh;
    }
    this.hashes[this.nHashes * 2] = lo;
    this.hashes[this.nHashes * 2 + 1] = hi;
    this.nHashes++;
    return n;
  }

  private aggrChunkSize(
    minTime: number,
    maxTime: number,
    raw: StoreChunk | undefined,
    aggrs: Partial<Record<Aggr, StoreChunk>> | undefined,
  ): number {
    let n = 0;
    if (minTime !== 0) n += 1 + int64Size(minTime);
    if (maxTime !== 0) n += 1 + int64Size(maxTime);
    if (raw !== undefined) n += lenField(this.chunkSize(raw));
    if (aggrs !== undefined) {
      for (const [name] of AGGR_FIELDS) {
        const c = aggrs[name];
        if (c !== undefined) n += lenField(this.chunkSize(c));
      }
    }
    return n;
  }

  private writeSeries(w: Writer, p: Pending): void {
    const s = p.series;
    for (const l of s.labels) {
      w.uint32(10); // Series.labels
      w.uint32(this.labelSize(l.name, l.value));
      if (l.name.length > 0) {
        w.uint32(10);
        w.string(l.name);
      }
      if (l.value.length > 0) {
        w.uint32(18);
        w.string(l.value);
      }
    }
    if (this.skipChunks) return;
    let h = p.hashStart;
    if (p.entries === undefined) {
      for (const c of s.chunks) h = this.writeAggrChunk(w, c.minTime, c.maxTime, c, undefined, h);
    } else {
      for (const e of p.entries) h = this.writeAggrChunk(w, e.minTime, e.maxTime, e.raw, e.aggrs, h);
    }
  }

  /** Size of a Chunk message whose hash is hash pair i. */
  private chunkLen(c: StoreChunk, i: number): number {
    const lo = this.hashes[i * 2]!;
    const hi = this.hashes[i * 2 + 1]!;
    const len = c.data.length;
    return (thanosEncoding(c) !== 0 ? 2 : 0) + (len > 0 ? lenField(len) : 0) + ((lo | hi) !== 0 ? 1 + varint64Size(lo, hi) : 0);
  }

  private writeChunk(w: Writer, field: number, c: StoreChunk, i: number): void {
    const lo = this.hashes[i * 2]!;
    const hi = this.hashes[i * 2 + 1]!;
    w.uint32((field << 3) | 2);
    w.uint32(this.chunkLen(c, i));
    const t = thanosEncoding(c);
    if (t !== 0) {
      w.uint32(8); // Chunk.type
      w.uint32(t);
    }
    if (c.data.length > 0) {
      w.uint32(18); // Chunk.data
      w.bytes(c.data);
    }
    if ((lo | hi) !== 0) {
      w.uint32(24); // Chunk.hash
      w.varint64(lo, hi);
    }
  }

  /** Writes one Series.chunks entry whose first hash is pair h0; returns the next hash index. */
  private writeAggrChunk(
    w: Writer,
    minTime: number,
    maxTime: number,
    raw: StoreChunk | undefined,
    aggrs: Partial<Record<Aggr, StoreChunk>> | undefined,
    h0: number,
  ): number {
    let size = 0;
    if (minTime !== 0) size += 1 + int64Size(minTime);
    if (maxTime !== 0) size += 1 + int64Size(maxTime);
    let i = h0;
    if (raw !== undefined) size += lenField(this.chunkLen(raw, i++));
    if (aggrs !== undefined) {
      for (const [name] of AGGR_FIELDS) {
        const c = aggrs[name];
        if (c !== undefined) size += lenField(this.chunkLen(c, i++));
      }
    }
    w.uint32(18); // Series.chunks
    w.uint32(size);
    if (minTime !== 0) {
      w.uint32(8); // AggrChunk.min_time
      w.int64(minTime);
    }
    if (maxTime !== 0) {
      w.uint32(16); // AggrChunk.max_time
      w.int64(maxTime);
    }
    i = h0;
    if (raw !== undefined) this.writeChunk(w, 3, raw, i++);
    if (aggrs !== undefined) {
      for (const [name, field] of AGGR_FIELDS) {
        const c = aggrs[name];
        if (c !== undefined) this.writeChunk(w, field, c, i++);
      }
    }
    return i;
  }
}
