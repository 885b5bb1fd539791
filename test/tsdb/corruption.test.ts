// Corruption suite: damaged blocks give a CorruptBlockError naming the file
// and offset — through the CLI with exit status 1 — never a crash or a hang.
import { describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { crc32c } from "../../src/util/crc32c.js";
import { Block } from "../../src/tsdb/block.js";
import { CorruptBlockError } from "../../src/tsdb/errors.js";
import { readSeriesData, selectSeries } from "../../src/tsdb/querier.js";
import { runCli } from "../helpers/cli.js";
import { loadBlockFiles, MemoryBlockSource } from "../helpers/memsource.js";

const ULID = "01M81C8ZSCQXTCPJQRKEHEEMV8";
const SRC = fileURLToPath(new URL(`../fixtures/block-1k-2h/${ULID}`, import.meta.url));
const ALL = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] as const;

interface Toc {
  symbols: number;
  series: number;
  postings: number;
  postingsTable: number;
}

function readToc(index: Buffer): Toc {
  const o = index.length - 52;
  const n = (i: number): number => Number(index.readBigUInt64BE(o + i * 8));
  return { symbols: n(0), series: n(1), postings: n(4), postingsTable: n(5) };
}

function uvarint(b: Buffer, pos: number): [number, number] {
  let x = 0;
  let mul = 1;
  for (;;) {
    const c = b[pos++]!;
    x += (c & 0x7f) * mul;
    if (c < 0x80) return [x, pos];
    mul *= 128;
  }
}

/** Calls fn on each series entry: (entry start, body start, body length). */
function eachSeries(index: Buffer, fn: (start: number, body: number, len: number) => boolean | void): void {
  const toc = readToc(index);
  let off = toc.series;
  for (;;) {
    while (off < index.length && index[off] === 0) off++;
    const [len, body] = uvarint(index, off);
    if (fn(off, body, len)) return;
    off = body + len + 4;
    off = Math.ceil(off / 16) * 16;
    if (off >= toc.postings - 64) return;
  }
}

function fixCrc(buf: Buffer, body: number, len: number): void {
  buf.writeUInt32BE(crc32c(buf, body, body + len), body + len);
}

