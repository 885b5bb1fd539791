// Prometheus XOR chunks (encoding 1, xor.go): Gorilla-style float samples.
//
// Layout: num_samples uint16 BE | t0 varint | v0 64 bits | t1-t0 uvarint |
// v1 xor | { dod varbit_ts | v xor }*. The decoder is the hot path of block
// conversion, so it keeps all state in locals and peeks 32-bit windows from a
// padded scratch copy instead of going through BitReader.

import { BitWriter, padInto, peek32 } from "./bstream.js";
import { ChunkDecodeError, endOfData } from "./errors.js";
import { HI, LO, hiBits, loBits, wordsOf } from "./floatbits.js";
import { TWO32, int64FromWords, int64Hi, int64Lo } from "./int64.js";
import type { FloatSamples } from "./types.js";
import { bitRange } from "./varbit.js";
import { newXorState, writeXorValue, type XorState } from "./xorvalue.js";

const MAX_SAMPLES = 0xffff;

/** Scratch for the padded copy of the chunk; decoding is synchronous so one suffices. */
let scratch: Uint8Array = new Uint8Array(1024);
/** Cached word view of the last output value array (avoids a view per chunk). */
let lastV: Float64Array | null = null;
let lastWords: Uint32Array = new Uint32Array(0);

/** Sample count from the chunk header, without decoding. */
export function xorSampleCount(data: Uint8Array): number {
  if (data.length < 2) throw new ChunkDecodeError(`XOR chunk too short for its header: ${data.length} bytes`, 0);
  return (data[0] << 8) | data[1];
}

function prepareOut(n: number, out: FloatSamples | undefined): FloatSamples {
  if (!out) return { n: 0, t: new Float64Array(n), v: new Float64Array(n) };
  // Grow geometrically so a stream of slightly larger chunks does not reallocate each time.
  if (out.t.length < n) out.t = new Float64Array(Math.max(n, out.t.length * 2));
  if (out.v.length < n) out.v = new Float64Array(Math.max(n, out.v.length * 2));
  out.n = 0;
  return out;
}

/**
 * Reads a Go uvarint byte by byte from the bit stream (it is byte aligned in
 * practice, but Go's reader does not require that). The 64-bit result goes to
 * varHi/varLo and the new position to varPos, to avoid allocating.
 */
let varPos = 0;
let varHi = 0;
let varLo = 0;
function readUvarint(buf: Uint8Array, pos: number, end: number, what: string): void {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 10; i++) {
    if (pos + 8 > end) throw endOfData(what, pos, 8, end);
    const b = peek32(buf, pos) >>> 24;
    pos += 8;
    // Go rejects a 10th byte above 1 (more than 64 bits).
    if (i === 9 && b > 1) throw new ChunkDecodeError(`varint overflows 64 bits reading ${what}`, pos - 8);
    const x = b & 0x7f;
    const s = 7 * i;
    if (s < 32) {
      lo |= x << s;
      if (s > 25) hi |= x >>> (32 - s);
    } else {
      hi |= x << (s - 32);
    }
    if (b < 0x80) {
      varPos = pos;
      varHi = hi >>> 0;
      varLo = lo >>> 0;
      return;
    }
  }
  throw new ChunkDecodeError(`varint longer than 10 bytes reading ${what}`, pos);
}

