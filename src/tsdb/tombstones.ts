// Tombstones: deleted time ranges per series, applied at read time because
// Prometheus never rewrites chunks on delete. Format: magic | version |
// { series_ref uvarint | mint varint | maxt varint }* | CRC32C over entries.

import { crc32c } from "../util/crc32c.js";
import { Decbuf } from "./decbuf.js";
import { CorruptBlockError } from "./errors.js";
import { hex } from "./index_reader.js";

const MAGIC = 0x0130ba30;

/** Inclusive [minTime, maxTime]. */
export interface Interval {
  minTime: number;
  maxTime: number;
}

export type Tombstones = Map<number, Interval[]>;

export function parseTombstones(buf: Uint8Array, path: string): Tombstones {
  const out: Tombstones = new Map();
  if (buf.length < 9) throw new CorruptBlockError(path, 0, `tombstones file too small (${buf.length} bytes)`);
  const d = new Decbuf(buf, path, 0, 0, buf.length - 4);
  const magic = d.be32("tombstones magic");
  if (magic !== MAGIC) throw new CorruptBlockError(path, 0, `invalid tombstones magic 0x${hex(magic)}, want 0x${hex(MAGIC)}`);
  const v = d.byte("tombstones version");
  if (v !== 1) throw new CorruptBlockError(path, 4, `unsupported tombstones version ${v}`);
  const want = crc32c(buf, 5, buf.length - 4);
  const got = new Decbuf(buf, path, 0, buf.length - 4).be32("tombstones checksum");
  if (want !== got) throw new CorruptBlockError(path, buf.length - 4, `tombstones checksum mismatch: stored 0x${hex(got)}, computed 0x${hex(want)}`);
  while (d.remaining > 0) {
    const ref = d.uvarint("tombstone series ref");
    const minTime = d.varint("tombstone mint");
    const maxTime = d.varint("tombstone maxt");
    let list = out.get(ref);
    if (!list) out.set(ref, (list = []));
    list.push({ minTime, maxTime });
  }
  for (const [ref, list] of out) out.set(ref, mergeIntervals(list));
  return out;
}

/** Sorts and merges overlapping or adjacent intervals. */
export function mergeIntervals(list: Interval[]): Interval[] {
  const s = list.slice().sort((a, b) => a.minTime - b.minTime);
  const out: Interval[] = [];
  for (const iv of s) {
    const last = out[out.length - 1];
    if (last && iv.minTime <= last.maxTime + 1) last.maxTime = Math.max(last.maxTime, iv.maxTime);
    else out.push({ ...iv });
  }
  return out;
}

export function isDeleted(t: number, ivs: readonly Interval[] | undefined): boolean {
  if (!ivs) return false;
  for (const iv of ivs) if (t >= iv.minTime && t <= iv.maxTime) return true;
  return false;
}

/** True when every sample in [mint, maxt] is deleted. */
export function coversRange(mint: number, maxt: number, ivs: readonly Interval[] | undefined): boolean {
  if (!ivs) return false;
  for (const iv of ivs) if (iv.minTime <= mint && iv.maxTime >= maxt) return true;
  return false;
}
