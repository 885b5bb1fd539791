// Bounds-checked decoding of the integer encodings TSDB uses (big-endian
// fixed width, Go uvarint/varint). Every read past the end raises a
// CorruptBlockError naming the file and absolute offset instead of yielding
// undefined/NaN that would silently propagate.

import { CorruptBlockError } from "./errors.js";

export class Decbuf {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;
  /** Absolute file offset of buf[0], for error messages. */
  readonly base: number;
  readonly file: string;

  constructor(buf: Uint8Array, file: string, base = 0, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.base = base;
    this.file = file;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(what: string, at = this.pos): never {
    throw new CorruptBlockError(this.file, this.base + at, what);
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.end) this.fail(`truncated ${what}: need ${n} bytes, have ${this.end - this.pos}`);
  }

  be32(what = "uint32"): number {
    this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  be64(what = "uint64"): number {
    const hi = this.be32(what);
    const lo = this.be32(what);
    if (hi >= 0x200000) this.fail(`${what} ${hi}:${lo} exceeds 2^53`, this.pos - 8);
    return hi * 0x100000000 + lo;
  }

  byte(what = "byte"): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  /** Go binary.Uvarint, exact up to 2^53. */
  uvarint(what = "uvarint"): number {
    const b = this.buf;
    let x = 0;
    let mul = 1;
    const start = this.pos;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail(`truncated ${what}`, start);
      const c = b[this.pos++]!;
      x += (c & 0x7f) * mul;
      if (c < 0x80) {
        if (x > Number.MAX_SAFE_INTEGER) this.fail(`${what} overflows 2^53`, start);
        return x;
      }
      mul *= 128;
    }
    return this.fail(`${what} longer than 10 bytes`, start);
  }

  /** Go binary.Varint (zigzag). */
  varint(what = "varint"): number {
    const u = this.uvarint(what);
    // zigzag without 32-bit ops: values exceed 2^32 (timestamps).
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** uvarint-length-prefixed UTF-8 string. */
  uvarintStr(what = "string"): string {
    const n = this.uvarint(what + " length");
    this.need(n, what);
    const s = utf8.decode(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }

  skip(n: number, what = "bytes"): void {
    this.need(n, what);
    this.pos += n;
  }
}

export const utf8 = new TextDecoder("utf-8");
