// A BlockSource over in-memory files, for running thousands of corrupted
// variants of a real block without touching the disk.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { BlockSource, RangeFile } from "../../src/tsdb/source.js";

export function loadBlockFiles(dir: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), new Uint8Array(readFileSync(p)));
    }
  };
  walk(dir);
  return out;
}

export class MemoryBlockSource implements BlockSource {
  readonly location = "mem";
  constructor(private readonly files: Map<string, Uint8Array>) {}
  private get(rel: string): Uint8Array {
    const f = this.files.get(rel);
    if (!f) throw Object.assign(new Error(`ENOENT: ${rel}`), { code: "ENOENT" });
    return f;
  }
  async openFile(rel: string): Promise<RangeFile> {
    const data = this.get(rel);
    return {
      path: `mem/${rel}`,
      size: data.length,
      read: async (offset: number, length: number) => data.slice(offset, Math.min(data.length, offset + length)),
      close: async () => {},
    };
  }
  async readWhole(rel: string): Promise<Uint8Array> {
    return this.get(rel).slice();
  }
  async listDir(rel: string): Promise<string[]> {
    const pre = rel.replace(/\/?$/, "/");
    return [...this.files.keys()].filter((k) => k.startsWith(pre) && !k.slice(pre.length).includes("/")).map((k) => k.slice(pre.length)).sort();
  }
  async exists(rel: string): Promise<boolean> {
    return this.files.has(rel);
  }
}
