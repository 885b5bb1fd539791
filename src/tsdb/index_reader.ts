// Reader for the TSDB index file (formats v1, v2, and v3 which reads as v2).
// It uses the symbol table, series, postings and the postings offset table,
// and never the label indices, which Prometheus 3.7+ no longer writes.
// Every section's CRC32C is verified before its bytes are trusted.

import { crc32c } from "../util/crc32c.js";
import { compareStrings as cmp, type Labels } from "../model/labels.js";
import { Decbuf, utf8 } from "./decbuf.js";
import { CorruptBlockError } from "./errors.js";
import { WindowedReader, type RangeFile } from "./source.js";

const INDEX_MAGIC = 0xbaaad700;
const TOC_LEN = 52;

export interface ChunkMeta {
  /** First sample timestamp, inclusive. */
  minTime: number;
  /** Last sample timestamp, inclusive. */
  maxTime: number;
  /** segmentIndex * 2^32 + offset. */
  ref: number;
}

export interface SeriesEntry {
  ref: number;
  labels: Labels;
  chunks: ChunkMeta[];
}

interface Toc {
  symbols: number;
  series: number;
  labelIndices: number;
  labelIndicesTable: number;
  postings: number;
  postingsTable: number;
}

/** Postings offsets for one label name: values sorted byte-wise, parallel offsets. */
interface NamePostings {
  values: string[];
  offsets: number[];
}

export class IndexReader {
  readonly version: number;
  private readonly symbols: string[];
  /** v1 only: symbol file offset -> string. */
  private readonly symbolsByOffset: Map<number, string> | undefined;
  private readonly postingsTable: Map<string, NamePostings>;
  private readonly names: string[];
  private readonly seriesReader: WindowedReader;
  private readonly postingsReader: WindowedReader;
  private readonly seriesEnd: number;

  private constructor(
    private readonly file: RangeFile,
    version: number,
    private readonly toc: Toc,
    symbols: string[],
    symbolsByOffset: Map<number, string> | undefined,
    postingsTable: Map<string, NamePostings>,
  ) {
    this.version = version;
    this.symbols = symbols;
    this.symbolsByOffset = symbolsByOffset;
    this.postingsTable = postingsTable;
    this.names = [...postingsTable.keys()].filter((n) => n !== "");
    this.seriesReader = new WindowedReader(file, 1 << 20);
    this.postingsReader = new WindowedReader(file, 256 << 10);
    this.seriesEnd = firstNonZero([toc.labelIndices, toc.postings, toc.labelIndicesTable, toc.postingsTable], file.size - TOC_LEN);
  }

  static async open(file: RangeFile): Promise<IndexReader> {
    const path = file.path;
    if (file.size < 5 + TOC_LEN) throw new CorruptBlockError(path, 0, `index file too small (${file.size} bytes)`);
    const head = new Decbuf(await file.read(0, 5), path);
    const magic = head.be32("index magic");
    if (magic !== INDEX_MAGIC) throw new CorruptBlockError(path, 0, `invalid index magic 0x${magic.toString(16)}, want 0x${INDEX_MAGIC.toString(16)}`);
    const version = head.byte("index version");
    if (version < 1 || version > 3) throw new CorruptBlockError(path, 4, `unsupported index version ${version}`);

    const tocOff = file.size - TOC_LEN;
    const tocBuf = await file.read(tocOff, TOC_LEN);
    const td = new Decbuf(tocBuf, path, tocOff);
    const want = crc32c(tocBuf, 0, 48);
    td.pos = 48;
    const got = td.be32("TOC checksum");
    if (want !== got) throw new CorruptBlockError(path, tocOff, `TOC checksum mismatch: stored 0x${hex(got)}, computed 0x${hex(want)}`);
    td.pos = 0;
    const toc: Toc = {
      symbols: td.be64("TOC symbols ref"),
      series: td.be64("TOC series ref"),
      labelIndices: td.be64("TOC label indices ref"),
      labelIndicesTable: td.be64("TOC label offset table ref"),
      postings: td.be64("TOC postings ref"),
      postingsTable: td.be64("TOC postings offset table ref"),
    };
    for (const [k, v] of Object.entries(toc)) {
      if (v > tocOff) throw new CorruptBlockError(path, tocOff, `TOC ${k} reference ${v} beyond the TOC at ${tocOff}`);
    }
    if (toc.symbols === 0) throw new CorruptBlockError(path, tocOff, "TOC has no symbol table");
    if (toc.postingsTable === 0) throw new CorruptBlockError(path, tocOff, "TOC has no postings offset table");

    const symSec = await readSection(file, toc.symbols, "symbol table");
    const { symbols, byOffset } = parseSymbols(symSec, path, toc.symbols + 4, version);
    const ptSec = await readSection(file, toc.postingsTable, "postings offset table");
    const postingsTable = parsePostingsTable(ptSec, path, toc.postingsTable + 4, toc.postings, tocOff);
    return new IndexReader(file, version, toc, symbols, byOffset, postingsTable);
  }

  get path(): string {
    return this.file.path;
  }

