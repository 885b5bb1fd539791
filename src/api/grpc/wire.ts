// Protocol-buffers wire runtime for the generated code in ./gen. Small and
// typed: the generated codecs (and the hand-written Series encoder) write
// through Writer and read through Reader.
//
// 64-bit integers: signed types (int64, sint64, sfixed64) are JS numbers.
// Decoding rounds values beyond 2^53 to the nearest double (exact for every
// millisecond timestamp in practice; MaxInt64 becomes 2^63). Encoding
// saturates: a number >= 2^63 is written as MaxInt64 and one <= -2^63 as
// MinInt64, so a JS `Number.MAX_VALUE`/`Infinity` bound still goes out as the
// Go `math.MaxInt64` Thanos uses. Unsigned types (uint64, fixed64) are bigint,
// exact, because they carry hashes.

const TWO32 = 4294967296;
const TWO63 = 9223372036854775808; // exactly 2^63 as a double

/** Deep-partial input form of a generated message type (what encoders accept). */
export type Init<T> = T extends Uint8Array | bigint | string | number | boolean
  ? T
  : T extends readonly (infer U)[]
    ? readonly Init<U>[]
    : T extends { $case: string }
      ? { [K in keyof T]: K extends "$case" ? T[K] : Init<T[K]> }
      : T extends object
        ? { [K in keyof T]?: Init<T[K]> }
        : T;

export interface MessageCodec<T> {
  /** Fully qualified protobuf name, e.g. "thanos.SeriesRequest". */
  readonly typeName: string;
  /** Appends the message's fields (without a length prefix). */
  encode(m: Init<T>, w: Writer): void;
  /** Reads fields up to `end` (an absolute offset in the reader). */
  decode(r: Reader, end: number): T;
}

export function toBinary<T>(codec: MessageCodec<T>, m: Init<T>): Buffer {
  const w = new Writer();
  codec.encode(m, w);
  return w.finish();
}

export function fromBinary<T>(codec: MessageCodec<T>, bytes: Uint8Array): T {
  const r = new Reader(bytes);
  return codec.decode(r, r.len);
}

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WireError";
  }
}

/** Splits a number into two's-complement 32-bit halves, saturating at the int64 range. */
function splitInt64(v: number, out: Uint32Array): void {
  if (v !== v) {
    out[0] = 0;
    out[1] = 0;
  } else if (v >= TWO63) {
    out[0] = 0xffffffff;
    out[1] = 0x7fffffff;
  } else if (v <= -TWO63) {
    out[0] = 0;
    out[1] = 0x80000000;
  } else {
    const t = Math.trunc(v);
    const hi = Math.floor(t / TWO32);
    out[0] = t - hi * TWO32;
    out[1] = hi >>> 0;
  }
}

const scratch = new Uint32Array(2);

