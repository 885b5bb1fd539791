// Go encoding/binary varints, as parquet-common writes them into cells:
// uvarint (7-bit groups, little-endian, at most 10 bytes) and the zigzag
// "varint" of binary.PutVarint. Timestamps travel as uint64(int64), so a
// negative time is a 10-byte uvarint; readers turn it back into an int64.

/** A cell or index list could not be decoded. */
export class VarintError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VarintError";
  }
}

const TWO_POW_63 = 2n ** 63n;
const TWO_POW_64 = 2n ** 64n;
const MAX_VARINT_BYTES = 10;

/** Bytes a uvarint of uint64(n) takes; n is an int64 given as a safe integer. */
export function uvarintSize(n: number): number {
  if (n < 0) return MAX_VARINT_BYTES; // two's complement sets bit 63
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Writes uint64(n) as a uvarint at pos and returns the next position. */
export function putUvarint(buf: Uint8Array, pos: number, n: number): number {
  if (n < 0) return putUvarintBig(buf, pos, BigInt.asUintN(64, BigInt(n)));
  while (n >= 0x80) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

function putUvarintBig(buf: Uint8Array, pos: number, v: bigint): number {
  while (v >= 0x80n) {
    buf[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[pos++] = Number(v);
  return pos;
}

/** Go's binary.PutVarint: zigzag, then uvarint. */
export function zigzagSize(n: number): number {
  return n >= 0 ? uvarintSize(n * 2) : uvarintSize(-n * 2 - 1);
}

export function putZigzag(buf: Uint8Array, pos: number, n: number): number {
  return putUvarint(buf, pos, n >= 0 ? n * 2 : -n * 2 - 1);
}

/**
 * Sequential reader over a byte slice. Every read is bounded by the slice
 * end and by 10 bytes per varint, so malformed input fails instead of looping.
 */
export class VarintReader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    pos = 0,
  ) {
    this.pos = pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** A uvarint as an unsigned 64-bit value: exact number when ≤ 2^53-1, else bigint. */
  private uvarintRaw(what: string): number | bigint {
    const { buf } = this;
    const start = this.pos;
    let result = 0;
    let mult = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (this.pos >= buf.length) {
        throw new VarintError(`truncated ${what} varint at offset ${start} (${buf.length - start} bytes left)`);
      }
      const b = buf[this.pos++]!;
      if (i === 7) return this.uvarintTail(BigInt(result), b, what, start);
      result += (b & 0x7f) * mult;
      if (b < 0x80) return result;
      mult *= 128;
    }
    throw new VarintError(`${what} varint longer than 10 bytes at offset ${start}`);
  }

  // Bytes 8..10 may exceed 2^53, so they are accumulated as bigint.
  private uvarintTail(acc: bigint, first: number, what: string, start: number): number | bigint {
    let b = first;
    let shift = 49n;
    for (let i = 7; ; i++) {
      if (i === MAX_VARINT_BYTES - 1 && b > 1) throw new VarintError(`${what} varint overflows 64 bits at offset ${start}`);
      acc |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) break;
      if (i === MAX_VARINT_BYTES - 1) throw new VarintError(`${what} varint longer than 10 bytes at offset ${start}`);
      if (this.pos >= this.buf.length) {
        throw new VarintError(`truncated ${what} varint at offset ${start} (${this.buf.length - start} bytes left)`);
      }
      b = this.buf[this.pos++]!;
      shift += 7n;
    }
    return acc <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(acc) : acc;
  }

  /** An unsigned value that must fit a safe integer (lengths, counts, enums). */
  uvarint(what: string): number {
    const v = this.uvarintRaw(what);
    if (typeof v === "bigint") throw new VarintError(`${what} ${v} is too large`);
    return v;
  }

  /** uint64 reinterpreted as int64 (Go's int64(u)); must be a safe integer. */
  uvarintInt64(what: string): number {
    const v = this.uvarintRaw(what);
    if (typeof v === "number") return v;
    const signed = v >= TWO_POW_63 ? v - TWO_POW_64 : v;
    const n = Number(signed);
    if (!Number.isSafeInteger(n)) throw new VarintError(`${what} ${signed} is outside the safe integer range`);
    return n;
  }

  /** Go's binary.ReadVarint (zigzag); must be a safe integer. */
  zigzag(what: string): number {
    const v = this.uvarintRaw(what);
    if (typeof v === "number") return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
    const n = Number(v & 1n ? -((v + 1n) >> 1n) : v >> 1n);
    if (!Number.isSafeInteger(n)) throw new VarintError(`${what} ${v} is outside the safe integer range`);
    return n;
  }
}