  get symbolCount(): number {
    return this.symbols.length;
  }

  /** Label names present in the block, sorted. */
  labelNames(): string[] {
    return this.names.slice();
  }

  /** Values of a label name, sorted byte-wise. */
  labelValues(name: string): string[] {
    return this.postingsTable.get(name)?.values.slice() ?? [];
  }

  /** Number of distinct values of a label name, without copying. */
  labelValueCount(name: string): number {
    return this.postingsTable.get(name)?.values.length ?? 0;
  }

  /** Series refs carrying name=value, ascending. Empty when the pair does not exist. */
  async postings(name: string, value: string): Promise<Uint32Array> {
    const np = this.postingsTable.get(name);
    if (!np) return new Uint32Array(0);
    const i = binarySearch(np.values, value);
    if (i < 0) return new Uint32Array(0);
    return this.readPostings(np.offsets[i]!, `${name}=${JSON.stringify(value)}`);
  }

  /** Series refs for each value of `name` accepted by `accept`. */
  async postingsForValues(name: string, accept: (v: string) => boolean): Promise<Uint32Array[]> {
    const np = this.postingsTable.get(name);
    if (!np) return [];
    const out: Uint32Array[] = [];
    for (let i = 0; i < np.values.length; i++) {
      if (accept(np.values[i]!)) out.push(await this.readPostings(np.offsets[i]!, `${name}=${JSON.stringify(np.values[i])}`));
    }
    return out;
  }

  /** Every series ref (the all-postings key "" = ""). */
  allPostings(): Promise<Uint32Array> {
    const np = this.postingsTable.get("");
    if (!np || np.values[0] !== "") throw new CorruptBlockError(this.path, this.toc.postingsTable, "postings offset table lacks the all-postings entry");
    return this.readPostings(np.offsets[0]!, "all postings");
  }

  private async readPostings(offset: number, what: string): Promise<Uint32Array> {
    const path = this.path;
    const { buf: hb, start: hs } = await this.postingsReader.get(offset, 8);
    const h = new Decbuf(hb, path, offset - hs, hs, Math.min(hb.length, hs + 8));
    const len = h.be32(`postings length (${what})`);
    if (offset + 4 + len + 4 > this.file.size) throw new CorruptBlockError(path, offset, `postings list ${what} length ${len} runs past end of file`);
    const { buf, start } = await this.postingsReader.get(offset, 4 + len + 4);
    const d = new Decbuf(buf, path, offset - start, start, start + 4 + len + 4);
    d.pos += 4;
    const crcWant = crc32c(buf, start + 4, start + 4 + len);
    d.pos = start + 4 + len;
    const crcGot = d.be32("postings checksum");
    if (crcWant !== crcGot) throw new CorruptBlockError(path, offset, `postings list ${what} checksum mismatch: stored 0x${hex(crcGot)}, computed 0x${hex(crcWant)}`);
    d.pos = start + 4;
    const n = d.be32("postings count");
    if (n * 4 + 4 !== len) throw new CorruptBlockError(path, offset, `postings list ${what} count ${n} does not match length ${len}`);
    const out = new Uint32Array(n);
    let prev = -1;
    for (let i = 0; i < n; i++) {
      const r = d.be32("postings entry");
      if (r <= prev) throw new CorruptBlockError(path, offset + 8 + i * 4, `postings list ${what} not strictly ascending`);
      out[i] = r;
      prev = r;
    }
    return out;
  }

  /** Reads the series entry at `ref` (v2: offset/16; v1: byte offset). */
  async series(ref: number): Promise<SeriesEntry> {
    const path = this.path;
    const off = this.version === 1 ? ref : ref * 16;
    if (off < this.toc.series || off >= this.seriesEnd) {
      throw new CorruptBlockError(path, off, `series reference ${ref} outside the series section [${this.toc.series}, ${this.seriesEnd})`);
    }
    let { buf, start } = await this.seriesReader.get(off, 4096);
    let d = new Decbuf(buf, path, off - start, start);
    const len = d.uvarint("series length");
    const hdr = d.pos - start;
    if (off + hdr + len + 4 > this.seriesEnd) throw new CorruptBlockError(path, off, `series entry length ${len} runs past the series section`);
    if (d.pos + len + 4 > buf.length) {
      ({ buf, start } = await this.seriesReader.get(off, hdr + len + 4));
      d = new Decbuf(buf, path, off - start, start + hdr);
    }
    const bodyStart = d.pos;
    const crcWant = crc32c(buf, bodyStart, bodyStart + len);
    d.pos = bodyStart + len;
    const crcGot = d.be32("series checksum");
    if (crcWant !== crcGot) throw new CorruptBlockError(path, off, `series ${ref} checksum mismatch: stored 0x${hex(crcGot)}, computed 0x${hex(crcWant)}`);
    const b = new Decbuf(buf, path, off - start, bodyStart, bodyStart + len);
    const nl = b.uvarint("label count");
    const labels: Labels = [];
    for (let i = 0; i < nl; i++) {
      const name = this.symbol(b.uvarint("label name ref"), b);
      const value = this.symbol(b.uvarint("label value ref"), b);
      labels.push({ name, value });
    }
    const nc = b.uvarint("chunk count");
    const chunks: ChunkMeta[] = [];
    if (nc > 0) {
      let mint = b.varint("chunk mint");
      let maxt = mint + b.uvarint("chunk maxt delta");
      let cref = b.uvarint("chunk ref");
      chunks.push({ minTime: mint, maxTime: maxt, ref: cref });
      for (let i = 1; i < nc; i++) {
        mint = maxt + b.uvarint("chunk mint delta");
        maxt = mint + b.uvarint("chunk maxt delta");
        cref += b.varint("chunk ref delta");
        chunks.push({ minTime: mint, maxTime: maxt, ref: cref });
      }
    }
    if (b.pos !== b.end) b.fail(`series ${ref} has ${b.end - b.pos} trailing bytes`);
    return { ref, labels, chunks };
  }