/** Decodes an XOR chunk. Reuses out's arrays when they are large enough. */
export function decodeXor(data: Uint8Array, out?: FloatSamples): FloatSamples {
  const n = xorSampleCount(data);
  const res = prepareOut(n, out);
  if (n === 0) return res;

  const buf = (scratch = padInto(data, scratch));
  const end = data.length * 8;
  const ts = res.t;
  if (res.v !== lastV) {
    lastV = res.v;
    lastWords = wordsOf(res.v);
  }
  const words = lastWords;

  // Sample 0: zigzag varint timestamp and raw value bits.
  let pos = 16;
  readUvarint(buf, pos, end, "timestamp of sample 0");
  pos = varPos;
  // Undo zigzag: (u >>> 1) ^ -(u & 1) on 64 bits.
  const neg = -(varLo & 1);
  let t = int64FromWords((varHi >>> 1) ^ neg, ((varLo >>> 1) | (varHi << 31)) ^ neg);
  if (pos + 64 > end) throw endOfData("value of sample 0", pos, 64, end);
  let vhi = peek32(buf, pos);
  let vlo = peek32(buf, pos + 32);
  pos += 64;
  ts[0] = t;
  words[HI] = vhi;
  words[LO] = vlo;
  if (n === 1) {
    res.n = 1;
    return res;
  }

  // Sample 1: uvarint delta (uint64, reinterpreted as int64 when added).
  readUvarint(buf, pos, end, "timestamp delta of sample 1");
  pos = varPos;
  let tDelta = int64FromWords(varHi, varLo);

  let leading = 0;
  let trailing = 0;
  for (let i = 1; i < n; i++) {
    if (i > 1) {
      const start = pos;
      // Delta-of-delta: prefix 0 | 10 +14 | 110 +17 | 1110 +20 | 1111 +64 bits.
      const w = peek32(buf, pos);
      if (w >>> 31 === 0) {
        pos += 1;
      } else if (w >>> 30 === 2) {
        const d = (w >>> 16) & 0x3fff;
        tDelta += d > 0x2000 ? d - 0x4000 : d;
        pos += 16;
      } else if (w >>> 29 === 6) {
        const d = (w >>> 12) & 0x1ffff;
        tDelta += d > 0x10000 ? d - 0x20000 : d;
        pos += 20;
      } else if (w >>> 28 === 14) {
        const d = (w >>> 8) & 0xfffff;
        tDelta += d > 0x80000 ? d - 0x100000 : d;
        pos += 24;
      } else {
        const dh = peek32(buf, pos + 4) | 0;
        const dl = peek32(buf, pos + 36);
        tDelta += dh * TWO32 + dl;
        pos += 68;
      }
      // Padding reads as zeros; anything consumed past the end is an error.
      if (pos > end) throw endOfData(`timestamp of sample ${i}`, start, pos - start, end);
    }
    t += tDelta;
    ts[i] = t;

    // Value: 0 same | 10 reuse window | 11 leading(5) sigbits(6), then the bits.
    const start = pos;
    const w = peek32(buf, pos);
    if (w >>> 31 !== 0) {
      let mbits: number;
      if ((w & 0x40000000) === 0) {
        mbits = 64 - leading - trailing;
        pos += 2;
      } else {
        leading = (w >>> 25) & 31;
        mbits = (w >>> 19) & 63;
        if (mbits === 0) mbits = 64;
        if (leading + mbits > 64) {
          throw new ChunkDecodeError(
            `invalid XOR window in value of sample ${i}: leading ${leading} + sigbits ${mbits} > 64`,
            pos,
          );
        }
        trailing = 64 - leading - mbits;
        pos += 13;
      }
      if (mbits <= 32) {
        const x = peek32(buf, pos) >>> (32 - mbits);
        if (trailing === 0) vlo ^= x;
        else if (trailing >= 32) vhi ^= x << (trailing - 32);
        else {
          vlo ^= x << trailing;
          vhi ^= x >>> (32 - trailing);
        }
      } else {
        const hb = mbits - 32;
        const h = peek32(buf, pos) >>> (32 - hb);
        const l = peek32(buf, pos + hb);
        if (trailing === 0) {
          vhi ^= h;
          vlo ^= l;
        } else {
          vhi ^= (h << trailing) | (l >>> (32 - trailing));
          vlo ^= l << trailing;
        }
      }
      pos += mbits;
    } else {
      pos += 1;
    }
    if (pos > end) throw endOfData(`value of sample ${i}`, start, pos - start, end);
    words[2 * i + HI] = vhi;
    words[2 * i + LO] = vlo;
  }
  res.n = n;
  return res;
}

