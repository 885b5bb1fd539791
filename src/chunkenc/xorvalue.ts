// Gorilla XOR coding of one float64 against its predecessor (xorWrite /
// xorRead in xor.go). Shared by the histogram codecs for sums, counts and
// float buckets; the XOR chunk decoder has its own inlined copy for speed.

import type { BitReader, BitWriter } from "./bstream.js";
import { ChunkDecodeError } from "./errors.js";

/** Previous value bits plus the leading/trailing zero window in use. */
export interface XorState {
  hi: number;
  lo: number;
  leading: number;
  trailing: number;
}

/** 0xff marks "no window yet": the first delta must send its own. */
export const NO_WINDOW = 0xff;

export function newXorState(hi = 0, lo = 0, leading = NO_WINDOW): XorState {
  return { hi, lo, leading, trailing: 0 };
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Appends value (hi, lo) as a delta against st and advances st. */
export function writeXorValue(w: BitWriter, st: XorState, hi: number, lo: number): void {
  const dhi = (hi ^ st.hi) >>> 0;
  const dlo = (lo ^ st.lo) >>> 0;
  st.hi = hi >>> 0;
  st.lo = lo >>> 0;
  if (dhi === 0 && dlo === 0) {
    w.writeBit(0);
    return;
  }
  w.writeBit(1);
  let leading = dhi !== 0 ? Math.clz32(dhi) : 32 + Math.clz32(dlo);
  const trailing = dlo !== 0 ? ctz32(dlo) : 32 + ctz32(dhi);
  // The leading count has 5 bits on the wire.
  if (leading >= 32) leading = 31;

  if (st.leading !== NO_WINDOW && leading >= st.leading && trailing >= st.trailing) {
    w.writeBit(0);
    writeShifted(w, dhi, dlo, st.trailing, 64 - st.leading - st.trailing);
    return;
  }
  st.leading = leading;
  st.trailing = trailing;
  const sig = 64 - leading - trailing;
  w.writeBit(1);
  w.writeBits(leading, 5);
  // 64 significant bits do not fit in 6 bits; 0 stands for 64.
  w.writeBits(sig & 63, 6);
  writeShifted(w, dhi, dlo, trailing, sig);
}

/** Writes the n bits of (hi, lo) >> shift. */
function writeShifted(w: BitWriter, hi: number, lo: number, shift: number, n: number): void {
  let h = hi;
  let l = lo;
  if (shift >= 32) {
    l = hi >>> (shift - 32);
    h = 0;
  } else if (shift > 0) {
    l = (lo >>> shift) | (hi << (32 - shift));
    h = hi >>> shift;
  }
  w.writeBits64(h, l, n);
}

/** Reads one XOR-coded value into st (st holds the previous value on entry). */
export function readXorValue(r: BitReader, st: XorState, what: string): void {
  const w = r.peek32();
  if (w >>> 31 === 0) {
    r.skip(1, what);
    return;
  }
  let mbits: number;
  if ((w & 0x40000000) === 0) {
    r.skip(2, what);
    mbits = 64 - st.leading - st.trailing;
  } else {
    r.skip(13, what);
    const leading = (w >>> 25) & 31;
    mbits = (w >>> 19) & 63;
    if (mbits === 0) mbits = 64;
    if (leading + mbits > 64) {
      throw new ChunkDecodeError(`invalid XOR window reading ${what}: leading ${leading} + sigbits ${mbits} > 64`, r.pos - 13);
    }
    st.leading = leading;
    st.trailing = 64 - leading - mbits;
  }
  r.read64(mbits, what);
  const t = st.trailing;
  const h = r.hi;
  const l = r.lo;
  if (t === 0) {
    st.hi = (st.hi ^ h) >>> 0;
    st.lo = (st.lo ^ l) >>> 0;
  } else if (t >= 32) {
    st.hi = (st.hi ^ (l << (t - 32))) >>> 0;
  } else {
    st.hi = (st.hi ^ ((h << t) | (l >>> (32 - t)))) >>> 0;
    st.lo = (st.lo ^ (l << t)) >>> 0;
  }
}