  private symbol(ref: number, d: Decbuf): string {
    if (this.symbolsByOffset) {
      const s = this.symbolsByOffset.get(ref);
      if (s === undefined) d.fail(`unknown symbol offset ${ref}`);
      return s;
    }
    const s = this.symbols[ref];
    if (s === undefined) d.fail(`symbol reference ${ref} out of range (${this.symbols.length} symbols)`);
    return s;
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** Reads a `len <4b> | body | CRC32 <4b>` section and returns the verified body. */
async function readSection(file: RangeFile, off: number, what: string): Promise<Uint8Array> {
  const path = file.path;
  if (off + 8 > file.size) throw new CorruptBlockError(path, off, `${what} starts past end of file`);
  const lenBuf = await file.read(off, 4);
  const len = new Decbuf(lenBuf, path, off).be32(`${what} length`);
  if (off + 4 + len + 4 > file.size) throw new CorruptBlockError(path, off, `${what} length ${len} runs past end of file (size ${file.size})`);
  const buf = await file.read(off + 4, len + 4);
  const want = crc32c(buf, 0, len);
  const got = new Decbuf(buf, path, off + 4, len).be32(`${what} checksum`);
  if (want !== got) throw new CorruptBlockError(path, off, `${what} checksum mismatch: stored 0x${hex(got)}, computed 0x${hex(want)}`);
  return buf.subarray(0, len);
}

function parseSymbols(body: Uint8Array, path: string, base: number, version: number): { symbols: string[]; byOffset: Map<number, string> | undefined } {
  const d = new Decbuf(body, path, base);
  const n = d.be32("symbol count");
  if (n > body.length) d.fail(`symbol count ${n} exceeds section size`, 0);
  const symbols = new Array<string>(n);
  const byOffset = version === 1 ? new Map<number, string>() : undefined;
  let prev: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    const at = d.pos;
    const l = d.uvarint("symbol length");
    d.need(l, "symbol");
    const bytes = body.subarray(d.pos, d.pos + l);
    if (prev && Buffer.compare(prev, bytes) >= 0) d.fail(`symbols not sorted at symbol ${i}`, at);
    prev = bytes;
    const s = utf8.decode(bytes);
    d.pos += l;
    symbols[i] = s;
    byOffset?.set(base + at - 4, s);
  }
  if (d.pos !== d.end) d.fail(`${d.end - d.pos} trailing bytes after ${n} symbols`);
  return { symbols, byOffset };
}

function parsePostingsTable(body: Uint8Array, path: string, base: number, postingsStart: number, limit: number): Map<string, NamePostings> {
  const d = new Decbuf(body, path, base);
  const n = d.be32("postings offset table entry count");
  const out = new Map<string, NamePostings>();
  let cur: NamePostings | undefined;
  let curName: string | undefined;
  for (let i = 0; i < n; i++) {
    const at = d.pos;
    const k = d.uvarint("postings offset key count");
    if (k !== 2) d.fail(`postings offset table entry ${i} has ${k} keys, want 2`, at);
    const name = d.uvarintStr("label name");
    const value = d.uvarintStr("label value");
    const off = d.uvarint("postings offset");
    if (off < postingsStart || off >= limit) d.fail(`postings offset ${off} for ${name}=${JSON.stringify(value)} outside the postings section`, at);
    if (name !== curName) {
      if (out.has(name)) d.fail(`label name ${JSON.stringify(name)} appears twice in the postings offset table`, at);
      cur = { values: [], offsets: [] };
      out.set(name, cur);
      curName = name;
    }
    cur!.values.push(value);
    cur!.offsets.push(off);
  }
  if (d.pos !== d.end) d.fail(`${d.end - d.pos} trailing bytes in postings offset table`);
  return out;
}

function binarySearch(values: string[], v: string): number {
  // Values are sorted byte-wise (UTF-8), which compareStrings reproduces.
  let lo = 0;
  let hi = values.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = cmp(values[mid]!, v);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function firstNonZero(xs: number[], dflt: number): number {
  const nz = xs.filter((x) => x > 0);
  return nz.length ? Math.min(...nz) : dflt;
}

export function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}