export class Writer {
  buf: Buffer;
  pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = Buffer.allocUnsafe(initialCapacity);
  }

  /** Makes room for n more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  /** The encoded bytes (a view of the internal buffer; the writer must not be reused). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }

  uint32(v: number): void {
    this.ensure(5);
    const b = this.buf;
    let p = this.pos;
    v >>>= 0;
    while (v > 127) {
      b[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    b[p++] = v;
    this.pos = p;
  }

  /** int32 and enums: negative values take ten bytes (sign-extended to 64 bits). */
  int32(v: number): void {
    if (v >= 0) this.uint32(v);
    else this.varint64(v >>> 0, 0xffffffff);
  }

  sint32(v: number): void {
    this.uint32(((v << 1) ^ (v >> 31)) >>> 0);
  }

  /** A varint of the 64-bit value hi:lo (both unsigned 32-bit). */
  varint64(lo: number, hi: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    lo >>>= 0;
    hi >>>= 0;
    while (hi !== 0) {
      b[p++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 127) {
      b[p++] = (lo & 127) | 128;
      lo >>>= 7;
    }
    b[p++] = lo;
    this.pos = p;
  }

  int64(v: number): void {
    if (v >= 0 && v <= 0xffffffff && Number.isInteger(v)) {
      this.uint32(v);
      return;
    }
    splitInt64(v, scratch);
    this.varint64(scratch[0]!, scratch[1]!);
  }

  sint64(v: number): void {
    splitInt64(v, scratch);
    const lo = scratch[0]!;
    const hi = scratch[1]!;
    const sign = hi >> 31;
    this.varint64(((lo << 1) ^ sign) >>> 0, (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0);
  }

  uint64(v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.varint64(Number(u & 0xffffffffn), Number(u >> 32n));
  }

  fixed32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  sfixed32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v | 0, this.pos);
    this.pos += 4;
  }

  fixed64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
  }

  sfixed64(v: number): void {
    splitInt64(v, scratch);
    this.ensure(8);
    this.buf.writeUInt32LE(scratch[0]!, this.pos);
    this.buf.writeUInt32LE(scratch[1]!, this.pos + 4);
    this.pos += 8;
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  float(v: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.pos);
    this.pos += 4;
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  /** Length-prefixed UTF-8. */
  string(s: string): void {
    const n = s.length;
    // ASCII fast path for short strings (label names and values).
    if (n < 128) {
      this.ensure(1 + n);
      const b = this.buf;
      const start = this.pos;
      let p = start + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 128) break;
        b[p++] = c;
      }
      if (i === n) {
        b[start] = n;
        this.pos = p;
        return;
      }
    }
    const len = Buffer.byteLength(s, "utf8");
    this.uint32(len);
    this.ensure(len);
    this.buf.write(s, this.pos, len, "utf8");
    this.pos += len;
  }

  /** Length-prefixed bytes. */
  bytes(v: Uint8Array): void {
    this.uint32(v.length);
    this.raw(v);
  }

  /** Bytes without a length prefix. */
  raw(v: Uint8Array): void {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  /** Starts a length-delimited section; returns the handle for ldelim. One byte is reserved for the length. */
  fork(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Ends a section started by fork, writing its length (moving the content when the length needs more than one byte). */
  ldelim(start: number): void {
    const len = this.pos - start - 1;
    if (len < 128) {
      this.buf[start] = len;
      return;
    }
    let extra = 0;
    for (let v = len >>> 7; v > 0; v >>>= 7) extra++;
    this.ensure(extra);
    const b = this.buf;
    b.copyWithin(start + 1 + extra, start + 1, this.pos);
    let v = len;
    let p = start;
    while (v > 127) {
      b[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    b[p] = v;
    this.pos += extra;
  }
}

export class Reader {
  readonly buf: Buffer;
  pos: number;
  readonly len: number;

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
    this.len = this.buf.length;
  }

  private eof(): never {
    throw new WireError("unexpected end of protobuf message");
  }

  uint32(): number {
    const b = this.buf;
    let p = this.pos;
    let v = 0;
    let shift = 0;
    for (;;) {
      if (p >= this.len) this.eof();
      const c = b[p++]!;
      if (shift < 28) v |= (c & 127) << shift;
      else if (shift === 28) v |= (c & 15) << 28;
      if (c < 128) break;
      shift += 7;
      if (shift >= 70) throw new WireError("varint too long");
    }
    this.pos = p;
    return v >>> 0;
  }

  int32(): number {
    return this.uint32() | 0;
  }

  sint32(): number {
    const v = this.uint32();
    return (v >>> 1) ^ -(v & 1);
  }

  /** Reads a varint into scratch[0] (low) and scratch[1] (high). */
  private varint64(): void {
    const b = this.buf;
    let p = this.pos;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (p >= this.len) this.eof();
      const c = b[p++]!;
      const bits = c & 127;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= bits << 28;
        hi |= bits >>> 4;
      } else if (shift < 64) hi |= bits << (shift - 32);
      if (c < 128) break;
      shift += 7;
      if (shift >= 70) throw new WireError("varint too long");
    }
    this.pos = p;
    scratch[0] = lo >>> 0;
    scratch[1] = hi >>> 0;
  }

  int64(): number {
    this.varint64();
    return (scratch[1]! | 0) * TWO32 + scratch[0]!;
  }

  sint64(): number {
    this.varint64();
    const lo = scratch[0]!;
    const hi = scratch[1]!;
    const sign = -(lo & 1);
    const l = (((lo >>> 1) | (hi << 31)) ^ sign) >>> 0;
    const h = ((hi >>> 1) ^ sign) | 0;
    return h * TWO32 + l;
  }

  uint64(): bigint {
    this.varint64();
    return (BigInt(scratch[1]!) << 32n) | BigInt(scratch[0]!);
  }

  private need(n: number): number {
    const p = this.pos;
    if (p + n > this.len) this.eof();
    this.pos = p + n;
    return p;
  }

  fixed32(): number {
    return this.buf.readUInt32LE(this.need(4));
  }

  sfixed32(): number {
    return this.buf.readInt32LE(this.need(4));
  }

  fixed64(): bigint {
    return this.buf.readBigUInt64LE(this.need(8));
  }

  sfixed64(): number {
    const p = this.need(8);
    return this.buf.readInt32LE(p + 4) * TWO32 + this.buf.readUInt32LE(p);
  }

  double(): number {
    return this.buf.readDoubleLE(this.need(8));
  }

  float(): number {
    return this.buf.readFloatLE(this.need(4));
  }

  bool(): boolean {
    this.varint64();
    return scratch[0] !== 0 || scratch[1] !== 0;
  }

  /** Length-prefixed UTF-8 (invalid sequences become U+FFFD). */
  string(): string {
    const n = this.uint32();
    const p = this.need(n);
    return this.buf.toString("utf8", p, p + n);
  }

  /** Length-prefixed bytes: a view into the input, not a copy. */
  bytes(): Uint8Array {
    const n = this.uint32();
    const p = this.need(n);
    return this.buf.subarray(p, p + n);
  }

  /** Reads a length prefix and returns the absolute end offset of the section. */
  delimitedEnd(): number {
    const n = this.uint32();
    const end = this.pos + n;
    if (end > this.len) this.eof();
    return end;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint64();
        return;
      case 1:
        this.need(8);
        return;
      case 2:
        this.need(this.uint32());
        return;
      case 3:
        for (;;) {
          const tag = this.uint32();
          if ((tag & 7) === 4) return;
          this.skip(tag & 7);
        }
      case 5:
        this.need(4);
        return;
      default:
        throw new WireError(`invalid wire type ${wireType} at offset ${this.pos}`);
    }
  }
}

