// Thanos' downsampled chunk (pkg/compact/downsample/aggr.go): the chunk that
// Thanos-downsampled TSDB blocks store under encoding 0xff. Its data is five
// entries in AggrType order count, sum, min, max, counter; each entry is
// uvarint(len) and, when len > 0, one Prometheus encoding byte followed by
// len bytes of that sub-chunk (len excludes the encoding byte). len = 0 marks
// an absent aggregate. This format only lives inside blocks: the StoreAPI
// sends the sub-chunks in AggrChunk's count..counter fields instead.

import { ChunkDecodeError } from "./errors.js";

/** Chunk encoding byte of an AggrChunk in a TSDB chunk segment (Thanos ChunkEncAggr). */
export const AGGR_CHUNK_ENCODING = 0xff;

/** Thanos AggrType numbering: the entry order inside an AggrChunk. */
export const AggrType = { count: 0, sum: 1, min: 2, max: 3, counter: 4 } as const;
export type AggrName = keyof typeof AggrType;
export const AGGR_NAMES: readonly AggrName[] = ["count", "sum", "min", "max", "counter"];

/** One aggregate's chunk: Prometheus encoding (1 XOR, 2 histogram, 3 float histogram) and bytes. */
export interface SubChunk {
  encoding: number;
  data: Uint8Array;
}

/** The five aggregates in AggrType order; undefined = absent. */
export type AggrSubChunks = [SubChunk | undefined, SubChunk | undefined, SubChunk | undefined, SubChunk | undefined, SubChunk | undefined];

export function emptySubChunks(): AggrSubChunks {
  return [undefined, undefined, undefined, undefined, undefined];
}

function uvarintLen(x: number): number {
  let n = 1;
  while (x >= 0x80) {
    x = Math.floor(x / 128);
    n++;
  }
  return n;
}

/** EncodeAggrChunk: the bytes stored after the 0xff encoding byte. */
export function encodeAggrChunk(subs: AggrSubChunks): Uint8Array {
  let size = 0;
  for (const s of subs) size += s ? uvarintLen(s.data.length) + 1 + s.data.length : 1;
  const out = new Uint8Array(size);
  let pos = 0;
  for (const s of subs) {
    let l = s ? s.data.length : 0;
    while (l >= 0x80) {
      out[pos++] = (l & 0x7f) | 0x80;
      l = Math.floor(l / 128);
    }
    out[pos++] = l;
    if (!s) continue;
    if (!Number.isInteger(s.encoding) || s.encoding < 1 || s.encoding > 255) throw new RangeError(`invalid sub-chunk encoding ${s.encoding}`);
    out[pos++] = s.encoding;
    out.set(s.data, pos);
    pos += s.data.length;
  }
  return out;
}

/**
 * Splits an AggrChunk into its sub-chunks (views, no copy). Like Thanos'
 * AggrChunk.Get, bytes after the fifth entry are ignored; a truncated entry is
 * an error.
 */
export function decodeAggrChunk(data: Uint8Array): AggrSubChunks {
  const out = emptySubChunks();
  let pos = 0;
  for (let i = 0; i < 5; i++) {
    let l = 0;
    let mul = 1;
    for (let k = 0; ; k++) {
      if (pos >= data.length) throw new ChunkDecodeError(`aggregate chunk: truncated length of entry ${i}`, pos * 8);
      if (k >= 8) throw new ChunkDecodeError(`aggregate chunk: length of entry ${i} is too long`, pos * 8);
      const b = data[pos++]!;
      l += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) break;
    }
    if (l === 0) continue;
    if (pos + 1 + l > data.length) throw new ChunkDecodeError(`aggregate chunk: entry ${i} of ${l} bytes runs past the end (${data.length} bytes)`, pos * 8);
    out[i] = { encoding: data[pos]!, data: data.subarray(pos + 1, pos + 1 + l) };
    pos += 1 + l;
  }
  return out;
}
