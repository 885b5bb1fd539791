// meta.json of a TSDB block, including the section Thanos adds (external
// labels, downsampling resolution, source component).

import { CorruptBlockError } from "./errors.js";

export interface BlockStats {
  numSamples?: number;
  numSeries?: number;
  numChunks?: number;
  numTombstones?: number;
  numFloatSamples?: number;
  numHistogramSamples?: number;
}

export interface ThanosMeta {
  /** External labels of the stream the block belongs to. */
  labels: Record<string, string>;
  /** Downsampling resolution in ms: 0 raw, 300000 (5m), 3600000 (1h). */
  resolution: number;
  source: string;
}

export interface BlockMeta {
  ulid: string;
  /** Inclusive. */
  minTime: number;
  /** Exclusive: last sample + 1. */
  maxTime: number;
  version: number;
  stats: BlockStats;
  compaction: { level: number; sources: string[]; parents?: { ulid: string; minTime: number; maxTime: number }[]; deletable?: boolean; failed?: boolean };
  thanos: ThanosMeta;
}

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function parseMeta(buf: Uint8Array, path: string): BlockMeta {
  let raw: Json;
  try {
    raw = JSON.parse(Buffer.from(buf).toString("utf8")) as Json;
  } catch (e) {
    throw new CorruptBlockError(path, 0, `invalid JSON: ${(e as Error).message}`);
  }
  const bad = (what: string): never => {
    throw new CorruptBlockError(path, 0, what);
  };
  if (!isObj(raw)) return bad("meta.json is not an object");
  const ulid = raw.ulid;
  if (typeof ulid !== "string" || !ULID.test(ulid)) bad(`invalid ulid ${JSON.stringify(ulid)}`);
  const minTime = raw.minTime;
  const maxTime = raw.maxTime;
  if (!Number.isSafeInteger(minTime) || !Number.isSafeInteger(maxTime)) bad("minTime/maxTime must be integers");
  if ((maxTime as number) < (minTime as number)) bad(`maxTime ${maxTime} before minTime ${minTime}`);
  const version = raw.version;
  if (version !== 1) bad(`unsupported meta.json version ${JSON.stringify(version)}`);
  const statsRaw = isObj(raw.stats) ? raw.stats : {};
  const stats: BlockStats = {};
  for (const k of ["numSamples", "numSeries", "numChunks", "numTombstones", "numFloatSamples", "numHistogramSamples"] as const) {
    const v = statsRaw[k];
    if (typeof v === "number") stats[k] = v;
  }
  const comp = isObj(raw.compaction) ? raw.compaction : {};
  const sources = Array.isArray(comp.sources) ? comp.sources.filter((s): s is string => typeof s === "string") : [ulid as string];
  const th = isObj(raw.thanos) ? raw.thanos : {};
  const labels: Record<string, string> = {};
  if (isObj(th.labels)) for (const [k, v] of Object.entries(th.labels)) if (typeof v === "string") labels[k] = v;
  const ds = isObj(th.downsample) ? th.downsample : {};
  const resolution = typeof ds.resolution === "number" ? ds.resolution : 0;
  if (![0, 300000, 3600000].includes(resolution)) bad(`unsupported downsample resolution ${resolution}`);
  const meta: BlockMeta = {
    ulid: ulid as string,
    minTime: minTime as number,
    maxTime: maxTime as number,
    version: 1,
    stats,
    compaction: { level: typeof comp.level === "number" ? comp.level : 1, sources },
    thanos: { labels, resolution, source: typeof th.source === "string" ? th.source : "" },
  };
  if (comp.deletable === true) meta.compaction.deletable = true;
  return meta;
}

function isObj(x: Json | undefined): x is { [k: string]: Json } {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
