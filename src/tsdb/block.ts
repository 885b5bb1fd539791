// A TSDB block opened for reading: meta, index, chunk segments, tombstones.

import type { Matcher } from "../model/matchers.js";
import { CorruptBlockError } from "./errors.js";
import { ChunkReader, type RawChunk } from "./chunks_reader.js";
import { IndexReader, type SeriesEntry } from "./index_reader.js";
import { parseMeta, type BlockMeta } from "./meta.js";
import { postingsForMatchers } from "./postings.js";
import type { BlockSource } from "./source.js";
import { parseTombstones, type Interval, type Tombstones } from "./tombstones.js";

export class Block {
  private constructor(
    readonly source: BlockSource,
    readonly meta: BlockMeta,
    readonly index: IndexReader,
    readonly chunks: ChunkReader,
    readonly tombstones: Tombstones,
  ) {}

  static async open(source: BlockSource): Promise<Block> {
    const loc = source.location;
    const meta = parseMeta(await readOrFail(source, "meta.json"), `${loc}/meta.json`);
    const tomb = (await source.exists("tombstones")) ? parseTombstones(await source.readWhole("tombstones"), `${loc}/tombstones`) : new Map<number, Interval[]>();
    const indexFile = await source.openFile("index");
    let index: IndexReader;
    try {
      index = await IndexReader.open(indexFile);
    } catch (e) {
      await indexFile.close();
      throw e;
    }
    let chunks: ChunkReader;
    try {
      chunks = await ChunkReader.open(source);
    } catch (e) {
      await index.close();
      throw e;
    }
    return new Block(source, meta, index, chunks, tomb);
  }

  get ulid(): string {
    return this.meta.ulid;
  }

  /** Sorted series refs matching all matchers (all series when none are given). */
  postings(matchers: readonly Matcher[]): Promise<Uint32Array> {
    return matchers.length ? postingsForMatchers(this.index, matchers) : this.index.allPostings();
  }

  /** Series in label order (refs ascend with label order), with their chunk metas. */
  async *series(refs: Uint32Array): AsyncGenerator<SeriesEntry> {
    for (let i = 0; i < refs.length; i++) yield await this.index.series(refs[i]!);
  }

  chunk(ref: number): Promise<RawChunk> {
    return this.chunks.chunk(ref);
  }

  deleted(ref: number): Interval[] | undefined {
    return this.tombstones.get(ref);
  }

  async close(): Promise<void> {
    await Promise.all([this.index.close(), this.chunks.close()]);
  }
}

async function readOrFail(src: BlockSource, rel: string): Promise<Uint8Array> {
  try {
    return await src.readWhole(rel);
  } catch (e) {
    throw new CorruptBlockError(`${src.location}/${rel}`, 0, `cannot read: ${(e as Error).message}`, { cause: e });
  }
}
