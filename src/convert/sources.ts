// Discovers the TSDB blocks to convert, from a local directory or a Thanos
// bucket. A block without meta.json is still being written or uploaded, and a
// block with a Thanos deletion mark is on its way out: both are skipped.

import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Bucket } from "../objstore/bucket.js";
import { Block } from "../tsdb/block.js";
import { CorruptBlockError } from "../tsdb/errors.js";
import { parseMeta, type BlockMeta } from "../tsdb/meta.js";
import { BucketBlockSource, LocalBlockSource, type BlockSource } from "../tsdb/source.js";

export interface SourceBlock {
  meta: BlockMeta;
  source: BlockSource;
  /** Total bytes of index + chunks + meta + tombstones. */
  bytes: number;
}

export interface SkippedBlock {
  location: string;
  reason: string;
  /** True when the block is broken (not merely incomplete or marked): the run must fail. */
  error?: boolean;
}

const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export async function discoverLocal(dir: string, skipped: SkippedBlock[] = []): Promise<SourceBlock[]> {
  const dirs: string[] = [];
  if (await exists(join(dir, "meta.json"))) dirs.push(dir);
  else {
    for (const n of (await readdir(dir)).sort()) {
      const p = join(dir, n);
      if (!(await stat(p)).isDirectory()) continue;
      if (!(await exists(join(p, "meta.json")))) {
        if (ULID_RE.test(n)) skipped.push({ location: p, reason: "no meta.json (incomplete block)" });
        continue;
      }
      dirs.push(p);
    }
  }
  const out: SourceBlock[] = [];
  for (const d of dirs) {
    if (await exists(join(d, "deletion-mark.json"))) {
      skipped.push({ location: d, reason: "deletion-mark.json present" });
      continue;
    }
    const src = new LocalBlockSource(d);
    const meta = await readMeta(src, join(d, "meta.json"), skipped);
    if (meta) out.push({ meta, source: src, bytes: await dirSize(d) });
  }
  return out;
}

export async function discoverBucket(bucket: Bucket, skipped: SkippedBlock[] = []): Promise<SourceBlock[]> {
  const out: SourceBlock[] = [];
  for await (const entry of bucket.list("", { recursive: false })) {
    const name = entry.replace(/\/$/, "");
    if (!entry.endsWith("/") || !ULID_RE.test(name)) continue;
    const src = new BucketBlockSource(bucket, name);
    if (!(await src.exists("meta.json"))) {
      skipped.push({ location: src.location, reason: "no meta.json (incomplete upload)" });
      continue;
    }
    if (await src.exists("deletion-mark.json")) {
      skipped.push({ location: src.location, reason: "deletion-mark.json present" });
      continue;
    }
    const meta = await readMeta(src, `${src.location}/meta.json`, skipped);
    if (!meta) continue;
    let bytes = 0;
    for await (const k of bucket.list(`${name}/`, { recursive: true })) bytes += (await bucket.attributes(k)).size;
    out.push({ meta, source: src, bytes });
  }
  return out;
}

/** A broken meta.json fails that block only: the other blocks still convert. */
async function readMeta(src: BlockSource, path: string, skipped: SkippedBlock[]): Promise<BlockMeta | undefined> {
  try {
    return parseMeta(await src.readWhole("meta.json"), path);
  } catch (e) {
    if (!(e instanceof CorruptBlockError)) throw e;
    skipped.push({ location: src.location, reason: e.message, error: true });
    return undefined;
  }
}

export function openSource(b: SourceBlock): Promise<Block> {
  return Block.open(b.source);
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function dirSize(d: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    total += e.isDirectory() ? await dirSize(p) : (await stat(p)).size;
  }
  return total;
}