async function expectCorrupt(mutate: (dir: string) => void, file: RegExp, what: RegExp): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "pg-corrupt-"));
  const dir = join(root, ULID);
  cpSync(SRC, dir, { recursive: true });
  try {
    mutate(dir);
    // In process: a typed error naming the file and offset.
    let err: unknown;
    try {
      const b = await Block.open(new (await import("../../src/tsdb/source.js")).LocalBlockSource(dir));
      try {
        for await (const s of selectSeries([b], [], ...ALL)) await readSeriesData(s, ...ALL);
      } finally {
        await b.close();
      }
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CorruptBlockError);
    const ce = err as CorruptBlockError;
    expect(ce.file).toMatch(file);
    expect(ce.message).toMatch(what);
    expect(ce.message).toMatch(/at offset \d+/);
    // Through the CLI: exit 1 and the same message, never a stack trace.
    const r = await runCli(["tsdb", "dump", dir], { timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(ce.message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const flip = (path: string, at: (b: Buffer) => number): void => {
  const b = readFileSync(path);
  const i = at(b);
  b[i] = b[i]! ^ 0x55;
  writeFileSync(path, b);
};

describe("corrupt blocks", () => {
  const idx = (d: string): string => join(d, "index");
  const seg = (d: string): string => join(d, "chunks", "000001");

  it("wrong index magic", () => expectCorrupt((d) => flip(idx(d), () => 0), /index$/, /invalid index magic/));
  it("unsupported index version", () =>
    expectCorrupt((d) => { const b = readFileSync(idx(d)); b[4] = 9; writeFileSync(idx(d), b); }, /index$/, /unsupported index version 9/));
  it("bad TOC checksum", () => expectCorrupt((d) => flip(idx(d), (b) => b.length - 20), /index$/, /TOC checksum mismatch/));
  it("bad symbol table checksum", () => expectCorrupt((d) => flip(idx(d), (b) => readToc(b).symbols + 20), /index$/, /symbol table checksum mismatch/));
  it("bad series checksum", () => expectCorrupt((d) => flip(idx(d), (b) => readToc(b).series + 9), /index$/, /series \d+ checksum mismatch/));
  it("bad postings checksum", () => expectCorrupt((d) => flip(idx(d), (b) => readToc(b).postings + 14), /index$/, /postings list all postings checksum mismatch/));
  it("bad postings offset table checksum", () => expectCorrupt((d) => flip(idx(d), (b) => readToc(b).postingsTable + 30), /index$/, /postings offset table checksum mismatch/));
  it("bad chunk checksum", () => expectCorrupt((d) => flip(seg(d), () => 40), /chunks\/000001$/, /chunk checksum mismatch/));
  it("wrong chunk segment magic", () => expectCorrupt((d) => flip(seg(d), () => 1), /chunks\/000001$/, /invalid chunk segment magic/));
  it("bad tombstones checksum", () =>
    expectCorrupt((d) => { const p = join(d, "tombstones"); const b = readFileSync(p); b[b.length - 1] ^= 1; writeFileSync(p, b); }, /tombstones$/, /tombstones checksum mismatch/));
  it("invalid meta.json", () => expectCorrupt((d) => writeFileSync(join(d, "meta.json"), "{not json"), /meta\.json$/, /invalid JSON/));
  it("truncated index", () => expectCorrupt((d) => truncateSync(idx(d), 60_000), /index$/, /checksum mismatch|past end|beyond/));
  it("truncated chunk segment", () => expectCorrupt((d) => truncateSync(seg(d), 900_000), /chunks\/000001$/, /outside the segment|past end of segment/));
  it("out-of-range series reference in a postings list", () =>
    expectCorrupt((d) => {
      const b = readFileSync(idx(d));
      const p = readToc(b).postings; // all-postings list: len | n | refs... | crc
      const len = b.readUInt32BE(p);
      b.writeUInt32BE(0x0fffffff, p + 4 + len - 4); // last entry → far beyond the series section
      fixCrc(b, p + 4, len);
      writeFileSync(idx(d), b);
    }, /index$/, /series reference 268435455 outside the series section/));
  it("out-of-range chunk reference in a series entry", () =>
    expectCorrupt((d) => {
      const b = readFileSync(idx(d));
      // Find a series whose first chunk ref is a 3-byte uvarint and make it 2^21-1, past the segment end.
      eachSeries(b, (_start, body, len) => {
        let p = body;
        let nl: number;
        [nl, p] = uvarint(b, p);
        for (let i = 0; i < 2 * nl; i++) p = uvarint(b, p)[1];
        p = uvarint(b, p)[1]; // chunk count
        p = uvarint(b, p)[1]; // mint (varint bytes)
        p = uvarint(b, p)[1]; // maxt delta
        const [, end] = uvarint(b, p);
        if (end - p !== 3) return false;
        b[p] = 0xff;
        b[p + 1] = 0xff;
        b[p + 2] = 0x7f;
        fixCrc(b, body, len);
        return true;
      });
      writeFileSync(idx(d), b);
    }, /chunks\/000001$/, /chunk reference offset 2097151 outside the segment/));
  it("out-of-range symbol reference in a series entry", () =>
    expectCorrupt((d) => {
      const b = readFileSync(idx(d));
      eachSeries(b, (_start, body, len) => {
        const afterCount = uvarint(b, body)[1]; // label count
        const e = uvarint(b, afterCount)[1]; // first label's name ref
        const [, e2] = uvarint(b, e); // its value ref
        if (e2 - e !== 2) return false;
        b[e] = 0xff;
        b[e + 1] = 0x7f;
        fixCrc(b, body, len);
        return true;
      });
      writeFileSync(idx(d), b);
    }, /index$/, /symbol reference 16383 out of range/));
});

describe("random mutations of a real block", () => {
  const base = loadBlockFiles(fileURLToPath(new URL("../fixtures/block-native-histograms/01M81CWEPA25MZFVKMXDCBPCZY", import.meta.url)));
  const names = [...base.keys()].sort();

  it("1,000 mutations: every outcome is a clean read or a CorruptBlockError", async () => {
    const outcomes = { ok: 0, corrupt: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.oneof(
          fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
          fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
          fc.record({ kind: fc.constant("splat" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
        ),
        async (name, m) => {
          const files = new Map(base);
          const orig = base.get(name)!;
          const f = orig.slice();
          const at = orig.length ? m.at % orig.length : 0;
          let mutated: Uint8Array = f;
          if (m.kind === "flip") f[at] = f[at]! ^ m.mask;
          else if (m.kind === "truncate") mutated = f.subarray(0, at);
          else f.set(m.bytes.subarray(0, f.length - at), at);
          files.set(name, mutated);
          try {
            const b = await Block.open(new MemoryBlockSource(files));
            try {
              for await (const s of selectSeries([b], [], ...ALL)) await readSeriesData(s, ...ALL);
            } finally {
              await b.close();
            }
            outcomes.ok++;
          } catch (e) {
            if (!(e instanceof CorruptBlockError)) throw e;
            expect(e.message).toMatch(/at offset \d+/);
            outcomes.corrupt++;
          }
        },
      ),
      { numRuns: 1000, seed: 42 },
    );
    expect(outcomes.ok + outcomes.corrupt).toBe(1000);
    expect(outcomes.corrupt).toBeGreaterThan(500);
  });
});