/** Shared empty default for bytes fields (length 0, so it cannot be mutated). */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** Skips an unknown field; field number 0 is malformed. */
export function skipField(r: Reader, tag: number): void {
  if (tag >>> 3 === 0) throw new WireError(`invalid field number 0 at offset ${r.pos}`);
  r.skip(tag & 7);
}

/** After decoding a section: its last field must end exactly at the section end. */
export function checkEnd(r: Reader, end: number): void {
  if (r.pos !== end) throw new WireError(`protobuf field overruns its enclosing message (at ${r.pos}, end ${end})`);
}

/** Encoded size of a uint32 varint. */
export function varintSize(v: number): number {
  v >>>= 0;
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Encoded size of the varint of the 64-bit value hi:lo. */
export function varint64Size(lo: number, hi: number): number {
  hi >>>= 0;
  if (hi === 0) return varintSize(lo);
  const bits = 64 - Math.clz32(hi);
  return Math.ceil(bits / 7);
}

/** Encoded size of an int64 varint (the same saturation as Writer.int64). */
export function int64Size(v: number): number {
  if (v >= 0 && v <= 0xffffffff && Number.isInteger(v)) return varintSize(v);
  splitInt64(v, scratch);
  return varint64Size(scratch[0]!, scratch[1]!);
}
