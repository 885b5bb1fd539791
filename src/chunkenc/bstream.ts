// MSB-first bit streams as used by Prometheus chunks (bstream.go).
//
// The reader works on a zero-padded copy of the chunk so that a 32-bit window
// can be peeked at any bit offset without per-byte bounds checks; reads are
// then validated against the real end, so padding bits never leak out.
// 64-bit quantities travel as (hi, lo) uint32 pairs: no BigInt anywhere.

import { endOfData } from "./errors.js";

/** Zero bytes after the data; covers the widest read a caller makes past one check. */
export const PAD_BYTES = 32;

/** The 32 bits starting at bit offset pos of b (MSB first), as an unsigned number. b must be padded. */
export function peek32(b: Uint8Array, pos: number): number {
  const i = pos >>> 3;
  const s = pos & 7;
  const w = (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
  // For s = 0 the fifth byte shifts out entirely (>>> 8 of a byte is 0).
  return ((w << s) | (b[i + 4] >>> (8 - s))) >>> 0;
}

/** Copies data into target (growing it if needed) followed by PAD_BYTES zeros. */
export function padInto(data: Uint8Array, target: Uint8Array): Uint8Array {
  const need = data.length + PAD_BYTES;
  const buf = target.length >= need ? target : new Uint8Array(Math.max(need, target.length * 2));
  buf.set(data);
  buf.fill(0, data.length, need);
  return buf;
}

export class BitReader {
  private readonly buf: Uint8Array;
  /** Number of valid bits in the data. */
  readonly end: number;
  /** Current bit offset from the start of the data. */
  pos: number;
  /** Result words of the last read64 call. */
  hi = 0;
  lo = 0;

  /** Reads data starting at byte startByte. */
  constructor(data: Uint8Array, startByte = 0) {
    this.buf = padInto(data, new Uint8Array(0));
    this.end = data.length * 8;
    this.pos = startByte * 8;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Next 32 bits without consuming them; bits past the end read as 0. */
  peek32(): number {
    return peek32(this.buf, this.pos);
  }

  /** Throws unless n more bits are available. */
  need(n: number, what: string): void {
    if (this.pos + n > this.end) throw endOfData(what, this.pos, n, this.end);
  }

  /** Consumes n bits already inspected with peek32. */
  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }

  readBit(what: string): number {
    this.need(1, what);
    const b = this.buf[this.pos >>> 3];
    const bit = (b >>> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return bit;
  }

  /** Reads 1..32 bits as an unsigned number. */
  readBits(n: number, what: string): number {
    this.need(n, what);
    const v = peek32(this.buf, this.pos) >>> (32 - n);
    this.pos += n;
    return v;
  }

  readByte(what: string): number {
    return this.readBits(8, what);
  }

  /** Reads 1..64 bits into this.hi / this.lo (unsigned words, right-aligned). */
  read64(n: number, what: string): void {
    this.need(n, what);
    if (n <= 32) {
      this.hi = 0;
      this.lo = peek32(this.buf, this.pos) >>> (32 - n);
    } else {
      const h = n - 32;
      this.hi = peek32(this.buf, this.pos) >>> (32 - h);
      this.lo = peek32(this.buf, this.pos + h);
    }
    this.pos += n;
  }
}

/**
 * Bit writer that reproduces Prometheus' bstream byte allocation exactly.
 * Prometheus' writeByte always appends a fresh byte after the one it fills,
 * so a stream whose last operation was a whole-byte write ending on a byte
 * boundary carries one extra zero byte. We track that with lastWasByte.
 */
export class BitWriter {
  private buf: Uint8Array;
  /** Bytes before the bit stream (chunk header), reserved at the front. */
  private readonly headerBytes: number;
  /** Bits written after the header. */
  private bits = 0;
  private lastWasByte = false;

  constructor(headerBytes: number, initialCapacity = 128) {
    this.headerBytes = headerBytes;
    this.buf = new Uint8Array(Math.max(initialCapacity, headerBytes + 16));
  }

  /** Header bytes, writable by the codec (e.g. sample count, flags). */
  get header(): Uint8Array {
    return this.buf.subarray(0, this.headerBytes);
  }

  get bitLength(): number {
    return this.bits;
  }

  /** Chunk length in bytes as Prometheus would have it. */
  get byteLength(): number {
    const extra = this.lastWasByte && (this.bits & 7) === 0 ? 1 : 0;
    return this.headerBytes + Math.ceil(this.bits / 8) + extra;
  }

  /** A copy of the chunk bytes. */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.byteLength);
  }

  private ensure(nbits: number): void {
    const need = this.headerBytes + ((this.bits + nbits + 7) >>> 3) + 1;
    if (need <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(need, this.buf.length * 2));
    grown.set(this.buf);
    this.buf = grown;
  }

  /** Appends the n (0..32) low bits of v without touching the allocation flag. */
  private put(v: number, n: number): void {
    this.ensure(n);
    const buf = this.buf;
    let pos = this.bits;
    let left = n;
    while (left > 0) {
      const free = 8 - (pos & 7);
      const take = free < left ? free : left;
      const chunk = (v >>> (left - take)) & ((1 << take) - 1);
      buf[this.headerBytes + (pos >>> 3)] |= chunk << (free - take);
      pos += take;
      left -= take;
    }
    this.bits = pos;
  }

  writeBit(bit: number): void {
    this.put(bit & 1, 1);
    this.lastWasByte = false;
  }

  writeByte(byte: number): void {
    this.put(byte & 0xff, 8);
    this.lastWasByte = true;
  }

  /** Writes the n (0..32) low bits of v, like Prometheus writeBits(u, n). */
  writeBits(v: number, n: number): void {
    if (n === 0) return;
    this.put(n === 32 ? v >>> 0 : v & ((1 << n) - 1), n);
    // Prometheus writes whole bytes first, then single bits.
    this.lastWasByte = (n & 7) === 0;
  }

  /** Writes the n (0..64) low bits of the 64-bit value (hi, lo). */
  writeBits64(hi: number, lo: number, n: number): void {
    if (n === 0) return;
    if (n > 32) {
      this.put(n === 64 ? hi >>> 0 : hi & ((1 << (n - 32)) - 1), n - 32);
      this.put(lo >>> 0, 32);
    } else {
      this.put(n === 32 ? lo >>> 0 : lo & ((1 << n) - 1), n);
    }
    this.lastWasByte = (n & 7) === 0;
  }
}
