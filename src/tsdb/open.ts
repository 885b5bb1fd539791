// Finds blocks in a directory: DIR may be one block (it has meta.json) or a
// directory of blocks. Sub-directories without meta.json are blocks still
// being written or uploaded, and are skipped.

import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { Block } from "./block.js";
import { LocalBlockSource } from "./source.js";

export async function findBlockDirs(dir: string): Promise<string[]> {
  if (await isFile(join(dir, "meta.json"))) return [dir];
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    if (await isFile(join(p, "meta.json"))) out.push(p);
  }
  return out;
}

export async function openLocalBlocks(dir: string): Promise<Block[]> {
  const blocks: Block[] = [];
  try {
    for (const d of await findBlockDirs(dir)) blocks.push(await Block.open(new LocalBlockSource(d)));
  } catch (e) {
    await Promise.all(blocks.map((b) => b.close()));
    throw e;
  }
  return blocks.sort((a, b) => a.meta.minTime - b.meta.minTime);
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}
