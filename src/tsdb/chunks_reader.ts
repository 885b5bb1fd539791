// Reader for chunk segment files (chunks/000001...). A chunk reference is
// segmentIndex * 2^32 + offset, where segmentIndex is 0-based into the sorted
// segment list. Each chunk's CRC32C (over encoding byte + data) is verified.

import { crc32c } from "../util/crc32c.js";
import { Decbuf } from "./decbuf.js";
import { CorruptBlockError } from "./errors.js";
import { hex } from "./index_reader.js";
import { WindowedReader, type BlockSource, type RangeFile } from "./source.js";

const SEGMENT_MAGIC = 0x85bd40dd;
const SEGMENT_HEADER = 8;
/** Chunk data is at most a few KiB; a larger length means corruption. */
const MAX_CHUNK_LEN = 16 << 20;

export interface RawChunk {
  encoding: number;
  /** Chunk data without length, encoding byte or CRC. A view: do not mutate. */
  data: Uint8Array;
}

export class ChunkReader {
  private constructor(
    private readonly segments: RangeFile[],
    private readonly readers: WindowedReader[],
  ) {}

  static async open(src: BlockSource, windowSize = 1 << 20): Promise<ChunkReader> {
    const names = (await src.listDir("chunks")).filter((n) => /^\d{6}$/.test(n));
    const segments: RangeFile[] = [];
    try {
      for (const n of names) {
        const f = await src.openFile(`chunks/${n}`);
        segments.push(f);
        if (f.size < SEGMENT_HEADER) throw new CorruptBlockError(f.path, 0, `chunk segment too small (${f.size} bytes)`);
        const d = new Decbuf(await f.read(0, SEGMENT_HEADER), f.path);
        const magic = d.be32("segment magic");
        if (magic !== SEGMENT_MAGIC) throw new CorruptBlockError(f.path, 0, `invalid chunk segment magic 0x${hex(magic)}, want 0x${hex(SEGMENT_MAGIC)}`);
        const v = d.byte("segment version");
        if (v !== 1) throw new CorruptBlockError(f.path, 4, `unsupported chunk segment version ${v}`);
      }
    } catch (e) {
      await Promise.all(segments.map((s) => s.close()));
      throw e;
    }
    return new ChunkReader(segments, segments.map((s) => new WindowedReader(s, windowSize)));
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  get totalBytes(): number {
    return this.segments.reduce((a, s) => a + s.size, 0);
  }

  async chunk(ref: number): Promise<RawChunk> {
    const seg = Math.floor(ref / 0x100000000);
    const off = ref % 0x100000000;
    const file = this.segments[seg];
    if (!file) throw new CorruptBlockError(this.segments[0]?.path ?? "chunks", off, `chunk reference ${ref} points to segment ${seg + 1}, but the block has ${this.segments.length}`);
    if (off < SEGMENT_HEADER || off >= file.size) throw new CorruptBlockError(file.path, off, `chunk reference offset ${off} outside the segment (size ${file.size})`);
    const r = this.readers[seg]!;
    let { buf, start } = await r.get(off, 512);
    let d = new Decbuf(buf, file.path, off - start, start);
    const len = d.uvarint("chunk length");
    if (len > MAX_CHUNK_LEN) throw new CorruptBlockError(file.path, off, `chunk length ${len} is implausible`);
    const hdr = d.pos - start;
    const total = hdr + 1 + len + 4;
    if (off + total > file.size) throw new CorruptBlockError(file.path, off, `chunk of length ${len} runs past end of segment (size ${file.size})`);
    if (start + total > buf.length) {
      ({ buf, start } = await r.get(off, total));
      d = new Decbuf(buf, file.path, off - start, start + hdr);
    }
    const encPos = d.pos;
    const want = crc32c(buf, encPos, encPos + 1 + len);
    d.pos = encPos + 1 + len;
    const got = d.be32("chunk checksum");
    if (want !== got) throw new CorruptBlockError(file.path, off, `chunk checksum mismatch: stored 0x${hex(got)}, computed 0x${hex(want)}`);
    return { encoding: buf[encPos]!, data: buf.subarray(encPos + 1, encPos + 1 + len) };
  }

  async close(): Promise<void> {
    await Promise.all(this.segments.map((s) => s.close()));
  }
}