/** Go's PutUvarint of the uint64 (hi, lo). */
function putUvarint(w: BitWriter, hi: number, lo: number): void {
  hi >>>= 0;
  lo >>>= 0;
  while (hi !== 0 || lo >= 0x80) {
    w.writeByte((lo & 0x7f) | 0x80);
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  w.writeByte(lo);
}

function checkTimestamp(t: number): void {
  if (!Number.isSafeInteger(t)) throw new RangeError(`timestamp must be a safe integer, got ${t}`);
}

/** Appends samples into a new XOR chunk, producing Prometheus 2.42's exact bytes. */
export class XorEncoder {
  private readonly w = new BitWriter(2);
  private num = 0;
  private t = 0;
  private tDelta = 0;
  private readonly value: XorState = newXorState();

  get numSamples(): number {
    return this.num;
  }

  append(t: number, v: number): void {
    this.appendBits(t, hiBits(v), loBits(v));
  }

  /** Appends a sample whose value is given as float64 bits (hi, lo words). */
  appendBits(t: number, hi: number, lo: number): void {
    checkTimestamp(t);
    if (this.num >= MAX_SAMPLES) throw new RangeError(`XOR chunk cannot hold more than ${MAX_SAMPLES} samples`);
    const w = this.w;
    if (this.num === 0) {
      // Zigzag varint: (x << 1) ^ (x >> 63).
      const hi0 = int64Hi(t);
      const lo0 = int64Lo(t);
      const sign = hi0 >> 31;
      putUvarint(w, ((hi0 << 1) | (lo0 >>> 31)) ^ sign, (lo0 << 1) ^ sign);
      w.writeBits64(hi, lo, 64);
      this.value.hi = hi >>> 0;
      this.value.lo = lo >>> 0;
    } else {
      const delta = t - this.t;
      if (!Number.isSafeInteger(delta)) throw new RangeError(`timestamp delta out of range at ${t}`);
      if (this.num === 1) {
        // uint64(t - prev): a negative delta goes out as its two's complement.
        putUvarint(w, int64Hi(delta), int64Lo(delta));
      } else {
        const dod = delta - this.tDelta;
        if (!Number.isSafeInteger(dod)) throw new RangeError(`timestamp delta-of-delta out of range at ${t}`);
        writeDod(w, dod);
      }
      writeXorValue(w, this.value, hi, lo);
      this.tDelta = delta;
    }
    this.t = t;
    this.num++;
  }

  /** A copy of the chunk data (header included). */
  bytes(): Uint8Array {
    const b = this.w.bytes();
    b[0] = this.num >>> 8;
    b[1] = this.num & 0xff;
    return b;
  }
}

function writeDod(w: BitWriter, dod: number): void {
  if (dod === 0) {
    w.writeBit(0);
  } else if (bitRange(dod, 14)) {
    w.writeBits(0b10, 2);
    w.writeBits(dod & 0x3fff, 14);
  } else if (bitRange(dod, 17)) {
    w.writeBits(0b110, 3);
    w.writeBits(dod & 0x1ffff, 17);
  } else if (bitRange(dod, 20)) {
    w.writeBits(0b1110, 4);
    w.writeBits(dod & 0xfffff, 20);
  } else {
    w.writeBits(0b1111, 4);
    w.writeBits64(int64Hi(dod), int64Lo(dod), 64);
  }
}

/** Encodes samples [from, to) of t/v into one XOR chunk, copying value bits exactly. */
export function encodeXor(t: Float64Array, v: Float64Array, from: number, to: number): Uint8Array {
  if (from < 0 || to > t.length || to > v.length || from > to) {
    throw new RangeError(`invalid sample range [${from}, ${to}) for ${Math.min(t.length, v.length)} samples`);
  }
  const words = wordsOf(v);
  const enc = new XorEncoder();
  for (let i = from; i < to; i++) enc.appendBits(t[i], words[2 * i + HI], words[2 * i + LO]);
  return enc.bytes();
}
